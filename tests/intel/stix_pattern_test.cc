// Parser of STIX patterns: the tree it builds, and the error (column and reason) for each kind
// of bad pattern.

#include <string>

#include <gtest/gtest.h>

#include "intel/stix_pattern.h"

namespace rasid::intel {
namespace {

struct BadPattern {
  const char* pattern;
  int column;
  const char* message_part;
};

class StixPatternErrorTest : public ::testing::TestWithParam<BadPattern> {};

TEST_P(StixPatternErrorTest, ReportsColumnAndReason) {
  const BadPattern& bad = GetParam();
  auto parsed = parse_stix_pattern(bad.pattern);
  ASSERT_FALSE(parsed.has_value()) << bad.pattern;
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
  EXPECT_EQ(parsed.error().where.column, bad.column) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find(bad.message_part), std::string::npos)
      << "message: " << parsed.error().message;
  EXPECT_EQ(parsed.error().message.rfind("column " + std::to_string(bad.column) + ": ", 0), 0u)
      << parsed.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, StixPatternErrorTest,
    ::testing::Values(
        BadPattern{"", 1, "empty pattern"},
        BadPattern{"file:size = 1280", 1, "expected '[' or '('"},
        BadPattern{"[file:size = ]", 14, "expected a literal value, found ']'"},
        BadPattern{"[file:hashes.MD5 = cead3f]", 20, "expected a literal value, found identifier"},
        BadPattern{"[file.size = 1280]", 6, "expected ':' after the object type"},
        BadPattern{"[file:name MATCHES /x/]", 20, "expected a string literal after MATCHES"},
        BadPattern{"[a:b = 1] WITHIN ]", 18, "positive number of seconds"},
        BadPattern{"[a:b = 1] WITHIN 5 HOURS", 20, "expected SECONDS"},
        BadPattern{"[a:b = 1] WITHIN -5 SECONDS", 18, "positive number"},
        BadPattern{"[a:b ISSUBSET ]", 15, "string literal after ISSUBSET"},
        BadPattern{"[a:b =? 'x']", 7, "unexpected character '?'"},
        BadPattern{"[a:b = t'2457-73-22T32:81:84.1Z']", 8, "invalid timestamp literal"},
        BadPattern{"[a:b = b'====']", 8, "invalid binary literal"},
        BadPattern{"[a:b = h'abc']", 8, "invalid hex literal"},
        BadPattern{"[a:b = 1] within 2 seconds", 11, "after the end of the pattern"},
        BadPattern{"[a:b = 'unterminated]", 8, "unterminated string literal"},
        BadPattern{"[a:b = 'bad \\n escape']", 13, "invalid escape"},
        BadPattern{"[a:b > true]", 8, "cannot be compared with a boolean"},
        BadPattern{"[a:b = null]", 8, "expected a literal value"},
        BadPattern{"[some-type:needs-quotes = 1]", 12, "contains '-': quote it"},
        BadPattern{"[a:b IN (1, 2]", 14, "expected ',' or ')'"},
        BadPattern{"[a:b IN 1]", 9, "'(' starting the set"},
        BadPattern{"[a:b = 1] REPEATS 2.5 TIMES", 19, "positive integer after REPEATS"},
        BadPattern{"[a:b = 1] START t'2020-01-01T00:00:00Z'", 40, "expected STOP"},
        BadPattern{"[a:b = 1] START '2020-01-01T00:00:00Z' STOP '2020-01-02T00:00:00Z'", 17,
                   "timestamp literal t'...' after START"},
        BadPattern{"[a:b = 1] AND", 14, "starting an observation expression"},
        BadPattern{"[]", 2, "empty observation expression"},
        BadPattern{"[a:b[x] = 1]", 6, "list index or '*'"},
        BadPattern{"[a:b = 1 /* never closed", 10, "unterminated comment"},
        BadPattern{"[a:b = 'é'] AND ×", 17, "unexpected character '×'"},
        BadPattern{"[a:b = 99999999999999999999]", 8, "out of range"}));

TEST(StixPatternTest, BuildsComparisonTree) {
  auto p = parse_stix_pattern(
      "[file:hashes.'SHA-256' = 'ab' OR (file:name != 'x' AND NOT EXISTS file:parent_ref.name)]");
  ASSERT_TRUE(p.has_value()) << p.error().message;
  ASSERT_TRUE(p->is_single_observation());
  const auto& root = p->observations[p->root];
  const auto& top = p->comparisons[root.comparison];
  ASSERT_EQ(top.kind, ComparisonNode::Kind::kOr);
  const auto& hash = p->comparisons[top.lhs];
  EXPECT_EQ(to_string(hash.path), "file:hashes.'SHA-256'");
  EXPECT_EQ(hash.values.at(0).bytes, "ab");
  const auto& both = p->comparisons[top.rhs];
  ASSERT_EQ(both.kind, ComparisonNode::Kind::kAnd);
  const auto& exists = p->comparisons[both.rhs];
  EXPECT_EQ(exists.op, CompareOp::kExists);
  EXPECT_TRUE(exists.negated);
  EXPECT_EQ(to_string(exists.path), "file:parent_ref.name");
}

TEST(StixPatternTest, ObservationOperatorPrecedence) {
  // FOLLOWEDBY binds loosest, then OR, then AND; qualifiers bind to the expression before them.
  auto p = parse_stix_pattern("[a:x = 1] AND [a:x = 2] OR [a:x = 3] FOLLOWEDBY [a:x = 4] "
                              "WITHIN 5 SECONDS");
  ASSERT_TRUE(p.has_value()) << p.error().message;
  const auto& root = p->observations[p->root];
  ASSERT_EQ(root.kind, ObservationNode::Kind::kFollowedBy);
  EXPECT_EQ(p->observations[root.lhs].kind, ObservationNode::Kind::kOr);
  EXPECT_EQ(p->observations[p->observations[root.lhs].lhs].kind, ObservationNode::Kind::kAnd);
  EXPECT_EQ(p->observations[root.rhs].kind, ObservationNode::Kind::kWithin);
  EXPECT_FALSE(p->is_single_observation());
}

TEST(StixPatternTest, LiteralsAreDecoded) {
  auto p = parse_stix_pattern(
      "[a:b IN (+5, -3, .5, -0.25, 'it\\'s \\\\ ok', true, b'AQID', h'0aFF', "
      "t'2020-02-29T10:00:00.5Z')]");
  ASSERT_TRUE(p.has_value()) << p.error().message;
  const auto& values = p->comparisons[p->observations[p->root].comparison].values;
  ASSERT_EQ(values.size(), 9u);
  EXPECT_EQ(values[0].int_value, 5);
  EXPECT_EQ(values[1].int_value, -3);
  EXPECT_DOUBLE_EQ(values[2].float_value, 0.5);
  EXPECT_DOUBLE_EQ(values[3].float_value, -0.25);
  EXPECT_EQ(values[4].bytes, "it's \\ ok");
  EXPECT_TRUE(values[5].bool_value);
  EXPECT_EQ(values[6].bytes, std::string("\x01\x02\x03"));
  EXPECT_EQ(values[7].bytes, std::string("\x0a\xff"));
  EXPECT_EQ(values[8].kind, Literal::Kind::kTimestamp);
  EXPECT_EQ(values[8].bytes, "2020-02-29T10:00:00.5Z");
}

TEST(StixPatternTest, OperatorSpellingsAndCommentsAndUnicodeSpaces) {
  for (const char* text : {"[a:b == 1]", "[a:b <> 1]", "[a:b\u00a0=\u30001]",
                           "/* c */ [a:b = 1] // trailing", "[a:'quoted.key'[*][0] >= -1]",
                           "[a:b NOT LIKE 'x%' AND a:c NOT MATCHES '^x' OR a:d NOT IN ()]",
                           "[x-type:p ISSUPERSET '10.0.0.1'] REPEATS 2 TIMES WITHIN .5 SECONDS",
                           "([a:b = 1]) START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'"}) {
    auto p = parse_stix_pattern(text);
    EXPECT_TRUE(p.has_value()) << text << ": " << p.error().message;
  }
}

TEST(StixPatternTest, Stix20AcceptsStringTimestampsInStartStop) {
  const char* text = "[a:b = 1] START '2020-01-01T00:00:00Z' STOP '2020-01-02T00:00:00Z'";
  EXPECT_TRUE(parse_stix_pattern(text, StixVersion::k20).has_value());
  EXPECT_FALSE(parse_stix_pattern(text, StixVersion::k21).has_value());
}

TEST(StixPatternTest, DeepNestingIsALimitNotACrash) {
  std::string text(5000, '(');
  text += "[a:b = 1]";
  text += std::string(5000, ')');
  auto p = parse_stix_pattern(text);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kLimit);
  std::string ok_text = std::string(50, '(') + "[a:b = 1]" + std::string(50, ')');
  EXPECT_TRUE(parse_stix_pattern(ok_text).has_value());
}

TEST(StixPatternTest, LongOperatorChainsAreALimit) {
  std::string chain = "[a:b = 1]";
  for (int i = 0; i < 1500; ++i) chain += " AND [a:b = 1]";
  auto p = parse_stix_pattern(chain);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kLimit);
  std::string comparisons = "[a:b = 0";
  for (int i = 1; i < 1500; ++i) comparisons += " OR a:b = " + std::to_string(i);
  p = parse_stix_pattern(comparisons + "]");
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kLimit);
  std::string qualifiers = "[a:b = 1]";
  for (int i = 0; i < 1500; ++i) qualifiers += " REPEATS 1 TIMES";
  p = parse_stix_pattern(qualifiers);
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kLimit);
  std::string fine = "[a:b = 1]";
  for (int i = 0; i < 500; ++i) fine += " OR [a:b = 1]";
  EXPECT_TRUE(parse_stix_pattern(fine).has_value());
}

TEST(StixPatternTest, ColumnsCountCharactersNotBytes) {
  auto p = parse_stix_pattern("[a:b = 'ééé' AND ]");
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().where.column, 18);
}

TEST(StixPatternValidateTest, HashValuesOfKnownAlgorithms) {
  auto check = [](const char* text) {
    auto p = parse_stix_pattern(text);
    EXPECT_TRUE(p.has_value()) << text;
    return p && validate_stix_pattern(*p).has_value();
  };
  EXPECT_FALSE(check("[file:hashes.'SHA-256' = 'f00']"));
  EXPECT_FALSE(check("[file:hashes.MD5 = 'zz054025255fb1a26e4bc422aef54eb4']"));
  EXPECT_TRUE(check("[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']"));
  EXPECT_TRUE(check("[file:hashes.'SHA-1' IN ('2fd4e1c67a2d28fced849ee1bb76e7391b93eb12')]"));
  EXPECT_FALSE(check("[file:hashes.'SHA-1' IN ('2fd4e1c6')]"));
  EXPECT_TRUE(check("[file:hashes.SSDEEP = 'anything goes']"));  // not a hex digest
  EXPECT_TRUE(check("[file:hashes.'SHA-256' LIKE 'f00%']"));     // only = != IN are checked
}

TEST(StixPatternValidateTest, DuplicateQualifiersIn21) {
  auto check = [](const char* text, StixVersion v = StixVersion::k21) {
    auto p = parse_stix_pattern(text, v);
    EXPECT_TRUE(p.has_value()) << text;
    return p && validate_stix_pattern(*p).has_value();
  };
  EXPECT_FALSE(check("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS"));
  EXPECT_FALSE(check("([a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES)"));
  EXPECT_TRUE(check("([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS"));
  EXPECT_TRUE(check("([a:b = 1] REPEATS 2 TIMES) REPEATS 2 TIMES"));
  EXPECT_TRUE(check("[a:b = 1] REPEATS 2 TIMES WITHIN 5 SECONDS"));
  EXPECT_TRUE(check("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS", StixVersion::k20));
}

TEST(StixPatternTest, VersionNames) {
  EXPECT_EQ(parse_stix_version("2.0").value(), StixVersion::k20);
  EXPECT_EQ(parse_stix_version("2.1").value(), StixVersion::k21);
  EXPECT_FALSE(parse_stix_version("2.2").has_value());
}

}  // namespace
}  // namespace rasid::intel
