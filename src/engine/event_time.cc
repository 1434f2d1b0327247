#include "engine/event_time.h"

#include <charconv>

#include <fmt/format.h>

namespace rasid::engine {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool digits(std::size_t n, int& out) {
    if (i + n > s.size()) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    out = v;
    return true;
  }
  bool eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  [[nodiscard]] bool done() const { return i == s.size(); }
};

}  // namespace

std::optional<std::int64_t> parse_time(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  // Epoch seconds (Zeek): digits with an optional fraction, nothing else.
  if (text.find('-') == std::string_view::npos && text.find(':') == std::string_view::npos) {
    double seconds = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return static_cast<std::int64_t>(seconds * 1e6);
  }
  Cursor c{text};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!c.digits(4, year) || !c.eat('-') || !c.digits(2, month) || !c.eat('-') ||
      !c.digits(2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  std::int64_t micros = 0;
  std::int64_t offset_seconds = 0;
  if (!c.done()) {
    if (!c.eat('T') && !c.eat(' ') && !c.eat('t')) return std::nullopt;
    if (!c.digits(2, hour) || !c.eat(':') || !c.digits(2, minute)) return std::nullopt;
    if (c.eat(':') && !c.digits(2, second)) return std::nullopt;
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    if (c.eat('.') || c.eat(',')) {
      std::int64_t scale = 100000;
      bool any = false;
      while (!c.done() && c.s[c.i] >= '0' && c.s[c.i] <= '9') {
        micros += (c.s[c.i] - '0') * scale;
        scale /= 10;
        ++c.i;
        any = true;
      }
      if (!any) return std::nullopt;
    }
    if (c.eat('Z') || c.eat('z')) {
    } else if (!c.done() && (c.s[c.i] == '+' || c.s[c.i] == '-')) {
      int sign = c.s[c.i] == '-' ? -1 : 1;
      ++c.i;
      int oh = 0, om = 0;
      if (!c.digits(2, oh)) return std::nullopt;
      c.eat(':');
      if (!c.digits(2, om)) return std::nullopt;
      offset_seconds = sign * (oh * 3600 + om * 60);
    }
    if (!c.done()) return std::nullopt;
  }
  std::int64_t days = days_from_civil(year, static_cast<unsigned>(month),
                                      static_cast<unsigned>(day));
  std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return seconds * 1000000 + micros;
}

std::optional<DateParts> parse_date_parts(std::string_view text) noexcept {
  // Validate the whole text as a date-time first, then read the parts as written.
  if (!parse_time(text) || text.size() < 10 || text[4] != '-') return std::nullopt;
  Cursor c{text};
  DateParts parts;
  c.digits(4, parts.year);
  c.eat('-');
  c.digits(2, parts.month);
  c.eat('-');
  c.digits(2, parts.day);
  if (c.eat('T') || c.eat(' ') || c.eat('t')) {
    c.digits(2, parts.hour);
    c.eat(':');
    c.digits(2, parts.minute);
  }
  // ISO week: the week (Monday first) holding this date's Thursday.
  std::int64_t days = days_from_civil(parts.year, static_cast<unsigned>(parts.month),
                                      static_cast<unsigned>(parts.day));
  std::int64_t weekday = ((days % 7) + 7 + 3) % 7;  // 0 = Monday (1970-01-01 was a Thursday)
  std::int64_t thursday = days - weekday + 3;
  // Year of that Thursday: find it from its civil date.
  std::int64_t year = parts.year + (thursday < days_from_civil(parts.year, 1, 1) ? -1 : 0) +
                      (thursday >= days_from_civil(parts.year + 1, 1, 1) ? 1 : 0);
  parts.iso_week = static_cast<int>((thursday - days_from_civil(year, 1, 1)) / 7 + 1);
  return parts;
}

std::string format_time(std::int64_t micros) {
  std::int64_t seconds = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  std::int64_t frac = micros - seconds * 1000000;
  std::int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  std::int64_t rest = seconds - days * 86400;
  // civil_from_days (Howard Hinnant).
  std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", y, m, d, rest / 3600,
                     (rest % 3600) / 60, rest % 60, frac);
}

}  // namespace rasid::engine
