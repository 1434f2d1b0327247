#include "engine/event_time.h"

#include <gtest/gtest.h>

namespace rasid::engine {
namespace {

TEST(EventTimeTest, ParsesFlatConventionTime) {
  auto t = parse_time("2019-04-30T22:48:58.901476Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_time(*t), "2019-04-30T22:48:58.901476Z");
}

TEST(EventTimeTest, ParsesZonesSpacesAndDates) {
  EXPECT_EQ(parse_time("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_time("1970-01-01"), 0);
  EXPECT_EQ(parse_time("1970-01-01 00:00:01.5"), 1500000);
  EXPECT_EQ(parse_time("1970-01-01T02:00:00+02:00"), 0);
  EXPECT_EQ(parse_time("1969-12-31T22:00:00-02:00"), 0);
  EXPECT_EQ(parse_time("1521912990.5"), 1521912990500000);
}

TEST(EventTimeTest, RejectsNonTimes) {
  EXPECT_FALSE(parse_time(""));
  EXPECT_FALSE(parse_time("yesterday"));
  EXPECT_FALSE(parse_time("2019-13-01"));
  EXPECT_FALSE(parse_time("2019-01-01T25:00:00Z"));
  EXPECT_FALSE(parse_time("2019-01-01Tjunk"));
}

TEST(EventTimeTest, FormatsBeforeEpoch) {
  EXPECT_EQ(format_time(-1), "1969-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace rasid::engine
