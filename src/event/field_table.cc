#include "event/field_table.h"

namespace rasid::event {

FieldId FieldTable::intern(std::string_view name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  auto id = static_cast<FieldId>(names_.size());
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
  return it == ids_.end() ? kNoField : it->second;
}

bool FieldTable::has_prefix(std::string_view prefix) const noexcept {
  return prefixes_.find(prefix) != prefixes_.end();
}

}  // namespace rasid::event
