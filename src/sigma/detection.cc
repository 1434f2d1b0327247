// The detection section (checklist section 3): search identifiers and their field items,
// then the condition. Also used for the `filter` section of filter rules.

#include <cstddef>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sigma/detail/condition.h"
#include "sigma/detail/document.h"
#include "sigma/detail/modifiers.h"

namespace rasid::sigma::detail {

namespace {

Status fail_at(const YAML::Node& node, const DocContext& ctx, std::string message,
               ErrorCode code = ErrorCode::kInvalidRule) {
  return fail(code, std::move(message), location_of(node, ctx));
}

// yaml-cpp marks a quoted scalar at its opening quote; text offsets start one further.
int quote_width(const YAML::Node& node) {
  return node.IsScalar() && node.Tag() == "!" && node.Style() != YAML::EmitterStyle::Block ? 1 : 0;
}

Result<RawValue> raw_value(const YAML::Node& node, const DocContext& ctx, std::string_view field) {
  RawValue raw;
  raw.where = location_of(node, ctx);
  if (!node.IsDefined() || node.IsNull()) {
    raw.type = RawValue::Type::kNull;
    return raw;
  }
  if (!node.IsScalar()) {
    return fail(ErrorCode::kInvalidRule,
                field.empty() ? std::string("keyword values must be scalars")
                              : fmt::format("values of '{}' must be scalars", field),
                raw.where);
  }
  if (std::optional<bool> b = plain_bool(node)) {
    raw.type = RawValue::Type::kBool;
    raw.text = *b ? "true" : "false";
    return raw;
  }
  std::string canonical;
  if (std::optional<double> n = plain_number(node, &canonical)) {
    raw.type = RawValue::Type::kNumber;
    raw.number = *n;
    raw.text = canonical;
    return raw;
  }
  raw.text = node.Scalar();
  return raw;
}

// The items of one map: `field|mod|mod: value-or-list`, AND-ed.
Status parse_items(const YAML::Node& map, const DocContext& ctx, const LoaderOptions& options,
                   std::vector<MissingPlaceholder>& missing, std::size_t& budget,
                   std::vector<FieldItem>& items) {
  if (map.size() == 0) return fail_at(map, ctx, "empty map in search identifier");
  for (const auto& entry_kv : map) {
    const YAML::Node& key = entry_kv.first;
    const YAML::Node& value = entry_kv.second;
    if (!key.IsScalar()) return fail_at(key, ctx, "field names must be strings");
    const std::string& spec = key.Scalar();
    Location key_where = location_of(key, ctx);
    int shift = quote_width(key);

    std::size_t bar = spec.find('|');
    std::string field = spec.substr(0, bar);
    std::vector<Modifier> modifiers;
    while (bar != std::string::npos) {
      std::size_t next = spec.find('|', bar + 1);
      Modifier m;
      m.name = spec.substr(bar + 1, next == std::string::npos ? std::string::npos : next - bar - 1);
      m.where = key_where;
      if (m.where.column > 0) m.where.column += shift + static_cast<int>(bar) + 1;
      modifiers.push_back(std::move(m));
      bar = next;
    }

    std::vector<RawValue> values;
    bool is_list = value.IsSequence();
    if (value.IsMap()) {
      return fail_at(value, ctx, fmt::format("value of '{}' must be a scalar or a list", spec));
    }
    if (is_list) {
      for (const YAML::Node& element : value) {
        Result<RawValue> raw = raw_value(element, ctx, spec);
        if (!raw) return fail(raw.error());
        values.push_back(std::move(*raw));
      }
    } else {
      DocContext value_ctx = ctx;
      value_ctx.fallback = key_where;  // `Field:` with nothing after it has no mark
      Result<RawValue> raw = raw_value(value, value_ctx, spec);
      if (!raw) return fail(raw.error());
      values.push_back(std::move(*raw));
    }
    Status built = build_field_items(field, modifiers, values, is_list, key_where,
                                     options.placeholders, missing, budget, items);
    if (!built) return built;
  }
  return ok();
}

Status parse_selection(const YAML::Node& node, Selection& sel, const DocContext& ctx,
                       const LoaderOptions& options, std::vector<MissingPlaceholder>& missing,
                       std::size_t& budget) {
  if (node.IsMap()) {
    sel.alternatives.emplace_back();
    return parse_items(node, ctx, options, missing, budget, sel.alternatives.back());
  }
  if (node.IsSequence()) {
    if (node.size() == 0) return fail_at(node, ctx, fmt::format("search identifier '{}' is empty", sel.name));
    bool maps = false, values = false;
    for (const YAML::Node& element : node) {
      if (element.IsMap()) {
        maps = true;
      } else if (element.IsSequence()) {
        return fail_at(element, ctx, "nested lists are not allowed in a search identifier");
      } else {
        values = true;
      }
    }
    if (maps && values) {
      return fail_at(node, ctx,
                     fmt::format("search identifier '{}' mixes maps and plain values", sel.name));
    }
    if (maps) {
      for (const YAML::Node& element : node) {
        sel.alternatives.emplace_back();
        Status status = parse_items(element, ctx, options, missing, budget, sel.alternatives.back());
        if (!status) return status;
      }
      return ok();
    }
  }
  if (!node.IsSequence() && (!node.IsDefined() || node.IsNull())) {
    return fail(ErrorCode::kInvalidRule, fmt::format("search identifier '{}' has no value", sel.name),
                sel.where);
  }
  // Keywords: a list of plain values (or one value), OR-ed, matched anywhere in the event.
  std::vector<RawValue> values;
  if (node.IsSequence()) {
    for (const YAML::Node& element : node) {
      Result<RawValue> raw = raw_value(element, ctx, {});
      if (!raw) return fail(raw.error());
      values.push_back(std::move(*raw));
    }
  } else {
    Result<RawValue> raw = raw_value(node, ctx, {});
    if (!raw) return fail(raw.error());
    values.push_back(std::move(*raw));
  }
  sel.alternatives.emplace_back();
  return build_field_items({}, {}, values, node.IsSequence(), location_of(node, ctx),
                           options.placeholders, missing, budget, sel.alternatives.back());
}

Result<Condition> parse_one_condition(const YAML::Node& node, const std::vector<std::string>& names,
                                      const DocContext& ctx) {
  if (!node.IsScalar()) return fail(ErrorCode::kParse, "condition must be a string", location_of(node, ctx));
  Location start = location_of(node, ctx);
  if (start.column > 0) start.column += quote_width(node);
  return parse_condition(node.Scalar(), names, start);
}

}  // namespace

Status parse_detection(const YAML::Node& section, Rule& rule, const DocContext& ctx,
                       const LoaderOptions& options,
                       const std::vector<std::string_view>& skip_keys) {
  if (!section.IsMap()) return fail_at(section, ctx, "detection must be a map");
  YAML::Node condition(YAML::NodeType::Undefined);
  std::size_t budget = kMaxPredicatesPerRule;
  for (const auto& entry_kv : section) {
    const YAML::Node& key = entry_kv.first;
    if (!key.IsScalar()) return fail_at(key, ctx, "search identifiers must be strings");
    const std::string& name = key.Scalar();
    if (name == "condition") {
      condition = entry_kv.second;
      continue;
    }
    if (name == "timeframe") {
      return fail_at(key, ctx,
                     "legacy 'timeframe' is not supported in sigma v2 (use a correlation rule)",
                     ErrorCode::kUnsupported);
    }
    bool skip = false;
    for (std::string_view s : skip_keys) skip |= s == name;
    if (skip) continue;
    for (const Selection& existing : rule.selections) {
      if (existing.name == name) {
        return fail_at(key, ctx, fmt::format("duplicate search identifier '{}'", name));
      }
    }
    Selection sel;
    sel.name = name;
    sel.where = location_of(key, ctx);
    Status status =
        parse_selection(entry_kv.second, sel, ctx, options, rule.missing_placeholders, budget);
    if (!status) return status;
    rule.selections.push_back(std::move(sel));
  }
  if (!condition.IsDefined() || condition.IsNull()) {
    return fail_at(section, ctx, "detection has no condition");
  }
  std::vector<std::string> names;
  names.reserve(rule.selections.size());
  for (const Selection& sel : rule.selections) names.push_back(sel.name);

  if (condition.IsSequence()) {
    // A list of conditions is OR-ed (spec; no corpus rule uses it).
    if (condition.size() == 0) return fail_at(condition, ctx, "condition list is empty", ErrorCode::kParse);
    Condition any;
    any.kind = Condition::Kind::kOr;
    for (const YAML::Node& item : condition) {
      Result<Condition> one = parse_one_condition(item, names, ctx);
      if (!one) return fail(one.error());
      any.children.push_back(std::move(*one));
    }
    rule.condition = any.children.size() == 1 ? std::move(any.children.front()) : std::move(any);
    return ok();
  }
  Result<Condition> one = parse_one_condition(condition, names, ctx);
  if (!one) return fail(one.error());
  rule.condition = std::move(*one);
  return ok();
}

}  // namespace rasid::sigma::detail
