// Value modifiers (checklist section 5): one line per modifier and combination, checking the
// Predicates they produce. Expected base64 values were computed with python3's base64 using
// pySigma's offsets.

#include <gtest/gtest.h>

#include "test_util.h"

namespace rasid::sigma {
namespace {

using testing::globs;
using testing::item;
using testing::reason;
using V = std::vector<std::string>;
using PK = Predicate::Kind;

std::string bytes(const FieldItem& it, std::size_t i = 0) {
  return it.predicates.at(i).glob.pieces.at(0).text;
}

TEST(ModifierTest, PlainValueIsWholeMatch) { EXPECT_EQ(globs("Image: 'C:\\a.exe'"), V{"C:\\a.exe"}); }
TEST(ModifierTest, Contains) { EXPECT_EQ(globs("CommandLine|contains: lsass"), V{"*lsass*"}); }
TEST(ModifierTest, ContainsKeepsExistingStars) { EXPECT_EQ(globs("F|contains: '*a*'"), V{"*a*"}); }
TEST(ModifierTest, ContainsOfEmptyIsStar) { EXPECT_EQ(globs("F|contains: ''"), V{"*"}); }
TEST(ModifierTest, StartsWith) { EXPECT_EQ(globs("User|startswith: adm_"), V{"adm_*"}); }
TEST(ModifierTest, EndsWith) { EXPECT_EQ(globs(R"(Image|endswith: '\cmd.exe')"), V{R"(*\cmd.exe)"}); }
TEST(ModifierTest, EndsWithEscapedStar) { EXPECT_EQ(globs(R"(F|endswith: 'a\*')"), V{R"(*a\*)"}); }
TEST(ModifierTest, ListIsOr) {
  FieldItem it = item("F|contains: [a, b]");
  EXPECT_EQ(globs(it), (V{"*a*", "*b*"}));
  EXPECT_FALSE(it.match_all);
}
TEST(ModifierTest, AllWithContains) {
  FieldItem it = item("CommandLine|contains|all: ['-a', '-b']");
  EXPECT_EQ(globs(it), (V{"*-a*", "*-b*"}));
  EXPECT_TRUE(it.match_all);
  EXPECT_EQ(it.modifiers, (V{"contains", "all"}));
}
TEST(ModifierTest, AllOnSingleValueIsError) {
  EXPECT_EQ(reason("F|contains|all: 'a'"), "modifier 'all' needs a list of two or more values");
}
TEST(ModifierTest, AllOnOneElementListIsError) {
  EXPECT_EQ(reason("F|contains|all: ['a']"), "modifier 'all' needs a list of two or more values");
}
TEST(ModifierTest, NullIsNullPredicate) { EXPECT_EQ(item("F: null").predicates.at(0).kind, PK::kNull); }
TEST(ModifierTest, TildeIsNull) { EXPECT_EQ(item("F: ~").predicates.at(0).kind, PK::kNull); }
TEST(ModifierTest, EmptyStringIsEmptyGlob) {
  const Predicate p = item("F: ''").predicates.at(0);
  EXPECT_EQ(p.kind, PK::kString);
  EXPECT_TRUE(p.glob.pieces.empty());
}
TEST(ModifierTest, IntegerIsCanonicalText) { EXPECT_EQ(globs("EventID: 4688"), V{"4688"}); }
TEST(ModifierTest, HexIntegerIsDecimalText) { EXPECT_EQ(globs("F: 0x10"), V{"16"}); }
TEST(ModifierTest, LeadingZerosAreKept) { EXPECT_EQ(globs("F|contains: 00000429"), V{"*00000429*"}); }
TEST(ModifierTest, QuotedNumberStaysText) { EXPECT_EQ(globs("F: '0x10'"), V{"0x10"}); }
TEST(ModifierTest, FloatIsCanonicalText) { EXPECT_EQ(globs("F: 1.50"), V{"1.5"}); }
TEST(ModifierTest, BoolIsCanonicalText) { EXPECT_EQ(globs("Signed: True"), V{"true"}); }
TEST(ModifierTest, NumberWithContains) { EXPECT_EQ(globs("F|contains: 42"), V{"*42*"}); }
TEST(ModifierTest, WhitespaceIsKept) { EXPECT_EQ(globs("F|contains: ' -enc '"), V{"* -enc *"}); }

TEST(ModifierTest, Base64) { EXPECT_EQ(globs("F|base64: http"), V{"aHR0cA=="}); }
TEST(ModifierTest, Base64Contains) { EXPECT_EQ(globs("F|base64|contains: http"), V{"*aHR0cA==*"}); }
TEST(ModifierTest, Base64OffsetThreeVariants) {
  EXPECT_EQ(globs("F|base64offset|contains: http"), (V{"*aHR0c*", "*h0dH*", "*odHRw*"}));
}
TEST(ModifierTest, Base64OffsetOfIexParen) {
  EXPECT_EQ(globs("F|base64offset|contains: 'IEX ('"), (V{"*SUVYIC*", "*lFWCAo*", "*JRVggK*"}));
}
TEST(ModifierTest, WideBase64Offset) {
  EXPECT_EQ(globs("F|wide|base64offset|contains: cmd"), (V{"*YwBtAGQA*", "*MAbQBkA*", "*jAG0AZA*"}));
}
TEST(ModifierTest, Base64OfWildcardIsError) {
  EXPECT_EQ(reason("F|base64: 'a*'"), "modifier 'base64' cannot encode a value with wildcards");
}
TEST(ModifierTest, Base64AfterContainsIsError) {
  EXPECT_EQ(reason("F|contains|base64: 'abc'"), "modifier 'base64' cannot encode a value with wildcards");
}
TEST(ModifierTest, Utf16Le) { EXPECT_EQ(bytes(item("F|utf16le: cmd")), std::string("c\0m\0d\0", 6)); }
TEST(ModifierTest, WideIsUtf16Le) { EXPECT_EQ(bytes(item("F|wide: cmd")), std::string("c\0m\0d\0", 6)); }
TEST(ModifierTest, Utf16Be) { EXPECT_EQ(bytes(item("F|utf16be: cmd")), std::string("\0c\0m\0d", 6)); }
TEST(ModifierTest, Utf16HasBom) { EXPECT_EQ(bytes(item("F|utf16: cmd")), std::string("\xFF\xFE" "c\0m\0d\0", 8)); }
TEST(ModifierTest, Utf16KeepsWildcards) {
  FieldItem it = item("F|wide|contains: a");
  ASSERT_EQ(it.predicates.at(0).glob.pieces.size(), 3u);
  EXPECT_EQ(it.predicates[0].glob.pieces[1].text, std::string("a\0", 2));
}

TEST(ModifierTest, WindashExpandsLeadingDash) {
  EXPECT_EQ(globs("F|windash: '-enc'"),
            (V{"-enc", "/enc", "\u2013enc", "\u2014enc", "\u2015enc"}));
}
TEST(ModifierTest, WindashSlashToo) { EXPECT_EQ(globs("F|windash: '/c'").size(), 5u); }
TEST(ModifierTest, WindashCartesianProduct) { EXPECT_EQ(globs("F|contains|windash: ' -a -b '").size(), 25u); }
TEST(ModifierTest, WindashSkipsDashInsideWord) { EXPECT_EQ(globs("F|windash: 'a-b'"), V{"a-b"}); }
TEST(ModifierTest, WindashSkipsDashBeforeSpace) { EXPECT_EQ(globs("F|windash: '- x'"), V{"- x"}); }
TEST(ModifierTest, WindashSecondDashOfDoubleDash) {
  EXPECT_EQ(globs("F|windash: '--x'"), (V{"--x", "-/x", "-\u2013x", "-\u2014x", "-\u2015x"}));
}
TEST(ModifierTest, WindashAfterContainsWildcard) {
  EXPECT_EQ(globs("F|contains|windash: '-x'").front(), "*-x*");
}
TEST(ModifierTest, AllWithWindashSplitsPerValue) {
  Rule rule = testing::load_rule(testing::rule_with("F|contains|all|windash: ['-a', '-b']"));
  const auto& items = rule.selections.at(0).alternatives.at(0);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].predicates.size(), 5u);
  EXPECT_FALSE(items[0].match_all);
}

TEST(ModifierTest, Regex) {
  const Predicate p = item("F|re: '(?i)ab+c'").predicates.at(0);
  EXPECT_EQ(p.kind, PK::kRegex);
  EXPECT_EQ(p.text, "(?i)ab+c");
  EXPECT_FALSE(p.regex_ignore_case);
}
TEST(ModifierTest, RegexFlags) {
  const Predicate p = item("F|re|i|m|s: 'a.b'").predicates.at(0);
  EXPECT_TRUE(p.regex_ignore_case && p.regex_multiline && p.regex_dotall);
}
TEST(ModifierTest, RegexFlagAliases) {
  const Predicate p = item("F|re|ignorecase|multiline|dotall: 'a'").predicates.at(0);
  EXPECT_TRUE(p.regex_ignore_case && p.regex_multiline && p.regex_dotall);
}
TEST(ModifierTest, RegexLazyAndNonCapturing) { EXPECT_EQ(item("F|re: '(?:a|b).*?c'").predicates.at(0).kind, PK::kRegex); }
TEST(ModifierTest, RegexKeepsBackslashes) { EXPECT_EQ(item(R"(F|re: '\d+\.\*')").predicates.at(0).text, R"(\d+\.\*)"); }
TEST(ModifierTest, InvalidRegexReportsRe2Error) {
  EXPECT_EQ(reason("F|re: 'a(b'"), "invalid regular expression: missing ): a(b");
}
TEST(ModifierTest, RegexNotFirstIsError) { EXPECT_EQ(reason("F|contains|re: 'a'"), "modifier 're' must be the first modifier"); }
TEST(ModifierTest, RegexFlagWithoutRe) { EXPECT_EQ(reason("F|i: 'a'"), "modifier 'i' needs 're' before it"); }
TEST(ModifierTest, ContainsAfterReIsError) {
  EXPECT_EQ(reason("F|re|contains: 'a'"), "modifier 'contains' cannot be applied to a regular expression");
}

TEST(ModifierTest, CidrIpv4) {
  const Predicate p = item("DestinationIp|cidr: '10.0.0.0/8'").predicates.at(0);
  EXPECT_EQ(p.kind, PK::kCidr);
  EXPECT_EQ(p.text, "10.0.0.0/8");
}
TEST(ModifierTest, CidrIpv6) { EXPECT_EQ(item("F|cidr: 'fe80::/10'").predicates.at(0).text, "fe80::/10"); }
TEST(ModifierTest, CidrList) { EXPECT_EQ(item("F|cidr: ['10.0.0.0/8', '::1/128']").predicates.size(), 2u); }
TEST(ModifierTest, CidrBadPrefix) { EXPECT_EQ(reason("F|cidr: '10.0.0.0/33'"), "invalid cidr network '10.0.0.0/33'"); }
TEST(ModifierTest, CidrBadAddress) { EXPECT_EQ(reason("F|cidr: 'fe80::zz/10'"), "invalid cidr network 'fe80::zz/10'"); }
TEST(ModifierTest, CidrNotFirst) { EXPECT_EQ(reason("F|contains|cidr: '10.0.0.0/8'"), "modifier 'cidr' must be the first modifier"); }

TEST(ModifierTest, ExistsTrue) {
  const Predicate p = item("F|exists: true").predicates.at(0);
  EXPECT_EQ(p.kind, PK::kExists);
  EXPECT_TRUE(p.exists_value);
}
TEST(ModifierTest, ExistsFalse) { EXPECT_FALSE(item("F|exists: false").predicates.at(0).exists_value); }
TEST(ModifierTest, ExistsNeedsBool) { EXPECT_EQ(reason("F|exists: 'yes'"), "modifier 'exists' needs true or false"); }
TEST(ModifierTest, ExistsAlone) {
  EXPECT_EQ(reason("F|exists|neq: true"), "modifier 'exists' cannot be combined with other modifiers");
}

TEST(ModifierTest, FieldRef) {
  const Predicate p = item("SubjectUserName|fieldref: TargetUserName").predicates.at(0);
  EXPECT_EQ(p.kind, PK::kFieldRef);
  EXPECT_EQ(p.text, "TargetUserName");
  EXPECT_EQ(p.fieldref_shape, Predicate::RefShape::kEquals);
}
TEST(ModifierTest, FieldRefContains) {
  EXPECT_EQ(item("F|fieldref|contains: G").predicates.at(0).fieldref_shape, Predicate::RefShape::kContains);
}
TEST(ModifierTest, FieldRefStartsWith) {
  EXPECT_EQ(item("F|fieldref|startswith: G").predicates.at(0).fieldref_shape, Predicate::RefShape::kStartsWith);
}
TEST(ModifierTest, FieldRefEndsWith) {
  EXPECT_EQ(item("F|fieldref|endswith: G").predicates.at(0).fieldref_shape, Predicate::RefShape::kEndsWith);
}
TEST(ModifierTest, FieldRefNeq) { EXPECT_TRUE(item("F|fieldref|neq: G").negate); }
TEST(ModifierTest, FieldRefAfterContainsIsError) {
  EXPECT_EQ(reason("F|contains|fieldref: G"), "modifier 'fieldref' needs a plain field name");
}

TEST(ModifierTest, Compare) {
  const Predicate p = item("Count|gte: 10").predicates.at(0);
  EXPECT_EQ(p.kind, PK::kCompare);
  EXPECT_EQ(p.op, Predicate::CompareOp::kGte);
  EXPECT_EQ(p.number, 10);
}
TEST(ModifierTest, CompareOps) {
  EXPECT_EQ(item("F|gt: 1").predicates.at(0).op, Predicate::CompareOp::kGt);
  EXPECT_EQ(item("F|lt: -2.5").predicates.at(0).number, -2.5);
  EXPECT_EQ(item("F|lte: 1").predicates.at(0).op, Predicate::CompareOp::kLte);
}
TEST(ModifierTest, CompareNeedsNumber) { EXPECT_EQ(reason("F|gt: 'ten'"), "modifier 'gt' needs a number"); }
TEST(ModifierTest, CompareQuotedNumberIsNotNumber) { EXPECT_EQ(reason("F|lt: '10'"), "modifier 'lt' needs a number"); }

TEST(ModifierTest, Cased) { EXPECT_TRUE(item("F|cased: Abc").predicates.at(0).cased); }
TEST(ModifierTest, CasedContains) {
  FieldItem it = item("F|contains|cased: Abc");
  EXPECT_EQ(globs(it), V{"*Abc*"});
  EXPECT_TRUE(it.predicates.at(0).cased);
}
TEST(ModifierTest, NeqNegatesItem) {
  FieldItem it = item("F|neq: [a, b]");
  EXPECT_TRUE(it.negate);
  EXPECT_EQ(globs(it), (V{"a", "b"}));
}

TEST(ModifierTest, ExpandToEveryValue) {
  LoaderOptions o;
  o.placeholders["Workstations"] = {"ws1", "ws2*"};
  EXPECT_EQ(globs("F|expand: '%Workstations%'", o), (V{"ws1", "ws2*"}));
}
TEST(ModifierTest, ExpandInsideContains) {
  LoaderOptions o;
  o.placeholders["d"] = {"corp"};
  EXPECT_EQ(globs("F|contains|expand: 'x%d%'", o), (V{"*xcorp*"}));
}
TEST(ModifierTest, ExpandCartesian) {
  LoaderOptions o;
  o.placeholders["a"] = {"1", "2"};
  o.placeholders["b"] = {"x", "y"};
  EXPECT_EQ(globs("F|expand: '%a%-%b%'", o), (V{"1-x", "1-y", "2-x", "2-y"}));
}
TEST(ModifierTest, ExpandEscapedPercent) {
  LoaderOptions o;
  o.placeholders["a"] = {"1"};
  EXPECT_EQ(globs(R"(F|expand: '\%a\% %a%')", o), (V{"%a% 1"}));
}
TEST(ModifierTest, PercentWithoutExpandIsLiteral) { EXPECT_EQ(globs("F: '%COMSPEC%'"), V{"%COMSPEC%"}); }
TEST(ModifierTest, UnresolvedPlaceholderKeepsRuleMarkedMissing) {
  std::vector<Rule> rules;
  Diagnostics diags;
  Loader().load_text(
      "title: t\nid: r1\nlogsource: {product: w}\ndetection:\n  sel:\n    F|expand: ['%Servers%', 'x']\n"
      "  condition: sel\n",
      "test.yml", rules, diags);
  ASSERT_EQ(rules.size(), 1u);
  ASSERT_EQ(rules[0].missing_placeholders.size(), 1u);
  EXPECT_EQ(rules[0].missing_placeholders[0].name, "Servers");
  EXPECT_EQ(rules[0].missing_placeholders[0].where.line, 6);
  // The value needing the placeholder expands to nothing; the plain value stays.
  ASSERT_EQ(rules[0].selections[0].alternatives[0][0].predicates.size(), 1u);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].to_string(),
            "test.yml:6:16: r1: placeholder '%Servers%' has no value: the rule loads but will not "
            "run until a placeholder file gives one (--placeholders)");
}

TEST(ModifierTest, WindashVariantCapPerValue) {
  EXPECT_EQ(reason("F|windash: '-a -b -c -d -e -f'"), "modifier 'windash' gives more than 4096 variants");
}
TEST(ModifierTest, RulePredicateCap) {
  std::string list = "F|windash: [";
  for (int i = 0; i < 40; ++i) list += std::string(i ? ", " : "") + "'-a -b -c -d -e " + std::to_string(i) + "'";
  list += "]";
  EXPECT_EQ(reason(list), "rule expands to more than 100000 values");
}
TEST(ModifierTest, UnknownModifier) { EXPECT_EQ(reason("F|contans: a"), "unknown modifier 'contans'"); }
TEST(ModifierTest, TimeModifiersNeedWholeNumbersInRange) {
  EXPECT_EQ(reason("F|hour: 'x'"), "modifier 'hour' needs a number");
  EXPECT_EQ(reason("F|minute: 60"), "modifier 'minute' needs a whole number from 0 to 59");
  EXPECT_EQ(reason("F|month: 0"), "modifier 'month' needs a whole number from 1 to 12");
  EXPECT_EQ(reason("F|gte|hour: 3"), "modifier 'hour' must come before gt, gte, lt, lte");
}
TEST(ModifierTest, EmptyModifier) { EXPECT_EQ(reason("F||contains: a"), "empty modifier"); }
TEST(ModifierTest, NullWithContainsIsError) {
  EXPECT_EQ(reason("F|contains: null"), "modifier 'contains' cannot be applied to null");
}

TEST(SelectionTest, MapIsAndOfItems) {
  Rule rule = testing::load_rule(testing::rule_with("A: 1\nB: 2"));
  ASSERT_EQ(rule.selections.at(0).alternatives.size(), 1u);
  EXPECT_EQ(rule.selections[0].alternatives[0].size(), 2u);
}
TEST(SelectionTest, ListOfMapsIsOr) {
  Rule rule = testing::load_rule(testing::rule_with("- A: 1\n- B: 2\n  C: 3"));
  ASSERT_EQ(rule.selections.at(0).alternatives.size(), 2u);
  EXPECT_EQ(rule.selections[0].alternatives[1].size(), 2u);
}
TEST(SelectionTest, KeywordList) {
  FieldItem it = item("- 'event::clear'\n- 'event::drop'");
  EXPECT_TRUE(it.field.empty());
  EXPECT_EQ(globs(it), (V{"event::clear", "event::drop"}));
}
TEST(SelectionTest, KeywordMapWithAll) {
  FieldItem it = item("'|all': ['OabVirtualDirectory', ' -ExternalUrl ']");
  EXPECT_TRUE(it.field.empty());
  EXPECT_TRUE(it.match_all);
  EXPECT_EQ(it.predicates.size(), 2u);
}
TEST(SelectionTest, FieldNameKeptAsWritten) { EXPECT_EQ(item("userIdentity.arn|contains: x").field, "userIdentity.arn"); }
TEST(SelectionTest, MixedListIsError) {
  EXPECT_EQ(reason("- A: 1\n- b"), "search identifier 'sel' mixes maps and plain values");
}

}  // namespace
}  // namespace rasid::sigma
