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

  auto reader = rasid::input::RecordReader::from_string(
      std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  rasid::input::RecordBatch batch;
  // Bounded: a corrupt gzip stream ends in an error, and each batch consumes input.
  for (int i = 0; i < 1 << 20; ++i) {
    auto more = reader->next_batch(batch, kBatchBytes);
    if (!more || !*more) break;
    for (const auto& record : batch.records) {
      event.reset(*table);
      (void)decoder.decode(record.text, event);
      (void)decoder.decode_full(record.text);
    }
  }
  return 0;
}
