#pragma once
// Event time: which field of an event holds its timestamp, and parsing it.
//
// Windows events in the flat convention carry TimeCreated; other JSON logs use @timestamp,
// timestamp, ts (Zeek), EventTime or UtcTime. The first of these present is the event's time.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rasid::engine {

// Candidate timestamp fields, in priority order.
inline constexpr std::array<std::string_view, 6> kTimeFields = {
    "TimeCreated", "@timestamp", "timestamp", "EventTime", "UtcTime", "ts"};

// Parses an ISO-8601 / RFC 3339 date-time ("2019-04-30T22:48:58.901476Z",
// "2019-04-30 22:48:58.901", "2024-01-02T03:04:05+02:00", "2024-01-02") or a Unix epoch in
// seconds (Zeek "1521912990.469117") into microseconds since the epoch, UTC. A time without
// zone is UTC. nullopt if the text is not a time.
[[nodiscard]] std::optional<std::int64_t> parse_time(std::string_view text) noexcept;

// The calendar parts of a date-time as written (no time-zone conversion: the spec's time
// modifiers take the number "from the date" and warn they do not convert zones).
struct DateParts {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0;
  int iso_week = 0;  // ISO 8601 week number, 1..53
};
[[nodiscard]] std::optional<DateParts> parse_date_parts(std::string_view text) noexcept;

// Formats microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ".
[[nodiscard]] std::string format_time(std::int64_t micros);

}  // namespace rasid::engine
