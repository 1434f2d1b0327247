#pragma once
// JSON-lines framing shared by the reader (when it frames) and complete_batch() (when the
// reader deferred it). Private to the input module.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "input/record_reader.h"

namespace rasid::input::detail {

// Number of '\n' bytes in `text`: 128 bytes a round with AVX2 when the CPU has it, then 64
// with SSE2. `allow_avx2` false: SSE2 only (the tests cover both paths on any CPU).
[[nodiscard]] std::uint64_t count_newlines(std::string_view text, bool allow_avx2 = true) noexcept;

// Splits the pending lines of `batch` (RecordBatch::pending_line_bytes) into records, exactly
// as the reader frames JSON lines, and clears the pending state. A no-op without pending lines.
void frame_pending_lines(RecordBatch& batch);

}  // namespace rasid::input::detail
