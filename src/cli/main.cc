// rasid: national cyber threat detection and coordination. Entry point of the command line.

#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"rasid - hunt through security logs with Sigma rules\n"
               "See docs/cli.md for the full reference."};
  app.set_version_flag("--version", "rasid 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();
  auto hunt = rasid::cli::add_hunt_command(app);
  auto rules = rasid::cli::add_rules_command(app);
  auto convert = rasid::cli::add_convert_command(app);
  auto intel = rasid::cli::add_intel_command(app);
  auto admin = rasid::cli::add_admin_command(app);
  auto report = rasid::cli::add_report_command(app);
  auto serve = rasid::cli::add_serve_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    // CLI11 returns 0 for --help/--version; usage errors are exit status 2 (docs/cli.md).
    return code == 0 ? 0 : rasid::cli::kExitUsage;
  }
  try {
    for (auto* sub : app.get_subcommands()) {
      if (sub->get_name() == "hunt") return hunt();
      if (sub->get_name() == "rules") return rules();
      if (sub->get_name() == "convert") return convert();
      if (sub->get_name() == "intel") return intel();
      if (sub->get_name() == "admin") return admin();
      if (sub->get_name() == "report") return report();
      if (sub->get_name() == "serve") return serve();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return rasid::cli::kExitUsage;
  }
  return rasid::cli::kExitUsage;
}
