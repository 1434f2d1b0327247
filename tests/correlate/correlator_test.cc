// Correlator: every correlation type on hand-built match streams, window edges, missing
// fields, lateness, aliases, chaining, the memory cap; the spec's example rules.

#include "correlate/correlator.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/diagnostics.h"
#include "sigma/loader.h"

namespace rasid::correlate {
namespace {

constexpr std::int64_t kSec = 1'000'000;

// Loads rules from YAML text (several documents allowed); fails the test on a problem.
std::vector<sigma::Rule> load(const std::string& yaml) {
  std::vector<sigma::Rule> rules;
  Diagnostics diags;
  sigma::Loader loader;
  EXPECT_EQ(loader.load_text(yaml, "test.yml", rules, diags), 0u);
  for (const auto& d : diags.items()) ADD_FAILURE() << d.to_string();
  return rules;
}

std::vector<const sigma::Rule*> correlations(const std::vector<sigma::Rule>& rules) {
  std::vector<const sigma::Rule*> out;
  for (const auto& r : rules) {
    if (r.kind == sigma::RuleKind::kCorrelation) out.push_back(&r);
  }
  return out;
}

// A stream driver: matches of rule `rule` at `seconds` with the given fields.
struct Stream {
  explicit Stream(Correlator& correlator) : c(correlator) {}
  Correlator& c;
  std::vector<CorrelationAlert> out;
  int n = 0;

  void match(std::string_view rule, double seconds, std::map<std::string, std::string> fields) {
    Match m;
    m.rule_id = rule;
    m.rule_name = rule;
    m.time_us = static_cast<std::int64_t>(seconds * kSec);
    m.alert_id = "a" + std::to_string(++n);
    m.field = [&fields](std::string_view f) -> std::optional<std::string> {
      auto it = fields.find(std::string(f));
      if (it == fields.end()) return std::nullopt;
      return it->second;
    };
    c.add(m, out);
  }
  void finish() { c.finish(out); }
};

const char* kEventCount = R"(
title: brute force
id: 11111111-0000-0000-0000-000000000001
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [User]
  timespan: 10s
  condition:
    gte: 3
)";

TEST(CorrelatorTest, EventCountFiresExactlyAtTheThresholdThenStartsOver) {
  auto rules = load(kEventCount);
  Correlator c(correlations(rules));
  Stream s{c};
  s.match("failed_logon", 0, {{"User", "alice"}});
  s.match("failed_logon", 1, {{"User", "bob"}});
  s.match("failed_logon", 2, {{"User", "alice"}});
  EXPECT_TRUE(s.out.empty());  // 2 of 3 for alice
  s.match("failed_logon", 3, {{"User", "alice"}});
  ASSERT_EQ(s.out.size(), 1u);
  const auto& a = s.out[0];
  EXPECT_EQ(a.value, 3);
  EXPECT_EQ(a.events, 3u);
  ASSERT_EQ(a.group.size(), 1u);
  EXPECT_EQ(a.group[0], (std::pair<std::string, std::string>{"User", "alice"}));
  EXPECT_EQ(a.window_start_us, 0);
  EXPECT_EQ(a.window_end_us, 3 * kSec);
  EXPECT_EQ(a.contributors, (std::vector<std::string>{"a1", "a3", "a4"}));
  // The window starts over: two more do not fire again, the third does.
  s.match("failed_logon", 4, {{"User", "alice"}});
  s.match("failed_logon", 5, {{"User", "alice"}});
  EXPECT_EQ(s.out.size(), 1u);
  s.match("failed_logon", 6, {{"User", "alice"}});
  EXPECT_EQ(s.out.size(), 2u);
  s.finish();
  EXPECT_EQ(s.out.size(), 2u);
  EXPECT_EQ(c.stats().alerts, 2u);
}

TEST(CorrelatorTest, WindowIncludesBothEnds) {
  auto rules = load(kEventCount);
  {
    Correlator c(correlations(rules));
    Stream s{c};
    for (double t : {0.0, 5.0, 10.0}) s.match("failed_logon", t, {{"User", "u"}});
    EXPECT_EQ(s.out.size(), 1u) << "matches exactly one timespan apart are in one window";
  }
  {
    Correlator c(correlations(rules));
    Stream s{c};
    for (double t : {0.0, 5.0, 10.000001}) s.match("failed_logon", t, {{"User", "u"}});
    s.finish();
    EXPECT_TRUE(s.out.empty()) << "one microsecond more and the first match has left";
  }
}

TEST(CorrelatorTest, MissingGroupByFieldIsNotCounted) {
  auto rules = load(kEventCount);
  Correlator c(correlations(rules));
  Stream s{c};
  s.match("failed_logon", 0, {{"User", "u"}});
  s.match("failed_logon", 1, {});
  s.match("failed_logon", 2, {{"Other", "x"}});
  s.match("failed_logon", 3, {{"User", "u"}});
  s.finish();
  EXPECT_TRUE(s.out.empty());
  EXPECT_EQ(c.stats().missing_group_field, 2u);
  // An empty value is a value: it forms its own group.
  Correlator c2(correlations(rules));
  Stream s2{c2};
  for (double t : {0.0, 1.0, 2.0}) s2.match("failed_logon", t, {{"User", ""}});
  EXPECT_EQ(s2.out.size(), 1u);
}

TEST(CorrelatorTest, OutOfOrderWithinLatenessIsReorderedBeyondItDropped) {
  auto rules = load(kEventCount);
  Options o;
  o.lateness_us = 5 * kSec;
  {
    Correlator c(correlations(rules), o);
    Stream s{c};
    s.match("failed_logon", 8, {{"User", "u"}});
    s.match("failed_logon", 0, {{"User", "u"}});   // 8 s late: beyond 5 s
    s.match("failed_logon", 4, {{"User", "u"}});   // 4 s late: kept
    s.match("failed_logon", 9, {{"User", "u"}});
    s.finish();
    EXPECT_EQ(c.stats().late_dropped, 1u);
    ASSERT_EQ(s.out.size(), 1u);
    EXPECT_EQ(s.out[0].window_start_us, 4 * kSec);  // in event time order: 4, 8, 9
    EXPECT_EQ(s.out[0].contributors, (std::vector<std::string>{"a3", "a1", "a4"}));
  }
  {
    // Without lateness, any match older than the newest one is dropped.
    Correlator c(correlations(rules));
    Stream s{c};
    s.match("failed_logon", 8, {{"User", "u"}});
    s.match("failed_logon", 7, {{"User", "u"}});
    s.match("failed_logon", 8, {{"User", "u"}});  // same time: not late
    s.finish();
    EXPECT_EQ(c.stats().late_dropped, 1u);
  }
}

TEST(CorrelatorTest, ValueCountCountsDistinctValues) {
  auto rules = load(R"(
title: spray
correlation:
  type: value_count
  rules: [failed_logon]
  group-by: [Source]
  timespan: 1m
  condition:
    field: User
    gte: 3
)");
  Correlator c(correlations(rules));
  Stream s{c};
  s.match("failed_logon", 0, {{"Source", "10.0.0.1"}, {"User", "a"}});
  s.match("failed_logon", 1, {{"Source", "10.0.0.1"}, {"User", "a"}});
  s.match("failed_logon", 2, {{"Source", "10.0.0.1"}, {"User", "b"}});
  s.match("failed_logon", 3, {{"Source", "10.0.0.1"}});  // no User: not counted
  EXPECT_TRUE(s.out.empty());
  EXPECT_EQ(c.stats().missing_value, 1u);
  s.match("failed_logon", 4, {{"Source", "10.0.0.1"}, {"User", "c"}});
  ASSERT_EQ(s.out.size(), 1u);
  EXPECT_EQ(s.out[0].value, 3);
  EXPECT_EQ(s.out[0].events, 4u);
}

TEST(CorrelatorTest, ValueSumAndAverage) {
  auto rules = load(R"(
title: exfil
correlation:
  type: value_sum
  rules: [upload]
  group-by: [Host]
  timespan: 1h
  condition:
    field: Bytes
    gt: 100
---
title: big average
correlation:
  type: value_avg
  rules: [upload]
  group-by: [Host]
  timespan: 1h
  condition:
    field: Bytes
    gt: 45
)");
  Correlator c(correlations(rules));
  Stream s{c};
  s.match("upload", 0, {{"Host", "h"}, {"Bytes", "50"}});  // avg 50 > 45: fires
  ASSERT_EQ(s.out.size(), 1u);
  EXPECT_EQ(s.out[0].correlation, 1u);
  EXPECT_EQ(s.out[0].value, 50);
  s.match("upload", 1, {{"Host", "h"}, {"Bytes", "not a number"}});  // ignored, counted
  s.match("upload", 2, {{"Host", "h"}, {"Bytes", "40"}});  // sum 90, average 40
  EXPECT_EQ(s.out.size(), 1u);
  s.match("upload", 3, {{"Host", "h"}, {"Bytes", " 10.5 "}});  // sum 100.5 > 100
  ASSERT_EQ(s.out.size(), 2u);
  EXPECT_EQ(s.out[1].correlation, 0u);
  EXPECT_DOUBLE_EQ(s.out[1].value, 100.5);
  EXPECT_EQ(s.out[1].events, 3u);
  EXPECT_EQ(c.stats().missing_value, 2u);  // the text, once per correlation
  // Both windows started over: 1 more byte decides nothing.
  s.match("upload", 4, {{"Host", "h"}, {"Bytes", "1"}});
  s.finish();
  EXPECT_EQ(s.out.size(), 2u);
}

TEST(CorrelatorTest, ValuePercentileIsTheShareOfTheNewestValue) {
  auto rules = load(R"(
title: rare process on a host
correlation:
  type: value_percentile
  rules: [process_creation]
  group-by: [Computer]
  timespan: 24h
  condition:
    field: Image
    lte: 10
)");
  Correlator c(correlations(rules));
  Stream s{c};
  for (int i = 0; i < 9; ++i) s.match("process_creation", i, {{"Computer", "pc"}, {"Image", "cmd.exe"}});
  EXPECT_TRUE(s.out.empty());
  s.match("process_creation", 10, {{"Computer", "pc"}, {"Image", "evil.exe"}});
  ASSERT_EQ(s.out.size(), 1u);
  EXPECT_DOUBLE_EQ(s.out[0].value, 10.0);  // 1 of 10 matches
}

const char* kTemporal = R"(
title: recon
correlation:
  type: %s
  rules: [recon_a, recon_b, recon_c]
  group-by: [Computer]
  timespan: 5m
)";

std::string temporal(const std::string& type) {
  std::string s = kTemporal;
  s.replace(s.find("%s"), 2, type);
  return s;
}

TEST(CorrelatorTest, TemporalNeedsEveryRuleInAnyOrder) {
  auto rules = load(temporal("temporal"));
  Correlator c(correlations(rules));
  Stream s{c};
  s.match("recon_c", 0, {{"Computer", "pc"}});
  s.match("recon_a", 10, {{"Computer", "pc"}});
  s.match("recon_a", 20, {{"Computer", "pc"}});
  s.match("recon_b", 30, {{"Computer", "other"}});  // another group
  EXPECT_TRUE(s.out.empty());
  s.match("recon_b", 40, {{"Computer", "pc"}});
  ASSERT_EQ(s.out.size(), 1u);
  EXPECT_EQ(s.out[0].value, 3);
  EXPECT_EQ(s.out[0].events, 4u);
  // All three, but spread over more than 5 minutes: no.
  Correlator c2(correlations(rules));
  Stream s2{c2};
  s2.match("recon_a", 0, {{"Computer", "pc"}});
  s2.match("recon_b", 200, {{"Computer", "pc"}});
  s2.match("recon_c", 301, {{"Computer", "pc"}});
  s2.finish();
  EXPECT_TRUE(s2.out.empty());
}

TEST(CorrelatorTest, TemporalOrderedNeedsTheListedOrder) {
  auto rules = load(temporal("temporal_ordered"));
  {
    Correlator c(correlations(rules));
    Stream s{c};
    s.match("recon_c", 0, {{"Computer", "pc"}});
    s.match("recon_b", 1, {{"Computer", "pc"}});
    s.match("recon_a", 2, {{"Computer", "pc"}});
    s.match("recon_c", 3, {{"Computer", "pc"}});  // a, c: b is missing after a
    s.finish();
    EXPECT_TRUE(s.out.empty());
  }
  {
    Correlator c(correlations(rules));
    Stream s{c};
    s.match("recon_b", 0, {{"Computer", "pc"}});
    s.match("recon_a", 1, {{"Computer", "pc"}});
    s.match("recon_b", 2, {{"Computer", "pc"}});
    s.match("recon_c", 3, {{"Computer", "pc"}});
    ASSERT_EQ(s.out.size(), 1u);
    EXPECT_EQ(s.out[0].value, 3);
  }
}

TEST(CorrelatorTest, UpperBoundConditionsAreDecidedWhenTheWindowCloses) {
  auto rules = load(R"(
title: too quiet
correlation:
  type: event_count
  rules: [heartbeat]
  group-by: [Host]
  timespan: 10s
  condition:
    lt: 3
)");
  Correlator c(correlations(rules));
  Stream s{c};
  s.match("heartbeat", 0, {{"Host", "quiet"}});
  s.match("heartbeat", 1, {{"Host", "busy"}});
  s.match("heartbeat", 2, {{"Host", "busy"}});
  s.match("heartbeat", 3, {{"Host", "busy"}});
  s.match("heartbeat", 4, {{"Host", "quiet"}});
  EXPECT_TRUE(s.out.empty()) << "nothing is decided while the windows are open";
  s.match("heartbeat", 30, {{"Host", "busy"}});  // time passes: both windows closed
  ASSERT_EQ(s.out.size(), 1u);
  EXPECT_EQ(s.out[0].group[0].second, "quiet");
  EXPECT_EQ(s.out[0].value, 2);
  s.finish();  // busy's new window (one match) closes at the end
  ASSERT_EQ(s.out.size(), 2u);
  EXPECT_EQ(s.out[1].group[0].second, "busy");
  EXPECT_EQ(s.out[1].value, 1);
}

TEST(CorrelatorTest, AliasesMapEachRulesFieldToOneGroupKey) {
  auto rules = load(R"(
title: internal error
name: internal_error
logsource: {category: webserver}
detection:
  selection: {sc-status: 500}
  condition: selection
---
title: new connection
name: new_network_connection
logsource: {category: network_connection}
detection:
  selection: {Initiated: 'true'}
  condition: selection
---
title: error then connection from the same host
correlation:
  type: temporal
  rules: [internal_error, new_network_connection]
  aliases:
    ip:
      internal_error: c-ip
      new_network_connection: SourceIp
  group-by: [ip]
  timespan: 10s
)");
  Correlator c(correlations(rules));
  EXPECT_TRUE(c.references("", "internal_error"));
  EXPECT_FALSE(c.references("", "something_else"));
  EXPECT_EQ(c.fields_for("", "internal_error"), std::vector<std::string>{"c-ip"});
  EXPECT_EQ(c.fields_for("", "new_network_connection"), std::vector<std::string>{"SourceIp"});
  Stream s{c};
  s.match("internal_error", 0, {{"c-ip", "10.1.1.1"}, {"SourceIp", "10.9.9.9"}});
  s.match("new_network_connection", 1, {{"SourceIp", "10.2.2.2"}, {"c-ip", "10.1.1.1"}});
  EXPECT_TRUE(s.out.empty());
  s.match("new_network_connection", 2, {{"SourceIp", "10.1.1.1"}});
  ASSERT_EQ(s.out.size(), 1u);
  EXPECT_EQ(s.out[0].group[0], (std::pair<std::string, std::string>{"ip", "10.1.1.1"}));
}

TEST(CorrelatorTest, ChainedCorrelations) {
  auto rules = load(R"(
title: many failures
name: many_failures
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [User]
  timespan: 1m
  condition: {gte: 2}
---
title: failures then success
correlation:
  type: temporal_ordered
  rules: [many_failures, successful_logon]
  group-by: [User]
  timespan: 5m
)");
  Correlator c(correlations(rules));
  Stream s{c};
  s.match("failed_logon", 0, {{"User", "u"}});
  s.match("failed_logon", 1, {{"User", "u"}});  // many_failures fires
  ASSERT_EQ(s.out.size(), 1u);
  s.match("successful_logon", 2, {{"User", "u"}});
  ASSERT_EQ(s.out.size(), 2u);
  EXPECT_EQ(s.out[1].correlation, 1u);
  EXPECT_EQ(s.out[1].contributors[0], "correlation:many_failures:0");
}

TEST(CorrelatorTest, ContributorsAreBounded) {
  auto rules = load(R"(
title: five
correlation:
  type: event_count
  rules: [r]
  group-by: [H]
  timespan: 1m
  condition: {gte: 5}
)");
  Options o;
  o.max_contributors = 2;
  Correlator c(correlations(rules), o);
  Stream s{c};
  for (int i = 0; i < 5; ++i) s.match("r", i, {{"H", "h"}});
  ASSERT_EQ(s.out.size(), 1u);
  EXPECT_EQ(s.out[0].events, 5u);
  EXPECT_EQ(s.out[0].contributors, (std::vector<std::string>{"a1", "a2"}));
  EXPECT_TRUE(s.out[0].contributors_truncated);
}

TEST(CorrelatorTest, MemoryCapEvictsAndReports) {
  auto rules = load(kEventCount);
  Options o;
  o.max_state_bytes = 64 << 10;
  Correlator c(correlations(rules), o);
  Stream s{c};
  for (int i = 0; i < 5000; ++i) {
    s.match("failed_logon", i * 0.001, {{"User", "user" + std::to_string(i)}});
    ASSERT_LE(c.stats().state_bytes, o.max_state_bytes);
  }
  EXPECT_GT(c.stats().evicted_groups, 0u);
  EXPECT_LE(c.stats().peak_state_bytes, o.max_state_bytes + 4096);
  // Unlimited, the same stream keeps every group (5 s < the 10 s timespan).
  Correlator big(correlations(rules));
  Stream s2{big};
  for (int i = 0; i < 5000; ++i) s2.match("failed_logon", i * 0.001, {{"User", "user" + std::to_string(i)}});
  EXPECT_EQ(big.stats().evicted_groups, 0u);
  EXPECT_GT(big.stats().state_bytes, o.max_state_bytes);
}

TEST(CorrelatorTest, ExpiredGroupsAreForgotten) {
  auto rules = load(kEventCount);
  Correlator c(correlations(rules));
  Stream s{c};
  for (int i = 0; i < 1000; ++i) s.match("failed_logon", i * 100.0, {{"User", "u" + std::to_string(i)}});
  // Each group is older than the 10 s timespan when the next match comes.
  EXPECT_LT(c.stats().state_bytes, 2048u);
  EXPECT_EQ(c.stats().evicted_groups, 0u);
}

// The spec's example correlation rules load; each behaves as the spec describes on a stream
// built for it.
TEST(CorrelatorTest, SpecExamples) {
  std::string dir = std::string(RASID_SHARED_DIR) + "/data/sigma/spec/tests/schema/correlation";
  std::vector<sigma::Rule> rules;
  Diagnostics diags;
  sigma::Loader loader;
  EXPECT_EQ(loader.load_path(dir, rules, diags), 0u);
  ASSERT_EQ(rules.size(), 8u);
  std::map<std::string, const sigma::Rule*> by_file;
  for (const auto& r : rules) {
    by_file[std::filesystem::path(r.where.file).stem().string()] = &r;
  }
  auto run = [](const sigma::Rule* r, int n, auto fields_of) {
    Correlator c({r});
    Stream s{c};
    for (int i = 0; i < n; ++i) {
      s.match(r->correlation->rules[static_cast<std::size_t>(i) % r->correlation->rules.size()], i,
              fields_of(i));
    }
    s.finish();
    return s.out.size();
  };
  // event_count: 100 failed logons on one computer in an hour; 99 are not enough.
  auto host = [](int) { return std::map<std::string, std::string>{{"ComputerName", "pc"}}; };
  EXPECT_EQ(run(by_file["event_count"], 100, host), 1u);
  EXPECT_EQ(run(by_file["event_count"], 99, host), 0u);
  // value_count: 100 distinct users.
  auto users = [](int i) {
    return std::map<std::string, std::string>{
        {"ComputerName", "pc"}, {"WorkstationName", "ws"}, {"User", "u" + std::to_string(i)}};
  };
  EXPECT_EQ(run(by_file["value_count"], 100, users), 1u);
  // temporal and temporal_ordered: the three recon rules by one user on one computer.
  auto user = [](int) { return std::map<std::string, std::string>{{"ComputerName", "pc"}, {"User", "u"}}; };
  EXPECT_EQ(run(by_file["temporal"], 3, user), 1u);
  EXPECT_EQ(run(by_file["temporal_ordered"], 3, user), 1u);
  // value_sum: more than 1,000,000 bytes sent in an hour.
  auto sent = [](int) {
    return std::map<std::string, std::string>{{"SourceIP", "10.0.0.1"}, {"User", "u"}, {"bytes_sent", "400000"}};
  };
  EXPECT_EQ(run(by_file["value_sum"], 3, sent), 1u);
  EXPECT_EQ(run(by_file["value_sum"], 2, sent), 0u);
  // value_avg: an average above 500 bytes out.
  auto out600 = [](int) {
    return std::map<std::string, std::string>{{"SourceIP", "10.0.0.1"}, {"User", "u"}, {"BytesOut", "600"}};
  };
  EXPECT_EQ(run(by_file["value_avg"], 1, out600), 1u);
  // value_percentile: an Image seen in at most 1% of a computer's process creations.
  auto images = [](int i) {
    return std::map<std::string, std::string>{{"ComputerName", "pc"},
                                              {"Image", i == 199 ? "rare.exe" : "common.exe"}};
  };
  EXPECT_EQ(run(by_file["value_percentile"], 200, images), 1u);
}

}  // namespace
}  // namespace rasid::correlate
