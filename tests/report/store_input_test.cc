// report::load_store_input over a real SQLite store: alerts grouped into detections with the
// 24 h rule, TLP narrowing, incidents with triage/resolution times from their timeline and
// their authorities from the linked detections.

#include "report/store_input.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "store/sqlite_store.h"

namespace rasid::report {
namespace {

constexpr Micros kHour = 3'600'000'000;
constexpr Micros kT0 = 1'788'220'800'000'000;  // 2026-09-01T00:00:00Z

store::NewAlert alert(const std::string& id, Micros time, const std::string& rule, const std::string& host,
                      const std::string& tlp = "amber") {
  store::NewAlert a;
  a.alert_id = id;
  a.event_time = time;
  a.rule_id = rule;
  a.rule_title = "Title " + rule;
  a.level = "high";
  a.tags = {"attack.t1003.001"};
  a.tlp = tlp;
  a.host = host;
  a.body = R"({"rule_id":")" + rule + R"("})";
  return a;
}

class StoreInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rasid-report-store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto opened = store::open_sqlite_store(dir_ + "/hub.db");
    ASSERT_TRUE(opened) << opened.error().to_string();
    store_ = std::move(*opened);
    health_ = store_->add_authority("health", "health")->id;
    energy_ = store_->add_authority("energy", "energy")->id;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::int64_t health_ = 0, energy_ = 0;
};

TEST_F(StoreInputTest, AlertsBecomeDetectionsByRuleHostAndWindow) {
  std::vector<store::NewAlert> health = {alert("a1", kT0, "R1", "h1"), alert("a2", kT0 + 23 * kHour, "R1", "h1"),
                                         alert("a3", kT0 + 25 * kHour, "R1", "h1"),  // 25 h after a1: new
                                         alert("a4", kT0 + kHour, "R1", "h2"),       // other host
                                         alert("a5", kT0 + kHour, "R2", "h1")};      // other rule
  ASSERT_TRUE(store_->insert_alerts(health_, health, kT0 + 30 * kHour));
  std::vector<store::NewAlert> energy = {alert("b1", kT0 + 2 * kHour, "R1", "h1", "red")};
  ASSERT_TRUE(store_->insert_alerts(energy_, energy, kT0 + 31 * kHour));

  StoreInputOptions options;
  options.since = kT0 - kHour;
  options.until = kT0 + 48 * kHour;
  auto input = load_store_input(*store_, options);
  ASSERT_TRUE(input) << input.error().to_string();
  ASSERT_EQ(input->authorities.size(), 2u);
  ASSERT_EQ(input->detections.size(), 5u);  // health: (R1,h1) x2, (R1,h2), (R2,h1); energy (R1,h1)
  std::int64_t alerts = 0;
  for (const auto& d : input->detections) alerts += d.alert_count;
  EXPECT_EQ(alerts, 6);
  EXPECT_EQ(input->detections[0].authority, "health");
  EXPECT_EQ(input->detections[0].first_seen, kT0);
  EXPECT_EQ(input->detections[0].alert_count, 2);  // a1 + a2
  EXPECT_EQ(input->data_as_of, kT0 + 31 * kHour);

  // The hub's TLP hook: without red, energy's alert is not read at all.
  options.visible = [](std::int64_t, const std::string& tlp) { return tlp != "red"; };
  auto narrowed = load_store_input(*store_, options);
  ASSERT_TRUE(narrowed);
  EXPECT_EQ(narrowed->detections.size(), 4u);
  options.visible = nullptr;
  options.authority_ids = std::vector<std::int64_t>{energy_};
  auto energy_only = load_store_input(*store_, options);
  ASSERT_TRUE(energy_only);
  ASSERT_EQ(energy_only->detections.size(), 1u);
  EXPECT_EQ(energy_only->detections[0].tlp, "red");
}

TEST_F(StoreInputTest, IncidentsCarryTheirTimelineAndAuthorities) {
  auto d1 = store_->add_detection({0, health_, "R1", "Title R1", "high", "h1", "amber", kT0, kT0, 1, ""});
  auto d2 = store_->add_detection({0, energy_, "R1", "Title R1", "high", "e1", "amber", kT0, kT0, 1, ""});
  ASSERT_TRUE(d1 && d2);
  store::Incident draft;
  draft.title = "Rule R1 at 2 authorities";
  draft.severity = "high";
  draft.tlp = "amber";
  auto incident = store_->create_incident(draft, "test");
  ASSERT_TRUE(incident);
  ASSERT_TRUE(store_->link_detection(incident->id, d1->id, "test"));
  ASSERT_TRUE(store_->link_detection(incident->id, d2->id, "test"));
  store::IncidentChange triage;
  triage.status = store::IncidentStatus::kTriage;
  ASSERT_TRUE(store_->update_incident(incident->id, triage, "test"));
  store::IncidentChange note;
  note.note = "looking";
  ASSERT_TRUE(store_->update_incident(incident->id, note, "test"));
  store::IncidentChange resolve;
  resolve.status = store::IncidentStatus::kResolved;
  ASSERT_TRUE(store_->update_incident(incident->id, resolve, "test"));
  auto timeline = store_->incident_timeline(incident->id);
  ASSERT_TRUE(timeline);
  Micros triaged_at = 0, resolved_at = 0;
  for (const auto& e : *timeline) {
    if (e.kind == "status" && e.detail == "triage") triaged_at = e.at;
    if (e.kind == "status" && e.detail == "resolved") resolved_at = e.at;
  }

  StoreInputOptions options;
  options.since = kT0;
  options.until = kT0 + kHour;
  auto input = load_store_input(*store_, options);
  ASSERT_TRUE(input) << input.error().to_string();
  ASSERT_EQ(input->incidents.size(), 1u);
  const IncidentRecord& r = input->incidents[0];
  EXPECT_EQ(r.title, "Rule R1 at 2 authorities");
  EXPECT_EQ(r.status, "resolved");
  EXPECT_EQ(r.authorities, (std::vector<std::string>{"energy", "health"}));
  EXPECT_EQ(r.created, incident->created);
  ASSERT_TRUE(r.triaged.has_value());
  ASSERT_TRUE(r.resolved.has_value());
  EXPECT_EQ(*r.triaged, triaged_at);
  EXPECT_EQ(*r.resolved, resolved_at);
  EXPECT_LE(*r.triaged, *r.resolved);
}

}  // namespace
}  // namespace rasid::report
