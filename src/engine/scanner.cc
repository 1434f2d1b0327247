#include "engine/scanner.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

#include "engine/detail/compiled.h"
#include "engine/event_time.h"

namespace rasid::engine {

namespace detail {
namespace {

using event::Event;
using event::Value;
using CK = CompiledPredicate::Kind;

bool parse_number(std::string_view text, double& out) noexcept {
  // Leading/trailing spaces are not numbers in Sigma; "0x10" is not a decimal number either.
  if (text.empty()) return false;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (*begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, out);
  return ec == std::errc() && ptr == end;
}

bool parse_ip(std::string_view text, std::array<std::uint8_t, 16>& bytes, bool& v6) noexcept {
  char buffer[64];
  if (text.empty() || text.size() >= sizeof(buffer)) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  // IPv6 zone ids ("fe80::1%eth0") name an interface, not part of the address.
  if (char* zone = std::strchr(buffer, '%')) *zone = '\0';
  if (inet_pton(AF_INET, buffer, bytes.data()) == 1) {
    v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, buffer, bytes.data()) == 1) {
    v6 = true;
    return true;
  }
  return false;
}

bool in_network(const Cidr& cidr, std::string_view text) noexcept {
  std::array<std::uint8_t, 16> ip{};
  bool v6 = false;
  if (!parse_ip(text, ip, v6) || v6 != cidr.v6) return false;
  int full = cidr.prefix / 8, rest = cidr.prefix % 8;
  if (std::memcmp(ip.data(), cidr.network.data(), static_cast<std::size_t>(full)) != 0) {
    return false;
  }
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (ip[static_cast<std::size_t>(full)] & mask) ==
         (cidr.network[static_cast<std::size_t>(full)] & mask);
}

// Both sides come from the event: folded text for case-insensitive comparison.
bool match_ref(const CompiledPredicate& p, std::string_view value, std::string_view ref) noexcept {
  using RS = sigma::Predicate::RefShape;
  switch (p.ref_shape) {
    case RS::kEquals:
      return value == ref;
    case RS::kStartsWith:
      return value.starts_with(ref);
    case RS::kEndsWith:
      return value.ends_with(ref);
    case RS::kContains:
      return contains(value, ref, true);
  }
  return false;
}

// Does one value of the field satisfy a value predicate?
// Literals of case-insensitive predicates are folded at compile time and event values at most
// once per event (Event::folded), so every comparison below is a plain byte comparison.
bool match_value(const CompiledPredicate& p, const Value& v, const Event& event) noexcept {
  const std::string_view text = p.cased ? v.text : event.folded(v);
  switch (p.kind) {
    case CK::kExact:
      return !v.is_null() && text == p.literal;
    case CK::kPrefix:
      return !v.is_null() && text.starts_with(p.literal);
    case CK::kSuffix:
      return !v.is_null() && text.ends_with(p.literal);
    case CK::kContains:
      return !v.is_null() && contains(text, p.literal, true);
    case CK::kGlob:
      return !v.is_null() && glob_match(text, p.glob, true);
    case CK::kRegex:
      return !v.is_null() &&
             RE2::PartialMatch(re2::StringPiece(v.text.data(), v.text.size()), *p.regex);
    case CK::kCidr:
      return !v.is_null() && in_network(p.cidr, v.text);
    case CK::kCompare: {
      double number = 0;
      if (v.is_null()) return false;
      using DP = sigma::Predicate::DatePart;
      if (p.date_part == DP::kNone) {
        if (!parse_number(v.text, number)) return false;
      } else {
        auto parts = parse_date_parts(v.text);
        if (!parts) return false;
        switch (p.date_part) {
          case DP::kMinute: number = parts->minute; break;
          case DP::kHour: number = parts->hour; break;
          case DP::kDay: number = parts->day; break;
          case DP::kWeek: number = parts->iso_week; break;
          case DP::kMonth: number = parts->month; break;
          case DP::kYear: number = parts->year; break;
          case DP::kNone: break;
        }
      }
      using Op = sigma::Predicate::CompareOp;
      switch (p.op) {
        case Op::kLt: return number < p.number;
        case Op::kLte: return number <= p.number;
        case Op::kGt: return number > p.number;
        case Op::kGte: return number >= p.number;
        case Op::kEq: return number == p.number;
      }
      return false;
    }
    case CK::kNull:
      return v.is_null();
    case CK::kExists:
      return p.exists_value;
    case CK::kFieldRef:
      return !v.is_null() && event.any_of(p.ref_field, [&](const Value& ref) {
        return !ref.is_null() &&
               match_ref(p, p.cased ? v.text : event.folded(v), p.cased ? ref.text : event.folded(ref));
      });
  }
  return false;
}

bool match_predicate(const CompiledItem& item, const CompiledPredicate& p, const Event& event,
                     const std::uint8_t* hits) noexcept {
  if (hits != nullptr && p.atom != kNoAtom) return hits[p.atom] != 0;
  if (item.keyword) {
    if (p.kind == CK::kNull || p.kind == CK::kExists) return false;
    auto texts = event.keywords();
    auto folded = event.folded_keywords();
    for (std::size_t i = 0; i < texts.size(); ++i) {
      Value v{event::ValueKind::kString, texts[i], folded[i]};
      if (match_value(p, v, event)) return true;
    }
    return false;
  }
  // Field-level predicates look at presence, not at one value.
  if (p.kind == CK::kExists) return event.has(item.field) == p.exists_value;
  if (hits != nullptr && p.kind == CK::kRegex && !p.regex_literals.empty()) {
    // Fast path only: RE2 runs on values holding every literal run of some alternative.
    return event.any_of(item.field, [&](const Value& v) {
      if (v.is_null()) return false;
      const std::string_view folded = event.folded(v);
      auto holds = [folded](const std::string& l) {
        return find_bytes(folded.data(), folded.size(), l.data(), l.size()) !=
               std::string_view::npos;
      };
      const bool candidate =
          std::any_of(p.regex_literals.begin(), p.regex_literals.end(),
                      [&](const auto& runs) { return std::all_of(runs.begin(), runs.end(), holds); });
      return candidate && match_value(p, v, event);
    });
  }
  if (p.kind == CK::kNull) {
    if (!event.has(item.field)) return true;
    return event.any_of(item.field, [](const Value& v) { return v.is_null(); });
  }
  return event.any_of(item.field, [&](const Value& v) { return match_value(p, v, event); });
}

bool match_item(const CompiledItem& item, const Event& event, const std::uint8_t* hits) noexcept {
  bool result;
  if (item.match_all) {
    result = std::all_of(item.predicates.begin(), item.predicates.end(),
                         [&](const CompiledPredicate& p) { return match_predicate(item, p, event, hits); });
  } else {
    result = std::any_of(item.predicates.begin(), item.predicates.end(),
                         [&](const CompiledPredicate& p) { return match_predicate(item, p, event, hits); });
  }
  return item.negate ? !result : result;
}

bool match_selection(const CompiledSelection& selection, const Event& event,
                     const std::uint8_t* hits) noexcept {
  for (const auto& alternative : selection.alternatives) {
    if (std::all_of(alternative.begin(), alternative.end(),
                    [&](const CompiledItem& item) { return match_item(item, event, hits); })) {
      return true;
    }
  }
  return false;
}

bool eval_selection(const CompiledVariant& variant, std::uint32_t index, const Event& event,
                    std::vector<std::uint8_t>& cache, const std::uint8_t* hits) noexcept {
  std::uint8_t& slot = cache[index];
  if (slot == 0) slot = match_selection(variant.selections[index], event, hits) ? 2 : 1;
  return slot == 2;
}

bool eval_node(const CompiledVariant& variant, std::uint32_t index, const Event& event,
               std::vector<std::uint8_t>& cache, const std::uint8_t* hits) noexcept {
  const CondNode& node = variant.nodes[index];
  using Kind = sigma::Condition::Kind;
  switch (node.kind) {
    case Kind::kAnd:
      for (std::uint32_t child : node.children) {
        if (!eval_node(variant, child, event, cache, hits)) return false;
      }
      return true;
    case Kind::kOr:
      for (std::uint32_t child : node.children) {
        if (eval_node(variant, child, event, cache, hits)) return true;
      }
      return false;
    case Kind::kNot:
      return !eval_node(variant, node.children[0], event, cache, hits);
    case Kind::kSelection:
    case Kind::kOneOf:
      for (std::uint32_t s : node.selections) {
        if (eval_selection(variant, s, event, cache, hits)) return true;
      }
      return false;
    case Kind::kAllOf:
      for (std::uint32_t s : node.selections) {
        if (!eval_selection(variant, s, event, cache, hits)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace

bool logsource_holds(const std::vector<LogsourceCondition>& conditions,
                     const event::Event& event) noexcept {
  for (const auto& lc : conditions) {
    if (lc.values.empty()) {
      if (!event.has(lc.field)) return false;
      continue;
    }
    bool any = event.any_of(lc.field, [&lc, &event](const Value& v) {
      if (v.is_null()) return false;
      const std::string_view folded = event.folded(v);
      return std::any_of(lc.values.begin(), lc.values.end(),
                         [folded](const std::string& want) { return folded == want; });
    });
    if (!any) return false;
  }
  return true;
}

bool evaluate_variant(const CompiledVariant& variant, const event::Event& event,
                      std::vector<std::uint8_t>& cache, const std::uint8_t* atom_hits) noexcept {
  if (!logsource_holds(variant.logsource, event)) return false;
  std::fill(cache.begin(), cache.begin() + static_cast<std::ptrdiff_t>(variant.selections.size()),
            std::uint8_t{0});
  return eval_node(variant, variant.root, event, cache, atom_hits);
}

// The fast scanner's evaluator (FlatDetections).
namespace {

// A string test of one value; `text` is the value's folded text unless the predicate is cased.
inline bool match_string(const FlatPredicate& p, std::string_view text) noexcept {
  switch (p.kind) {
    case CK::kExact:
      return text == p.literal;
    case CK::kPrefix:
      return text.starts_with(p.literal);
    case CK::kSuffix:
      return text.ends_with(p.literal);
    case CK::kContains:
      return p.literal.empty() ||
             find_bytes(text.data(), text.size(), p.literal.data(), p.literal.size()) !=
                 std::string_view::npos;
    default:
      return glob_match(text, p.source->glob, true);
  }
}

// Does some value of the item's field pass one of the string tests [p, end)? Values outer,
// predicates inner: the value (and its folded form) is looked up once for all of them.
bool any_string(const FlatItem& item, const FlatPredicate* p, const FlatPredicate* end,
                const Event& event) noexcept {
  return event.any_of(item.field, [&](const Value& v) {
    if (v.is_null()) return false;
    for (const FlatPredicate* q = p; q != end; ++q) {
      if (match_string(*q, q->cased ? v.text : event.folded(v))) return true;
    }
    return false;
  });
}

// An item's predicates in FlatItem order: atom lookups, string tests, the rest.
bool flat_any(const FlatItem& item, const FlatPredicate* p, const Event& event,
              const std::uint8_t* hits) noexcept {
  const FlatPredicate* const atoms_end = p + item.atoms;
  const FlatPredicate* const strings_end = atoms_end + item.strings;
  const FlatPredicate* const end = p + item.count;
  for (; p != atoms_end; ++p) {
    if (hits[p->atom] != 0) return true;
  }
  if (p != strings_end && any_string(item, p, strings_end, event)) return true;
  for (p = strings_end; p != end; ++p) {
    if (match_predicate(*item.source, *p->source, event, hits)) return true;
  }
  return false;
}

bool flat_all(const FlatItem& item, const FlatPredicate* p, const Event& event,
              const std::uint8_t* hits) noexcept {
  const FlatPredicate* const atoms_end = p + item.atoms;
  const FlatPredicate* const strings_end = atoms_end + item.strings;
  const FlatPredicate* const end = p + item.count;
  for (; p != atoms_end; ++p) {
    if (hits[p->atom] == 0) return false;
  }
  for (; p != strings_end; ++p) {
    if (!any_string(item, p, p + 1, event)) return false;
  }
  for (; p != end; ++p) {
    if (!match_predicate(*item.source, *p->source, event, hits)) return false;
  }
  return true;
}

bool flat_item(const FlatItem& item, const FlatPredicate* predicates, const Event& event,
               const std::uint8_t* hits) noexcept {
  if (item.keyword) return match_item(*item.source, event, hits);
  const FlatPredicate* first = predicates + item.first;
  const bool result = item.match_all ? flat_all(item, first, event, hits)
                                     : flat_any(item, first, event, hits);
  return result != item.negate;
}

bool flat_selection(const FlatDetections& flat, std::uint32_t index, const Event& event,
                    const std::uint8_t* hits) noexcept {
  const FlatRange& alternatives = flat.selections[index];
  for (std::uint32_t a = alternatives.first; a != alternatives.first + alternatives.count; ++a) {
    const FlatRange& items = flat.alternatives[a];
    bool all = true;
    for (std::uint32_t i = items.first; i != items.first + items.count; ++i) {
      if (!flat_item(flat.items[i], flat.predicates.data(), event, hits)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

struct FlatContext {
  const FlatDetections& flat;
  const CompiledVariant& variant;
  std::uint32_t base;
  const Event& event;
  std::uint8_t* cache;
  const std::uint8_t* hits;

  bool selection(std::uint32_t index) const noexcept {
    std::uint8_t& slot = cache[index];
    if (slot == 0) slot = flat_selection(flat, base + index, event, hits) ? 2 : 1;
    return slot == 2;
  }

  bool node(std::uint32_t index) const noexcept {
    const CondNode& n = variant.nodes[index];
    using Kind = sigma::Condition::Kind;
    switch (n.kind) {
      case Kind::kAnd:
        for (std::uint32_t child : n.children) {
          if (!node(child)) return false;
        }
        return true;
      case Kind::kOr:
        for (std::uint32_t child : n.children) {
          if (node(child)) return true;
        }
        return false;
      case Kind::kNot:
        return !node(n.children[0]);
      case Kind::kSelection:
      case Kind::kOneOf:
        for (std::uint32_t s : n.selections) {
          if (selection(s)) return true;
        }
        return false;
      case Kind::kAllOf:
        for (std::uint32_t s : n.selections) {
          if (!selection(s)) return false;
        }
        return true;
    }
    return false;
  }
};

}  // namespace

bool evaluate_flat(const CompiledRules& rules, std::uint32_t v, const event::Event& event,
                   std::vector<std::uint8_t>& cache, const std::uint8_t* atom_hits) noexcept {
  const CompiledVariant& variant = rules.variants[v];
  std::fill(cache.begin(), cache.begin() + static_cast<std::ptrdiff_t>(variant.selections.size()),
            std::uint8_t{0});
  const FlatContext context{rules.flat, variant, rules.flat.selection_base[v], event, cache.data(),
                            atom_hits};
  return context.node(variant.root);
}

}  // namespace detail

struct Scanner::Scratch {
  std::vector<std::uint8_t> cache;
  std::string channel;  // folded channel of the current event
  std::vector<RuleIndex> found;
  // Prefilter state.
  detail::HsScratch hs;
  std::vector<char> joined;  // every value of the event, for the keyword database
  std::vector<std::uint8_t> triggered;      // per variant
  std::vector<std::uint32_t> touched;       // variants set in `triggered`
  const detail::Prefilter* prefilter = nullptr;
  bool filtering = false;  // prefilter present and scratch for its databases ready
  // The value being scanned by a field matcher (for its match callback).
  const detail::FieldMatcher* matcher = nullptr;
  std::size_t value_length = 0;

  std::vector<std::uint8_t> atom_hit;   // per atom: found in this event
  std::vector<std::uint32_t> hit_atoms;  // atoms set in `atom_hit`

  // Per CompiledRules::logsource_checks entry: 0 not checked on this event, 1 fails, 2 holds.
  std::vector<std::uint8_t> check_state;
  std::vector<std::uint32_t> checked;  // entries set in `check_state`

  void trigger(std::uint32_t atom) noexcept {
    if (atom_hit[atom]) return;
    atom_hit[atom] = 1;
    hit_atoms.push_back(atom);
    for (std::uint32_t v : prefilter->atom_variants[atom]) {
      if (!triggered[v]) {
        triggered[v] = 1;
        touched.push_back(v);
      }
    }
  }
};

namespace {

// Keyword atoms: pattern ids are atom ids.
int on_keyword_atom(unsigned int id, unsigned long long, unsigned long long, unsigned int,
                    void* context) noexcept {
  static_cast<Scanner::Scratch*>(context)->trigger(id);
  return 0;  // keep scanning: other atoms may trigger other variants
}

// Field atoms: pattern ids index the matcher's patterns; anchors are checked here.
int on_field_atom(unsigned int id, unsigned long long, unsigned long long to, unsigned int,
                  void* context) noexcept {
  auto* s = static_cast<Scanner::Scratch*>(context);
  const auto& pattern = s->matcher->patterns[id];
  const bool at_start = to == pattern.length;
  const bool at_end = to == s->value_length;
  for (std::uint32_t atom : pattern.atoms) {
    using AK = detail::AtomKind;
    switch (s->prefilter->atoms[atom].kind) {
      case AK::kPrefix:
        if (!at_start) continue;
        break;
      case AK::kSuffix:
        if (!at_end) continue;
        break;
      default:
        break;
    }
    s->trigger(atom);
  }
  return 0;
}

bool has_non_ascii(std::string_view s) noexcept {
  std::size_t i = 0;
  std::uint64_t any = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    any |= word;
  }
  for (; i < s.size(); ++i) any |= static_cast<unsigned char>(s[i]);
  return (any & 0x8080808080808080ull) != 0;
}

}  // namespace

Scanner::Scanner(std::shared_ptr<const Ruleset> ruleset)
    : ruleset_(std::move(ruleset)), scratch_(std::make_unique<Scratch>()) {
  const detail::CompiledRules& compiled = ruleset_->compiled();
  scratch_->cache.resize(compiled.max_selections + 1);
  scratch_->channel.reserve(256);
  if (compiled.prefilter) {
    scratch_->prefilter = compiled.prefilter.get();
    hs_scratch_t* clone = nullptr;
    // Cloning only fails on allocation failure; without scratch the scanner falls back to
    // evaluating every candidate (correct, slower). No prototype: no database to scan.
    const hs_scratch_t* prototype = compiled.prefilter->prototype.get();
    if (prototype == nullptr) {
      scratch_->filtering = true;
    } else if (hs_clone_scratch(prototype, &clone) == HS_SUCCESS) {
      scratch_->hs.reset(clone);
      scratch_->filtering = true;
    }
    scratch_->triggered.assign(compiled.variants.size(), 0);
    scratch_->atom_hit.assign(compiled.prefilter->atoms.size(), 0);
    scratch_->check_state.assign(compiled.logsource_checks.size(), 0);
  }
}

Scanner::~Scanner() = default;
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;

void Scanner::scan_reference(const event::Event& event,
                             std::vector<RuleIndex>& matches) noexcept {
  const detail::CompiledRules& compiled = ruleset_->compiled();
  Scratch& s = *scratch_;
  s.found.clear();
  for (const auto& variant : compiled.variants) {
    if (detail::evaluate_variant(variant, event, s.cache, nullptr)) {
      s.found.push_back(variant.rule);
    }
  }
  std::sort(s.found.begin(), s.found.end());
  s.found.erase(std::unique(s.found.begin(), s.found.end()), s.found.end());
  matches.insert(matches.end(), s.found.begin(), s.found.end());
}

void Scanner::scan(const event::Event& event, std::vector<RuleIndex>& matches) noexcept {
  const detail::CompiledRules& compiled = ruleset_->compiled();
  // The channel dispatch below follows one Channel value. An event with several (a JSON
  // array, which no Windows log source writes) can belong to several dispatch groups, or to
  // one behind a null: it gets the reference evaluation, which looks at every variant and
  // every value (DifferentialTest.EventsWithSeveralChannelValuesGiveIdenticalMatches).
  if (event.count(compiled.channel_field) > 1) {
    scan_reference(event, matches);
    return;
  }
  Scratch& s = *scratch_;
  s.found.clear();
  // Field matchers over the values of fields with atoms, then the keyword database over every
  // value.
  const bool filtering = s.filtering;
  // The event's channel: its dispatch group, and which keyword atoms to look for.
  const event::Value* channel = event.first(compiled.channel_field);
  if (channel != nullptr && channel->is_null()) channel = nullptr;
  constexpr std::uint32_t kNoGroup = detail::kNoAtom;  // what channel_group_index finds for none
  std::uint32_t group = kNoGroup;
  if (filtering && channel != nullptr) group = compiled.channel_group_index.find(channel->text);
  if (filtering) {
    for (std::uint32_t v : s.touched) s.triggered[v] = 0;
    s.touched.clear();
    for (std::uint32_t a : s.hit_atoms) s.atom_hit[a] = 0;
    s.hit_atoms.clear();
    const detail::Prefilter& pf = *s.prefilter;
    // Raw values, matched case-insensitively (ASCII letters, as folding): the prefilter folds
    // no value, only the evaluation of a candidate does (Event::folded, on first use).
    event.for_each([&s, &pf](event::FieldId id, const event::Value& v) {
      if (id >= pf.field_matcher.size() || pf.field_matcher[id] < 0 || v.is_null()) return;
      const std::string_view text = v.text;
      const detail::FieldMatcher& m = pf.matchers[static_cast<std::size_t>(pf.field_matcher[id])];
      if (!m.exact.empty()) {
        if (std::uint32_t atom = m.exact.find(text); atom != detail::kNoAtom) s.trigger(atom);
      }
      if (!m.non_ascii.empty() && has_non_ascii(text)) {
        for (std::uint32_t atom : m.non_ascii) s.trigger(atom);
      }
      for (std::uint32_t atom : m.direct_atoms) {
        const detail::Atom& a = pf.atoms[atom];
        const std::size_t n = a.literal.size();
        bool found = false;
        if (n <= text.size()) {
          switch (a.kind) {
            case detail::AtomKind::kPrefix:
              found = detail::equals_folded(text.substr(0, n), a.literal);
              break;
            case detail::AtomKind::kSuffix:
              found = detail::equals_folded(text.substr(text.size() - n), a.literal);
              break;
            default:
              found = detail::find_bytes_folded(text.data(), text.size(), a.literal.data(), n) !=
                      std::string_view::npos;
              break;
          }
        }
        if (found) s.trigger(atom);
      }
      if (m.database && !text.empty()) {
        s.matcher = &m;
        s.value_length = text.size();
        hs_scan(m.database.get(), text.data(), static_cast<unsigned>(text.size()), 0,
                s.hs.get(), on_field_atom, &s);
      }
    });
    const std::int32_t keyword_db =
        pf.keyword_database_of.empty()
            ? -1
            : pf.keyword_database_of[group == kNoGroup ? pf.keyword_database_of.size() - 1 : group];
    if (keyword_db >= 0) {
      // One block scan over every value joined with NUL bytes: far cheaper than a vectored
      // scan of the ~20 short values of an event (per-buffer cost). A keyword found across a
      // separator would only make a candidate.
      const hs_database_t* database = pf.keyword_databases[static_cast<std::size_t>(keyword_db)].get();
      // Raw values (the database is caseless), copied with memcpy into a buffer that only ever
      // grows (its size is its high-water mark, so it is not cleared or zero-filled per event):
      // std::string appends cost ~1k instructions per bench event, this about half.
      // The decoder's flat fast path lays the values out joined already (half of this scan's
      // cost natively was the copy: 18 small memcpy calls per bench event).
      std::string_view joined = event.joined_keywords();
      if (joined.data() == nullptr) {
        const auto keywords = event.keywords();
        std::size_t total = 0;
        for (std::string_view k : keywords) total += k.size() + 1;
        if (s.joined.size() < total) s.joined.resize(total);
        char* out = s.joined.data();
        for (std::string_view k : keywords) {
          if (!k.empty()) std::memcpy(out, k.data(), k.size());
          out[k.size()] = '\0';
          out += k.size() + 1;
        }
        joined = std::string_view(s.joined.data(), total);
      }
      if (!joined.empty()) {
        hs_scan(database, joined.data(), static_cast<unsigned>(joined.size()), 0, s.hs.get(),
                on_keyword_atom, &s);
      }
    }
  }
  if (filtering) {
    const std::uint8_t* hits = s.atom_hit.data();
    for (std::uint32_t c : s.checked) s.check_state[c] = 0;
    s.checked.clear();
    // Candidates of the event's group (or of none): only the rest of their logsource is left to
    // check, once per distinct list of conditions.
    auto logsource_holds = [&](std::uint32_t v) {
      const std::uint32_t check = compiled.variant_check[v];
      if (check == detail::CompiledRules::kNoCheck) return true;
      std::uint8_t& state = s.check_state[check];
      if (state == 0) {
        state = detail::logsource_holds(compiled.logsource_checks[check], event) ? 2 : 1;
        s.checked.push_back(check);
      }
      return state == 2;
    };
    auto evaluate = [&](std::uint32_t v) {
      if (detail::evaluate_flat(compiled, v, event, s.cache, hits)) {
        s.found.push_back(compiled.variants[v].rule);
      }
    };
    for (std::uint32_t v : compiled.always_unfiltered) {
      if (logsource_holds(v)) evaluate(v);
    }
    if (group != kNoGroup) {
      for (std::uint32_t v : compiled.group_unfiltered[group]) {
        if (logsource_holds(v)) evaluate(v);
      }
    }
    for (std::uint32_t v : s.touched) {
      const auto& groups = compiled.variant_groups[v];
      if ((groups.empty() || (group != kNoGroup && std::find(groups.begin(), groups.end(), group) !=
                                                        groups.end())) &&
          logsource_holds(v)) {
        evaluate(v);
      }
    }
  } else {
    auto evaluate = [&](std::uint32_t v) {
      const detail::CompiledVariant& variant = compiled.variants[v];
      if (detail::evaluate_variant(variant, event, s.cache, nullptr)) s.found.push_back(variant.rule);
    };
    for (std::uint32_t v : compiled.always) evaluate(v);
    if (channel != nullptr) {
      s.channel.assign(event.folded(*channel));
      if (auto it = compiled.by_channel.find(s.channel); it != compiled.by_channel.end()) {
        for (std::uint32_t v : it->second) evaluate(v);
      }
    }
  }
  std::sort(s.found.begin(), s.found.end());
  s.found.erase(std::unique(s.found.begin(), s.found.end()), s.found.end());
  matches.insert(matches.end(), s.found.begin(), s.found.end());
}

}  // namespace rasid::engine
