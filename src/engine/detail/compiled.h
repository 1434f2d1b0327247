#pragma once
// The compiled form of a Ruleset: what Scanner evaluates. Private to the engine.
//
// Each (rule, mapping variant) pair becomes one CompiledVariant: its logsource conditions and
// its detection, with field names resolved to FieldIds under the variant's renames. Variants
// are indexed by the folded Channel value their logsource requires, so an event only meets
// the variants of its own channel plus those that do not name one.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <re2/re2.h>

#include "engine/detail/prefilter.h"
#include "engine/detail/text.h"
#include "engine/ruleset.h"
#include "event/event.h"
#include "event/field_table.h"
#include "sigma/rule.h"

namespace rasid::engine::detail {

struct Cidr {
  std::array<std::uint8_t, 16> network{};
  int prefix = 0;
  bool v6 = false;
};

struct CompiledPredicate {
  enum class Kind : std::uint8_t {
    kExact, kPrefix, kSuffix, kContains, kGlob,  // strings
    kRegex, kCidr, kCompare, kNull, kExists, kFieldRef,
  };
  Kind kind = Kind::kExact;
  bool cased = false;
  std::string literal;               // folded unless cased
  std::vector<GlobPiece> glob;       // kGlob
  std::shared_ptr<const RE2> regex;  // kRegex
  // kRegex: per alternative, the folded literal runs a matching value holds all of
  // (regex_check_literals); the fast scanner runs RE2 only on values holding every run of
  // some alternative. Empty: always run RE2.
  RegexLiteralSets regex_literals;
  Cidr cidr;                         // kCidr
  sigma::Predicate::CompareOp op = sigma::Predicate::CompareOp::kGt;
  double number = 0;
  sigma::Predicate::DatePart date_part = sigma::Predicate::DatePart::kNone;
  bool exists_value = true;
  event::FieldId ref_field = event::kNoField;
  sigma::Predicate::RefShape ref_shape = sigma::Predicate::RefShape::kEquals;
  // The prefilter atom whose finding is this predicate's outcome (assign_deciding_atoms), or
  // kNoAtom.
  std::uint32_t atom = kNoAtom;
};

struct CompiledItem {
  event::FieldId field = event::kNoField;  // kNoField for keyword items
  bool keyword = false;
  bool match_all = false;
  bool negate = false;
  std::vector<CompiledPredicate> predicates;
};

// OR over alternatives, AND within one.
struct CompiledSelection {
  std::vector<std::vector<CompiledItem>> alternatives;
};

struct CondNode {
  sigma::Condition::Kind kind = sigma::Condition::Kind::kSelection;
  std::vector<std::uint32_t> children;   // node indexes
  std::vector<std::uint32_t> selections; // selection indexes
};

struct LogsourceCondition {
  event::FieldId field = event::kNoField;
  std::vector<std::string> values;  // folded; empty = field must exist
};

struct CompiledVariant {
  RuleIndex rule = 0;
  std::vector<LogsourceCondition> logsource;
  std::vector<CompiledSelection> selections;
  std::vector<CondNode> nodes;
  std::uint32_t root = 0;
};

// The fast scanner's form of the detections (FlatDetections), built once from the compiled
// variants after the prefilter has assigned deciding atoms. The reference evaluator never reads
// it, so the differential test also checks this translation. Flat arrays indexed by offsets
// instead of nested vectors, and within each AND the cheapest tests first:
// - an item's predicates: those a prefilter atom decides (a byte lookup) first, then plain
//   string tests of one value, then the rest (regex, CIDR, numbers, null, exists, fieldrefs);
// - an alternative's items: by the cost of their predicates, so an item decided by atoms
//   alone fails a candidate before any substring search runs.
// Reordering is exact: every test is a pure function of the event.
struct FlatPredicate {
  CompiledPredicate::Kind kind = CompiledPredicate::Kind::kExact;
  bool cased = false;
  std::uint32_t atom = kNoAtom;   // deciding atom (CompiledPredicate::atom)
  std::string_view literal;       // kExact/kPrefix/kSuffix/kContains: CompiledPredicate::literal
  const CompiledPredicate* source = nullptr;
};

struct FlatItem {
  event::FieldId field = event::kNoField;
  bool keyword = false;
  bool match_all = false;
  bool negate = false;
  // Predicates [first, first + atoms) are decided by atoms, [.., first + strings) are string
  // tests of one value (exact, prefix, suffix, contains, glob), the rest need match_predicate.
  std::uint32_t first = 0;
  std::uint32_t atoms = 0;
  std::uint32_t strings = 0;
  std::uint32_t count = 0;
  const CompiledItem* source = nullptr;  // keyword items are evaluated from it
};

struct FlatRange {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

// Points into CompiledRules::variants (literals, globs, regexes, keyword items), which must not
// change once this is built.
struct FlatDetections {
  std::vector<FlatPredicate> predicates;
  std::vector<FlatItem> items;
  std::vector<FlatRange> alternatives;  // ranges of items
  std::vector<FlatRange> selections;    // ranges of alternatives
  std::vector<std::uint32_t> selection_base;  // variant -> index of its selection 0
};

struct CompiledRules {
  std::vector<CompiledVariant> variants;
  event::FieldId channel_field = event::kNoField;
  // Folded channel -> variants requiring it; variants not naming a channel are in `always`.
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_channel;
  std::vector<std::uint32_t> always;
  std::size_t max_selections = 0;
  std::unique_ptr<Prefilter> prefilter;  // null when no rule has a literal requirement
  // With the prefilter, candidates are found from both ends: the variants without a trigger
  // set are listed per channel group (and `always_unfiltered`), the triggered ones are checked
  // against their channel groups; no list of all variants of a channel is walked per event.
  std::unordered_map<std::string, std::uint32_t> channel_group;  // folded channel -> group
  // The same, looked up with the raw Channel value (no folded copy, no std::hash: ~1% of a
  // hunt natively); views into channel_group's keys, the group ids in place of atoms.
  ExactAtoms channel_group_index;
  std::vector<std::vector<std::uint32_t>> group_unfiltered;      // group -> variants
  std::vector<std::uint32_t> always_unfiltered;
  std::vector<std::vector<std::uint32_t>> variant_groups;  // variant -> groups; empty = any
  // What is left of a variant's logsource once the prefilter's dispatch has placed the event in
  // one of its channel groups: the conditions other than the Channel one the groups stand for
  // (all of them for a variant of no group). Distinct lists are interned, so an event checks
  // each at most once (the bench's Sysmon events meet ~10 variants per EventID list, most of
  // which fail on EventID: 54k of 107k evaluations on 20k events before). variant_check[v]:
  // index into logsource_checks, or kNoCheck when nothing is left.
  static constexpr std::uint32_t kNoCheck = 0xffffffffu;
  std::vector<std::vector<LogsourceCondition>> logsource_checks;
  std::vector<std::uint32_t> variant_check;
  FlatDetections flat;  // with the prefilter only
};

// Builds CompiledRules::flat from the variants (deciding atoms assigned).
void build_flat_detections(CompiledRules& rules);

// True if every condition holds on `event` (a logsource: Channel, EventID, ...).
bool logsource_holds(const std::vector<LogsourceCondition>& conditions,
                     const event::Event& event) noexcept;

// The fast scanner's evaluation of variant `v`'s detection (its logsource already checked),
// from rules.flat; `atom_hits` as for evaluate_variant, never null.
bool evaluate_flat(const CompiledRules& rules, std::uint32_t v, const event::Event& event,
                   std::vector<std::uint8_t>& cache, const std::uint8_t* atom_hits) noexcept;

// Evaluation of one compiled variant on one event; `cache` has one slot per selection
// (0 unknown, 1 false, 2 true) and is cleared by the caller. `atom_hits` (per atom id: found
// in this event by the prefilter) answers predicates that have a deciding atom; null: every
// predicate is compared (the reference evaluator).
bool evaluate_variant(const CompiledVariant& variant, const event::Event& event,
                      std::vector<std::uint8_t>& cache, const std::uint8_t* atom_hits) noexcept;

}  // namespace rasid::engine::detail
