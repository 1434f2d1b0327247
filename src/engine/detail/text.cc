#include "engine/detail/text.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RASID_FIND_AVX2 1
#endif

namespace rasid::engine::detail {

std::string fold_copy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
  return out;
}

namespace {

bool same_folded(const char* a, const char* folded, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    if (fold(a[i]) != folded[i]) return false;
  }
  return true;
}

// Length in bytes of the UTF-8 character starting with `lead`; invalid lead bytes count as
// one byte so that malformed input still advances.
std::size_t utf8_length(unsigned char lead) noexcept {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF8) return 4;
  return 1;
}

}  // namespace

#if defined(RASID_FIND_AVX2)
namespace {

// The blocks of find_bytes with 32 positions each, for haystacks with at least 32 positions
// (PowerShell script blocks of several KB are most of the bytes searched on the bench: half
// the instructions of the SSE2 loop). Chosen at run time: the build targets baseline x86-64.
__attribute__((target("avx2"))) std::size_t find_avx2(const char* h, std::size_t n,
                                                      const char* k, std::size_t m) noexcept {
  // No lambdas here: they would not inherit the target attribute.
  const __m256i first = _mm256_set1_epi8(k[0]);
  const __m256i last = _mm256_set1_epi8(k[m - 1]);
  const std::size_t positions = n - m + 1;  // >= 32
  std::size_t i = 0;
  bool tail = false;
  unsigned skip = 0;  // positions of the overlapping last block already known to miss
  while (true) {
    if (i + 32 > positions) {
      if (i == positions || tail) return std::string_view::npos;
      skip = static_cast<unsigned>(i - (positions - 32));
      i = positions - 32;
      tail = true;
    }
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i + m - 1));
    auto mask = static_cast<unsigned>(_mm256_movemask_epi8(
        _mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, last))));
    mask &= ~0u << skip;
    while (mask != 0) {
      const auto bit = static_cast<std::size_t>(__builtin_ctz(mask));
      if (std::memcmp(h + i + bit + 1, k + 1, m - 2) == 0) return i + bit;
      mask &= mask - 1;
    }
    i += 32;
  }
}

const bool kHaveAvx2 = [] {
  __builtin_cpu_init();  // may run before libgcc's own initialization
  return __builtin_cpu_supports("avx2") != 0;
}();

}  // namespace
#endif

// Byte-exact substring search, for the short haystacks of log values (glibc's memmem, a
// two-way search, spent ~500 instructions per call on them, 9% of a hunt). SSE2: compare the
// needle's first and last bytes against 16 positions at once, confirm the candidates with
// memcmp (W. Mula's "SIMD-friendly" algorithm). No byte-at-a-time loop once the haystack has
// 16 bytes: the positions left after the last full block are covered by one more block that
// overlaps the previous one, and a haystack with fewer than 16 positions by one load from its
// start (first bytes) and one ending at its end (last bytes). That scalar tail cost as much as
// the blocks themselves on the bench's values (paths and command lines of a few dozen bytes):
// 11.5M of 24M instructions on 20,000 events. `m` >= 1, `m` <= `n` not required.
namespace {

// find_bytes, with the AVX2 blocks allowed or not (find_bytes_sse2 lets the tests cover the
// SSE2 blocks on machines with AVX2, where find_bytes never runs them for 32 positions or more).
template <bool kAllowAvx2>
std::size_t find_bytes_impl(const char* h, std::size_t n, const char* k, std::size_t m) noexcept {
  if (m > n) return std::string_view::npos;
  if (m == 1) {
    const void* at = std::memchr(h, k[0], n);
    return at == nullptr ? std::string_view::npos
                         : static_cast<std::size_t>(static_cast<const char*>(at) - h);
  }
#if defined(__SSE2__)
  if (n >= 16) {
    const __m128i first = _mm_set1_epi8(k[0]);
    const __m128i last = _mm_set1_epi8(k[m - 1]);
    // Candidates in `mask` (bit j: a match may start at `at` + j), in order.
    auto confirm = [h, k, m](std::size_t at, unsigned mask) noexcept -> std::size_t {
      while (mask != 0) {
        const auto bit = static_cast<std::size_t>(__builtin_ctz(mask));
        if (std::memcmp(h + at + bit + 1, k + 1, m - 2) == 0) return at + bit;
        mask &= mask - 1;
      }
      return std::string_view::npos;
    };
    // Bit j: a match may start at i + j (reads h[i, i + 16) and h[i + m - 1, i + m + 15)).
    auto block = [h, m, first, last](std::size_t i) noexcept {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + m - 1));
      return static_cast<unsigned>(
          _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
    };
    const std::size_t positions = n - m + 1;
#if defined(RASID_FIND_AVX2)
    if (kAllowAvx2 && positions >= 32 && kHaveAvx2) return find_avx2(h, n, k, m);
#endif
    if (positions >= 16) {
      std::size_t i = 0;
      for (; i + 16 <= positions; i += 16) {
        if (const unsigned mask = block(i); mask != 0) {
          if (std::size_t at = confirm(i, mask); at != std::string_view::npos) return at;
        }
      }
      if (i == positions) return std::string_view::npos;
      // The last full block, starting before i: its positions below i are known misses.
      const std::size_t j = positions - 16;
      return confirm(j, block(j) & (~0u << (i - j)));
    }
    // Fewer than 16 positions: first bytes from h[0, 16), last bytes from h[n - 16, n), in
    // which the last byte of a match at j is at lane j + 16 - positions.
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + n - 16));
    const auto starts = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, first)));
    const auto ends = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(b, last)));
    return confirm(0, starts & (ends >> (16 - positions)));
  }
#endif
  for (std::size_t i = 0; i + m <= n; ++i) {
    if (h[i] == k[0] && h[i + m - 1] == k[m - 1] && std::memcmp(h + i + 1, k + 1, m - 2) == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t find_bytes(const char* h, std::size_t n, const char* k, std::size_t m) noexcept {
  return find_bytes_impl<true>(h, n, k, m);
}

std::size_t find_bytes_sse2(const char* h, std::size_t n, const char* k, std::size_t m) noexcept {
  return find_bytes_impl<false>(h, n, k, m);
}

namespace {

std::uint64_t load8(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Is fold(a[0, n)) == folded[0, n)? Eight bytes at a time.
bool same_folded_words(const char* a, const char* folded, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    if (fold_word(load8(a + i)) != load8(folded + i)) return false;
  }
  if (i < n && n >= 8) return fold_word(load8(a + n - 8)) == load8(folded + n - 8);
  for (; i < n; ++i) {
    if (fold(a[i]) != folded[i]) return false;
  }
  return true;
}

}  // namespace

bool equals_folded(std::string_view raw, std::string_view folded) noexcept {
  return raw.size() == folded.size() && same_folded_words(raw.data(), folded.data(), raw.size());
}

std::size_t find_bytes_folded(const char* h, std::size_t n, const char* k, std::size_t m) noexcept {
  if (m > n) return std::string_view::npos;
  // A folded letter (bit 0x20 set) equals a raw byte b exactly when b | 0x20 does: only its
  // upper-case form differs from it in that bit alone. Other bytes compare as they are.
  auto is_letter = [](char c) { return c >= 'a' && c <= 'z'; };
  const char first = k[0], last = k[m - 1];
  const char first_case = is_letter(first) ? 0x20 : 0;
  const char last_case = is_letter(last) ? 0x20 : 0;
#if defined(__SSE2__)
  const __m128i vfirst = _mm_set1_epi8(first);
  const __m128i vlast = _mm_set1_epi8(last);
  const __m128i vfirst_case = _mm_set1_epi8(first_case);
  const __m128i vlast_case = _mm_set1_epi8(last_case);
  // Candidate positions p..p+15 of the block at `p`: the needle's first and last bytes match.
  auto candidates = [&](const char* p) {
    const __m128i a = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), vfirst_case);
    const __m128i b =
        _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + m - 1)), vlast_case);
    return static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, vfirst), _mm_cmpeq_epi8(b, vlast))));
  };
  auto confirm = [&](const char* p, unsigned mask) -> std::size_t {
    while (mask != 0) {
      const auto bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (m <= 2 || same_folded_words(p + bit + 1, k + 1, m - 2)) return bit;
      mask &= mask - 1;
    }
    return 16;
  };
  const std::size_t positions = n - m + 1;
  if (positions < 16) {
    // Fewer positions than one block (most log values): one block over a zero-padded copy,
    // positions past the last one masked off, instead of a byte-by-byte loop.
    if (n <= 48) {
      alignas(16) char padded[64] = {};
      std::memcpy(padded, h, n);
      const std::size_t at = confirm(padded, candidates(padded) & ((1u << positions) - 1));
      return at == 16 ? std::string_view::npos : at;
    }
  } else {
    // Blocks at 0, 16, ...; the last one overlaps its predecessor, which saw the positions it
    // shares. The block at i reads h[i, i + 16) and h[i + m - 1, i + m + 15): inside.
    const std::size_t last_block = positions - 16;
    for (std::size_t i = 0;; i += 16) {
      unsigned mask;
      if (i >= last_block) {
        mask = candidates(h + last_block) & ~((1u << (i - last_block)) - 1);
        i = last_block;
      } else {
        mask = candidates(h + i);
      }
      if (std::size_t at = confirm(h + i, mask); at != 16) return i + at;
      if (i == last_block) return std::string_view::npos;
    }
  }
#endif
  for (std::size_t i = 0; i + m <= n; ++i) {
    if ((h[i] | first_case) == first && (h[i + m - 1] | last_case) == last &&
        (m <= 2 || same_folded_words(h + i + 1, k + 1, m - 2))) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool equals(std::string_view hay, std::string_view needle, bool cased) noexcept {
  if (hay.size() != needle.size()) return false;
  if (cased) return hay == needle;
  return same_folded(hay.data(), needle.data(), needle.size());
}

bool starts_with(std::string_view hay, std::string_view needle, bool cased) noexcept {
  if (hay.size() < needle.size()) return false;
  return equals(hay.substr(0, needle.size()), needle, cased);
}

bool ends_with(std::string_view hay, std::string_view needle, bool cased) noexcept {
  if (hay.size() < needle.size()) return false;
  return equals(hay.substr(hay.size() - needle.size()), needle, cased);
}

std::size_t find(std::string_view hay, std::string_view needle, std::size_t from,
                 bool cased) noexcept {
  if (needle.empty()) return from <= hay.size() ? from : std::string_view::npos;
  if (hay.size() < needle.size() || from > hay.size() - needle.size()) {
    return std::string_view::npos;
  }
  if (cased) {
    std::size_t at = find_bytes(hay.data() + from, hay.size() - from, needle.data(), needle.size());
    return at == std::string_view::npos ? at : from + at;
  }
  const char first = needle[0];
  const bool has_case = first >= 'a' && first <= 'z';
  const char upper = has_case ? static_cast<char>(first - 'a' + 'A') : first;
  const std::size_t last = hay.size() - needle.size();
  for (std::size_t i = from; i <= last; ++i) {
    char c = hay[i];
    if ((c == first || c == upper) &&
        same_folded(hay.data() + i + 1, needle.data() + 1, needle.size() - 1)) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool contains(std::string_view hay, std::string_view needle, bool cased) noexcept {
  return find(hay, needle, 0, cased) != std::string_view::npos;
}

bool glob_match(std::string_view hay, const std::vector<GlobPiece>& glob, bool cased) noexcept {
  // Two-pointer matching over pieces; on mismatch, resume after the last star with the
  // haystack position one character further.
  std::size_t p = 0, h = 0;
  std::size_t star_piece = std::string_view::npos, star_hay = 0;
  while (true) {
    if (p < glob.size()) {
      const GlobPiece& piece = glob[p];
      switch (piece.kind) {
        case GlobPiece::Kind::kStar:
          if (p + 1 == glob.size()) return true;  // a trailing star takes the rest
          star_piece = p++;
          star_hay = h;
          continue;
        case GlobPiece::Kind::kQuestion:
          if (h < hay.size()) {
            h += utf8_length(static_cast<unsigned char>(hay[h]));
            if (h > hay.size()) h = hay.size();
            ++p;
            continue;
          }
          break;
        case GlobPiece::Kind::kLiteral:
          if (star_piece != std::string_view::npos && p == star_piece + 1) {
            // Right after a star: jump to the next occurrence instead of stepping by one.
            std::size_t at = find(hay, piece.text, h, cased);
            if (at != std::string_view::npos) {
              h = at + piece.text.size();
              star_hay = at;
              ++p;
              continue;
            }
            return false;  // no later occurrence: no backtracking can help
          }
          if (hay.size() - h >= piece.text.size() &&
              equals(hay.substr(h, piece.text.size()), piece.text, cased)) {
            h += piece.text.size();
            ++p;
            continue;
          }
          break;
      }
    } else if (h == hay.size()) {
      return true;
    }
    // Mismatch (or pieces exhausted with haystack left): backtrack to the last star.
    if (star_piece == std::string_view::npos) return false;
    if (star_hay >= hay.size()) return false;
    star_hay += utf8_length(static_cast<unsigned char>(hay[star_hay]));
    if (star_hay > hay.size()) return false;
    h = star_hay;
    p = star_piece + 1;
    // Re-run the "right after a star" search from the new position.
  }
}

}  // namespace rasid::engine::detail
