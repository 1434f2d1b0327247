#include "event/event.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rasid::event {

namespace {
// Arena block size: large enough that a typical Windows event (a few KB of joined values)
// fits in one block; a bigger string gets a block of its own size.
constexpr std::size_t kBlockSize = 64 * 1024;
}  // namespace

void Event::reset(const FieldTable& table) {
  if (table_ != &table || heads_.size() != table.size()) {
    table_ = &table;
    heads_.assign(table.size(), -1);
    tails_.assign(table.size(), -1);
  } else {
    for (FieldId id : touched_) heads_[id] = -1;
  }
  touched_.clear();
  entries_.clear();
  keywords_.clear();
  joined_keywords_ = {};
  folded_keywords_.clear();
  folded_count_ = 0;
  block_index_ = 0;
  block_used_ = 0;
  raw = {};
  source = {};
}

std::size_t Event::count(FieldId id) const noexcept {
  std::size_t n = 0;
  any_of(id, [&n](const Value&) {
    ++n;
    return false;
  });
  return n;
}

const Value* Event::first(FieldId id) const noexcept {
  if (id >= heads_.size() || heads_[id] < 0) return nullptr;
  return &entries_[static_cast<std::size_t>(heads_[id])].value;
}

namespace {

// 0x20 in every byte of `x` that is an ASCII upper-case letter, 0 elsewhere (SWAR: eight
// bytes at a time; bytes >= 0x80 are masked out, so no carry crosses a byte).
inline std::uint64_t upper_mask(std::uint64_t x) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  const std::uint64_t low7 = x & ~kHigh;
  const std::uint64_t ge_a = low7 + (0x80 - 'A') * kOnes;  // high bit set where byte >= 'A'
  const std::uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * kOnes;  // high bit set where byte > 'Z'
  return ((ge_a & ~gt_z & ~x) & kHigh) >> 2;
}

}  // namespace

std::span<const std::string_view> Event::folded_keywords() const {
  if (folded_count_ != keywords_.size()) {
    folded_keywords_.resize(folded_count_);
    for (std::size_t i = folded_count_; i < keywords_.size(); ++i) {
      folded_keywords_.push_back(fold_copy(keywords_[i]));
    }
    folded_count_ = keywords_.size();
  }
  return folded_keywords_;
}


namespace {
#if defined(__SSE2__)
// 0xff in every byte of `x` that is an ASCII upper-case letter. Signed compares: bytes >= 0x80
// are negative and never in ['A', 'Z'].
inline __m128i upper_bytes(__m128i x) noexcept {
  return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)),
                       _mm_cmplt_epi8(x, _mm_set1_epi8('Z' + 1)));
}
#endif
}  // namespace

std::string_view Event::fold_copy(std::string_view s) const {
  // Find the first upper-case letter; most values (paths in lower case, numbers, hex) have
  // none and are returned as they are, without a copy.
  const char* src = s.data();
  const std::size_t n = s.size();
  std::size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    if (_mm_movemask_epi8(upper_bytes(x)) != 0) break;
  }
#endif
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, src + i, 8);
    if (upper_mask(word) != 0) break;
  }
  while (i < n && !(src[i] >= 'A' && src[i] <= 'Z')) ++i;
  if (i >= n) return s;
  // Copy the part without upper case, fold the rest on the way into the arena.
  char* dst = allocate(n);
  std::memcpy(dst, src, i);
  std::size_t j = i;
#if defined(__SSE2__)
  for (; j + 16 <= n; j += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + j));
    const __m128i folded = _mm_or_si128(x, _mm_and_si128(upper_bytes(x), _mm_set1_epi8(0x20)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + j), folded);
  }
#endif
  for (; j + 8 <= n; j += 8) {
    std::uint64_t word;
    std::memcpy(&word, src + j, 8);
    word |= upper_mask(word);
    std::memcpy(dst + j, &word, 8);
  }
  for (; j < n; ++j) {
    const char c = src[j];
    dst[j] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return {dst, n};
}

std::string_view Event::own(std::string_view s) { return own_copy(s); }

std::string_view Event::own_copy(std::string_view s) const {
  if (s.empty()) return {};
  char* dst = allocate(s.size());
  std::memcpy(dst, s.data(), s.size());
  return {dst, s.size()};
}

char* Event::allocate(std::size_t n) const {
  while (block_index_ < blocks_.size() && block_used_ + n > block_sizes_[block_index_]) {
    ++block_index_;
    block_used_ = 0;
  }
  if (block_index_ == blocks_.size()) {
    std::size_t size = std::max(kBlockSize, n);
    blocks_.push_back(std::make_unique<char[]>(size));
    block_sizes_.push_back(size);
    block_used_ = 0;
  }
  char* dst = blocks_[block_index_].get() + block_used_;
  block_used_ += n;
  return dst;
}

}  // namespace rasid::event
