#include "alert/alert.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "alert/detection.h"
#include "engine/event_time.h"

namespace rasid::alert {

namespace {

using event::ValueKind;

nlohmann::ordered_json scalar(const input::FlatField& field) {
  switch (field.kind) {
    case ValueKind::kNull:
      return nullptr;
    case ValueKind::kBool:
      return field.text == "true";
    case ValueKind::kInt:
    case ValueKind::kFloat: {
      // Keep the number as written; nlohmann parses it into the right numeric type.
      auto parsed = nlohmann::ordered_json::parse(field.text, nullptr, false);
      if (!parsed.is_discarded() && parsed.is_number()) return parsed;
      return field.text;
    }
    case ValueKind::kString:
      return field.text;
  }
  return field.text;
}

// The event as a JSON object; a field with several values becomes an array.
nlohmann::ordered_json event_json(const input::FlatObject& event) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& field : event) {
    auto it = out.find(field.name);
    if (it == out.end()) {
      out[field.name] = scalar(field);
    } else {
      if (!it->is_array()) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        list.push_back(std::move(*it));
        *it = std::move(list);
      }
      it->push_back(scalar(field));
    }
  }
  return out;
}

std::string_view level_color(sigma::Level level) {
  switch (level) {
    case sigma::Level::kCritical: return "\x1b[1;31m";
    case sigma::Level::kHigh: return "\x1b[31m";
    case sigma::Level::kMedium: return "\x1b[33m";
    case sigma::Level::kLow: return "\x1b[36m";
    case sigma::Level::kInformational: return "\x1b[2m";
  }
  return "";
}

// Fields worth showing in one table line, in order of preference. The rule's own `fields`
// list comes first when it has one.
constexpr std::string_view kKeyFields[] = {
    "CommandLine", "Image", "NewProcessName", "TargetFilename", "TargetObject", "Details", "ImageLoaded",
    "DestinationIp", "DestinationPort", "QueryName", "TargetUserName", "IpAddress",
    "ServiceName", "ImagePath", "ScriptBlockText", "PipeName", "TargetImage", "Data"};

std::string key_fields(const Alert& alert) {
  std::vector<std::string_view> names;
  for (const auto& f : alert.rule->fields) names.push_back(f);
  for (auto f : kKeyFields) names.push_back(f);
  std::string out;
  int shown = 0;
  std::vector<std::string_view> seen;
  for (auto name : names) {
    if (shown == 3) break;
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    std::string_view value = field_text(alert.event, name);
    if (value.empty()) continue;
    std::string one(value.substr(0, 120));
    std::replace(one.begin(), one.end(), '\n', ' ');
    std::replace(one.begin(), one.end(), '\r', ' ');
    if (value.size() > 120) one += "…";
    if (!out.empty()) out += "  ";
    out += fmt::format("{}={}", name, one);
    ++shown;
  }
  return out;
}

std::string group_value(const CorrelationResult& c, std::string_view name) {
  for (const auto& [k, v] : c.group) {
    if (k == name) return v;
  }
  return {};
}

std::string number_text(double v) {
  if (v == static_cast<double>(static_cast<long long>(v)) && std::abs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  return fmt::format("{:.6g}", v);
}

// "correlation event_count=12 User=alice from 2019-...Z" for the table.
std::string correlation_summary(const CorrelationResult& c) {
  std::string out = fmt::format("{}={}", c.type, number_text(c.value));
  for (const auto& [k, v] : c.group) out += fmt::format("  {}={}", k, v);
  out += fmt::format("  since {}", c.window_start);
  return out;
}

nlohmann::ordered_json correlation_json(const CorrelationResult& c) {
  nlohmann::ordered_json j;
  j["type"] = c.type;
  nlohmann::ordered_json group = nlohmann::ordered_json::object();
  for (const auto& [k, v] : c.group) group[k] = v;
  j["group"] = std::move(group);
  j["window"] = {{"start", c.window_start}, {"end", c.window_end}};
  if (c.value == static_cast<double>(static_cast<long long>(c.value)) && std::abs(c.value) < 1e15) {
    j["value"] = static_cast<long long>(c.value);
  } else {
    j["value"] = c.value;
  }
  j["events"] = c.events;
  j["contributors"] = c.contributors;
  j["contributors_truncated"] = c.contributors_truncated;
  return j;
}

// "DestinationIp=203.0.113.7  source=feeds/c2.txt  tlp=amber  confidence=80" for the table.
std::string indicator_summary(const IndicatorMatch& m) {
  std::string out;
  if (!m.observations.empty()) {
    // A pattern of several observations: its events instead of one field.
    out = fmt::format("observations={}", m.observations.size());
    for (std::size_t i = 0; i < m.observations.size() && i < 4; ++i) out += " " + m.observations[i];
    if (m.observations.size() > 4) out += " …";
  } else {
    out = fmt::format("{}={}", m.field, m.observed.substr(0, 120));
    if (m.match != "exact") out += fmt::format("  {} {}", m.match, m.value);
  }
  out += fmt::format("  source={}", m.source);
  if (!m.tlp.empty()) out += fmt::format("  tlp={}", m.tlp);
  if (m.confidence >= 0) out += fmt::format("  confidence={}", m.confidence);
  return out;
}

nlohmann::ordered_json indicator_json(const IndicatorMatch& m) {
  nlohmann::ordered_json j;
  j["id"] = m.id;
  j["type"] = m.type;
  j["value"] = m.value;
  j["source"] = m.source;
  j["tlp"] = m.tlp.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.tlp);
  j["confidence"] = m.confidence < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.confidence);
  j["match"] = m.match;
  j["field"] = m.field;
  j["observed"] = m.observed;
  j["valid_from"] = m.valid_from.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.valid_from);
  j["valid_until"] = m.valid_until.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.valid_until);
  if (!m.observations.empty()) j["observations"] = m.observations;
  return j;
}

class TableWriter final : public AlertWriter {
 public:
  TableWriter(std::FILE* out, bool color) : out_(out), color_(color) {}
  void write(const Alert& alert) override {
    if (!header_) {
      fmt::print(out_, "{:<27} {:<20} {:<8} {}\n", "time", "computer", "level", "rule  [key fields]");
      header_ = true;
    }
    std::string computer(field_text(alert.event, "Computer"));
    if (computer.empty()) computer = std::string(field_text(alert.event, "host"));
    if (alert.correlation) computer = group_value(*alert.correlation, "Computer");
    if (computer.size() > 20) computer = computer.substr(0, 19) + "…";
    const auto& level = alert.rule->level_name;
    if (color_) {
      fmt::print(out_, "{:<27} {:<20} {}{:<8}\x1b[0m {}", alert.timestamp, computer,
                 level_color(alert.rule->level), level, alert.rule->title);
    } else {
      fmt::print(out_, "{:<27} {:<20} {:<8} {}", alert.timestamp, computer, level,
                 alert.rule->title);
    }
    std::string keys = alert.correlation ? correlation_summary(*alert.correlation)
                       : alert.indicator ? indicator_summary(*alert.indicator)
                                         : key_fields(alert);
    if (!keys.empty()) fmt::print(out_, "  [{}]", keys);
    fmt::print(out_, "\n");
  }
  void write(const Detection& d) override {
    if (!header_) {
      fmt::print(out_, "{:<27} {:<20} {:<8} {}\n", "first seen", "computer", "level",
                 "rule  [count, last seen, key]");
      header_ = true;
    }
    std::string computer = d.host.size() > 20 ? d.host.substr(0, 19) + "…" : d.host;
    std::string first = d.first_seen ? engine::format_time(*d.first_seen) : "-";
    if (color_) {
      fmt::print(out_, "{:<27} {:<20} {}{:<8}\x1b[0m {}", first, computer,
                 level_color(d.rule->level), d.level, d.rule->title);
    } else {
      fmt::print(out_, "{:<27} {:<20} {:<8} {}", first, computer, d.level, d.rule->title);
    }
    std::string extra = fmt::format("count={}", d.count);
    if (d.last_seen && d.count > 1) extra += "  until " + engine::format_time(*d.last_seen);
    for (const auto& [k, v] : d.key) extra += fmt::format("  {}={}", k, v);
    fmt::print(out_, "  [{}]\n", extra);
  }

 private:
  std::FILE* out_;
  bool color_;
  bool header_ = false;
};

class JsonlWriter final : public AlertWriter {
 public:
  explicit JsonlWriter(std::FILE* out) : out_(out) {}
  void write(const Alert& alert) override {
    std::string line = to_json(alert);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
  }
  void write(const Detection& detection) override {
    std::string line = to_json(detection);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
  }

 private:
  std::FILE* out_;
};

std::string csv_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string join_tags(const engine::RuleInfo& rule) {
  std::string tags;
  for (const auto& t : rule.tags) {
    if (!tags.empty()) tags += ' ';
    tags += t;
  }
  return tags;
}

class CsvWriter final : public AlertWriter {
 public:
  explicit CsvWriter(std::FILE* out) : out_(out) {}
  void write(const Alert& alert) override {
    if (!header_) {
      fmt::print(out_, "timestamp,computer,level,rule_id,rule_title,rule_author,tags,file,line,event\r\n");
      header_ = true;
    }
    std::string tags = join_tags(*alert.rule);
    // A correlation alert has no source event: its result goes in the event column.
    std::string computer = alert.correlation ? group_value(*alert.correlation, "Computer")
                                             : std::string(field_text(alert.event, "Computer"));
    auto event = alert.correlation ? nlohmann::ordered_json{{"correlation", correlation_json(*alert.correlation)}}
                                   : event_json(alert.event);
    fmt::print(out_, "{},{},{},{},{},{},{},{},{},{}\r\n", csv_quote(alert.timestamp),
               csv_quote(computer), csv_quote(alert.rule->level_name),
               csv_quote(alert.rule->id), csv_quote(alert.rule->title),
               csv_quote(alert.rule->author), csv_quote(tags), csv_quote(alert.input), alert.line,
               csv_quote(event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  }
  void write(const Detection& d) override {
    if (!header_) {
      fmt::print(out_, "first_seen,last_seen,count,computer,level,rule_id,rule_title,rule_author,tags,key,first_alert\r\n");
      header_ = true;
    }
    std::string tags = join_tags(*d.rule);
    std::string key;
    for (const auto& [k, v] : d.key) {
      if (!key.empty()) key += ' ';
      key += k + "=" + v;
    }
    fmt::print(out_, "{},{},{},{},{},{},{},{},{},{},{}\r\n",
               csv_quote(d.first_seen ? engine::format_time(*d.first_seen) : ""),
               csv_quote(d.last_seen ? engine::format_time(*d.last_seen) : ""), d.count,
               csv_quote(d.host), csv_quote(d.level), csv_quote(d.rule->id),
               csv_quote(d.rule->title), csv_quote(d.rule->author), csv_quote(tags),
               csv_quote(key), csv_quote(d.first_alert));
  }

 private:
  std::FILE* out_;
  bool header_ = false;
};

}  // namespace

std::string_view field_text(const input::FlatObject& event, std::string_view name) {
  for (const auto& field : event) {
    if (field.name == name) return field.text;
  }
  return {};
}

namespace {

// The rule's keys of an alert or detection, in the documented order.
void add_rule_fields(nlohmann::ordered_json& j, const engine::RuleInfo& rule) {
  j["rule_id"] = rule.id;
  j["rule_title"] = rule.title;
  j["level"] = rule.level_name;
  j["tags"] = rule.tags;
  j["rule_author"] = rule.author;
  j["rule_status"] = rule.status;
  j["rule_file"] = rule.file;
}

}  // namespace

std::string to_json(const Alert& alert) {
  nlohmann::ordered_json j;
  j["timestamp"] = alert.timestamp.empty() ? nlohmann::ordered_json(nullptr)
                                           : nlohmann::ordered_json(alert.timestamp);
  add_rule_fields(j, *alert.rule);
  if (alert.correlation) {
    j["correlation"] = correlation_json(*alert.correlation);
  } else {
    if (alert.indicator) j["indicator"] = indicator_json(*alert.indicator);
    j["source"] = {{"file", alert.input}, {"line", alert.line}};
    j["event"] = event_json(alert.event);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_json(const Detection& d) {
  auto time = [](const std::optional<std::int64_t>& t) {
    return t ? nlohmann::ordered_json(engine::format_time(*t)) : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json j;
  j["first_seen"] = time(d.first_seen);
  j["last_seen"] = time(d.last_seen);
  j["count"] = d.count;
  add_rule_fields(j, *d.rule);
  j["host"] = d.host;
  nlohmann::ordered_json key = nlohmann::ordered_json::object();
  for (const auto& [k, v] : d.key) key[k] = v;
  j["key"] = std::move(key);
  j["first_alert"] = d.first_alert;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string reference(const Alert& alert) {
  return fmt::format("{}:{}:{}", alert.input, alert.line,
                     alert.rule->id.empty() ? alert.rule->title : alert.rule->id);
}

std::unique_ptr<AlertWriter> AlertWriter::create(const WriterOptions& options, std::FILE* out) {
  switch (options.format) {
    case Format::kTable: return std::make_unique<TableWriter>(out, options.color);
    case Format::kJsonl: return std::make_unique<JsonlWriter>(out);
    case Format::kCsv: return std::make_unique<CsvWriter>(out);
  }
  return nullptr;
}

}  // namespace rasid::alert
