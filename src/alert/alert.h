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
#include <string>
#include <vector>

#include "engine/ruleset.h"
#include "input/json_decoder.h"

namespace rasid::alert {

struct Alert {
  const engine::RuleInfo* rule = nullptr;  // owned by the Ruleset, which outlives the alert
  std::string timestamp;                   // event time, ISO-8601 UTC; "" if the event has none
  std::string input;                       // file name ("-" for stdin)
  std::uint64_t line = 0;
  input::FlatObject event;                 // every field of the matched event
};

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
  virtual void finish() {}
};

// The alert as one JSON object (no trailing newline): the jsonl format.
[[nodiscard]] std::string to_json(const Alert& alert);

// The value of the first field named `name` in `event`, or "" if absent.
[[nodiscard]] std::string_view field_text(const input::FlatObject& event, std::string_view name);

}  // namespace rasid::alert
