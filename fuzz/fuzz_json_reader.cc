// Fuzz target: RecordReader framing plus JsonDecoder on each record.
//
// The input is read as a whole file would be (format detection, gzip when the magic is there,
// lines, arrays, concatenated documents), in small batches so records cross block
// boundaries; every record is decoded twice, against a small field table (with keyword
// collection) and with decode_full. Nothing may crash, leak or read out of bounds; errors
// are expected and ignored.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "event/event.h"
#include "event/field_table.h"
#include "input/json_decoder.h"
#include "input/record_reader.h"

namespace {

// Inputs beyond this only slow the fuzzer down: every framing and decoding path is reachable
// with a few KB, and gzip can inflate a small input a thousandfold.
constexpr std::size_t kMaxInput = 64 * 1024;

// Bytes per batch: small so that block boundaries fall inside records, not so small that a
// large input takes a read call per byte.
constexpr std::size_t kBatchBytes = 97;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  static rasid::event::FieldTable* table = [] {
    auto* t = new rasid::event::FieldTable;
    for (const char* name : {"EventID", "Image", "CommandLine", "Data", "a", "a.b", "a.b.c",
                             "Provider_Name", "TimeCreated", "EventData_Channel"}) {
      t->intern(name);
    }
    t->set_collect_all_values(true);
    return t;
  }();
  static rasid::input::JsonDecoder decoder;
  static rasid::event::Event event;

  // Read twice: framed by the reader, and deferred (the hunt's way: raw blocks of lines into a
  // reused batch, split by complete_batch). Both must give the same records and lines.
  std::vector<std::pair<std::string, std::uint64_t>> framed;
  std::vector<std::pair<std::string, std::uint64_t>> deferred;
  for (bool defer : {false, true}) {
    auto reader = rasid::input::RecordReader::from_string(
        std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    if (defer) reader->defer_decoding();
    rasid::input::RecordBatch batch;  // reused, as the hunt reuses its batches
    auto& out = defer ? deferred : framed;
    // Bounded: a corrupt gzip stream ends in an error, and each batch consumes input.
    for (int i = 0; i < 1 << 20; ++i) {
      auto more = reader->next_batch(batch, kBatchBytes);
      if (!more || !*more) break;
      rasid::input::complete_batch(batch);
      for (const auto& record : batch.records) {
        out.emplace_back(std::string(record.text), record.line);
        if (defer) continue;  // decoded once
        event.reset(*table);
        (void)decoder.decode(record.text, event);
        (void)decoder.decode_full(record.text);
      }
    }
  }
  if (framed != deferred) __builtin_trap();
  return 0;
}
