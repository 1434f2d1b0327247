// Sigma matching semantics, end to end: real loader, real compiler, real scanner, one line per
// case. The spec is ../shared/data/sigma/SPEC-CHECKLIST.md; section numbers refer to it.

#include <gtest/gtest.h>

#include "match_util.h"

namespace {

// --- 4. plain values, case, wildcards, escapes -------------------------------------------

TEST(SemanticsTest, PlainValueMatchesWholeValueCaseInsensitively) {
  expect_fires("sel: {Image: 'C:\\Windows\\cmd.exe'}\ncondition: sel", R"({"Image": "c:\\windows\\CMD.EXE"})");
  expect_silent("sel: {Image: 'cmd.exe'}\ncondition: sel", R"({"Image": "C:\\Windows\\cmd.exe"})");
}

TEST(SemanticsTest, StarMatchesAnyRunIncludingEmpty) {
  // A backslash before a wildcard must itself be escaped: 'C:\Windows\\*\evil.exe'.
  expect_fires("sel: {Image: 'C:\\Windows\\\\*\\evil.exe'}\ncondition: sel", R"({"Image": "C:\\Windows\\a\\b\\evil.exe"})");
  // Unescaped, '\*' is a literal star (the spec's escaping, a classic rule-writing trap).
  expect_silent("sel: {Image: 'C:\\Windows\\*\\evil.exe'}\ncondition: sel", R"({"Image": "C:\\Windows\\a\\evil.exe"})");
  expect_fires("sel: {Image: 'C:\\Windows\\*\\evil.exe'}\ncondition: sel", R"({"Image": "C:\\Windows*\\evil.exe"})");
  expect_fires("sel: {Image: 'ab*cd'}\ncondition: sel", R"({"Image": "abcd"})");
  expect_silent("sel: {Image: 'ab*cd'}\ncondition: sel", R"({"Image": "abcde"})");
}

TEST(SemanticsTest, QuestionMarkMatchesExactlyOneCharacter) {
  expect_fires("sel: {Image: 'evil?.exe'}\ncondition: sel", R"({"Image": "evil1.exe"})");
  expect_silent("sel: {Image: 'evil?.exe'}\ncondition: sel", R"({"Image": "evil.exe"})");
  expect_silent("sel: {Image: 'evil?.exe'}\ncondition: sel", R"({"Image": "evil12.exe"})");
  // One character, not one byte: 'é' is two bytes in UTF-8.
  expect_fires("sel: {Image: 'caf?'}\ncondition: sel", R"({"Image": "café"})");
}

TEST(SemanticsTest, EscapedStarIsLiteral) {
  expect_fires("sel: {CommandLine: 'a\\*b'}\ncondition: sel", R"({"CommandLine": "a*b"})");
  expect_silent("sel: {CommandLine: 'a\\*b'}\ncondition: sel", R"({"CommandLine": "axxb"})");
}

TEST(SemanticsTest, EscapedQuestionMarkIsLiteral) {
  expect_fires("sel: {CommandLine: 'what\\?'}\ncondition: sel", R"({"CommandLine": "what?"})");
  expect_silent("sel: {CommandLine: 'what\\?'}\ncondition: sel", R"({"CommandLine": "whatx"})");
}

TEST(SemanticsTest, DoubleBackslashIsOneBackslash) {
  expect_fires("sel: {Path: 'a\\\\b'}\ncondition: sel", R"({"Path": "a\\b"})");
  expect_silent("sel: {Path: 'a\\\\b'}\ncondition: sel", R"({"Path": "a\\\\b"})");
}

TEST(SemanticsTest, BackslashBeforeOtherCharacterStaysLiteral) {
  expect_fires("sel: {Image: 'C:\\Windows\\x.exe'}\ncondition: sel", R"({"Image": "C:\\Windows\\x.exe"})");
}

TEST(SemanticsTest, TrailingBackslashStaysLiteral) {
  expect_fires("sel: {Path: 'C:\\Windows\\'}\ncondition: sel", R"({"Path": "C:\\Windows\\"})");
  expect_fires("sel: {Path|endswith: 'Temp\\'}\ncondition: sel", R"({"Path": "C:\\Temp\\"})");
}

TEST(SemanticsTest, BackslashThenWildcard) {
  // '\\*' is a backslash followed by a wildcard.
  expect_fires("sel: {Path: 'C:\\\\*'}\ncondition: sel", R"({"Path": "C:\\anything"})");
  // '\\\*' is a backslash followed by a literal star.
  expect_fires("sel: {Path: 'C:\\\\\\*'}\ncondition: sel", R"({"Path": "C:\\*"})");
  expect_silent("sel: {Path: 'C:\\\\\\*'}\ncondition: sel", R"({"Path": "C:\\x"})");
}

TEST(SemanticsTest, WhitespaceIsNeverTrimmed) {
  expect_fires("sel: {CommandLine|contains: ' -enc '}\ncondition: sel", R"({"CommandLine": "ps -enc abc"})");
  expect_silent("sel: {CommandLine|contains: ' -enc '}\ncondition: sel", R"({"CommandLine": "ps -enc"})");
}

TEST(SemanticsTest, NonAsciiComparesExactly) {
  expect_fires("sel: {CommandLine|contains: '\u00a0'}\ncondition: sel", "{\"CommandLine\": \"a\u00a0b\"}");
  expect_silent("sel: {CommandLine|contains: '\u00a0'}\ncondition: sel", R"({"CommandLine": "a b"})");
}

TEST(SemanticsTest, EmptyStringMatchesExistingEmptyField) {
  expect_fires("sel: {Description: ''}\ncondition: sel", R"({"Description": ""})");
  expect_silent("sel: {Description: ''}\ncondition: sel", R"({"Image": "x"})");
  expect_silent("sel: {Description: ''}\ncondition: sel", R"({"Description": "x"})");
}

TEST(SemanticsTest, NullMatchesAbsentOrNullField) {
  expect_fires("sel: {PasswordLastSet: null}\ncondition: sel", R"({"Image": "x"})");
  expect_fires("sel: {PasswordLastSet: null}\ncondition: sel", R"({"PasswordLastSet": null})");
  expect_silent("sel: {PasswordLastSet: null}\ncondition: sel", R"({"PasswordLastSet": "2020"})");
}

TEST(SemanticsTest, NumbersCompareAsCanonicalText) {
  expect_fires("sel: {EventID: 4688}\ncondition: sel", R"({"EventID": 4688})");
  expect_fires("sel: {EventID: 4688}\ncondition: sel", R"({"EventID": "4688"})");
  expect_fires("sel: {EventID: '4688'}\ncondition: sel", R"({"EventID": 4688})");
  expect_silent("sel: {EventID: 4688}\ncondition: sel", R"({"EventID": 46880})");
}

TEST(SemanticsTest, BooleansCompareAsText) {
  expect_fires("sel: {Signed: true}\ncondition: sel", R"({"Signed": "true"})");
  expect_fires("sel: {Signed: true}\ncondition: sel", R"({"Signed": true})");
  expect_silent("sel: {Signed: true}\ncondition: sel", R"({"Signed": "false"})");
}

TEST(SemanticsTest, ListFieldMatchesWhenAnyElementMatches) {
  expect_fires("sel: {Data|contains: 'evil'}\ncondition: sel", R"({"Data": ["good", "evil thing"]})");
  expect_silent("sel: {Data|contains: 'evil'}\ncondition: sel", R"({"Data": ["good", "fine"]})");
}

TEST(SemanticsTest, DottedFieldNamesReachNestedObjects) {
  expect_fires("sel: {userIdentity.arn|endswith: ':root'}\ncondition: sel", R"({"userIdentity": {"arn": "arn:aws:iam::1:root"}})");
  expect_fires("sel: {id.orig_h: '10.0.0.1'}\ncondition: sel", R"({"id.orig_h": "10.0.0.1"})");
}

// --- 3. maps, lists, keywords ---------------------------------------------------------------

TEST(SemanticsTest, MapIsAnd) {
  expect_fires("sel: {Image|endswith: '\\a.exe', CommandLine|contains: 'x'}\ncondition: sel", R"({"Image": "C:\\a.exe", "CommandLine": "yxy"})");
  expect_silent("sel: {Image|endswith: '\\a.exe', CommandLine|contains: 'x'}\ncondition: sel", R"({"Image": "C:\\a.exe", "CommandLine": "yyy"})");
}

TEST(SemanticsTest, ListOfMapsIsOr) {
  expect_fires("sel:\n  - Image|endswith: '\\a.exe'\n  - OriginalFileName: 'a.exe'\ncondition: sel", R"({"OriginalFileName": "A.EXE"})");
  expect_silent("sel:\n  - Image|endswith: '\\a.exe'\n  - OriginalFileName: 'a.exe'\ncondition: sel", R"({"OriginalFileName": "b.exe"})");
}

TEST(SemanticsTest, ValueListIsOr) {
  expect_fires("sel: {Image|endswith: ['\\a.exe', '\\b.exe']}\ncondition: sel", R"({"Image": "C:\\b.exe"})");
}

TEST(SemanticsTest, ValueListMixingNullAndStringsIsOr) {
  // One item, tests of different kinds (the fast scanner orders them: string tests first).
  // The `tool` selection gives the rule a literal to prefilter on, so the fast scanner's
  // evaluator is the one tested.
  const char* rule =
      "sel: {Hash: ['abc', null, '*def*']}\ntool: {Image|endswith: '\\tool.exe'}\n"
      "condition: sel and tool";
  expect_fires(rule, R"({"Image": "C:\\tool.exe"})");
  expect_fires(rule, R"({"Image": "C:\\tool.exe", "Hash": "ABC"})");
  expect_fires(rule, R"({"Image": "C:\\tool.exe", "Hash": "xdefx"})");
  expect_silent(rule, R"({"Image": "C:\\tool.exe", "Hash": "abcd"})");
  expect_silent(rule, R"({"Image": "C:\\other.exe"})");
}

TEST(SemanticsTest, AllOverListFieldLetsEachValueMatchOnDifferentElements) {
  const char* rule = "sel: {Data|contains|all: ['evil', 'thing']}\ncondition: sel";
  expect_fires(rule, R"({"Data": ["evil one", "some thing"]})");
  expect_fires(rule, R"({"Data": ["good", "evil thing"]})");
  expect_silent(rule, R"({"Data": ["evil one", "good"]})");
}

TEST(SemanticsTest, KeywordsMatchAnywhereInAnyValue) {
  expect_fires("keywords: ['event::clear', 'event::drop']\ncondition: keywords", R"({"Data": "mimikatz # event::drop now"})");
  expect_silent("keywords: ['event::clear']\ncondition: keywords", R"({"Data": "nothing"})");
}

// Keyword values written with escapes in the JSON record: read by the decoder's flat fast path
// (simple escapes, joined for the keyword scan) or by On-Demand (\u).
TEST(SemanticsTest, KeywordsMatchValuesWrittenWithEscapes) {
  expect_fires("keywords: ['\\mimilib.dll']\ncondition: keywords", R"({"Data": "C:\\Windows\\mimilib.dll"})");
  expect_fires("keywords: ['say \"hi\"']\ncondition: keywords", R"({"Data": "they say \"hi\" loudly"})");
  expect_fires("keywords: [\"a\\tb\"]\ncondition: keywords", R"({"Data": "x a\tb y"})");
  expect_fires("keywords: ['mimikatz']\ncondition: keywords", R"({"Data": "\u006dimikatz"})");
  expect_fires("keywords: ['c:/temp/x']\ncondition: keywords", R"({"Data": "C:\/temp\/x"})");
  expect_fires("keywords: ['\\users\\evil']\ncondition: keywords", R"({"Data": "C:\\users\\evil"})");
  expect_fires("keywords: ['4624']\ncondition: keywords", R"({"EventID": 4624})");
  expect_fires("keywords: ['true']\ncondition: keywords", R"({"Flag": true})");
  expect_silent("keywords: ['\\mimilib.dll']\ncondition: keywords", R"({"Data": "C:\\Windows\\mimilib.dl"})");
  expect_silent("keywords: ['mimikatz']\ncondition: keywords", R"({"mimikatz": "a key is no value"})");
  expect_silent("keywords: ['null']\ncondition: keywords", R"({"Data": null})");
}

TEST(SemanticsTest, KeywordAllModifierNeedsEveryKeyword) {
  expect_fires("kw:\n  '|all': ['OabVirtualDirectory', ' -ExternalUrl ']\ncondition: kw", R"({"Payload": "Set-OabVirtualDirectory -ExternalUrl http://x"})");
  expect_silent("kw:\n  '|all': ['OabVirtualDirectory', ' -ExternalUrl ']\ncondition: kw", R"({"Payload": "Set-OabVirtualDirectory"})");
}

// --- 5. modifiers -------------------------------------------------------------------------

TEST(SemanticsTest, Contains) {
  expect_fires("sel: {CommandLine|contains: 'LSASS'}\ncondition: sel", R"({"CommandLine": "dump lsass.exe"})");
}

TEST(SemanticsTest, StartsWith) {
  expect_fires("sel: {User|startswith: 'adm_'}\ncondition: sel", R"({"User": "ADM_bob"})");
  expect_silent("sel: {User|startswith: 'adm_'}\ncondition: sel", R"({"User": "x_adm_bob"})");
}

TEST(SemanticsTest, EndsWith) {
  expect_fires("sel: {Image|endswith: '\\cmd.exe'}\ncondition: sel", R"({"Image": "C:\\x\\CMD.exe"})");
  expect_silent("sel: {Image|endswith: '\\cmd.exe'}\ncondition: sel", R"({"Image": "C:\\x\\cmd.exe.bak"})");
}

TEST(SemanticsTest, ContainsWithWildcardInside) {
  expect_fires("sel: {CommandLine|contains: 'a*b'}\ncondition: sel", R"({"CommandLine": "xx a123b yy"})");
  expect_silent("sel: {CommandLine|contains: 'a*b'}\ncondition: sel", R"({"CommandLine": "xx b a yy"})");
}

TEST(SemanticsTest, AllWithContainsNeedsEveryValue) {
  expect_fires("sel: {CommandLine|contains|all: ['-a', '-b']}\ncondition: sel", R"({"CommandLine": "x -b -a"})");
  expect_silent("sel: {CommandLine|contains|all: ['-a', '-b']}\ncondition: sel", R"({"CommandLine": "x -a"})");
}

TEST(SemanticsTest, CasedIsCaseSensitive) {
  expect_fires("sel: {CommandLine|cased: 'Evil'}\ncondition: sel", R"({"CommandLine": "Evil"})");
  expect_silent("sel: {CommandLine|cased: 'Evil'}\ncondition: sel", R"({"CommandLine": "evil"})");
  expect_silent("sel: {CommandLine|contains|cased: 'Evil'}\ncondition: sel", R"({"CommandLine": "an evil one"})");
}

TEST(SemanticsTest, WindashMatchesEveryDashVariant) {
  const char* rule = "sel: {CommandLine|contains|windash: ' -enc '}\ncondition: sel";
  expect_fires(rule, R"({"CommandLine": "powershell -enc AAA"})");
  expect_fires(rule, R"({"CommandLine": "powershell /enc AAA"})");
  expect_fires(rule, "{\"CommandLine\": \"powershell \u2013enc AAA\"}");
  expect_fires(rule, "{\"CommandLine\": \"powershell \u2014enc AAA\"}");
  expect_fires(rule, "{\"CommandLine\": \"powershell \u2015enc AAA\"}");
  expect_silent(rule, R"({"CommandLine": "powershell +enc AAA"})");
}

TEST(SemanticsTest, Base64MatchesEncodedValue) {
  // base64("http://") = "aHR0cDovLw=="
  expect_fires("sel: {CommandLine|base64|contains: 'http://'}\ncondition: sel", R"({"CommandLine": "x aHR0cDovLw== y"})");
}

TEST(SemanticsTest, Base64OffsetCoversAllThreeOffsets) {
  const char* rule = "sel: {CommandLine|base64offset|contains: 'http://'}\ncondition: sel";
  // base64("http://")   -> aHR0cDovLw==   offset 0 -> aHR0cDovL
  // base64(" http://")  -> IGh0dHA6Ly8=   offset 1 -> h0dHA6Ly
  // base64("  http://") -> ICBodHRwOi8v   offset 2 -> odHRwOi8v
  expect_fires(rule, R"({"CommandLine": "xxaHR0cDovLyy"})");
  expect_fires(rule, R"({"CommandLine": "xxh0dHA6Lyy"})");
  expect_fires(rule, R"({"CommandLine": "xxodHRwOi8vyy"})");
  expect_silent(rule, R"({"CommandLine": "http://"})");
}

TEST(SemanticsTest, WideBase64Offset) {
  // utf16le("ab") = 61 00 62 00 -> base64 "YQBiAA=="; offset 0 variant "YQBiA"
  expect_fires("sel: {CommandLine|wide|base64offset|contains: 'ab'}\ncondition: sel", R"({"CommandLine": "-e YQBiAA"})");
}

TEST(SemanticsTest, RegexSearchesAndIsCaseSensitive) {
  expect_fires("sel: {CommandLine|re: 'a[0-9]{2}b'}\ncondition: sel", R"({"CommandLine": "xx a12b yy"})");
  expect_silent("sel: {CommandLine|re: 'a[0-9]{2}b'}\ncondition: sel", R"({"CommandLine": "xx A12B yy"})");
  expect_silent("sel: {CommandLine|re: '^a$'}\ncondition: sel", R"({"CommandLine": "ba"})");
}

TEST(SemanticsTest, RegexFlags) {
  expect_fires("sel: {CommandLine|re|i: 'evil'}\ncondition: sel", R"({"CommandLine": "EVIL"})");
  expect_fires("sel: {CommandLine|re: '(?i)evil'}\ncondition: sel", R"({"CommandLine": "EVIL"})");
  expect_fires("sel: {CommandLine|re|m: '^b$'}\ncondition: sel", R"({"CommandLine": "a\nb\nc"})");
  expect_silent("sel: {CommandLine|re: '^b$'}\ncondition: sel", R"({"CommandLine": "a\nb\nc"})");
  expect_fires("sel: {CommandLine|re|s: 'a.b'}\ncondition: sel", R"({"CommandLine": "a\nb"})");
  expect_silent("sel: {CommandLine|re: 'a.b'}\ncondition: sel", R"({"CommandLine": "a\nb"})");
}

TEST(SemanticsTest, CidrIPv4) {
  expect_fires("sel: {DestinationIp|cidr: '10.0.0.0/8'}\ncondition: sel", R"({"DestinationIp": "10.1.2.3"})");
  expect_silent("sel: {DestinationIp|cidr: '10.0.0.0/8'}\ncondition: sel", R"({"DestinationIp": "11.1.2.3"})");
  expect_fires("sel: {DestinationIp|cidr: '192.168.1.0/25'}\ncondition: sel", R"({"DestinationIp": "192.168.1.127"})");
  expect_silent("sel: {DestinationIp|cidr: '192.168.1.0/25'}\ncondition: sel", R"({"DestinationIp": "192.168.1.128"})");
}

TEST(SemanticsTest, CidrIPv6) {
  expect_fires("sel: {DestinationIp|cidr: 'fe80::/10'}\ncondition: sel", R"({"DestinationIp": "fe80::1234:5678"})");
  expect_fires("sel: {DestinationIp|cidr: 'fe80::/10'}\ncondition: sel", R"({"DestinationIp": "febf::1"})");
  expect_silent("sel: {DestinationIp|cidr: 'fe80::/10'}\ncondition: sel", R"({"DestinationIp": "fec0::1"})");
  expect_silent("sel: {DestinationIp|cidr: 'fe80::/10'}\ncondition: sel", R"({"DestinationIp": "10.0.0.1"})");
}

TEST(SemanticsTest, ExistsTestsPresenceOnly) {
  expect_fires("sel: {Hashes|exists: true}\ncondition: sel", R"({"Hashes": ""})");
  expect_silent("sel: {Hashes|exists: true}\ncondition: sel", R"({"Image": "x"})");
  expect_fires("sel: {Hashes|exists: false}\ncondition: sel", R"({"Image": "x"})");
}

TEST(SemanticsTest, FieldRefComparesTwoFields) {
  expect_fires("sel: {SubjectUserName|fieldref: TargetUserName}\ncondition: sel", R"({"SubjectUserName": "Bob", "TargetUserName": "bob"})");
  expect_silent("sel: {SubjectUserName|fieldref: TargetUserName}\ncondition: sel", R"({"SubjectUserName": "Bob", "TargetUserName": "alice"})");
  expect_silent("sel: {SubjectUserName|fieldref: TargetUserName}\ncondition: sel", R"({"SubjectUserName": "Bob"})");
  expect_fires("sel: {CommandLine|fieldref|contains: Image}\ncondition: sel", R"({"CommandLine": "run c:\\x.exe now", "Image": "C:\\X.EXE"})");
}

TEST(SemanticsTest, NumericComparisons) {
  expect_fires("sel: {Count|gt: 10}\ncondition: sel", R"({"Count": 11})");
  expect_silent("sel: {Count|gt: 10}\ncondition: sel", R"({"Count": 10})");
  expect_fires("sel: {Count|gte: 10}\ncondition: sel", R"({"Count": "10"})");
  expect_fires("sel: {Count|lt: 10}\ncondition: sel", R"({"Count": 9.5})");
  expect_silent("sel: {Count|lte: 10}\ncondition: sel", R"({"Count": "abc"})");
}

TEST(SemanticsTest, TimeModifiersTakeThePartAsWritten) {
  expect_fires("sel: {UtcTime|hour: 3}\ncondition: sel", R"({"UtcTime": "2024-05-06 03:59:00.000"})");
  expect_silent("sel: {UtcTime|hour: 3}\ncondition: sel", R"({"UtcTime": "2024-05-06 04:00:00.000"})");
  // No time-zone conversion (spec warning): 23:30+02:00 is hour 23.
  expect_fires("sel: {T|hour: 23}\ncondition: sel", R"({"T": "2024-05-06T23:30:00+02:00"})");
  expect_fires("sel: {T|minute: 30}\ncondition: sel", R"({"T": "2024-05-06T23:30:00Z"})");
  expect_fires("sel: {T|day: 6}\ncondition: sel", R"({"T": "2024-05-06T23:30:00Z"})");
  expect_fires("sel: {T|month: 5}\ncondition: sel", R"({"T": "2024-05-06T23:30:00Z"})");
  expect_fires("sel: {T|year: 2024}\ncondition: sel", R"({"T": "2024-05-06T23:30:00Z"})");
  expect_fires("sel: {T|week: 19}\ncondition: sel", R"({"T": "2024-05-06T23:30:00Z"})");
  expect_fires("sel: {T|week: 1}\ncondition: sel", R"({"T": "2024-12-30T00:00:00Z"})");   // ISO week 1 of 2025
  expect_fires("sel: {T|week: 53}\ncondition: sel", R"({"T": "2021-01-03T00:00:00Z"})");  // ISO week 53 of 2020
  expect_fires("sel: {T|hour|gte: 22}\ncondition: sel", R"({"T": "2024-05-06T23:30:00Z"})");
  expect_silent("sel: {T|hour|gte: 22}\ncondition: sel", R"({"T": "2024-05-06T21:30:00Z"})");
  expect_silent("sel: {T|hour: 3}\ncondition: sel", R"({"T": "not a date"})");
}

TEST(SemanticsTest, NeqMatchesNoneOfTheValues) {
  expect_fires("sel: {Image|neq: ['a.exe', 'b.exe']}\ncondition: sel", R"({"Image": "c.exe"})");
  expect_silent("sel: {Image|neq: ['a.exe', 'b.exe']}\ncondition: sel", R"({"Image": "B.exe"})");
}

TEST(SemanticsTest, ExpandWithoutPlaceholderValueDoesNotRun) {
  // The rule loads but is inactive: it must never run with a guessed value.
  std::string error;
  EXPECT_EQ(rasid::testing::fire_count("sel: {Host|expand: '%Servers%'}\ncondition: sel", R"({"Host": "x"})", &error), -1);
  EXPECT_NE(error.find("Servers"), std::string::npos) << error;
}

// --- 6. conditions --------------------------------------------------------------------------

TEST(SemanticsTest, NotBindsTighterThanAnd) {
  const char* rule = "a: {A: '1'}\nb: {B: '1'}\ncondition: not a and b";
  expect_fires(rule, R"({"A": "0", "B": "1"})");
  expect_silent(rule, R"({"A": "1", "B": "1"})");
  expect_silent(rule, R"({"A": "0", "B": "0"})");
}

TEST(SemanticsTest, AndBindsTighterThanOr) {
  const char* rule = "a: {A: '1'}\nb: {B: '1'}\nc: {C: '1'}\ncondition: a or b and c";
  expect_fires(rule, R"({"A": "1"})");
  expect_silent(rule, R"({"B": "1"})");
  expect_fires(rule, R"({"B": "1", "C": "1"})");
}

TEST(SemanticsTest, Parentheses) {
  const char* rule = "a: {A: '1'}\nb: {B: '1'}\nc: {C: '1'}\ncondition: (a or b) and c";
  expect_silent(rule, R"({"A": "1"})");
  expect_fires(rule, R"({"A": "1", "C": "1"})");
}

TEST(SemanticsTest, OneOfPattern) {
  const char* rule = "selection_a: {A: '1'}\nselection_b: {B: '1'}\ncondition: 1 of selection_*";
  expect_fires(rule, R"({"B": "1"})");
  expect_silent(rule, R"({"C": "1"})");
}

TEST(SemanticsTest, AllOfPattern) {
  const char* rule = "selection_a: {A: '1'}\nselection_b: {B: '1'}\ncondition: all of selection_*";
  expect_fires(rule, R"({"A": "1", "B": "1"})");
  expect_silent(rule, R"({"A": "1"})");
}

TEST(SemanticsTest, AnyOfIsOneOf) {
  expect_fires("selection_a: {A: '1'}\nselection_b: {B: '1'}\ncondition: any of selection_*", R"({"A": "1"})");
}

TEST(SemanticsTest, OneOfThemAndAllOfThem) {
  expect_fires("a: {A: '1'}\nb: {B: '1'}\ncondition: 1 of them", R"({"B": "1"})");
  expect_silent("a: {A: '1'}\nb: {B: '1'}\ncondition: all of them", R"({"B": "1"})");
  expect_fires("a: {A: '1'}\nb: {B: '1'}\ncondition: all of them", R"({"A": "1", "B": "1"})");
}

TEST(SemanticsTest, ThemSkipsUnderscoreIdentifiers) {
  expect_fires("a: {A: '1'}\n_b: {B: '1'}\ncondition: all of them", R"({"A": "1"})");
}

TEST(SemanticsTest, TypicalFilterCondition) {
  const char* rule =
      "selection_img: {Image|endswith: '\\rundll32.exe'}\n"
      "selection_cli: {CommandLine|contains: 'javascript:'}\n"
      "filter_main_sys: {ParentImage|startswith: 'C:\\Windows\\System32\\'}\n"
      "filter_optional_x: {User: 'svc'}\n"
      "condition: all of selection_* and not 1 of filter_main_* and not 1 of filter_optional_*";
  expect_fires(rule, R"({"Image": "C:\\x\\rundll32.exe", "CommandLine": "javascript:alert", "ParentImage": "C:\\Users\\a.exe"})");
  expect_silent(rule, R"({"Image": "C:\\x\\rundll32.exe", "CommandLine": "javascript:alert", "ParentImage": "C:\\Windows\\System32\\svchost.exe"})");
  expect_silent(rule, R"({"Image": "C:\\x\\rundll32.exe", "CommandLine": "javascript:alert", "User": "SVC"})");
}

}  // namespace
