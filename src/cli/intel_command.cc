// `rasid intel`: threat-intelligence commands: `intel check` (feeds, src/intel/indicator_sources.h),
// `intel pattern check` and `intel pattern match` (STIX patterning, src/intel/stix_pattern.h and
// stix_matcher.h).

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "intel/indicator_sources.h"
#include "intel/stix_matcher.h"
#include "intel/warninglist.h"
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

struct CheckOptions {
  std::vector<std::string> paths;
  std::string warninglists;
  std::string csv_spec;
  bool misp_all = false;
  bool quiet = false;
};

int run_feed_check(const CheckOptions& options) {
  intel::LoadOptions load;
  load.misp_all = options.misp_all;
  if (!options.csv_spec.empty()) {
    auto spec = intel::parse_csv_spec(options.csv_spec);
    if (!spec) {
      fmt::print(stderr, "error: --intel-csv: {}\n", spec.error().message);
      return kExitUsage;
    }
    load.csv = *spec;
  }
  Diagnostics diags;
  intel::LoadStats stats;
  auto start = std::chrono::steady_clock::now();
  intel::IndicatorSetBuilder builder;
  for (const auto& path : options.paths) intel::load_indicators(path, builder, diags, stats, load);
  auto set = builder.build();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  intel::Warninglists warninglists;
  if (!options.warninglists.empty()) warninglists.load_folder(options.warninglists, diags);

  if (!options.quiet) {
    for (const auto& d : diags.items()) {
      fmt::print("{}: {}\n", d.severity == Severity::kError ? "error" : "warning", d.to_string());
    }
  }
  fmt::print("{} indicators from {} files in {:.3f} s ({:.0f} indicators/s), index {:.1f} MB ({:.1f} bytes/indicator)\n",
             set->size(), stats.files, seconds, seconds > 0 ? static_cast<double>(set->size()) / seconds : 0.0,
             static_cast<double>(set->memory_bytes()) / 1e6,
             set->size() > 0 ? static_cast<double>(set->memory_bytes()) / static_cast<double>(set->size()) : 0.0);
  for (std::size_t t = 0; t < intel::kIndicatorTypeCount; ++t) {
    auto type = static_cast<intel::IndicatorType>(t);
    if (auto n = set->value_count(type); n > 0) fmt::print("  {:>10}  {}\n", n, intel::to_string(type));
  }
  if (set->network_count() > 0) fmt::print("  {:>10}  of them networks (CIDR)\n", set->network_count());
  for (const auto& [format, n] : stats.formats) fmt::print("  format   {}: {} files\n", format, n);
  for (const auto& [reason, n] : stats.skipped) fmt::print("  skipped  {}: {}\n", reason, n);
  if (!options.warninglists.empty()) {
    fmt::print("  warninglists  {} lists, {} entries\n", warninglists.list_count(), warninglists.entry_count());
  }
  fmt::print("{} errors, {} warnings\n", diags.error_count(), diags.warning_count());
  return diags.empty() ? kExitOk : kExitFindings;
}

}  // namespace

std::function<int()> add_intel_command(CLI::App& app) {
  auto* intel = app.add_subcommand("intel", "Threat-intelligence tools (indicator feeds, STIX patterns)");
  intel->require_subcommand(1);
  auto check_options = std::make_shared<CheckOptions>();
  auto* feed_check = intel->add_subcommand(
      "check",
      "Validate indicator feeds (files or folders; the formats of `hunt --intel`): prints every "
      "problem with file and line, counts by type and the load rate; exit 1 if there are problems.");
  feed_check->add_option("paths", check_options->paths, "Feed files or folders (FORMAT:PATH forces a format)")
      ->required();
  feed_check->add_option("--warninglists", check_options->warninglists, "Also load and check this folder of MISP warninglists");
  feed_check->add_option("--intel-csv", check_options->csv_spec, "Column spec of CSV feeds (as in hunt)");
  feed_check->add_flag("--misp-all", check_options->misp_all, "Also load MISP attributes whose to_ids is false");
  feed_check->add_flag("-q,--quiet", check_options->quiet, "Print only the counts, not each problem");
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

  return [options, check, match, check_options, feed_check]() -> int {
    if (feed_check->parsed()) return run_feed_check(*check_options);
    if (check->parsed()) return run_check(*options);
    if (match->parsed()) return run_match(*options);
    return kExitUsage;
  };
}

}  // namespace rasid::cli
