#pragma once
// Indicators in `rasid hunt` (--intel, --warninglists, --intel-fields): loads the feeds into an
// IndicatorSet, says which event fields must be extracted, runs on the scanner threads as an
// engine::EventHook (observables taken from event fields by type, looked up in the set,
// checked against the warninglists) and turns its matches into indicator alerts. STIX
// patterns of several observations: the hook marks the events that satisfy one of their
// observation expressions, keep_observation() keeps them, finish_observations() evaluates the
// patterns over them in event-time order (intel/multi_pattern.h) at the end of the hunt.
// docs/intel.md is the user's description.

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alert/alert.h"
#include "base/diagnostics.h"
#include "engine/hunt.h"
#include "intel/indicator_set.h"
#include "intel/indicator_sources.h"
#include "intel/warninglist.h"

namespace rasid::cli {

struct IntelArgs {
  std::vector<std::string> paths;        // --intel
  std::string warninglists;              // --warninglists
  std::string fields_file;               // --intel-fields (YAML)
  std::vector<std::string> field_flags;  // --intel-field KIND=FIELD
  std::string csv_spec;                  // --intel-csv
  bool misp_all = false;                 // --misp-all (to_ids false too)
  // STIX bundles already in memory, (source name, bundle text): the TAXII collections of
  // --intel taxii+https://... after their pull (cli/taxii_pull.h); `paths` then no longer
  // holds them.
  std::vector<std::pair<std::string, std::string>> bundles;
};

// How an event field is read: which kind of observable it holds.
enum class FieldKind : std::uint8_t { kIp, kHost, kUrl, kHash, kEmail };

// The documented default field map (docs/intel.md), kind -> fields.
[[nodiscard]] std::map<FieldKind, std::vector<std::string>> default_intel_fields();

class HuntIntel {
 public:
  // Loads the feeds, the warninglists and the field map. Problems of feeds go to `diags`; a
  // usage problem (bad field map, bad csv spec) is an Error.
  [[nodiscard]] static Result<std::unique_ptr<HuntIntel>> load(const IntelArgs& args, Diagnostics& diags);

  [[nodiscard]] const intel::IndicatorSet& indicators() const { return *set_; }
  [[nodiscard]] const intel::LoadStats& load_stats() const { return stats_; }
  [[nodiscard]] const intel::Warninglists& warninglists() const { return warninglists_; }

  // Every field name the hook reads (for RulesetOptions::extra_fields).
  [[nodiscard]] std::vector<std::string> fields() const;
  // Resolves field names against the built ruleset's table; then make_hook() may be called.
  void bind(const event::FieldTable& table);
  [[nodiscard]] std::function<std::unique_ptr<engine::EventHook>()> hook_factory() const;

  // Turns a hook match into an alert (nullopt: suppressed by a warninglist, now counted).
  // Single-threaded (the hunt's output thread).
  [[nodiscard]] std::optional<alert::Alert> make_alert(const engine::Hit& hit, const event::FieldTable& table);

  struct Suppressed {
    std::string list, indicator_id, value;
    std::uint64_t count = 0;
  };
  [[nodiscard]] std::uint64_t suppressed_total() const { return suppressed_total_; }
  [[nodiscard]] std::vector<Suppressed> suppressed() const;
  [[nodiscard]] std::uint64_t pattern_errors() const;

  // Patterns of several observations. Byte budget of the events kept for them (their record
  // and observed-data text); beyond it events are dropped and counted.
  void set_observation_memory(std::size_t bytes) { max_kept_bytes_ = bytes; }
  // Keeps a hook match that marks an event for a pattern of several observations (true), or
  // returns false for any other hit. Single-threaded (the hunt's output thread).
  [[nodiscard]] bool keep_observation(const engine::Hit& hit);
  // Evaluates the patterns over the events kept, in event-time order, and hands each match
  // to `sink` as an indicator alert (match "observations", the contributing events'
  // FILE:LINE), in time order; returns how many. `input_name` names an input index.
  std::uint64_t finish_observations(const std::function<std::string(std::uint32_t)>& input_name,
                                    const std::function<void(const alert::Alert&, std::int64_t)>& sink);
  struct ObservationCounts {
    std::uint64_t kept_events = 0, without_time = 0, over_cap = 0, window_dropped = 0, alerts = 0;
  };
  [[nodiscard]] ObservationCounts observation_counts() const {
    return {kept_event_count_, observations_without_time_->load(), observations_over_cap_,
            window_stats_.window_dropped, observation_alerts_};
  }

 private:
  std::shared_ptr<const intel::IndicatorSet> set_;
  intel::LoadStats stats_;
  intel::Warninglists warninglists_;
  std::map<FieldKind, std::vector<std::string>> field_names_;
  struct Bound {
    event::FieldId id;
    FieldKind kind;
  };
  std::vector<Bound> bound_;
  std::vector<std::pair<std::string, event::FieldId>> pattern_fields_;  // for per-event STIX
  std::map<std::uint64_t, std::unique_ptr<engine::RuleInfo>> rules_;    // by indicator+key
  // The rule an indicator's alerts point at (made once per key: indicator, or pattern of
  // several observations).
  const engine::RuleInfo& indicator_rule(std::uint64_t key, const intel::IndicatorInfo& info, intel::IndicatorType type);
  std::map<std::tuple<std::uint32_t, std::string, std::string>, Suppressed> suppressed_;
  std::uint64_t suppressed_total_ = 0;
  std::shared_ptr<std::atomic<std::uint64_t>> pattern_errors_ = std::make_shared<std::atomic<std::uint64_t>>(0);
  // Patterns of several observations.
  struct KeptEvent {
    std::int64_t time = 0;
    std::uint32_t input = 0;
    std::uint64_t line = 0;
    std::string record, objects;
  };
  struct KeptRef {
    std::uint32_t event = 0;   // index into kept_events_
    std::uint32_t leaves = 0;  // the pattern's observation expressions it satisfies
  };
  std::vector<KeptEvent> kept_events_;
  std::vector<std::vector<KeptRef>> kept_by_pattern_;  // by index of multi_patterns()
  std::size_t kept_bytes_ = 0;
  std::size_t max_kept_bytes_ = std::size_t{256} << 20;
  std::uint64_t kept_event_count_ = 0, observations_over_cap_ = 0, observation_alerts_ = 0;
  std::shared_ptr<std::atomic<std::uint64_t>> observations_without_time_ =
      std::make_shared<std::atomic<std::uint64_t>>(0);
  intel::WindowStats window_stats_;
};

}  // namespace rasid::cli
