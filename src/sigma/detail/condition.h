#pragma once
// The condition grammar (checklist section 6): parses one condition string into a Condition
// tree whose quantifiers are resolved to selection indexes. Private to the sigma module.

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sigma/rule.h"

namespace rasid::sigma::detail {

// rasid::Status (Result<void>); the bare name would find the rule enum sigma::Status.
using Status = ::rasid::Status;

// `names` are the rule's search identifiers in Rule::selections order. `start` is where the
// first character of `text` sits in the file; an error's column is start.column plus the
// offset of the offending token (exact for conditions written on one line).
[[nodiscard]] Result<Condition> parse_condition(std::string_view text,
                                                const std::vector<std::string>& names,
                                                const Location& start);

}  // namespace rasid::sigma::detail
