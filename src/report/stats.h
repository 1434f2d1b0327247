#pragma once
// The report's figures of change: "a 55% increase in threat detections" with the 95%
// confidence interval that makes it defensible, and the percentiles of response times.
//
// Counts of deduplicated detections in two periods of the same length are treated as Poisson
// counts. The change is the rate ratio current/previous minus one; its 95% interval is the
// log (Katz) interval of a Poisson rate ratio, exp(ln(c/p) +- 1.96 sqrt(1/c + 1/p)) - 1.
// Below kMinBaseline previous detections (or with no current ones) the change is "n/a":
// a percentage on a handful of events is noise, not a trend.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rasid::report {

inline constexpr std::int64_t kMinBaseline = 10;

struct Change {
  std::int64_t current = 0;
  std::int64_t previous = 0;
  // Present only when previous >= kMinBaseline and current > 0.
  std::optional<double> ratio;  // current / previous - 1 (0.55 = +55%)
  std::optional<double> low;    // 95% interval of the ratio, same unit
  std::optional<double> high;
  // True when the 95% interval excludes "no change" (0).
  [[nodiscard]] bool significant() const {
    return ratio.has_value() && (*low > 0.0 || *high < 0.0);
  }
};

[[nodiscard]] Change compare_counts(std::int64_t current, std::int64_t previous);

// "+55% (95% CI +21% to +99%)" for 155 against 100, "-12% (95% CI -34% to +17%)" for 88
// against 100, or "n/a (previous period: 3)".
[[nodiscard]] std::string describe(const Change& change);

// The q-quantile (0 <= q <= 1) of the values by the nearest-rank method (the smallest value
// with at least q of the values at or below it); nullopt for an empty list.
[[nodiscard]] std::optional<double> nearest_rank(std::vector<double> values, double q);

}  // namespace rasid::report
