// The `correlation` section (checklist section 9): parsed and validated into
// Rule::correlation. Evaluation belongs to a later module.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sigma/detail/document.h"

namespace rasid::sigma::detail {

namespace {

constexpr std::array<std::string_view, 7> kTypes = {
    "event_count", "value_count", "temporal", "temporal_ordered",
    "value_sum",   "value_avg",   "value_percentile"};

bool is_value_type(std::string_view type) {
  return type == "value_count" || type == "value_sum" || type == "value_avg" ||
         type == "value_percentile";
}

bool is_temporal(std::string_view type) { return type == "temporal" || type == "temporal_ordered"; }

// `<digits><unit>`; the spec has s, m, h, d; pySigma adds w, M (2629746 s) and y.
std::optional<std::int64_t> timespan_seconds(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t count = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    count = count * 10 + (c - '0');
    if (count > 1'000'000'000) return std::nullopt;  // keeps the product below 2^63
  }
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    case 'M': unit = 2629746; break;
    case 'y': unit = 31556952; break;
    default: return std::nullopt;
  }
  if (count == 0) return std::nullopt;
  return count * unit;
}

std::optional<Correlation::Op> parse_op(std::string_view name) {
  if (name == "gt") return Correlation::Op::kGt;
  if (name == "gte") return Correlation::Op::kGte;
  if (name == "lt") return Correlation::Op::kLt;
  if (name == "lte") return Correlation::Op::kLte;
  if (name == "eq") return Correlation::Op::kEq;
  if (name == "neq") return Correlation::Op::kNeq;
  return std::nullopt;
}

}  // namespace

Status parse_correlation(const YAML::Node& root, const YAML::Node& section, Rule& rule,
                         const DocContext& ctx) {
  auto error = [&](const YAML::Node& node, std::string message) {
    return fail(ErrorCode::kInvalidRule, std::move(message), location_of(node, ctx));
  };
  if (!section.IsMap()) return error(section, "correlation must be a map");
  Correlation corr;

  YAML::Node type = find_key(section, "type");
  if (!type.IsDefined()) return error(section, "correlation has no type");
  Result<std::string> type_text = read_string(type, "type", ctx);
  if (!type_text) return fail(type_text.error());
  corr.type = *type_text;
  bool known = false;
  for (std::string_view t : kTypes) known |= t == corr.type;
  if (!known) return error(type, fmt::format("unknown correlation type '{}'", corr.type));

  YAML::Node rules = find_key(section, "rules");
  Result<std::vector<std::string>> rule_list = read_string_list(rules, "rules", ctx);
  if (!rule_list) return fail(rule_list.error());
  if (rule_list->empty()) return error(rules.IsDefined() ? rules : section, "correlation has no rules");
  corr.rules = std::move(*rule_list);

  YAML::Node group_by = find_key(section, "group-by");
  Result<std::vector<std::string>> groups = read_string_list(group_by, "group-by", ctx);
  if (!groups) return fail(groups.error());
  corr.group_by = std::move(*groups);

  YAML::Node timespan = find_key(section, "timespan");
  if (!timespan.IsDefined()) return error(section, "correlation has no timespan");
  Result<std::string> span = read_string(timespan, "timespan", ctx);
  if (!span) return fail(span.error());
  std::optional<std::int64_t> seconds = timespan_seconds(*span);
  if (!seconds) {
    return error(timespan, fmt::format("invalid timespan '{}' (expected a number and s, m, h or d)",
                                       *span));
  }
  corr.timespan = *span;
  corr.timespan_seconds = *seconds;

  // `generate` is a top-level attribute in the spec and inside `correlation` in pySigma.
  for (const YAML::Node& gen : {find_key(root, "generate"), find_key(section, "generate")}) {
    if (!gen.IsDefined() || gen.IsNull()) continue;
    std::optional<bool> value = plain_bool(gen);
    if (!value) return error(gen, "'generate' must be true or false");
    corr.generate = *value;
  }

  YAML::Node condition = find_key(section, "condition");
  if (condition.IsDefined() && !condition.IsNull()) {
    if (!condition.IsMap()) return error(condition, "correlation condition must be a map");
    for (const auto& entry_kv : condition) {
      const std::string key = entry_kv.first.IsScalar() ? entry_kv.first.Scalar() : std::string();
      if (key == "field") {
        Result<std::vector<std::string>> fields = read_string_list(entry_kv.second, "field", ctx);
        if (!fields) return fail(fields.error());
        corr.condition_fields = std::move(*fields);
        continue;
      }
      std::optional<Correlation::Op> op = parse_op(key);
      if (!op) return error(entry_kv.first, fmt::format("unknown correlation condition '{}'", key));
      std::optional<double> number = plain_number(entry_kv.second, nullptr);
      if (!number) return error(entry_kv.second, fmt::format("condition '{}' needs a number", key));
      corr.condition.push_back({*op, *number});
    }
    if (corr.condition.empty()) return error(condition, "correlation condition has no operator");
  } else if (is_temporal(corr.type)) {
    corr.condition.push_back({Correlation::Op::kGte, static_cast<double>(corr.rules.size())});
  } else {
    return error(section, fmt::format("correlation type '{}' needs a condition", corr.type));
  }
  if (is_value_type(corr.type) && corr.condition_fields.empty()) {
    return error(condition, fmt::format("correlation type '{}' needs condition.field", corr.type));
  }

  YAML::Node aliases = find_key(section, "aliases");
  if (aliases.IsDefined() && !aliases.IsNull()) {
    if (!aliases.IsMap()) return error(aliases, "'aliases' must be a map");
    for (const auto& entry_kv : aliases) {
      if (!entry_kv.first.IsScalar() || !entry_kv.second.IsMap()) {
        return error(entry_kv.second, "each alias must map rule names to fields");
      }
      auto& mapping = corr.aliases[entry_kv.first.Scalar()];
      for (const auto& field_kv : entry_kv.second) {
        if (!field_kv.first.IsScalar() || !field_kv.second.IsScalar()) {
          return error(field_kv.second, "each alias must map rule names to fields");
        }
        mapping[field_kv.first.Scalar()] = field_kv.second.Scalar();
      }
    }
  }
  rule.correlation = std::move(corr);
  return ok();
}

}  // namespace rasid::sigma::detail

namespace rasid::sigma {

std::optional<std::int64_t> parse_timespan(std::string_view text) {
  return detail::timespan_seconds(text);
}

}  // namespace rasid::sigma
