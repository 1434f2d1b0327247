#pragma once
// Warninglists: MISP warninglists (known-benign values: public resolvers, CDNs, cloud ranges,
// top domains) that suppress indicator hits on those values.
//
// A list (list.json: name, type, list, matching_attributes) is one of five kinds: cidr (IP
// networks), string (exact values), hostname (a domain and its subdomains), substring and
// regex. matching_attributes (MISP attribute types) restrict it to observable types; without
// them a list applies to every type. Built once, then const and thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "intel/observable.h"

namespace rasid::intel {

namespace detail {
struct WarninglistData;
}

class Warninglists {
 public:
  Warninglists();
  ~Warninglists();
  Warninglists(Warninglists&&) noexcept;
  Warninglists& operator=(Warninglists&&) noexcept;

  // Adds every list.json under `folder` (recursively). Bad lists and bad entries are
  // diagnostics; the rest loads.
  void load_folder(std::string_view folder, Diagnostics& diags);
  // Adds one list from its JSON text (`source` names it in diagnostics).
  void add_list(std::string_view json_text, std::string_view source, Diagnostics& diags);

  [[nodiscard]] std::size_t list_count() const noexcept;
  [[nodiscard]] std::size_t entry_count() const noexcept;
  [[nodiscard]] const std::string& list_name(std::uint32_t list) const;

  static constexpr std::uint32_t kNone = UINT32_MAX;
  // The first list that holds `value` (normalized as observable.h says) for `type`, or kNone.
  [[nodiscard]] std::uint32_t find(IndicatorType type, std::string_view value) const;

 private:
  std::unique_ptr<detail::WarninglistData> data_;
};

}  // namespace rasid::intel
