// Table of bad rules and the exact diagnostic each one gives (file:line:col: id: reason),
// in the style of Hyperscan's bad_patterns table.

#include <gtest/gtest.h>

#include "test_util.h"

namespace rasid::sigma {
namespace {

struct BadRule {
  const char* name;
  const char* yaml;
  const char* diagnostic;
};

// Most cases differ from a valid rule by one line; `id: r1` makes the rule id visible.
const BadRule kBadRules[] = {
    {"UnknownModifier",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    Image|contans: x\n  condition: sel\n",
     "test.yml:6:11: r1: unknown modifier 'contans'"},
    {"SecondModifierUnknown",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    'Image|contains|al': [a, b]\n  condition: sel\n",
     "test.yml:6:21: r1: unknown modifier 'al'"},
    {"TitleUsedWhenNoId",
     "title: My title\nlogsource: {product: w}\ndetection:\n  sel: {F|foo: 1}\n  condition: sel\n",
     "test.yml:4:11: My title: unknown modifier 'foo'"},
    {"AllOnSingleValue",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    F|contains|all: x\n  condition: sel\n",
     "test.yml:6:16: r1: modifier 'all' needs a list of two or more values"},
    {"Base64WithWildcard",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    F|base64: 'a*b'\n  condition: sel\n",
     "test.yml:6:15: r1: modifier 'base64' cannot encode a value with wildcards"},
    {"ReNotFirst",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    F|contains|re: 'a'\n  condition: sel\n",
     "test.yml:6:16: r1: modifier 're' must be the first modifier"},
    {"InvalidRegexInList",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    F|re:\n      - 'ok'\n      - '[a-'\n  condition: sel\n",
     "test.yml:8:9: r1: invalid regular expression: missing ]: [a-"},
    {"BadCidr",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    F|cidr: '300.1.1.1/8'\n  condition: sel\n",
     "test.yml:6:13: r1: invalid cidr network '300.1.1.1/8'"},
    {"UnsupportedTimeModifier",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    CreationTime|hour: 24\n  condition: sel\n",
     "test.yml:6:24: r1: modifier 'hour' needs a whole number from 0 to 23"},
    {"UnknownIdentifierInCondition",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel: {F: 1}\n  condition: sel and filter\n",
     "test.yml:6:22: r1: unknown search identifier 'filter'"},
    {"PatternMatchesNothing",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel: {F: 1}\n  condition: sel and not 1 of filter_*\n",
     "test.yml:6:31: r1: pattern 'filter_*' matches no search identifier"},
    {"LegacyAggregation",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel: {F: 1}\n  condition: sel | count() > 5\n",
     "test.yml:6:18: r1: legacy aggregation '|' is not supported in sigma v2 (use a correlation rule)"},
    {"LegacyTimeframe",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel: {F: 1}\n  timeframe: 5m\n  condition: sel\n",
     "test.yml:6:3: r1: legacy 'timeframe' is not supported in sigma v2 (use a correlation rule)"},
    {"MissingCondition",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel: {F: 1}\n",
     "test.yml:5:3: r1: detection has no condition"},
    {"MissingTitle",
     "id: r1\nlogsource: {product: w}\ndetection:\n  sel: {F: 1}\n  condition: sel\n",
     "test.yml:1:1: r1: rule has no title"},
    {"MissingLogsource",
     "title: t\nid: r1\ndetection:\n  sel: {F: 1}\n  condition: sel\n",
     "test.yml:1:1: r1: rule has no logsource"},
    {"NoKindSection",
     "title: t\nid: r1\nlogsource: {product: w}\n",
     "test.yml:1:1: r1: document has no detection, correlation or filter section"},
    {"UnknownLevel",
     "title: t\nid: r1\nlevel: severe\nlogsource: {product: w}\ndetection: {sel: {F: 1}, condition: sel}\n",
     "test.yml:3:8: r1: unknown level 'severe'"},
    {"UnknownStatus",
     "title: t\nid: r1\nstatus: beta\nlogsource: {product: w}\ndetection: {sel: {F: 1}, condition: sel}\n",
     "test.yml:3:9: r1: unknown status 'beta'"},
    {"YamlSyntaxError",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel: {F: 'unterminated}\n  condition: sel\n",
     "test.yml:7:1: r1: yaml error: end of map flow not found"},
    {"ValueIsMap",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    F: {a: 1}\n  condition: sel\n",
     "test.yml:6:8: r1: value of 'F' must be a scalar or a list"},
    {"CompareNeedsNumber",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    Count|gt: many\n  condition: sel\n",
     "test.yml:6:15: r1: modifier 'gt' needs a number"},
    {"TitleNotAString",
     "title: [a, b]\nid: r1\nlogsource: {product: w}\ndetection: {sel: {F: 1}, condition: sel}\n",
     "test.yml:1:8: r1: 'title' must be a string"},
    {"RelatedTypeUnknown",
     "title: t\nid: r1\nrelated:\n  - id: x\n    type: cousin\nlogsource: {product: w}\ndetection: {sel: {F: 1}, condition: sel}\n",
     "test.yml:5:11: r1: unknown related type 'cousin'"},
    {"MixedSelectionList",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    - F: 1\n    - plain\n  condition: sel\n",
     "test.yml:6:5: r1: search identifier 'sel' mixes maps and plain values"},
    {"ExistsNotBool",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    F|exists: 'yes'\n  condition: sel\n",
     "test.yml:6:15: r1: modifier 'exists' needs true or false"},
    {"DuplicateOnlyOneComparison",
     "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    F|gt|lt: 5\n  condition: sel\n",
     "test.yml:6:10: r1: only one of gt, gte, lt, lte may be given"},
    {"UnknownCorrelationType",
     "title: t\nid: r1\ncorrelation:\n  type: event_sum\n  rules: [a]\n  timespan: 1h\n  condition: {gte: 1}\n",
     "test.yml:4:9: r1: unknown correlation type 'event_sum'"},
    {"BadTimespan",
     "title: t\nid: r1\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 1 hour\n  condition: {gte: 1}\n",
     "test.yml:6:13: r1: invalid timespan '1 hour' (expected a number and s, m, h or d)"},
    {"ValueCountNeedsField",
     "title: t\nid: r1\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: 1h\n  condition: {gte: 1}\n",
     "test.yml:7:14: r1: correlation type 'value_count' needs condition.field"},
    {"CorrelationWithoutRules",
     "title: t\nid: r1\ncorrelation:\n  type: event_count\n  timespan: 1h\n  condition: {gte: 1}\n",
     "test.yml:4:3: r1: correlation has no rules"},
};

class BadRuleTest : public ::testing::TestWithParam<BadRule> {};

TEST_P(BadRuleTest, GivesExactDiagnostic) {
  EXPECT_EQ(testing::diagnostic(GetParam().yaml), GetParam().diagnostic);
}

INSTANTIATE_TEST_SUITE_P(Table, BadRuleTest, ::testing::ValuesIn(kBadRules),
                         [](const ::testing::TestParamInfo<BadRule>& param_info) {
                           return std::string(param_info.param.name);
                         });

}  // namespace
}  // namespace rasid::sigma
