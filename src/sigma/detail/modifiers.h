#pragma once
// Value modifiers (checklist section 5): turns the raw values of one `Field|mods: values`
// entry into the Predicates of its FieldItem(s), applying the modifiers left to right as
// pySigma does. Private to the sigma module.

#include <cstddef>
#include <string>
#include <vector>

#include "base/result.h"
#include "sigma/loader.h"
#include "sigma/rule.h"

namespace rasid::sigma::detail {

// rasid::Status (Result<void>); the bare name would find the rule enum sigma::Status.
using Status = ::rasid::Status;

// One YAML scalar as written in the rule, before modifiers.
struct RawValue {
  enum class Type : std::uint8_t { kString, kNumber, kBool, kNull };
  Type type = Type::kString;
  std::string text;  // string as written; canonical text of numbers ("4688") and bools ("true")
  double number = 0;  // kNumber
  Location where;
};

// One modifier of the key, with where it is written (for diagnostics).
struct Modifier {
  std::string name;
  Location where;
};

// A whole rule may hold at most this many predicates. The corpus maximum is 4,432 (a hash
// list); the cap stops a small hostile file (many values, each with five windash positions)
// from expanding into gigabytes of globs.
inline constexpr std::size_t kMaxPredicatesPerRule = 100'000;

// `values_is_list`: the YAML value was a sequence (the `all` check needs to know).
// `missing`: placeholders under `expand` without a configured value are appended here and
// their value expands to no variant (the rule will not run, see Rule::missing_placeholders).
// `budget`: predicates the rule may still add (starts at kMaxPredicatesPerRule).
// On success appends one FieldItem, or several when `all` meets a value that expands into
// variants (each value then becomes its own item: AND over values, OR over variants).
// Errors carry the location of the offending modifier or value.
[[nodiscard]] Status build_field_items(const std::string& field,
                                       const std::vector<Modifier>& modifiers,
                                       const std::vector<RawValue>& values, bool values_is_list,
                                       const Location& item_where,
                                       const Placeholders& placeholders,
                                       std::vector<MissingPlaceholder>& missing,
                                       std::size_t& budget, std::vector<FieldItem>& out);

}  // namespace rasid::sigma::detail
