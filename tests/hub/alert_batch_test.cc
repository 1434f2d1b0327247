#include "hub/alert_batch.h"

#include <gtest/gtest.h>

namespace rasid::hub {
namespace {

const char* kAlert =
    R"({"timestamp":"2019-04-30T22:48:58.901476Z","rule_id":"r1","rule_title":"T","level":"high",)"
    R"("tags":["attack.execution","attack.t1059.001"],"event":{"Computer":"WS1","EventID":1}})";

TEST(AlertBatchTest, JsonLinesAndArrayGiveTheSameRows) {
  std::string lines = std::string(kAlert) + "\n\n" + kAlert + "\r\n";
  std::string array = std::string("  [ ") + kAlert + " ,\n" + kAlert + "]";
  auto a = parse_alert_batch(lines);
  auto b = parse_alert_batch(array);
  ASSERT_FALSE(a.error) << a.error->message;
  ASSERT_FALSE(b.error) << b.error->message;
  ASSERT_EQ(a.alerts.size(), 2u);
  ASSERT_EQ(b.alerts.size(), 2u);
  const auto& x = a.alerts[0];
  EXPECT_EQ(x.rule_id, "r1");
  EXPECT_EQ(x.level, "high");
  EXPECT_EQ(x.host, "WS1");
  EXPECT_EQ(x.tlp, "amber");
  EXPECT_EQ(x.tags, (std::vector<std::string>{"attack.execution", "attack.t1059.001"}));
  // 2019-04-30T22:48:58Z = 1556664538 s
  EXPECT_EQ(x.event_time, 1556664538901476LL);
  EXPECT_EQ(x.alert_id.rfind("sha256:", 0), 0u);
  EXPECT_EQ(x.alert_id.size(), 7u + 64u);
  EXPECT_EQ(x.alert_id, b.alerts[0].alert_id);
  EXPECT_EQ(x.body, b.alerts[0].body);
}

TEST(AlertBatchTest, ContentHashIgnoresKeyOrderAndSpacingButNotContent) {
  auto a = parse_alert_batch(R"({"rule_id":"r","rule_title":"t","level":"low","n":1})");
  auto b = parse_alert_batch(R"({ "n" : 1, "level":"low", "rule_title":"t", "rule_id":"r" })");
  auto c = parse_alert_batch(R"({"rule_id":"r","rule_title":"t","level":"low","n":2})");
  ASSERT_FALSE(a.error || b.error || c.error);
  EXPECT_EQ(a.alerts[0].alert_id, b.alerts[0].alert_id);
  EXPECT_NE(a.alerts[0].alert_id, c.alerts[0].alert_id);
  auto given = parse_alert_batch(R"({"id":"sensor-7","rule_id":"r","rule_title":"t","level":"low"})");
  ASSERT_FALSE(given.error);
  EXPECT_EQ(given.alerts[0].alert_id, "sensor-7");
}

struct BadCase {
  const char* body;
  int status;
  std::size_t item, line;
  const char* field;
};

TEST(AlertBatchTest, ErrorsNameTheItemLineAndField) {
  const BadCase cases[] = {
      {"{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"low\"}\n{bad", 400, 2, 2, ""},
      {"\n\n{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"loud\"}", 422, 1, 3, "level"},
      {"[{\"rule_title\":\"t\",\"level\":\"low\"}]", 422, 1, 0, "rule_id"},
      {"[{\"rule_id\":5,\"rule_title\":\"t\",\"level\":\"low\"}]", 422, 1, 0, "rule_id"},
      {"[{\"rule_id\":\"r\",\"level\":\"low\"}]", 422, 1, 0, "rule_title"},
      {"[{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"low\",\"timestamp\":\"2020-02-30T00:00:00Z\"}]", 422, 1, 0, "timestamp"},
      {"[{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"low\",\"timestamp\":\"2020-01-01T00:00:00\"}]", 422, 1, 0, "timestamp"},
      {"[{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"low\",\"tags\":[1]}]", 422, 1, 0, "tags"},
      {"[{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"low\",\"tlp\":\"blue\"}]", 422, 1, 0, "tlp"},
      {"[{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"low\",\"id\":\"\"}]", 422, 1, 0, "id"},
      {"[{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"low\",\"event\":[]}]", 422, 1, 0, "event"},
      {"[{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"low\"}, 7]", 422, 2, 0, ""},
      {"[1,", 400, 0, 0, ""},
      {"{\"a\":\"\xff\"}", 400, 1, 1, ""},
  };
  for (const auto& c : cases) {
    auto r = parse_alert_batch(c.body);
    ASSERT_TRUE(r.error) << c.body;
    EXPECT_EQ(r.error->status, c.status) << c.body;
    EXPECT_EQ(r.error->item, c.item) << c.body;
    EXPECT_EQ(r.error->line, c.line) << c.body;
    EXPECT_EQ(r.error->field, c.field) << c.body;
    EXPECT_FALSE(r.error->message.empty());
    EXPECT_TRUE(r.alerts.empty()) << "a rejected batch must yield no rows: " << c.body;
  }
}

TEST(AlertBatchTest, Limits) {
  std::string many;
  for (std::size_t i = 0; i <= kMaxBatchItems; ++i)
    many += "{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"low\",\"id\":\"" + std::to_string(i) + "\"}\n";
  auto r = parse_alert_batch(many);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->status, 413);
  EXPECT_TRUE(parse_alert_batch("").alerts.empty());
  EXPECT_FALSE(parse_alert_batch("").error);
  EXPECT_FALSE(parse_alert_batch("[]").error);
}

TEST(AlertBatchTest, TlpSpellings) {
  EXPECT_EQ(normalize_tlp("TLP:WHITE"), "clear");
  EXPECT_EQ(normalize_tlp("tlp:amber+strict"), "amber+strict");
  EXPECT_EQ(normalize_tlp("Red"), "red");
  EXPECT_FALSE(normalize_tlp("amber strict"));
}

TEST(AlertBatchTest, Timestamps) {
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_timestamp("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_timestamp("1969-12-31T23:59:59.5Z"), -500000);
  EXPECT_EQ(parse_timestamp("2000-02-29T12:00:00.123456789Z"), 951825600123456LL);
  EXPECT_EQ(parse_timestamp("2000-02-29 12:00:00.123456z"), 951825600123456LL);
  for (const char* bad : {"", "2001-02-29T00:00:00Z", "2000-13-01T00:00:00Z", "2000-01-01T24:00:00Z",
                          "2000-01-01T00:00:00.Z", "2000-01-01T00:00:00Zjunk", "2000-01-01T00:00:00+0100"})
    EXPECT_FALSE(parse_timestamp(bad)) << bad;
  EXPECT_EQ(format_timestamp(951825600123456LL), "2000-02-29T12:00:00.123456Z");
  EXPECT_EQ(format_timestamp(-500000), "1969-12-31T23:59:59.500000Z");
  for (long long t : {0LL, 1556664538901476LL, 4102444800000000LL})
    EXPECT_EQ(parse_timestamp(format_timestamp(t)), t);
}

}  // namespace
}  // namespace rasid::hub

namespace rasid::hub {
namespace {

TEST(AlertBatchTest, IndicatorHitsCarryTheIndicatorTlp) {
  auto batch = parse_alert_batch(
      R"({"rule_id":"indicator--1","rule_title":"Indicator match: domain-name evil.example","level":"high","indicator":{"type":"domain-name","value":"evil.example","tlp":"green"}}
{"rule_id":"indicator--2","rule_title":"t","level":"high","tlp":"red","indicator":{"type":"ipv4-addr","value":"198.51.100.1","tlp":"green"}}
{"rule_id":"indicator--3","rule_title":"t","level":"high","indicator":{"type":"ipv4-addr","value":"198.51.100.2","tlp":null}})");
  ASSERT_FALSE(batch.error) << batch.error->message;
  ASSERT_EQ(batch.alerts.size(), 3u);
  EXPECT_EQ(batch.alerts[0].tlp, "green");
  EXPECT_EQ(batch.alerts[1].tlp, "red");    // the sender's own marking wins
  EXPECT_EQ(batch.alerts[2].tlp, "amber");  // no marking: AMBER
  auto bad = parse_alert_batch(R"([{"rule_id":"r","rule_title":"t","level":"low","indicator":{"tlp":"blue"}}])");
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->field, "indicator.tlp");
}

}  // namespace
}  // namespace rasid::hub
