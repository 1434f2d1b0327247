#pragma once
// Indicators in `rasid hunt` (--intel, --warninglists, --intel-fields): loads the feeds into an
// IndicatorSet, says which event fields must be extracted, runs on the scanner threads as an
// engine::EventHook (observables taken from event fields by type, looked up in the set,
// checked against the warninglists) and turns its matches into indicator alerts.
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
  std::map<std::tuple<std::uint32_t, std::string, std::string>, Suppressed> suppressed_;
  std::uint64_t suppressed_total_ = 0;
  std::shared_ptr<std::atomic<std::uint64_t>> pattern_errors_ = std::make_shared<std::atomic<std::uint64_t>>(0);
};

}  // namespace rasid::cli
