#include "event/field_table.h"

#include <atomic>

namespace rasid::event {

namespace {
std::uint64_t next_generation() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}
}  // namespace

FieldTable::FieldTable() : generation_(next_generation()) {}

FieldId FieldTable::intern(std::string_view name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  auto id = static_cast<FieldId>(names_.size());
  generation_ = next_generation();
  names_.emplace_back(name);
  ids_.emplace(std::string(name), id);
  for (std::size_t dot = name.find('.'); dot != std::string_view::npos;
       dot = name.find('.', dot + 1)) {
    prefixes_.emplace(name.substr(0, dot));
  }
  return id;
}

FieldId FieldTable::find(std::string_view name) const noexcept {
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  // Sigma writes EventData names without their spaces ("Threat Name" is ThreatName; spec,
  // "Field Usage"), while events keep them: retry a missed key without spaces.
  if (name.find(' ') == std::string_view::npos) return kNoField;
  char buffer[256];
  std::size_t n = 0;
  for (char c : name) {
    if (c == ' ') continue;
    if (n == sizeof(buffer)) return kNoField;  // no rule field is that long
    buffer[n++] = c;
  }
  it = ids_.find(std::string_view(buffer, n));
  return it == ids_.end() ? kNoField : it->second;
}

bool FieldTable::has_prefix(std::string_view prefix) const noexcept {
  return prefixes_.find(prefix) != prefixes_.end();
}

}  // namespace rasid::event
