#pragma once
// Diagnostics: problems found while loading rules, mappings or indicators.
//
// Loaders report each problem to a Diagnostics sink, skip the broken item and keep going,
// so one bad rule never stops the others from loading (STYLE.md section 3.3).

#include <cstddef>
#include <string>
#include <vector>

#include "base/result.h"

namespace rasid {

enum class Severity { kWarning, kError };

struct Diagnostic {
  Severity severity = Severity::kError;
  Location where;       // file, line, column of the offending YAML node when known
  std::string rule_id;  // id (or title if no id) of the rule concerned; may be empty
  std::string message;  // lowercase, one line, says what is wrong

  // "file:line:col: rule-id: message" (parts that are unknown are left out).
  [[nodiscard]] std::string to_string() const;
};

// Collects diagnostics in report order. Not thread-safe: one sink per loading thread.
class Diagnostics {
 public:
  void report(Diagnostic d) { items_.push_back(std::move(d)); }
  void error(Location where, std::string rule_id, std::string message) {
    report({Severity::kError, std::move(where), std::move(rule_id), std::move(message)});
  }
  void warning(Location where, std::string rule_id, std::string message) {
    report({Severity::kWarning, std::move(where), std::move(rule_id), std::move(message)});
  }

  [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
  [[nodiscard]] std::size_t error_count() const;
  [[nodiscard]] std::size_t warning_count() const;
  [[nodiscard]] bool empty() const { return items_.empty(); }
  void append(const Diagnostics& other);
  void clear() { items_.clear(); }

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace rasid
