#pragma once
// Detections: alerts deduplicated into the unit the hub and the report count.
//
// Alerts of the same rule on the same host with the same key (the values of the key fields,
// if any are configured) whose times lie within one window W of the first of them form one
// detection: first_seen, last_seen, count. A later alert opens the next detection. Alerts
// are grouped in event-time order whatever the input order. docs/correlation.md
// ("Detections") is the user documentation.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "alert/alert.h"

namespace rasid::alert {

struct DetectionOptions {
  std::int64_t window_us = 24LL * 3600 * 1'000'000;  // W
  std::vector<std::string> key_fields;               // event fields that split detections
  // Per-rule windows (a rule's `detection_window` field), by rule (file, id, title).
  std::map<std::tuple<std::string, std::string, std::string>, std::int64_t> rule_window_us;
};

struct Detection {
  const engine::RuleInfo* rule = nullptr;
  std::string host;                       // Computer (or host); "" if the event has none
  std::vector<std::pair<std::string, std::string>> key;  // key field -> value
  std::optional<std::int64_t> first_seen, last_seen;     // absent: alerts without a time
  std::uint64_t count = 0;
  std::string first_alert;                // reference() of the first alert
  std::string level;                      // the rule's level name
};

class DetectionBuilder {
 public:
  explicit DetectionBuilder(DetectionOptions options = {});

  // Adds one alert with its event time (nullopt when the event has none).
  void add(const Alert& alert, std::optional<std::int64_t> time);
  // The detections, ordered by first_seen (those without a time last), then by rule title.
  [[nodiscard]] std::vector<Detection> finish();

  [[nodiscard]] std::uint64_t alerts() const { return alerts_; }

 private:
  struct Item {
    std::optional<std::int64_t> time;
    std::uint64_t seq = 0;
    const engine::RuleInfo* rule = nullptr;
    std::string host;
    std::vector<std::pair<std::string, std::string>> key;
    std::string reference;
  };

  DetectionOptions options_;
  std::vector<Item> items_;
  std::uint64_t alerts_ = 0;
};

}  // namespace rasid::alert
