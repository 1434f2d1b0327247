// Fuzz target: JsonDecoder's flat fast path against simdjson alone.
//
// Each line of the input is one record, decoded by a decoder with the fast path and by one
// without, against two field tables (every key the fuzzer is likely to invent, with keyword
// collection; a few keys without). Both must agree: the same success or failure, and on
// success the same values (field, kind, text, in order) and keywords (and the fast path's
// joined keyword buffer holds exactly those keywords). The fast path refuses
// what it does not handle (the decoder then uses simdjson), so it may never accept a record
// simdjson rejects, nor read one differently. Any disagreement traps.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "event/event.h"
#include "event/field_table.h"
#include "input/json_decoder.h"

namespace {

constexpr std::size_t kMaxInput = 16 * 1024;  // each line is copied with the rest: quadratic

std::vector<std::string> dump(const rasid::event::Event& e) {
  std::vector<std::string> out;
  e.for_each([&](rasid::event::FieldId id, const rasid::event::Value& v) {
    out.push_back(std::to_string(id) + ":" + std::to_string(static_cast<int>(v.kind)) + ":" +
                  std::string(v.text));
  });
  for (auto k : e.keywords()) out.push_back("kw:" + std::string(k));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Longer inputs (the shared samples replayed as tests) are cut: their first lines suffice.
  if (size > kMaxInput) size = kMaxInput;
  static rasid::event::FieldTable* tables[2] = {
      [] {
        auto* t = new rasid::event::FieldTable;
        for (const char* name : {"a", "b", "c", "k", "x", "EventID", "Channel", "Image", "Event", "",
                                 "a.b"}) {
          t->intern(name);
        }
        t->set_collect_all_values(true);
        return t;
      }(),
      [] {
        auto* t = new rasid::event::FieldTable;
        for (const char* name : {"a", "EventID", "Image"}) t->intern(name);
        return t;
      }(),
  };
  static rasid::input::JsonDecoder fast;
  static rasid::input::JsonDecoder simdjson_only = [] {
    rasid::input::JsonDecoder d;
    d.use_fast_path(false);
    return d;
  }();
  static rasid::event::Event a;
  static rasid::event::Event b;

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    // Padded as a RecordBatch pads: with the rest of the input, then quotes (the fast path
    // reads past the record; padding that looks like more strings tests that it stops).
    std::string padded(input.substr(start));
    padded.append(64, '"');
    const std::string_view record(padded.data(), end - start);
    for (auto* table : tables) {
      a.reset(*table);
      b.reset(*table);
      const bool ok_fast = fast.decode(record, a).has_value();
      const bool ok_simdjson = simdjson_only.decode(record, b).has_value();
      if (ok_fast != ok_simdjson) __builtin_trap();
      if (ok_fast && dump(a) != dump(b)) __builtin_trap();
      // The keyword values the fast path lays out joined: exactly the keywords, each + NUL.
      if (ok_fast && a.joined_keywords().data() != nullptr) {
        std::string expected;
        for (auto k : a.keywords()) expected.append(k).push_back('\0');
        if (a.joined_keywords() != expected) __builtin_trap();
      }
    }
    start = end + 1;
  }
  return 0;
}
