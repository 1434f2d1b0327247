#pragma once
// JsonDecoder: one JSON record to an Event, extracting only the fields the table knows.
//
// Recognizes two shapes and yields the same event for both:
//   flat    the convention of ../shared/data/samples/README.md (System fields and EventData
//           at top level); any other JSON object is read the same way, nested objects as
//           dotted names ("a.b.c"), arrays element-wise (one value per element).
//   nested  evtx_dump / pyevtx-rs output: {"Event": {"System": {...}, "EventData": {...}}}
//           with "#attributes" and "#text"; normalized to the flat names (Provider_Name,
//           TimeCreated from SystemTime, Security_UserID, EventData keys at top level,
//           unnamed Data joined with "\n", UserData leaves, collisions as EventData_<key>).
// One decoder per thread (it owns a simdjson parser and a cache of field ids). Never throws.
// Records must be padded: simdjson::SIMDJSON_PADDING readable bytes after the text, as
// RecordBatch guarantees.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "event/event.h"

namespace rasid::input {

// One field of a fully decoded record, in document order (alerts, `rasid convert`).
// A field with several values appears once per value, in order.
struct FlatField {
  std::string name;
  event::ValueKind kind = event::ValueKind::kNull;
  std::string text;
};
using FlatObject = std::vector<FlatField>;

class JsonDecoder {
 public:
  JsonDecoder();
  ~JsonDecoder();
  JsonDecoder(const JsonDecoder&) = delete;
  JsonDecoder& operator=(const JsonDecoder&) = delete;
  JsonDecoder(JsonDecoder&&) noexcept;
  JsonDecoder& operator=(JsonDecoder&&) noexcept;

  // Decodes `text` (a padded Record::text) into `event`, which the caller has reset() against
  // its field table. String views in the event point into `text` (numbers), the decoder's
  // buffers or the event's arena: valid while `text` is, until the next decode or event
  // reset. A malformed record is a kParse error whose message says what and where (byte
  // offset) and leaves `event` partially filled.
  // Like simdjson On-Demand, only what is read is validated: a malformed value inside a field
  // the table does not know may go unnoticed. kInvalidArgument if `event` has no table.
  [[nodiscard]] Status decode(std::string_view text, event::Event& event);

  // Flat records of scalars are read by a one-pass reader of the decoder's own, anything else
  // by simdjson On-Demand (json_decoder.cc, "flat fast path"); both give the same event.
  // Off: simdjson only (the tests and the fuzz target compare the two).
  void use_fast_path(bool on);

  // Decodes every field of `text` (flattened and normalized as above) for output; validates
  // every value up to 64 levels deep.
  [[nodiscard]] Result<FlatObject> decode_full(std::string_view text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rasid::input
