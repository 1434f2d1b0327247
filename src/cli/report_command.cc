// `rasid report`: the periodic threat assessment from the hub's store (src/report).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/rule_loading.h"
#include "report/assessment.h"
#include "report/navigator.h"
#include "report/render.h"
#include "report/store_input.h"
#include "store/store.h"

namespace rasid::cli {
namespace {

struct ReportOptions {
  std::string data_dir;
  std::string store_spec;
  std::string from, to;
  std::string compare = "previous";
  std::string authority;
  std::string tlp;
  std::string out_dir;
  std::string attack_file;
  std::vector<std::string> rules;
  std::string title = "National cyber threat assessment";
  std::string window = "24h";
  bool pdf = true;
};

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "error: cannot write %s\n", path.string().c_str());
    return false;
  }
  return true;
}

int run_report(const ReportOptions& o) {
  auto from = report::parse_report_date(o.from);
  auto to = report::parse_report_date(o.to);
  if (!from || !to) {
    std::fprintf(stderr, "error: %s\n", (!from ? from.error() : to.error()).to_string().c_str());
    return kExitUsage;
  }
  report::AssessmentOptions options;
  options.from = *from;
  options.to = *to;
  options.authority = o.authority;
  options.tlp = o.tlp;
  options.title = o.title;
  if (o.compare == "previous") {
    options.compare = report::Compare::kPrevious;
  } else if (o.compare == "year") {
    options.compare = report::Compare::kYear;
  } else {
    const auto colon = o.compare.find(':');
    auto cmp_from = report::parse_report_date(o.compare.substr(0, colon));
    auto cmp_to = colon == std::string::npos ? cmp_from : report::parse_report_date(o.compare.substr(colon + 1));
    if (colon == std::string::npos || !cmp_from || !cmp_to) {
      std::fprintf(stderr, "error: --compare must be previous, year or FROM:TO (dates YYYY-MM-DD), not '%s'\n",
                   o.compare.c_str());
      return kExitUsage;
    }
    options.compare = report::Compare::kRange;
    options.compare_from = *cmp_from;
    options.compare_to = *cmp_to;
  }
  auto window = sigma::parse_timespan(o.window);
  if (!window) {
    std::fprintf(stderr, "error: --detection-window '%s' is not a timespan like 24h or 30m\n", o.window.c_str());
    return kExitUsage;
  }
  const std::string attack_file = o.attack_file.empty() ? report::default_attack_file() : o.attack_file;
  if (attack_file.empty()) {
    std::fprintf(stderr,
                 "error: no ATT&CK data: pass --attack FILE (the compact extract "
                 "enterprise-attack-compact.json) or set RASID_ATTACK_DATA\n");
    return kExitUsage;
  }
  auto matrix = report::AttackMatrix::load(attack_file);
  if (!matrix) {
    std::fprintf(stderr, "error: %s\n", matrix.error().to_string().c_str());
    return kExitUsage;
  }
  if (o.data_dir.empty() && o.store_spec.empty()) {
    std::fprintf(stderr, "error: give --data DIR (the hub's data folder) or --store URL\n");
    return kExitUsage;
  }
  auto store = store::open_store(o.store_spec, o.data_dir);
  if (!store) {
    std::fprintf(stderr, "error: %s\n", store.error().to_string().c_str());
    return kExitUsage;
  }
  // Everything the three periods need, and one window before for detections that began earlier.
  const report::Micros length = options.to - options.from;
  report::Micros since = options.from - length;
  report::Micros year_from = *report::parse_report_date(report::format_date(options.from)) - 366LL * 86'400'000'000;
  since = std::min({since, year_from, options.compare == report::Compare::kRange ? options.compare_from : since});
  report::StoreInputOptions load;
  load.since = since;
  load.until = options.to;
  load.window = *window * 1'000'000;
  auto input = report::load_store_input(**store, load);
  if (!input) {
    std::fprintf(stderr, "error: %s\n", input.error().to_string().c_str());
    return kExitUsage;
  }
  if (!o.rules.empty()) {
    LoadedRules loaded = load_rules(o.rules, "");
    for (const auto& rule : loaded.rules) {
      if (rule.status == sigma::Status::kDeprecated || rule.status == sigma::Status::kUnsupported) continue;
      if (rule.kind != sigma::RuleKind::kDetection) continue;
      input->active_rule_tags.push_back(rule.tags);
    }
    input->have_rules = true;
  }
  auto figures = report::compute_assessment(*input, options, *matrix);
  if (!figures) {
    std::fprintf(stderr, "error: %s\n", figures.error().to_string().c_str());
    return kExitUsage;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot create %s: %s\n", o.out_dir.c_str(), ec.message().c_str());
    return kExitUsage;
  }
  const std::filesystem::path out(o.out_dir);
  bool ok = write_file(out / "report.json", figures->dump(2) + "\n") &&
            write_file(out / "report.html", report::render_report_html(*figures, *matrix)) &&
            write_file(out / "navigator-layer.json", report::render_navigator_layer(report::report_layer(*figures)));
  for (const auto& [name, text] : report::render_report_csv(*figures)) ok = ok && write_file(out / name, text);
  if (!ok) return kExitUsage;
  std::string pdf_note = "report.pdf: not made (--no-pdf)";
  if (o.pdf) {
    const char* chromium = std::filesystem::exists("/usr/bin/chromium") ? "/usr/bin/chromium" : nullptr;
    if (chromium == nullptr) {
      pdf_note = "report.pdf: not made (Chromium is not installed: apt-get install chromium)";
    } else {
      const std::string html = std::filesystem::absolute(out / "report.html").string();
      const std::string pdf = std::filesystem::absolute(out / "report.pdf").string();
      const std::string command = fmt::format(
          "'{}' --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-pdf-header-footer --print-to-pdf='{}' 'file://{}' "
          ">/dev/null 2>&1",
          chromium, pdf, html);
      pdf_note = std::system(command.c_str()) == 0 && std::filesystem::exists(pdf)
                     ? "report.pdf"
                     : "report.pdf: Chromium failed to print (see docs/report.md)";
    }
  }
  const auto& total = (*figures)["figures"]["detections_total"];
  std::printf("%s: %lld detections (%s), %s\n", (*figures)["meta"]["tlp"].get<std::string>().c_str(),
              static_cast<long long>(total["current"].get<std::int64_t>()),
              total["change"]["text"].get<std::string>().c_str(), o.out_dir.c_str());
  std::printf("wrote report.html, report.json, navigator-layer.json, the tables as CSV; %s\n", pdf_note.c_str());
  return kExitOk;
}

}  // namespace

std::function<int()> add_report_command(CLI::App& app) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Write the periodic threat assessment from the hub's data: report.html (self-contained),\n"
      "report.json (every figure with its definition), navigator-layer.json (ATT&CK Navigator),\n"
      "the tables as CSV, and report.pdf when Chromium is installed. See docs/report.md.");
  cmd->add_option("--data", options->data_dir, "the hub's data folder (its SQLite store)");
  cmd->add_option("--store", options->store_spec, "store instead: sqlite:PATH or postgresql://...");
  cmd->add_option("--from", options->from, "first day of the period (YYYY-MM-DD, UTC), included")->required();
  cmd->add_option("--to", options->to, "end of the period (YYYY-MM-DD, UTC), excluded")->required();
  cmd->add_option("--compare", options->compare,
                  "comparison period: previous (same length just before), year (same dates a year before) "
                  "or FROM:TO of the same length")
      ->capture_default_str();
  cmd->add_option("--authority", options->authority, "only this authority's data");
  cmd->add_option("--tlp", options->tlp,
                  "only data marked at most this TLP (clear, green, amber, amber+strict, red); "
                  "without it the report carries the most restrictive marking of its data");
  cmd->add_option("--out", options->out_dir, "output folder (created)")->required();
  cmd->add_option("--attack", options->attack_file,
                  "ATT&CK compact extract (enterprise-attack-compact.json); default $RASID_ATTACK_DATA, "
                  "/usr/share/rasid/attack/, ../shared/data/attack/");
  cmd->add_option("--rules", options->rules, "rule files or folders, for the ATT&CK coverage figure");
  cmd->add_option("--title", options->title, "report title")->capture_default_str();
  cmd->add_option("--detection-window", options->window,
                  "alerts of one rule, authority and host within this time of the first are one detection")
      ->capture_default_str();
  cmd->add_flag("!--no-pdf", options->pdf, "do not print report.pdf even when Chromium is installed");
  return [options] { return run_report(*options); };
}

}  // namespace rasid::cli
