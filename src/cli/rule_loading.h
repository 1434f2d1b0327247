#pragma once
// Loading rules for the CLI: rule paths (+ placeholder file) to rules and diagnostics, with
// per-file counts so `rules check` can say how many loaded and how many failed.

#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "engine/ruleset.h"
#include "sigma/loader.h"
#include "sigma/rule.h"

namespace rasid::cli {

struct LoadedRules {
  std::vector<sigma::Rule> rules;
  Diagnostics diagnostics;
  std::size_t failed = 0;  // documents that did not load
  bool usage_error = false;  // a path that does not exist, a bad placeholder file
};

// "726 without a logsource mapping, 2 missing placeholder values" ("" if none).
std::string describe_inactive(const std::vector<engine::InactiveRule>& inactive);

LoadedRules load_rules(const std::vector<std::string>& paths, const std::string& placeholders);

}  // namespace rasid::cli
