#pragma once
// Ruleset: Sigma rules compiled once, shared by every scanner thread.
//
// Compile once, scan many (DESIGN.md "The engine"): RulesetBuilder takes validated rule
// models (sigma::Rule) and a logsource Mapping, interns every field name the rules and
// mappings read into one FieldTable, resolves each rule's logsource to its variants (the
// event conditions and field renames of the mapping), compiles each predicate into a matcher
// (folded literals, globs, RE2 regexes, CIDR networks) and groups variants by the event
// fields that select them (Channel/EventID), so a scanner only looks at candidate rules.
//
// A Ruleset is immutable after build(): every method is const and it is safe to share across
// threads (hold it by std::shared_ptr<const Ruleset>).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "base/result.h"
#include "event/field_table.h"
#include "mapping/mapping.h"
#include "sigma/rule.h"

namespace rasid::engine {

using RuleIndex = std::uint32_t;

namespace detail {
struct CompiledRules;
}

// What an alert reports about the rule that fired.
struct RuleInfo {
  std::string id, title, author, description, status, file, license;
  std::vector<std::string> tags, references, falsepositives, fields;
  sigma::Level level = sigma::Level::kMedium;
  std::string level_name;
};

// The metadata of a rule, as alerts show it (also for rules that are not event rules, such as
// correlation rules).
[[nodiscard]] RuleInfo make_rule_info(const sigma::Rule& rule);

// A loaded rule that will never run, and why (for the hunt summary and `rules check`).
struct InactiveRule {
  enum class Kind : std::uint8_t { kNoMapping, kMissingPlaceholder, kCorrelation };
  Kind kind = Kind::kNoMapping;
  std::string id, title, file;
  std::string reason;
};

struct RulesetOptions {
  mapping::Mapping mapping = mapping::Mapping::builtin();
  // Fields the caller wants extracted from every event even if no rule reads them
  // (timestamps for --from/--to, Computer for the table output).
  std::vector<std::string> extra_fields;
};

class Ruleset {
 public:
  ~Ruleset();
  Ruleset(const Ruleset&) = delete;
  Ruleset& operator=(const Ruleset&) = delete;

  [[nodiscard]] const event::FieldTable& fields() const noexcept { return fields_; }
  [[nodiscard]] std::size_t rule_count() const noexcept { return rules_.size(); }
  [[nodiscard]] const RuleInfo& rule(RuleIndex index) const { return rules_[index]; }
  // Rules that loaded but cannot run (no mapping for their logsource, correlation rules
  // until correlation is implemented).
  [[nodiscard]] const std::vector<InactiveRule>& inactive() const noexcept { return inactive_; }
  [[nodiscard]] const detail::CompiledRules& compiled() const noexcept { return *compiled_; }

 private:
  friend class RulesetBuilder;
  Ruleset();
  event::FieldTable fields_;
  std::vector<RuleInfo> rules_;
  std::vector<InactiveRule> inactive_;
  std::unique_ptr<detail::CompiledRules> compiled_;
};

// Mutable and single-threaded: add rules, then build() once.
class RulesetBuilder {
 public:
  explicit RulesetBuilder(RulesetOptions options = {});

  // Queues validated rules (from sigma::Loader). Filters must already be applied.
  void add_rules(std::vector<sigma::Rule> rules);

  // Compiles everything queued. Predicates that cannot be compiled (a regex RE2 rejects, a
  // bad network) drop their rule with a diagnostic; the others are built. Fails only if the
  // builder was misused.
  [[nodiscard]] Result<std::shared_ptr<const Ruleset>> build(Diagnostics& diags);

 private:
  RulesetOptions options_;
  std::vector<sigma::Rule> rules_;
};

}  // namespace rasid::engine
