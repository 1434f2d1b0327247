#pragma once
// Correlation in `rasid hunt`: the glue between the hunt's alerts and correlate::Correlator.
//
// The matches of rules that a correlation names are kept (time, rule, the fields the
// correlations read, alert id) while the hunt runs; at the end they are sorted by event time
// across all inputs and fed to the correlator, and the correlation alerts are written after
// the others. Base rules named by correlations alert on their own only when one of those
// correlations says `generate: true` (or when no correlation names them).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alert/alert.h"
#include "correlate/correlator.h"
#include "engine/ruleset.h"
#include "sigma/rule.h"

namespace rasid::cli {

class HuntCorrelation {
 public:
  // `correlations`: the loaded correlation rules. `names`: the `name` of each active rule of
  // `ruleset`, by rule index ("" when it has none).
  HuntCorrelation(std::vector<sigma::Rule> correlations, const engine::Ruleset& ruleset,
                  std::vector<std::string> names, correlate::Options options);

  [[nodiscard]] bool enabled() const { return !rules_.empty(); }
  [[nodiscard]] std::size_t rule_count() const { return rules_.size(); }
  // Whether the rule's own alerts are written (not named by a correlation, or generate: true).
  [[nodiscard]] bool standalone(engine::RuleIndex rule) const { return standalone_[rule]; }
  // Offers a base alert; kept if its rule is named by a correlation.
  void add(engine::RuleIndex rule, std::optional<std::int64_t> time, const alert::Alert& alert);
  // Correlates what was kept and hands each correlation alert (with its time, the last
  // counted match's) to `sink`; returns how many.
  std::uint64_t finish(const std::function<void(const alert::Alert&, std::int64_t)>& sink);

  [[nodiscard]] const correlate::Stats& stats() const { return correlator_->stats(); }
  [[nodiscard]] std::uint64_t without_time() const { return without_time_; }

 private:
  struct Kept {
    std::int64_t time = 0;
    engine::RuleIndex rule = 0;
    std::string alert_id;
    std::vector<std::pair<std::string, std::string>> fields;
  };

  std::vector<sigma::Rule> rules_;
  std::vector<engine::RuleInfo> infos_;  // of rules_, for the alerts
  const engine::Ruleset& ruleset_;
  std::vector<std::string> names_;
  std::vector<bool> referenced_, standalone_;
  std::vector<bool> correlation_standalone_;  // per correlation: not only a step of a chain
  std::vector<std::vector<std::string>> fields_;  // per referenced rule: fields to keep
  std::unique_ptr<correlate::Correlator> correlator_;
  std::vector<Kept> kept_;
  std::uint64_t without_time_ = 0;
};

}  // namespace rasid::cli
