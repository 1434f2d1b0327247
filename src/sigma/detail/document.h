#pragma once
// Shared helpers of the YAML-facing parts of the loader (loader.cc, correlation.cc): node
// locations and typed reads that never throw. Private to the sigma module.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/result.h"
#include "sigma/loader.h"
#include "sigma/rule.h"

namespace rasid::sigma::detail {

// rasid::Status (Result<void>); the bare name would find the rule enum sigma::Status.
using Status = ::rasid::Status;

// Where one YAML chunk sits in its file: documents are parsed one chunk at a time so a
// syntax error only loses its own document, and marks are shifted back to file lines.
struct DocContext {
  const std::string* file = nullptr;
  int line_offset = 0;  // lines of the file before the chunk
  Location fallback;    // used for nodes without a mark (implicit nulls)
};

// 1-based file location of a node (yaml-cpp marks are 0-based and chunk-relative).
[[nodiscard]] Location location_of(const YAML::Node& node, const DocContext& ctx);

// The node's value under `key` in a map, or an undefined node. Never inserts.
[[nodiscard]] YAML::Node find_key(const YAML::Node& map, std::string_view key);

// A scalar's text; fails ("'key' must be a string") for maps and sequences. Null -> "".
[[nodiscard]] Result<std::string> read_string(const YAML::Node& node, std::string_view key,
                                              const DocContext& ctx);

// A scalar or a list of scalars as strings.
[[nodiscard]] Result<std::vector<std::string>> read_string_list(const YAML::Node& node,
                                                                std::string_view key,
                                                                const DocContext& ctx);

// A plain (unquoted) scalar that spells a YAML 1.2 core-schema boolean.
[[nodiscard]] std::optional<bool> plain_bool(const YAML::Node& node);
// A plain scalar that spells a YAML 1.2 core-schema int or float.
[[nodiscard]] std::optional<double> plain_number(const YAML::Node& node, std::string* canonical);

// Parses a detection-shaped map (search identifiers + `condition`) into rule.selections and
// rule.condition. `skip_keys` are keys that are not search identifiers (`rules` of a filter).
[[nodiscard]] Status parse_detection(const YAML::Node& section, Rule& rule, const DocContext& ctx,
                                     const LoaderOptions& options,
                                     const std::vector<std::string_view>& skip_keys);

// Parses and validates the `correlation` section of a correlation rule.
[[nodiscard]] Status parse_correlation(const YAML::Node& root, const YAML::Node& section,
                                       Rule& rule, const DocContext& ctx);

}  // namespace rasid::sigma::detail
