#pragma once
// Alert: a reported match, with the rule, the event and where it came from; and the writers
// that print alerts as a table, JSON lines or CSV.
//
// The JSON-lines form is rasid's interchange format (the hub ingests it in a later issue):
// one object per alert, documented in docs/alert-format.md. Every alert names the rule's
// author, as the Detection Rule License of the SigmaHQ rules asks.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/ruleset.h"
#include "input/json_decoder.h"

namespace rasid::alert {

// What a correlation rule found (docs/correlation.md): set on correlation alerts only.
struct CorrelationResult {
  std::string type;                                         // event_count, temporal, ...
  std::vector<std::pair<std::string, std::string>> group;   // group-by field (or alias), value
  std::string window_start, window_end;                     // ISO-8601 UTC
  double value = 0;                                         // what the condition compared
  std::uint64_t events = 0;                                 // contributing matches
  std::vector<std::string> contributors;                    // their alert ids (bounded)
  bool contributors_truncated = false;
};

// What an indicator hit matched (docs/alert-format.md): set on indicator alerts only.
struct IndicatorMatch {
  std::string id, type, value, source, tlp;  // the indicator (value: the key that matched)
  int confidence = -1;                       // 0..100, -1: none given
  std::string match;                         // exact, network, subdomain or pattern
  std::string field;                         // the event field that matched
  std::string observed;                      // its value in the event
  std::string valid_from, valid_until;       // ISO-8601 UTC, "" if none
  // A STIX pattern of several observations (match "observations"): the contributing events,
  // "FILE:LINE" each, in event-time order; the alert's own source and event are the last.
  std::vector<std::string> observations;
};

struct Alert {
  const engine::RuleInfo* rule = nullptr;  // outlives the alert (the Ruleset's, or the hunt's)
  std::string timestamp;                   // event time, ISO-8601 UTC; "" if the event has none
  std::string input;                       // file name ("-" for stdin)
  std::uint64_t line = 0;
  input::FlatObject event;                 // every field of the matched event
  std::optional<CorrelationResult> correlation;  // a correlation alert: no input, line, event
  std::optional<IndicatorMatch> indicator;       // an indicator alert (intel, not a Sigma rule)
};

// The id an alert is referred to by in correlation alerts: "FILE:LINE:RULE_ID" (the rule's
// title when it has no id).
[[nodiscard]] std::string reference(const Alert& alert);

struct Detection;

enum class Format { kTable, kJsonl, kCsv };

struct WriterOptions {
  Format format = Format::kTable;
  bool color = false;  // ANSI colors by level (table only)
};

// Writes alerts to a FILE*. Not thread-safe; one writer per output.
class AlertWriter {
 public:
  virtual ~AlertWriter() = default;
  static std::unique_ptr<AlertWriter> create(const WriterOptions& options, std::FILE* out);
  virtual void write(const Alert& alert) = 0;
  // A detection (detection.h) instead of an alert: `rasid hunt --group detections`.
  virtual void write(const Detection& detection) = 0;
  virtual void finish() {}
};

// The alert as one JSON object (no trailing newline): the jsonl format.
[[nodiscard]] std::string to_json(const Alert& alert);
// The detection as one JSON object (no trailing newline).
[[nodiscard]] std::string to_json(const Detection& detection);

// The value of the first field named `name` in `event`, or "" if absent.
[[nodiscard]] std::string_view field_text(const input::FlatObject& event, std::string_view name);

}  // namespace rasid::alert
