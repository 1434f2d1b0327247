// intel_load: loads indicator feeds into an IndicatorSet the way `rasid hunt --intel` does and
// reports, for bench/intel.sh:
//   load seconds, indicators/s               (load_indicators + build, wall clock)
//   resident bytes per indicator              (RSS after build - RSS before load) / indicators:
//                                              what the set costs while a hunt runs
//   peak bytes per indicator                  (peak RSS - RSS before) / indicators: what loading
//                                              needs at its worst (vectors growing, tables built)
//   index bytes per indicator                 IndicatorSet::memory_bytes() / indicators
//
//   intel_load FEED...       (prints one line "key=value ...")

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "intel/indicator_set.h"
#include "intel/indicator_sources.h"

namespace {

// Current and peak resident set size in bytes, from /proc/self/status.
std::pair<long long, long long> rss() {
  std::ifstream in("/proc/self/status");
  std::string key;
  long long current = 0, peak = 0, value = 0;
  std::string unit;
  while (in >> key) {
    if (key == "VmRSS:" && in >> value >> unit) current = value * 1024;
    else if (key == "VmHWM:" && in >> value >> unit) peak = value * 1024;
  }
  return {current, peak};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: intel_load FEED...\n");
    return 2;
  }
  auto [before, peak_before] = rss();
  (void)peak_before;
  auto start = std::chrono::steady_clock::now();
  rasid::intel::IndicatorSetBuilder builder;
  rasid::Diagnostics diags;
  rasid::intel::LoadStats stats;
  for (int i = 1; i < argc; ++i) rasid::intel::load_indicators(argv[i], builder, diags, stats);
  auto set = builder.build();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto [after, peak] = rss();
  double n = static_cast<double>(set->size());
  std::printf("indicators=%zu errors=%zu load_s=%.3f per_s=%.0f rss_bytes_per=%.1f peak_bytes_per=%.1f index_bytes_per=%.1f networks=%zu\n",
              set->size(), diags.error_count(), seconds, n / seconds, static_cast<double>(after - before) / n,
              static_cast<double>(peak - before) / n, static_cast<double>(set->memory_bytes()) / n,
              set->network_count());
  return diags.error_count() == 0 ? 0 : 1;
}
