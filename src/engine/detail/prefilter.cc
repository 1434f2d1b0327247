#include "engine/detail/prefilter.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/detail/compiled.h"

namespace rasid::engine::detail {

std::uint32_t AtomTable::intern(const std::string& folded, bool keyword) {
  const std::uint8_t bit = keyword ? 2 : 1;
  if (auto it = ids_.find(folded); it != ids_.end()) {
    usage_[it->second] |= bit;
    return it->second;
  }
  auto id = static_cast<std::uint32_t>(atoms_.size());
  atoms_.push_back(folded);
  usage_.push_back(bit);
  ids_.emplace(folded, id);
  return id;
}

namespace {

using CK = CompiledPredicate::Kind;
using Kind = sigma::Condition::Kind;

// A requirement during derivation: the atoms (one of which must occur), and a quality score
// used to choose among AND branches: fewer and longer atoms filter better.
struct Req {
  std::vector<std::uint32_t> atoms;
  std::size_t min_length = 0;
};
using MaybeReq = std::optional<Req>;

// Literals shorter than this occur in nearly every event; a requirement made of them filters
// nothing but still costs scan time, so such a predicate counts as having no atom.
constexpr std::size_t kMinAtomLength = 3;

MaybeReq predicate_req(const CompiledPredicate& p, bool keyword, AtomTable& atoms) {
  std::string literal;
  switch (p.kind) {
    case CK::kExact:
    case CK::kPrefix:
    case CK::kSuffix:
    case CK::kContains:
      literal = p.literal;
      break;
    case CK::kGlob:
      for (const auto& piece : p.glob) {
        if (piece.kind == GlobPiece::Kind::kLiteral && piece.text.size() > literal.size()) {
          literal = piece.text;
        }
      }
      break;
    default:
      return std::nullopt;
  }
  if (literal.size() < kMinAtomLength) return std::nullopt;
  for (char& c : literal) c = fold(c);
  return Req{{atoms.intern(literal, keyword)}, literal.size()};
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
  for (const auto& p : item.predicates) reqs.push_back(predicate_req(p, item.keyword, atoms));
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

// Compiles the atoms whose usage has `bit` into a vectored literal database (ids = atom ids);
// null when there is none.
Result<HsDatabase> compile_atoms(const AtomTable& table, std::uint8_t bit) {
  std::vector<const char*> expressions;
  std::vector<std::size_t> lengths;
  std::vector<unsigned> ids;
  const auto& atoms = table.atoms();
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    if (!(table.usage()[i] & bit)) continue;
    expressions.push_back(atoms[i].data());
    lengths.push_back(atoms[i].size());
    ids.push_back(static_cast<unsigned>(i));
  }
  if (ids.empty()) return HsDatabase();
  std::vector<unsigned> flags(ids.size(), HS_FLAG_SINGLEMATCH);
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(ids.size()), HS_MODE_VECTORED, nullptr, &db,
                           &error) != HS_SUCCESS) {
    std::string message = error != nullptr ? error->message : "unknown error";
    hs_free_compile_error(error);
    return fail(ErrorCode::kInternal, fmt::format("cannot compile the literal prefilter: {}", message));
  }
  return HsDatabase(db);
}

}  // namespace

Result<std::unique_ptr<Prefilter>> Prefilter::build(const AtomTable& atoms) {
  auto prefilter = std::make_unique<Prefilter>();
  auto fields = compile_atoms(atoms, 1);
  if (!fields) return fail(fields.error());
  auto keywords = compile_atoms(atoms, 2);
  if (!keywords) return fail(keywords.error());
  prefilter->field_database = std::move(*fields);
  prefilter->keyword_database = std::move(*keywords);
  hs_scratch_t* scratch = nullptr;
  for (const HsDatabase* db : {&prefilter->field_database, &prefilter->keyword_database}) {
    if (*db && hs_alloc_scratch(db->get(), &scratch) != HS_SUCCESS) {
      if (scratch != nullptr) hs_free_scratch(scratch);
      return fail(ErrorCode::kInternal, "cannot allocate prefilter scratch space");
    }
  }
  prefilter->prototype.reset(scratch);
  return prefilter;
}

}  // namespace rasid::engine::detail
