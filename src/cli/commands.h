#pragma once
// The `rasid` subcommands. Each registers its options on the CLI11 app and returns the exit
// code when run. Exit codes (docs/cli.md): 0 ok, 1 alerts found with --fail-on-alert or rules
// that failed to load in `rules check`, 2 usage or input error.

#include <CLI/CLI.hpp>

#include <functional>

namespace rasid::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;

// Registers `hunt`; the returned function runs it after parsing.
std::function<int()> add_hunt_command(CLI::App& app);
// Registers `rules` with its `check` subcommand.
std::function<int()> add_rules_command(CLI::App& app);
// Registers `convert` (logs to flat JSON lines).
std::function<int()> add_convert_command(CLI::App& app);
// Registers `intel` with `intel pattern check` and `intel pattern match` (STIX patterns).
std::function<int()> add_intel_command(CLI::App& app);
// Registers `admin` (authorities and tokens of the hub's store).
std::function<int()> add_admin_command(CLI::App& app);
// Registers `report` (the periodic threat assessment from the hub's store).
std::function<int()> add_report_command(CLI::App& app);
// Registers `serve` (the hub's HTTP(S) API).
std::function<int()> add_serve_command(CLI::App& app);

}  // namespace rasid::cli
