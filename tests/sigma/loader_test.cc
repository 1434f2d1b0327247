// Loader: documents, metadata, rule kinds, correlation and filter sections, placeholders.

#include <filesystem>

#include <gtest/gtest.h>

#include "test_util.h"

namespace rasid::sigma {
namespace {

const std::filesystem::path kShared = RASID_SHARED_DIR;
const std::filesystem::path kSpecTests = kShared / "data/sigma/spec/tests/schema";

constexpr std::string_view kFullRule = R"(title: Full rule
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
name: full_rule
related:
    - id: 0e95725d-7320-415d-80f7-004da920fc11
      type: derived
status: experimental
description: Every metadata field
license: DRL-1.1
author: Someone
references:
    - https://example.org/a
date: 2024-01-02
modified: 2024-02-03
tags:
    - attack.execution
    - attack.t1059
logsource:
    category: process_creation
    product: windows
    service: sysmon
    definition: needs sysmon
detection:
    sel:
        Image|endswith: '\cmd.exe'
    condition: sel
fields:
    - CommandLine
falsepositives: Admins
level: high
regression_tests_path: regression/x.yml
simulation:
    - type: atomic-red-team
)";

TEST(LoaderTest, ReadsEveryMetadataField) {
  Rule r = testing::load_rule(kFullRule);
  EXPECT_EQ(r.kind, RuleKind::kDetection);
  EXPECT_EQ(r.title, "Full rule");
  EXPECT_EQ(r.id, "6f3e2987-db24-4c78-a860-b4f4095a7095");
  EXPECT_EQ(r.name, "full_rule");
  ASSERT_EQ(r.related.size(), 1u);
  EXPECT_EQ(r.related[0].type, "derived");
  EXPECT_EQ(r.status, Status::kExperimental);
  EXPECT_EQ(r.description, "Every metadata field");
  EXPECT_EQ(r.license, "DRL-1.1");
  EXPECT_EQ(r.author, "Someone");
  EXPECT_EQ(r.references, std::vector<std::string>{"https://example.org/a"});
  EXPECT_EQ(r.date, "2024-01-02");
  EXPECT_EQ(r.modified, "2024-02-03");
  EXPECT_EQ(r.tags.size(), 2u);
  EXPECT_EQ(r.logsource.category, "process_creation");
  EXPECT_EQ(r.logsource.product, "windows");
  EXPECT_EQ(r.logsource.service, "sysmon");
  EXPECT_EQ(r.logsource.definition, "needs sysmon");
  EXPECT_EQ(r.fields, std::vector<std::string>{"CommandLine"});
  EXPECT_EQ(r.falsepositives, std::vector<std::string>{"Admins"});
  EXPECT_EQ(r.level, Level::kHigh);
  EXPECT_TRUE(r.has_level);
  EXPECT_EQ(r.taxonomy, "sigma");
  EXPECT_EQ(r.where.to_string(), "test.yml:1");
  EXPECT_EQ(r.selections.at(0).where.to_string(), "test.yml:24:5");
  EXPECT_EQ(r.selections.at(0).alternatives.at(0).at(0).where.to_string(), "test.yml:25:9");
}

TEST(LoaderTest, DefaultsWithoutLevelOrStatus) {
  Rule r = testing::load_rule("title: t\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n");
  EXPECT_EQ(r.level, Level::kMedium);
  EXPECT_FALSE(r.has_level);
  EXPECT_EQ(r.status, Status::kUnknown);
  EXPECT_EQ(r.display_id(), "t");
}

// rasid's custom field detection_window: a Sigma timespan; anything else fails the rule.
TEST(LoaderTest, DetectionWindowCustomField) {
  Rule r = testing::load_rule(
      "title: t\ndetection_window: 6h\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n");
  ASSERT_TRUE(r.detection_window_seconds.has_value());
  EXPECT_EQ(*r.detection_window_seconds, 6 * 3600);
  EXPECT_FALSE(testing::load_rule("title: t\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n")
                   .detection_window_seconds.has_value());
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(testing::load("title: bad\ndetection_window: soon\nlogsource: {product: x}\n"
                          "detection: {s: {a: 1}, condition: s}\n",
                          rules, diags),
            1u);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].to_string(),
            "test.yml:2:19: bad: detection_window: 'soon' is not a duration (a number and s, m, h or d)");
}

TEST(LoaderTest, BadDocumentIsSkippedOthersLoad) {
  std::string text =
      "title: one\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n"
      "---\n"
      "title: two\nid: broken-doc\ndetection: [unclosed\n"
      "---\n"
      "title: three\nlogsource: {product: x}\ndetection: {s: {a|x: 1}, condition: s}\n"
      "---\n"
      "title: four\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n";
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(testing::load(text, rules, diags), 2u);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].title, "one");
  EXPECT_EQ(rules[1].title, "four");
  EXPECT_EQ(rules[1].where.line, 13);
  ASSERT_EQ(diags.items().size(), 2u);
  EXPECT_EQ(diags.items()[0].rule_id, "broken-doc");
  EXPECT_EQ(diags.items()[0].where.line, 8);
  EXPECT_EQ(diags.items()[1].to_string(),
            "test.yml:11:19: three: unknown modifier 'x'");
}

TEST(LoaderTest, EmptyTrailingDocumentIsIgnored) {
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(testing::load("title: t\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n---\n",
                          rules, diags),
            0u);
  EXPECT_EQ(rules.size(), 1u);
  EXPECT_TRUE(diags.empty());
}

TEST(LoaderTest, DirectiveStaysWithItsDocument) {
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(testing::load("%YAML 1.2\n---\ntitle: t\nlogsource: {product: x}\n"
                          "detection: {s: {a: 1}, condition: s}\n",
                          rules, diags),
            0u);
  EXPECT_EQ(rules.size(), 1u);
  for (const Diagnostic& d : diags.items()) ADD_FAILURE() << d.to_string();
}

TEST(LoaderTest, RootFlowNodeFollowedByCommaDoesNotHang) {
  // yaml-cpp 0.7's LoadAll loops forever on this (found by fuzzing).
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(testing::load("[m], x\n", rules, diags), 1u);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].to_string(), "test.yml:1:1: document is not a map");
}

TEST(LoaderTest, DocumentEndMarkerSeparatesDocuments) {
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(testing::load("title: a\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n"
                          "...\n"
                          "title: b\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n",
                          rules, diags),
            0u);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1].title, "b");
  EXPECT_EQ(rules[1].where.line, 5);
}

TEST(LoaderTest, DeepFlowNestingIsRefused) {
  std::string text = "title: deep\nlogsource: {product: x}\ndetection: " + std::string(500, '[') +
                     std::string(500, ']') + "\n";
  EXPECT_EQ(testing::diagnostic(text), "test.yml:1:1: deep: document nests deeper than 64 levels");
}

TEST(LoaderTest, DeepBlockNestingIsRefused) {
  std::string text = "title: deep\ndetection:\n";
  for (int i = 0; i < 200; ++i) text += "- ";
  text += "x\n";
  EXPECT_EQ(testing::diagnostic(text), "test.yml:1:1: deep: document nests deeper than 64 levels");
}

TEST(LoaderTest, BracketsInQuotedValuesDoNotCountAsNesting) {
  std::string value = "'" + std::string(100, '{') + "'";
  FieldItem it = testing::item("F|contains: " + value);
  EXPECT_EQ(it.predicates.size(), 1u);
}

TEST(LoaderTest, HugeTextIsRefused) {
  std::string text(9u << 20, ' ');
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(testing::load(text, rules, diags), 1u);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].message, "file is larger than 8388608 bytes");
}

TEST(LoaderTest, UnreadableFile) {
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(Loader().load_file("tests/testdata/no-such-rule.yml", rules, diags), 1u);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].to_string(), "tests/testdata/no-such-rule.yml: cannot read file");
}

TEST(LoaderTest, CustomKeysAreIgnored) {
  Rule r = testing::load_rule(
      "title: t\nx-custom: {a: [1, 2]}\nlogsource: {product: x, custom: y}\n"
      "detection: {s: {a: 1}, condition: s}\n");
  EXPECT_EQ(r.title, "t");
}

TEST(LoaderTest, LoadsSpecCorrelationExamples) {
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(Loader().load_path(kSpecTests / "correlation", rules, diags), 0u);
  for (const Diagnostic& d : diags.items()) ADD_FAILURE() << d.to_string();
  ASSERT_EQ(rules.size(), 8u);
  for (const Rule& r : rules) {
    EXPECT_EQ(r.kind, RuleKind::kCorrelation);
    ASSERT_TRUE(r.correlation.has_value());
  }
}

TEST(LoaderTest, CorrelationFields) {
  Rule r = testing::load_rule(R"(title: Many failed logins
name: many_failed
correlation:
    type: value_count
    rules: [failed_login, other]
    group-by: [ComputerName]
    timespan: 90m
    generate: true
    condition:
        field: User
        gt: 100
        lte: 200
    aliases:
        host:
            failed_login: ComputerName
            other: Hostname
level: high
)");
  ASSERT_TRUE(r.correlation);
  const Correlation& c = *r.correlation;
  EXPECT_EQ(c.type, "value_count");
  EXPECT_EQ(c.rules, (std::vector<std::string>{"failed_login", "other"}));
  EXPECT_EQ(c.group_by, std::vector<std::string>{"ComputerName"});
  EXPECT_EQ(c.timespan, "90m");
  EXPECT_EQ(c.timespan_seconds, 5400);
  EXPECT_TRUE(c.generate);
  ASSERT_EQ(c.condition.size(), 2u);
  EXPECT_EQ(c.condition[0].op, Correlation::Op::kGt);
  EXPECT_EQ(c.condition[1].value, 200);
  EXPECT_EQ(c.condition_fields, std::vector<std::string>{"User"});
  EXPECT_EQ(c.aliases.at("host").at("other"), "Hostname");
}

TEST(LoaderTest, TemporalDefaultsToAllRules) {
  Rule r = testing::load_rule(
      "title: t\ncorrelation: {type: temporal, rules: [a, b, c], group-by: [h], timespan: 5m}\n");
  ASSERT_EQ(r.correlation->condition.size(), 1u);
  EXPECT_EQ(r.correlation->condition[0].op, Correlation::Op::kGte);
  EXPECT_EQ(r.correlation->condition[0].value, 3);
}

TEST(LoaderTest, FilterSection) {
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(Loader().load_file(kSpecTests / "filter/filter_1.yml", rules, diags), 0u);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].kind, RuleKind::kFilter);
  ASSERT_TRUE(rules[0].filter);
  EXPECT_EQ(rules[0].filter->rules.size(), 2u);
  EXPECT_FALSE(rules[0].filter->any);
  ASSERT_EQ(rules[0].selections.size(), 1u);
  EXPECT_EQ(rules[0].selections[0].name, "selection");
}

TEST(ApplyFiltersTest, AndsFilterIntoNamedRulesOfCoveredLogsource) {
  std::string text = R"(title: Rar
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource: {category: process_creation, product: windows}
detection:
    selection: {Image|endswith: '\rar.exe'}
    condition: selection
---
title: Other product
id: df0841c0-9846-4e9f-ad8a-7df91571771b
logsource: {category: process_creation, product: linux}
detection:
    selection: {Image|endswith: '/rar'}
    condition: selection
---
title: Not named
id: aaaaaaaa-9846-4e9f-ad8a-7df91571771b
logsource: {category: process_creation, product: windows}
detection:
    selection: {Image|endswith: '\x.exe'}
    condition: selection
---
title: Filter admins
logsource: {product: windows}
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095
        - df0841c0-9846-4e9f-ad8a-7df91571771b
        - missing-rule
    selection:
        User|startswith: 'adm_'
    condition: not selection
)";
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(testing::load(text, rules, diags), 0u);
  ASSERT_EQ(rules.size(), 4u);
  apply_filters(rules, diags);
  ASSERT_EQ(rules.size(), 3u);  // the filter itself is gone
  const Rule& rar = rules[0];
  ASSERT_EQ(rar.selections.size(), 2u);
  EXPECT_EQ(rar.selections[1].name, "_filter0_selection");
  ASSERT_EQ(rar.condition.kind, Condition::Kind::kAnd);
  ASSERT_EQ(rar.condition.children.size(), 2u);
  EXPECT_EQ(rar.condition.children[0].selections, std::vector<std::size_t>{0});
  ASSERT_EQ(rar.condition.children[1].kind, Condition::Kind::kNot);
  EXPECT_EQ(rar.condition.children[1].children.at(0).selections, std::vector<std::size_t>{1});
  EXPECT_EQ(rules[1].selections.size(), 1u);  // linux: logsource not covered
  EXPECT_EQ(rules[2].selections.size(), 1u);  // not named
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].severity, Severity::kWarning);
  EXPECT_EQ(diags.items()[0].message, "filter names rule 'missing-rule' which is not loaded");
}

TEST(ApplyFiltersTest, EmptyRuleListMeansAny) {
  std::string text =
      "title: r\nlogsource: {product: windows}\ndetection: {s: {a: 1}, condition: s}\n---\n"
      "title: f\nlogsource: {product: windows}\nfilter: {rules: any, s: {b: 2}, condition: not s}\n";
  std::vector<Rule> rules;
  Diagnostics diags;
  EXPECT_EQ(testing::load(text, rules, diags), 0u);
  apply_filters(rules, diags);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].selections.size(), 2u);
  EXPECT_TRUE(diags.empty());
}

TEST(PlaceholdersTest, LoadsSampleFile) {
  Result<Placeholders> p = load_placeholders("tests/testdata/placeholders.yml");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_FALSE(p->at("Workstations").empty());
  EXPECT_FALSE(p->at("DC-MACHINE-NAME").empty());
}

TEST(PlaceholdersTest, MissingFileIsError) {
  Result<Placeholders> p = load_placeholders("tests/testdata/no-such-file.yml");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace rasid::sigma
