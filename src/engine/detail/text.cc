#include "engine/detail/text.h"

#include <cstring>

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
    // glibc's memmem is a vectorized two-way search: much faster than a byte loop.
    const void* at = memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
    return at == nullptr ? std::string_view::npos
                         : static_cast<std::size_t>(static_cast<const char*>(at) - hay.data());
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
