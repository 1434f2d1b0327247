// DetectionBuilder: alerts of one rule on one host (and key) within the window are one
// detection; edges of the window, hosts, keys, alerts without a time, input order.

#include "alert/detection.h"

#include <gtest/gtest.h>

namespace rasid::alert {
namespace {

constexpr std::int64_t kHour = 3600LL * 1'000'000;

struct Fixture {
  engine::RuleInfo rule_a, rule_b;
  Fixture() {
    rule_a.id = "a";
    rule_a.title = "Rule A";
    rule_a.level_name = "high";
    rule_b.id = "b";
    rule_b.title = "Rule B";
    rule_b.level_name = "low";
  }
  Alert alert(const engine::RuleInfo& rule, const std::string& host, std::uint64_t line,
              const std::string& user = "") {
    Alert a;
    a.rule = &rule;
    a.input = "log.jsonl";
    a.line = line;
    a.event.push_back({"Computer", event::ValueKind::kString, host});
    if (!user.empty()) a.event.push_back({"TargetUserName", event::ValueKind::kString, user});
    return a;
  }
};

TEST(DetectionTest, OneRuleOneHostWithinTheWindowIsOneDetection) {
  Fixture f;
  DetectionBuilder b;  // 24 h
  b.add(f.alert(f.rule_a, "pc1", 1), 0);
  b.add(f.alert(f.rule_a, "pc1", 2), 10 * kHour);
  b.add(f.alert(f.rule_a, "pc1", 3), 24 * kHour);      // exactly W after the first: same
  b.add(f.alert(f.rule_a, "pc1", 4), 24 * kHour + 1);  // one microsecond more: next one
  b.add(f.alert(f.rule_a, "pc2", 5), kHour);           // another host
  b.add(f.alert(f.rule_b, "pc1", 6), kHour);           // another rule
  auto d = b.finish();
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].rule, &f.rule_a);
  EXPECT_EQ(d[0].host, "pc1");
  EXPECT_EQ(d[0].count, 3u);
  EXPECT_EQ(*d[0].first_seen, 0);
  EXPECT_EQ(*d[0].last_seen, 24 * kHour);
  EXPECT_EQ(d[0].first_alert, "log.jsonl:1:a");
  EXPECT_EQ(d[0].level, "high");
  // Ordered by first seen: pc2 and rule B at 1 h (input order), then the second pc1 one.
  EXPECT_EQ(d[1].host, "pc2");
  EXPECT_EQ(d[2].rule, &f.rule_b);
  EXPECT_EQ(d[3].count, 1u);
  EXPECT_EQ(*d[3].first_seen, 24 * kHour + 1);
  EXPECT_EQ(d[3].first_alert, "log.jsonl:4:a");
}

TEST(DetectionTest, InputOrderDoesNotMatter) {
  Fixture f;
  DetectionBuilder b;
  b.add(f.alert(f.rule_a, "pc1", 1), 30 * kHour);
  b.add(f.alert(f.rule_a, "pc1", 2), 2 * kHour);
  b.add(f.alert(f.rule_a, "pc1", 3), 20 * kHour);
  auto d = b.finish();
  // In time order: 2 h and 20 h together, 30 h (28 h after 2 h) alone.
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].count, 2u);
  EXPECT_EQ(*d[0].first_seen, 2 * kHour);
  EXPECT_EQ(*d[0].last_seen, 20 * kHour);
  EXPECT_EQ(d[0].first_alert, "log.jsonl:2:a");
  EXPECT_EQ(d[1].count, 1u);
}

TEST(DetectionTest, KeyFieldsSplitDetectionsAndWindowIsConfigurable) {
  Fixture f;
  DetectionOptions o;
  o.window_us = kHour;
  o.key_fields = {"TargetUserName"};
  DetectionBuilder b(o);
  b.add(f.alert(f.rule_a, "pc1", 1, "alice"), 0);
  b.add(f.alert(f.rule_a, "pc1", 2, "bob"), 1);
  b.add(f.alert(f.rule_a, "pc1", 3, "alice"), kHour);
  b.add(f.alert(f.rule_a, "pc1", 4, "alice"), 2 * kHour);
  b.add(f.alert(f.rule_a, "pc1", 5), 3);  // no TargetUserName: its own key ""
  auto d = b.finish();
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].key, (std::vector<std::pair<std::string, std::string>>{{"TargetUserName", "alice"}}));
  EXPECT_EQ(d[0].count, 2u);
  EXPECT_EQ(d[1].key[0].second, "bob");
  EXPECT_EQ(d[2].key[0].second, "");
  EXPECT_EQ(d[3].count, 1u);
}

TEST(DetectionTest, RuleWindowOverridesTheGlobalOne) {
  Fixture f;
  f.rule_a.file = "a.yml";
  DetectionOptions o;  // 24 h, but rule A says 1 h
  o.rule_window_us[{"a.yml", "a", "Rule A"}] = kHour;
  DetectionBuilder b(o);
  b.add(f.alert(f.rule_a, "pc1", 1), 0);
  b.add(f.alert(f.rule_a, "pc1", 2), 2 * kHour);
  b.add(f.alert(f.rule_b, "pc1", 3), 0);
  b.add(f.alert(f.rule_b, "pc1", 4), 2 * kHour);
  auto d = b.finish();
  ASSERT_EQ(d.size(), 3u);  // A twice, B once
  EXPECT_EQ(d[0].rule, &f.rule_a);
  EXPECT_EQ(d[0].count, 1u);
  EXPECT_EQ(d[1].rule, &f.rule_b);
  EXPECT_EQ(d[1].count, 2u);
  EXPECT_EQ(d[2].rule, &f.rule_a);
}

TEST(DetectionTest, AlertsWithoutTimeFormTheirOwnDetectionLast) {
  Fixture f;
  DetectionBuilder b;
  b.add(f.alert(f.rule_a, "pc1", 1), std::nullopt);
  b.add(f.alert(f.rule_a, "pc1", 2), 5);
  b.add(f.alert(f.rule_a, "pc1", 3), std::nullopt);
  auto d = b.finish();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].count, 1u);
  EXPECT_TRUE(d[0].first_seen.has_value());
  EXPECT_EQ(d[1].count, 2u);
  EXPECT_FALSE(d[1].first_seen.has_value());
  EXPECT_FALSE(d[1].last_seen.has_value());
  EXPECT_EQ(b.alerts(), 3u);
}

TEST(DetectionTest, CorrelationAlertsAreKeyedByTheirGroup) {
  Fixture f;
  DetectionBuilder b;
  auto corr = [&](const std::string& user) {
    Alert a;
    a.rule = &f.rule_b;
    a.correlation = CorrelationResult{};
    a.correlation->group = {{"Computer", "dc1"}, {"TargetUserName", user}};
    return a;
  };
  b.add(corr("alice"), 0);
  b.add(corr("alice"), kHour);
  b.add(corr("bob"), kHour);
  auto d = b.finish();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].host, "dc1");
  EXPECT_EQ(d[0].count, 2u);
  EXPECT_EQ(d[1].key[1].second, "bob");
}

TEST(DetectionTest, JsonForm) {
  Fixture f;
  DetectionBuilder b;
  b.add(f.alert(f.rule_a, "pc1", 7), 0);
  b.add(f.alert(f.rule_a, "pc1", 8), 1'500'000);
  auto d = b.finish();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(to_json(d[0]),
            R"({"first_seen":"1970-01-01T00:00:00.000000Z","last_seen":"1970-01-01T00:00:01.500000Z",)"
            R"("count":2,"rule_id":"a","rule_title":"Rule A","level":"high","tags":[],)"
            R"("rule_author":"","rule_status":"","rule_file":"","host":"pc1","key":{},)"
            R"("first_alert":"log.jsonl:7:a"})");
}

}  // namespace
}  // namespace rasid::alert
