// National incidents (hub/national.h): which detections open an incident, which are linked.

#include "hub/national.h"

#include <gtest/gtest.h>

namespace rasid::hub {
namespace {

constexpr std::int64_t kHour = 3'600'000'000;

DetectionFacts detection(std::int64_t id, std::int64_t authority, std::int64_t hour, std::string rule = "r1",
                         std::string level = "high") {
  DetectionFacts d;
  d.id = id;
  d.authority_id = authority;
  d.rule_id = std::move(rule);
  d.rule_title = "Title of " + d.rule_id;
  d.level = std::move(level);
  d.time = hour * kHour;
  return d;
}

using Kind = IncidentAction::Kind;

TEST(NationalCorrelatorTest, SameRuleAtTwoAuthoritiesOpensOneIncident) {
  NationalCorrelator c;
  EXPECT_TRUE(c.add(detection(1, 10, 0)).empty());
  EXPECT_TRUE(c.add(detection(2, 10, 1)).empty());  // same authority again: not national
  auto actions = c.add(detection(3, 20, 5, "r1", "critical"));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kOpen);
  EXPECT_EQ(actions[0].key, "rule:r1");
  EXPECT_EQ(actions[0].title, "Rule \"Title of r1\" at 2 authorities");
  EXPECT_EQ(actions[0].severity, "critical");
  EXPECT_EQ(actions[0].detections, (std::vector<std::int64_t>{1, 2, 3}));
  c.opened("rule:r1", 100);
  // A third authority joins the open incident; nothing new is opened.
  actions = c.add(detection(4, 30, 20));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kLink);
  EXPECT_EQ(actions[0].incident, 100);
  EXPECT_EQ(actions[0].detections, (std::vector<std::int64_t>{4}));
}

TEST(NationalCorrelatorTest, WindowIsMeasuredFromThePreviousDetection) {
  NationalCorrelator c;  // 72 h
  EXPECT_TRUE(c.add(detection(1, 10, 0)).empty());
  EXPECT_TRUE(c.add(detection(2, 20, 73)).empty());  // 73 h later: the first has expired
  auto actions = c.add(detection(3, 30, 140));         // 67 h after detection 2
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].detections, (std::vector<std::int64_t>{2, 3}));
}

TEST(NationalCorrelatorTest, LinksRaiseSeverityAndQuietIncidentsClose) {
  NationalCorrelator c;
  EXPECT_TRUE(c.add(detection(1, 10, 0, "r1", "medium")).empty());
  auto open = c.add(detection(2, 20, 1, "r1", "medium"));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].severity, "medium");
  c.opened("rule:r1", 7);
  auto actions = c.add(detection(3, 10, 50, "r1", "high"));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].kind, Kind::kLink);
  EXPECT_EQ(actions[1].kind, Kind::kRaiseSeverity);
  EXPECT_EQ(actions[1].incident, 7);
  EXPECT_EQ(actions[1].severity, "high");
  // 100 h of quiet: the incident is closed for correlation; one more authority is not enough.
  EXPECT_TRUE(c.add(detection(4, 30, 150, "r1", "high")).empty());
  auto again = c.add(detection(5, 40, 151, "r1", "high"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].kind, Kind::kOpen);
  EXPECT_EQ(again[0].detections, (std::vector<std::int64_t>{4, 5}));
}

TEST(NationalCorrelatorTest, LowLevelRulesAreNotCampaignsButIndicatorsAlwaysAre) {
  NationalCorrelator c;
  EXPECT_TRUE(c.add(detection(1, 10, 0, "noisy", "low")).empty());
  EXPECT_TRUE(c.add(detection(2, 20, 0, "noisy", "low")).empty());
  auto hit = [](std::int64_t id, std::int64_t authority) {
    DetectionFacts d = detection(id, authority, 1, "intel", "informational");
    d.indicator = "domain-name:evil.example";
    return d;
  };
  EXPECT_TRUE(c.add(hit(3, 10)).empty());
  auto actions = c.add(hit(4, 20));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].key, "indicator:domain-name:evil.example");
  EXPECT_EQ(actions[0].title, "Indicator domain-name:evil.example at 2 authorities");
}

TEST(NationalCorrelatorTest, SharedEntitiesButNotGenericOnes) {
  NationalOptions options;
  options.ignore_entities = {"backup-svc"};
  NationalCorrelator c(options);
  DetectionFacts a = detection(1, 10, 0, "ra");
  a.users = {"Administrator", "j.doe", "backup-svc"};
  a.ips = {"127.0.0.1", "198.51.100.23"};
  DetectionFacts b = detection(2, 20, 2, "rb");
  b.users = {"administrator", "J.Doe", "BACKUP-SVC"};
  b.ips = {"127.0.0.1", "198.51.100.23"};
  EXPECT_TRUE(c.add(a).empty());
  auto actions = c.add(b);
  std::vector<std::string> keys;
  for (const auto& action : actions) keys.push_back(action.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"user:j.doe", "ip:198.51.100.23"}));
}

TEST(NationalCorrelatorTest, OneDetectionCanOpenSeveralIncidents) {
  NationalCorrelator c;
  DetectionFacts a = detection(1, 10, 0);
  a.hosts = {"dc01.gov.example"};
  DetectionFacts b = detection(2, 20, 0);
  b.hosts = {"dc01.gov.example"};
  EXPECT_TRUE(c.add(a).empty());
  auto actions = c.add(b);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].key, "rule:r1");
  EXPECT_EQ(actions[1].key, "host:dc01.gov.example");
}

}  // namespace
}  // namespace rasid::hub

namespace rasid::hub {
namespace {

// Authorities forward at their own pace: a campaign is found whatever the arrival order.
TEST(NationalCorrelatorTest, LateArrivalsStillMeetWithinTheWindow) {
  NationalCorrelator c;
  // Health sends three detections first: 2, 5 and 10 September (hours 0, 72, 214).
  EXPECT_TRUE(c.add(detection(1, 10, 0)).empty());
  EXPECT_TRUE(c.add(detection(2, 10, 72)).empty());
  EXPECT_TRUE(c.add(detection(3, 10, 214)).empty());
  // Energy's detection of 2 September, 3 hours after health's first, arrives a week later.
  auto actions = c.add(detection(4, 20, 3));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kOpen);
  // Health's 0 h and 72 h detections are within 72 h of it; the 214 h one is not.
  EXPECT_EQ(actions[0].detections, (std::vector<std::int64_t>{1, 4, 2}));
  c.opened("rule:r1", 9);
  // Energy's next one, a day later, falls within the incident's span + window: linked.
  auto next = c.add(detection(5, 20, 27));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].kind, Kind::kLink);
  EXPECT_EQ(next[0].incident, 9);
}

}  // namespace
}  // namespace rasid::hub

namespace rasid::hub {
namespace {

// Months of uptime: keys nobody has seen for longer than the lateness are dropped.
TEST(NationalCorrelatorTest, StateStaysBounded) {
  NationalCorrelator c;
  constexpr std::int64_t kDays = 24;
  for (std::int64_t i = 0; i < 20000; ++i) {
    // A fresh rule every time, one detection each: nothing ever correlates.
    EXPECT_TRUE(c.add(detection(i, 10, i * kDays / 10, "rule-" + std::to_string(i))).empty());
  }
  // 20,000 detections over 48,000 hours: only keys within the last 30 days (+ one sweep period)
  // remain, far fewer than 20,000.
  EXPECT_LT(c.keys(), 4096u + 30u * 24u * 10u / 24u + 1u);
}

}  // namespace
}  // namespace rasid::hub
