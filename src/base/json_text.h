#pragma once
// JSON text helpers shared by the writers of JSON lines (EVTX records, rasid convert).

#include <string>
#include <string_view>

namespace rasid {

// Appends `s` as a JSON string (quotes included): `"` and `\\` escaped, \n \r \t \b \f by
// name, other control bytes as \u00XX; every other byte as it is (the caller gives UTF-8).
// Scans 16 bytes at a time for the few bytes that need escaping.
void append_json_string(std::string& out, std::string_view s);

}  // namespace rasid
