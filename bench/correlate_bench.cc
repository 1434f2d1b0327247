// correlate_bench: streaming correlation at scale under a memory cap (issue 6's bar).
//
// Usage: correlate_bench [--matches N] [--groups G] [--cap-mb M] [--span-s S] [--seed X]
//
// Feeds N matches of one base rule (default 10,000,000) spread over G group keys (default
// 1,000,000; keys drawn uniformly, a deterministic generator), one match every millisecond of
// event time, to an event_count correlation (group-by User, Host; timespan S, default 1 h;
// gte 5) with a memory cap of M MiB (default 64), then prints one line: matches, groups,
// seconds, matches/s, correlation alerts, peak state MB, evicted groups, peak RSS MB. With the
// cap below what 1M groups need, evictions must be reported and the peak state stay under
// the cap; run with a large cap to see what the stream needs unbounded.

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "correlate/correlator.h"
#include "sigma/loader.h"

int main(int argc, char** argv) {
  long long matches = 10'000'000, groups = 1'000'000, cap_mb = 64, span_s = 3600;
  unsigned long long seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    long long v = std::atoll(argv[i + 1]);
    if (a == "--matches") matches = v;
    else if (a == "--groups") groups = v;
    else if (a == "--cap-mb") cap_mb = v;
    else if (a == "--span-s") span_s = v;
    else if (a == "--seed") seed = static_cast<unsigned long long>(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (matches <= 0 || groups <= 0 || cap_mb <= 0 || span_s <= 0) {
    std::fprintf(stderr, "usage: correlate_bench [--matches N] [--groups G] [--cap-mb M] [--span-s S]\n");
    return 2;
  }
  std::string yaml = "title: bench\ncorrelation:\n  type: event_count\n  rules: [base]\n"
                     "  group-by: [User, Host]\n  timespan: " + std::to_string(span_s) +
                     "s\n  condition:\n    gte: 5\n";
  std::vector<rasid::sigma::Rule> rules;
  rasid::Diagnostics diags;
  rasid::sigma::Loader loader;
  if (loader.load_text(yaml, "bench.yml", rules, diags) != 0 || rules.size() != 1) {
    std::fprintf(stderr, "cannot load the benchmark rule\n");
    return 1;
  }
  rasid::correlate::Options options;
  options.max_state_bytes = static_cast<std::size_t>(cap_mb) << 20;
  rasid::correlate::Correlator correlator({&rules[0]}, options);

  std::vector<rasid::correlate::CorrelationAlert> out;
  std::uint64_t alerts = 0;
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  std::string user, host;
  rasid::correlate::Match m;
  m.rule_id = "base";
  m.rule_name = "base";
  m.field = [&](std::string_view f) -> std::optional<std::string> {
    return f == "User" ? user : host;
  };
  auto start = std::chrono::steady_clock::now();
  for (long long i = 0; i < matches; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    auto g = static_cast<long long>(state % static_cast<std::uint64_t>(groups));
    user = "user" + std::to_string(g);
    host = "host" + std::to_string(g % 997);
    m.time_us = i * 1000;  // one match per millisecond
    m.alert_id = "a" + std::to_string(i);
    correlator.add(m, out);
    alerts += out.size();
    out.clear();
  }
  correlator.finish(out);
  alerts += out.size();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto& s = correlator.stats();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("matches %lld groups %lld cap_mb %lld seconds %.2f matches/s %.0f alerts %llu "
              "peak_state_mb %.1f evicted_groups %llu peak_rss_mb %.1f\n",
              matches, groups, cap_mb, secs, static_cast<double>(matches) / secs,
              static_cast<unsigned long long>(alerts), s.peak_state_bytes / 1048576.0,
              static_cast<unsigned long long>(s.evicted_groups), ru.ru_maxrss / 1024.0);
  return 0;
}
