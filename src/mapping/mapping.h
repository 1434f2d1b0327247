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

#include <cstddef>
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
  // An empty mapping: resolves nothing until entries are added.
  Mapping();
  ~Mapping();
  Mapping(const Mapping&);
  Mapping& operator=(const Mapping&);
  Mapping(Mapping&&) noexcept;
  Mapping& operator=(Mapping&&) noexcept;

  // The built-in mapping (Windows: services to channels, categories to channel + EventID).
  // Parsed once per process from the text compiled into the library; each call returns a
  // copy. Thread-safe.
  [[nodiscard]] static Mapping builtin();
  // The YAML text of the built-in mapping (mapping/windows.yml), for documentation and
  // for `rasid` to print. The view is static.
  [[nodiscard]] static std::string_view builtin_yaml();

  // Adds the entries of a mapping YAML file (or text; `origin` names it in diagnostics).
  // An entry with the same name as an existing one replaces it where it stands; an entry
  // with `disabled: true` switches that name off. Problems are diagnostics with
  // file:line:col; a broken entry is skipped and the good ones load. Never throws.
  void add_file(const std::filesystem::path& file, Diagnostics& diags);
  void add_text(std::string_view yaml, const std::string& origin, Diagnostics& diags);

  // Variants for a rule's logsource. nullopt when nothing maps it (the rule cannot run on
  // any known event source); an empty vector is never returned.
  //
  // Resolution (README.md in this folder has the reasons):
  //  1. entries whose logsource is exactly the key's (product, category, service), absent
  //     parts included, each give one variant, in file order;
  //  2. else, when the key gives both a category and a service, each pair of a
  //     (product, category) entry and a (product, service) entry gives one variant with
  //     the conditions of both (pairs whose conditions contradict, such as two different
  //     channels, are dropped; renames of the category entry win);
  //  3. else nullopt. A key is never widened: an unknown category does not fall back to
  //     its product.
  // Key parts are compared case-insensitively.
  [[nodiscard]] std::optional<std::vector<Variant>> resolve(const LogSourceKey& key) const;

  // Number of entries (disabled ones included), for reporting.
  [[nodiscard]] std::size_t size() const noexcept;

 private:
  struct Entry;
  std::vector<Entry> entries_;
};

}  // namespace rasid::mapping
