// Detections and national incidents made at ingest (hub/ingest_correlation.h), on a real
// SQLite store, including a restart that rebuilds the state from the store.

#include "hub/ingest_correlation.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>

#include "store/sqlite_store.h"

namespace rasid::hub {
namespace {

constexpr store::Micros kHour = 3'600'000'000;
// Recent enough to be rebuilt (the rebuild horizon is 30 days before now).
const store::Micros kT0 = (store::now_micros() / kHour - 48) * kHour;

store::NewAlert alert(const std::string& id, store::Micros time, const std::string& rule, const std::string& host,
                      const std::string& event = "{}") {
  store::NewAlert a;
  a.alert_id = id;
  a.event_time = time;
  a.rule_id = rule;
  a.rule_title = "Title " + rule;
  a.level = "high";
  a.tags = {"attack.t1110"};
  a.tlp = "amber";
  a.host = host;
  a.body = R"({"rule_id":")" + rule + R"(","event":)" + event + "}";
  return a;
}

TEST(DetectionFactsTest, OnlyEntitiesBeyondOneNetwork) {
  store::NewAlert a = alert("x", 0, "r", "ws1.ministry.gov.example",
                            R"({"IpAddress":"10.1.2.3","DestinationIp":"198.51.100.7","SourceIp":"8.8.4.4",
                                "TargetUserName":"administrator","User":"J.Doe@Ministry.Example",
                                "QueryName":"evil-update.example.net","DestinationHostname":"DC01"})");
  auto facts = nlohmann::json::parse(detection_facts(a));
  EXPECT_EQ(facts["ips"], nlohmann::json::array({"8.8.4.4"}));  // private and documentation ranges dropped
  EXPECT_EQ(facts["users"], nlohmann::json::array({"j.doe@ministry.example"}));
  EXPECT_EQ(facts["hosts"], nlohmann::json::array({"evil-update.example.net", "ws1.ministry.gov.example"}));
  EXPECT_EQ(facts["tags"], nlohmann::json::array({"attack.t1110"}));
  EXPECT_FALSE(facts.contains("indicator"));

  store::NewAlert hit = alert("y", 0, "indicator--1", "ws2",
                              R"({"QueryName":"dc01.corp"})");
  hit.body = R"({"indicator":{"type":"domain-name","value":"evil.example"},"event":{"QueryName":"dc01.corp"}})";
  auto hit_facts = nlohmann::json::parse(detection_facts(hit));
  EXPECT_EQ(hit_facts["indicator"], "domain-name:evil.example");
  EXPECT_FALSE(hit_facts.contains("hosts"));  // .corp is internal; "ws2" has no domain
}

TEST(DetectionFactsTest, PublicAddresses) {
  for (const char* address : {"8.8.8.8", "185.220.101.4", "2a00:1450:4001:80b::200e"}) {
    EXPECT_TRUE(is_public_ip(address)) << address;
  }
  for (const char* address : {"10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.1.1", "100.64.0.1",
                              "192.0.2.1", "198.51.100.1", "203.0.113.1", "224.0.0.1", "0.0.0.0", "::1",
                              "fe80::1", "fd00::1", "2001:db8::1", "not an address"}) {
    EXPECT_FALSE(is_public_ip(address)) << address;
  }
}

class IngestCorrelationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rasid-ingest-corr-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    store_ = std::move(*store::open_sqlite_store(dir_ + "/hub.db"));
    a_ = store_->add_authority("agency-a", "energy")->id;
    b_ = store_->add_authority("bank-b", "banking")->id;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Inserts like the server does, then runs the correlation on what was new.
  void ingest(IngestCorrelation& correlation, std::int64_t authority, std::vector<store::NewAlert> alerts) {
    auto result = store_->insert_alerts(authority, alerts, store::now_micros());
    ASSERT_TRUE(result);
    ASSERT_TRUE(correlation.add(authority, alerts, result->accepted_index));
  }
  std::vector<store::Detection> detections() {
    return store_->query_detections({}, {0, store::kMaxPageSize})->items;
  }
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::int64_t a_ = 0, b_ = 0;
};

TEST_F(IngestCorrelationTest, GroupsAlertsAndOpensOneIncidentAcrossAuthorities) {
  IngestCorrelation correlation(*store_);
  ASSERT_TRUE(correlation.rebuild());
  ingest(correlation, a_, {alert("1", kT0, "r1", "h1"), alert("2", kT0 + kHour, "r1", "h1"),
                           alert("3", kT0 + 25 * kHour, "r1", "h1")});
  // A duplicate batch changes nothing.
  ingest(correlation, a_, {alert("1", kT0, "r1", "h1")});
  auto list = detections();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].alert_count, 2);
  EXPECT_EQ(list[0].last_seen, kT0 + kHour);
  EXPECT_EQ(list[1].alert_count, 1);
  EXPECT_TRUE(store_->query_incidents({}, {})->items.empty());

  ingest(correlation, b_, {alert("b1", kT0 + 2 * kHour, "r1", "x9")});
  auto incidents = store_->query_incidents({}, {})->items;
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].key, "rule:r1");
  EXPECT_EQ(incidents[0].title, "Rule \"Title r1\" at 2 authorities");
  EXPECT_EQ(incidents[0].severity, "high");
  EXPECT_EQ(store_->incident_detections(incidents[0].id)->size(), 3u);
  auto stats = correlation.stats();
  EXPECT_EQ(stats.detections_opened, 3);
  EXPECT_EQ(stats.detections_extended, 1);
  EXPECT_EQ(stats.incidents_opened, 1);
}

TEST_F(IngestCorrelationTest, ARestartContinuesDetectionsAndIncidents) {
  {
    IngestCorrelation correlation(*store_);
    ASSERT_TRUE(correlation.rebuild());
    ingest(correlation, a_, {alert("1", kT0, "r1", "h1")});
    ingest(correlation, b_, {alert("b1", kT0 + kHour, "r1", "x9")});
  }
  IngestCorrelation after(*store_);
  ASSERT_TRUE(after.rebuild());
  // The open detection continues; the incident's key links a third authority's detection.
  auto c = store_->add_authority("city-c", "government");
  ASSERT_TRUE(c);
  ingest(after, a_, {alert("2", kT0 + 2 * kHour, "r1", "h1")});
  ingest(after, c->id, {alert("c1", kT0 + 3 * kHour, "r1", "y1")});
  auto list = detections();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].alert_count, 2);
  auto incidents = store_->query_incidents({}, {})->items;
  ASSERT_EQ(incidents.size(), 1u);  // not a second incident after the restart
  EXPECT_EQ(store_->incident_detections(incidents[0].id)->size(), 3u);
  EXPECT_EQ(after.stats().incidents_opened, 0);
}

}  // namespace
}  // namespace rasid::hub
