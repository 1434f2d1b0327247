#pragma once
// STIX 2.1 objects: identifiers (UUIDv4, UUIDv5, `type--uuid`), timestamps,
// validation of one object against the STIX 2.1 specification, and the
// deterministic ids of cyber-observable objects (SCOs).
//
// The object type is nlohmann::json, as the hub's TAXII server keeps it.
// Everything here is a pure function of its arguments (uuid_v4 reads the
// OpenSSL random generator), safe to call from any thread.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rasid::intel {

// The namespace of deterministic SCO ids (STIX 2.1 section 2.9).
inline constexpr std::string_view kStixScoNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7";

// RFC 9562 UUID version 5 (SHA-1 of the namespace's 16 bytes followed by
// `name`) in the namespace `namespace_uuid` (text form 8-4-4-4-12, hex digits
// of any case). Returns the lowercase text form, or "" when `namespace_uuid` is
// not a UUID.
[[nodiscard]] std::string uuid_v5(std::string_view namespace_uuid, std::string_view name);

// A random UUID version 4 (OpenSSL RAND_bytes), lowercase text form.
[[nodiscard]] std::string uuid_v4();

// True when `text` is a UUID in lowercase text form: 8-4-4-4-12 lowercase hex
// digits. Any version and variant (STIX 2.1 section 2.9 lets producers use
// other versions than 4 and 5).
[[nodiscard]] bool is_uuid(std::string_view text);

// True when `type` is a STIX type name (section 3.1): 3 to 250 characters of
// [a-z0-9-], no leading, trailing or doubled '-'.
[[nodiscard]] bool is_stix_type(std::string_view type);

// True when `id` is "<type>--<uuid>" with a STIX type name and a UUID as
// is_uuid() accepts; when `type` is not empty the type part must equal it.
[[nodiscard]] bool is_stix_id(std::string_view id, std::string_view type = {});

// A STIX 2.1 timestamp (RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fraction]Z": upper-case
// T and Z, UTC only, a real calendar date, seconds 00-59, a fraction of any
// number of digits) as microseconds since the Unix epoch; fraction digits past
// the sixth are dropped (truncated). nullopt when `text` is not such a
// timestamp.
[[nodiscard]] std::optional<std::int64_t> parse_stix_timestamp(std::string_view text);

// `micros` since the epoch as "YYYY-MM-DDTHH:MM:SS.fffZ" with `digits` fraction
// digits (clamped to 0..6; 0 writes no fraction and no dot). Precondition: the
// instant lies in the years 0001 to 9999 (STIX's four-digit years).
[[nodiscard]] std::string format_stix_timestamp(std::int64_t micros, int digits = 3);

// --- Objects
// ----------------------------------------------------------------------------------

// One thing wrong with a STIX object. `property` is a JSON path into the object
// ("pattern", "kill_chain_phases[1].phase_name", "objects[3].created" inside a
// bundle), "" for the object as a whole. `message` is a full sentence for
// people that names the object (its id, else its type) and the property, e.g.
//   indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: "valid_until" must be
//   later than "valid_from"
struct StixProblem {
  std::string property;
  std::string message;
};

// Validates one STIX 2.1 object (SDO, SRO, SCO, marking-definition,
// language-content, extension-definition, or a bundle, whose objects are
// validated in turn) against the rules of the STIX 2.1 specification that can
// be checked on the object alone: the type name, the id and its type,
// spec_version, created/modified, the common properties, custom property names,
// and each known type's required properties, value types, ranges, reference
// types and orderings (docs/intel.md, "STIX object validation", lists every
// rule). An indicator with pattern_type "stix" must parse and pass
// validate_stix_pattern(). References are checked for their form and type, not
// resolved. Empty = valid. Never throws.
[[nodiscard]] std::vector<StixProblem> validate_stix_object(const nlohmann::json& object);

// Same, and also appends to `warnings` what the specification advises against
// without forbidding (custom property names without the "x_" prefix).
[[nodiscard]] std::vector<StixProblem> validate_stix_object(const nlohmann::json& object,
                                                            std::vector<StixProblem>& warnings);

// The RFC 8785 (JSON Canonicalization Scheme) serialization of `value`: object
// members sorted by the UTF-16 code units of their names, no whitespace,
// strings escaped as ECMAScript's JSON.stringify does, numbers in ECMAScript's
// shortest form (integers beyond 2^53 go through double, as JCS requires).
[[nodiscard]] std::string canonical_json(const nlohmann::json& value);

// The deterministic id of an SCO (STIX 2.1 section 2.9): "<type>--" + UUIDv5 in
// kStixScoNamespace over canonical_json() of an object holding the type's ID
// contributing properties that are present (of "hashes", one hash only: MD5,
// else SHA-1, SHA-256, SHA-512, else the first algorithm name in code point
// order). nullopt when `object` is not one of the 18 SCO types of the
// specification, when the type has no ID contributing properties (process), or
// when none of them is present (the producer must then use a UUIDv4).
[[nodiscard]] std::optional<std::string> sco_deterministic_id(const nlohmann::json& object);

}  // namespace rasid::intel
