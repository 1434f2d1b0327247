#include "event/event.h"

#include <algorithm>
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

std::string_view Event::fold(std::string_view s) {
  std::size_t first_upper = 0;
  while (first_upper < s.size() && !(s[first_upper] >= 'A' && s[first_upper] <= 'Z')) ++first_upper;
  if (first_upper == s.size()) return s;
  std::string_view copy = own(s);
  char* data = const_cast<char*>(copy.data());  // arena memory, owned by this event
  for (std::size_t i = first_upper; i < copy.size(); ++i) {
    if (data[i] >= 'A' && data[i] <= 'Z') data[i] = static_cast<char>(data[i] - 'A' + 'a');
  }
  return copy;
}

std::string_view Event::own(std::string_view s) {
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
