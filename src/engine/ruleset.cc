#include "engine/ruleset.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "engine/detail/compiled.h"

namespace rasid::engine {

using detail::CompiledItem;
using detail::CompiledPredicate;
using detail::CompiledRules;
using detail::CompiledSelection;
using detail::CompiledVariant;
using detail::CondNode;
using detail::GlobPiece;

Ruleset::Ruleset() : compiled_(std::make_unique<CompiledRules>()) {}
Ruleset::~Ruleset() = default;

RulesetBuilder::RulesetBuilder(RulesetOptions options) : options_(std::move(options)) {}

void RulesetBuilder::add_rules(std::vector<sigma::Rule> rules) {
  for (auto& rule : rules) rules_.push_back(std::move(rule));
}

namespace {

// Parses "10.0.0.0/8" or "fe80::/10" (a bare address means a host network).
bool parse_cidr(std::string_view text, detail::Cidr& out) {
  std::string address(text);
  int prefix = -1;
  if (auto slash = address.find('/'); slash != std::string::npos) {
    std::string bits = address.substr(slash + 1);
    address.resize(slash);
    if (bits.empty() || bits.size() > 3 ||
        !std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    prefix = std::stoi(bits);
  }
  if (inet_pton(AF_INET, address.c_str(), out.network.data()) == 1) {
    out.v6 = false;
    if (prefix < 0) prefix = 32;
    if (prefix > 32) return false;
  } else if (inet_pton(AF_INET6, address.c_str(), out.network.data()) == 1) {
    out.v6 = true;
    if (prefix < 0) prefix = 128;
    if (prefix > 128) return false;
  } else {
    return false;
  }
  out.prefix = prefix;
  return true;
}

// Context for compiling one (rule, variant) pair.
class VariantCompiler {
 public:
  VariantCompiler(const sigma::Rule& rule, const mapping::Variant* variant,
                  event::FieldTable& fields, Diagnostics& diags)
      : rule_(rule), variant_(variant), fields_(fields), diags_(diags) {}

  bool compile(RuleIndex index, CompiledVariant& out) {
    out.rule = index;
    if (variant_ != nullptr) {
      for (const auto& cond : variant_->conditions) {
        detail::LogsourceCondition lc;
        lc.field = fields_.intern(cond.field);
        for (const auto& v : cond.values) lc.values.push_back(detail::fold_copy(v));
        out.logsource.push_back(std::move(lc));
      }
    }
    for (const auto& selection : rule_.selections) {
      CompiledSelection cs;
      for (const auto& alternative : selection.alternatives) {
        std::vector<CompiledItem> items;
        for (const auto& item : alternative) {
          CompiledItem ci;
          if (!compile_item(item, ci)) return false;
          items.push_back(std::move(ci));
        }
        cs.alternatives.push_back(std::move(items));
      }
      out.selections.push_back(std::move(cs));
    }
    out.root = add_node(rule_.condition, out.nodes);
    return true;
  }

 private:
  event::FieldId field_id(const std::string& rule_field) {
    if (variant_ != nullptr) {
      if (auto it = variant_->renames.find(rule_field); it != variant_->renames.end()) {
        return fields_.intern(it->second);
      }
    }
    return fields_.intern(rule_field);
  }

  bool compile_item(const sigma::FieldItem& item, CompiledItem& out) {
    out.keyword = item.field.empty();
    if (out.keyword) {
      fields_.set_collect_all_values(true);
    } else {
      out.field = field_id(item.field);
    }
    out.match_all = item.match_all;
    out.negate = item.negate;
    for (const auto& predicate : item.predicates) {
      CompiledPredicate cp;
      if (!compile_predicate(predicate, out.keyword, item, cp)) return false;
      out.predicates.push_back(std::move(cp));
    }
    return true;
  }

  bool compile_predicate(const sigma::Predicate& p, bool keyword, const sigma::FieldItem& item,
                         CompiledPredicate& out) {
    using K = sigma::Predicate::Kind;
    out.cased = p.cased;
    switch (p.kind) {
      case K::kString:
        compile_glob(p.glob, keyword, out);
        return true;
      case K::kRegex: {
        RE2::Options options;
        options.set_log_errors(false);
        options.set_case_sensitive(!p.regex_ignore_case);
        options.set_dot_nl(p.regex_dotall);
        // RE2's never_nl/one_line only apply in POSIX mode; multiline is the (?m) flag.
        std::string pattern = p.regex_multiline ? "(?m)" + p.text : p.text;
        auto regex = std::make_shared<const RE2>(pattern, options);
        if (!regex->ok()) {
          diags_.error(item.where, rule_.display_id(),
                       fmt::format("invalid regular expression '{}': {}", p.text, regex->error()));
          return false;
        }
        out.kind = CompiledPredicate::Kind::kRegex;
        out.regex = std::move(regex);
        out.regex_literals = detail::regex_check_literals(p.text, p.regex_ignore_case);
        return true;
      }
      case K::kCidr:
        out.kind = CompiledPredicate::Kind::kCidr;
        if (!parse_cidr(p.text, out.cidr)) {
          diags_.error(item.where, rule_.display_id(), fmt::format("invalid network '{}'", p.text));
          return false;
        }
        return true;
      case K::kCompare:
        out.kind = CompiledPredicate::Kind::kCompare;
        out.op = p.op;
        out.number = p.number;
        out.date_part = p.date_part;
        return true;
      case K::kNull:
        out.kind = CompiledPredicate::Kind::kNull;
        return true;
      case K::kExists:
        out.kind = CompiledPredicate::Kind::kExists;
        out.exists_value = p.exists_value;
        return true;
      case K::kFieldRef:
        out.kind = CompiledPredicate::Kind::kFieldRef;
        out.ref_field = field_id(p.text);
        out.ref_shape = p.fieldref_shape;
        return true;
    }
    return false;
  }

  // Chooses the cheapest matcher that is exactly equivalent to the glob. Keyword values are
  // full-text searches: they match anywhere in a value, as if wrapped in `*`.
  static void compile_glob(const sigma::Glob& glob, bool keyword, CompiledPredicate& out) {
    using PK = sigma::Glob::PieceKind;
    std::vector<GlobPiece> pieces;
    auto push_star = [&pieces] {
      if (pieces.empty() || pieces.back().kind != GlobPiece::Kind::kStar) {
        pieces.push_back({GlobPiece::Kind::kStar, {}});
      }
    };
    if (keyword) push_star();
    for (const auto& piece : glob.pieces) {
      switch (piece.kind) {
        case PK::kStar:
          push_star();
          break;
        case PK::kQuestion:
          pieces.push_back({GlobPiece::Kind::kQuestion, {}});
          break;
        case PK::kLiteral: {
          std::string text = out.cased ? piece.text : detail::fold_copy(piece.text);
          if (!pieces.empty() && pieces.back().kind == GlobPiece::Kind::kLiteral) {
            pieces.back().text += text;
          } else if (!text.empty()) {
            pieces.push_back({GlobPiece::Kind::kLiteral, std::move(text)});
          }
          break;
        }
      }
    }
    if (keyword) push_star();

    auto is = [&pieces](std::size_t i, GlobPiece::Kind k) { return pieces[i].kind == k; };
    using GK = GlobPiece::Kind;
    using CK = CompiledPredicate::Kind;
    if (pieces.empty()) {
      out.kind = CK::kExact;
    } else if (pieces.size() == 1 && is(0, GK::kLiteral)) {
      out.kind = CK::kExact;
      out.literal = pieces[0].text;
    } else if (pieces.size() == 2 && is(0, GK::kStar) && is(1, GK::kLiteral)) {
      out.kind = CK::kSuffix;
      out.literal = pieces[1].text;
    } else if (pieces.size() == 2 && is(0, GK::kLiteral) && is(1, GK::kStar)) {
      out.kind = CK::kPrefix;
      out.literal = pieces[0].text;
    } else if (pieces.size() == 3 && is(0, GK::kStar) && is(1, GK::kLiteral) &&
               is(2, GK::kStar)) {
      out.kind = CK::kContains;
      out.literal = pieces[1].text;
    } else {
      out.kind = CK::kGlob;
      out.glob = std::move(pieces);
    }
  }

  std::uint32_t add_node(const sigma::Condition& cond, std::vector<CondNode>& nodes) {
    CondNode node;
    node.kind = cond.kind;
    for (std::size_t s : cond.selections) node.selections.push_back(static_cast<std::uint32_t>(s));
    std::vector<std::uint32_t> children;
    for (const auto& child : cond.children) children.push_back(add_node(child, nodes));
    node.children = std::move(children);
    nodes.push_back(std::move(node));
    return static_cast<std::uint32_t>(nodes.size() - 1);
  }

  const sigma::Rule& rule_;
  const mapping::Variant* variant_;
  event::FieldTable& fields_;
  Diagnostics& diags_;
};


std::string describe(const sigma::LogSource& ls) {
  std::string out;
  auto add = [&out](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    if (!out.empty()) out += ", ";
    out += fmt::format("{}={}", key, value);
  };
  add("product", ls.product);
  add("category", ls.category);
  add("service", ls.service);
  return out.empty() ? "(empty)" : out;
}

}  // namespace

namespace detail {
namespace {

// Relative cost of a predicate, to put cheap tests first within an AND (and an OR: the first
// true ends it). Rough, measured on the bench: a byte lookup, a comparison, a substring
// search over the value, a glob, RE2.
int predicate_cost(const CompiledPredicate& p) {
  using K = CompiledPredicate::Kind;
  if (p.atom != kNoAtom) return 0;
  switch (p.kind) {
    case K::kExact: case K::kNull: case K::kExists: return 1;
    case K::kPrefix: case K::kSuffix: return 2;
    case K::kCidr: case K::kCompare: return 3;
    case K::kContains: return 4;
    case K::kGlob: case K::kFieldRef: return 6;
    case K::kRegex: return 20;
  }
  return 20;
}

bool is_string_test(const CompiledPredicate& p) {
  using K = CompiledPredicate::Kind;
  return p.kind == K::kExact || p.kind == K::kPrefix || p.kind == K::kSuffix ||
         p.kind == K::kContains || p.kind == K::kGlob;
}

}  // namespace

void build_flat_detections(CompiledRules& rules) {
  FlatDetections& flat = rules.flat;
  flat = FlatDetections();
  for (const CompiledVariant& cv : rules.variants) {
    flat.selection_base.push_back(static_cast<std::uint32_t>(flat.selections.size()));
    for (const CompiledSelection& selection : cv.selections) {
      FlatRange alternatives{static_cast<std::uint32_t>(flat.alternatives.size()), 0};
      for (const auto& alternative : selection.alternatives) {
        // Items of this alternative, cheapest first.
        std::vector<std::pair<int, FlatItem>> items;
        for (const CompiledItem& item : alternative) {
          FlatItem fi;
          fi.field = item.field;
          fi.keyword = item.keyword;
          fi.match_all = item.match_all;
          fi.negate = item.negate;
          fi.source = &item;
          int cost = 1;
          if (item.keyword) {
            cost = 1000;  // every value of the event; evaluated from `source`
          } else {
            // Atoms first, then string tests, then the rest, each group by cost.
            std::vector<const CompiledPredicate*> order;
            for (const auto& p : item.predicates) order.push_back(&p);
            auto group = [](const CompiledPredicate* p) {
              return p->atom != kNoAtom ? 0 : is_string_test(*p) ? 1 : 2;
            };
            std::stable_sort(order.begin(), order.end(),
                             [&](const CompiledPredicate* a, const CompiledPredicate* b) {
                               if (group(a) != group(b)) return group(a) < group(b);
                               return predicate_cost(*a) < predicate_cost(*b);
                             });
            fi.first = static_cast<std::uint32_t>(flat.predicates.size());
            for (const CompiledPredicate* p : order) {
              FlatPredicate fp;
              fp.kind = p->kind;
              fp.cased = p->cased;
              fp.atom = p->atom;
              fp.literal = p->literal;
              fp.source = p;
              flat.predicates.push_back(fp);
              cost += predicate_cost(*p);
              switch (group(p)) {
                case 0: ++fi.atoms; break;
                case 1: ++fi.strings; break;
                default: break;
              }
            }
            fi.count = static_cast<std::uint32_t>(order.size());
          }
          items.emplace_back(cost, fi);
        }
        std::stable_sort(items.begin(), items.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        FlatRange range{static_cast<std::uint32_t>(flat.items.size()),
                        static_cast<std::uint32_t>(items.size())};
        for (const auto& [cost, fi] : items) flat.items.push_back(fi);
        flat.alternatives.push_back(range);
        ++alternatives.count;
      }
      flat.selections.push_back(alternatives);
    }
  }
}

}  // namespace detail

RuleInfo make_rule_info(const sigma::Rule& rule) {
  RuleInfo info;
  info.id = rule.id;
  info.title = rule.title;
  info.author = rule.author;
  info.description = rule.description;
  info.status = std::string(sigma::to_string(rule.status));
  info.file = rule.where.file;
  info.license = rule.license;
  info.tags = rule.tags;
  info.references = rule.references;
  info.falsepositives = rule.falsepositives;
  info.fields = rule.fields;
  info.level = rule.level;
  info.level_name = std::string(sigma::to_string(rule.level));
  return info;
}

Result<std::shared_ptr<const Ruleset>> RulesetBuilder::build(Diagnostics& diags) {
  std::shared_ptr<Ruleset> ruleset(new Ruleset());
  CompiledRules& compiled = *ruleset->compiled_;
  event::FieldTable& fields = ruleset->fields_;
  compiled.channel_field = fields.intern("Channel");
  for (const auto& name : options_.extra_fields) fields.intern(name);

  for (const auto& rule : rules_) {
    if (rule.kind == sigma::RuleKind::kCorrelation) {
      ruleset->inactive_.push_back({InactiveRule::Kind::kCorrelation, rule.id, rule.title,
                                    rule.where.file, "correlation rule: hunt runs it on the matches of the rules it names"});
      continue;
    }
    if (rule.kind != sigma::RuleKind::kDetection) continue;
    if (!rule.missing_placeholders.empty()) {
      std::string names;
      for (const auto& m : rule.missing_placeholders) {
        std::string one = "%" + m.name + "%";
        if (names.find(one) != std::string::npos) continue;
        if (!names.empty()) names += ", ";
        names += one;
      }
      ruleset->inactive_.push_back(
          {InactiveRule::Kind::kMissingPlaceholder, rule.id, rule.title, rule.where.file,
           fmt::format("no value for placeholder {} (give one with --placeholders)", names)});
      continue;
    }
    mapping::LogSourceKey key{rule.logsource.product, rule.logsource.category,
                              rule.logsource.service};
    auto variants = options_.mapping.resolve(key);
    if (!variants) {
      ruleset->inactive_.push_back(
          {InactiveRule::Kind::kNoMapping, rule.id, rule.title, rule.where.file,
           fmt::format("no mapping for logsource {}", describe(rule.logsource))});
      continue;
    }
    auto index = static_cast<RuleIndex>(ruleset->rules_.size());
    std::vector<CompiledVariant> built;
    bool ok = true;
    for (const auto& variant : *variants) {
      CompiledVariant cv;
      VariantCompiler compiler(rule, &variant, fields, diags);
      if (!compiler.compile(index, cv)) {
        ok = false;
        break;
      }
      built.push_back(std::move(cv));
    }
    if (!ok) continue;
    ruleset->rules_.push_back(make_rule_info(rule));
    for (auto& cv : built) {
      compiled.max_selections = std::max(compiled.max_selections, cv.selections.size());
      compiled.variants.push_back(std::move(cv));
    }
  }

  // Dispatch by channel: a variant whose logsource names channels is only met by events of
  // those channels.
  for (std::uint32_t v = 0; v < compiled.variants.size(); ++v) {
    const CompiledVariant& cv = compiled.variants[v];
    const detail::LogsourceCondition* channel = nullptr;
    for (const auto& lc : cv.logsource) {
      if (lc.field == compiled.channel_field && !lc.values.empty()) channel = &lc;
    }
    if (channel == nullptr) {
      compiled.always.push_back(v);
    } else {
      for (const auto& value : channel->values) compiled.by_channel[value].push_back(v);
    }
  }
  // Literal prefilter: trigger sets per variant, per-field matchers of their atoms.
  detail::AtomTable atoms;
  std::vector<detail::TriggerSet> triggers;
  triggers.reserve(compiled.variants.size());
  // Fields that name an event's source or type rather than describe what happened: those of
  // the mapping's logsource conditions (Channel, EventID) and the provider. Every event of a
  // source has the same values there, so their atoms make poor triggers.
  std::vector<std::uint8_t> source_fields(fields.size(), 0);
  auto mark_source = [&source_fields](event::FieldId id) {
    if (id < source_fields.size()) source_fields[id] = 1;
  };
  for (const auto& cv : compiled.variants) {
    for (const auto& lc : cv.logsource) mark_source(lc.field);
  }
  mark_source(fields.find("Provider_Name"));
  for (const auto& cv : compiled.variants) {
    triggers.push_back(detail::trigger_set(cv, atoms, source_fields));
  }
  if (std::any_of(triggers.begin(), triggers.end(), [](const auto& t) { return t.has_value(); })) {
    std::vector<std::uint8_t> used(atoms.atoms().size(), 0);
    for (const auto& t : triggers) {
      if (!t) continue;
      for (std::uint32_t a : *t) used[a] = 1;
    }
    for (auto& cv : compiled.variants) detail::assign_deciding_atoms(cv, atoms, used);
    compiled.variant_groups.resize(compiled.variants.size());
    std::vector<std::string> channels;
    for (const auto& [channel, list] : compiled.by_channel) channels.push_back(channel);
    std::sort(channels.begin(), channels.end());  // deterministic group ids
    for (const auto& channel : channels) {
      auto group = static_cast<std::uint32_t>(compiled.channel_group.size());
      compiled.channel_group.emplace(channel, group);
      for (std::uint32_t v : compiled.by_channel[channel]) compiled.variant_groups[v].push_back(group);
    }
    for (const auto& [channel, group] : compiled.channel_group) {
      compiled.channel_group_index.add(channel, group);
    }
    auto prefilter = detail::Prefilter::build(std::move(atoms), triggers, fields.size(),
                                              compiled.variant_groups, channels.size());
    if (!prefilter) return fail(prefilter.error());
    compiled.prefilter = std::move(*prefilter);
    const auto& filtered = compiled.prefilter->filtered;
    compiled.group_unfiltered.resize(channels.size());
    for (std::uint32_t group = 0; group < channels.size(); ++group) {
      for (std::uint32_t v : compiled.by_channel[channels[group]]) {
        if (!filtered[v]) compiled.group_unfiltered[group].push_back(v);
      }
    }
    for (std::uint32_t v : compiled.always) {
      if (!filtered[v]) compiled.always_unfiltered.push_back(v);
    }
    // The logsource conditions left once the dispatch placed an event in a variant's group:
    // the event's (first) Channel value is one of the dispatching condition's values, so that
    // condition holds; the others are checked once per event and distinct list.
    std::map<std::vector<std::pair<event::FieldId, std::vector<std::string>>>, std::uint32_t> ids;
    compiled.variant_check.assign(compiled.variants.size(), CompiledRules::kNoCheck);
    for (std::uint32_t v = 0; v < compiled.variants.size(); ++v) {
      const CompiledVariant& cv = compiled.variants[v];
      const detail::LogsourceCondition* dispatch = nullptr;
      if (!compiled.variant_groups[v].empty()) {
        for (const auto& lc : cv.logsource) {
          if (lc.field == compiled.channel_field && !lc.values.empty()) dispatch = &lc;
        }
      }
      std::vector<detail::LogsourceCondition> rest;
      std::vector<std::pair<event::FieldId, std::vector<std::string>>> key;
      for (const auto& lc : cv.logsource) {
        if (&lc == dispatch) continue;
        rest.push_back(lc);
        key.emplace_back(lc.field, lc.values);
      }
      if (rest.empty()) continue;
      auto [it, added] = ids.emplace(std::move(key), static_cast<std::uint32_t>(ids.size()));
      if (added) compiled.logsource_checks.push_back(std::move(rest));
      compiled.variant_check[v] = it->second;
    }
    detail::build_flat_detections(compiled);
  }
  return std::shared_ptr<const Ruleset>(std::move(ruleset));
}

}  // namespace rasid::engine
