#include "intel/detail/stix_text.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#ifdef RASID_HAVE_ICU
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#endif

namespace rasid::intel::detail {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

int two_digits(std::string_view s, std::size_t at) {
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

bool leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap_year(year) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (the era-based method: 400-year eras of
// 146097 days, years counted from March so the leap day ends the year).
std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  std::int64_t year_of_era = year - era * 400;
  std::int64_t month_from_march = month > 2 ? month - 3 : month + 9;
  std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// Shape shared by the literal and JSON forms: YYYY-MM-DDThh:mm:ss[.d+]Z, digits in place.
bool timestamp_shape(std::string_view s) {
  if (s.size() < 20) return false;
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !digit(s[i]) : s[i] != kShape[i]) return false;
  }
  std::size_t i = kShape.size();
  if (s[i] == '.') {
    ++i;
    std::size_t first = i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == first) return false;
  }
  return i + 1 == s.size() && s[i] == 'Z';
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_ipv4(std::string_view s, std::uint8_t* out) {
  int part = 0;
  std::size_t i = 0;
  while (part < 4) {
    std::size_t start = i;
    int value = 0;
    while (i < s.size() && digit(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
    if (i == start || value > 255) return false;
    out[part++] = static_cast<std::uint8_t>(value);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

}  // namespace

std::size_t decode_utf8(std::string_view s, char32_t& cp) {
  if (s.empty()) return 0;
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || len > s.size()) return 0;
  char32_t value = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (std::size_t i = 1; i < len; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (b(i) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMin[len] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  cp = value;
  return len;
}

bool is_timestamp_literal_body(std::string_view body) {
  if (!timestamp_shape(body)) return false;
  int month = two_digits(body, 5), day = two_digits(body, 8);
  int hour = two_digits(body, 11), minute = two_digits(body, 14), second = two_digits(body, 17);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

double parse_float(std::string_view text) {
  std::string copy(text);
  return std::strtod(copy.c_str(), nullptr);
}

std::string unescape_string(std::string_view quoted) {
  std::string out;
  if (quoted.size() < 2) return out;
  std::string_view body = quoted.substr(1, quoted.size() - 2);
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size()) ++i;
    out.push_back(body[i]);
  }
  return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;
      v[k] = base64_value(c);
      if (v[k] < 0) return std::nullopt;
    }
    std::uint32_t group = (static_cast<std::uint32_t>(v[0]) << 18) |
                          (static_cast<std::uint32_t>(v[1]) << 12) |
                          (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
    out.push_back(static_cast<char>((group >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((group >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(group & 0xFF));
  }
  return out;
}

std::optional<std::string> decode_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::optional<Timestamp> parse_timestamp(std::string_view text) {
  if (!timestamp_shape(text)) return std::nullopt;
  int year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + two_digits(text, 2);
  int month = two_digits(text, 5), day = two_digits(text, 8);
  int hour = two_digits(text, 11), minute = two_digits(text, 14), second = two_digits(text, 17);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  Timestamp ts;
  ts.seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  if (text[19] == '.') {
    std::int32_t nanos = 0;
    int digits = 0;
    for (std::size_t i = 20; i < text.size() && digit(text[i]); ++i) {
      if (digits < 9) {
        nanos = nanos * 10 + (text[i] - '0');
        ++digits;
      }
    }
    while (digits < 9) {
      nanos *= 10;
      ++digits;
    }
    ts.nanos = nanos;
  }
  return ts;
}

std::int64_t seconds_to_nanos(double seconds) {
  if (!(seconds > 0)) return 0;
  double nanos = std::round(seconds * 1e9);
  if (nanos >= static_cast<double>(std::numeric_limits<std::int64_t>::max())) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return static_cast<std::int64_t>(nanos);
}

Timestamp add_nanos(Timestamp a, std::int64_t nanos) {
  std::int64_t add_seconds = nanos / 1000000000;
  std::int64_t add_nanos = nanos % 1000000000;
  Timestamp out = a;
  if (out.seconds > std::numeric_limits<std::int64_t>::max() - add_seconds - 1) {
    out.seconds = std::numeric_limits<std::int64_t>::max();
    out.nanos = 999999999;
    return out;
  }
  out.seconds += add_seconds;
  std::int64_t n = out.nanos + add_nanos;
  if (n >= 1000000000) {
    out.seconds += 1;
    n -= 1000000000;
  }
  out.nanos = static_cast<std::int32_t>(n);
  return out;
}

std::optional<IpNetwork> parse_ip_network(std::string_view text) {
  IpNetwork net;
  std::string_view address = text;
  std::optional<int> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    address = text.substr(0, slash);
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    int value = 0;
    for (char c : p) {
      if (!digit(c)) return std::nullopt;
      value = value * 10 + (c - '0');
    }
    prefix = value;
  }
  if (parse_ipv4(address, net.bytes)) {
    net.size = 4;
  } else {
    if (address.size() > 45) return std::nullopt;
    char buffer[64];
    std::memcpy(buffer, address.data(), address.size());
    buffer[address.size()] = '\0';
    if (inet_pton(AF_INET6, buffer, net.bytes) != 1) return std::nullopt;
    net.size = 16;
  }
  net.prefix = prefix.value_or(net.size * 8);
  if (net.prefix < 0 || net.prefix > net.size * 8) return std::nullopt;
  return net;
}

bool network_contains(const IpNetwork& outer, const IpNetwork& inner) {
  if (outer.size == 0 || outer.size != inner.size || outer.prefix > inner.prefix) return false;
  int bits = outer.prefix;
  for (int i = 0; i < outer.size && bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xFF : static_cast<std::uint8_t>(0xFF << (8 - bits));
    if ((outer.bytes[i] & mask) != (inner.bytes[i] & mask)) return false;
  }
  return true;
}

#ifdef RASID_HAVE_ICU
bool have_nfc() { return true; }

std::string nfc(std::string_view text) {
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return std::string(text);  // ASCII is always in NFC
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    std::size_t len = decode_utf8(text.substr(i), cp);
    if (len == 0) return std::string(text);  // ICU would put U+FFFD in place of bad bytes
    i += len;
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || normalizer == nullptr) return std::string(text);
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<std::int32_t>(text.size())));
  icu::UnicodeString normalized = normalizer->normalize(source, status);
  if (U_FAILURE(status)) return std::string(text);
  std::string out;
  normalized.toUTF8String(out);
  return out;
}
#else
bool have_nfc() { return false; }

std::string nfc(std::string_view text) { return std::string(text); }
#endif

}  // namespace rasid::intel::detail
