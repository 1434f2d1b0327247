// Fuzzes STIX 2.1 object handling: any bytes are parsed as JSON (nlohmann, no exceptions) and
// the value is validated as a STIX object, canonicalized (RFC 8785) and given its
// deterministic SCO id; every string found at the top level also goes through the id and
// timestamp parsers. Nothing may crash or leak, and two invariants must hold: canonical JSON
// is a fixed point (canonicalizing its own parse gives the same text) and a parsed timestamp
// formats to text that parses back to the same instant.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "intel/stix_object.h"

namespace {

// Real objects are a few KiB; parsing, validation and canonicalization are linear (and walk
// nesting without recursion), so 64 KiB only keeps each run short.
constexpr std::size_t kMaxInput = 64 << 10;

void check_text(std::string_view text) {
  using namespace rasid::intel;
  (void)is_stix_id(text);
  (void)is_stix_type(text);
  (void)uuid_v5(text, "x");
  if (auto micros = parse_stix_timestamp(text)) {
    std::string again = format_stix_timestamp(*micros, 6);
    if (parse_stix_timestamp(again) != micros) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  using namespace rasid::intel;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_text(text);
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return 0;
  std::vector<StixProblem> warnings;
  (void)validate_stix_object(value, warnings);
  (void)sco_deterministic_id(value);
  std::string canonical = canonical_json(value);
  nlohmann::json reparsed = nlohmann::json::parse(canonical, nullptr, false);
  if (reparsed.is_discarded() || canonical_json(reparsed) != canonical) std::abort();
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      check_text(key);
      if (item.is_string()) check_text(item.get_ref<const std::string&>());
    }
  }
  return 0;
}
