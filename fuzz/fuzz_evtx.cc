// Fuzz target: the EVTX decoder (file header, chunks, records, binary XML, templates,
// substitutions) through RecordReader, then JsonDecoder::decode_full on every record.
//
// An input starting with "ElfFile\0" is read as a whole file. Any other input is read as the
// first chunk of a file (a synthetic file header is put in front), so the fuzzer can work on
// a few KB of chunk bytes without first finding the 4 KiB file header. Nothing may crash,
// hang, leak or read out of bounds, and every record must be valid JSON.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "input/json_decoder.h"
#include "input/record_reader.h"

namespace {

// Only the header and three chunks are read: enough for every cross-chunk path (the template
// cache is per chunk) while keeping each run cheap. Longer inputs (the shared real files
// replayed by CTest) are cut, not skipped, so their first chunks are still exercised.
constexpr std::size_t kMaxInput = 0x1000 + 3 * 0x10000;

// Small batches so that a batch ends after each chunk.
constexpr std::size_t kBatchBytes = 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), std::min(size, kMaxInput));
  if (bytes.compare(0, 8, std::string("ElfFile\0", 8)) != 0) {
    std::string header("ElfFile\0", 8);
    header.resize(0x1000, '\0');
    header[0x29] = 0x10;  // header block size 0x1000
    bytes = header + bytes;
  }
  static rasid::input::JsonDecoder decoder;
  auto reader = rasid::input::RecordReader::from_string(std::move(bytes), "fuzz.evtx");
  rasid::input::RecordBatch batch;
  // Bounded: each batch consumes at least one chunk position of the input.
  for (int i = 0; i < 64; ++i) {
    auto more = reader->next_batch(batch, kBatchBytes);
    if (!more || !*more) break;
    for (const auto& rec : batch.records) {
      auto full = decoder.decode_full(rec.text);
      if (!full) std::abort();  // the EVTX reader must only produce valid JSON
    }
  }
  return 0;
}
