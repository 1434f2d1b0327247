#include "hub/metrics.h"

#include <fmt/format.h>

namespace rasid::hub {

void Metrics::observe(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  Histogram& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::add_ingested(std::int64_t accepted, std::int64_t duplicates) {
  ingested_ += accepted;
  duplicates_ += duplicates;
}

void Metrics::add_store_error() { ++store_errors_; }

std::string Metrics::render() const {
  std::string out;
  std::lock_guard lock(mu_);
  out += "# HELP rasid_http_requests_total HTTP requests answered, by route and status code.\n";
  out += "# TYPE rasid_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out += fmt::format("rasid_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", key.first, key.second, n);
  out += "# HELP rasid_http_request_duration_seconds Time from routing to response, by route.\n";
  out += "# TYPE rasid_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      out += fmt::format("rasid_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
                         kBuckets[i], h.buckets[i]);
    out += fmt::format("rasid_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route, h.count);
    out += fmt::format("rasid_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("rasid_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  out += "# HELP rasid_alerts_ingested_total Alerts newly stored (durably committed).\n";
  out += "# TYPE rasid_alerts_ingested_total counter\n";
  out += fmt::format("rasid_alerts_ingested_total {}\n", ingested_.load());
  out += "# HELP rasid_alerts_duplicate_total Alerts received again (already stored) and not stored twice.\n";
  out += "# TYPE rasid_alerts_duplicate_total counter\n";
  out += fmt::format("rasid_alerts_duplicate_total {}\n", duplicates_.load());
  out += "# HELP rasid_store_errors_total Store operations that failed.\n";
  out += "# TYPE rasid_store_errors_total counter\n";
  out += fmt::format("rasid_store_errors_total {}\n", store_errors_.load());
  return out;
}

}  // namespace rasid::hub
