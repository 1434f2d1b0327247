#pragma once
// Literal prefilter: per-field matchers of every literal ("atom") the rules need.
//
// At build time each compiled variant gets a *trigger set*: atoms of which at least one must
// be found in the event for the variant to possibly match (derived from its condition: AND
// needs one branch's set, OR the union of its branches, NOT gives no requirement). An atom is
// scoped and anchored: it belongs to one field (or to the keyword searches, which look at every
// value) and says where in a value of that field its literal must be: anywhere, at the start,
// at the end, or as the whole value; a last kind only asks for a byte >= 0x80 in the value
// (for rules made of short non-ASCII literals, such as homoglyph lists).
//
// At scan time each value of a field with atoms is checked by that field's matcher: a hash
// lookup of the whole value for exact atoms, one vectorscan block scan for the others (anchors
// checked from the match offsets), direct comparisons for literals shorter than 3 bytes and in
// fields with only a few literals, a byte test for non-ASCII atoms; keyword atoms are found by
// one vectored scan over every value of the record. Only variants with a found trigger atom
// (or with no trigger set) are evaluated in full. The prefilter may let through variants that
// do not match; it never drops one that does: the full evaluation decides.
//
// Atoms are folded (ASCII lower case) and looked for case-insensitively (ASCII letters only,
// like folding) in the raw values, so one atom serves case-insensitive and `cased` predicates
// alike (folding keeps an occurrence an occurrence) and the prefilter folds no value: a value
// is only folded when a candidate's evaluation compares it (Event::folded).

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <hs/hs.h>

#include "base/result.h"
#include "engine/detail/text.h"
#include "event/field_table.h"

namespace rasid::engine::detail {

struct CompiledVariant;

// Where an atom's literal must be found in one value of its field.
enum class AtomKind : std::uint8_t {
  kAnywhere,  // substring
  kPrefix,    // at offset 0
  kSuffix,    // ending at the value's end
  kExact,     // the whole value
  kNonAscii,  // no literal: some byte >= 0x80 anywhere in the value
};

struct Atom {
  event::FieldId field = event::kNoField;  // kNoField: keyword atom (any value of the record)
  AtomKind kind = AtomKind::kAnywhere;
  std::string literal;  // folded; empty for kNonAscii
  bool operator==(const Atom&) const = default;
};

inline constexpr std::uint32_t kNoAtom = 0xffffffffu;

// Trigger set of a variant: sorted atom ids; nullopt = no requirement (always evaluate).
using TriggerSet = std::optional<std::vector<std::uint32_t>>;

// Interns atoms while trigger sets are derived. Every candidate atom of a predicate is interned,
// also those of branches the derivation does not keep; Prefilter::build compiles only the atoms
// some trigger set holds.
class AtomTable {
 public:
  std::uint32_t intern(const Atom& atom);
  // The id of `atom`, or kNoAtom.
  [[nodiscard]] std::uint32_t find(const Atom& atom) const;
  [[nodiscard]] const std::vector<Atom>& atoms() const { return atoms_; }
  // Hands the atoms over (ids = positions); the table is left empty.
  [[nodiscard]] std::vector<Atom> release();

 private:
  struct AtomHash {
    std::size_t operator()(const Atom& a) const noexcept;
  };
  std::vector<Atom> atoms_;
  std::unordered_map<Atom, std::uint32_t, AtomHash> ids_;
};

// The trigger set of a compiled variant's detection (logsource conditions excluded: the
// channel dispatch handles those). `source_fields` (per FieldId, 1 = the field names the
// event's source or type: Channel, EventID, Provider_Name) marks fields whose atoms are
// common to every event of a source: a branch of such atoms is only chosen when no other
// branch has atoms.
TriggerSet trigger_set(const CompiledVariant& variant, AtomTable& atoms,
                       const std::vector<std::uint8_t>& source_fields);

// What a text must contain for the regular expression `pattern` (RE2 syntax) to match it
// somewhere: per top-level alternative, every literal run that alternative requires (all of
// one alternative's runs occur in each of its matches), folded, to be looked for in folded
// text. Empty when unknown (an alternative without a literal run, syntax the reader does not
// follow). Case-insensitive patterns (`case_insensitive` or an inline `i` flag) have their
// runs cut at 'k' and 's', which RE2 also matches with a non-ASCII character (U+212A,
// U+017F). The longest run of each alternative is the regex's trigger atom; all of them
// decide whether RE2 runs on a value at all.
using RegexLiteralSets = std::vector<std::vector<std::string>>;
RegexLiteralSets regex_check_literals(std::string_view pattern, bool case_insensitive);

// Sets CompiledPredicate::atom for every predicate whose outcome on an event is exactly "this
// atom was found" (case-insensitive exact, prefix, suffix and substring tests of a field) when
// that atom is one the prefilter looks for anyway (`used`, per atom id: in some trigger set):
// the scanner then answers the predicate from the prefilter's findings instead of comparing
// again. Atoms are not added for this: more literals would slow every scan of their field
// more than the comparisons they save (measured: +0.6k instructions per event).
void assign_deciding_atoms(CompiledVariant& variant, const AtomTable& atoms,
                           const std::vector<std::uint8_t>& used);

struct HsDatabaseDeleter {
  void operator()(hs_database_t* db) const noexcept { hs_free_database(db); }
};
struct HsScratchDeleter {
  void operator()(hs_scratch_t* s) const noexcept { hs_free_scratch(s); }
};
using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseDeleter>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchDeleter>;

// Whole-value atoms of one field, looked up with the raw value: hashed and compared with ASCII
// letters folded on the fly, so a value needs no folded copy. Open addressing (linear
// probing); the hash reads at most 24 bytes of the value (first, middle and last eight) and
// its length: a lookup costs the same for a 2 KB script block as for "4688".
class ExactAtoms {
 public:
  // Build time: `folded` (a view that must outlive the table) is the literal of `atom`; one
  // atom per literal.
  void add(std::string_view folded, std::uint32_t atom);
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  // The atom whose literal is fold_copy(raw), or kNoAtom. Inline: once per value of a field
  // with whole-value atoms.
  [[nodiscard]] std::uint32_t find(std::string_view raw) const noexcept {
    if (count_ == 0) return kNoAtom;
    const std::uint64_t h = hash(raw);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.atom == kNoAtom) return kNoAtom;
      if (slot.hash == h && equals_folded(raw, slot.literal)) return slot.atom;
    }
  }
  // Equal for texts equal after folding (computed from the raw text).
  [[nodiscard]] static std::uint64_t hash(std::string_view text) noexcept {
    // Every byte or-ed with 0x20 rather than folded: equal for texts equal after folding (an
    // upper-case letter differs from its folded form in that bit only) and cheaper; the few
    // texts it also makes equal ('@' and '`', 0xC3 and 0xE3) are told apart by the comparison.
    constexpr std::uint64_t kCase = 0x2020202020202020ull;
    const std::size_t n = text.size();
    const char* p = text.data();
    std::uint64_t a = 0, b = 0, c = 0;
    if (n >= 8) {
      std::memcpy(&a, p, 8);
      std::memcpy(&b, p + n / 2 - 4, 8);  // the middle eight bytes (n / 2 >= 4)
      std::memcpy(&c, p + n - 8, 8);
    } else if (n >= 4) {
      std::uint32_t x, y;
      std::memcpy(&x, p, 4);
      std::memcpy(&y, p + n - 4, 4);
      a = x;
      c = y;
    } else if (n > 0) {
      a = static_cast<unsigned char>(p[0]) |
          (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) |
          (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16);
    }
    std::uint64_t h = ((a | kCase) * 0x9E3779B97F4A7C15ull) ^ ((b | kCase) * 0xC2B2AE3D27D4EB4Full) ^
                      ((c | kCase) * 0x165667B19E3779F9ull) ^ n;
    h ^= h >> 29;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::string_view literal;
    std::uint32_t atom = kNoAtom;  // kNoAtom: empty slot
  };
  void grow();
  std::vector<Slot> slots_;  // size a power of two, at most half full
  std::size_t count_ = 0;
};

// The atoms of one field.
struct FieldMatcher {
  // Atoms of kind anywhere/prefix/suffix, one pattern per distinct literal (block mode);
  // null when the field has none.
  HsDatabase database;
  // Pattern id -> its literal's length and the atoms sharing that literal.
  struct Pattern {
    std::uint32_t length = 0;
    std::vector<std::uint32_t> atoms;
  };
  std::vector<Pattern> patterns;
  // Folded whole value -> kExact atom (views into Prefilter::atoms).
  ExactAtoms exact;
  std::vector<std::uint32_t> non_ascii;  // kNonAscii atoms
  // Anywhere/prefix/suffix atoms compared directly, without a database: those shorter than 3
  // bytes (short literals slow every scan of a database), and all of them in a field with
  // only a few (a scan costs more than a few comparisons).
  std::vector<std::uint32_t> direct_atoms;
};

// The compiled matchers and a prototype scratch (sized for every database) that scanners
// clone. Field atoms are only looked for in values of their own field, and fields without
// atoms are not looked at; keyword atoms, a handful, are scanned over every value of the
// record.
struct Prefilter {
  std::vector<Atom> atoms;                                // atom id -> atom
  std::vector<std::int32_t> field_matcher;                // FieldId -> index, -1 = none
  std::vector<FieldMatcher> matchers;
  // Keyword atoms (pattern id = atom id), one caseless database per set of channel groups
  // that look for the same atoms: an event's keyword values are only scanned for the atoms of
  // variants its channel group can evaluate (keyword atoms decide no predicate, they only
  // trigger variants). keyword_database_of[g] for channel group g, and at index group_count
  // for events of no group: an index into keyword_databases, or -1 (nothing to look for).
  std::vector<HsDatabase> keyword_databases;
  std::vector<std::int32_t> keyword_database_of;
  std::vector<std::uint32_t> keyword_atoms;               // every keyword atom compiled
  HsScratch prototype;
  std::vector<std::vector<std::uint32_t>> atom_variants;  // atom id -> variants it triggers
  std::vector<std::uint8_t> filtered;                     // per variant: has a trigger set

  // Compiles the atoms of `table` that some trigger set of `triggers` (one per variant) holds,
  // for events of `field_count` fields. `variant_groups` (per variant: the channel groups
  // that evaluate it, empty = every event) and `group_count` place keyword atoms. The result
  // must stay where it is (matchers hold views into `atoms`): it is only handed out behind
  // the returned pointer.
  [[nodiscard]] static Result<std::unique_ptr<Prefilter>> build(
      AtomTable table, const std::vector<TriggerSet>& triggers, std::size_t field_count,
      const std::vector<std::vector<std::uint32_t>>& variant_groups, std::size_t group_count);
};

}  // namespace rasid::engine::detail
