#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/rule_loading.h"
#include "engine/ruleset.h"

namespace rasid::cli {

namespace {

struct CheckOptions {
  std::vector<std::string> paths;
  std::string placeholders;
  std::vector<std::string> mappings;
  std::string format = "text";
  bool warnings = false;
};

int run_check(const CheckOptions& options) {
  LoadedRules loaded = load_rules(options.paths, options.placeholders);
  // Compile too: a rule that parses but cannot be compiled (a regex RE2 rejects) fails here.
  engine::RulesetOptions ruleset_options;
  for (const auto& file : options.mappings) ruleset_options.mapping.add_file(file, loaded.diagnostics);
  std::size_t parsed = loaded.rules.size();
  engine::RulesetBuilder builder(std::move(ruleset_options));
  builder.add_rules(loaded.rules);
  Diagnostics compile_diags;
  auto ruleset = builder.build(compile_diags);
  std::size_t compiled = ruleset ? (*ruleset)->rule_count() + (*ruleset)->inactive().size() : 0;
  std::size_t compile_failed = parsed >= compiled ? parsed - compiled : 0;
  loaded.diagnostics.append(compile_diags);
  std::size_t failed = loaded.failed + compile_failed;
  std::size_t ok = parsed - compile_failed;

  if (options.format == "json") {
    nlohmann::ordered_json j;
    j["loaded"] = ok;
    j["failed"] = failed;
    j["inactive"] = ruleset ? (*ruleset)->inactive().size() : 0;
    j["diagnostics"] = nlohmann::ordered_json::array();
    for (const auto& d : loaded.diagnostics.items()) {
      if (d.severity == Severity::kWarning && !options.warnings) continue;
      j["diagnostics"].push_back({{"severity", d.severity == Severity::kError ? "error" : "warning"},
                                  {"file", d.where.file},
                                  {"line", d.where.line},
                                  {"column", d.where.column},
                                  {"rule_id", d.rule_id},
                                  {"message", d.message}});
    }
    if (ruleset) {
      j["inactive_rules"] = nlohmann::ordered_json::array();
      for (const auto& r : (*ruleset)->inactive()) {
        j["inactive_rules"].push_back({{"id", r.id}, {"file", r.file}, {"reason", r.reason}});
      }
    }
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("loaded {}, failed {}\n", ok, failed);
    for (const auto& d : loaded.diagnostics.items()) {
      if (d.severity == Severity::kWarning && !options.warnings) continue;
      fmt::print("{}{}\n", d.severity == Severity::kWarning ? "warning: " : "", d.to_string());
    }
    if (ruleset && !(*ruleset)->inactive().empty()) {
      fmt::print(stderr, "note: {} rules loaded but will not run: {}; --format json lists them\n",
                 (*ruleset)->inactive().size(), describe_inactive((*ruleset)->inactive()));
    }
  }
  if (loaded.usage_error) return kExitUsage;
  return failed == 0 ? kExitOk : kExitFindings;
}

}  // namespace

std::function<int()> add_rules_command(CLI::App& app) {
  auto* rules = app.add_subcommand("rules", "Check and inspect Sigma rules");
  rules->require_subcommand(1);
  auto options = std::make_shared<CheckOptions>();
  auto* check = rules->add_subcommand(
      "check",
      "Load rule files and folders and report every rule that fails, as "
      "file:line:col: rule-id: reason. Exit 0 only if all rules load.");
  check->add_option("paths", options->paths, "Rule files or folders (searched recursively for .yml/.yaml)")
      ->required();
  check->add_option("--placeholders", options->placeholders,
                    "YAML file with values for %placeholders% used with the |expand modifier");
  check->add_option("--mapping", options->mappings, "Extra logsource mapping file(s) (docs/mapping.md)");
  check->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  check->add_flag("--warnings", options->warnings, "Also print warnings");
  return [options, check]() -> int {
    if (!check->parsed()) return kExitUsage;
    return run_check(*options);
  };
}

}  // namespace rasid::cli
