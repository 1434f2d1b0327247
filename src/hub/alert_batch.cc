#include "hub/alert_batch.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>

namespace rasid::hub {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 5> kLevels = {"informational", "low", "medium", "high", "critical"};

BatchError item_error(int status, std::size_t item, std::size_t line, std::string field, std::string message) {
  return BatchError{status, item, line, std::move(field), std::move(message)};
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string host_of(const json& item) {
  auto event = item.find("event");
  if (event == item.end() || !event->is_object()) return "";
  for (const char* key : {"Computer", "host.name", "hostname", "host"}) {
    auto it = event->find(key);
    if (it != event->end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

// Checks one parsed item and turns it into a store row; on failure returns the error with
// the item and line filled in by the caller.
std::optional<BatchError> convert(const json& item, store::NewAlert& out) {
  auto err = [](std::string field, std::string message) {
    return item_error(422, 0, 0, std::move(field), std::move(message));
  };
  if (!item.is_object()) return err("", "an alert must be a JSON object");
  auto string_field = [&](const char* key, bool required, std::string& into) -> std::optional<BatchError> {
    auto it = item.find(key);
    if (it == item.end()) {
      if (required) return err(key, "missing");
      return std::nullopt;
    }
    if (!it->is_string()) return err(key, "must be a string");
    into = it->get<std::string>();
    return std::nullopt;
  };
  if (auto e = string_field("rule_id", true, out.rule_id)) return e;
  if (auto e = string_field("rule_title", true, out.rule_title)) return e;
  if (auto e = string_field("level", true, out.level)) return e;
  if (std::find(kLevels.begin(), kLevels.end(), out.level) == kLevels.end())
    return err("level", "'" + out.level + "' is not one of informational, low, medium, high, critical");

  if (auto it = item.find("id"); it != item.end()) {
    if (!it->is_string()) return err("id", "must be a string");
    out.alert_id = it->get<std::string>();
    if (out.alert_id.empty() || out.alert_id.size() > kMaxAlertIdLength)
      return err("id", "must be 1 to " + std::to_string(kMaxAlertIdLength) + " characters");
  }
  if (auto it = item.find("timestamp"); it != item.end() && !it->is_null()) {
    if (!it->is_string()) return err("timestamp", "must be a string or null");
    auto t = parse_timestamp(it->get_ref<const std::string&>());
    if (!t) return err("timestamp", "'" + it->get<std::string>() + "' is not an ISO-8601 date-time with a zone");
    out.event_time = *t;
  }
  if (auto it = item.find("tags"); it != item.end()) {
    if (!it->is_array()) return err("tags", "must be an array of strings");
    for (const auto& tag : *it) {
      if (!tag.is_string()) return err("tags", "must be an array of strings");
      out.tags.push_back(tag.get<std::string>());
    }
  }
  out.tlp = "amber";
  // An indicator hit carries the TLP of its indicator (docs/alert-format.md); a top-level
  // `tlp` (set by the sender) wins.
  if (auto ind = item.find("indicator"); ind != item.end() && ind->is_object()) {
    if (auto t = ind->find("tlp"); t != ind->end() && t->is_string()) {
      auto tlp = normalize_tlp(t->get_ref<const std::string&>());
      if (!tlp) return err("indicator.tlp", "'" + t->get<std::string>() + "' is not clear, green, amber, amber+strict or red");
      out.tlp = *tlp;
    }
  }
  if (auto it = item.find("tlp"); it != item.end()) {
    if (!it->is_string()) return err("tlp", "must be a string");
    auto tlp = normalize_tlp(it->get_ref<const std::string&>());
    if (!tlp) return err("tlp", "'" + it->get<std::string>() + "' is not clear, green, amber, amber+strict or red");
    out.tlp = *tlp;
  }
  if (auto it = item.find("event"); it != item.end() && !it->is_object())
    return err("event", "must be an object");
  out.host = host_of(item);
  // Canonical text: nlohmann keeps object keys sorted, so equal alerts dump equally however
  // they were spaced or ordered when sent.
  out.body = item.dump(-1, ' ', false, json::error_handler_t::replace);
  if (out.alert_id.empty()) out.alert_id = "sha256:" + sha256_hex(out.body);
  return std::nullopt;
}

int two(std::string_view s, std::size_t at) {
  if (at + 2 > s.size() || !std::isdigit(static_cast<unsigned char>(s[at])) ||
      !std::isdigit(static_cast<unsigned char>(s[at + 1])))
    return -1;
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<store::Micros> parse_timestamp(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS
  if (s.size() < 20) return std::nullopt;
  int y1 = two(s, 0), y2 = two(s, 2), mo = two(s, 5), d = two(s, 8), h = two(s, 11), mi = two(s, 14),
      se = two(s, 17);
  if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
      se > 60 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  int year = y1 * 100 + y2;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap)) return std::nullopt;
  std::size_t at = 19;
  std::int64_t micros = 0;
  if (at < s.size() && s[at] == '.') {
    ++at;
    int digits = 0;
    while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) {
      if (digits < 6) micros = micros * 10 + (s[at] - '0');
      ++digits;
      ++at;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    int oh = two(s, at + 1), om = two(s, at + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59 || at + 6 != s.size() || s[at + 3] != ':') return std::nullopt;
    offset_minutes = (s[at] == '+' ? 1 : -1) * (oh * 60 + om);
    at += 6;
  } else {
    return std::nullopt;  // a time without a zone is ambiguous
  }
  if (at != s.size()) return std::nullopt;
  std::int64_t seconds = days_from_civil(year, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                         h * 3600 + mi * 60 + se - offset_minutes * 60;
  return seconds * 1'000'000 + micros;
}

std::string format_timestamp(store::Micros t) {
  std::int64_t seconds = t / 1'000'000, micros = t % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --seconds;
  }
  std::int64_t days = seconds / 86400, rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // civil_from_days (Howard Hinnant)
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(year),
                month, day, static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60), static_cast<long long>(micros));
  return buf;
}

std::optional<std::string> normalize_tlp(std::string_view text) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t.starts_with("tlp:")) t.erase(0, 4);
  if (t == "white") t = "clear";  // TLP 1.0
  for (const char* known : {"clear", "green", "amber", "amber+strict", "red"})
    if (t == known) return t;
  return std::nullopt;
}

ParsedBatch parse_alert_batch(std::string_view body) {
  ParsedBatch out;
  if (body.size() > kMaxBodyBytes) {
    out.error = item_error(413, 0, 0, "", "body of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                                             std::to_string(kMaxBodyBytes));
    return out;
  }
  if (sodium_init() < 0) {
    out.error = item_error(500, 0, 0, "", "libsodium could not be initialized");
    return out;
  }
  std::size_t first = body.find_first_not_of(" \t\r\n");
  auto too_many = [&] {
    out.error = item_error(413, 0, 0, "", "more than " + std::to_string(kMaxBatchItems) + " alerts in one batch");
  };
  if (first != std::string_view::npos && body[first] == '[') {
    json array = json::parse(body.begin(), body.end(), nullptr, false);
    if (array.is_discarded() || !array.is_array()) {
      // Parse again with exceptions only to learn where it broke (the error path).
      std::string why = "not a JSON array";
      try {
        json unused = json::parse(body.begin(), body.end());
        (void)unused;
      } catch (const json::parse_error& e) {
        why = "JSON syntax error at byte " + std::to_string(e.byte);
      }
      out.error = item_error(400, 0, 0, "", why);
      return out;
    }
    if (array.size() > kMaxBatchItems) {
      too_many();
      return out;
    }
    out.alerts.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
      store::NewAlert alert;
      if (auto e = convert(array[i], alert)) {
        e->item = i + 1;
        out.error = std::move(e);
        out.alerts.clear();
        return out;
      }
      out.alerts.push_back(std::move(alert));
    }
    return out;
  }
  // JSON lines: one alert per non-blank line.
  std::size_t line_no = 0, item = 0, at = 0;
  while (at < body.size()) {
    std::size_t end = body.find('\n', at);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(at, end - at);
    at = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    ++item;
    if (item > kMaxBatchItems) {
      too_many();
      out.alerts.clear();
      return out;
    }
    json value = json::parse(line.begin(), line.end(), nullptr, false);
    if (value.is_discarded()) {
      std::string why = "JSON syntax error";
      try {
        json unused = json::parse(line.begin(), line.end());
        (void)unused;
      } catch (const json::parse_error& e) {
        why = "JSON syntax error at column " + std::to_string(e.byte);
      }
      out.error = item_error(400, item, line_no, "", why);
      out.alerts.clear();
      return out;
    }
    store::NewAlert alert;
    if (auto e = convert(value, alert)) {
      e->item = item;
      e->line = line_no;
      out.error = std::move(e);
      out.alerts.clear();
      return out;
    }
    out.alerts.push_back(std::move(alert));
  }
  return out;
}

std::string to_json(const BatchError& error) {
  json j;
  j["error"] = error.message;
  if (error.item) j["item"] = error.item;
  if (error.line) j["line"] = error.line;
  if (!error.field.empty()) j["field"] = error.field;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace rasid::hub
