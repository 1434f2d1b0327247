#pragma once
// Logsource mappings: which events a rule's logsource stands for, and how its field names
// translate to the event's.
//
// A Sigma rule says `logsource: {product: windows, category: process_creation}`; events say
// `Channel: Microsoft-Windows-Sysmon/Operational, EventID: 1`. A Mapping resolves the first to
// a list of Variants: each variant is a set of conditions an event must meet (AND), plus
// field renames for rules evaluated under it (rule field -> event field). A rule runs on an
// event when some variant's conditions hold, with that variant's renames (process_creation
// from Security 4688 reads `Image` from `NewProcessName`).
//
// The built-in Windows mapping is written in the same YAML format users write (see
// docs/mapping.md and mapping/windows.yml); user files add or override entries.
// Immutable once built; safe to share across threads.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "base/result.h"

namespace rasid::mapping {

// `field` equals one of `values` (case-insensitive, compared as text, so EventID 1 matches
// "1"); an empty `values` means the field only has to exist.
struct FieldCondition {
  std::string field;
  std::vector<std::string> values;
};

struct Variant {
  std::string name;                         // entry name in the mapping file, for messages
  std::vector<FieldCondition> conditions;   // AND
  std::map<std::string, std::string, std::less<>> renames;  // rule field -> event field
};

struct LogSourceKey {
  std::string product, category, service;  // lower-case; empty = not given
};

class Mapping {
 public:
  // The built-in mapping (Windows: services to channels, categories to channel + EventID).
  [[nodiscard]] static Mapping builtin();

  // Adds the entries of a mapping YAML file (or text). Entries with the same name as an
  // existing one replace it. Problems are diagnostics with file:line:col; good entries load.
  void add_file(const std::filesystem::path& file, Diagnostics& diags);
  void add_text(std::string_view yaml, const std::string& origin, Diagnostics& diags);

  // Variants for a rule's logsource. nullopt when nothing maps it (the rule cannot run on
  // any known event source); an empty vector is never returned.
  [[nodiscard]] std::optional<std::vector<Variant>> resolve(const LogSourceKey& key) const;

 private:
  struct Entry;
  std::vector<Entry> entries_;
};

}  // namespace rasid::mapping
