#include "engine/detail/prefilter.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "engine/detail/compiled.h"

namespace rasid::engine::detail {

std::size_t AtomTable::AtomHash::operator()(const Atom& a) const noexcept {
  return std::hash<std::string>{}(a.literal) ^
         (static_cast<std::size_t>(a.field) * 0x9E3779B97F4A7C15ull) ^
         (static_cast<std::size_t>(a.kind) << 56);
}

std::uint32_t AtomTable::intern(const Atom& atom) {
  if (auto it = ids_.find(atom); it != ids_.end()) return it->second;
  auto id = static_cast<std::uint32_t>(atoms_.size());
  atoms_.push_back(atom);
  ids_.emplace(atom, id);
  return id;
}

std::uint32_t AtomTable::find(const Atom& atom) const {
  auto it = ids_.find(atom);
  return it == ids_.end() ? kNoAtom : it->second;
}

std::vector<Atom> AtomTable::release() {
  ids_.clear();
  return std::move(atoms_);
}

void ExactAtoms::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 8 : old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.atom == kNoAtom) continue;
    std::size_t i = slot.hash & mask;
    while (slots_[i].atom != kNoAtom) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

void ExactAtoms::add(std::string_view folded, std::uint32_t atom) {
  if ((count_ + 1) * 2 > slots_.size()) grow();
  const std::uint64_t h = hash(folded);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = h & mask;
  while (slots_[i].atom != kNoAtom) i = (i + 1) & mask;
  slots_[i] = Slot{h, folded, atom};
  ++count_;
}


namespace {

using CK = CompiledPredicate::Kind;
using Kind = sigma::Condition::Kind;

// A requirement during derivation: the atoms (one of which must be found), and its expected
// cost, used to choose among AND branches: the sum over its atoms of how often each may be
// found, guessed as 1 / length^2 (a long literal is rarer than a short one; ".exe" at the end
// of an image path is everywhere, "\\edr-freeze" nowhere). Any branch is sound; a good
// choice only means fewer candidates.
struct Req {
  std::vector<std::uint32_t> atoms;
  double cost = 0;
};

double atom_cost(std::size_t length) {
  const double l = static_cast<double>(std::max<std::size_t>(length, 1));
  return 1.0 / (l * l);
}
using MaybeReq = std::optional<Req>;

// Literals shorter than this occur in nearly every value; as a substring, prefix or suffix
// requirement they filter nothing but slow every scan of their field's database (vectorscan's
// literal matcher confirms short literals far more often), so such a predicate gets no atom of
// that kind. Whole-value (exact) atoms are hash lookups and have no minimum.
constexpr std::size_t kMinAtomLength = 3;
// A field with this few literals has them compared directly rather than scanned for: a
// vectorscan block scan costs a few hundred nanoseconds even with one literal in the
// database (measured on Provider_Name: the costliest field scan of a hunt), a direct search
// of a short value a few dozen.
constexpr std::size_t kMaxDirectPatterns = 8;
// Length a non-ASCII atom counts as when choosing among AND branches: as selective as a
// short literal.
constexpr std::size_t kNonAsciiScore = kMinAtomLength;

bool has_non_ascii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// Does the pattern turn case-insensitivity on with an inline flag group ("(?i)", "(?mi:")?
// Conservative: any flag group naming 'i' counts, "(?-i)" included.
bool has_inline_ignore_case(std::string_view pattern) {
  for (std::size_t at = pattern.find("(?"); at != std::string_view::npos;
       at = pattern.find("(?", at + 2)) {
    std::size_t i = at + 2;
    while (i < pattern.size() && std::string_view("imsU-").find(pattern[i]) != std::string_view::npos) {
      if (pattern[i] == 'i') return true;
      ++i;
    }
  }
  return false;
}

// The literals a regular expression (RE2 syntax) cannot match without: for each top-level
// alternative, its longest run of literal characters that every match contains. nullopt when
// some alternative has no such run, or when the pattern uses syntax
// this conservative reader does not follow (non-ASCII characters, \Q...\E, odd braces).
// Case does not matter: atoms are folded, and so are the values they are looked for in.
class RegexLiterals {
 public:
  explicit RegexLiterals(std::string_view pattern) : re_(pattern) {}

  // Per top-level alternative, every literal run it requires (each occurs in every match of
  // that alternative), in pattern order.
  std::optional<std::vector<std::vector<std::string>>> required() {
    std::vector<std::vector<std::string>> out;
    while (true) {
      std::vector<std::string> runs;
      if (!alternative(runs) || runs.empty()) return std::nullopt;
      out.push_back(std::move(runs));
      if (i_ >= re_.size()) return out;
      ++i_;  // the top-level '|'
    }
  }

 private:
  bool at(char c) const { return i_ < re_.size() && re_[i_] == c; }
  static bool is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  // Reads one alternative up to a top-level '|' or the end; `runs` gets its literal runs.
  bool alternative(std::vector<std::string>& runs) {
    std::string run;
    auto cut = [&] {
      if (!run.empty()) runs.push_back(run);
      run.clear();
    };
    while (i_ < re_.size() && re_[i_] != '|') {
      char c = re_[i_];
      if (static_cast<unsigned char>(c) >= 0x80) return false;
      bool literal = false;
      char value = 0;
      if (c == '\\') {
        if (i_ + 1 >= re_.size()) return false;
        char e = re_[i_ + 1];
        i_ += 2;
        if (!is_alnum(e)) {
          if (static_cast<unsigned char>(e) >= 0x80) return false;
          literal = true;
          value = e;
        } else if (e == 'Q') {
          return false;
        } else if (e == 'x' || e == 'p' || e == 'P') {
          if (at('{')) {
            while (i_ < re_.size() && re_[i_] != '}') ++i_;
            if (!at('}')) return false;
            ++i_;
          } else {
            i_ += e == 'x' ? 2 : 1;
          }
        }
        // Other letter escapes (\d, \s, \b, \n, ...) are classes or assertions: a cut.
      } else if (c == '(') {
        if (!skip_group()) return false;
        if (flags_only_) {
          flags_only_ = false;
          continue;  // (?i) and the like consume nothing: the run goes on
        }
      } else if (c == '[') {
        if (!skip_class()) return false;
      } else if (c == ')') {
        return false;  // unbalanced
      } else if (c == '*' || c == '+' || c == '?' || c == '{') {
        return false;  // a quantifier with nothing to repeat
      } else {
        ++i_;
        if (c != '.' && c != '^' && c != '$') {
          literal = true;
          value = c;
        }
      }
      // A quantifier applies to what was just read.
      int min_repeat = 1;
      bool repeated = false;
      if (at('*') || at('?')) {
        min_repeat = 0;
        repeated = true;
        ++i_;
      } else if (at('+')) {
        repeated = true;
        ++i_;
      } else if (at('{')) {
        if (!repeat(min_repeat)) return false;
        repeated = true;
      }
      if (repeated && at('?')) ++i_;  // non-greedy
      if (!literal) {
        cut();
      } else if (!repeated) {
        run.push_back(value);
      } else {
        if (min_repeat > 0) run.push_back(value);  // once for sure, then maybe more
        cut();
      }
    }
    cut();
    return true;
  }

  // {n}, {n,} or {n,m} at i_; sets the minimum. Anything else: not followed.
  bool repeat(int& min_repeat) {
    std::size_t j = i_ + 1;
    int n = 0;
    std::size_t digits = 0;
    while (j < re_.size() && re_[j] >= '0' && re_[j] <= '9') {
      n = std::min(n * 10 + (re_[j] - '0'), 1000);
      ++j;
      ++digits;
    }
    if (digits == 0) return false;
    if (j < re_.size() && re_[j] == ',') {
      ++j;
      while (j < re_.size() && re_[j] >= '0' && re_[j] <= '9') ++j;
    }
    if (j >= re_.size() || re_[j] != '}') return false;
    i_ = j + 1;
    min_repeat = n;
    return true;
  }

  // A group at i_ ('('), skipped whole; flags_only_ tells a (?flags) group apart.
  bool skip_group() {
    std::size_t start = i_;
    int depth = 0;
    while (i_ < re_.size()) {
      char c = re_[i_];
      if (c == '\\') {
        i_ += 2;
        continue;
      }
      if (c == '[') {
        if (!skip_class()) return false;
        continue;
      }
      ++i_;
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) {
        std::string_view group = re_.substr(start, i_ - start);
        flags_only_ = group.size() > 3 && group[1] == '?' &&
                      group.find_first_not_of("imsU-", 2) == group.size() - 1;
        return true;
      }
    }
    return false;
  }

  // A class at i_ ('['), skipped whole, with [:alpha:] inside and ']' first taken literally.
  bool skip_class() {
    ++i_;
    if (at('^')) ++i_;
    if (at(']')) ++i_;
    while (i_ < re_.size()) {
      char c = re_[i_];
      if (c == '\\') {
        i_ += 2;
        continue;
      }
      if (c == '[' && i_ + 1 < re_.size() && re_[i_ + 1] == ':') {
        std::size_t end = re_.find(":]", i_ + 2);
        if (end == std::string_view::npos) return false;
        i_ = end + 2;
        continue;
      }
      ++i_;
      if (c == ']') return true;
    }
    return false;
  }

  std::string_view re_;
  std::size_t i_ = 0;
  bool flags_only_ = false;
};

// Atoms on a field that names the event's source or type (Channel, EventID, Provider_Name:
// `source_fields`) are found in every event of that source whatever its content: a rule's
// `Provider_Name: Service Control Manager` holds in every service event, so such an atom
// counts as common as a one-byte literal and is only chosen when no other branch has one.
constexpr double kSourceAtomCost = 1.0;

struct Context {
  AtomTable& atoms;
  const std::vector<std::uint8_t>& source_fields;
};

MaybeReq literal_req(const CompiledPredicate& p, const CompiledItem& item, AtomTable& atoms);

MaybeReq predicate_req(const CompiledPredicate& p, const CompiledItem& item, Context& cx) {
  MaybeReq req = literal_req(p, item, cx.atoms);
  if (req && !item.keyword && item.field < cx.source_fields.size() && cx.source_fields[item.field]) {
    req->cost = kSourceAtomCost * static_cast<double>(req->atoms.size());
  }
  return req;
}

MaybeReq literal_req(const CompiledPredicate& p, const CompiledItem& item, AtomTable& atoms) {
  Atom atom;
  atom.field = item.keyword ? event::kNoField : item.field;
  std::string literal;
  switch (p.kind) {
    case CK::kExact:
      literal = p.literal;
      atom.kind = AtomKind::kExact;
      break;
    case CK::kPrefix:
      literal = p.literal;
      atom.kind = AtomKind::kPrefix;
      break;
    case CK::kSuffix:
      literal = p.literal;
      atom.kind = AtomKind::kSuffix;
      break;
    case CK::kContains:
      literal = p.literal;
      atom.kind = AtomKind::kAnywhere;
      break;
    case CK::kGlob: {
      // The longest literal piece; anchored when it is the first or the last piece (the
      // glob matches whole values).
      std::size_t best = p.glob.size();
      for (std::size_t i = 0; i < p.glob.size(); ++i) {
        const auto& piece = p.glob[i];
        if (piece.kind == GlobPiece::Kind::kLiteral && piece.text.size() > literal.size()) {
          literal = piece.text;
          best = i;
        }
      }
      atom.kind = AtomKind::kAnywhere;
      if (best == 0) atom.kind = AtomKind::kPrefix;
      if (best + 1 == p.glob.size() && best != 0) atom.kind = AtomKind::kSuffix;
      break;
    }
    case CK::kRegex: {
      // A requirement of the pattern's literals, one per top-level alternative.
      auto alternatives =
          regex_check_literals(p.regex->pattern(), !p.regex->options().case_sensitive());
      if (alternatives.empty()) return std::nullopt;
      atom.kind = AtomKind::kAnywhere;
      Req req;
      for (const auto& runs : alternatives) {
        // The longest run of each alternative (the first of equal ones).
        const std::string* longest = &runs.front();
        for (const auto& run : runs) {
          if (run.size() > longest->size()) longest = &run;
        }
        const std::string& l = *longest;
        if (item.keyword && l.size() < kMinAtomLength) return std::nullopt;
        atom.literal = l;
        req.atoms.push_back(atoms.intern(atom));
        req.cost += atom_cost(l.size());
      }
      std::sort(req.atoms.begin(), req.atoms.end());
      req.atoms.erase(std::unique(req.atoms.begin(), req.atoms.end()), req.atoms.end());
      return req;
    }
    default:
      return std::nullopt;
  }
  // Keyword searches look anywhere in any value (their globs are wrapped in stars anyway).
  if (item.keyword) atom.kind = AtomKind::kAnywhere;
  if (literal.empty()) return std::nullopt;
  if (atom.kind != AtomKind::kExact && literal.size() < kMinAtomLength) {
    if (item.keyword) return std::nullopt;
    // A short literal with a byte >= 0x80 still needs such a byte in the value (the byte is
    // the same folded or not): rare in logs, and tested without a scan. Other short literals
    // are looked for directly (FieldMatcher::direct_atoms), not by the field's database.
    if (has_non_ascii(literal)) {
      atom.kind = AtomKind::kNonAscii;
      return Req{{atoms.intern(atom)}, atom_cost(kNonAsciiScore)};
    }
  }
  atom.literal = fold_copy(literal);
  return Req{{atoms.intern(atom)}, atom_cost(atom.literal.size())};
}

bool better(const Req& a, const Req& b) { return a.cost < b.cost; }

MaybeReq any_of(std::vector<MaybeReq> reqs) {  // OR: union, or nothing if one has none
  Req out;
  for (auto& r : reqs) {
    if (!r) return std::nullopt;
    out.atoms.insert(out.atoms.end(), r->atoms.begin(), r->atoms.end());
    out.cost += r->cost;
  }
  if (reqs.empty()) return std::nullopt;
  std::sort(out.atoms.begin(), out.atoms.end());
  out.atoms.erase(std::unique(out.atoms.begin(), out.atoms.end()), out.atoms.end());
  return out;
}

MaybeReq all_of(std::vector<MaybeReq> reqs) {  // AND: the best single branch
  MaybeReq best;
  for (auto& r : reqs) {
    if (r && (!best || better(*r, *best))) best = std::move(r);
  }
  return best;
}

MaybeReq item_req(const CompiledItem& item, Context& cx) {
  if (item.negate) return std::nullopt;
  std::vector<MaybeReq> reqs;
  for (const auto& p : item.predicates) reqs.push_back(predicate_req(p, item, cx));
  return item.match_all ? all_of(std::move(reqs)) : any_of(std::move(reqs));
}

MaybeReq selection_req(const CompiledSelection& selection, Context& cx) {
  std::vector<MaybeReq> alternatives;
  for (const auto& alternative : selection.alternatives) {
    std::vector<MaybeReq> items;
    for (const auto& item : alternative) items.push_back(item_req(item, cx));
    alternatives.push_back(all_of(std::move(items)));
  }
  return any_of(std::move(alternatives));
}

MaybeReq node_req(const CompiledVariant& v, std::uint32_t index, std::vector<MaybeReq>& selections) {
  const CondNode& node = v.nodes[index];
  std::vector<MaybeReq> parts;
  switch (node.kind) {
    case Kind::kNot:
      return std::nullopt;
    case Kind::kAnd:
    case Kind::kOr:
      for (auto child : node.children) parts.push_back(node_req(v, child, selections));
      return node.kind == Kind::kAnd ? all_of(std::move(parts)) : any_of(std::move(parts));
    case Kind::kSelection:
    case Kind::kOneOf:
    case Kind::kAllOf:
      for (auto s : node.selections) parts.push_back(selections[s]);
      return node.kind == Kind::kAllOf ? all_of(std::move(parts)) : any_of(std::move(parts));
  }
  return std::nullopt;
}

}  // namespace

RegexLiteralSets regex_check_literals(std::string_view pattern, bool case_insensitive) {
  auto alternatives = RegexLiterals(pattern).required();
  if (!alternatives) return {};
  // Under (?i) RE2 folds Unicode: 'k' also matches U+212A (Kelvin sign) and 's' U+017F (long
  // s), which ASCII folding does not see (checked against RE2 for every code point below
  // U+20000: no other non-ASCII character matches an ASCII letter). Such runs are cut at
  // those letters; each piece is still required.
  const bool insensitive = case_insensitive || has_inline_ignore_case(pattern);
  for (auto& runs : *alternatives) {
    std::vector<std::string> kept;
    for (const auto& run : runs) {
      std::string folded = fold_copy(run);
      if (!insensitive) {
        kept.push_back(std::move(folded));
        continue;
      }
      std::string piece;
      for (char c : folded + 'k') {
        if (c == 'k' || c == 's') {
          if (!piece.empty()) kept.push_back(piece);
          piece.clear();
        } else {
          piece.push_back(c);
        }
      }
    }
    if (kept.empty()) return {};
    runs = std::move(kept);
  }
  return std::move(*alternatives);
}

TriggerSet trigger_set(const CompiledVariant& variant, AtomTable& atoms,
                       const std::vector<std::uint8_t>& source_fields) {
  Context cx{atoms, source_fields};
  std::vector<MaybeReq> selections;
  for (const auto& s : variant.selections) selections.push_back(selection_req(s, cx));
  MaybeReq req = node_req(variant, variant.root, selections);
  if (!req) return std::nullopt;
  return std::move(req->atoms);
}

void assign_deciding_atoms(CompiledVariant& variant, const AtomTable& atoms,
                           const std::vector<std::uint8_t>& used) {
  for (auto& selection : variant.selections) {
    for (auto& alternative : selection.alternatives) {
      for (auto& item : alternative) {
        if (item.keyword) continue;  // keyword atoms are found in joined values: not exact
        for (auto& p : item.predicates) {
          if (p.cased || p.literal.empty()) continue;
          Atom atom;
          atom.field = item.field;
          switch (p.kind) {
            case CK::kExact: atom.kind = AtomKind::kExact; break;
            case CK::kPrefix: atom.kind = AtomKind::kPrefix; break;
            case CK::kSuffix: atom.kind = AtomKind::kSuffix; break;
            case CK::kContains: atom.kind = AtomKind::kAnywhere; break;
            default: continue;
          }
          atom.literal = p.literal;  // folded already (not cased)
          std::uint32_t id = atoms.find(atom);
          if (id != kNoAtom && id < used.size() && used[id]) p.atom = id;
        }
      }
    }
  }
}

namespace {

// Compiles literals into a literal database (ids = `ids`).
Result<HsDatabase> compile_literals(const std::vector<std::string_view>& literals,
                                    const std::vector<unsigned>& ids,
                                    const std::vector<unsigned>& flags, unsigned mode) {
  std::vector<const char*> expressions;
  std::vector<std::size_t> lengths;
  for (std::string_view literal : literals) {
    expressions.push_back(literal.data());
    lengths.push_back(literal.size());
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(ids.size()), mode, nullptr, &db,
                           &error) != HS_SUCCESS) {
    std::string message = error != nullptr ? error->message : "unknown error";
    hs_free_compile_error(error);
    return fail(ErrorCode::kInternal, fmt::format("cannot compile the literal prefilter: {}", message));
  }
  return HsDatabase(db);
}

}  // namespace

Result<std::unique_ptr<Prefilter>> Prefilter::build(
    AtomTable table, const std::vector<TriggerSet>& triggers, std::size_t field_count,
    const std::vector<std::vector<std::uint32_t>>& variant_groups, std::size_t group_count) {
  auto prefilter = std::make_unique<Prefilter>();
  Prefilter& pf = *prefilter;
  pf.atoms = table.release();
  pf.atom_variants.resize(pf.atoms.size());
  pf.filtered.assign(triggers.size(), 0);
  for (std::uint32_t v = 0; v < triggers.size(); ++v) {
    if (!triggers[v]) continue;
    pf.filtered[v] = 1;
    for (std::uint32_t atom : *triggers[v]) pf.atom_variants[atom].push_back(v);
  }

  // Sort the used atoms into matchers, in atom order (deterministic: atoms are interned in
  // rule order, so equal input gives equal databases).
  pf.field_matcher.assign(field_count, -1);
  std::vector<std::unordered_map<std::string_view, std::uint32_t>> pattern_ids;
  // Keyword atoms per channel group (the last one: events of no group), in atom order.
  std::vector<std::vector<std::uint32_t>> group_keywords(group_count + 1);
  for (std::uint32_t id = 0; id < pf.atoms.size(); ++id) {
    if (pf.atom_variants[id].empty()) continue;
    const Atom& atom = pf.atoms[id];
    if (atom.field == event::kNoField) {
      pf.keyword_atoms.push_back(id);
      for (std::uint32_t v : pf.atom_variants[id]) {
        if (v >= variant_groups.size() || variant_groups[v].empty()) {
          for (auto& list : group_keywords) list.push_back(id);
        } else {
          for (std::uint32_t g : variant_groups[v]) group_keywords[g].push_back(id);
        }
      }
      continue;
    }
    std::int32_t& index = pf.field_matcher[atom.field];
    if (index < 0) {
      index = static_cast<std::int32_t>(pf.matchers.size());
      pf.matchers.emplace_back();
      pattern_ids.emplace_back();
    }
    FieldMatcher& m = pf.matchers[static_cast<std::size_t>(index)];
    switch (atom.kind) {
      case AtomKind::kExact:
        m.exact.add(atom.literal, id);
        break;
      case AtomKind::kNonAscii:
        m.non_ascii.push_back(id);
        break;
      case AtomKind::kAnywhere:
      case AtomKind::kPrefix:
      case AtomKind::kSuffix: {
        if (atom.literal.size() < kMinAtomLength) {
          m.direct_atoms.push_back(id);
          break;
        }
        auto& ids = pattern_ids[static_cast<std::size_t>(index)];
        auto [it, added] =
            ids.emplace(atom.literal, static_cast<std::uint32_t>(m.patterns.size()));
        if (added) {
          m.patterns.push_back({static_cast<std::uint32_t>(atom.literal.size()), {}});
        }
        m.patterns[it->second].atoms.push_back(id);
        break;
      }
    }
  }

  hs_scratch_t* scratch = nullptr;
  auto grow_scratch = [&scratch](const HsDatabase& db) -> Status {
    if (db && hs_alloc_scratch(db.get(), &scratch) != HS_SUCCESS) {
      return fail(ErrorCode::kInternal, "cannot allocate prefilter scratch space");
    }
    return {};
  };
  Status status;
  for (FieldMatcher& m : pf.matchers) {
    if (m.patterns.size() <= kMaxDirectPatterns) {
      for (const auto& pattern : m.patterns) {
        m.direct_atoms.insert(m.direct_atoms.end(), pattern.atoms.begin(), pattern.atoms.end());
      }
      m.patterns.clear();
      continue;
    }
    std::vector<std::string_view> literals;
    std::vector<unsigned> ids, flags;
    for (std::size_t p = 0; p < m.patterns.size(); ++p) {
      const auto& pattern = m.patterns[p];
      literals.push_back(pf.atoms[pattern.atoms.front()].literal);
      ids.push_back(static_cast<unsigned>(p));
      // Caseless (ASCII letters only, like our folding: checked for every byte value) so
      // that raw values are scanned: no value is folded for the prefilter. Every occurrence
      // is reported (a suffix needs the one that ends the value): HS_FLAG_SINGLEMATCH on the
      // other patterns made the field scans 3% costlier (53.1M against 51.5M instructions
      // over the 20k bench events' field values), for 10% fewer callbacks.
      flags.push_back(HS_FLAG_CASELESS);
    }
    auto db = compile_literals(literals, ids, flags, HS_MODE_BLOCK);
    if (!db) {
      status = fail(db.error());
      break;
    }
    m.database = std::move(*db);
    if (status = grow_scratch(m.database); !status) break;
  }
  // One keyword database per distinct atom set: most groups only meet the keyword rules that
  // name no channel, and share one database.
  pf.keyword_database_of.assign(group_count + 1, -1);
  std::map<std::vector<std::uint32_t>, std::int32_t> keyword_sets;
  for (std::size_t g = 0; status && g < group_keywords.size(); ++g) {
    auto& ids = group_keywords[g];
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (ids.empty()) continue;
    if (auto it = keyword_sets.find(ids); it != keyword_sets.end()) {
      pf.keyword_database_of[g] = it->second;
      continue;
    }
    std::vector<std::string_view> literals;
    for (std::uint32_t id : ids) literals.push_back(pf.atoms[id].literal);
    std::vector<unsigned> keyword_ids(ids.begin(), ids.end());
    // Caseless (ASCII, like our folding) so that the values need no folding for the scan:
    // most events never have their keyword list folded. No HS_FLAG_SINGLEMATCH, as in the
    // field databases: a repeated keyword costs a callback that returns at once, cheaper
    // than vectorscan's bookkeeping of reported patterns.
    std::vector<unsigned> flags(ids.size(), HS_FLAG_CASELESS);
    auto db = compile_literals(literals, keyword_ids, flags, HS_MODE_BLOCK);
    if (!db) {
      status = fail(db.error());
      break;
    }
    const auto index = static_cast<std::int32_t>(pf.keyword_databases.size());
    pf.keyword_databases.push_back(std::move(*db));
    status = grow_scratch(pf.keyword_databases.back());
    keyword_sets.emplace(ids, index);
    pf.keyword_database_of[g] = index;
  }
  if (!status) {
    if (scratch != nullptr) hs_free_scratch(scratch);
    return fail(status.error());
  }
  pf.prototype.reset(scratch);
  return prefilter;
}

}  // namespace rasid::engine::detail
