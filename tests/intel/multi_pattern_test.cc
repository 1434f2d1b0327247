// STIX patterns of several observations over a stream of events (intel/multi_pattern.h): the
// leaves, the time bound of a pattern, the sliding windows, and a cross-check of every case
// against the in-tree matcher run over all the observations at once.

#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "intel/multi_pattern.h"
#include "intel/stix_matcher.h"
#include "intel/stix_pattern.h"

namespace rasid::intel {
namespace {

// 2026-11-29T10:00:00Z in microseconds.
constexpr std::int64_t kBase = 1'795'946'400'000'000;
constexpr std::int64_t kSecond = 1'000'000;

const std::string kA = R"({"0":{"type":"process","name":"a.exe"}})";
const std::string kB = R"({"0":{"type":"file","name":"b.dll"}})";
const std::string kX = R"({"0":{"type":"ipv4-addr","value":"203.0.113.5"}})";
const std::string kNoise = R"({"0":{"type":"process","name":"svchost.exe"},"1":{"type":"ipv4-addr","value":"10.0.0.1"}})";

struct Event {
  std::int64_t seconds;  // after kBase
  std::string objects;
};

std::string stix_time(std::int64_t seconds) {
  // kBase is 10:00:00 on 2026-11-29; the cases stay within that day.
  std::int64_t s = 10 * 3600 + seconds;
  return fmt::format("2026-11-29T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60);
}

nlohmann::json observed(const Event& e, std::size_t index) {
  return {{"type", "observed-data"},
          {"id", fmt::format("observed-data--00000000-0000-4000-8000-{:012x}", index)},
          {"first_observed", stix_time(e.seconds)},
          {"last_observed", stix_time(e.seconds)},
          {"number_observed", 1},
          {"objects", nlohmann::json::parse(e.objects)}};
}

struct Outcome {
  std::vector<std::vector<std::size_t>> matches;  // event numbers of each match
  bool reference = false;  // StixMatcher over all the events at once
  WindowStats stats;
  std::size_t kept = 0;
};

// Runs the hunt's two phases over `events` (in time order): leaves per event, keep the events
// that satisfy one, evaluate the kept ones. Also runs the whole matcher over every event.
Outcome run(std::string_view text, const std::vector<Event>& events, WindowOptions options = {}) {
  Outcome out;
  auto pattern = parse_stix_pattern(text);
  EXPECT_TRUE(pattern.has_value()) << text;
  if (!pattern) return out;
  auto multi = MultiPattern::create(*pattern);
  EXPECT_TRUE(multi.has_value()) << text;
  if (!multi) return out;
  std::vector<KeptObservation> kept;
  std::vector<std::size_t> event_of;
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto one = ObservationSet::from_json(nlohmann::json::array({observed(events[i], 0)}));
    EXPECT_TRUE(one.has_value());
    std::int64_t time = kBase + events[i].seconds * kSecond;
    auto leaves = multi->leaves_matched(*one, time);
    EXPECT_TRUE(leaves.has_value());
    if (*leaves == 0) continue;
    kept.push_back({time, *leaves, events[i].objects});
    event_of.push_back(i);
  }
  out.kept = kept.size();
  evaluate_observations(*multi, kept, options, out.stats, [&](const std::vector<std::size_t>& binding) {
    std::vector<std::size_t> m;
    for (auto k : binding) m.push_back(event_of[k]);
    out.matches.push_back(m);
  });
  nlohmann::json all = nlohmann::json::array();
  for (std::size_t i = 0; i < events.size(); ++i) all.push_back(observed(events[i], i));
  auto set = ObservationSet::from_json(all);
  EXPECT_TRUE(set.has_value());
  auto whole = multi->matcher().match(*set);
  EXPECT_TRUE(whole.has_value());
  out.reference = whole && whole->matched;
  return out;
}

using Matches = std::vector<std::vector<std::size_t>>;

constexpr std::string_view kFollowedWithin =
    "([process:name = 'a.exe'] FOLLOWEDBY [file:name = 'b.dll']) WITHIN 60 SECONDS";

TEST(MultiPatternTest, FollowedByWithinMatchesInOrderInsideTheWindow) {
  auto r = run(kFollowedWithin, {{0, kA}, {10, kNoise}, {30, kB}});
  EXPECT_EQ(r.matches, (Matches{{0, 2}}));
  EXPECT_TRUE(r.reference);
  EXPECT_EQ(r.kept, 2u);  // the noise event satisfies no observation expression
}

TEST(MultiPatternTest, FollowedByWithinWindowEdgesIncluded) {
  // Exactly 60 s apart is inside WITHIN 60 SECONDS; 61 s is not.
  auto in = run(kFollowedWithin, {{0, kA}, {60, kB}});
  EXPECT_EQ(in.matches, (Matches{{0, 1}}));
  EXPECT_TRUE(in.reference);
  auto out = run(kFollowedWithin, {{0, kA}, {61, kB}});
  EXPECT_TRUE(out.matches.empty());
  EXPECT_FALSE(out.reference);
}

TEST(MultiPatternTest, FollowedByOutsideTheWindowOrInTheWrongOrderDoesNotMatch) {
  auto late = run(kFollowedWithin, {{0, kA}, {90, kB}});
  EXPECT_TRUE(late.matches.empty());
  EXPECT_FALSE(late.reference);
  auto reversed = run(kFollowedWithin, {{0, kB}, {30, kA}});
  EXPECT_TRUE(reversed.matches.empty());
  EXPECT_FALSE(reversed.reference);
  // a.exe arrives last: bound only to the left side, it cannot start a binding; not evaluated.
  EXPECT_EQ(reversed.stats.evaluations, 0u);
}

TEST(MultiPatternTest, FollowedByAtTheSameInstantMatchesInEitherInputOrder) {
  // STIX compares the times with <=: b.dll written first at the same instant still follows.
  auto r = run(kFollowedWithin, {{0, kB}, {0, kA}});
  EXPECT_EQ(r.matches, (Matches{{0, 1}}));
  EXPECT_TRUE(r.reference);
}

TEST(MultiPatternTest, LeftSideLeavesAreKnown) {
  auto p = parse_stix_pattern("([a:x = 1] FOLLOWEDBY ([b:y = 2] FOLLOWEDBY [c:z = 3])) OR [d:w = 4]");
  ASSERT_TRUE(p.has_value());
  auto m = MultiPattern::create(*p);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->left_only(), 0b0011u);  // a and b; c ends its FOLLOWEDBY, d is outside
}

TEST(MultiPatternTest, AndAcrossTwoEventsWithoutATimeBoundUsesTheWholeHunt) {
  constexpr std::string_view kAnd = "[process:name = 'a.exe'] AND [file:name = 'b.dll']";
  auto r = run(kAnd, {{0, kB}, {5000, kNoise}, {9000, kA}});
  EXPECT_EQ(r.matches, (Matches{{0, 2}}));  // any order, any distance
  EXPECT_TRUE(r.reference);
  auto only_a = run(kAnd, {{0, kA}, {10, kA}});
  EXPECT_TRUE(only_a.matches.empty());
  EXPECT_FALSE(only_a.reference);
  EXPECT_EQ(only_a.stats.evaluations, 0u);  // b.dll never seen: not even evaluated
}

TEST(MultiPatternTest, RepeatsWithinSlidesAndStartsOverAfterAMatch) {
  constexpr std::string_view kRepeats = "[ipv4-addr:value = '203.0.113.5'] REPEATS 3 TIMES WITHIN 300 SECONDS";
  auto three = run(kRepeats, {{0, kX}, {100, kX}, {200, kX}});
  EXPECT_EQ(three.matches, (Matches{{0, 1, 2}}));
  EXPECT_TRUE(three.reference);
  // Never three within 300 s: 0, 200, 400 (0 and 400 are 400 s apart), 700.
  auto spread = run(kRepeats, {{0, kX}, {200, kX}, {400, kX}, {700, kX}});
  EXPECT_TRUE(spread.matches.empty());
  EXPECT_FALSE(spread.reference);
  // Six in a row: two matches of three, the window starting over after the first.
  auto six = run(kRepeats, {{0, kX}, {100, kX}, {200, kX}, {250, kX}, {300, kX}, {350, kX}});
  EXPECT_EQ(six.matches, (Matches{{0, 1, 2}, {3, 4, 5}}));
  EXPECT_TRUE(six.reference);
  // Three in the window, but only two of them are the address (the noise is not kept).
  auto two = run(kRepeats, {{0, kX}, {50, kNoise}, {100, kX}});
  EXPECT_TRUE(two.matches.empty());
  EXPECT_FALSE(two.reference);
}

TEST(MultiPatternTest, StartStopBoundsEveryObservation) {
  constexpr std::string_view kStartStop =
      "([process:name = 'a.exe'] FOLLOWEDBY [file:name = 'b.dll']) "
      "START t'2026-11-29T10:00:00Z' STOP t'2026-11-29T11:00:00Z'";
  auto inside = run(kStartStop, {{0, kA}, {1800, kB}});
  EXPECT_EQ(inside.matches, (Matches{{0, 1}}));
  EXPECT_TRUE(inside.reference);
  // STOP is excluded: b.dll at 11:00:00 is outside, and is not even kept.
  auto at_stop = run(kStartStop, {{0, kA}, {3600, kB}});
  EXPECT_TRUE(at_stop.matches.empty());
  EXPECT_FALSE(at_stop.reference);
  EXPECT_EQ(at_stop.kept, 1u);
  // Before START.
  auto early = run(kStartStop, {{-1, kA}, {10, kB}});
  EXPECT_TRUE(early.matches.empty());
  EXPECT_FALSE(early.reference);
  EXPECT_EQ(early.kept, 1u);
}

TEST(MultiPatternTest, TimeBoundOfAPattern) {
  auto span = [](std::string_view text) {
    auto p = parse_stix_pattern(text);
    EXPECT_TRUE(p.has_value()) << text;
    auto m = MultiPattern::create(*p);
    EXPECT_TRUE(m.has_value()) << text;
    return m->span_us();
  };
  EXPECT_EQ(span(kFollowedWithin), 60 * kSecond);
  EXPECT_EQ(span("[a:b = 1] AND [c:d = 1]"), std::nullopt);
  // Qualifiers bind tighter than FOLLOWEDBY: this WITHIN is on the right side only.
  EXPECT_EQ(span("[a:b = 1] FOLLOWEDBY [c:d = 1] WITHIN 60 SECONDS"), std::nullopt);
  EXPECT_EQ(span("([a:b = 1] AND [c:d = 1]) WITHIN 1.5 SECONDS"), 1'500'000);
  EXPECT_EQ(span("([a:b = 1] AND [c:d = 1]) WITHIN 5 SECONDS OR ([e:f = 1] AND [g:h = 1]) WITHIN 9 SECONDS"),
            9 * kSecond);
  EXPECT_EQ(span("([a:b = 1] AND [c:d = 1]) WITHIN 5 SECONDS OR [e:f = 1] AND [g:h = 1]"), std::nullopt);
  EXPECT_EQ(span("([a:b = 1] AND [c:d = 1]) START t'2026-01-01T00:00:00Z' STOP t'2026-01-01T01:00:00Z'"),
            3600 * kSecond);
  EXPECT_EQ(span("[a:b = 1] REPEATS 4 TIMES"), std::nullopt);
}

TEST(MultiPatternTest, LeavesInTextOrderWithTheirTypesAndRanges) {
  auto p = parse_stix_pattern(
      "[a:x = 1] AND ([b:y = 2 OR c:z = 3] FOLLOWEDBY [d:w = 4]) "
      "START t'2026-01-01T00:00:00.0000005Z' STOP t'2026-01-01T00:00:01.0000005Z'");
  ASSERT_TRUE(p.has_value());
  auto m = MultiPattern::create(*p);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->leaves().size(), 3u);
  EXPECT_EQ(m->leaves()[0].object_types, (std::vector<std::string>{"a"}));
  EXPECT_EQ(m->leaves()[1].object_types, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(m->leaves()[2].object_types, (std::vector<std::string>{"d"}));
  EXPECT_EQ(m->object_types(), (std::vector<std::string>{"a", "b", "c", "d"}));
  // [a] is outside the START/STOP; the others get it widened to whole microseconds.
  EXPECT_EQ(m->leaves()[0].start_us, std::numeric_limits<std::int64_t>::min());
  const std::int64_t jan1 = 1'767'225'600'000'000;
  EXPECT_EQ(m->leaves()[1].start_us, jan1);
  EXPECT_EQ(m->leaves()[1].stop_us, jan1 + kSecond + 1);
  EXPECT_EQ(m->leaves()[2].start_us, jan1);
  // could_match: [a] and one side of the FOLLOWEDBY is not enough; all three are.
  EXPECT_FALSE(m->could_match(0b011));
  EXPECT_FALSE(m->could_match(0b110));
  EXPECT_TRUE(m->could_match(0b111));
}

TEST(MultiPatternTest, TooManyObservationExpressionsIsALimit) {
  std::string text = "[a:b = 0]";
  for (int i = 1; i <= 32; ++i) text += fmt::format(" AND [a:b = {}]", i);
  auto p = parse_stix_pattern(text);
  ASSERT_TRUE(p.has_value());
  auto m = MultiPattern::create(*p);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::kLimit);
}

TEST(MultiPatternTest, AFullWindowDropsItsOldestAndCountsThem) {
  // With room for two observations, REPEATS 3 can never be seen: the drops are counted
  // (the matcher over everything does match: the cap is a documented limit).
  WindowOptions options;
  options.max_window = 2;
  auto r = run("[ipv4-addr:value = '203.0.113.5'] REPEATS 3 TIMES WITHIN 300 SECONDS",
               {{0, kX}, {1, kX}, {2, kX}}, options);
  EXPECT_TRUE(r.matches.empty());
  EXPECT_EQ(r.stats.window_dropped, 1u);
  EXPECT_TRUE(r.reference);
}

TEST(MultiPatternTest, InvalidPatternIsRefusedByTheMatcherChecks) {
  auto p = parse_stix_pattern("[a:b = 1] AND [c:d MATCHES '(?<=x)y']");
  ASSERT_TRUE(p.has_value());
  auto m = MultiPattern::create(*p);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidRule);
}

}  // namespace
}  // namespace rasid::intel
