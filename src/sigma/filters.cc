// apply_filters(): Sigma filter rules (checklist section 8) with pySigma semantics.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sigma/loader.h"

namespace rasid::sigma {

namespace {

bool covers(const LogSource& filter, const LogSource& rule) {
  return (filter.category.empty() || filter.category == rule.category) &&
         (filter.product.empty() || filter.product == rule.product) &&
         (filter.service.empty() || filter.service == rule.service);
}

bool names_rule(const Filter& filter, const Rule& rule) {
  if (filter.any) return true;
  for (const std::string& name : filter.rules) {
    if ((!rule.id.empty() && name == rule.id) || (!rule.name.empty() && name == rule.name)) return true;
  }
  return false;
}

void shift(Condition& cond, std::size_t offset) {
  for (std::size_t& index : cond.selections) index += offset;
  for (Condition& child : cond.children) shift(child, offset);
}

}  // namespace

void apply_filters(std::vector<Rule>& rules, Diagnostics& diags) {
  std::vector<Rule> filters;
  auto is_filter = [](const Rule& r) { return r.kind == RuleKind::kFilter; };
  for (Rule& r : rules) {
    if (is_filter(r)) filters.push_back(std::move(r));
  }
  rules.erase(std::remove_if(rules.begin(), rules.end(), is_filter), rules.end());

  for (std::size_t f = 0; f < filters.size(); ++f) {
    const Rule& filter = filters[f];
    if (!filter.filter) continue;
    for (const std::string& name : filter.filter->rules) {
      bool known = std::any_of(rules.begin(), rules.end(), [&](const Rule& r) {
        return (!r.id.empty() && r.id == name) || (!r.name.empty() && r.name == name);
      });
      if (!known) {
        diags.warning(filter.where, filter.display_id(),
                      fmt::format("filter names rule '{}' which is not loaded", name));
      }
    }
    for (Rule& rule : rules) {
      if (rule.kind != RuleKind::kDetection) continue;
      if (!names_rule(*filter.filter, rule) || !covers(filter.logsource, rule.logsource)) continue;
      // pySigma: `(<rule condition>) and (<filter condition>)`, filter identifiers renamed so
      // they cannot clash with the rule's own.
      std::size_t offset = rule.selections.size();
      for (const Selection& sel : filter.selections) {
        Selection copy = sel;
        copy.name = fmt::format("_filter{}_{}", f, sel.name);
        rule.selections.push_back(std::move(copy));
      }
      Condition added = filter.condition;
      shift(added, offset);
      Condition both;
      both.kind = Condition::Kind::kAnd;
      both.children.push_back(std::move(rule.condition));
      both.children.push_back(std::move(added));
      rule.condition = std::move(both);
      // A filter value that needs a missing placeholder makes the filtered rule unable to run.
      rule.missing_placeholders.insert(rule.missing_placeholders.end(),
                                       filter.missing_placeholders.begin(),
                                       filter.missing_placeholders.end());
    }
  }
}

}  // namespace rasid::sigma
