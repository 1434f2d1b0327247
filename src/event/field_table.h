#pragma once
// FieldTable: the interned names of the event fields a ruleset reads.
//
// Built once with the Ruleset (every field name a rule, a mapping or the output needs is
// interned to a dense FieldId), then immutable and shared by all scanner threads. Event
// decoders look each key they meet up here and keep only the fields that have an id, so
// an event never costs more than the fields some rule reads.
//
// Nested JSON objects are addressed with dotted names ("userIdentity.arn"): the decoder
// joins the keys of nested objects with '.', and a flat key that already holds a dot
// ("id.orig_h") lands on the same name. has_prefix() lets a decoder skip sub-objects no
// field lives under.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace rasid::event {

using FieldId = std::uint32_t;
inline constexpr FieldId kNoField = 0xffffffffu;

// Transparent hashing so lookups with string_view do not allocate.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

class FieldTable {
 public:
  FieldTable();

  // Returns the id of `name`, adding it if new. Not thread-safe: build phase only.
  FieldId intern(std::string_view name);

  // Asks decoders to hand every value of an event to the keyword list (Event::keywords()),
  // needed when some rule has a keyword (field-less) search. Build phase only.
  void set_collect_all_values(bool on) { collect_all_values_ = on; }

  // The id of `name`, or kNoField. A name with spaces that is not interned as such finds the
  // field named without its spaces (Sigma's "Threat Name" -> ThreatName). Thread-safe
  // (const), allocation-free.
  [[nodiscard]] FieldId find(std::string_view name) const noexcept;
  // True if some interned name starts with `prefix` + '.'. Thread-safe.
  [[nodiscard]] bool has_prefix(std::string_view prefix) const noexcept;
  [[nodiscard]] bool collect_all_values() const noexcept { return collect_all_values_; }

  [[nodiscard]] const std::string& name(FieldId id) const { return names_[id]; }
  [[nodiscard]] std::size_t size() const noexcept { return names_.size(); }
  // Process-unique stamp of this table's contents: changes with every intern(), and no two
  // tables ever share one. Lets decoders cache lookups (hits and misses) per table safely.
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, FieldId, StringHash, std::equal_to<>> ids_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> prefixes_;
  bool collect_all_values_ = false;
  std::uint64_t generation_ = 0;
};

}  // namespace rasid::event
