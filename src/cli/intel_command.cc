// `rasid intel`: threat-intelligence commands. For now `intel pattern check` and
// `intel pattern match` (STIX patterning, src/intel/stix_pattern.h and stix_matcher.h).

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "intel/stix_matcher.h"
#include "intel/stix_pattern.h"

namespace rasid::cli {

namespace {

struct PatternOptions {
  std::string pattern;
  std::string observations;
  std::string stix_version = "2.1";
};

// The pattern with a caret under `column` (1-based characters), for one-line patterns.
void print_caret(std::FILE* out, const std::string& pattern, int column) {
  if (column <= 0 || pattern.find('\n') != std::string::npos) return;
  fmt::print(out, "  {}\n  {}^\n", pattern, std::string(static_cast<std::size_t>(column - 1), ' '));
}

int run_check(const PatternOptions& options) {
  auto version = intel::parse_stix_version(options.stix_version);
  if (!version) {
    fmt::print(stderr, "error: {}\n", version.error().message);
    return kExitUsage;
  }
  auto parsed = intel::parse_stix_pattern(options.pattern, *version);
  Status checked = parsed ? intel::validate_stix_pattern(*parsed) : Status(fail(parsed.error()));
  if (!checked) {
    fmt::print("invalid: {}\n", checked.error().message);
    print_caret(stdout, options.pattern, checked.error().where.column);
    return kExitFindings;
  }
  fmt::print("valid\n");
  return kExitOk;
}

Result<std::string> read_all(const std::string& path) {
  if (path == "-") {
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, fmt::format("cannot read {}", path));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(ErrorCode::kIo, fmt::format("cannot read {}", path));
  return text;
}

int run_match(const PatternOptions& options) {
  auto version = intel::parse_stix_version(options.stix_version);
  if (!version) {
    fmt::print(stderr, "error: {}\n", version.error().message);
    return kExitUsage;
  }
  auto parsed = intel::parse_stix_pattern(options.pattern, *version);
  if (!parsed) {
    fmt::print(stderr, "error: invalid pattern: {}\n", parsed.error().message);
    print_caret(stderr, options.pattern, parsed.error().where.column);
    return kExitUsage;
  }
  auto matcher = intel::StixMatcher::create(*parsed);
  if (!matcher) {
    fmt::print(stderr, "error: invalid pattern: {}\n", matcher.error().message);
    print_caret(stderr, options.pattern, matcher.error().where.column);
    return kExitUsage;
  }
  auto text = read_all(options.observations);
  if (!text) {
    fmt::print(stderr, "error: {}\n", text.error().message);
    return kExitUsage;
  }
  auto observations = intel::ObservationSet::from_text(*text);
  if (!observations) {
    fmt::print(stderr, "error: {}: {}\n", options.observations, observations.error().message);
    return kExitUsage;
  }
  auto result = matcher->match(*observations);
  if (!result) {
    fmt::print(stderr, "error: {}: {}\n", options.observations, result.error().message);
    return kExitUsage;
  }
  if (!result->matched) {
    fmt::print("no match\n");
    return kExitFindings;
  }
  fmt::print("match\n");
  return kExitOk;
}

}  // namespace

std::function<int()> add_intel_command(CLI::App& app) {
  auto* intel = app.add_subcommand("intel", "Threat-intelligence tools (STIX patterns)");
  intel->require_subcommand(1);
  auto* pattern = intel->add_subcommand("pattern", "Check STIX patterns and match them");
  pattern->require_subcommand(1);
  auto options = std::make_shared<PatternOptions>();

  auto* check = pattern->add_subcommand(
      "check",
      "Check a STIX pattern: prints 'valid' (exit 0) or 'invalid: column N: reason' (exit 1).");
  check->add_option("pattern", options->pattern, "The STIX pattern (quote it for the shell)")
      ->required();
  check->add_option("--stix-version", options->stix_version, "STIX version of the grammar")
      ->check(CLI::IsMember({"2.0", "2.1"}));

  auto* match = pattern->add_subcommand(
      "match",
      "Match a STIX pattern against observations: prints 'match' (exit 0) or 'no match' "
      "(exit 1); exit 2 for an invalid pattern or unreadable observations.");
  match->add_option("pattern", options->pattern, "The STIX pattern (quote it for the shell)")
      ->required();
  match->add_option("observations", options->observations,
                    "JSON file ('-' for standard input): a bundle, an observed-data object, or "
                    "a list of bundles and observed-data objects")
      ->required();
  match->add_option("--stix-version", options->stix_version, "STIX version of the grammar")
      ->check(CLI::IsMember({"2.0", "2.1"}));

  return [options, check, match]() -> int {
    if (check->parsed()) return run_check(*options);
    if (match->parsed()) return run_match(*options);
    return kExitUsage;
  };
}

}  // namespace rasid::cli
