#include "engine/detail/prefilter.h"

#include <algorithm>
#include <functional>

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

std::vector<Atom> AtomTable::release() {
  ids_.clear();
  return std::move(atoms_);
}

namespace {

using CK = CompiledPredicate::Kind;
using Kind = sigma::Condition::Kind;

// A requirement during derivation: the atoms (one of which must be found), and a quality score
// used to choose among AND branches: fewer and longer atoms filter better.
struct Req {
  std::vector<std::uint32_t> atoms;
  std::size_t min_length = 0;
};
using MaybeReq = std::optional<Req>;

// Literals shorter than this occur in nearly every value; as a substring, prefix or suffix
// requirement they filter nothing but slow every scan of their field's database (vectorscan's
// literal matcher confirms short literals far more often), so such a predicate gets no atom of
// that kind. Whole-value (exact) atoms are hash lookups and have no minimum.
constexpr std::size_t kMinAtomLength = 3;
// Score of a non-ASCII atom when choosing among AND branches: as selective as a short literal.
constexpr std::size_t kNonAsciiScore = kMinAtomLength;

bool has_non_ascii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

MaybeReq predicate_req(const CompiledPredicate& p, const CompiledItem& item, AtomTable& atoms) {
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
    default:
      return std::nullopt;
  }
  // Keyword searches look anywhere in any value (their globs are wrapped in stars anyway).
  if (item.keyword) atom.kind = AtomKind::kAnywhere;
  if (literal.empty()) return std::nullopt;
  if (atom.kind != AtomKind::kExact && literal.size() < kMinAtomLength) {
    // A short literal with a byte >= 0x80 still needs such a byte in the value (the byte is
    // the same folded or not): rare in logs, and tested without a scan.
    if (item.keyword || !has_non_ascii(literal)) return std::nullopt;
    atom.kind = AtomKind::kNonAscii;
    return Req{{atoms.intern(atom)}, kNonAsciiScore};
  }
  atom.literal = fold_copy(literal);
  std::size_t score = atom.literal.size();
  return Req{{atoms.intern(atom)}, score};
}

bool better(const Req& a, const Req& b) {
  if (a.atoms.size() != b.atoms.size()) return a.atoms.size() < b.atoms.size();
  return a.min_length > b.min_length;
}

MaybeReq any_of(std::vector<MaybeReq> reqs) {  // OR: union, or nothing if one has none
  Req out;
  out.min_length = SIZE_MAX;
  for (auto& r : reqs) {
    if (!r) return std::nullopt;
    out.atoms.insert(out.atoms.end(), r->atoms.begin(), r->atoms.end());
    out.min_length = std::min(out.min_length, r->min_length);
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

MaybeReq item_req(const CompiledItem& item, AtomTable& atoms) {
  if (item.negate) return std::nullopt;
  std::vector<MaybeReq> reqs;
  for (const auto& p : item.predicates) reqs.push_back(predicate_req(p, item, atoms));
  return item.match_all ? all_of(std::move(reqs)) : any_of(std::move(reqs));
}

MaybeReq selection_req(const CompiledSelection& selection, AtomTable& atoms) {
  std::vector<MaybeReq> alternatives;
  for (const auto& alternative : selection.alternatives) {
    std::vector<MaybeReq> items;
    for (const auto& item : alternative) items.push_back(item_req(item, atoms));
    alternatives.push_back(all_of(std::move(items)));
  }
  return any_of(std::move(alternatives));
}

MaybeReq node_req(const CompiledVariant& v, std::uint32_t index, AtomTable& atoms,
                  std::vector<MaybeReq>& selections) {
  const CondNode& node = v.nodes[index];
  std::vector<MaybeReq> parts;
  switch (node.kind) {
    case Kind::kNot:
      return std::nullopt;
    case Kind::kAnd:
    case Kind::kOr:
      for (auto child : node.children) parts.push_back(node_req(v, child, atoms, selections));
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

TriggerSet trigger_set(const CompiledVariant& variant, AtomTable& atoms) {
  std::vector<MaybeReq> selections;
  for (const auto& s : variant.selections) selections.push_back(selection_req(s, atoms));
  MaybeReq req = node_req(variant, variant.root, atoms, selections);
  if (!req) return std::nullopt;
  return std::move(req->atoms);
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

Result<std::unique_ptr<Prefilter>> Prefilter::build(AtomTable table,
                                                    const std::vector<TriggerSet>& triggers,
                                                    std::size_t field_count) {
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
  std::vector<std::string_view> keyword_literals;
  for (std::uint32_t id = 0; id < pf.atoms.size(); ++id) {
    if (pf.atom_variants[id].empty()) continue;
    const Atom& atom = pf.atoms[id];
    if (atom.field == event::kNoField) {
      keyword_literals.push_back(atom.literal);
      pf.keyword_atoms.push_back(id);
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
        m.exact.emplace(atom.literal, id);
        break;
      case AtomKind::kNonAscii:
        m.non_ascii.push_back(id);
        break;
      case AtomKind::kAnywhere:
      case AtomKind::kPrefix:
      case AtomKind::kSuffix: {
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
    if (m.patterns.empty()) continue;
    std::vector<std::string_view> literals;
    std::vector<unsigned> ids, flags;
    for (std::size_t p = 0; p < m.patterns.size(); ++p) {
      const auto& pattern = m.patterns[p];
      literals.push_back(pf.atoms[pattern.atoms.front()].literal);
      ids.push_back(static_cast<unsigned>(p));
      // A suffix needs the occurrence that ends the value, not only the first one.
      bool suffix = std::any_of(pattern.atoms.begin(), pattern.atoms.end(), [&pf](std::uint32_t a) {
        return pf.atoms[a].kind == AtomKind::kSuffix;
      });
      flags.push_back(suffix ? 0u : unsigned{HS_FLAG_SINGLEMATCH});
    }
    auto db = compile_literals(literals, ids, flags, HS_MODE_BLOCK);
    if (!db) {
      status = fail(db.error());
      break;
    }
    m.database = std::move(*db);
    if (status = grow_scratch(m.database); !status) break;
  }
  if (status && !keyword_literals.empty()) {
    std::vector<unsigned> ids(pf.keyword_atoms.begin(), pf.keyword_atoms.end());
    // Caseless (ASCII, like our folding) so that the values need no folding for the scan:
    // most events never have their keyword list folded.
    std::vector<unsigned> flags(ids.size(), HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS);
    auto db = compile_literals(keyword_literals, ids, flags, HS_MODE_BLOCK);
    if (db) {
      pf.keyword_database = std::move(*db);
      status = grow_scratch(pf.keyword_database);
    } else {
      status = fail(db.error());
    }
  }
  if (!status) {
    if (scratch != nullptr) hs_free_scratch(scratch);
    return fail(status.error());
  }
  pf.prototype.reset(scratch);
  return prefilter;
}

}  // namespace rasid::engine::detail
