#include "report/stats.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace rasid::report {

Change compare_counts(std::int64_t current, std::int64_t previous) {
  Change change;
  change.current = current;
  change.previous = previous;
  if (previous < kMinBaseline || current <= 0) return change;
  const double c = static_cast<double>(current);
  const double p = static_cast<double>(previous);
  const double log_ratio = std::log(c / p);
  const double half_width = 1.96 * std::sqrt(1.0 / c + 1.0 / p);
  change.ratio = c / p - 1.0;
  change.low = std::exp(log_ratio - half_width) - 1.0;
  change.high = std::exp(log_ratio + half_width) - 1.0;
  return change;
}

namespace {
std::string percent(double ratio) {
  const long rounded = std::lround(ratio * 100.0);
  return fmt::format("{}{}%", rounded > 0 ? "+" : "", rounded);
}
}  // namespace

std::string describe(const Change& change) {
  if (!change.ratio) {
    if (change.previous < kMinBaseline) {
      return fmt::format("n/a (previous period: {})", change.previous);
    }
    return "n/a (none in this period)";
  }
  return fmt::format("{} (95% CI {} to {})", percent(*change.ratio), percent(*change.low),
                     percent(*change.high));
}

std::optional<double> nearest_rank(std::vector<double> values, double q) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  if (rank == 0) rank = 1;
  return values[rank - 1];
}

}  // namespace rasid::report
