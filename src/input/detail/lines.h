#pragma once
// JSON-lines framing shared by the reader (when it frames) and complete_batch() (when the
// reader deferred it). Private to the input module.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "input/record_reader.h"

namespace rasid::input::detail {

// Number of '\n' bytes in `text` (SSE2, 16 bytes at a time).
[[nodiscard]] std::uint64_t count_newlines(std::string_view text) noexcept;

// Splits the pending lines of `batch` (RecordBatch::pending_line_bytes) into records, exactly
// as the reader frames JSON lines, and clears the pending state. A no-op without pending lines.
void frame_pending_lines(RecordBatch& batch);

}  // namespace rasid::input::detail
