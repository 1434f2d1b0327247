#include "report/stats.h"

#include <gtest/gtest.h>

namespace rasid::report {
namespace {

// Expected values computed by hand (python3: math.log, math.exp) from the Katz interval
// exp(ln(c/p) +- 1.96 sqrt(1/c + 1/p)) - 1.
TEST(CompareCountsTest, FiftyFivePercentIncrease) {
  Change change = compare_counts(155, 100);
  ASSERT_TRUE(change.ratio.has_value());
  EXPECT_NEAR(*change.ratio, 0.55, 1e-12);
  EXPECT_NEAR(*change.low, 0.2054558601828720, 1e-9);
  EXPECT_NEAR(*change.high, 0.9930219590417293, 1e-9);
  EXPECT_TRUE(change.significant());
  EXPECT_EQ(describe(change), "+55% (95% CI +21% to +99%)");
}

TEST(CompareCountsTest, DecreaseWithinNoise) {
  Change change = compare_counts(88, 100);
  ASSERT_TRUE(change.ratio.has_value());
  EXPECT_NEAR(*change.low, -0.3392058726524322, 1e-9);
  EXPECT_NEAR(*change.high, 0.1719232480295292, 1e-9);
  EXPECT_FALSE(change.significant());
  EXPECT_EQ(describe(change), "-12% (95% CI -34% to +17%)");
}

TEST(CompareCountsTest, SmallBaselineIsNotAFigure) {
  EXPECT_FALSE(compare_counts(40, 9).ratio.has_value());
  EXPECT_EQ(describe(compare_counts(40, 9)), "n/a (previous period: 9)");
  EXPECT_TRUE(compare_counts(40, 10).ratio.has_value());
  EXPECT_EQ(describe(compare_counts(0, 50)), "n/a (none in this period)");
  EXPECT_EQ(describe(compare_counts(50, 50)), "0% (95% CI -32% to +48%)");
}

TEST(NearestRankTest, MedianAndNinetiethPercentile) {
  std::vector<double> hours = {5, 1, 4, 2, 3, 10, 6, 9, 8, 7};
  EXPECT_EQ(nearest_rank(hours, 0.5), 5.0);
  EXPECT_EQ(nearest_rank(hours, 0.9), 9.0);
  EXPECT_EQ(nearest_rank(hours, 1.0), 10.0);
  EXPECT_EQ(nearest_rank(hours, 0.0), 1.0);
  EXPECT_EQ(nearest_rank({42}, 0.9), 42.0);
  EXPECT_FALSE(nearest_rank({}, 0.5).has_value());
}

}  // namespace
}  // namespace rasid::report
