#include "engine/detail/prefilter.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/detail/compiled.h"

namespace rasid::engine::detail {

std::uint32_t AtomTable::intern(const std::string& folded) {
  if (auto it = ids_.find(folded); it != ids_.end()) return it->second;
  auto id = static_cast<std::uint32_t>(atoms_.size());
  atoms_.push_back(folded);
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

MaybeReq predicate_req(const CompiledPredicate& p, AtomTable& atoms) {
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
  return Req{{atoms.intern(literal)}, literal.size()};
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
  for (const auto& p : item.predicates) reqs.push_back(predicate_req(p, atoms));
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

Result<std::unique_ptr<Prefilter>> Prefilter::build(const std::vector<std::string>& atoms) {
  auto prefilter = std::make_unique<Prefilter>();
  if (atoms.empty()) return prefilter;
  std::vector<const char*> expressions;
  std::vector<std::size_t> lengths;
  std::vector<unsigned> flags(atoms.size(), HS_FLAG_SINGLEMATCH);
  std::vector<unsigned> ids;
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    expressions.push_back(atoms[i].data());
    lengths.push_back(atoms[i].size());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(atoms.size()), HS_MODE_VECTORED, nullptr, &db,
                           &error) != HS_SUCCESS) {
    std::string message = error != nullptr ? error->message : "unknown error";
    hs_free_compile_error(error);
    return fail(ErrorCode::kInternal, fmt::format("cannot compile the literal prefilter: {}", message));
  }
  prefilter->database.reset(db);
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
    return fail(ErrorCode::kInternal, "cannot allocate prefilter scratch space");
  }
  prefilter->prototype.reset(scratch);
  return prefilter;
}

}  // namespace rasid::engine::detail
