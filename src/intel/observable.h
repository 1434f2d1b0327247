#pragma once
// Observables: the values indicators are made of and events are searched for (IP addresses,
// CIDR networks, domain names, URLs, file hashes, e-mail addresses), their type detection and
// the normalization both sides go through before they are compared (docs/intel.md).
//
// Every function here is pure, allocation-light and thread-safe. Normalized forms:
//   IPv4      a 32-bit number (host order); "::ffff:a.b.c.d" is IPv4
//   IPv6      16 bytes (network order)
//   CIDR      address with host bits cleared + prefix length
//   domain    lower-case ASCII, no trailing dot, non-ASCII labels in IDNA form (xn--, RFC 3492
//             Punycode of the label as written, ASCII letters lower-cased first)
//   URL       scheme and host lower-cased (host as a domain above), default port (:80 for
//             http, :443 for https) dropped, empty path written "/", fragment dropped,
//             hex digits of %-escapes upper-cased; the rest kept as written
//   hash      the binary digest (MD5 16, SHA-1 20, SHA-256 32 bytes), hex case ignored
//   e-mail    lower-cased, domain part as a domain above

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rasid::intel {

enum class IndicatorType : std::uint8_t {
  kIpv4,      // an address or a CIDR network
  kIpv6,      // an address or a CIDR network
  kDomain,
  kUrl,
  kMd5,
  kSha1,
  kSha256,
  kEmail,
  kPattern,   // a STIX pattern evaluated per event (not one value)
};
inline constexpr std::size_t kIndicatorTypeCount = 9;

// "ipv4-addr", "ipv6-addr", "domain-name", "url", "md5", "sha1", "sha256", "email-addr",
// "stix-pattern": the STIX object type where there is one.
[[nodiscard]] std::string_view to_string(IndicatorType type);

// Dotted quad (four decimal parts 0..255, no leading '+', at most 3 digits each).
[[nodiscard]] std::optional<std::uint32_t> parse_ipv4(std::string_view text);
// An IPv6 address (RFC 4291 text forms, no zone).
[[nodiscard]] std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text);

struct IpNetwork {
  bool v6 = false;
  std::uint32_t v4 = 0;                  // when !v6
  std::array<std::uint8_t, 16> bytes{};  // when v6
  int prefix = 32;                       // 32 or 128 for a single address
};
// "a.b.c.d", "a.b.c.d/n", IPv6 and "x::y/n". Host bits are cleared. IPv4-mapped IPv6
// addresses become IPv4.
[[nodiscard]] std::optional<IpNetwork> parse_ip_network(std::string_view text);
[[nodiscard]] std::string format_ipv4(std::uint32_t address);
[[nodiscard]] std::string format_ipv6(const std::array<std::uint8_t, 16>& address);

// A host name normalized as above; nullopt when it is not a plausible domain name (needs a
// dot, labels of letters, digits, '-', '_' or non-ASCII, at most 253 characters, a last
// label that is not all digits).
[[nodiscard]] std::optional<std::string> normalize_domain(std::string_view text);
// A URL with a scheme ("scheme://...") normalized as above; nullopt if it has no scheme or
// no host.
[[nodiscard]] std::optional<std::string> normalize_url(std::string_view text);
// The host of a URL (without userinfo, port or brackets), as written; empty if none.
[[nodiscard]] std::string_view url_host(std::string_view url);
// "user@domain" lower-cased; nullopt if not an address.
[[nodiscard]] std::optional<std::string> normalize_email(std::string_view text);

// Hex text to bytes; nullopt on odd length or a non-hex digit.
[[nodiscard]] std::optional<std::string> hex_to_bytes(std::string_view hex);
[[nodiscard]] std::string bytes_to_hex(std::string_view bytes);
// The hash type of a hex digest by its length (32, 40, 64), or nullopt.
[[nodiscard]] std::optional<IndicatorType> hash_type_of(std::string_view hex);

// One "ALGO=hex" part of a Sysmon `Hashes` string ("SHA1=..,MD5=..,SHA256=..,IMPHASH=..").
struct HashPart {
  IndicatorType type;
  std::string_view hex;
};
// The MD5, SHA1 and SHA256 parts of a Hashes string (other algorithms are skipped); a value
// that is a bare hex digest is one part of the type its length says.
[[nodiscard]] std::vector<HashPart> parse_hashes_field(std::string_view text);

// A value of unknown type, as plain lists give them.
struct DetectedValue {
  IndicatorType type = IndicatorType::kDomain;
  std::string normalized;      // the normalized text; hashes: hex lower case; IPs: canonical
  bool subdomains = false;     // "*.example.com" or ".example.com": subdomains match too
};
// Detects and normalizes one value: URL (has "://"), e-mail (has '@'), hash (32/40/64 hex
// digits), IPv4/IPv6 address or CIDR, domain ("*." or "." in front: subdomains too).
// nullopt when it is none of those.
[[nodiscard]] std::optional<DetectedValue> detect_value(std::string_view text);

// Undoes the usual defanging of shared indicators: "hxxp" -> "http", "[.]" and "(.)" ->
// ".", "[:]" -> ":", "[@]" -> "@".
[[nodiscard]] std::string refang(std::string_view text);

// Punycode (RFC 3492) of one label's code points; nullopt on overflow or invalid UTF-8.
[[nodiscard]] std::optional<std::string> punycode_encode(std::string_view utf8_label);

}  // namespace rasid::intel
