// The literal prefilter never drops a match: for each kind of atom (anchored, exact, short,
// non-ASCII, from regular expressions, keywords), events that match only in the ways the
// atom has to allow for. Scanner::scan runs the prefilter (match_util.h), so a wrong atom
// turns an expect_fires into a failure. The differential test covers the real corpus; these
// cases cover shapes it may not contain.

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "engine/detail/prefilter.h"
#include "engine/detail/text.h"
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

// The prefilter matches raw values case-insensitively: ASCII letters only, every other byte
// exactly, as if the value were folded. Each matcher is tried: the whole-value hash
// (`F: ...`), direct comparisons (a field with few literals) and the field's vectorscan
// database (more than 8 literals: the padding list below). The predicates here are decided
// by the atoms found (a case-insensitive contains/startswith/endswith/exact whose atom the
// prefilter looks for), so a wrong hit makes a rule fire that must stay silent.
std::string padded_list(const std::string& modifier, const std::string& literal) {
  std::string out = "sel: {F" + modifier + ": ['" + literal + "'";
  for (const char* pad : {"padone", "padtwo", "padthree", "padfour", "padfive", "padsix",
                          "padseven", "padeight", "padnine"}) {
    out += std::string(", '") + pad + "'";
  }
  return out + "]}\ncondition: sel";
}

std::string one(const std::string& modifier, const std::string& literal) {
  return "sel: {F" + modifier + ": '" + literal + "'}\ncondition: sel";
}

std::string event_f(const std::string& value) { return "{\"F\": \"" + value + "\"}"; }

TEST(PrefilterTest, MixedCaseValuesMatchInEveryMatcher) {
  for (const auto& detection :
       {one("|contains", "Kernel32.DLL"), padded_list("|contains", "Kernel32.DLL")}) {
    expect_fires(detection, event_f("c:\\\\WINDOWS\\\\system32\\\\kERNEL32.dll x"));
    expect_fires(detection, event_f("KERNEL32.DLL"));
    expect_silent(detection, event_f("c:\\\\windows\\\\kernel32.dl"));
  }
  for (const auto& detection :
       {one("|startswith", "C:\\Temp\\"), padded_list("|startswith", "C:\\Temp\\")}) {
    expect_fires(detection, event_f("c:\\\\TEMP\\\\x.exe"));
    expect_silent(detection, event_f("x c:\\\\TEMP\\\\"));
  }
  for (const auto& detection :
       {one("|endswith", "\\CMD.exe"), padded_list("|endswith", "\\CMD.exe")}) {
    expect_fires(detection, event_f("c:\\\\cmd.EXE\\\\x\\\\cMd.ExE"));
    expect_silent(detection, event_f("c:\\\\CMD.EXE\\\\x"));
  }
  expect_fires(one("", "NT AUTHORITY\\SYSTEM"), event_f("nt authority\\\\System"));
  expect_silent(one("", "NT AUTHORITY\\SYSTEM"), event_f("nt authority\\\\System "));
}

TEST(PrefilterTest, NonAsciiBytesNextToLettersMatchExactly) {
  // Non-ASCII letters have no case here (ASCII folding): "abcé" (é = C3 A9) does not match
  // "ABCÉ" (C3 89), nor "abcа" (Cyrillic а, D0 B0) "ABCА" (Cyrillic А, D0 90). Both differ in
  // bit 0x20 of a byte >= 0x80 only, the bit that tells an ASCII letter's cases apart.
  for (const auto& [literal, upper] : {std::pair<std::string, std::string>{"abc\xc3\xa9", "\xc3\x89"},
                                       std::pair<std::string, std::string>{"abc\xd0\xb0", "\xd0\x90"}}) {
    const std::string lower = literal.substr(3);
    for (const auto& detection :
         {one("", literal), one("|contains", literal), padded_list("|contains", literal),
          one("|endswith", literal), padded_list("|endswith", literal)}) {
      SCOPED_TRACE(detection);
      expect_fires(detection, event_f("ABC" + lower));
      expect_fires(detection, event_f("aBc" + lower));
      expect_silent(detection, event_f("ABC" + upper));
      expect_silent(detection, event_f("abc" + upper));
    }
  }
  // Non-ASCII bytes before letters.
  for (const auto& detection : {one("|startswith", "\xc3\xa9t\xc3\xa9"),
                                padded_list("|startswith", "\xc3\xa9t\xc3\xa9")}) {
    SCOPED_TRACE(detection);
    expect_fires(detection, event_f("\xc3\xa9T\xc3\xa9 x"));
    expect_silent(detection, event_f("\xc3\x89T\xc3\xa9 x"));
  }
}

TEST(PrefilterTest, BytesOneCaseBitFromEachOtherAreNotLetters) {
  // '\\' and '|', '@' and '`', '[' and '{' differ in bit 0x20 like 'A' and 'a': not the same.
  for (const auto& detection :
       {one("", "a\\b@c[d"), one("|contains", "a\\b@c[d"), padded_list("|contains", "a\\b@c[d")}) {
    SCOPED_TRACE(detection);
    expect_fires(detection, event_f("A\\\\B@C[D"));
    expect_silent(detection, event_f("a|b@c[d"));
    expect_silent(detection, event_f("a\\\\b`c[d"));
    expect_silent(detection, event_f("a\\\\b@c{d"));
  }
}

TEST(PrefilterTest, KelvinSignAndLongSAreNotAsciiLetters) {
  // Sigma's case-insensitive matching is ASCII (text.h): U+212A (Kelvin sign) is not 'k' and
  // U+017F (long s) is not 's', in any matcher.
  for (const auto& detection : {one("|contains", "kernel32"), padded_list("|contains", "kernel32"),
                                one("", "kernel32")}) {
    SCOPED_TRACE(detection);
    expect_silent(detection, event_f("\xe2\x84\xaa" "ERNEL32"));
    expect_fires(detection, event_f("KERNEL32"));
  }
  for (const auto& detection :
       {one("|contains", "task"), padded_list("|contains", "task"), one("", "task")}) {
    SCOPED_TRACE(detection);
    expect_silent(detection, event_f("TA\xc5\xbfK"));
    expect_fires(detection, event_f("TASK"));
  }
}

// Reference: fold the haystack, then search.
std::size_t reference_find(const std::string& hay, const std::string& folded_needle) {
  return rasid::engine::detail::fold_copy(hay).find(folded_needle);
}

TEST(PrefilterTest, FoldedSearchAgreesWithFoldThenFindAtEveryLengthAndPosition) {
  using rasid::engine::detail::find_bytes_folded;
  // Haystacks of every length up to four blocks (the padded one-block path, whole blocks,
  // the overlapping last block), needles of 1 to 20 bytes at every position, from an
  // alphabet of letters in both cases and their bit-0x20 neighbours, so near misses abound.
  const char alphabet[] = {'a', 'A', 'b', 'B', '@', '`', '\xc1', '\xe1'};
  std::uint32_t seed = 2026;
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return alphabet[(seed >> 16) % sizeof(alphabet)];
  };
  for (std::size_t n = 0; n <= 64; ++n) {
    std::string hay;
    for (std::size_t i = 0; i < n; ++i) hay += next();
    for (std::size_t m = 1; m <= 20; ++m) {
      for (std::size_t at = 0; at + m <= n + 1; ++at) {
        std::string needle = rasid::engine::detail::fold_copy(
            at + m <= n ? hay.substr(at, m) : std::string(m, 'a'));
        EXPECT_EQ(find_bytes_folded(hay.data(), hay.size(), needle.data(), needle.size()),
                  reference_find(hay, needle))
            << "hay '" << hay << "' needle '" << needle << "'";
        needle.back() = 'c';  // never found
        EXPECT_EQ(find_bytes_folded(hay.data(), hay.size(), needle.data(), needle.size()),
                  std::string::npos);
      }
    }
  }
}

TEST(PrefilterTest, FoldWordAndEqualsFoldedFollowFoldForEveryByte) {
  using namespace rasid::engine::detail;
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      // Byte a at position 3 of an otherwise upper-case word.
      std::string raw = "ABCxEFGH";
      raw[3] = static_cast<char>(a);
      std::string folded = "abcxefgh";
      folded[3] = static_cast<char>(b);
      const bool expected = fold(static_cast<char>(a)) == static_cast<char>(b);
      std::uint64_t word, want;
      std::memcpy(&word, raw.data(), 8);
      std::memcpy(&want, fold_copy(raw).data(), 8);
      ASSERT_EQ(fold_word(word), want) << a;
      ASSERT_EQ(equals_folded(raw, folded), expected) << a << " " << b;
      ASSERT_EQ(equals_folded(raw.substr(2, 3), folded.substr(2, 3)), expected) << a << " " << b;
    }
  }
}

TEST(PrefilterTest, ExactAtomsFindRawValuesInAnyCase) {
  using rasid::engine::detail::ExactAtoms;
  using rasid::engine::detail::fold_copy;
  // Literals of every length 1..40 (the hash reads different bytes for short and long texts).
  std::vector<std::string> literals;
  for (std::size_t n = 1; n <= 40; ++n) {
    std::string l;
    for (std::size_t i = 0; i < n; ++i) l += static_cast<char>('a' + (i * 7 + n) % 26);
    literals.push_back(l);
  }
  literals.push_back("a\\b");
  ExactAtoms exact;
  for (std::uint32_t i = 0; i < literals.size(); ++i) exact.add(literals[i], i);
  for (std::uint32_t i = 0; i < literals.size(); ++i) {
    std::string upper = literals[i];
    for (std::size_t j = 0; j < upper.size(); j += 2) {
      if (upper[j] >= 'a' && upper[j] <= 'z') upper[j] = static_cast<char>(upper[j] - 32);
    }
    EXPECT_EQ(ExactAtoms::hash(upper), ExactAtoms::hash(literals[i]));
    EXPECT_EQ(exact.find(upper), i) << upper;
    EXPECT_EQ(exact.find(literals[i]), i);
    // One byte changed anywhere, one byte more or less: not found.
    for (std::size_t j = 0; j < upper.size(); ++j) {
      std::string changed = upper;
      changed[j] = '0';
      EXPECT_EQ(exact.find(changed), rasid::engine::detail::kNoAtom) << changed;
    }
    EXPECT_EQ(exact.find(upper + "x"), rasid::engine::detail::kNoAtom);
    EXPECT_EQ(exact.find(upper.substr(1)), rasid::engine::detail::kNoAtom);
  }
  EXPECT_EQ(exact.find("A|B"), rasid::engine::detail::kNoAtom);  // '|' = '\\' | 0x20
  EXPECT_EQ(exact.find(""), rasid::engine::detail::kNoAtom);
  EXPECT_TRUE(ExactAtoms().empty());
  EXPECT_EQ(ExactAtoms().find("a"), rasid::engine::detail::kNoAtom);
}

}  // namespace
