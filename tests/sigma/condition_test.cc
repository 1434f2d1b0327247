// Condition grammar (checklist section 6): tree shapes, quantifier resolution and errors.

#include <gtest/gtest.h>

#include "test_util.h"

namespace rasid::sigma {
namespace {

// A rule with search identifiers a, b, c, sel_1, sel_2, _hidden and the given condition.
std::string rule(std::string_view condition) {
  return std::string(
             "title: Cond\n"
             "logsource: {product: windows}\n"
             "detection:\n"
             "    a: {F: 1}\n"
             "    b: {F: 2}\n"
             "    c: {F: 3}\n"
             "    sel_1: {F: 4}\n"
             "    sel_2: {F: 5}\n"
             "    _hidden: {F: 6}\n"
             "    condition: ") +
         std::string(condition) + "\n";
}

// The tree in prefix notation: and(...), or(...), not(...), a, one(a,b), all(a,b).
std::string tree(const Condition& c, const Rule& r) {
  auto join = [&](std::string_view name, const std::vector<Condition>& kids) {
    std::string out = std::string(name) + "(";
    for (std::size_t i = 0; i < kids.size(); ++i) out += (i ? "," : "") + tree(kids[i], r);
    return out + ")";
  };
  auto names = [&](std::string_view name) {
    std::string out = std::string(name) + "(";
    for (std::size_t i = 0; i < c.selections.size(); ++i) {
      out += (i ? "," : "") + r.selections.at(c.selections[i]).name;
    }
    return out + ")";
  };
  switch (c.kind) {
    case Condition::Kind::kAnd: return join("and", c.children);
    case Condition::Kind::kOr: return join("or", c.children);
    case Condition::Kind::kNot: return join("not", c.children);
    case Condition::Kind::kSelection: return r.selections.at(c.selections.at(0)).name;
    case Condition::Kind::kOneOf: return names("one");
    case Condition::Kind::kAllOf: return names("all");
  }
  return "?";
}

std::string parsed(std::string_view condition) {
  Rule r = testing::load_rule(rule(condition));
  return tree(r.condition, r);
}

std::string error(std::string_view condition) { return testing::diagnostic(rule(condition)); }

TEST(ConditionTest, Identifier) { EXPECT_EQ(parsed("a"), "a"); }
TEST(ConditionTest, AndBindsTighterThanOr) { EXPECT_EQ(parsed("a and b or c"), "or(and(a,b),c)"); }
TEST(ConditionTest, OrThenAnd) { EXPECT_EQ(parsed("a or b and c"), "or(a,and(b,c))"); }
TEST(ConditionTest, AndChainIsFlat) { EXPECT_EQ(parsed("a and b and c"), "and(a,b,c)"); }
TEST(ConditionTest, NotBindsTighterThanAnd) { EXPECT_EQ(parsed("not a and b"), "and(not(a),b)"); }
TEST(ConditionTest, NotNot) { EXPECT_EQ(parsed("not not a"), "not(not(a))"); }
TEST(ConditionTest, Parentheses) { EXPECT_EQ(parsed("a and (b or c)"), "and(a,or(b,c))"); }
TEST(ConditionTest, NotOfParentheses) { EXPECT_EQ(parsed("not (a or b)"), "not(or(a,b))"); }
TEST(ConditionTest, OneOfPattern) { EXPECT_EQ(parsed("1 of sel_*"), "one(sel_1,sel_2)"); }
TEST(ConditionTest, AnyOfIsOneOf) { EXPECT_EQ(parsed("any of sel_*"), "one(sel_1,sel_2)"); }
TEST(ConditionTest, AllOfPattern) { EXPECT_EQ(parsed("all of sel_*"), "all(sel_1,sel_2)"); }
TEST(ConditionTest, OneOfExactName) { EXPECT_EQ(parsed("1 of a"), "one(a)"); }
TEST(ConditionTest, PatternInTheMiddle) { EXPECT_EQ(parsed("1 of s*_2"), "one(sel_2)"); }
TEST(ConditionTest, ThemSkipsUnderscore) { EXPECT_EQ(parsed("all of them"), "all(a,b,c,sel_1,sel_2)"); }
TEST(ConditionTest, StarSkipsUnderscore) { EXPECT_EQ(parsed("1 of *"), "one(a,b,c,sel_1,sel_2)"); }
TEST(ConditionTest, UnderscorePatternMatchesUnderscore) { EXPECT_EQ(parsed("1 of _h*"), "one(_hidden)"); }
TEST(ConditionTest, UnderscoreIdentifierByName) { EXPECT_EQ(parsed("a and not _hidden"), "and(a,not(_hidden))"); }
TEST(ConditionTest, NotOfQuantifier) {
  EXPECT_EQ(parsed("all of sel_* and not 1 of a*"), "and(all(sel_1,sel_2),not(one(a)))");
}
TEST(ConditionTest, ConditionListIsOr) {
  Rule r = testing::load_rule(
      "title: L\nlogsource: {product: x}\ndetection:\n  a: {F: 1}\n  b: {F: 2}\n"
      "  condition:\n    - a\n    - b\n");
  EXPECT_EQ(tree(r.condition, r), "or(a,b)");
}

TEST(ConditionTest, PatternWithNoMatch) {
  EXPECT_EQ(error("a and not 1 of filter_*"),
            "test.yml:10:31: Cond: pattern 'filter_*' matches no search identifier");
}
TEST(ConditionTest, UnknownIdentifier) {
  EXPECT_EQ(error("a and selection"), "test.yml:10:22: Cond: unknown search identifier 'selection'");
}
TEST(ConditionTest, ColumnInsideQuotedCondition) {
  EXPECT_EQ(error("'a and nope'"), "test.yml:10:23: Cond: unknown search identifier 'nope'");
}
TEST(ConditionTest, WildcardNeedsQuantifier) {
  EXPECT_EQ(error("sel_*"), "test.yml:10:16: Cond: pattern 'sel_*' needs '1 of' or 'all of'");
}
TEST(ConditionTest, MissingOperand) { EXPECT_EQ(error("a and"), "test.yml:10:21: Cond: expected a search identifier but found 'end of condition'"); }
TEST(ConditionTest, UnbalancedParenthesis) { EXPECT_EQ(error("(a or b"), "test.yml:10:23: Cond: expected ')' but found 'end of condition'"); }
TEST(ConditionTest, TrailingToken) { EXPECT_EQ(error("a b"), "test.yml:10:18: Cond: unexpected 'b' in condition"); }
TEST(ConditionTest, LegacyCountAggregation) {
  EXPECT_EQ(error("a | count() by Host > 5"),
            "test.yml:10:18: Cond: legacy aggregation '|' is not supported in sigma v2 (use a correlation rule)");
}
TEST(ConditionTest, UppercaseKeywordIsNotKeyword) {
  EXPECT_EQ(error("a AND b"), "test.yml:10:18: Cond: unexpected 'AND' in condition");
}
TEST(ConditionTest, DeepNestingIsRefused) {
  std::string deep(300, '(');
  deep += "a" + std::string(300, ')');
  EXPECT_NE(error(deep).find("condition nests too deeply"), std::string::npos);
}

}  // namespace
}  // namespace rasid::sigma
