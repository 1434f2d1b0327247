#pragma once
// One-line helpers for the sigma tests: wrap a detection snippet in a minimal rule, load
// it, and hand back the piece under test or the single diagnostic it produced.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "sigma/loader.h"
#include "sigma/rule.h"

namespace rasid::sigma::testing {

// Loads `yaml` as file "test.yml"; every rule and diagnostic goes to the out-parameters.
inline std::size_t load(std::string_view yaml, std::vector<Rule>& rules, Diagnostics& diags,
                        const LoaderOptions& options = {}) {
  return Loader(options).load_text(yaml, "test.yml", rules, diags);
}

// A rule whose detection is `sel:` holding `body` (already indented by the caller's lines,
// one entry per line, each written as at column 0) and `condition`.
inline std::string rule_with(std::string_view sel_body, std::string_view condition = "sel") {
  std::string out =
      "title: Test rule\n"
      "id: 11111111-2222-3333-4444-555555555555\n"
      "logsource:\n"
      "    product: windows\n"
      "detection:\n"
      "    sel:\n";
  std::string_view rest = sel_body;
  while (!rest.empty()) {
    std::size_t nl = rest.find('\n');
    out += "        ";
    out += rest.substr(0, nl);
    out += '\n';
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  out += "    condition: ";
  out += condition;
  out += '\n';
  return out;
}

// The rule loaded from `yaml`, which must load cleanly.
inline Rule load_rule(std::string_view yaml, const LoaderOptions& options = {}) {
  std::vector<Rule> rules;
  Diagnostics diags;
  std::size_t failed = load(yaml, rules, diags, options);
  EXPECT_EQ(failed, 0u);
  for (const Diagnostic& d : diags.items()) ADD_FAILURE() << d.to_string();
  if (rules.size() != 1) {
    ADD_FAILURE() << "expected one rule, got " << rules.size();
    return {};
  }
  return rules.front();
}

// The first field item of `sel` for a selection body such as "Image|endswith: '\\a.exe'".
inline FieldItem item(std::string_view sel_body, const LoaderOptions& options = {}) {
  Rule rule = load_rule(rule_with(sel_body), options);
  if (rule.selections.empty() || rule.selections[0].alternatives.empty() ||
      rule.selections[0].alternatives[0].empty()) {
    ADD_FAILURE() << "no field item";
    return {};
  }
  return rule.selections[0].alternatives[0][0];
}

// The Sigma notation of each kString predicate of a field item.
inline std::vector<std::string> globs(const FieldItem& it) {
  std::vector<std::string> out;
  for (const Predicate& p : it.predicates) {
    EXPECT_EQ(p.kind, Predicate::Kind::kString);
    out.push_back(p.glob.to_sigma());
  }
  return out;
}

inline std::vector<std::string> globs(std::string_view sel_body, const LoaderOptions& options = {}) {
  return globs(item(sel_body, options));
}

// The one diagnostic `yaml` produces ("file:line:col: id: reason"); the document must fail.
inline std::string diagnostic(std::string_view yaml, const LoaderOptions& options = {}) {
  std::vector<Rule> rules;
  Diagnostics diags;
  std::size_t failed = load(yaml, rules, diags, options);
  EXPECT_EQ(failed, 1u);
  EXPECT_TRUE(rules.empty());
  if (diags.items().size() != 1) {
    ADD_FAILURE() << "expected one diagnostic, got " << diags.items().size();
    for (const Diagnostic& d : diags.items()) ADD_FAILURE() << d.to_string();
    return {};
  }
  return diags.items().front().to_string();
}

// The reason part of the diagnostic for a selection body.
inline std::string reason(std::string_view sel_body, std::string_view condition = "sel",
                          const LoaderOptions& options = {}) {
  std::vector<Rule> rules;
  Diagnostics diags;
  load(rule_with(sel_body, condition), rules, diags, options);
  if (diags.items().size() != 1) {
    ADD_FAILURE() << "expected one diagnostic, got " << diags.items().size();
    return {};
  }
  return diags.items().front().message;
}

}  // namespace rasid::sigma::testing
