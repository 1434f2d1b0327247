#pragma once
// Sigma rule loading: YAML text or files to validated Rule models.
//
// Each YAML document becomes one Rule. A document that breaks the specification (unknown
// modifier, bad condition, unresolved placeholder, ...) is reported to the Diagnostics sink
// with file:line:column, rule id and reason, and skipped; the other documents still load.
// Thread-compatible: a Loader may be used by one thread at a time; separate Loaders may run
// in parallel.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "base/result.h"
#include "sigma/rule.h"

namespace rasid::sigma {

// Values for `|expand` placeholders: name (without %) to values.
using Placeholders = std::map<std::string, std::vector<std::string>, std::less<>>;

// Reads a placeholder file: a YAML map `name: [values...]` (or `name: value`).
[[nodiscard]] Result<Placeholders> load_placeholders(const std::filesystem::path& file);

struct LoaderOptions {
  Placeholders placeholders;
};

// Applies every kFilter rule of `rules` to the detection rules it covers (spec section 8,
// pySigma semantics: condition becomes `(rule) and (filter)`, the filter's selections are
// appended under fresh names), then removes the filters from `rules`. A filter naming a rule
// that does not exist is a warning.
void apply_filters(std::vector<Rule>& rules, Diagnostics& diags);

class Loader {
 public:
  explicit Loader(LoaderOptions options = {});

  // Parses every document of `text` (file name `origin` is used in diagnostics) and appends
  // the rules that are valid to `out`. Returns the number of documents that failed.
  std::size_t load_text(std::string_view text, const std::string& origin,
                        std::vector<Rule>& out, Diagnostics& diags) const;
  // Reads a file and calls load_text. An unreadable file is one diagnostic.
  std::size_t load_file(const std::filesystem::path& file, std::vector<Rule>& out,
                        Diagnostics& diags) const;
  // Loads every *.yml / *.yaml below `path` (recursively, sorted by path), or the file itself.
  std::size_t load_path(const std::filesystem::path& path, std::vector<Rule>& out,
                        Diagnostics& diags) const;
  // Loads several paths like load_path, parsing files on `threads` threads (0 = all cores).
  // Rules and diagnostics come out in the same order as a sequential load.
  std::size_t load_paths(const std::vector<std::filesystem::path>& paths, std::vector<Rule>& out,
                         Diagnostics& diags, unsigned threads = 0) const;

 private:
  LoaderOptions options_;
};

}  // namespace rasid::sigma
