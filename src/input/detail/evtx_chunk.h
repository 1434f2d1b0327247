#pragma once
// EVTX chunk decoding: one 64 KiB chunk ("ElfChnk\0") to one flat JSON object per record.
//
// Private to the input module. The output follows the flat convention of
// shared/data/samples/README.md, exactly as shared/tools/evtx2jsonl.py's native backend
// (`iter_native_records` + `flatten_event`) renders it; src/input/README.md lists the choices.
// Every read is bounded by the chunk: a damaged chunk gives problems, never a crash or a hang.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rasid::input::detail {

inline constexpr std::size_t kEvtxChunkSize = 0x10000;
inline constexpr std::size_t kEvtxChunkHeaderSize = 0x200;

struct EvtxRecordOut {
  std::size_t offset = 0;  // of the JSON text in the output buffer (from its start)
  std::size_t size = 0;
  std::uint64_t record_id = 0;
};

struct EvtxProblemOut {
  std::uint64_t record_id = 0;  // 0 when the problem is about the chunk
  std::string message;
};

// Decodes `chunk` (at most kEvtxChunkSize bytes; fewer when the file is truncated), the
// `index`-th chunk of its file (for messages). Appends each record's JSON object to `out`
// (followed by a newline) and its place to `records`; problems go to `problems`.
// Checksums are verified and a mismatch is reported, but records are still decoded one by
// one (each is validated as it is parsed), so a chunk left dirty by a crash still yields
// its complete records.
void decode_evtx_chunk(std::string_view chunk, std::uint64_t index, std::string& out,
                       std::vector<EvtxRecordOut>& records,
                       std::vector<EvtxProblemOut>& problems);

}  // namespace rasid::input::detail
