#include "intel/indicator_sources.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "intel/detail/stix_text.h"
#include "intel/stix_pattern.h"

namespace rasid::intel {

namespace fs = std::filesystem;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n' ||
                        s.front() == '\v' || s.front() == '\f')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n' ||
                        s.back() == '\v' || s.back() == '\f')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_hex_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The type of a plain-list value without normalizing it (add_value normalizes once).
std::optional<std::pair<IndicatorType, bool>> classify(std::string_view v) {
  if (v.find("://") != std::string_view::npos) return std::pair{IndicatorType::kUrl, false};
  if (v.find('@') != std::string_view::npos) return std::pair{IndicatorType::kEmail, false};
  if (v.size() == 32 || v.size() == 40 || v.size() == 64) {
    if (std::all_of(v.begin(), v.end(), is_hex_char)) {
      return std::pair{v.size() == 32 ? IndicatorType::kMd5 : v.size() == 40 ? IndicatorType::kSha1 : IndicatorType::kSha256,
                       false};
    }
  }
  if (v.find(':') != std::string_view::npos) return std::pair{IndicatorType::kIpv6, false};
  if (!v.empty() && v.front() >= '0' && v.front() <= '9' && parse_ip_network(v)) {
    return std::pair{IndicatorType::kIpv4, false};
  }
  if (v.starts_with("*.") || v.starts_with(".")) return std::pair{IndicatorType::kDomain, true};
  return std::pair{IndicatorType::kDomain, false};
}

// Line of the first occurrence of `needle` in `text` (1-based), 0 if absent: places JSON
// objects, which the JSON library does not locate, for diagnostics.
int line_of(std::string_view text, std::string_view needle) {
  if (needle.empty()) return 0;
  auto at = text.find(needle);
  if (at == std::string_view::npos) return 0;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

// line_of() for many needles in one document (an object per indicator): one pass records the
// first offset of every JSON string and every line end, so each lookup is a hash probe and a
// binary search instead of a scan from the top (which made a 10,000-indicator bundle take
// 40 s). The line is that of the first JSON string equal to the needle (an id mentioned
// earlier inside a longer text does not count); a needle that is no whole JSON string of the
// text (a MISP value inside "a|b") falls back to line_of().
class LineFinder {
 public:
  explicit LineFinder(std::string_view text) : text_(text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') {
        newlines_.push_back(i);
      } else if (text[i] == '"') {
        std::size_t end = i + 1;
        while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
        if (end >= text.size()) break;
        first_.try_emplace(text.substr(i + 1, end - i - 1), i + 1);
        for (std::size_t k = i + 1; k < end; ++k) {
          if (text[k] == '\n') newlines_.push_back(k);  // (a raw newline in a string is bad JSON, but count it)
        }
        i = end;
      }
    }
  }
  [[nodiscard]] int line_of(std::string_view needle) const {
    if (needle.empty()) return 0;
    auto it = first_.find(needle);
    if (it == first_.end()) return rasid::intel::line_of(text_, needle);
    const std::size_t at = it->second;
    return 1 + static_cast<int>(std::upper_bound(newlines_.begin(), newlines_.end(), at) - newlines_.begin());
  }

 private:
  std::string_view text_;
  std::vector<std::size_t> newlines_;
  std::unordered_map<std::string_view, std::size_t> first_;
};

// Line of byte offset `at` (1-based).
int line_at(std::string_view text, std::size_t at) {
  at = std::min(at, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

Result<nlohmann::json> parse_json(std::string_view text, std::string_view source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    Error err{ErrorCode::kParse, fmt::format("invalid JSON: {}", e.what()), {}};
    err.where.file = std::string(source);
    err.where.line = line_at(text, e.byte > 0 ? e.byte - 1 : 0);
    return fail(std::move(err));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kParse, fmt::format("{}: invalid JSON: {}", source, e.what()));
  }
}

Location at(std::string_view source, int line) {
  Location where;
  where.file = std::string(source);
  where.line = line;
  return where;
}

// Splits one CSV line (RFC 4180 quoting within the line).
void split_csv(std::string_view line, char delimiter, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"' && trim(field).empty()) {
      field.clear();
      quoted = true;
    } else if (c == delimiter) {
      fields.emplace_back(trim(field));
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  fields.emplace_back(trim(field));
}

// Calls f(line_text, line_number) for each line of `text`.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  std::uint32_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    f(text.substr(start, end - start), ++number);
    start = end + 1;
  }
}

// One line of a plain list. Hot path of the 10 M benchmark: no allocation but the value's.
void plain_line(std::string_view line, std::uint32_t number, SourceIndex source, std::string_view source_name,
                IndicatorSetBuilder& builder, Diagnostics& diags) {
  if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
  std::size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i == line.size() || line[i] == '#' || line[i] == '\r') return;
  std::size_t end = i;
  while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r') ++end;
  std::string_view value = line.substr(i, end - i);
  auto type = classify(value);
  IndicatorFields fields;
  fields.line = number;
  IndicatorIndex index = builder.begin(source, fields);
  auto added = builder.add_value(index, type->first, value, type->second);
  if (!added) {
    builder.abandon_if_empty(index);
    diags.error(at(source_name, static_cast<int>(number)), "",
                fmt::format("not an indicator (IP, CIDR, domain, URL, hash or e-mail): '{}'", value));
  }
}

// MISP tags: the TLP among them, if any.
std::optional<Tlp> tlp_of_tags(const nlohmann::json& tags) {
  if (!tags.is_array()) return std::nullopt;
  for (const auto& tag : tags) {
    if (tag.is_object() && tag.contains("name") && tag["name"].is_string()) {
      const auto& name = tag["name"].get_ref<const std::string&>();
      if (lower(name).starts_with("tlp:")) {
        if (auto t = parse_tlp(name)) return t;
      }
    }
  }
  return std::nullopt;
}

std::string json_text(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return {};
}

bool json_bool(const nlohmann::json& j, std::string_view key, bool fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_number_integer()) return it->get<long long>() != 0;
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    return s == "1" || s == "true" || s == "True";
  }
  return fallback;
}

// Adds a MISP-typed value to `indicator`; false (with a diagnostic) if it does not parse.
bool add_typed(IndicatorSetBuilder& builder, IndicatorIndex indicator, const MispTypeMapping& map,
               std::string_view value, std::string_view source, int line, Diagnostics& diags) {
  std::vector<std::pair<IndicatorType, std::string_view>> parts;
  if (map.part < 0) {
    parts.emplace_back(map.type, value);
  } else {
    auto bar = value.find('|');
    std::string_view a = bar == std::string_view::npos ? value : value.substr(0, bar);
    std::string_view b = bar == std::string_view::npos ? std::string_view{} : value.substr(bar + 1);
    if (map.part == 0) parts.emplace_back(map.type, a);
    if (map.part == 1) parts.emplace_back(map.type, b);
    if (map.part == 2) {  // domain|ip
      parts.emplace_back(IndicatorType::kDomain, a);
      parts.emplace_back(IndicatorType::kIpv4, b);
    }
  }
  bool ok = true;
  for (auto [type, text] : parts) {
    text = trim(text);
    std::string fixed;
    if (type == IndicatorType::kUrl && text.find("://") == std::string_view::npos) {
      fixed = "http://" + std::string(text);  // MISP url attributes often omit the scheme
      text = fixed;
    }
    if (type == IndicatorType::kMd5 || type == IndicatorType::kSha1 || type == IndicatorType::kSha256) {
      fixed = lower(text);
      text = fixed;
    }
    if (auto added = builder.add_value(indicator, type, text); !added) {
      diags.error(at(source, line), "", added.error().message);
      ok = false;
    }
  }
  return ok;
}

void load_misp_attribute(const nlohmann::json& attribute, const LineFinder& lines, std::string_view source,
                         SourceIndex source_index, Tlp event_tlp, IndicatorSetBuilder& builder,
                         Diagnostics& diags, LoadStats& stats, const LoadOptions& options) {
  if (!attribute.is_object()) return;
  std::string type = json_text(attribute, "type");
  std::string value = json_text(attribute, "value");
  std::string uuid = json_text(attribute, "uuid");
  int line = lines.line_of(uuid.empty() ? value : uuid);
  if (json_bool(attribute, "deleted", false)) {
    ++stats.skipped["misp: deleted attribute"];
    return;
  }
  auto map = map_misp_type(type);
  if (!map) {
    ++stats.skipped[fmt::format("misp: type {} (not an observable)", type.empty() ? "(none)" : type)];
    return;
  }
  if (!options.misp_all && !json_bool(attribute, "to_ids", false)) {
    ++stats.skipped["misp: to_ids false"];
    return;
  }
  if (value.empty()) {
    diags.error(at(source, line), uuid, fmt::format("misp attribute of type {} without a value", type));
    return;
  }
  IndicatorFields fields;
  fields.id = uuid;
  fields.line = static_cast<std::uint32_t>(line);
  fields.tlp = tlp_of_tags(attribute.value("Tag", nlohmann::json())).value_or(event_tlp);
  IndicatorIndex index = builder.begin(source_index, fields);
  if (!add_typed(builder, index, *map, value, source, line, diags)) builder.abandon_if_empty(index);
}

void load_one_misp_event(const nlohmann::json& event, const LineFinder& text, std::string_view source,
                         SourceIndex source_index, IndicatorSetBuilder& builder, Diagnostics& diags,
                         LoadStats& stats, const LoadOptions& options, Tlp default_tlp) {
  Tlp tlp = tlp_of_tags(event.value("Tag", nlohmann::json())).value_or(default_tlp);
  if (auto it = event.find("Attribute"); it != event.end() && it->is_array()) {
    for (const auto& a : *it) load_misp_attribute(a, text, source, source_index, tlp, builder, diags, stats, options);
  }
  if (auto it = event.find("Object"); it != event.end() && it->is_array()) {
    for (const auto& object : *it) {
      if (!object.is_object()) continue;
      auto attrs = object.find("Attribute");
      if (attrs == object.end() || !attrs->is_array()) continue;
      for (const auto& a : *attrs) load_misp_attribute(a, text, source, source_index, tlp, builder, diags, stats, options);
    }
  }
}

std::optional<Tlp> tlp_of_marking(std::string_view id) {
  static const std::pair<std::string_view, Tlp> kKnown[] = {
      {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", Tlp::kClear},
      {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", Tlp::kGreen},
      {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", Tlp::kAmber},
      {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", Tlp::kRed},
      {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", Tlp::kClear},
      {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", Tlp::kGreen},
      {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", Tlp::kAmber},
      {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", Tlp::kAmberStrict},
      {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", Tlp::kRed},
  };
  for (const auto& [known, tlp] : kKnown) {
    if (known == id) return tlp;
  }
  return std::nullopt;
}

std::optional<std::int64_t> stix_time(const nlohmann::json& object, std::string_view key) {
  std::string text = json_text(object, key);
  if (text.empty()) return std::nullopt;
  auto t = detail::parse_timestamp(text);
  if (!t) return std::nullopt;
  return t->seconds * 1'000'000 + t->nanos / 1000;
}

// What an indexable comparison tests: the type its path maps to.
std::optional<IndicatorType> indexable_path(const ObjectPath& path) {
  if (path.steps.empty() || path.steps[0].kind != PathStep::Kind::kKey) return std::nullopt;
  const std::string& type = path.object_type;
  if (path.steps.size() == 1 && path.steps[0].key == "value") {
    if (type == "ipv4-addr") return IndicatorType::kIpv4;
    if (type == "ipv6-addr") return IndicatorType::kIpv6;
    if (type == "domain-name") return IndicatorType::kDomain;
    if (type == "url") return IndicatorType::kUrl;
    if (type == "email-addr") return IndicatorType::kEmail;
  }
  if (type == "file" && path.steps.size() == 2 && path.steps[0].key == "hashes" &&
      path.steps[1].kind == PathStep::Kind::kKey) {
    std::string algo;
    for (char c : path.steps[1].key) {
      if (c != '-' && c != '_') algo += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    }
    if (algo == "md5") return IndicatorType::kMd5;
    if (algo == "sha1") return IndicatorType::kSha1;
    if (algo == "sha256") return IndicatorType::kSha256;
  }
  return std::nullopt;
}

struct IndexedValue {
  IndicatorType type;
  std::string value;
  bool subdomains = false;
};

// Collects the values of an OR of equalities; false if the comparison is anything else.
bool collect_equalities(const StixPattern& p, int node, std::vector<IndexedValue>& out) {
  const ComparisonNode& c = p.comparisons[static_cast<std::size_t>(node)];
  if (c.kind == ComparisonNode::Kind::kOr) {
    return collect_equalities(p, c.lhs, out) && collect_equalities(p, c.rhs, out);
  }
  if (c.kind != ComparisonNode::Kind::kTest || c.negated) return false;
  auto type = indexable_path(c.path);
  if (!type) return false;
  if (c.op == CompareOp::kEqual || c.op == CompareOp::kIn) {
    if (c.values.empty()) return false;
    for (const auto& v : c.values) {
      if (v.kind != Literal::Kind::kString) return false;
      out.push_back({*type, v.bytes, false});
    }
    return true;
  }
  // domain-name:value LIKE '%.example.com': the domain's subdomains (not itself).
  if (c.op == CompareOp::kLike && *type == IndicatorType::kDomain && c.values.size() == 1 &&
      c.values[0].kind == Literal::Kind::kString) {
    std::string_view like = c.values[0].bytes;
    if (like.starts_with("%.") && like.substr(2).find_first_of("%_") == std::string_view::npos) {
      out.push_back({IndicatorType::kDomain, std::string(like.substr(2)), true});
      return true;
    }
  }
  return false;
}

void object_types_of(const StixPattern& p, std::set<std::string>& types) {
  for (const auto& c : p.comparisons) {
    if (c.kind == ComparisonNode::Kind::kTest) types.insert(c.path.object_type);
  }
}

void load_stix_indicator(const nlohmann::json& object, const LineFinder& lines, std::string_view source,
                         SourceIndex source_index, const std::unordered_map<std::string, Tlp>& markings,
                         IndicatorSetBuilder& builder, Diagnostics& diags, LoadStats& stats) {
  std::string id = json_text(object, "id");
  int line = lines.line_of(id);
  if (json_bool(object, "revoked", false)) {
    ++stats.skipped["stix: revoked indicator"];
    return;
  }
  std::string pattern_type = json_text(object, "pattern_type");
  if (!pattern_type.empty() && pattern_type != "stix") {
    ++stats.skipped[fmt::format("stix: pattern_type {}", pattern_type)];
    return;
  }
  std::string pattern_text = json_text(object, "pattern");
  if (pattern_text.empty()) {
    diags.error(at(source, line), id, "indicator without a pattern");
    return;
  }
  StixVersion version = json_text(object, "spec_version") == "2.0" ? StixVersion::k20 : StixVersion::k21;
  auto pattern = parse_stix_pattern(pattern_text, version);
  if (!pattern) {
    diags.error(at(source, line), id, fmt::format("invalid pattern: {}", pattern.error().message));
    return;
  }
  IndicatorFields fields;
  fields.id = id;
  fields.line = static_cast<std::uint32_t>(line);
  if (auto it = object.find("confidence"); it != object.end() && it->is_number_integer()) {
    fields.confidence = static_cast<int>(std::clamp<long long>(it->get<long long>(), 0, 100));
  }
  if (auto it = object.find("object_marking_refs"); it != object.end() && it->is_array()) {
    for (const auto& ref : *it) {
      if (!ref.is_string()) continue;
      const auto& r = ref.get_ref<const std::string&>();
      std::optional<Tlp> tlp = tlp_of_marking(r);
      if (!tlp) {
        if (auto m = markings.find(r); m != markings.end()) tlp = m->second;
      }
      if (tlp) fields.tlp = *tlp;
    }
  }
  fields.valid_from = stix_time(object, "valid_from");
  fields.valid_until = stix_time(object, "valid_until");
  if (object.contains("valid_from") && !fields.valid_from) {
    diags.warning(at(source, line), id, "valid_from is not a STIX timestamp; ignored");
  }
  if (object.contains("valid_until") && !fields.valid_until) {
    diags.warning(at(source, line), id, "valid_until is not a STIX timestamp; ignored");
  }
  if (!pattern->is_single_observation()) {
    // Several observations: each event is one; the hunt keeps the events that satisfy one of
    // the pattern's observation expressions and evaluates the pattern over them in event-time
    // windows at the end (multi_pattern.h).
    auto multi = MultiPattern::create(*pattern);
    if (!multi) {
      if (multi.error().code == ErrorCode::kLimit) {
        diags.warning(at(source, line), id,
                      fmt::format("pattern not evaluable in a hunt: {}", multi.error().message));
        ++stats.skipped["stix: several observations (not evaluable in a hunt)"];
      } else {
        diags.error(at(source, line), id, fmt::format("invalid pattern: {}", multi.error().message));
      }
      return;
    }
    IndicatorIndex index = builder.begin(source_index, fields);
    builder.add_multi_pattern(index, std::move(*multi));
    return;
  }
  const ObservationNode& root = pattern->observations[static_cast<std::size_t>(pattern->root)];
  std::vector<IndexedValue> values;
  if (collect_equalities(*pattern, root.comparison, values)) {
    IndicatorIndex index = builder.begin(source_index, fields);
    for (const auto& v : values) {
      if (auto added = builder.add_value(index, v.type, v.value, v.subdomains); !added) {
        diags.error(at(source, line), id, added.error().message);
      }
    }
    builder.abandon_if_empty(index);
    return;
  }
  auto matcher = StixMatcher::create(*pattern);
  if (!matcher) {
    diags.error(at(source, line), id, fmt::format("invalid pattern: {}", matcher.error().message));
    return;
  }
  std::set<std::string> types;
  object_types_of(*pattern, types);
  IndicatorIndex index = builder.begin(source_index, fields);
  builder.add_pattern(index, std::move(*matcher), std::vector<std::string>(types.begin(), types.end()));
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, fmt::format("{}: cannot read", path.string()));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(ErrorCode::kIo, fmt::format("{}: read error", path.string()));
  return text;
}

// Streams a plain list through a fixed buffer: a 10 M-line list never sits in memory whole.
void load_plain_file(const fs::path& path, IndicatorSetBuilder& builder, Diagnostics& diags) {
  std::string name = path.string();
  std::FILE* f = std::fopen(name.c_str(), "rb");
  if (f == nullptr) {
    diags.error(at(name, 0), "", "cannot read the file");
    return;
  }
  SourceIndex source = builder.add_source(name);
  constexpr std::size_t kChunk = 1 << 20;
  std::string buffer;
  buffer.resize(kChunk * 2);
  std::size_t filled = 0;
  std::uint32_t line = 0;
  while (true) {
    if (filled == buffer.size()) buffer.resize(buffer.size() * 2);  // a line longer than the buffer
    std::size_t got = std::fread(buffer.data() + filled, 1, buffer.size() - filled, f);
    filled += got;
    bool eof = got == 0;
    std::string_view view(buffer.data(), filled);
    std::size_t start = 0;
    while (true) {
      std::size_t end = view.find('\n', start);
      if (end == std::string_view::npos) {
        if (eof && start < view.size()) {
          plain_line(view.substr(start), ++line, source, name, builder, diags);
          start = view.size();
        }
        break;
      }
      plain_line(view.substr(start, end - start), ++line, source, name, builder, diags);
      start = end + 1;
    }
    std::memmove(buffer.data(), buffer.data() + start, filled - start);
    filled -= start;
    if (eof) break;
  }
  if (std::ferror(f)) diags.error(at(name, static_cast<int>(line)), "", "read error");
  std::fclose(f);
}

void load_misp_feed(const fs::path& folder, IndicatorSetBuilder& builder, Diagnostics& diags,
                    LoadStats& stats, const LoadOptions& options) {
  fs::path manifest_path = folder / "manifest.json";
  std::string name = manifest_path.string();
  auto text = read_file(manifest_path);
  if (!text) {
    diags.error(at(name, 0), "", text.error().message);
    return;
  }
  auto manifest = parse_json(*text, name);
  if (!manifest) {
    diags.error(manifest.error().where.file.empty() ? at(name, 0) : manifest.error().where, "",
                manifest.error().message);
    return;
  }
  if (!manifest->is_object()) {
    diags.error(at(name, 1), "", "a MISP feed manifest is an object of event uuids");
    return;
  }
  ++stats.formats["misp feed"];
  for (auto it = manifest->begin(); it != manifest->end(); ++it) {
    Tlp tlp = tlp_of_tags(it.value().value("Tag", nlohmann::json())).value_or(Tlp::kNone);
    fs::path event_path = folder / (it.key() + ".json");
    auto event_text = read_file(event_path);
    if (!event_text) {
      diags.error(at(name, line_of(*text, it.key())), it.key(), "event listed in the manifest cannot be read");
      continue;
    }
    ++stats.files;
    load_misp_event(*event_text, event_path.string(), builder, diags, stats, options, tlp);
  }
}

void load_file(const fs::path& path, std::string_view forced, IndicatorSetBuilder& builder, Diagnostics& diags,
               LoadStats& stats, const LoadOptions& options) {
  std::string name = path.string();
  std::string ext = lower(path.extension().string());
  std::string format(forced);
  if (format.empty()) {
    if (ext == ".json") format = "json";
    else if (ext == ".csv") format = "csv?";
    else format = "plain";
  }
  ++stats.files;
  if (format == "plain") {
    ++stats.formats["plain list"];
    load_plain_file(path, builder, diags);
    return;
  }
  auto text = read_file(path);
  if (!text) {
    diags.error(at(name, 0), "", text.error().message);
    return;
  }
  if (format == "json") {
    // A STIX bundle names its type; a MISP event has Event or response.
    std::string_view head = std::string_view(*text).substr(0, 4096);
    bool stix = head.find("\"bundle\"") != std::string_view::npos ||
                head.find("\"objects\"") != std::string_view::npos ||
                head.find("\"indicator\"") != std::string_view::npos ||
                head.find("\"spec_version\"") != std::string_view::npos;
    bool misp = head.find("\"Event\"") != std::string_view::npos ||
                head.find("\"response\"") != std::string_view::npos ||
                head.find("\"Attribute\"") != std::string_view::npos;
    if (misp && !stix) format = "misp";
    else if (stix) format = "stix";
    else {
      diags.error(at(name, 0), "", "JSON that is neither a STIX bundle nor a MISP event");
      return;
    }
  }
  if (format == "csv?") {
    std::string_view first = std::string_view(*text).substr(0, text->find('\n'));
    std::vector<std::string> header;
    split_csv(first, ',', header);
    bool has_type = false, has_value = false;
    for (auto& h : header) {
      std::string l = lower(h);
      has_type |= l == "type";
      has_value |= l == "value";
    }
    format = has_type && has_value && !options.csv ? "misp-csv" : "csv";
  }
  if (format == "stix") {
    ++stats.formats["stix bundle"];
    load_stix_bundle(*text, name, builder, diags, stats);
  } else if (format == "misp") {
    ++stats.formats["misp event"];
    load_misp_event(*text, name, builder, diags, stats, options);
  } else if (format == "misp-csv") {
    ++stats.formats["misp csv"];
    load_misp_csv(*text, name, builder, diags, stats, options);
  } else if (format == "csv") {
    ++stats.formats["csv"];
    load_csv(*text, name, options.csv, builder, diags, stats);
  } else if (format == "freetext") {
    ++stats.formats["freetext"];
    load_freetext(*text, name, builder, diags, stats);
  } else {
    diags.error(at(name, 0), "", fmt::format("unknown feed format '{}'", format));
  }
}

}  // namespace

Result<CsvSpec> parse_csv_spec(std::string_view text) {
  CsvSpec spec;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    // "delimiter=," : a comma right after '=' is the value itself.
    if (end != std::string_view::npos && end > 0 && text[end - 1] == '=') end = text.find(',', end + 1);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = trim(text.substr(start, end - start));
    start = end + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("csv spec: '{}' is not NAME=VALUE", item));
    }
    std::string key = lower(trim(item.substr(0, eq)));
    std::string_view val = item.substr(eq + 1);
    if (key == "delimiter") {
      if (val == "tab" || val == "\\t") spec.delimiter = '\t';
      else if (val == "semicolon") spec.delimiter = ';';
      else if (val == "comma") spec.delimiter = ',';
      else if (val.size() == 1) spec.delimiter = val[0];
      else return fail(ErrorCode::kInvalidArgument, fmt::format("csv spec: bad delimiter '{}'", val));
      continue;
    }
    int n = 0;
    if (val.empty() || val.size() > 4 || !std::all_of(val.begin(), val.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fail(ErrorCode::kInvalidArgument, fmt::format("csv spec: '{}' needs a column number", key));
    }
    for (char c : val) n = n * 10 + (c - '0');
    if (key == "value") spec.value = n;
    else if (key == "type") spec.type = n;
    else if (key == "id") spec.id = n;
    else if (key == "confidence") spec.confidence = n;
    else if (key == "tlp") spec.tlp = n;
    else if (key == "header") spec.header = n != 0;
    else return fail(ErrorCode::kInvalidArgument, fmt::format("csv spec: unknown key '{}'", key));
  }
  if (spec.value < 0) return fail(ErrorCode::kInvalidArgument, "csv spec: value=N is required");
  return spec;
}

std::optional<MispTypeMapping> map_misp_type(std::string_view type_text) {
  std::string type = lower(type_text);
  using T = IndicatorType;
  if (type == "ip-src" || type == "ip-dst" || type == "ip" || type == "ipv4" || type == "ipv4-addr" ||
      type == "ipv6" || type == "ipv6-addr" || type == "cidr") {
    return MispTypeMapping{T::kIpv4, -1};
  }
  if (type == "ip-src|port" || type == "ip-dst|port") return MispTypeMapping{T::kIpv4, 0};
  if (type == "domain" || type == "hostname" || type == "domain-name") return MispTypeMapping{T::kDomain, -1};
  if (type == "hostname|port") return MispTypeMapping{T::kDomain, 0};
  if (type == "domain|ip") return MispTypeMapping{T::kDomain, 2};
  if (type == "url") return MispTypeMapping{T::kUrl, -1};
  if (type == "md5") return MispTypeMapping{T::kMd5, -1};
  if (type == "sha1") return MispTypeMapping{T::kSha1, -1};
  if (type == "sha256") return MispTypeMapping{T::kSha256, -1};
  if (type == "filename|md5") return MispTypeMapping{T::kMd5, 1};
  if (type == "filename|sha1") return MispTypeMapping{T::kSha1, 1};
  if (type == "filename|sha256") return MispTypeMapping{T::kSha256, 1};
  if (type == "email" || type == "email-src" || type == "email-dst" || type == "email-addr") {
    return MispTypeMapping{T::kEmail, -1};
  }
  return std::nullopt;
}

void load_plain_list(std::string_view text, std::string_view source, IndicatorSetBuilder& builder,
                     Diagnostics& diags, LoadStats& /*stats*/) {
  SourceIndex index = builder.add_source(source);
  for_each_line(text, [&](std::string_view line, std::uint32_t number) {
    plain_line(line, number, index, source, builder, diags);
  });
}

void load_freetext(std::string_view text, std::string_view source, IndicatorSetBuilder& builder,
                   Diagnostics& /*diags*/, LoadStats& stats) {
  SourceIndex index = builder.add_source(source);
  std::set<std::string> seen;  // one indicator per distinct value
  for_each_line(text, [&](std::string_view line, std::uint32_t number) {
    std::string clean = refang(line);
    std::string_view rest = clean;
    while (!rest.empty()) {
      std::size_t start = rest.find_first_not_of(" \t\r,;\"'<>()[]{}|`");
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      std::size_t end = rest.find_first_of(" \t\r,;\"'<>()[]{}|`");
      std::string_view token = rest.substr(0, end);
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
      // Sentence punctuation around a value is not part of it.
      while (!token.empty() && (token.back() == '.' || token.back() == ':' || token.back() == '!' ||
                                token.back() == '?')) {
        token.remove_suffix(1);
      }
      auto value = detect_value(token);
      if (!value) continue;
      // A bare word with a dot ("file.exe", "e.g") is too weak to be a domain in free text:
      // require a letters-only top-level label of 2+ characters.
      if (value->type == IndicatorType::kDomain) {
        auto dot = value->normalized.rfind('.');
        std::string_view tld = std::string_view(value->normalized).substr(dot + 1);
        bool letters = tld.size() >= 2 && std::all_of(tld.begin(), tld.end(), [](char c) { return c >= 'a' && c <= 'z'; });
        if (!letters || tld == "exe" || tld == "dll" || tld == "txt" || tld == "doc" || tld == "pdf" ||
            tld == "zip" || tld == "js" || tld == "ps1" || tld == "bat") {
          ++stats.skipped["freetext: word with a dot that is no domain"];
          continue;
        }
      }
      if (!seen.insert(std::string(to_string(value->type)) + ' ' + value->normalized).second) continue;
      IndicatorFields fields;
      fields.line = number;
      IndicatorIndex i = builder.begin(index, fields);
      if (!builder.add_detected(i, *value)) builder.abandon_if_empty(i);
    }
  });
}

void load_csv(std::string_view text, std::string_view source, const std::optional<CsvSpec>& given,
              IndicatorSetBuilder& builder, Diagnostics& diags, LoadStats& stats) {
  SourceIndex index = builder.add_source(source);
  CsvSpec spec = given.value_or(CsvSpec{});
  bool need_header = !given;
  std::vector<std::string> fields;
  for_each_line(text, [&](std::string_view line, std::uint32_t number) {
    if (trim(line).empty() || trim(line).front() == '#') return;
    split_csv(line, spec.delimiter, fields);
    if (need_header) {
      need_header = false;
      // Without a spec the header names the columns; without a known header, column 0 is
      // the value and this line is data.
      CsvSpec named;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        std::string h = lower(fields[i]);
        int col = static_cast<int>(i);
        if (h == "value" || h == "indicator" || h == "ioc" || h == "observable") named.value = col;
        else if (h == "type" || h == "indicator_type") named.type = col;
        else if (h == "id" || h == "uuid") named.id = col;
        else if (h == "confidence") named.confidence = col;
        else if (h == "tlp") named.tlp = col;
      }
      if (named.value >= 0) {
        named.delimiter = spec.delimiter;
        spec = named;
        return;
      }
      spec.value = 0;
    } else if (spec.header && number == 1) {
      return;
    }
    auto column = [&](int c) -> std::string_view {
      return c >= 0 && static_cast<std::size_t>(c) < fields.size() ? std::string_view(fields[static_cast<std::size_t>(c)])
                                                                   : std::string_view{};
    };
    std::string_view value = column(spec.value);
    if (value.empty()) {
      diags.error(at(source, static_cast<int>(number)), "", fmt::format("no value in column {}", spec.value));
      return;
    }
    IndicatorFields meta;
    meta.line = number;
    meta.id = column(spec.id);
    if (auto t = parse_tlp(column(spec.tlp))) meta.tlp = *t;
    if (std::string_view c = column(spec.confidence); !c.empty()) {
      int n = 0;
      bool digits = c.size() <= 3 && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      for (char ch : c) n = digits ? n * 10 + (ch - '0') : 0;
      if (digits && n <= 100) meta.confidence = n;
      else diags.warning(at(source, static_cast<int>(number)), "", fmt::format("confidence '{}' is not 0-100; ignored", c));
    }
    IndicatorIndex i = builder.begin(index, meta);
    std::string_view type_text = column(spec.type);
    bool ok = false;
    if (!type_text.empty()) {
      auto map = map_misp_type(type_text);
      if (!map) {
        builder.abandon_if_empty(i);
        ++stats.skipped[fmt::format("csv: type {} (not an observable)", type_text)];
        return;
      }
      ok = add_typed(builder, i, *map, value, source, static_cast<int>(number), diags);
    } else if (auto detected = detect_value(value)) {
      ok = builder.add_detected(i, *detected).has_value();
    } else {
      diags.error(at(source, static_cast<int>(number)), "",
                  fmt::format("not an indicator (IP, CIDR, domain, URL, hash or e-mail): '{}'", value));
    }
    if (!ok) builder.abandon_if_empty(i);
  });
}

void load_misp_csv(std::string_view text, std::string_view source, IndicatorSetBuilder& builder,
                   Diagnostics& diags, LoadStats& stats, const LoadOptions& options) {
  SourceIndex index = builder.add_source(source);
  int type_col = -1, value_col = -1, uuid_col = -1, ids_col = -1, tag_col = -1;
  bool header = true;
  std::vector<std::string> fields;
  for_each_line(text, [&](std::string_view line, std::uint32_t number) {
    if (trim(line).empty()) return;
    split_csv(line, ',', fields);
    if (header) {
      header = false;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        std::string h = lower(fields[i]);
        int col = static_cast<int>(i);
        if (h == "type") type_col = col;
        else if (h == "value") value_col = col;
        else if (h == "uuid") uuid_col = col;
        else if (h == "to_ids") ids_col = col;
        else if (h == "attribute_tag" || h == "tags") tag_col = col;
      }
      if (type_col < 0 || value_col < 0) diags.error(at(source, 1), "", "MISP CSV header without type and value columns");
      return;
    }
    if (type_col < 0 || value_col < 0) return;
    auto column = [&](int c) -> std::string_view {
      return c >= 0 && static_cast<std::size_t>(c) < fields.size() ? std::string_view(fields[static_cast<std::size_t>(c)])
                                                                   : std::string_view{};
    };
    std::string_view type = column(type_col), value = column(value_col);
    auto map = map_misp_type(type);
    if (!map) {
      ++stats.skipped[fmt::format("misp: type {} (not an observable)", type.empty() ? "(none)" : type)];
      return;
    }
    if (ids_col >= 0 && !options.misp_all) {
      std::string ids = lower(column(ids_col));
      if (ids == "0" || ids == "false") {
        ++stats.skipped["misp: to_ids false"];
        return;
      }
    }
    if (value.empty()) {
      diags.error(at(source, static_cast<int>(number)), "", "MISP CSV row without a value");
      return;
    }
    IndicatorFields meta;
    meta.line = number;
    meta.id = column(uuid_col);
    std::string tags(column(tag_col));
    for (std::size_t s = 0; s < tags.size();) {
      std::size_t e = tags.find_first_of(",;", s);
      if (e == std::string::npos) e = tags.size();
      if (auto t = parse_tlp(trim(std::string_view(tags).substr(s, e - s))); t && lower(tags.substr(s, e - s)).find("tlp") != std::string::npos) {
        meta.tlp = *t;
      }
      s = e + 1;
    }
    IndicatorIndex i = builder.begin(index, meta);
    if (!add_typed(builder, i, *map, value, source, static_cast<int>(number), diags)) builder.abandon_if_empty(i);
  });
}

void load_misp_event(std::string_view text, std::string_view source, IndicatorSetBuilder& builder,
                     Diagnostics& diags, LoadStats& stats, const LoadOptions& options, Tlp default_tlp) {
  auto doc = parse_json(text, source);
  if (!doc) {
    diags.error(doc.error().where.file.empty() ? at(source, 0) : doc.error().where, "", doc.error().message);
    return;
  }
  SourceIndex index = builder.add_source(source);
  std::vector<const nlohmann::json*> events;
  auto collect = [&](const nlohmann::json& j) {
    if (!j.is_object()) return;
    if (auto e = j.find("Event"); e != j.end() && e->is_object()) events.push_back(&*e);
  };
  if (doc->is_array()) {
    for (const auto& item : *doc) collect(item);
  } else if (doc->is_object()) {
    collect(*doc);
    // A bare event (PyMISP's to_json without the wrapper).
    if (events.empty() && (doc->contains("Attribute") || doc->contains("Object"))) events.push_back(&*doc);
    if (auto r = doc->find("response"); r != doc->end() && r->is_array()) {
      for (const auto& item : *r) collect(item);
    }
  }
  if (events.empty()) {
    diags.error(at(source, 1), "", "no MISP event (expected {\"Event\": ...} or {\"response\": [...]})");
    return;
  }
  const LineFinder lines(text);
  for (const auto* e : events) load_one_misp_event(*e, lines, source, index, builder, diags, stats, options, default_tlp);
}

void load_stix_bundle(std::string_view text, std::string_view source, IndicatorSetBuilder& builder,
                      Diagnostics& diags, LoadStats& stats) {
  auto doc = parse_json(text, source);
  if (!doc) {
    diags.error(doc.error().where.file.empty() ? at(source, 0) : doc.error().where, "", doc.error().message);
    return;
  }
  const nlohmann::json* objects = nullptr;
  nlohmann::json single = nlohmann::json::array();
  if (doc->is_object() && doc->contains("objects") && (*doc)["objects"].is_array()) {
    objects = &(*doc)["objects"];
  } else if (doc->is_array()) {
    objects = &*doc;
  } else if (doc->is_object() && !json_text(*doc, "type").empty()) {
    single.push_back(*doc);  // one STIX object on its own
    objects = &single;
  } else {
    diags.error(at(source, 1), "", "not a STIX bundle (no objects list)");
    return;
  }
  SourceIndex index = builder.add_source(source);
  // Marking definitions of the bundle itself (TLP 1.0 definition or a TLP 2.0 name).
  std::unordered_map<std::string, Tlp> markings;
  for (const auto& o : *objects) {
    if (!o.is_object() || json_text(o, "type") != "marking-definition") continue;
    std::optional<Tlp> tlp;
    if (json_text(o, "definition_type") == "tlp" && o.contains("definition") && o["definition"].is_object()) {
      tlp = parse_tlp(json_text(o["definition"], "tlp"));
    }
    if (!tlp) tlp = parse_tlp(json_text(o, "name"));
    if (tlp) markings[json_text(o, "id")] = *tlp;
  }
  const LineFinder lines(text);
  for (const auto& o : *objects) {
    if (!o.is_object() || json_text(o, "type") != "indicator") {
      ++stats.skipped["stix: objects that are not indicators"];
      continue;
    }
    load_stix_indicator(o, lines, source, index, markings, builder, diags, stats);
  }
}

void load_indicators(std::string_view path_text, IndicatorSetBuilder& builder, Diagnostics& diags,
                     LoadStats& stats, const LoadOptions& options) {
  std::string_view forced;
  static constexpr std::string_view kFormats[] = {"plain", "freetext", "csv", "misp-csv", "misp", "stix"};
  for (auto f : kFormats) {
    if (path_text.size() > f.size() && path_text.starts_with(f) && path_text[f.size()] == ':') {
      forced = f;
      path_text.remove_prefix(f.size() + 1);
      break;
    }
  }
  fs::path path{std::string(path_text)};
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    diags.error(at(path.string(), 0), "", "no such file or folder");
    return;
  }
  if (fs::is_directory(status)) {
    if (fs::exists(path / "manifest.json")) {
      load_misp_feed(path, builder, diags, stats, options);
      return;
    }
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::string leaf = it->path().filename().string();
      if (leaf.starts_with(".")) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_directory() && fs::exists(it->path() / "manifest.json")) {
        files.push_back(it->path());  // a MISP feed inside the folder
        it.disable_recursion_pending();
        continue;
      }
      std::string ext = lower(it->path().extension().string());
      if (!it->is_regular_file() || ext == ".md" || ext == ".gz" || leaf == "LICENSE") continue;
      files.push_back(it->path());
    }
    if (ec) diags.error(at(path.string(), 0), "", fmt::format("cannot list the folder: {}", ec.message()));
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      if (fs::is_directory(f)) load_misp_feed(f, builder, diags, stats, options);
      else load_file(f, forced, builder, diags, stats, options);
    }
    return;
  }
  load_file(path, forced, builder, diags, stats, options);
}

}  // namespace rasid::intel
