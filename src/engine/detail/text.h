#pragma once
// Text primitives of Sigma matching: ASCII case folding, case-insensitive equality, prefix,
// suffix and substring search, and glob matching with `*` and `?`.
//
// Folding is ASCII-only: the spec asks for case-insensitive matching and allows full Unicode
// folding as optional; ASCII folding keeps comparisons byte-exact for every non-ASCII value
// (emoji, NBSP and U+2000..U+200D in the corpus must match themselves only).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rasid::engine::detail {

inline char fold(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string fold_copy(std::string_view s);

// `needle` must already be folded when !cased.
bool equals(std::string_view hay, std::string_view needle, bool cased) noexcept;
bool starts_with(std::string_view hay, std::string_view needle, bool cased) noexcept;
bool ends_with(std::string_view hay, std::string_view needle, bool cased) noexcept;
bool contains(std::string_view hay, std::string_view needle, bool cased) noexcept;
// Position of the first occurrence of the `m` bytes at `k` in the `n` bytes at `h`, or npos.
// `m` >= 1.
std::size_t find_bytes(const char* h, std::size_t n, const char* k, std::size_t m) noexcept;
// The same without the AVX2 blocks (for the tests: on a CPU with AVX2, find_bytes never runs
// its SSE2 blocks for 32 positions or more).
std::size_t find_bytes_sse2(const char* h, std::size_t n, const char* k, std::size_t m) noexcept;
// Position of the first occurrence of `needle` in `hay` at or after `from`, or npos.
std::size_t find(std::string_view hay, std::string_view needle, std::size_t from,
                 bool cased) noexcept;

// Raw text against a folded literal, without a folded copy of the text (the prefilter looks
// at raw values: most are never folded). ASCII letters compare case-insensitively, every other
// byte exactly, as after fold_copy.
//
// The 8 bytes of `w` with ASCII letters lower-cased (bytes >= 0x80 untouched).
inline std::uint64_t fold_word(std::uint64_t w) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  const std::uint64_t low7 = w & (0x7f * kOnes);
  // Per byte (no carry crosses a byte: each sum stays below 0x100): high bit set when the
  // byte's low 7 bits are >= 'A', resp. > 'Z'; upper case = the first, not the second, and
  // no high bit in the byte itself.
  const std::uint64_t ge_a = low7 + (0x80 - 'A') * kOnes;
  const std::uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * kOnes;
  const std::uint64_t upper = (ge_a & ~gt_z) & ~w & (0x80 * kOnes);
  return w | (upper >> 2);  // 0x80 >> 2 = 0x20
}
// Is fold_copy(raw) == folded?
bool equals_folded(std::string_view raw, std::string_view folded) noexcept;
// Position of the first occurrence of the `m` folded bytes at `k` in the `n` raw bytes at `h`
// (ASCII letters compared case-insensitively), or npos. `m` >= 1. SSE2 like find_bytes.
std::size_t find_bytes_folded(const char* h, std::size_t n, const char* k, std::size_t m) noexcept;

// A glob after escapes are resolved: literal pieces (folded when !cased), stars and
// single-character wildcards. `?` stands for one UTF-8 encoded character.
struct GlobPiece {
  enum class Kind : unsigned char { kLiteral, kStar, kQuestion };
  Kind kind = Kind::kLiteral;
  std::string text;
};

// Whole-value glob match. Linear in practice: star backtracking only resumes at the last
// star seen (the classic two-pointer algorithm), which is exact for globs of `*` and `?`.
bool glob_match(std::string_view hay, const std::vector<GlobPiece>& glob, bool cased) noexcept;

}  // namespace rasid::engine::detail
