#include "event/event.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "base/assert.h"

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
  folded_keywords_.clear();
  folded_count_ = 0;
  block_index_ = 0;
  block_used_ = 0;
  raw = {};
  source = {};
}

void Event::add(FieldId id, Value value) {
  RASID_ASSERT(id < heads_.size());
  value.folded = value.kind == ValueKind::kNull ? std::string_view() : fold(value.text);
  auto index = static_cast<std::int32_t>(entries_.size());
  entries_.push_back(Entry{id, -1, value});
  if (heads_[id] < 0) {
    heads_[id] = index;
    touched_.push_back(id);
  } else {
    entries_[static_cast<std::size_t>(tails_[id])].next = index;
  }
  tails_[id] = index;
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

std::string_view Event::fold(std::string_view s) { return fold_copy(s); }

std::string_view Event::fold_copy(std::string_view s) const {
  // Find the first upper-case letter; most values (paths in lower case, numbers, hex) have
  // none and are returned as they are, without a copy.
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (upper_mask(word) != 0) break;
  }
  while (i < s.size() && !(s[i] >= 'A' && s[i] <= 'Z')) ++i;
  if (i >= s.size()) return s;
  std::string_view copy = own_copy(s);
  char* data = const_cast<char*>(copy.data());  // arena memory, owned by this event
  std::size_t j = i & ~std::size_t{7};
  for (; j + 8 <= copy.size(); j += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + j, 8);
    word |= upper_mask(word);
    std::memcpy(data + j, &word, 8);
  }
  for (; j < copy.size(); ++j) {
    if (data[j] >= 'A' && data[j] <= 'Z') data[j] = static_cast<char>(data[j] - 'A' + 'a');
  }
  return copy;
}

std::string_view Event::own(std::string_view s) { return own_copy(s); }

std::string_view Event::own_copy(std::string_view s) const {
  if (s.empty()) return {};
  while (block_index_ < blocks_.size() && block_used_ + s.size() > block_sizes_[block_index_]) {
    ++block_index_;
    block_used_ = 0;
  }
  if (block_index_ == blocks_.size()) {
    std::size_t size = std::max(kBlockSize, s.size());
    blocks_.push_back(std::make_unique<char[]>(size));
    block_sizes_.push_back(size);
    block_used_ = 0;
  }
  char* dst = blocks_[block_index_].get() + block_used_;
  std::memcpy(dst, s.data(), s.size());
  block_used_ += s.size();
  return {dst, s.size()};
}

}  // namespace rasid::event
