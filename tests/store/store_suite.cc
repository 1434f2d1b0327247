// The Store contract (store.h), run against every implementation (store_suite.h).

#include "store_suite.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

// Filters are written with designated initializers so each case reads as the filter it tests;
// the members left out keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace rasid::store::testing {

void StoreSuite::SetUp() {
  char pattern[] = "/tmp/rasid-store-XXXXXX";
  char* made = mkdtemp(pattern);
  ASSERT_NE(made, nullptr);
  dir_ = made;
  store_ = open();
  ASSERT_NE(store_, nullptr);
}

void StoreSuite::TearDown() {
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::unique_ptr<Store> StoreSuite::open() {
  auto store = GetParam().open(dir_);
  EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().to_string());
  return store ? std::move(*store) : nullptr;
}

namespace {

constexpr Micros kT0 = 1'700'000'000'000'000;  // 2023-11-14T22:13:20Z
constexpr Micros kHour = 3'600'000'000;

NewAlert make_alert(std::string id, std::optional<Micros> time, std::string level = "high",
                    std::string rule = "rule-a", std::vector<std::string> tags = {}) {
  NewAlert a;
  a.alert_id = std::move(id);
  a.event_time = time;
  a.rule_id = std::move(rule);
  a.rule_title = "Title of " + a.rule_id;
  a.level = std::move(level);
  a.tags = std::move(tags);
  a.tlp = "amber";
  a.host = "ws-1";
  a.body = R"({"rule_id":")" + a.rule_id + R"(","id":")" + a.alert_id + "\"}";
  return a;
}

std::vector<std::string> ids(const std::vector<StoredAlert>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts) out.push_back(a.alert.alert_id);
  return out;
}

// Every alert matching the filter, walking pages of `limit`.
std::vector<std::string> walk(Store& store, const AlertFilter& filter, std::size_t limit) {
  std::vector<std::string> out;
  PageRequest page{0, limit};
  for (int guard = 0; guard < 10000; ++guard) {
    auto p = store.query_alerts(filter, page);
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().to_string());
    if (!p) break;
    EXPECT_LE(p->items.size(), limit);
    for (auto& id : ids(p->items)) out.push_back(id);
    if (!p->next) break;
    EXPECT_FALSE(p->items.empty()) << "a page with a next cursor must not be empty";
    page.after = *p->next;
  }
  return out;
}

}  // namespace

TEST_P(StoreSuite, MigratesToAVersionAndKeepsDataAcrossReopen) {
  auto version = store_->schema_version();
  ASSERT_TRUE(version) << version.error().to_string();
  EXPECT_GE(*version, 1);
  ASSERT_TRUE(store_->add_authority("ministry-of-health", "health"));
  store_.reset();
  auto again = open();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(*again->schema_version(), *version);
  auto found = again->find_authority("ministry-of-health");
  ASSERT_TRUE(found) << found.error().to_string();
  EXPECT_EQ(found->sector, "health");
}

TEST_P(StoreSuite, AuthoritiesAreUniqueByNameAndListedByName) {
  auto b = store_->add_authority("bank-b", "banking");
  ASSERT_TRUE(b) << b.error().to_string();
  auto a = store_->add_authority("agency-a", "energy");
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_GT(a->id, 0);
  EXPECT_NE(a->id, b->id);
  auto dup = store_->add_authority("bank-b", "health");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kInvalidArgument);

  auto list = store_->list_authorities();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "agency-a");
  EXPECT_EQ((*list)[1].name, "bank-b");
  EXPECT_EQ((*list)[1].sector, "banking");

  auto got = store_->get_authority(a->id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "agency-a");
  EXPECT_EQ(store_->find_authority("nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->get_authority(a->id + b->id + 100).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreSuite, TokensRoundTripAndRevocationKeepsTheFirstTime) {
  auto a = store_->add_authority("agency-a", "energy");
  ASSERT_TRUE(a);
  TokenRecord t;
  t.lookup = "abc123";
  t.authority_id = a->id;
  t.role = Role::kAnalyst;
  t.salt = std::string("\x00\x01\xff salt", 8);
  t.hash = std::string("\x10\x00\x20 hash", 8);
  t.expires = kT0 + kHour;
  t.note = "soc laptop";
  auto added = store_->add_token(t);
  ASSERT_TRUE(added) << added.error().to_string();
  EXPECT_GT(added->id, 0);
  EXPECT_GT(added->created, 0);

  auto found = store_->find_token("abc123");
  ASSERT_TRUE(found) << found.error().to_string();
  EXPECT_EQ(found->authority_id, a->id);
  EXPECT_EQ(found->role, Role::kAnalyst);
  EXPECT_EQ(found->salt, t.salt);  // binary, with NUL bytes
  EXPECT_EQ(found->hash, t.hash);
  EXPECT_EQ(found->expires, kT0 + kHour);
  EXPECT_FALSE(found->revoked);
  EXPECT_EQ(found->note, "soc laptop");

  EXPECT_EQ(store_->add_token(t).error().code, ErrorCode::kInvalidArgument);  // same lookup
  TokenRecord orphan = t;
  orphan.lookup = "orphan";
  orphan.authority_id = a->id + 1000;
  EXPECT_FALSE(store_->add_token(orphan));
  EXPECT_EQ(store_->find_token("orphan").error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(store_->revoke_token("abc123", kT0));
  ASSERT_TRUE(store_->revoke_token("abc123", kT0 + 5));
  EXPECT_EQ(store_->find_token("abc123")->revoked, kT0);
  EXPECT_EQ(store_->revoke_token("nope", kT0).error().code, ErrorCode::kNotFound);

  auto list = store_->list_tokens();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].lookup, "abc123");
}

TEST_P(StoreSuite, InsertIsIdempotentPerAuthority) {
  auto a = store_->add_authority("agency-a", "energy");
  auto b = store_->add_authority("bank-b", "banking");
  ASSERT_TRUE(a && b);
  std::vector<NewAlert> batch = {make_alert("x1", kT0), make_alert("x2", kT0 + 1),
                                 make_alert("x1", kT0 + 2)};  // x1 twice in one batch
  auto r = store_->insert_alerts(a->id, batch, kT0 + 10);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->accepted, 2);
  EXPECT_EQ(r->duplicates, 1);

  std::vector<NewAlert> resend = {make_alert("x2", kT0 + 99), make_alert("x3", kT0 + 3)};
  r = store_->insert_alerts(a->id, resend, kT0 + 20);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(r->duplicates, 1);
  // The first stored copy is kept.
  auto x2 = store_->get_alert(a->id, "x2");
  ASSERT_TRUE(x2) << x2.error().to_string();
  EXPECT_EQ(x2->alert.event_time, kT0 + 1);
  EXPECT_EQ(x2->received, kT0 + 10);
  auto x1 = store_->get_alert(a->id, "x1");
  ASSERT_TRUE(x1);
  EXPECT_EQ(x1->alert.event_time, kT0);

  // The same id at another authority is another alert.
  r = store_->insert_alerts(b->id, std::vector<NewAlert>{make_alert("x1", kT0)}, kT0 + 30);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->accepted, 1);
  EXPECT_EQ(*store_->count_alerts({}), 4);
  EXPECT_EQ(store_->get_alert(b->id, "x2").error().code, ErrorCode::kNotFound);
}

TEST_P(StoreSuite, AlertFieldsRoundTrip) {
  auto a = store_->add_authority("agency-a", "energy");
  ASSERT_TRUE(a);
  NewAlert full = make_alert("full", kT0, "critical", "r-9", {"attack.t1059.001", "attack.execution"});
  full.tlp = "amber+strict";
  full.host = "DC01.corp";
  full.body = R"({"k":"v with \"quotes\" and ünïcode"})";
  NewAlert timeless = make_alert("timeless", std::nullopt, "informational", "");
  timeless.tlp = "clear";
  timeless.host = "";
  ASSERT_TRUE(store_->insert_alerts(a->id, std::vector<NewAlert>{full, timeless}, kT0 + 7));

  auto page = store_->query_alerts({}, {});
  ASSERT_TRUE(page) << page.error().to_string();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_FALSE(page->next);
  const StoredAlert& f = page->items[0];
  EXPECT_LT(page->items[0].seq, page->items[1].seq);
  EXPECT_EQ(f.authority_id, a->id);
  EXPECT_EQ(f.received, kT0 + 7);
  EXPECT_EQ(f.alert.alert_id, "full");
  EXPECT_EQ(f.alert.event_time, kT0);
  EXPECT_EQ(f.alert.rule_id, "r-9");
  EXPECT_EQ(f.alert.rule_title, "Title of r-9");
  EXPECT_EQ(f.alert.level, "critical");
  EXPECT_EQ(f.alert.tags, (std::vector<std::string>{"attack.t1059.001", "attack.execution"}));
  EXPECT_EQ(f.alert.tlp, "amber+strict");
  EXPECT_EQ(f.alert.host, "DC01.corp");
  EXPECT_EQ(f.alert.body, full.body);
  const StoredAlert& t = page->items[1];
  EXPECT_FALSE(t.alert.event_time);
  EXPECT_TRUE(t.alert.tags.empty());
  EXPECT_EQ(t.alert.rule_id, "");
  EXPECT_EQ(t.alert.level, "informational");
}

TEST_P(StoreSuite, ARejectedBatchLeavesNothingBehind) {
  auto a = store_->add_authority("agency-a", "energy");
  ASSERT_TRUE(a);
  ASSERT_TRUE(store_->insert_alerts(a->id, std::vector<NewAlert>{make_alert("before", kT0)}, kT0));
  // Items 1 and 2 are fine, item 3 breaks the level constraint: the whole batch goes.
  std::vector<NewAlert> batch = {make_alert("n1", kT0, "low", "r", {"t1"}), make_alert("n2", kT0),
                                 make_alert("n3", kT0, "catastrophic"), make_alert("n4", kT0)};
  auto r = store_->insert_alerts(a->id, batch, kT0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  batch[2] = make_alert("n3", kT0);
  batch[2].tlp = "purple";
  EXPECT_FALSE(store_->insert_alerts(a->id, batch, kT0));
  EXPECT_EQ(*store_->count_alerts({}), 1);
  EXPECT_EQ(*store_->count_alerts({.tags = {"t1"}}), 0);
  // Unknown authority: refused too.
  EXPECT_FALSE(store_->insert_alerts(a->id + 1000, std::vector<NewAlert>{make_alert("z", kT0)}, kT0));
  EXPECT_EQ(*store_->count_alerts({}), 1);
  // And the store still works after the failures.
  r = store_->insert_alerts(a->id, std::vector<NewAlert>{make_alert("n1", kT0)}, kT0);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->accepted, 1);
}

TEST_P(StoreSuite, FiltersSelectTheRightAlerts) {
  auto a = store_->add_authority("agency-a", "energy");
  auto b = store_->add_authority("bank-b", "banking");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(store_->insert_alerts(
      a->id,
      std::vector<NewAlert>{make_alert("a1", kT0, "high", "r1", {"attack.t1", "attack.x"}),
                            make_alert("a2", kT0 + kHour, "low", "r2", {"attack.t2"}),
                            make_alert("a3", kT0 + 2 * kHour, "high", "r2", {}),
                            make_alert("a4", std::nullopt, "critical", "r1", {"attack.t1"})},
      kT0));
  NewAlert b1 = make_alert("b1", kT0 + kHour, "high", "r1", {"attack.t2"});
  b1.tlp = "green";
  ASSERT_TRUE(store_->insert_alerts(b->id, std::vector<NewAlert>{b1}, kT0));

  auto q = [&](const AlertFilter& f) {
    auto ids_found = walk(*store_, f, 100);
    std::sort(ids_found.begin(), ids_found.end());
    auto count = store_->count_alerts(f);
    EXPECT_TRUE(count);
    EXPECT_EQ(count.value_or(-1), static_cast<std::int64_t>(ids_found.size()));
    return ids_found;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(q({}), (V{"a1", "a2", "a3", "a4", "b1"}));
  EXPECT_EQ(q({.authority_ids = std::vector<std::int64_t>{a->id}}), (V{"a1", "a2", "a3", "a4"}));
  EXPECT_EQ(q({.authority_ids = std::vector<std::int64_t>{b->id}}), (V{"b1"}));
  EXPECT_EQ(q({.authority_ids = std::vector<std::int64_t>{}}), V{});
  EXPECT_EQ(q({.from = kT0 + kHour}), (V{"a2", "a3", "b1"}));
  EXPECT_EQ(q({.to = kT0 + kHour}), (V{"a1"}));
  EXPECT_EQ(q({.from = kT0, .to = kT0 + 2 * kHour}), (V{"a1", "a2", "b1"}));
  EXPECT_EQ(q({.levels = {"high"}}), (V{"a1", "a3", "b1"}));
  EXPECT_EQ(q({.levels = {"low", "critical"}}), (V{"a2", "a4"}));
  EXPECT_EQ(q({.rule_ids = {"r1"}}), (V{"a1", "a4", "b1"}));
  EXPECT_EQ(q({.tags = {"attack.t1"}}), (V{"a1", "a4"}));
  EXPECT_EQ(q({.tags = {"attack.t2", "attack.x"}}), (V{"a1", "a2", "b1"}));
  EXPECT_EQ(q({.tlps = {"green"}}), (V{"b1"}));
  // Authority a's alerts (all amber) pass whatever the list; the list applies to the others.
  EXPECT_EQ(q({.tlps = {"red"}, .tlp_exempt_authority = a->id}), (V{"a1", "a2", "a3", "a4"}));
  EXPECT_EQ(q({.tlps = {"green"}, .tlp_exempt_authority = a->id}), (V{"a1", "a2", "a3", "a4", "b1"}));
  EXPECT_EQ(q({.tlps = {"red"}, .tlp_exempt_authority = b->id}), (V{"b1"}));
  EXPECT_EQ(q({.authority_ids = std::vector<std::int64_t>{a->id}, .levels = {"high"}, .rule_ids = {"r2"}}),
            (V{"a3"}));
  EXPECT_EQ(q({.levels = {"medium"}}), V{});
}

TEST_P(StoreSuite, PaginationWalksEveryAlertOnceInOrder) {
  auto a = store_->add_authority("agency-a", "energy");
  ASSERT_TRUE(a);
  std::vector<NewAlert> batch;
  std::vector<std::string> expected;
  for (int i = 0; i < 23; ++i) {
    batch.push_back(make_alert("p" + std::to_string(i), kT0 + i, i % 2 ? "low" : "high"));
    expected.push_back("p" + std::to_string(i));
  }
  ASSERT_TRUE(store_->insert_alerts(a->id, batch, kT0));
  for (std::size_t limit : {1u, 2u, 5u, 22u, 23u, 24u, 1000u}) {
    EXPECT_EQ(walk(*store_, {}, limit), expected) << "limit " << limit;
  }
  // Filtered walk: every other one.
  std::vector<std::string> high;
  for (int i = 0; i < 23; i += 2) high.push_back("p" + std::to_string(i));
  EXPECT_EQ(walk(*store_, {.levels = {"high"}}, 3), high);

  // Exactly one full page: no next.
  auto page = store_->query_alerts({}, {0, 23});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 23u);
  EXPECT_FALSE(page->next);
  // Limits are clamped, not refused.
  page = store_->query_alerts({}, {0, 0});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 1u);
  EXPECT_TRUE(page->next);
}

TEST_P(StoreSuite, DetectionsAreStoredUpdatedAndFiltered) {
  auto a = store_->add_authority("agency-a", "energy");
  auto b = store_->add_authority("bank-b", "banking");
  ASSERT_TRUE(a && b);
  Detection d{0, a->id, "r1", "Rule one", "high", "ws-1", "amber", kT0, kT0 + 10, 3, ""};
  auto d1 = store_->add_detection(d);
  ASSERT_TRUE(d1) << d1.error().to_string();
  d.authority_id = b->id;
  d.rule_id = "r2";
  d.first_seen = kT0 + 2 * kHour;
  d.last_seen = kT0 + 3 * kHour;
  auto d2 = store_->add_detection(d);
  ASSERT_TRUE(d2);
  EXPECT_GT(d2->id, d1->id);

  ASSERT_TRUE(store_->update_detection(d1->id, kT0 + 50, 7));
  auto got = store_->get_detection(d1->id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->last_seen, kT0 + 50);
  EXPECT_EQ(got->alert_count, 7);
  EXPECT_EQ(got->first_seen, kT0);
  EXPECT_EQ(got->rule_title, "Rule one");
  EXPECT_EQ(store_->update_detection(d2->id + 100, 0, 0).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->get_detection(d2->id + 100).error().code, ErrorCode::kNotFound);

  auto only_b = store_->query_detections({.authority_ids = std::vector<std::int64_t>{b->id}}, {});
  ASSERT_TRUE(only_b);
  ASSERT_EQ(only_b->items.size(), 1u);
  EXPECT_EQ(only_b->items[0].rule_id, "r2");
  auto late = store_->query_detections({.from = kT0 + kHour}, {});
  ASSERT_TRUE(late);
  ASSERT_EQ(late->items.size(), 1u);
  EXPECT_EQ(late->items[0].id, d2->id);
  auto first_page = store_->query_detections({}, {0, 1});
  ASSERT_TRUE(first_page);
  ASSERT_EQ(first_page->items.size(), 1u);
  ASSERT_TRUE(first_page->next);
  auto second = store_->query_detections({}, {*first_page->next, 1});
  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].id, d2->id);
  EXPECT_FALSE(second->next);
}

TEST_P(StoreSuite, IncidentsKeepATimelineOfEveryChange) {
  auto a = store_->add_authority("agency-a", "energy");
  ASSERT_TRUE(a);
  auto det = store_->add_detection({0, a->id, "r1", "Rule one", "high", "ws-1", "amber", kT0, kT0, 1, ""});
  ASSERT_TRUE(det);
  Incident inc;
  inc.title = "Campaign X";
  inc.severity = "high";
  inc.tlp = "amber";
  auto created = store_->create_incident(inc, "coord-1");
  ASSERT_TRUE(created) << created.error().to_string();
  EXPECT_EQ(created->status, IncidentStatus::kNew);

  auto changed = store_->update_incident(
      created->id, {.status = IncidentStatus::kTriage, .owner = std::string("team-x"), .note = std::string("looking")},
      "coord-2");
  ASSERT_TRUE(changed) << changed.error().to_string();
  EXPECT_EQ(changed->status, IncidentStatus::kTriage);
  EXPECT_EQ(changed->owner, "team-x");
  EXPECT_EQ(changed->severity, "high");
  EXPECT_GE(changed->updated, created->updated);

  ASSERT_TRUE(store_->link_detection(created->id, det->id, "coord-2"));
  ASSERT_TRUE(store_->link_detection(created->id, det->id, "coord-2"));  // no second event
  EXPECT_EQ(store_->link_detection(created->id, det->id + 100, "c").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->link_detection(created->id + 100, det->id, "c").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->update_incident(created->id + 100, {.note = std::string("x")}, "c").error().code,
            ErrorCode::kNotFound);

  auto timeline = store_->incident_timeline(created->id);
  ASSERT_TRUE(timeline) << timeline.error().to_string();
  ASSERT_EQ(timeline->size(), 5u);
  std::vector<std::pair<std::string, std::string>> got;
  for (auto& e : *timeline) got.emplace_back(e.kind, e.detail);
  std::vector<std::pair<std::string, std::string>> want = {
      {"created", "Campaign X"}, {"status", "triage"}, {"owner", "team-x"}, {"note", "looking"},
      {"link", std::to_string(det->id)}};
  EXPECT_EQ(got, want);
  EXPECT_EQ((*timeline)[0].actor, "coord-1");
  EXPECT_EQ((*timeline)[1].actor, "coord-2");

  auto linked = store_->incident_detections(created->id);
  ASSERT_TRUE(linked);
  ASSERT_EQ(linked->size(), 1u);
  EXPECT_EQ((*linked)[0].id, det->id);

  inc.title = "Other";
  ASSERT_TRUE(store_->create_incident(inc, "coord-1"));
  auto triage = store_->query_incidents({.statuses = {IncidentStatus::kTriage}}, {});
  ASSERT_TRUE(triage);
  ASSERT_EQ(triage->items.size(), 1u);
  EXPECT_EQ(triage->items[0].title, "Campaign X");
  auto all = store_->query_incidents({}, {});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 2u);
}

TEST_P(StoreSuite, AuditLogAppendsAndReadsInOrder) {
  for (int i = 0; i < 5; ++i) {
    auto e = store_->append_audit({0, i == 0 ? kT0 : 0, "tok" + std::to_string(i), 1, "alerts.read",
                                   "agency-a", "n=" + std::to_string(i)});
    ASSERT_TRUE(e) << e.error().to_string();
    EXPECT_GT(e->at, 0);
  }
  std::vector<std::string> details;
  PageRequest page{0, 2};
  for (;;) {
    auto p = store_->read_audit(page);
    ASSERT_TRUE(p);
    for (auto& e : p->items) details.push_back(e.detail);
    if (!p->next) break;
    page.after = *p->next;
  }
  EXPECT_EQ(details, (std::vector<std::string>{"n=0", "n=1", "n=2", "n=3", "n=4"}));
  EXPECT_EQ(store_->read_audit({0, 1})->items[0].at, kT0);
}

TEST_P(StoreSuite, ConcurrentWritersAndReadersLoseNothing) {
  auto a = store_->add_authority("agency-a", "energy");
  ASSERT_TRUE(a);
  constexpr int kThreads = 4, kBatches = 10, kPerBatch = 50;
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<NewAlert> batch;
        for (int i = 0; i < kPerBatch; ++i)
          batch.push_back(make_alert(std::to_string(t) + "-" + std::to_string(b) + "-" + std::to_string(i), kT0));
        auto r = store_->insert_alerts(a->id, batch, kT0);
        if (!r || r->accepted != kPerBatch) ++failures;
      }
    });
  }
  std::thread reader([&] {
    std::int64_t last = 0;
    while (!done) {
      auto c = store_->count_alerts({});
      if (!c || *c < last || *c % kPerBatch != 0) ++failures;  // whole batches only, never shrinking
      if (c) last = *c;
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*store_->count_alerts({}), kThreads * kBatches * kPerBatch);
}

// A child process inserts batches and reports each acknowledged one through a pipe; it is
// killed with SIGKILL mid-stream. Every acknowledged batch must be there after reopening.
TEST_P(StoreSuite, AcknowledgedBatchesSurviveKill9) {
  auto a = store_->add_authority("agency-a", "energy");
  ASSERT_TRUE(a);
  std::int64_t authority = a->id;
  store_.reset();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto child = GetParam().open(dir_);
    if (!child) _exit(3);
    for (int b = 0;; ++b) {
      std::vector<NewAlert> batch;
      for (int i = 0; i < 200; ++i) batch.push_back(make_alert(std::to_string(b) + "/" + std::to_string(i), kT0 + i));
      auto r = (*child)->insert_alerts(authority, batch, kT0);
      if (!r || r->accepted != 200) _exit(4);
      std::int32_t acked = b;
      if (write(fds[1], &acked, sizeof acked) != sizeof acked) _exit(5);
    }
  }
  close(fds[1]);
  std::int32_t last = -1, value;
  int received = 0;
  while (received < 25 && read(fds[0], &value, sizeof value) == sizeof value) {
    last = value;
    ++received;
  }
  kill(pid, SIGKILL);
  // Acknowledgements already in the pipe count too: the child wrote them after its commit.
  while (read(fds[0], &value, sizeof value) == sizeof value) last = value;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with status " << WEXITSTATUS(status);
  ASSERT_GE(last, 24);

  store_ = open();
  ASSERT_NE(store_, nullptr);
  auto count = store_->count_alerts({});
  ASSERT_TRUE(count);
  // Whole batches only: the one in flight at the kill is either all there or not at all.
  EXPECT_GE(*count, (last + 1) * 200);
  EXPECT_EQ(*count % 200, 0);
  for (int b = 0; b <= last; ++b) {
    EXPECT_TRUE(store_->get_alert(authority, std::to_string(b) + "/199")) << "batch " << b;
  }
}

}  // namespace rasid::store::testing

namespace rasid::store::testing {
namespace {

// Schema step 2: national correlation state (detection facts, incident keys) and the positions
// of newly stored alerts in a batch.
TEST_P(StoreSuite, CorrelationFactsKeysAndAcceptedPositions) {
  auto a = store_->add_authority("agency-a", "energy");
  ASSERT_TRUE(a);
  std::vector<NewAlert> batch = {make_alert("x1", kT0), make_alert("x2", kT0), make_alert("x1", kT0)};
  auto first = store_->insert_alerts(a->id, batch, kT0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->accepted_index, (std::vector<std::size_t>{0, 1}));
  std::vector<NewAlert> again = {make_alert("x3", kT0), make_alert("x2", kT0)};
  auto second = store_->insert_alerts(a->id, again, kT0);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->accepted_index, (std::vector<std::size_t>{0}));

  Detection d{0, a->id, "r1", "Rule one", "high", "ws-1", "amber", kT0, kT0, 1,
              R"({"indicator":"ipv4-addr:203.0.113.9","users":["j.doe"]})"};
  auto stored = store_->add_detection(d);
  ASSERT_TRUE(stored);
  EXPECT_EQ(store_->get_detection(stored->id)->facts, d.facts);

  Incident one;
  one.title = "Rule one at 2 authorities";
  one.severity = "high";
  one.tlp = "amber";
  one.key = "rule:r1";
  Incident other = one;
  other.key = "user:j.doe";
  Incident manual = one;
  manual.key = "";
  ASSERT_TRUE(store_->create_incident(one, "system"));
  ASSERT_TRUE(store_->create_incident(other, "system"));
  ASSERT_TRUE(store_->create_incident(manual, "someone"));
  IncidentFilter by_key;
  by_key.key = "rule:r1";
  auto found = store_->query_incidents(by_key, {});
  ASSERT_TRUE(found);
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].key, "rule:r1");
  EXPECT_EQ(store_->get_incident(found->items[0].id)->key, "rule:r1");
  auto all = store_->query_incidents({}, {});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 3u);
}

}  // namespace
}  // namespace rasid::store::testing

namespace rasid::store::testing {
namespace {

TEST_P(StoreSuite, WriteDetectionsAddsAndUpdatesInOneTransaction) {
  auto a = store_->add_authority("agency-a", "energy");
  ASSERT_TRUE(a);
  auto existing = store_->add_detection({0, a->id, "r1", "Rule one", "high", "ws-1", "amber", kT0, kT0, 1, ""});
  ASSERT_TRUE(existing);
  Detection update;
  update.id = existing->id;
  update.last_seen = kT0 + 5;
  update.alert_count = 4;
  Detection fresh{0, a->id, "r2", "Rule two", "low", "ws-2", "green", kT0 + 9, kT0 + 9, 1, "{}"};
  std::vector<Detection> rows = {update, fresh};
  auto ids = store_->write_detections(rows);
  ASSERT_TRUE(ids) << ids.error().to_string();
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_EQ((*ids)[0], existing->id);
  EXPECT_GT((*ids)[1], existing->id);
  EXPECT_EQ(store_->get_detection(existing->id)->alert_count, 4);
  EXPECT_EQ(store_->get_detection((*ids)[1])->rule_title, "Rule two");
  // All or nothing: an update of a missing id leaves the batch's new row unwritten.
  Detection missing;
  missing.id = (*ids)[1] + 100;
  std::vector<Detection> bad = {fresh, missing};
  auto failed = store_->write_detections(bad);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->query_detections({}, {})->items.size(), 2u);
}

}  // namespace
}  // namespace rasid::store::testing

namespace rasid::store::testing {
namespace {

StixObject stix(std::string collection, std::string id, Micros version, std::string spec = "2.1",
                std::string tlp = "green") {
  StixObject o;
  o.collection = std::move(collection);
  o.object_id = std::move(id);
  o.type = o.object_id.substr(0, o.object_id.find("--"));
  o.version = version;
  o.spec_version = std::move(spec);
  o.tlp = std::move(tlp);
  o.source_authority = 7;
  o.recipients = {3, 12};
  o.coordinators_named = true;
  o.body = R"({"id":")" + o.object_id + R"(","v":)" + std::to_string(version) + "}";
  return o;
}

std::vector<std::string> stix_keys(Store& store, const StixFilter& filter, std::size_t limit) {
  std::vector<std::string> out;
  PageRequest page{0, limit};
  for (int guard = 0; guard < 1000; ++guard) {
    auto p = store.query_stix_objects(filter, page);
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().to_string());
    if (!p) break;
    for (const auto& o : p->items) out.push_back(o.object_id + "@" + std::to_string(o.version - kT0));
    if (!p->next) break;
    page.after = *p->next;
  }
  return out;
}

}  // namespace

TEST_P(StoreSuite, StixObjectsKeepVersionsAndSelectThem) {
  const std::string c = "c1";
  std::vector<StixObject> batch = {stix(c, "indicator--a", kT0 + 1), stix(c, "indicator--a", kT0 + 3),
                                   stix(c, "malware--b", kT0 + 2, "2.0"), stix("c2", "indicator--a", kT0 + 9),
                                   stix(c, "indicator--a", kT0 + 2)};
  auto r = store_->insert_stix_objects(batch);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->added.size(), 5u);
  for (bool added : r->added) EXPECT_TRUE(added);
  // date_added strictly increasing in input order, and seq in the same order.
  for (std::size_t i = 1; i < r->stored.size(); ++i) {
    EXPECT_GT(r->stored[i].date_added, r->stored[i - 1].date_added);
    EXPECT_GT(r->stored[i].seq, r->stored[i - 1].seq);
  }
  // The same version again is a duplicate and keeps the stored row.
  auto again = store_->insert_stix_objects(std::vector<StixObject>{stix(c, "indicator--a", kT0 + 3)});
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_FALSE(again->added[0]);
  EXPECT_EQ(again->stored[0].seq, r->stored[1].seq);
  EXPECT_EQ(again->stored[0].recipients, (std::vector<std::int64_t>{3, 12}));
  EXPECT_TRUE(again->stored[0].coordinators_named);

  StixFilter last{.collection = c};
  EXPECT_EQ(stix_keys(*store_, last, 100), (std::vector<std::string>{"indicator--a@3", "malware--b@2"}));
  StixFilter first{.collection = c, .versions = {.first = true, .last = false}};
  EXPECT_EQ(stix_keys(*store_, first, 1), (std::vector<std::string>{"indicator--a@1", "malware--b@2"}));
  StixFilter all{.collection = c, .versions = {.all = true}};
  EXPECT_EQ(stix_keys(*store_, all, 1),
            (std::vector<std::string>{"indicator--a@1", "indicator--a@3", "malware--b@2", "indicator--a@2"}));
  StixFilter listed{.collection = c, .versions = {.last = false, .listed = {kT0 + 2}}};
  EXPECT_EQ(stix_keys(*store_, listed, 100), (std::vector<std::string>{"malware--b@2", "indicator--a@2"}));
  StixFilter by_type{.collection = c, .types = {"malware"}, .versions = {.all = true}};
  EXPECT_EQ(stix_keys(*store_, by_type, 100), (std::vector<std::string>{"malware--b@2"}));
  StixFilter by_id{.collection = c, .ids = {"indicator--a"}, .versions = {.all = true}};
  EXPECT_EQ(stix_keys(*store_, by_id, 2).size(), 3u);
  StixFilter first_and_listed{.collection = c, .versions = {.first = true, .last = false, .listed = {kT0 + 3}}};
  EXPECT_EQ(stix_keys(*store_, first_and_listed, 100),
            (std::vector<std::string>{"indicator--a@1", "indicator--a@3", "malware--b@2"}));
  StixFilter none{.collection = c, .versions = {.last = false}};
  EXPECT_TRUE(stix_keys(*store_, none, 100).empty());
  StixFilter spec20{.collection = c, .spec_versions = {"2.0"}};
  EXPECT_EQ(stix_keys(*store_, spec20, 100), (std::vector<std::string>{"malware--b@2"}));
  StixFilter after{.collection = c, .added_after = r->stored[1].date_added, .versions = {.all = true}};
  EXPECT_EQ(stix_keys(*store_, after, 100), (std::vector<std::string>{"malware--b@2", "indicator--a@2"}));

  // An object in two spec versions: without a spec_version filter only its latest spec
  // version is served, even when the 2.0 version is the newer one.
  ASSERT_TRUE(store_->insert_stix_objects(std::vector<StixObject>{stix("c3", "malware--m", kT0 + 5, "2.0"),
                                                                   stix("c3", "malware--m", kT0 + 4, "2.1"),
                                                                   stix("c3", "malware--m", kT0 + 1, "2.1")}));
  EXPECT_EQ(stix_keys(*store_, StixFilter{.collection = "c3"}, 100), (std::vector<std::string>{"malware--m@4"}));
  EXPECT_EQ(stix_keys(*store_, StixFilter{.collection = "c3", .versions = {.all = true}}, 100),
            (std::vector<std::string>{"malware--m@4", "malware--m@1"}));
  EXPECT_EQ(stix_keys(*store_, StixFilter{.collection = "c3", .spec_versions = {"2.0", "2.1"}}, 100),
            (std::vector<std::string>{"malware--m@5"}));
  EXPECT_EQ(stix_keys(*store_, StixFilter{.collection = "c3", .spec_versions = {"2.0"}}, 100),
            (std::vector<std::string>{"malware--m@5"}));

  // Delete one version, then the rest of the object.
  StixFilter one{.collection = c, .ids = {"indicator--a"}, .versions = {.last = false, .listed = {kT0 + 3}}};
  auto gone = store_->delete_stix_objects(one);
  ASSERT_TRUE(gone) << gone.error().to_string();
  EXPECT_EQ(*gone, 1);
  EXPECT_EQ(stix_keys(*store_, last, 100), (std::vector<std::string>{"malware--b@2", "indicator--a@2"}));
  StixFilter rest{.collection = c, .ids = {"indicator--a"}, .versions = {.all = true}};
  EXPECT_EQ(*store_->delete_stix_objects(rest), 2);
  EXPECT_EQ(stix_keys(*store_, all, 100), (std::vector<std::string>{"malware--b@2"}));
  EXPECT_EQ(stix_keys(*store_, StixFilter{.collection = "c2"}, 100), (std::vector<std::string>{"indicator--a@9"}));
  EXPECT_FALSE(store_->delete_stix_objects(StixFilter{.collection = c}));  // names no id
  // A bad TLP breaks the CHECK constraint: nothing of the batch is stored.
  auto bad = store_->insert_stix_objects(
      std::vector<StixObject>{stix(c, "tool--x", kT0), stix(c, "tool--y", kT0, "2.1", "purple")});
  EXPECT_FALSE(bad);
  EXPECT_TRUE(stix_keys(*store_, StixFilter{.collection = c, .types = {"tool"}}, 100).empty());
}

TEST_P(StoreSuite, TaxiiStatusAndSecrets) {
  TaxiiStatus status{"2d086da7-4bdc-4f91-900e-d77486753710", "rsd_abc", 4, kT0, R"({"status":"complete"})"};
  ASSERT_TRUE(store_->put_taxii_status(status));
  EXPECT_FALSE(store_->put_taxii_status(status));
  auto got = store_->get_taxii_status(status.id);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->owner, "rsd_abc");
  EXPECT_EQ(got->authority_id, 4);
  EXPECT_EQ(got->body, status.body);
  auto missing = store_->get_taxii_status("00000000-0000-0000-0000-000000000000");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  const std::string raw("\x00\x01\xfe secret", 10);
  auto first = store_->hub_secret("taxii-next", raw);
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_EQ(*first, raw);
  auto second = store_->hub_secret("taxii-next", "other");
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, raw);  // the first value stays
}

}  // namespace rasid::store::testing
