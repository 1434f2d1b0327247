// Unit tests of the text primitives behind Sigma string matching.

#include "engine/detail/text.h"

#include <gtest/gtest.h>

namespace rasid::engine::detail {
namespace {

std::vector<GlobPiece> glob(std::initializer_list<std::pair<char, const char*>> pieces) {
  std::vector<GlobPiece> out;
  for (auto [kind, text] : pieces) {
    if (kind == '*') out.push_back({GlobPiece::Kind::kStar, {}});
    else if (kind == '?') out.push_back({GlobPiece::Kind::kQuestion, {}});
    else out.push_back({GlobPiece::Kind::kLiteral, text});
  }
  return out;
}

TEST(TextTest, FindIsCaseInsensitiveWithFoldedNeedle) {
  EXPECT_EQ(find("xxLSASSyy", "lsass", 0, false), 2u);
  EXPECT_EQ(find("xxLSASSyy", "lsass", 0, true), std::string_view::npos);
  EXPECT_EQ(find("abcabc", "abc", 1, false), 3u);
  EXPECT_EQ(find("ab", "abc", 0, false), std::string_view::npos);
  EXPECT_EQ(find("ab", "", 1, false), 1u);
}

TEST(TextTest, FindBytesAgreesWithStringFindAtEveryLengthAndPosition) {
  // The SIMD search works on 16-byte blocks of positions, finishes with a block overlapping
  // the last one, and handles haystacks with fewer than 16 positions with two loads (a
  // haystack under 16 bytes byte by byte), with 32-byte blocks (AVX2, when the CPU has it) for
  // haystacks of 32 positions or more: every haystack length up to 80 bytes, needles of
  // 1 to 20 bytes put at every position, over a two-letter alphabet so that near misses
  // abound.
  std::uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 1 ? 'a' : 'b';
  };
  for (std::size_t n = 0; n <= 80; ++n) {
    std::string hay;
    for (std::size_t i = 0; i < n; ++i) hay += next();
    for (std::size_t m = 1; m <= 20; ++m) {
      for (std::size_t at = 0; at + m <= n + 1; ++at) {
        std::string needle = at + m <= n ? hay.substr(at, m) : std::string(m, 'a');
        std::string_view h(hay);
        // find_bytes (AVX2 blocks when this CPU has them) and its SSE2 blocks alone.
        for (auto find : {find_bytes, find_bytes_sse2}) {
          EXPECT_EQ(find(h.data(), h.size(), needle.data(), needle.size()), h.find(needle))
              << "hay '" << hay << "' needle '" << needle << "'";
          std::string miss = needle;
          miss.back() = 'c';  // never found
          EXPECT_EQ(find(h.data(), h.size(), miss.data(), miss.size()), std::string_view::npos);
        }
      }
    }
  }
}

TEST(TextTest, PrefixSuffixEquals) {
  EXPECT_TRUE(starts_with("ADM_bob", "adm_", false));
  EXPECT_FALSE(starts_with("ad", "adm_", false));
  EXPECT_TRUE(ends_with("C:\\CMD.EXE", "\\cmd.exe", false));
  EXPECT_TRUE(equals("", "", false));
  EXPECT_FALSE(equals("a", "A", true));
}

TEST(TextTest, GlobBacktracksToLastStar) {
  auto g = glob({{'*', ""}, {'l', "ab"}, {'*', ""}, {'l', "abc"}});
  EXPECT_TRUE(glob_match("xxababxxabc", g, false));
  EXPECT_FALSE(glob_match("xxababxxab", g, false));
  auto h = glob({{'l', "a"}, {'*', ""}, {'l', "b"}, {'?', ""}, {'l', "c"}});
  EXPECT_TRUE(glob_match("abbxc", h, false));
  EXPECT_TRUE(glob_match("abxbyc", h, false));
  EXPECT_FALSE(glob_match("abc", h, false));
}

TEST(TextTest, GlobQuestionMarkIsOneUtf8Character) {
  auto g = glob({{'l', "a"}, {'?', ""}, {'l', "b"}});
  EXPECT_TRUE(glob_match("a\xc3\xa9" "b", g, false));   // é
  EXPECT_TRUE(glob_match("a\xf0\x9f\x98\x80" "b", g, false));  // emoji, 4 bytes
  EXPECT_FALSE(glob_match("ab", g, false));
}

TEST(TextTest, GlobOnlyStarMatchesEverything) {
  auto g = glob({{'*', ""}});
  EXPECT_TRUE(glob_match("", g, false));
  EXPECT_TRUE(glob_match("anything", g, false));
}

}  // namespace
}  // namespace rasid::engine::detail
