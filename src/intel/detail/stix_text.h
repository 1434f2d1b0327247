#pragma once
// Text helpers of the STIX pattern parser and matcher (private to the intel module): UTF-8
// decoding, literal decoding (strings, base64, hex, numbers), STIX timestamps, IP/CIDR
// parsing and Unicode NFC normalization.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rasid::intel::detail {

// Decodes one UTF-8 character at the start of `s` into `cp`; returns its length in bytes, or
// 0 for an invalid or truncated sequence.
std::size_t decode_utf8(std::string_view s, char32_t& cp);

// True when `body` (the text between the quotes of t'...') has the timestamp form of the
// grammar: YYYY-MM-DDThh:mm:ss[.digits]Z with month 01-12, day 01-31, hour 00-23, minute
// 00-59, second 00-60. The calendar (30 February) is not checked here: the grammar does not.
bool is_timestamp_literal_body(std::string_view body);

// Decimal integer with an optional sign; nullopt when it does not fit in int64.
std::optional<std::int64_t> parse_int(std::string_view text);
// Float literal of the grammar ([+-]? digits* . digits+).
double parse_float(std::string_view text);
// The value of a quoted string literal: quotes removed, \' and \\ unescaped.
std::string unescape_string(std::string_view quoted);
// Standard base64 (with padding) and hex (even length) decoding; nullopt when malformed.
std::optional<std::string> decode_base64(std::string_view text);
std::optional<std::string> decode_hex(std::string_view text);

// A point in time with nanosecond precision (UTC).
struct Timestamp {
  std::int64_t seconds = 0;  // since 1970-01-01T00:00:00Z
  std::int32_t nanos = 0;    // 0..999999999
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

// Parses an RFC 3339 timestamp in the STIX form YYYY-MM-DDThh:mm:ss[.fraction]Z (upper-case T
// and Z, a real calendar date, second 00-59; digits past nanoseconds are dropped). nullopt when
// the text is not such a timestamp.
std::optional<Timestamp> parse_timestamp(std::string_view text);
// `seconds` (non-negative, finite) as a duration in nanoseconds, saturating.
std::int64_t seconds_to_nanos(double seconds);
// a + nanos, saturating.
Timestamp add_nanos(Timestamp a, std::int64_t nanos);

// An IPv4 or IPv6 network: address bytes (4 or 16) and prefix length.
struct IpNetwork {
  std::uint8_t bytes[16] = {};
  int size = 0;  // 4 or 16; 0 = not parsed
  int prefix = 0;
};
// "a.b.c.d", "a.b.c.d/n", an IPv6 address, or "v6/n". A plain address is a full-length
// prefix. nullopt when malformed.
std::optional<IpNetwork> parse_ip_network(std::string_view text);
// True when every address of `inner` lies in `outer` (same family, outer prefix <= inner
// prefix, equal under outer's mask).
bool network_contains(const IpNetwork& outer, const IpNetwork& inner);

// True when NFC normalization is available (rasid built with ICU).
bool have_nfc();
// The NFC form of UTF-8 `text`; the text unchanged when it is not valid UTF-8 or ICU is missing.
std::string nfc(std::string_view text);

}  // namespace rasid::intel::detail
