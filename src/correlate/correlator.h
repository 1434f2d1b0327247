#pragma once
// Correlator: streaming evaluation of Sigma correlation rules (spec v2.1) over base-rule
// matches, in event time, with bounded memory.
//
// Feed it every match of a rule that some correlation references (add), in roughly
// chronological order; matches up to Options::lateness late are put back in order, later
// ones are dropped and counted. State is kept per (correlation, group key) and expires with
// the timespan; when it grows past Options::max_state_bytes the least recently updated groups
// are evicted, and that is counted and reported (Stats), never silent. src/correlate/README.md
// and docs/correlation.md give the semantics (windows, boundaries, missing fields).
//
// Not thread-safe: one correlator sees the whole ordered stream of matches.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sigma/rule.h"

namespace rasid::correlate {

struct Options {
  std::int64_t lateness_us = 0;               // matches may arrive this much out of order
  std::size_t max_state_bytes = 256u << 20;   // memory cap of the windows' state (approximate)
  std::size_t max_contributors = 16;          // alert ids listed per correlation alert
};

// One match of a base rule (or of a correlation, when correlations are chained).
struct Match {
  std::string_view rule_id;
  std::string_view rule_name;
  std::int64_t time_us = 0;   // event time, microseconds since the epoch
  std::string alert_id;       // identifies the base alert (listed as a contributor)
  // The event's value of a field, nullopt when the event does not have it.
  std::function<std::optional<std::string>(std::string_view field)> field;
};

struct CorrelationAlert {
  std::size_t correlation = 0;  // index into Correlator::rules()
  // group-by field (or alias) and its value, in group-by order
  std::vector<std::pair<std::string, std::string>> group;
  std::int64_t window_start_us = 0;  // first and last contributing match
  std::int64_t window_end_us = 0;
  double value = 0;              // what the condition compared: count, distinct values, sum,
                                 // average, percentage, or number of rules seen
  std::uint64_t events = 0;      // contributing matches
  std::vector<std::string> contributors;  // their alert ids, the first max_contributors
  bool contributors_truncated = false;
};

struct Stats {
  std::uint64_t matches = 0;             // matches offered
  std::uint64_t late_dropped = 0;        // later than the lateness allows
  std::uint64_t missing_group_field = 0; // a group-by field absent: not counted for that rule
  std::uint64_t missing_value = 0;       // value_* field absent or (sum/avg) not a number
  std::uint64_t evicted_groups = 0;      // groups dropped to stay under the memory cap
  std::uint64_t alerts = 0;
  std::size_t state_bytes = 0;           // now
  std::size_t peak_state_bytes = 0;
};

class Correlator {
 public:
  // `rules` are correlation rules (RuleKind::kCorrelation, as loaded by sigma::Loader); they
  // must outlive the correlator.
  Correlator(std::vector<const sigma::Rule*> rules, Options options = {});
  ~Correlator();
  Correlator(Correlator&&) noexcept;
  Correlator& operator=(Correlator&&) noexcept;

  [[nodiscard]] const std::vector<const sigma::Rule*>& rules() const;

  // True if some correlation refers to the rule with this id or name.
  [[nodiscard]] bool references(std::string_view id, std::string_view name) const;
  // Event fields the correlations need from matches of that rule (group-by fields after
  // alias resolution, condition fields), sorted, without duplicates.
  [[nodiscard]] std::vector<std::string> fields_for(std::string_view id,
                                                    std::string_view name) const;

  // Offers one match; correlation alerts that fire are appended to `out` (in the order they
  // are decided, which is event-time order up to the lateness).
  void add(const Match& match, std::vector<CorrelationAlert>& out);
  // End of input: processes what the lateness buffer holds and closes every open window.
  void finish(std::vector<CorrelationAlert>& out);

  [[nodiscard]] const Stats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rasid::correlate
