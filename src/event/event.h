#pragma once
// Event: the typed field view of one log record, as the scanner sees it.
//
// An Event is a reusable buffer owned by one scanner thread: reset() it, let a decoder
// add() the values of the fields the FieldTable knows, evaluate, repeat. After warm-up no
// call allocates. A field may hold several values (a JSON array, or a list the decoder
// flattened); Sigma matches a field when any of its values matches.
//
// Lifetime: string views added with add() must stay valid until the next reset(). Decoders
// either point into their own parse buffers (valid for one record) or copy into the event's
// arena with own(), whose views live until reset().

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/assert.h"
#include "event/field_table.h"

namespace rasid::event {

enum class ValueKind : std::uint8_t { kNull, kString, kInt, kFloat, kBool };

// One scalar value. `text` is its canonical text, which Sigma compares against:
// the string itself, a number as written in the source ("4688", "1.5"), "true"/"false",
// and "" for null.
struct Value {
  ValueKind kind = ValueKind::kNull;
  std::string_view text;

  Value() = default;
  Value(ValueKind k, std::string_view t) : kind(k), text(t) {}
  // A value whose folded form is already known (see Event::folded).
  Value(ValueKind k, std::string_view t, std::string_view f) : kind(k), text(t), folded_(known(f)) {}

  [[nodiscard]] bool is_null() const noexcept { return kind == ValueKind::kNull; }
  [[nodiscard]] bool is_number() const noexcept {
    return kind == ValueKind::kInt || kind == ValueKind::kFloat;
  }

 private:
  friend class Event;
  // `text` with ASCII letters lower-cased ("" for null), made by Event::folded() on first use
  // and kept: Sigma matching is case-insensitive by default, and folding a value once is far
  // cheaper than folding it again in each rule that reads the field; most values are never
  // compared by any rule (the prefilter matches caselessly), so none is folded up front.
  // A null data pointer means "not folded yet" (no flag: it would make every value, and so
  // every entry of an event, 8 bytes larger); a known empty result points at kEmpty.
  mutable std::string_view folded_;
  static constexpr char kEmpty[1] = "";
  static std::string_view known(std::string_view f) noexcept {
    return f.data() == nullptr ? std::string_view(kEmpty, 0) : f;
  }
};

// Where a record came from: index into the hunt's list of inputs, and its 1-based line
// (or record number for binary inputs).
struct SourceRef {
  std::uint32_t input = 0;
  std::uint64_t line = 0;
};

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  Event(Event&&) noexcept = default;
  Event& operator=(Event&&) noexcept = default;

  // Empties the event for the next record decoded against `table` (which must outlive the
  // use of this event). Keeps capacity.
  void reset(const FieldTable& table);

  // Appends a value of field `id` (< table size). Values of one field keep their order.
  // Inline: the decoders call it for every value they keep (~12 per bench event).
  void add(FieldId id, Value value) {
    RASID_ASSERT(id < heads_.size());
    const auto index = static_cast<std::int32_t>(entries_.size());
    entries_.push_back(Entry{id, -1, value});
    std::int32_t& head = heads_[id];
    if (head < 0) {
      head = index;
      touched_.push_back(id);
    } else {
      entries_[static_cast<std::size_t>(tails_[id])].next = index;
    }
    tails_[id] = index;
  }
  // Appends a value to the keyword list (all values of the event, for keyword searches).
  // Not folded here: most events never need their keywords folded (folded_keywords()).
  void add_keyword(std::string_view text) { keywords_.push_back(text); }

  // `v.text` with ASCII letters lower-cased ("" for a null value): folded on the first call
  // and kept in `v`, which must be a value of this event (or one made with its folded form).
  // The view lives until reset(). Not thread-safe (an event is owned by one thread).
  [[nodiscard]] std::string_view folded(const Value& v) const {
    if (v.folded_.data() == nullptr) {
      v.folded_ = Value::known(v.kind == ValueKind::kNull ? std::string_view() : fold_copy(v.text));
    }
    return v.folded_;
  }

  // Copies `s` into the event's arena; the view lives until reset().
  std::string_view own(std::string_view s);

  [[nodiscard]] const FieldTable* table() const noexcept { return table_; }
  // True if the record had field `id` (even with a null value).
  [[nodiscard]] bool has(FieldId id) const noexcept {
    return id < heads_.size() && heads_[id] >= 0;
  }
  // Number of values of field `id` (0 if absent).
  [[nodiscard]] std::size_t count(FieldId id) const noexcept;
  // First value of `id`, or nullptr if absent.
  [[nodiscard]] const Value* first(FieldId id) const noexcept;
  // Calls f(const Value&) for each value of `id` in order; stops early when f returns true.
  // Returns true if some call returned true.
  template <typename F>
  bool any_of(FieldId id, F&& f) const {
    if (id >= heads_.size()) return false;
    for (std::int32_t i = heads_[id]; i >= 0; i = entries_[static_cast<std::size_t>(i)].next) {
      if (f(entries_[static_cast<std::size_t>(i)].value)) return true;
    }
    return false;
  }
  // Calls f(FieldId, const Value&) for every value of every field, in the order added.
  template <typename F>
  void for_each(F&& f) const {
    for (const Entry& e : entries_) f(e.id, e.value);
  }
  // Every value of the event (strings and scalars as text), filled only when the table
  // asks for it (FieldTable::collect_all_values).
  [[nodiscard]] std::span<const std::string_view> keywords() const noexcept { return keywords_; }
  // The same values laid out one after another, each followed by a NUL byte, when the decoder
  // wrote them so (its flat fast path does: the keyword scan then needs no copy); a view with
  // a null data pointer otherwise. Valid as long as the keywords.
  [[nodiscard]] std::string_view joined_keywords() const noexcept { return joined_keywords_; }
  void set_joined_keywords(std::string_view joined) noexcept { joined_keywords_ = joined; }
  // The same values folded (see folded()), in the same order. Folded on the first call
  // after the keywords changed (an event is owned by one thread; this is not thread-safe).
  [[nodiscard]] std::span<const std::string_view> folded_keywords() const;

  // The raw record this event was decoded from (valid as long as the decoder's input) and
  // where it came from. Set by whoever feeds the decoder.
  std::string_view raw;
  SourceRef source;

 private:
  struct Entry {
    FieldId id;
    std::int32_t next;
    Value value;
  };
  const FieldTable* table_ = nullptr;
  std::vector<Entry> entries_;
  std::vector<std::int32_t> heads_;  // first entry per field id, -1 if absent
  std::vector<std::int32_t> tails_;  // last entry per field id
  std::vector<FieldId> touched_;     // ids set since reset, so reset is O(fields present)
  std::vector<std::string_view> keywords_;
  std::string_view joined_keywords_;
  // Lazily folded copy of keywords_ (its first `folded_count_` entries are current).
  mutable std::vector<std::string_view> folded_keywords_;
  mutable std::size_t folded_count_ = 0;
  // Arena: fixed-size blocks, reused across resets; large strings get their own block.
  // Mutable: folded_keywords() fills it from a const event.
  mutable std::vector<std::unique_ptr<char[]>> blocks_;
  mutable std::vector<std::size_t> block_sizes_;
  mutable std::size_t block_index_ = 0;
  mutable std::size_t block_used_ = 0;

  std::string_view own_copy(std::string_view s) const;
  char* allocate(std::size_t n) const;  // `n` > 0 bytes of arena, valid until reset()
  std::string_view fold_copy(std::string_view s) const;
};

}  // namespace rasid::event
