#pragma once
// The periodic national cyber threat assessment, computed from the hub's data: every figure
// of report.json and report.html comes from compute_assessment(), with its definition.
//
// Method (the report's annex says the same to its readers):
// - The counting unit is the deduplicated detection (alerts of one rule at one authority on
//   one host within the detection window), never raw events or alerts.
// - A detection belongs to the period holding its first_seen, in event time (when the event
//   happened), not ingestion time. Periods are half-open [from, to).
// - The comparison period has the same length: the one just before (`previous`), the same
//   dates a year before (`year`), or one given explicitly.
// - Changes come with a 95% confidence interval (stats.h); "n/a" when the comparison count is
//   below kMinBaseline.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "report/attack.h"

namespace rasid::report {

using Micros = std::int64_t;  // microseconds since the Unix epoch, UTC

struct AuthorityInfo {
  std::string name;
  std::string sector;
};

struct DetectionRecord {
  std::string authority;
  std::string rule_id;
  std::string rule_title;
  std::string level;  // informational, low, medium, high, critical
  std::string host;
  std::string tlp;    // clear, green, amber, amber+strict, red
  Micros first_seen = 0;
  std::int64_t alert_count = 1;
  std::vector<std::string> tags;  // the rule's tags (attack.*)
  std::string indicator;          // "type:value" for an indicator hit, "" for a Sigma rule
};

struct IncidentRecord {
  std::int64_t id = 0;
  std::string title;
  std::string severity;
  std::string status;  // new, triage, contained, resolved, false-positive
  std::string tlp;
  Micros created = 0;               // when the incident was opened (wall clock)
  // Event time of its earliest linked detection: the period it belongs to. 0 = unknown (then
  // `created` is used).
  Micros activity = 0;
  std::optional<Micros> triaged;   // first change away from `new`
  std::optional<Micros> resolved;  // first change to resolved or false-positive
  std::vector<std::string> authorities;
};

struct AssessmentInput {
  std::vector<AuthorityInfo> authorities;  // the monitored authorities
  std::vector<DetectionRecord> detections;
  std::vector<IncidentRecord> incidents;
  // Tags of every active rule of the national rule set (for ATT&CK coverage); empty when the
  // report was not given the rules.
  std::vector<std::vector<std::string>> active_rule_tags;
  bool have_rules = false;
  Micros data_as_of = 0;  // latest ingestion time in the data
};

enum class Compare { kPrevious, kYear, kRange };

struct AssessmentOptions {
  Micros from = 0;
  Micros to = 0;
  Compare compare = Compare::kPrevious;
  Micros compare_from = 0;  // kRange only
  Micros compare_to = 0;
  std::string authority;  // "" = every authority
  std::string tlp;        // "" = everything; else keep data at or below this TLP
  std::string title = "National cyber threat assessment";
  std::size_t top = 10;   // rows of the top-N tables
};

// The TLP levels from least to most restrictive; -1 for an unknown name.
[[nodiscard]] int tlp_rank(std::string_view tlp);

// Parses "2026-07-01" or "2026-07-01T12:00:00Z" (UTC) into Micros.
[[nodiscard]] Result<Micros> parse_report_date(std::string_view text);
[[nodiscard]] std::string format_date(Micros at);      // 2026-07-01
[[nodiscard]] std::string format_datetime(Micros at);  // 2026-07-01T12:00:00Z

// Computes every figure. The result is report.json: {"meta":…, "key_judgements":[…],
// "figures": {name: {"definition":…, …}}, "recommendations":[…]}.
[[nodiscard]] Result<nlohmann::ordered_json> compute_assessment(const AssessmentInput& input,
                                                                const AssessmentOptions& options,
                                                                const AttackMatrix& matrix);

}  // namespace rasid::report
