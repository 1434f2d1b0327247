// The literal prefilter never drops a match: for each kind of atom (anchored, exact, short,
// non-ASCII, from regular expressions, keywords), events that match only in the ways the
// atom has to allow for. Scanner::scan runs the prefilter (match_util.h), so a wrong atom
// turns an expect_fires into a failure. The differential test covers the real corpus; these
// cases cover shapes it may not contain.

#include <gtest/gtest.h>

#include "engine/detail/prefilter.h"
#include "match_util.h"

namespace {

TEST(PrefilterTest, SuffixFoundAtTheEndAfterAnEarlierOccurrence) {
  // The first occurrence of the literal is not at the end: every occurrence must be seen.
  expect_fires(R"(sel: {Image|endswith: '\cmd.exe'})" "\ncondition: sel",
               R"({"Image": "C:\\cmd.exe\\x\\CMD.EXE"})");
  expect_silent(R"(sel: {Image|endswith: '\cmd.exe'})" "\ncondition: sel",
                R"({"Image": "C:\\cmd.exe\\x"})");
}

TEST(PrefilterTest, PrefixOnlyAtTheStart) {
  expect_fires(R"(sel: {Image|startswith: 'C:\Temp\'})" "\ncondition: sel",
               R"({"Image": "c:\\temp\\c:\\temp\\x"})");
  expect_silent(R"(sel: {Image|startswith: 'C:\Temp\'})" "\ncondition: sel",
                R"({"Image": "x c:\\temp\\"})");
}

TEST(PrefilterTest, ExactIsCaseInsensitiveUnlessCased) {
  expect_fires(R"(sel: {User: 'NT AUTHORITY\SYSTEM'})" "\ncondition: sel",
               R"({"User": "nt authority\\system"})");
  expect_fires("sel: {User|cased: 'Admin'}\ncondition: sel", R"({"User": "Admin"})");
  expect_silent("sel: {User|cased: 'Admin'}\ncondition: sel", R"({"User": "admin"})");
  // Short exact values are atoms too.
  expect_fires("sel: {EventID: 1}\ncondition: sel", R"({"EventID": 1})");
  expect_silent("sel: {EventID: 1}\ncondition: sel", R"({"EventID": 11})");
}

TEST(PrefilterTest, AnchorsHoldPerValueOfAListField) {
  expect_fires("sel: {F|endswith: 'abc'}\ncondition: sel", R"({"F": ["abcx", "xABC"]})");
  expect_fires("sel: {F|startswith: 'abc'}\ncondition: sel", R"({"F": ["xabc", "ABCx"]})");
  expect_fires("sel: {F: 'abc'}\ncondition: sel", R"({"F": ["abcx", "Abc"]})");
}

TEST(PrefilterTest, AtomsOnlyCountInTheirOwnField) {
  expect_silent("sel: {F|contains: 'needle'}\ncondition: sel", R"({"G": "needle", "F": "x"})");
  expect_fires("sel: {F|contains: 'needle'}\ncondition: sel", R"({"G": "x", "F": "a NEEDLE"})");
}

TEST(PrefilterTest, GlobAnchorsFollowTheirPieces) {
  expect_fires("sel: {F: 'abcd*xyz'}\ncondition: sel", R"({"F": "ABCDqqabcdxyz"})");
  expect_fires("sel: {F: 'ab*wxyz'}\ncondition: sel", R"({"F": "abwxyzwxyz"})");
  expect_fires("sel: {F: '*abc?def*'}\ncondition: sel", R"({"F": "x abc-def y"})");
  expect_fires("sel: {F: 'abcdef?'}\ncondition: sel", R"({"F": "abcdefg"})");
}

TEST(PrefilterTest, ShortLiteralsAreLookedForDirectly) {
  expect_fires("sel: {F|contains: '^^'}\ncondition: sel", R"({"F": "c^^md"})");
  expect_fires("sel: {F|startswith: 'ab'}\ncondition: sel", R"({"F": "ABx"})");
  expect_silent("sel: {F|startswith: 'ab'}\ncondition: sel", R"({"F": "xab"})");
  expect_fires("sel: {F|endswith: 'yz'}\ncondition: sel", R"({"F": "xYZ"})");
  expect_silent("sel: {F|endswith: 'yz'}\ncondition: sel", R"({"F": "yzx"})");
}

TEST(PrefilterTest, ShortNonAsciiLiteralsNeedANonAsciiByte) {
  expect_fires("sel: {F|contains: '\xd0\xb0'}\ncondition: sel", "{\"F\": \"p\xd0\xb0th\"}");
  expect_silent("sel: {F|contains: '\xd0\xb0'}\ncondition: sel", "{\"F\": \"p\xc3\xa9th\"}");
}

TEST(PrefilterTest, RegexLiteralsAreRequiredOnes) {
  auto fires_re = [](const char* re, const char* value) {
    std::string detection = std::string("sel: {F|re: '") + re + "'}\ncondition: sel";
    std::string event = std::string(R"({"F": ")") + value + "\"}";
    expect_fires(detection, event);
  };
  fires_re(R"(ipconfig\s+/all)", "x ipconfig  /all");
  fires_re("foo|barbaz", "a barbaz");
  fires_re("colou?r", "color");
  fires_re("colou*r", "color");
  fires_re("ab{2}c", "abbc");
  fires_re("x{0,3}yz", "yz");
  fires_re("abc+de", "abcccde");
  fires_re("abc+?de", "abccde");
  fires_re("[abc]def", "bdef");
  fires_re("a[[:digit:]]]bc", "a5]bc");
  fires_re("a[]x]bcd", "a]bcd");
  fires_re("(?i)power(?-i)shell", "POWERshell");
  fires_re(R"(\$\{env:path\})", "${env:path}");
  fires_re("(ab)?cde", "cde");
  fires_re("(a|b(c|d))+xyz", "bdxyz");
  fires_re("(?:abc|def)ghi", "defghi");
  fires_re(R"(\x41BCD)", "ABCD");
  fires_re(R"(\x{41}BCD)", "ABCD");
  fires_re(R"(\pLxyz)", "axyz");
  fires_re(R"(\p{Greek}xyz)", "\xce\xb1xyz");
  fires_re(R"(\Qa.b\E)", "a.b");
  fires_re("a.c|d.f", "dxf");
  fires_re("^abc$", "abc");
  fires_re(R"(\w+`(?:\w+|-|.)`[\w+|\s])", "IN`V`o");
  fires_re(R"("(?:\{\d\})+"\s*-f)", R"(\"{2}{3}\" -f)");
  fires_re("evil}", "evil}");
  expect_fires("sel: {F|re|i: 'MiMiKaTz'}\ncondition: sel", R"({"F": "MIMIKATZ"})");
  expect_fires("sel: {F|re|m: '^abc$'}\ncondition: sel", R"({"F": "x\nabc\ny"})");
  expect_silent("sel: {F|re: 'ipconfig'}\ncondition: sel", R"({"F": "IPCONFIG"})");
}

TEST(PrefilterTest, CaseInsensitiveRegexesMatchKelvinSignAndLongS) {
  // RE2's (?i) matches 'k' with U+212A and 's' with U+017F: literals taken from such
  // patterns must not require those letters, neither as trigger atoms nor as the literals
  // checked before RE2 runs (the second item makes the exact G value the trigger, so the
  // regex is decided during the full evaluation).
  const char* long_s = "{\"F\": \"TA\xc5\xbfK\"}";
  const char* kelvin = "{\"F\": \"\xe2\x84\xaa" "ERNEL32\"}";
  expect_fires("sel: {F|re|i: 'task'}\ncondition: sel", long_s);
  expect_fires("sel: {F|re: '(?i)kernel32'}\ncondition: sel", kelvin);
  expect_fires("sel: {G: 'a-long-trigger-value', F|re|i: 'task'}\ncondition: sel",
               "{\"G\": \"a-long-trigger-value\", \"F\": \"TA\xc5\xbfK\"}");
  expect_fires("sel: {G: 'a-long-trigger-value', F|re|i: 'kernel32'}\ncondition: sel",
               "{\"G\": \"a-long-trigger-value\", \"F\": \"\xe2\x84\xaa" "ERNEL32\"}");
  // Case-sensitive patterns keep their whole literal: no Unicode folding there.
  expect_silent("sel: {G: 'a-long-trigger-value', F|re: 'task'}\ncondition: sel",
                "{\"G\": \"a-long-trigger-value\", \"F\": \"ta\xc5\xbfk\"}");
}

TEST(PrefilterTest, RegexCheckLiteralsAreNeededByEveryMatch) {
  using rasid::engine::detail::regex_check_literals;
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(regex_check_literals(R"(ipconfig\s+/all)", false), (V{{"ipconfig", "/all"}}));
  EXPECT_EQ(regex_check_literals("Foo|bar.*bazz", false), (V{{"foo"}, {"bar", "bazz"}}));
  EXPECT_EQ(regex_check_literals("mimikatz", true), (V{{"mimi", "atz"}}));
  EXPECT_EQ(regex_check_literals("(?i)powershell", false), (V{{"power", "hell"}}));
  EXPECT_EQ(regex_check_literals("(?:powershell)x", false), (V{{"x"}}));
  EXPECT_EQ(regex_check_literals("colou?r (ab)+c{2}", false), (V{{"colo", "r ", "c"}}));
  EXPECT_EQ(regex_check_literals("powershell", false), (V{{"powershell"}}));
  EXPECT_EQ(regex_check_literals("sk", true), V{});
  EXPECT_EQ(regex_check_literals("a|.*", false), V{});
}

TEST(PrefilterTest, RegexesRunOnlyWhereTheirLiteralsAre) {
  // The second item is the trigger; the regex is decided during the full evaluation, where
  // values without its literal are rejected before RE2 runs.
  expect_silent("sel: {G: 'a-long-trigger-value', F|re: 'ipconfig\\s+/all'}\ncondition: sel",
                R"({"G": "a-long-trigger-value", "F": "ipconfig/all"})");
  expect_fires("sel: {G: 'a-long-trigger-value', F|re: 'ipconfig\\s+/all'}\ncondition: sel",
               R"({"G": "a-long-trigger-value", "F": ["x", "IPCONFIG  /all", "ipconfig /all"]})");
}

TEST(PrefilterTest, KeywordsAreFoundInAnyCase) {
  expect_fires("keywords: ['MiMiKaTz']\ncondition: keywords", R"({"Other": "x MIMIKATZ y"})");
  expect_fires("keywords: ['lsadump::']\ncondition: keywords", R"({"A": "x", "B": ["y", "LsaDump::sam"]})");
  expect_silent("keywords: ['mimikatz']\ncondition: keywords", R"({"A": "mimi", "B": "katz"})");
}

}  // namespace
