// YAML node helpers shared by the loader's parts; see detail/document.h.

#include "sigma/detail/document.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace rasid::sigma::detail {

Location location_of(const YAML::Node& node, const DocContext& ctx) {
  if (!node.IsDefined()) return ctx.fallback;
  YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return ctx.fallback;
  return Location{*ctx.file, mark.line + 1 + ctx.line_offset, mark.column + 1};
}

YAML::Node find_key(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry_kv : map) {
    if (entry_kv.first.IsScalar() && entry_kv.first.Scalar() == key) return entry_kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

Result<std::string> read_string(const YAML::Node& node, std::string_view key,
                                const DocContext& ctx) {
  if (!node.IsDefined() || node.IsNull()) return std::string();
  if (!node.IsScalar()) {
    return fail(ErrorCode::kInvalidRule, fmt::format("'{}' must be a string", key),
                location_of(node, ctx));
  }
  return node.Scalar();
}

Result<std::vector<std::string>> read_string_list(const YAML::Node& node, std::string_view key,
                                                  const DocContext& ctx) {
  std::vector<std::string> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    return fail(ErrorCode::kInvalidRule, fmt::format("'{}' must be a list of strings", key),
                location_of(node, ctx));
  }
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) {
      return fail(ErrorCode::kInvalidRule, fmt::format("'{}' must be a list of strings", key),
                  location_of(item, ctx));
    }
    out.push_back(item.Scalar());
  }
  return out;
}

namespace {

// yaml-cpp tags a plain scalar "?" and a quoted or block scalar "!"; only plain scalars can
// be numbers or booleans ('4688' stays a string, as in every YAML loader).
bool is_plain(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

bool all_digits(std::string_view s, bool hex) {
  if (s.empty()) return false;
  for (char c : s) {
    bool digit = c >= '0' && c <= '9';
    if (hex) digit = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!digit) return false;
  }
  return true;
}

}  // namespace

std::optional<bool> plain_bool(const YAML::Node& node) {
  if (!is_plain(node)) return std::nullopt;
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::optional<double> plain_number(const YAML::Node& node, std::string* canonical) {
  if (!is_plain(node)) return std::nullopt;
  std::string_view s = node.Scalar();
  if (s.empty()) return std::nullopt;
  // Integers: [-+]?[0-9]+, 0x[0-9a-fA-F]+, 0o[0-7]+ (YAML 1.2 core schema).
  std::string_view body = s;
  bool negative = false;
  if (body.front() == '-' || body.front() == '+') {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  int base = 10;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'o') && s == body) {
    base = body[1] == 'x' ? 16 : 8;
    body.remove_prefix(2);
  }
  if (all_digits(body, base == 16) &&
      (base != 8 || body.find_first_of("89") == std::string_view::npos)) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value, base);
    if (ec == std::errc() && end == body.data() + body.size()) {
      if (negative) value = -value;
      // Leading zeros are kept as written: `00000429` in a registry rule means that text
      // (PyYAML, hence pySigma, reads it as a string too), not 429.
      bool leading_zero = base == 10 && body.size() > 1 && body.front() == '0';
      if (canonical) *canonical = leading_zero ? std::string(s) : std::to_string(value);
      return static_cast<double>(value);
    }
    // Too large for 64 bits: keep the digits as written.
    if (canonical) *canonical = std::string(s);
    return std::strtod(std::string(s).c_str(), nullptr);
  }
  // Floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  std::size_t i = 0;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++int_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    std::size_t exp_digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  double value = std::strtod(std::string(s).c_str(), nullptr);
  if (!std::isfinite(value)) return std::nullopt;
  if (canonical) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    *canonical = ec == std::errc() ? std::string(buf, end) : std::string(s);
    // Python (pySigma) prints a float with a fraction or exponent: 1.0, not 1.
    if (canonical->find_first_of(".e") == std::string::npos) *canonical += ".0";
  }
  return value;
}

}  // namespace rasid::sigma::detail
