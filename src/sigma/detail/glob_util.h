#pragma once
// Building Glob values: Sigma's escape rules (checklist section 4) and the normalising
// appends that keep a Glob's invariant (adjacent literals merged, never two stars in a row).

#include <string>
#include <string_view>

#include "sigma/rule.h"

namespace rasid::sigma::detail {

// Parses Sigma value notation: `*` any run, `?` one character, `\*` `\?` `\\` escapes; a
// backslash before anything else, or at the end, is a literal backslash.
[[nodiscard]] Glob parse_glob(std::string_view text);

// A glob that matches `text` literally (no wildcard interpretation).
[[nodiscard]] Glob literal_glob(std::string_view text);

void append_literal(Glob& glob, std::string_view text);
void append_star(Glob& glob);
void append_question(Glob& glob);
void append_glob(Glob& glob, const Glob& tail);

// True when the glob is literal text only; `out` receives the text.
[[nodiscard]] bool plain_text(const Glob& glob, std::string& out);

[[nodiscard]] bool starts_with_star(const Glob& glob);
[[nodiscard]] bool ends_with_star(const Glob& glob);

}  // namespace rasid::sigma::detail
