#pragma once
// STIX 2.1 objects: identifiers (UUIDv4, UUIDv5, `type--uuid`), timestamps, validation of one
// object against the STIX 2.1 specification, and the deterministic ids of cyber-observable
// objects (SCOs).
//
// The object type is nlohmann::json, as the hub's TAXII server keeps it. Everything here is a
// pure function of its arguments (uuid_v4 reads the OpenSSL random generator), safe to call
// from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rasid::intel {

// RFC 9562 UUID version 5 (SHA-1 of the namespace's 16 bytes followed by `name`) in the
// namespace `namespace_uuid` (text form 8-4-4-4-12, hex digits of any case). Returns the
// lowercase text form, or "" when `namespace_uuid` is not a UUID.
[[nodiscard]] std::string uuid_v5(std::string_view namespace_uuid, std::string_view name);

// A random UUID version 4 (OpenSSL RAND_bytes), lowercase text form.
[[nodiscard]] std::string uuid_v4();

// True when `text` is a UUID in lowercase text form: 8-4-4-4-12 lowercase hex digits. Any
// version and variant (STIX 2.1 section 2.9 lets producers use other versions than 4 and 5).
[[nodiscard]] bool is_uuid(std::string_view text);

// True when `type` is a STIX type name (section 3.1): 3 to 250 characters of [a-z0-9-], no
// leading, trailing or doubled '-'.
[[nodiscard]] bool is_stix_type(std::string_view type);

// True when `id` is "<type>--<uuid>" with a STIX type name and a UUID as is_uuid() accepts;
// when `type` is not empty the type part must equal it.
[[nodiscard]] bool is_stix_id(std::string_view id, std::string_view type = {});

// A STIX 2.1 timestamp (RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fraction]Z": upper-case T and Z, UTC
// only, a real calendar date, seconds 00-59, a fraction of any number of digits) as
// microseconds since the Unix epoch; fraction digits past the sixth are dropped (truncated).
// nullopt when `text` is not such a timestamp.
[[nodiscard]] std::optional<std::int64_t> parse_stix_timestamp(std::string_view text);

// `micros` since the epoch as "YYYY-MM-DDTHH:MM:SS.fffZ" with `digits` fraction digits
// (clamped to 0..6; 0 writes no fraction and no dot). Precondition: the instant lies in the
// years 0001 to 9999 (STIX's four-digit years).
[[nodiscard]] std::string format_stix_timestamp(std::int64_t micros, int digits = 3);

}  // namespace rasid::intel
