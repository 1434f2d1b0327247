#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "alert/alert.h"
#include "alert/detection.h"
#include "cli/commands.h"
#include "cli/hunt_forward.h"
#include "cli/hunt_correlation.h"
#include "cli/hunt_intel.h"
#include "cli/rule_loading.h"
#include "cli/taxii_pull.h"
#include "engine/event_time.h"
#include "engine/hunt.h"
#include "input/discovery.h"
#include "input/json_decoder.h"

namespace rasid::cli {

namespace {

struct HuntArgs {
  std::vector<std::string> inputs;
  std::vector<std::string> rules;
  std::vector<std::string> mappings;
  std::string placeholders;
  std::string format = "table";
  std::string output;
  std::string min_level;
  std::string from, to;
  unsigned threads = 0;
  bool fail_on_alert = false;
  bool unordered = false;
  bool no_color = false;
  bool quiet = false;
  std::size_t max_issues = 20;
  std::size_t correlation_memory_mb = 256;
  std::string group = "alerts";
  std::string detection_window = "24h";
  std::vector<std::string> detection_keys;
  IntelArgs intel;
  ForwardOptions forward;
  TaxiiOptions taxii;  // --intel taxii+https://...: --intel-ca, --intel-cache, --intel-limit
};

// "90s", "15m", "24h", "7d" in microseconds; nullopt if not such a duration.
std::optional<std::int64_t> parse_duration(std::string_view text) {
  auto seconds = sigma::parse_timespan(text);
  if (!seconds) return std::nullopt;
  return *seconds * 1'000'000;
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} {}", bytes, units[u]) : fmt::format("{:.1f} {}", bytes, units[u]);
}

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled), start_(Clock::now()) {}
  void update(std::uint64_t done, std::uint64_t total) {
    if (!enabled_) return;
    double elapsed = seconds();
    if (elapsed < 1.0) return;  // short hunts print no bar
    shown_ = true;
    constexpr int kWidth = 30;
    double ratio = total > 0 ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 0;
    int filled = static_cast<int>(ratio * kWidth);
    fmt::print(stderr, "\r[{}{}] {:3.0f}%  {} / {}  {:.1f} s ", std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(kWidth - filled), ' '), ratio * 100,
               human_bytes(static_cast<double>(done)), human_bytes(static_cast<double>(total)),
               elapsed);
  }
  void clear() {
    if (shown_) fmt::print(stderr, "\r{}\r", std::string(80, ' '));
    shown_ = false;
  }
  [[nodiscard]] double seconds() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool shown_ = false;
  Clock::time_point start_;
};

int run_hunt_command(const HuntArgs& args) {
  Progress clock(false);
  // Rules.
  if (args.rules.empty() && args.intel.paths.empty()) {
    fmt::print(stderr, "error: nothing to hunt with: give --rules, --intel or both\n");
    return kExitUsage;
  }
  LoadedRules loaded = load_rules(args.rules, args.placeholders);
  if (loaded.usage_error) {
    for (const auto& d : loaded.diagnostics.items()) fmt::print(stderr, "error: {}\n", d.to_string());
    return kExitUsage;
  }
  std::optional<sigma::Level> min_level;
  if (!args.min_level.empty()) min_level = sigma::parse_level(args.min_level);
  // Correlation rules run on the matches of the rules they name (docs/correlation.md), not
  // as event rules: they are taken out before the Ruleset is built.
  std::vector<sigma::Rule> correlation_rules;
  for (auto& r : loaded.rules) {
    if (r.kind != sigma::RuleKind::kCorrelation) continue;
    if (min_level && r.level < *min_level) continue;
    correlation_rules.push_back(std::move(r));
  }
  std::erase_if(loaded.rules, [](const sigma::Rule& r) { return r.kind == sigma::RuleKind::kCorrelation; });
  std::set<std::string, std::less<>> correlated;  // ids and names the correlations name
  for (const auto& c : correlation_rules) correlated.insert(c.correlation->rules.begin(), c.correlation->rules.end());
  if (min_level) {
    // A rule a correlation names is kept whatever its level: the correlation's level counts.
    std::erase_if(loaded.rules, [&](const sigma::Rule& r) {
      bool named = (!r.id.empty() && correlated.count(r.id)) || (!r.name.empty() && correlated.count(r.name));
      return r.level < *min_level && !named;
    });
  }
  // Rule names by (file, id, title): the Ruleset keeps no names, correlations need them.
  std::map<std::tuple<std::string, std::string, std::string>, std::string> names_by_rule;
  std::map<std::tuple<std::string, std::string, std::string>, std::int64_t> windows_by_rule;
  for (const auto& r : loaded.rules) {
    if (!r.name.empty()) names_by_rule[{r.where.file, r.id, r.title}] = r.name;
    if (r.detection_window_seconds) {
      windows_by_rule[{r.where.file, r.id, r.title}] = *r.detection_window_seconds * 1'000'000;
    }
  }
  for (const auto& r : correlation_rules) {
    if (r.detection_window_seconds) {
      windows_by_rule[{r.where.file, r.id, r.title}] = *r.detection_window_seconds * 1'000'000;
    }
  }
  engine::RulesetOptions options;
  for (auto name : engine::kTimeFields) options.extra_fields.emplace_back(name);
  options.extra_fields.emplace_back("Computer");
  // Indicators (docs/intel.md): their fields are extracted even when no rule reads them.
  std::unique_ptr<HuntIntel> intel;
  std::vector<TaxiiPull> taxii_pulls;
  if (!args.intel.paths.empty()) {
    // TAXII collections are pulled first and then load like bundle files (docs/intel.md).
    IntelArgs intel_args = args.intel;
    std::erase_if(intel_args.paths, [](const std::string& p) { return is_taxii_url(p); });
    TaxiiOptions taxii = args.taxii;
    taxii.token = args.forward.token;
    if (const char* env = std::getenv("RASID_TOKEN"); taxii.token.empty() && env) taxii.token = env;
    if (taxii.ca_file.empty()) taxii.ca_file = args.forward.ca_file;
    for (const auto& path : args.intel.paths) {
      if (!is_taxii_url(path)) continue;
      auto pulled = pull_collection(path, taxii);
      if (!pulled) {
        fmt::print(stderr, "error: {}\n", pulled.error().message);
        return kExitUsage;
      }
      if (!pulled->warning.empty() && !args.quiet) {
        fmt::print(stderr, "warning: {}{}\n", pulled->warning,
                   pulled->from_cache_only ? fmt::format("; hunting with the {} cached objects", pulled->total) : "");
      }
      intel_args.bundles.emplace_back(pulled->source, std::move(pulled->bundle_text));
      taxii_pulls.push_back(std::move(*pulled));
    }
    Diagnostics intel_diags;
    auto loaded_intel = HuntIntel::load(intel_args, intel_diags);
    if (!loaded_intel) {
      fmt::print(stderr, "error: {}\n", loaded_intel.error().message);
      return kExitUsage;
    }
    intel = std::move(*loaded_intel);
    intel->set_observation_memory(static_cast<std::size_t>(args.correlation_memory_mb) << 20);
    if (!args.quiet) {
      std::size_t shown = 0;
      for (const auto& d : intel_diags.items()) {
        if (shown++ == args.max_issues) {
          fmt::print(stderr, "warning: ... {} more indicator problems (run `rasid intel check`)\n",
                     intel_diags.items().size() - args.max_issues);
          break;
        }
        fmt::print(stderr, "warning: indicator {}: {}\n", d.severity == Severity::kError ? "not loaded" : "note",
                   d.to_string());
      }
    }
    for (auto& f : intel->fields()) options.extra_fields.push_back(std::move(f));
  }
  for (const auto& file : args.mappings) options.mapping.add_file(file, loaded.diagnostics);
  std::size_t parsed = loaded.rules.size();
  engine::RulesetBuilder builder(std::move(options));
  builder.add_rules(std::move(loaded.rules));
  auto built = builder.build(loaded.diagnostics);
  if (!built) {
    fmt::print(stderr, "error: {}\n", built.error().to_string());
    return kExitUsage;
  }
  std::shared_ptr<const engine::Ruleset> ruleset = *built;
  std::vector<std::string> rule_names(ruleset->rule_count());
  for (engine::RuleIndex i = 0; i < ruleset->rule_count(); ++i) {
    const auto& info = ruleset->rule(i);
    if (auto it = names_by_rule.find({info.file, info.id, info.title}); it != names_by_rule.end()) {
      rule_names[i] = it->second;
    }
  }
  correlate::Options correlate_options;
  correlate_options.max_state_bytes = static_cast<std::size_t>(args.correlation_memory_mb) << 20;
  std::size_t correlation_count = correlation_rules.size();
  HuntCorrelation correlation(std::move(correlation_rules), *ruleset, std::move(rule_names),
                              correlate_options);
  std::size_t rule_errors = loaded.diagnostics.error_count();
  if (!args.quiet) {
    std::size_t shown = 0;
    for (const auto& d : loaded.diagnostics.items()) {
      if (d.severity != Severity::kError) continue;
      if (shown++ == args.max_issues) {
        fmt::print(stderr, "warning: ... {} more rule problems (run `rasid rules check`)\n",
                   rule_errors - args.max_issues);
        break;
      }
      fmt::print(stderr, "warning: rule not loaded: {}\n", d.to_string());
    }
  }
  double load_seconds = clock.seconds();
  if (intel) {
    intel->bind(ruleset->fields());
    if (intel->indicators().empty() && ruleset->rule_count() == 0) {
      fmt::print(stderr, "error: no rule and no indicator loaded\n");
      return kExitUsage;
    }
  }
  if (ruleset->rule_count() == 0 && !intel) {
    fmt::print(stderr, "error: no rule can run ({} loaded, {} failed; inactive: {})\n",
               parsed, loaded.failed + (parsed - ruleset->rule_count() - ruleset->inactive().size()),
               describe_inactive(ruleset->inactive()));
    return kExitUsage;
  }

  // Inputs.
  Diagnostics input_diags;
  engine::HuntOptions hunt;
  std::vector<std::string> input_args = args.inputs;
  if (input_args.empty()) input_args.push_back("-");
  hunt.inputs = input::discover_inputs(input_args, input_diags);
  bool input_error = input_diags.error_count() > 0;
  for (const auto& d : input_diags.items()) {
    fmt::print(stderr, "{}: {}\n", d.severity == Severity::kError ? "error" : "warning", d.to_string());
  }
  hunt.threads = args.threads;
  if (intel && !intel->indicators().empty()) hunt.make_hook = intel->hook_factory();
  hunt.unordered = args.unordered;
  if (!args.from.empty()) {
    hunt.from = engine::parse_time(args.from);
    if (!hunt.from) {
      fmt::print(stderr, "error: --from: not a date or time: '{}'\n", args.from);
      return kExitUsage;
    }
  }
  if (!args.to.empty()) {
    hunt.to = engine::parse_time(args.to);
    // A bare date as the end of a range means the whole day.
    if (hunt.to && args.to.size() == 10) *hunt.to += 86400LL * 1000000 - 1;
    if (!hunt.to) {
      fmt::print(stderr, "error: --to: not a date or time: '{}'\n", args.to);
      return kExitUsage;
    }
  }

  auto detection_window = parse_duration(args.detection_window);
  if (!detection_window) {
    fmt::print(stderr, "error: --detection-window: not a duration (a number and s, m, h or d): '{}'\n",
               args.detection_window);
    return kExitUsage;
  }

  // Output.
  std::FILE* out = stdout;
  if (!args.output.empty() && args.output != "-") {
    out = std::fopen(args.output.c_str(), "wb");
    if (out == nullptr) {
      fmt::print(stderr, "error: {}: cannot open for writing: {}\n", args.output, std::strerror(errno));
      return kExitUsage;
    }
  }
  alert::WriterOptions writer_options;
  writer_options.format = args.format == "jsonl" ? alert::Format::kJsonl
                          : args.format == "csv" ? alert::Format::kCsv
                                                 : alert::Format::kTable;
  writer_options.color = out == stdout && isatty(fileno(stdout)) && !args.no_color &&
                         std::getenv("NO_COLOR") == nullptr;
  auto writer = alert::AlertWriter::create(writer_options, out);
  ForwardingWriter* forwarder = nullptr;
  if (!args.forward.url.empty()) {
    ForwardOptions forward = args.forward;
    if (const char* env = std::getenv("RASID_TOKEN"); forward.token.empty() && env) forward.token = env;
    auto made = ForwardingWriter::create(std::move(forward), std::move(writer));
    if (!made) {
      fmt::print(stderr, "error: {}\n", made.error().message);
      return kExitUsage;
    }
    forwarder = made->get();
    writer = std::move(*made);
  }
  std::optional<alert::DetectionBuilder> detections;
  if (args.group == "detections") {
    alert::DetectionOptions detection_options;
    detection_options.window_us = *detection_window;
    detection_options.key_fields = args.detection_keys;
    detection_options.rule_window_us = std::move(windows_by_rule);
    detections.emplace(detection_options);
  }

  Progress progress(!args.quiet && isatty(fileno(stderr)));
  input::JsonDecoder decoder;
  std::map<sigma::Level, std::uint64_t> by_level;
  std::vector<std::uint64_t> by_rule(ruleset->rule_count(), 0);
  std::uint64_t alerts = 0;
  std::uint64_t intel_alerts = 0;
  std::size_t issues_shown = 0;
  std::uint64_t issues_total = 0;
  std::string padded;

  engine::HuntCallbacks callbacks;
  callbacks.on_hits = [&](std::vector<engine::Hit>& hits) {
    progress.clear();
    for (auto& hit : hits) {
      alert::Alert a;
      if (hit.hook) {
        if (intel->keep_observation(hit)) continue;  // for a pattern of several observations
        auto made = intel->make_alert(hit, ruleset->fields());
        if (!made) continue;  // suppressed by a warninglist: counted for the summary
        a = std::move(*made);
      } else {
        a.rule = &ruleset->rule(hit.rule);
      }
      if (hit.time) a.timestamp = engine::format_time(*hit.time);
      a.input = hunt.inputs[hit.input].path.string();
      a.line = hit.line;
      padded = hit.record;
      padded.append(64, ' ');  // simdjson reads a few bytes past the end of a document
      if (auto full = decoder.decode_full(std::string_view(padded.data(), hit.record.size()))) {
        a.event = std::move(*full);
      }
      if (hit.hook) {
        if (detections) {
          detections->add(a, hit.time);
        } else {
          writer->write(a);
        }
        ++alerts;
        ++intel_alerts;
        ++by_level[a.rule->level];
        continue;
      }
      if (correlation.enabled()) correlation.add(hit.rule, hit.time, a);
      if (!correlation.standalone(hit.rule)) continue;
      if (detections) {
        detections->add(a, hit.time);
      } else {
        writer->write(a);
      }
      ++alerts;
      ++by_level[a.rule->level];
      ++by_rule[hit.rule];
    }
  };
  callbacks.on_issue = [&](const engine::InputIssue& issue) {
    ++issues_total;
    if (args.quiet || issues_shown >= args.max_issues) return;
    ++issues_shown;
    progress.clear();
    const std::string name = hunt.inputs[issue.input].path.string();
    if (issue.line > 0) {
      fmt::print(stderr, "warning: {}:{}: {}\n", name, issue.line, issue.message);
    } else {
      fmt::print(stderr, "warning: {}: {}\n", name, issue.message);
    }
  };
  callbacks.on_progress = [&](std::uint64_t done, std::uint64_t total) { progress.update(done, total); };

  Progress hunt_clock(false);
  engine::HuntStats stats = engine::run_hunt(ruleset, hunt, callbacks);
  double hunt_seconds = hunt_clock.seconds();
  progress.clear();
  std::uint64_t correlation_alerts = 0;
  if (correlation.enabled()) {
    correlation_alerts = correlation.finish([&](const alert::Alert& a, std::int64_t time) {
      ++by_level[a.rule->level];
      if (detections) {
        detections->add(a, time);
      } else {
        writer->write(a);
      }
    });
  }
  alerts += correlation_alerts;
  if (intel) {
    // STIX patterns of several observations, over the events kept for them (docs/intel.md).
    auto name = [&](std::uint32_t input) { return hunt.inputs[input].path.string(); };
    std::uint64_t n = intel->finish_observations(name, [&](const alert::Alert& a, std::int64_t time) {
      ++by_level[a.rule->level];
      if (detections) {
        detections->add(a, time);
      } else {
        writer->write(a);
      }
    });
    alerts += n;
    intel_alerts += n;
  }
  std::size_t detection_count = 0;
  if (detections) {
    auto found = detections->finish();
    detection_count = found.size();
    for (const auto& d : found) writer->write(d);
  }
  writer->finish();
  if (forwarder) {
    const auto& f = forwarder->stats();
    fmt::print(stderr, "forwarded {} alerts to {}: {} acknowledged ({} new, {} duplicates), {} failed, {} batches, {} retries\n",
               f.sent, args.forward.url, f.accepted + f.duplicates, f.accepted, f.duplicates, f.failed, f.batches,
               f.retries);
    if (f.failed > 0) {
      fmt::print(stderr, "error: forwarding: {}\n", forwarder->last_error());
      input_error = true;
    }
  }
  std::fflush(out);
  if (out != stdout) std::fclose(out);
  if (stats.input_errors > 0) input_error = true;

  if (!args.quiet) {
    if (issues_total > issues_shown) {
      fmt::print(stderr, "warning: ... {} more input problems not shown\n", issues_total - issues_shown);
    }
    double rate = hunt_seconds > 0 ? static_cast<double>(stats.events) / hunt_seconds : 0;
    fmt::print(stderr, "\nsummary\n");
    fmt::print(stderr, "  inputs   {} files, {} events, {}, {:.2f} s ({:.0f} events/s, {}/s)\n",
               stats.inputs, stats.events, human_bytes(static_cast<double>(stats.bytes)), hunt_seconds,
               rate, human_bytes(hunt_seconds > 0 ? static_cast<double>(stats.bytes) / hunt_seconds : 0));
    if (stats.malformed > 0 || stats.out_of_range > 0 || stats.input_errors > 0) {
      fmt::print(stderr, "  skipped  {} malformed records, {} events outside --from/--to, {} unreadable inputs\n",
                 stats.malformed, stats.out_of_range, stats.input_errors);
    }
    std::size_t failed = loaded.failed + (parsed - ruleset->rule_count() - ruleset->inactive().size());
    fmt::print(stderr, "  rules    {} loaded, {} failed, {} inactive, {:.2f} s\n",
               ruleset->rule_count(), failed, ruleset->inactive().size(), load_seconds);
    if (!ruleset->inactive().empty()) {
      fmt::print(stderr, "           inactive: {}\n", describe_inactive(ruleset->inactive()));
    }
    std::string levels;
    for (auto level : {sigma::Level::kCritical, sigma::Level::kHigh, sigma::Level::kMedium,
                       sigma::Level::kLow, sigma::Level::kInformational}) {
      if (by_level[level] == 0) continue;
      if (!levels.empty()) levels += ", ";
      levels += fmt::format("{} {}", by_level[level], sigma::to_string(level));
    }
    fmt::print(stderr, "  alerts   {}{}\n", alerts, levels.empty() ? "" : " (" + levels + ")");
    if (intel) {
      const auto& set = intel->indicators();
      std::string types;
      for (std::size_t t = 0; t < intel::kIndicatorTypeCount; ++t) {
        auto n = set.value_count(static_cast<intel::IndicatorType>(t));
        if (n == 0) continue;
        if (!types.empty()) types += ", ";
        types += fmt::format("{} {}", n, intel::to_string(static_cast<intel::IndicatorType>(t)));
      }
      if (set.network_count() > 0) types += fmt::format(", {} networks", set.network_count());
      fmt::print(stderr, "  intel    {} indicators ({}), {} alerts, {} hits suppressed by {} warninglists\n",
                 set.size(), types.empty() ? "none" : types, intel_alerts, intel->suppressed_total(),
                 intel->warninglists().list_count());
      auto suppressed = intel->suppressed();
      std::size_t shown = 0;
      for (const auto& s : suppressed) {
        if (shown++ == 20) {
          fmt::print(stderr, "           ... {} more suppressed values\n", suppressed.size() - 20);
          break;
        }
        fmt::print(stderr, "  {:>8}  suppressed: {} (indicator {}) on warninglist \"{}\"\n", s.count, s.value,
                   s.indicator_id, s.list);
      }
      for (const auto& p : taxii_pulls) {
        fmt::print(stderr, "           taxii {}: {} objects pulled ({} new, {} updated) in {} pages, {} cached{}\n",
                   p.url, p.received, p.counts.added, p.counts.updated, p.pages, p.total,
                   p.from_cache_only ? " (from the cache only: the hub could not be read)" : "");
      }
      if (!set.multi_patterns().empty()) {
        auto oc = intel->observation_counts();
        fmt::print(stderr, "           {} patterns of several observations: {} events kept, {} alerts\n",
                   set.multi_patterns().size(), oc.kept_events, oc.alerts);
        if (oc.without_time + oc.over_cap + oc.window_dropped > 0) {
          fmt::print(stderr,
                     "           not evaluated: {} events without an event time, {} over the memory cap "
                     "(--correlation-memory), {} dropped from full windows\n",
                     oc.without_time, oc.over_cap, oc.window_dropped);
        }
      }
      if (intel->pattern_errors() > 0) {
        fmt::print(stderr, "           {} STIX pattern evaluations failed (data errors or step limit)\n",
                   intel->pattern_errors());
      }
    }
    if (detections) {
      fmt::print(stderr, "  detections  {} (alerts of one rule on one host{} within {} count once)\n",
                 detection_count, args.detection_keys.empty() ? "" : " with the same key",
                 args.detection_window);
    }
    if (correlation_count > 0) {
      const auto& cs = correlation.stats();
      fmt::print(stderr, "  correlations  {} rules, {} alerts from {} matches of the rules they name\n",
                 correlation_count, correlation_alerts, cs.matches);
      if (correlation.without_time() + cs.missing_group_field + cs.missing_value + cs.evicted_groups > 0) {
        fmt::print(stderr,
                   "           not counted: {} matches without an event time, {} without a group-by "
                   "field, {} without the value field; {} groups evicted by the memory cap "
                   "(--correlation-memory, peak {})\n",
                   correlation.without_time(), cs.missing_group_field, cs.missing_value,
                   cs.evicted_groups, human_bytes(static_cast<double>(cs.peak_state_bytes)));
      }
    }
    std::vector<engine::RuleIndex> top;
    for (engine::RuleIndex r = 0; r < by_rule.size(); ++r) {
      if (by_rule[r] > 0) top.push_back(r);
    }
    std::stable_sort(top.begin(), top.end(), [&](auto a, auto b) { return by_rule[a] > by_rule[b]; });
    if (top.size() > 10) top.resize(10);
    for (auto r : top) {
      fmt::print(stderr, "  {:>8}  {} [{}]\n", by_rule[r], ruleset->rule(r).title, ruleset->rule(r).level_name);
    }
  }
  if (input_error) return kExitUsage;
  if (args.fail_on_alert && alerts > 0) return kExitFindings;
  return kExitOk;
}

}  // namespace

std::function<int()> add_hunt_command(CLI::App& app) {
  auto args = std::make_shared<HuntArgs>();
  auto* hunt = app.add_subcommand(
      "hunt",
      "Hunt through logs with Sigma rules. Reads Windows .evtx files, JSON lines, JSON arrays and "
      "concatenated JSON documents (plain or gzip), recognized by content, from files, folders "
      "(recursively) or standard input (-). "
      "Alerts go to standard output; progress, problems and a summary go to standard error.");
  hunt->add_option("inputs", args->inputs,
                   "Log files or folders (.evtx, JSON, gzip); - for standard input (default)");
  hunt->add_option("-r,--rules", args->rules, "Sigma rule files or folders (required unless --intel is given)");
  hunt->add_option("--intel", args->intel.paths,
                   "Indicator feeds: files or folders (plain lists, CSV, MISP JSON/CSV/feeds, STIX 2.1 "
                   "bundles; FORMAT:PATH forces a format), or TAXII 2.1 collections "
                   "taxii+https://HUB/taxii2/API/collections/ID/ pulled incrementally with --token "
                   "into --intel-cache. Each hit is an alert of its own kind (docs/intel.md)");
  hunt->add_option("--intel-cache", args->taxii.cache_dir,
                   "Cache folder of --intel taxii+https://HUB/.../collections/ID/ pulls (default: "
                   "$XDG_CACHE_HOME/rasid/taxii, else ~/.cache/rasid/taxii); the next run pulls only "
                   "what was added since, and an unreachable hub falls back to it");
  hunt->add_option("--intel-ca", args->taxii.ca_file,
                   "CA certificate (PEM) to trust for TAXII --intel URLs (default: --forward-ca)");
  hunt->add_option("--intel-limit", args->taxii.limit, "Objects per TAXII page asked for (default 1000)")
      ->check(CLI::Range(1, 100000));
  hunt->add_option("--warninglists", args->intel.warninglists,
                   "Folder of MISP warninglists: hits on listed values are suppressed, counted and "
                   "listed in the summary");
  hunt->add_option("--intel-fields", args->intel.fields_file,
                   "YAML field map (ip/host/url/hash/email: [fields]) replacing those kinds' default fields");
  hunt->add_option("--intel-field", args->intel.field_flags,
                   "KIND=FIELD: also read FIELD as KIND (ip, host, url, hash, email)");
  hunt->add_option("--intel-csv", args->intel.csv_spec,
                   "Column spec of CSV feeds, e.g. value=2,type=1,id=0,header=1,delimiter=;");
  hunt->add_flag("--misp-all", args->intel.misp_all, "Also load MISP attributes whose to_ids is false");
  hunt->add_option("-m,--mapping", args->mappings,
                   "Extra logsource mapping file(s) that add to or override the built-in Windows mapping");
  hunt->add_option("--placeholders", args->placeholders,
                   "YAML file with values for %placeholders% (|expand modifier)");
  hunt->add_option("-f,--format", args->format, "Alert output format")
      ->check(CLI::IsMember({"table", "jsonl", "csv"}));
  hunt->add_option("-o,--output", args->output, "Write alerts to this file instead of standard output");
  hunt->add_option("--min-level", args->min_level, "Only run rules of this level or above")
      ->check(CLI::IsMember({"informational", "low", "medium", "high", "critical"}));
  hunt->add_option("--from", args->from, "Only events at or after this time (ISO-8601, UTC unless zoned)");
  hunt->add_option("--to", args->to, "Only events at or before this time (a bare date includes the whole day)");
  hunt->add_option("-t,--threads", args->threads, "Scanner threads (default: all cores)");
  hunt->add_flag("--unordered", args->unordered,
                 "Write alerts as scanner threads finish batches, not in input order "
                 "(alerts within one batch of ~1 MB stay in order)");
  hunt->add_option("--correlation-memory", args->correlation_memory_mb,
                   "Memory cap of the correlation windows in MiB; beyond it the least recently "
                   "updated groups are dropped and counted in the summary. Also caps, separately, "
                   "the events kept for STIX patterns of several observations (--intel)")
      ->default_val(256)
      ->check(CLI::Range(1, 1 << 20));
  hunt->add_option("--group", args->group,
                   "alerts: one line per alert (default); detections: alerts of one rule on one "
                   "host (and key) within --detection-window counted as one detection, with "
                   "first and last seen and a count")
      ->check(CLI::IsMember({"alerts", "detections"}));
  hunt->add_option("--detection-window", args->detection_window,
                   "With --group detections: how long one detection lasts from its first alert "
                   "(s, m, h or d; default 24h)");
  hunt->add_option("--detection-key", args->detection_keys,
                   "With --group detections: event fields whose values also split detections "
                   "(for example TargetUserName)");
  hunt->add_option("--forward", args->forward.url,
                   "Also send the alerts to a rasid hub (https://HOST:PORT), in batches with retries");
  hunt->add_option("--token", args->forward.token,
                   "Hub token for --forward and TAXII --intel URLs (default: $RASID_TOKEN)");
  hunt->add_option("--forward-ca", args->forward.ca_file, "CA certificate (PEM) to trust for --forward");
  hunt->add_flag("--fail-on-alert", args->fail_on_alert, "Exit with status 1 when any alert is found");
  hunt->add_flag("--no-color", args->no_color, "Never color the table (also: NO_COLOR environment variable)");
  hunt->add_flag("-q,--quiet", args->quiet, "No progress bar, problems or summary on standard error");
  return [args, hunt]() -> int {
    if (!hunt->parsed()) return kExitUsage;
    return run_hunt_command(*args);
  };
}

}  // namespace rasid::cli
