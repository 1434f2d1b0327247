#pragma once
// The hub's Prometheus metrics (text exposition format 0.0.4) served at /metrics: requests by
// route and status, request latency histograms by route, alerts ingested and duplicates, store
// errors. Counters only grow; everything is thread-safe.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace rasid::hub {

class Metrics {
 public:
  // Records one finished request; `route` is the route pattern (never the raw path, so
  // the number of series stays bounded).
  void observe(const std::string& route, int status, double seconds);
  void add_ingested(std::int64_t accepted, std::int64_t duplicates);
  void add_store_error();

  [[nodiscard]] std::string render() const;

  // Upper bounds of the latency buckets in seconds (+Inf implied): 1 ms to 10 s covers a
  // health check up to a 10,000-alert batch on a slow disk.
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   10};

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::atomic<std::int64_t> ingested_{0};
  std::atomic<std::int64_t> duplicates_{0};
  std::atomic<std::int64_t> store_errors_{0};
};

}  // namespace rasid::hub
