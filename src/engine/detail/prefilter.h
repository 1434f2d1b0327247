#pragma once
// Literal prefilter: vectorscan databases of every literal ("atom") the rules need.
//
// At build time each compiled variant gets a *trigger set*: atoms of which at least one must
// occur in the event for the variant to possibly match (derived from its condition: AND needs
// one branch's set, OR the union of its branches, NOT gives no requirement). At scan time
// vectored vectorscan passes over the event's folded values find the atoms that occur; only
// variants with a found trigger atom (or with no trigger set) are evaluated in full.
// The prefilter may let through variants that do not match (an atom found in another field,
// or across two values); it never drops one that does: the full evaluation decides.
//
// Atoms are folded (ASCII lower case) and scanned against Value::folded, so one atom serves
// case-insensitive and `cased` predicates alike (folding keeps an occurrence an occurrence).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <hs/hs.h>

#include "base/result.h"

namespace rasid::engine::detail {

struct CompiledVariant;

// Trigger set of a variant: sorted atom ids; nullopt = no requirement (always evaluate).
using TriggerSet = std::optional<std::vector<std::uint32_t>>;

// Interns atoms while variants are compiled.
class AtomTable {
 public:
  // `keyword`: the atom comes from a keyword search (searched in every value of the record)
  // rather than from a field's predicate (searched in the values of read fields).
  std::uint32_t intern(const std::string& folded, bool keyword);
  [[nodiscard]] const std::vector<std::string>& atoms() const { return atoms_; }
  // Per atom: bit 1 used by a field predicate, bit 2 used by a keyword search.
  [[nodiscard]] const std::vector<std::uint8_t>& usage() const { return usage_; }

 private:
  std::vector<std::string> atoms_;
  std::vector<std::uint8_t> usage_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

// The trigger set of a compiled variant's detection (logsource conditions excluded: the
// channel dispatch handles those).
TriggerSet trigger_set(const CompiledVariant& variant, AtomTable& atoms);

struct HsDatabaseDeleter {
  void operator()(hs_database_t* db) const noexcept { hs_free_database(db); }
};
struct HsScratchDeleter {
  void operator()(hs_scratch_t* s) const noexcept { hs_free_scratch(s); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseDeleter>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchDeleter>;

// The compiled atom databases and a prototype scratch (sized for both) that scanners clone.
// Field atoms are scanned over the values of the fields the ruleset reads; keyword atoms, a
// handful, over every value of the record. Keeping them apart keeps the big database off the
// many values no rule reads.
struct Prefilter {
  HsDatabase field_database;    // null if no field atom
  HsDatabase keyword_database;  // null if no keyword atom
  HsScratch prototype;
  std::vector<std::vector<std::uint32_t>> atom_variants;  // atom id -> variants it triggers
  std::vector<std::uint8_t> filtered;                     // per variant: has a trigger set

  // Compiles `atoms` (ids = positions) into a vectored literal database.
  [[nodiscard]] static Result<std::unique_ptr<Prefilter>> build(const AtomTable& atoms);
};

}  // namespace rasid::engine::detail
