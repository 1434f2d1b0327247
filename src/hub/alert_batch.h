#pragma once
// Parsing and checking an ingest batch (`POST /api/v1/alerts`): a JSON array of rasid alerts
// or JSON lines (docs/alert-format.md), into store rows. All or nothing: the first bad item
// rejects the batch with a BatchError that names the item (1-based), the line for JSON lines,
// the field and why, so a sensor can fix or drop exactly that alert.
//
// Keys read (all others are kept in the stored body unchanged):
//   id          optional string (1-256 chars): the idempotency key; without it the key is
//               "sha256:" + hex SHA-256 of the item's canonical JSON (keys sorted, no
//               spaces), so re-sending the same alert is recognized either way
//   timestamp   ISO-8601 with Z or an offset, or null/absent
//   rule_id     string (may be empty); rule_title string
//   level       informational | low | medium | high | critical
//   tags        array of strings (optional)
//   tlp         optional: clear (white), green, amber, amber+strict, red; "TLP:" prefix and any
//               case accepted; default amber (TLP 2.0: unmarked is treated as AMBER)
//   event       optional object: the host is taken from Computer, host.name, hostname or host

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace rasid::hub {

// Limits (the server answers 413 past them): a batch of kMaxBatchItems alerts of a few KiB
// each fits in kMaxBodyBytes; larger batches only make one request hold the store longer.
inline constexpr std::size_t kMaxBodyBytes = 32u << 20;
inline constexpr std::size_t kMaxBatchItems = 10000;
inline constexpr std::size_t kMaxAlertIdLength = 256;

struct BatchError {
  int status = 400;        // 400 unparseable, 413 too large, 422 a parsed item that is invalid
  std::size_t item = 0;    // 1-based item number, 0 for the whole body
  std::size_t line = 0;    // 1-based line for JSON lines, 0 otherwise
  std::string field;       // the key at fault, "" when none
  std::string message;     // why
};

struct ParsedBatch {
  std::vector<store::NewAlert> alerts;
  std::optional<BatchError> error;  // set: the batch is rejected, `alerts` is to be ignored
};

// Parses `body` (at most kMaxBodyBytes; the caller checks Content-Length earlier). Never throws.
[[nodiscard]] ParsedBatch parse_alert_batch(std::string_view body);

// BatchError as the JSON body of the error response.
[[nodiscard]] std::string to_json(const BatchError& error);

// ISO-8601 date-time "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" (also a space for T and
// a lowercase z) to microseconds UTC; fraction digits past 6 are truncated.
[[nodiscard]] std::optional<store::Micros> parse_timestamp(std::string_view text);
// Microseconds UTC as "YYYY-MM-DDTHH:MM:SS.ffffffZ".
[[nodiscard]] std::string format_timestamp(store::Micros t);
// "clear", "green", "amber", "amber+strict" or "red" from the accepted spellings; nullopt if none.
[[nodiscard]] std::optional<std::string> normalize_tlp(std::string_view text);

}  // namespace rasid::hub
