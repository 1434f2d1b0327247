#include "intel/stix_object.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "intel/detail/stix_text.h"

namespace rasid::intel {
namespace {

using UuidBytes = std::array<unsigned char, 16>;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool dash_at(std::size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

// 8-4-4-4-12 hex digits of any case to 16 bytes.
std::optional<UuidBytes> parse_uuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  UuidBytes out{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (dash_at(i)) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    int hi = hex_digit(text[i]);
    int lo = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    out[n++] = static_cast<unsigned char>(hi * 16 + lo);
    ++i;
  }
  return out;
}

std::string format_uuid(const UuidBytes& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0F]);
  }
  return out;
}

void set_version(UuidBytes& bytes, unsigned version) {
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | (version << 4));
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 9562 variant 10
}

// Days since 1970-01-01 to a proleptic Gregorian date (the inverse of the days-from-civil
// computation in detail/stix_text.cc).
void civil_from_days(std::int64_t days, int& year, int& month, int& day) {
  days += 719468;
  std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  std::int64_t doe = days - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::string uuid_v5(std::string_view namespace_uuid, std::string_view name) {
  auto ns = parse_uuid(namespace_uuid);
  if (!ns) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, ns->data(), ns->size()) == 1 &&
            EVP_DigestUpdate(ctx, name.data(), name.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, digest, &digest_size) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || digest_size < 16) return {};  // SHA-1 cannot fail on a working libcrypto
  UuidBytes bytes{};
  std::memcpy(bytes.data(), digest, bytes.size());
  set_version(bytes, 5);
  return format_uuid(bytes);
}

std::string uuid_v4() {
  UuidBytes bytes{};
  // RAND_bytes fails only when the generator cannot be seeded; a UUID from an unseeded
  // generator would collide, so that is a broken environment rather than an input error.
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) std::abort();
  set_version(bytes, 4);
  return format_uuid(bytes);
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (dash_at(i)) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool is_stix_type(std::string_view type) {
  if (type.size() < 3 || type.size() > 250) return false;
  if (type.front() == '-' || type.back() == '-') return false;
  char previous = 0;
  for (char c : type) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && previous == '-')) return false;
    previous = c;
  }
  return true;
}

bool is_stix_id(std::string_view id, std::string_view type) {
  std::size_t sep = id.find("--");
  if (sep == std::string_view::npos) return false;
  std::string_view prefix = id.substr(0, sep);
  if (!type.empty() && prefix != type) return false;
  return is_stix_type(prefix) && is_uuid(id.substr(sep + 2));
}

std::optional<std::int64_t> parse_stix_timestamp(std::string_view text) {
  auto t = detail::parse_timestamp(text);
  if (!t) return std::nullopt;
  return t->seconds * 1'000'000 + t->nanos / 1000;
}

std::string format_stix_timestamp(std::int64_t micros, int digits) {
  if (digits < 0) digits = 0;
  if (digits > 6) digits = 6;
  std::int64_t seconds = floor_div(micros, 1'000'000);
  auto fraction = static_cast<long>(micros - seconds * 1'000'000);
  std::int64_t days = floor_div(seconds, 86400);
  auto in_day = static_cast<int>(seconds - days * 86400);
  int year = 0, month = 0, day = 0;
  civil_from_days(days, year, month, day);
  char buffer[48];
  int n = std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day,
                        in_day / 3600, in_day / 60 % 60, in_day % 60);
  std::string out(buffer, static_cast<std::size_t>(n));
  if (digits > 0) {
    static constexpr long kScale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    std::snprintf(buffer, sizeof buffer, ".%0*ld", digits, fraction / kScale[6 - digits]);
    out += buffer;
  }
  out.push_back('Z');
  return out;
}

}  // namespace rasid::intel
