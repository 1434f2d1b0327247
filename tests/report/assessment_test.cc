// compute_assessment() over a small dataset whose every figure was computed by hand (the
// expected numbers below are written out, not produced by the code under test; the 95%
// intervals were worked out with python3's math module from the Katz formula in stats.h).

#include "report/assessment.h"

#include <map>

#include "report/render.h"

#include <gtest/gtest.h>

namespace rasid::report {
namespace {

using Json = nlohmann::ordered_json;

Micros at(const char* date) {
  auto parsed = parse_report_date(date);
  EXPECT_TRUE(parsed.has_value()) << date;
  return parsed.value_or(0);
}

DetectionRecord detection(const char* authority, const char* rule, const char* level,
                          const char* host, const char* when, std::vector<std::string> tags,
                          const char* tlp = "amber", const char* indicator = "") {
  DetectionRecord d;
  d.authority = authority;
  d.rule_id = rule;
  d.rule_title = std::string("Title ") + rule;
  d.level = level;
  d.host = host;
  d.first_seen = at(when);
  d.tags = std::move(tags);
  d.tlp = tlp;
  d.indicator = indicator;
  return d;
}

const std::vector<std::string> kCred = {"attack.credential-access", "attack.t1003.001"};
const std::vector<std::string> kPs = {"attack.execution", "attack.t1059.001"};
const std::vector<std::string> kOld = {"attack.t1002"};  // revoked, replaced by T1560 (collection)

// The dataset (July 2026 against the 31 days before, and July 2025):
//   current:  health R-cred high: 1 per day on 1..12 July (h1 on 1-6, h2 on 7-12)   12
//             energy R-cred high e1 on 3 July                                          8
//             energy R-ps medium e2 on 20 July                                         5
//             finance indicator 203.0.113.5 high f1 on 25 July (TLP green)             3
//             health R-old critical h1 on 31 July 23:00                                2  = 30
//   previous: health R-cred high on 10 June (10), energy R-ps medium on 15 June (5)      = 15
//   year:     health R-cred high on 5 July 2025                                          = 6
//   outside:  energy R-ps on 1 January 2026 (in no window)
AssessmentInput dataset() {
  AssessmentInput in;
  in.authorities = {{"health", "health"}, {"energy", "energy"}, {"finance", "banking"},
                    {"water", "drinking-water"}};
  for (int day = 1; day <= 12; ++day) {
    const std::string when = "2026-07-" + std::string(day < 10 ? "0" : "") + std::to_string(day);
    in.detections.push_back(detection("health", "R-cred", "high", day <= 6 ? "h1" : "h2", when.c_str(), kCred));
  }
  for (int i = 0; i < 8; ++i) in.detections.push_back(detection("energy", "R-cred", "high", "e1", "2026-07-03", kCred));
  for (int i = 0; i < 5; ++i) in.detections.push_back(detection("energy", "R-ps", "medium", "e2", "2026-07-20", kPs));
  for (int i = 0; i < 3; ++i) {
    in.detections.push_back(detection("finance", "intel", "high", "f1", "2026-07-25", {}, "green",
                                      "ipv4-addr:203.0.113.5"));
  }
  for (int i = 0; i < 2; ++i) {
    in.detections.push_back(detection("health", "R-old", "critical", "h1", "2026-07-31T23:00:00Z", kOld));
  }
  for (int i = 0; i < 10; ++i) in.detections.push_back(detection("health", "R-cred", "high", "h1", "2026-06-10", kCred));
  for (int i = 0; i < 5; ++i) in.detections.push_back(detection("energy", "R-ps", "medium", "e2", "2026-06-15", kPs));
  for (int i = 0; i < 6; ++i) in.detections.push_back(detection("health", "R-cred", "high", "h1", "2025-07-05", kCred));
  in.detections.push_back(detection("energy", "R-ps", "medium", "e2", "2026-01-01", kPs));

  auto incident = [&](std::int64_t id, const char* created, std::optional<const char*> triaged,
                      std::optional<const char*> resolved, std::vector<std::string> authorities) {
    IncidentRecord i;
    i.id = id;
    i.title = "Incident " + std::to_string(id);
    i.severity = "high";
    i.status = resolved ? "resolved" : "triage";
    i.tlp = "amber";
    i.created = at(created);
    if (triaged) i.triaged = at(*triaged);
    if (resolved) i.resolved = at(*resolved);
    i.authorities = std::move(authorities);
    in.incidents.push_back(std::move(i));
  };
  incident(1, "2026-07-04", "2026-07-04T06:00:00Z", "2026-07-06", {"health", "energy"});  // 6 h, 48 h
  incident(2, "2026-07-21", "2026-07-22T12:00:00Z", std::nullopt, {"energy"});            // 36 h, open
  incident(3, "2026-06-01", "2026-06-01T01:00:00Z", std::nullopt, {"health", "energy"});  // previous period
  incident(4, "2026-07-26", "2026-07-26T01:00:00Z", "2026-07-27T01:00:00Z", {"finance", "water", "health"});  // 1 h, 25 h
  in.active_rule_tags = {{"attack.t1003.001"}, {"attack.t1059.001", "attack.execution"}, {"attack.t1002"},
                         {"attack.t1003.001"}, {"attack.s0002"}};
  in.have_rules = true;
  in.data_as_of = at("2026-08-01T06:30:00Z");
  return in;
}

class AssessmentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = AttackMatrix::load(std::string(RASID_SHARED_DIR) + "/data/attack/enterprise-attack-compact.json");
    ASSERT_TRUE(loaded.has_value());
    matrix_ = new AttackMatrix(std::move(*loaded));
  }
  static void TearDownTestSuite() { delete matrix_; }

  static Json run(AssessmentOptions options = {}) {
    if (options.from == 0) {
      options.from = at("2026-07-01");
      options.to = at("2026-08-01");
    }
    auto report = compute_assessment(dataset(), options, *matrix_);
    EXPECT_TRUE(report.has_value()) << report.error().to_string();
    return report.value_or(Json());
  }
  static AttackMatrix* matrix_;
};
AttackMatrix* AssessmentTest::matrix_ = nullptr;

TEST_F(AssessmentTest, PeriodsAndMarking) {
  Json r = run();
  EXPECT_EQ(r["meta"]["period"]["from"], "2026-07-01T00:00:00Z");
  EXPECT_EQ(r["meta"]["period"]["days"], 31.0);
  EXPECT_EQ(r["meta"]["comparison"]["from"], "2026-05-31T00:00:00Z");
  EXPECT_EQ(r["meta"]["comparison"]["to"], "2026-07-01T00:00:00Z");
  EXPECT_EQ(r["meta"]["year_before"]["from"], "2025-07-01T00:00:00Z");
  EXPECT_EQ(r["meta"]["data_as_of"], "2026-08-01T06:30:00Z");
  EXPECT_EQ(r["meta"]["tlp"], "TLP:AMBER");
}

TEST_F(AssessmentTest, TotalsAndChange) {
  const Json r = run();
  const Json& f = r["figures"]["detections_total"];
  EXPECT_EQ(f["current"], 30);
  EXPECT_EQ(f["previous"], 15);
  EXPECT_EQ(f["year_before"], 6);
  EXPECT_DOUBLE_EQ(f["change"]["ratio"].get<double>(), 1.0);
  EXPECT_NEAR(f["change"]["ci95_low"].get<double>(), 0.07609716441861147, 1e-9);
  EXPECT_NEAR(f["change"]["ci95_high"].get<double>(), 2.717136455945501, 1e-9);
  EXPECT_EQ(f["change"]["text"], "+100% (95% CI +8% to +272%)");
  EXPECT_EQ(f["change_year"]["text"], "n/a (previous period: 6)");
}

TEST_F(AssessmentTest, LevelsAndSeverityByMonth) {
  Json r = run();
  const Json& rows = r["figures"]["detections_by_level"]["rows"];
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], (Json{{"level", "critical"}, {"current", 2}, {"previous", 0}, {"change", "n/a (previous period: 0)"}}));
  EXPECT_EQ(rows[1]["current"], 23);
  EXPECT_EQ(rows[1]["previous"], 10);
  EXPECT_EQ(rows[2]["current"], 5);
  EXPECT_EQ(rows[2]["previous"], 5);
  EXPECT_EQ(r["figures"]["detections_by_level"]["high_and_critical"]["text"], "+150% (95% CI +20% to +421%)");
  const Json& months = r["figures"]["severity_by_month"];
  EXPECT_EQ(months["months"], Json::array({"2026-07"}));
  EXPECT_EQ(months["levels"]["critical"], Json::array({2}));
  EXPECT_EQ(months["levels"]["high"], Json::array({23}));
  EXPECT_EQ(months["levels"]["medium"], Json::array({5}));
  EXPECT_EQ(months["levels"]["low"], Json::array({0}));
}

TEST_F(AssessmentTest, OverTimeByDayAligned) {
  const Json r = run();
  const Json& f = r["figures"]["detections_over_time"];
  EXPECT_EQ(f["bucket"], "day");
  ASSERT_EQ(f["labels"].size(), 31u);
  EXPECT_EQ(f["labels"][0], "2026-07-01");
  EXPECT_EQ(f["labels"][30], "2026-07-31");
  std::vector<std::int64_t> current(31, 0);
  for (int i = 0; i < 12; ++i) current[static_cast<std::size_t>(i)] = 1;
  current[2] = 9;    // 3 July: 1 (health) + 8 (energy)
  current[19] = 5;   // 20 July
  current[24] = 3;   // 25 July
  current[30] = 2;   // 31 July
  EXPECT_EQ(f["current"].get<std::vector<std::int64_t>>(), current);
  std::vector<std::int64_t> previous(31, 0);
  previous[10] = 10;  // 10 June is day 10 after 31 May
  previous[15] = 5;   // 15 June
  EXPECT_EQ(f["previous"].get<std::vector<std::int64_t>>(), previous);
}

TEST_F(AssessmentTest, AuthoritiesAndSectors) {
  Json r = run();
  const Json& rows = r["figures"]["by_authority"]["rows"];
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0]["authority"], "health");
  EXPECT_EQ(rows[0]["current"], 14);
  EXPECT_EQ(rows[0]["previous"], 10);
  EXPECT_EQ(rows[1]["authority"], "energy");
  EXPECT_EQ(rows[1]["current"], 13);
  EXPECT_EQ(rows[2]["authority"], "finance");
  EXPECT_EQ(rows[2]["current"], 3);
  EXPECT_EQ(rows[3]["authority"], "water");
  EXPECT_EQ(rows[3]["current"], 0);
  EXPECT_EQ(r["figures"]["by_authority"]["monitored"], 4);
  EXPECT_EQ(r["figures"]["by_authority"]["with_detections"], 3);
  EXPECT_EQ(r["figures"]["by_authority"]["with_detections_previous"], 2);
  const Json& sectors = r["figures"]["by_sector"]["rows"];
  ASSERT_EQ(sectors.size(), 4u);
  EXPECT_EQ(sectors[0]["sector"], "banking");
  EXPECT_EQ(sectors[0]["current"], 3);
  EXPECT_EQ(sectors[0]["per_authority"], 3.0);
  EXPECT_EQ(sectors[1]["sector"], "drinking-water");
  EXPECT_EQ(sectors[1]["current"], 0);
  EXPECT_EQ(sectors[3]["sector"], "health");
  EXPECT_EQ(sectors[3]["current"], 14);
}

TEST_F(AssessmentTest, AttackTacticsTechniquesAndRevokedIds) {
  Json r = run();
  const Json& tactics = r["figures"]["by_tactic"]["rows"];
  ASSERT_EQ(tactics.size(), 14u);
  EXPECT_EQ(tactics[0]["shortname"], "reconnaissance");
  for (const auto& row : tactics) {
    const std::string name = row["shortname"];
    if (name == "credential-access") {
      EXPECT_EQ(row["current"], 20);
      EXPECT_EQ(row["previous"], 10);
      EXPECT_EQ(row["change"], "+100% (95% CI -6% to +327%)");
    } else if (name == "execution") {
      EXPECT_EQ(row["current"], 5);
      EXPECT_EQ(row["previous"], 5);
    } else if (name == "collection") {
      EXPECT_EQ(row["current"], 2);  // T1002 -> T1560
    } else {
      EXPECT_EQ(row["current"], 0) << name;
    }
  }
  const Json& techniques = r["figures"]["top_techniques"]["rows"];
  ASSERT_EQ(techniques.size(), 3u);
  EXPECT_EQ(techniques[0]["technique_id"], "T1003.001");
  EXPECT_EQ(techniques[0]["name"], "LSASS Memory");
  EXPECT_EQ(techniques[0]["current"], 20);
  EXPECT_EQ(techniques[1]["technique_id"], "T1059.001");
  EXPECT_EQ(techniques[2]["technique_id"], "T1560");
  EXPECT_EQ(techniques[2]["remapped_from"], Json::array({"T1002"}));
}

TEST_F(AssessmentTest, TopRulesIndicatorsHosts) {
  Json r = run();
  const Json& rules = r["figures"]["top_rules"]["rows"];
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0]["rule_id"], "R-cred");
  EXPECT_EQ(rules[0]["current"], 20);
  EXPECT_EQ(rules[0]["authorities"], 2);
  EXPECT_EQ(rules[1]["rule_id"], "R-ps");
  EXPECT_EQ(rules[2]["rule_id"], "R-old");
  const Json& indicators = r["figures"]["top_indicators"]["rows"];
  ASSERT_EQ(indicators.size(), 1u);
  EXPECT_EQ(indicators[0], (Json{{"indicator", "ipv4-addr:203.0.113.5"}, {"current", 3}, {"authorities", 1}}));
  const Json& hosts = r["figures"]["top_hosts"]["rows"];
  ASSERT_EQ(hosts.size(), 5u);
  EXPECT_EQ(hosts[0], (Json{{"authority", "energy"}, {"host", "e1"}, {"current", 8}}));
  EXPECT_EQ(hosts[1], (Json{{"authority", "health"}, {"host", "h1"}, {"current", 8}}));
  EXPECT_EQ(hosts[2], (Json{{"authority", "health"}, {"host", "h2"}, {"current", 6}}));
  EXPECT_EQ(hosts[3]["current"], 5);
  EXPECT_EQ(hosts[4]["current"], 3);
}

TEST_F(AssessmentTest, IncidentsAndResponseTimes) {
  Json r = run();
  const Json& cross = r["figures"]["cross_authority_incidents"];
  EXPECT_EQ(cross["count"], 2);
  EXPECT_EQ(cross["incidents_opened"], 3);
  EXPECT_EQ(cross["rows"][0]["id"], 1);
  EXPECT_EQ(cross["rows"][1]["id"], 4);
  const Json& times = r["figures"]["response_times"];
  EXPECT_EQ(times["triage"]["n"], 3);
  EXPECT_EQ(times["triage"]["median_hours"], 6.0);   // of 1, 6, 36
  EXPECT_EQ(times["triage"]["p90_hours"], 36.0);
  EXPECT_EQ(times["resolve"]["n"], 2);
  EXPECT_EQ(times["resolve"]["median_hours"], 25.0);  // of 25, 48
  EXPECT_EQ(times["resolve"]["p90_hours"], 48.0);
  EXPECT_EQ(times["open"], 1);
}

TEST_F(AssessmentTest, CoverageAndRecommendations) {
  Json r = run();
  const Json& coverage = r["figures"]["rule_coverage"];
  EXPECT_EQ(coverage["covered"], 3);  // T1003.001, T1059.001, T1560 (from revoked T1002)
  EXPECT_EQ(coverage["active_techniques"], 691);
  EXPECT_NEAR(coverage["ratio"].get<double>(), 3.0 / 691.0, 1e-12);
  std::vector<std::string> rules;
  for (const auto& rec : r["recommendations"]) rules.push_back(rec["rule"]);
  EXPECT_EQ(rules, (std::vector<std::string>{"R1", "R2", "R4", "R6", "R7"}));
  EXPECT_NE(r["recommendations"][4]["finding"].get<std::string>().find("water"), std::string::npos);
  ASSERT_EQ(r["key_judgements"].size(), 5u);
  EXPECT_EQ(r["key_judgements"][0]["statement"],
            "30 deduplicated detections in the period; change against the comparison period: "
            "+100% (95% CI +8% to +272%).");
  EXPECT_EQ(r["key_judgements"][2]["statement"],
            "Most detected ATT&CK tactic: Credential Access (20 detections; change: +100% (95% CI -6% to +327%)).");
}

TEST_F(AssessmentTest, TlpFilterWithholdsAndCounts) {
  AssessmentOptions options;
  options.from = at("2026-07-01");
  options.to = at("2026-08-01");
  options.tlp = "green";
  Json r = run(options);
  EXPECT_EQ(r["meta"]["tlp"], "TLP:GREEN");
  EXPECT_EQ(r["figures"]["detections_total"]["current"], 3);
  EXPECT_EQ(r["figures"]["detections_total"]["previous"], 0);
  // Withheld: 27 current + 15 previous + 6 year-before detections, 3 incidents of July.
  EXPECT_EQ(r["meta"]["withheld_above_tlp"], 51);
}

TEST_F(AssessmentTest, OneAuthorityAndYearComparison) {
  AssessmentOptions options;
  options.from = at("2026-07-01");
  options.to = at("2026-08-01");
  options.authority = "energy";
  options.compare = Compare::kYear;
  Json r = run(options);
  EXPECT_EQ(r["figures"]["detections_total"]["current"], 13);
  EXPECT_EQ(r["figures"]["detections_total"]["previous"], 0);  // energy had none in July 2025
  EXPECT_EQ(r["meta"]["comparison"]["from"], "2025-07-01T00:00:00Z");
  EXPECT_EQ(r["figures"]["by_authority"]["rows"].size(), 1u);
  EXPECT_EQ(r["figures"]["cross_authority_incidents"]["count"], 1);  // incident 1 involves energy
}

TEST(AssessmentErrors, BadOptions) {
  auto matrix = AttackMatrix::parse(R"({"tactics":[],"techniques":[]})", "m");
  ASSERT_TRUE(matrix);
  AssessmentOptions options;
  options.from = at("2026-07-01");
  options.to = at("2026-07-01");
  EXPECT_FALSE(compute_assessment({}, options, *matrix));
  options.to = at("2026-08-01");
  options.tlp = "purple";
  EXPECT_EQ(compute_assessment({}, options, *matrix).error().code, ErrorCode::kInvalidArgument);
  options.tlp = "";
  options.compare = Compare::kRange;
  options.compare_from = at("2026-01-01");
  options.compare_to = at("2026-01-15");
  auto mismatch = compute_assessment({}, options, *matrix);
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("different length"), std::string::npos);
  options.compare = Compare::kPrevious;
  options.authority = "nobody";
  EXPECT_EQ(compute_assessment({}, options, *matrix).error().code, ErrorCode::kNotFound);
}

TEST(ReportDates, ParseAndFormat) {
  EXPECT_EQ(format_datetime(*parse_report_date("2026-02-28T23:59:59Z")), "2026-02-28T23:59:59Z");
  EXPECT_EQ(*parse_report_date("1970-01-02"), 86'400'000'000);
  EXPECT_FALSE(parse_report_date("2026-02-30"));
  EXPECT_FALSE(parse_report_date("2026-13-01"));
  EXPECT_FALSE(parse_report_date("yesterday"));
  EXPECT_FALSE(parse_report_date("2026-01-01T25:00:00Z"));
  EXPECT_EQ(tlp_rank("amber+strict"), 3);
  EXPECT_EQ(tlp_rank("nope"), -1);
}

}  // namespace
}  // namespace rasid::report

namespace rasid::report {
namespace {

TEST_F(AssessmentTest, HtmlIsSelfContainedAndCarriesTheFigures) {
  const Json r = run();
  const std::string html = render_report_html(r, *matrix_);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_NE(html.find("TLP:AMBER"), std::string::npos);
  EXPECT_NE(html.find("+100% (95% CI +8% to +272%)"), std::string::npos);
  EXPECT_NE(html.find("data-label=\"health\" data-value=\"14\""), std::string::npos);
  EXPECT_NE(html.find("data-technique=\"T1003.001\" data-value=\"20\""), std::string::npos);
  EXPECT_NE(html.find("The MITRE Corporation"), std::string::npos);
  for (const char* section : {"cover", "key-judgements", "scope", "over-time", "severity", "authorities",
                              "attack", "top", "incidents", "coverage", "recommendations", "annex"}) {
    EXPECT_NE(html.find(std::string("id=\"") + section + "\""), std::string::npos) << section;
  }
}

TEST_F(AssessmentTest, CsvTablesAndLayer) {
  const Json r = run();
  auto tables = render_report_csv(r);
  std::map<std::string, std::string> by_name(tables.begin(), tables.end());
  ASSERT_TRUE(by_name.count("by_authority.csv"));
  EXPECT_EQ(by_name["by_authority.csv"].substr(0, by_name["by_authority.csv"].find("\r\n", 45) + 2),
            "authority,sector,current,previous,change\r\nhealth,health,14,10,+40% (95% CI -38% to +215%)\r\n");
  EXPECT_NE(by_name["top_techniques.csv"].find("T1560,Archive Collected Data,2,0,n/a (previous period: 0),T1002"),
            std::string::npos);
  EXPECT_EQ(csv_field("a\"b"), "\"a\"\"b\"");
  Layer layer = report_layer(r);
  EXPECT_EQ(layer.techniques.size(), 3u);
  EXPECT_EQ(layer.attack_version, "18.1");
}

}  // namespace
}  // namespace rasid::report
