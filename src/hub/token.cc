#include "hub/token.h"

#include <sodium.h>

#include <charconv>

namespace rasid::hub {
namespace {

constexpr std::size_t kLookupBytes = 8;
constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::string_view kPrefix = "rsd_";

bool ready() { return sodium_init() >= 0; }

std::string to_hex(const unsigned char* data, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

std::string hash_secret(std::string_view salt, std::string_view secret) {
  std::string out(kHashBytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size());
  return out;
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool is_base64url(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
          c == '_'))
      return false;
  return true;
}

}  // namespace

Result<NewToken> make_token(std::int64_t authority_id, store::Role role,
                            std::optional<store::Micros> expires, std::string note) {
  if (!ready()) return fail(ErrorCode::kInternal, "libsodium could not be initialized");
  unsigned char lookup[kLookupBytes], secret[kSecretBytes], salt[kSaltBytes];
  randombytes_buf(lookup, sizeof lookup);
  randombytes_buf(secret, sizeof secret);
  randombytes_buf(salt, sizeof salt);
  std::string secret_text(sodium_base64_ENCODED_LEN(kSecretBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(secret_text.data(), secret_text.size(), secret, sizeof secret,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  secret_text.resize(std::char_traits<char>::length(secret_text.c_str()));
  sodium_memzero(secret, sizeof secret);

  NewToken out;
  out.record.lookup = to_hex(lookup, sizeof lookup);
  out.record.authority_id = authority_id;
  out.record.role = role;
  out.record.salt.assign(reinterpret_cast<const char*>(salt), sizeof salt);
  out.record.hash = hash_secret(out.record.salt, secret_text);
  out.record.expires = expires;
  out.record.note = std::move(note);
  out.token = std::string(kPrefix) + out.record.lookup + "_" + secret_text;
  return out;
}

std::optional<TokenParts> split_token(std::string_view token) {
  if (!token.starts_with(kPrefix)) return std::nullopt;
  token.remove_prefix(kPrefix.size());
  if (token.size() < kLookupBytes * 2 + 1 || token[kLookupBytes * 2] != '_') return std::nullopt;
  std::string_view lookup = token.substr(0, kLookupBytes * 2);
  std::string_view secret = token.substr(kLookupBytes * 2 + 1);
  if (!is_hex(lookup) || secret.size() != 43 || !is_base64url(secret)) return std::nullopt;
  return TokenParts{std::string(lookup), std::string(secret)};
}

bool secret_matches(const store::TokenRecord& record, std::string_view secret) {
  if (!ready() || record.hash.size() != kHashBytes) return false;
  std::string computed = hash_secret(record.salt, secret);
  return sodium_memcmp(computed.data(), record.hash.data(), kHashBytes) == 0;
}

Result<Caller> authenticate(store::Store& store, std::string_view bearer, store::Micros now) {
  auto parts = split_token(bearer);
  if (!parts) return fail(ErrorCode::kNotFound, "malformed token");
  auto record = store.find_token(parts->lookup);
  if (!record) {
    if (record.error().code == ErrorCode::kNotFound)
      return fail(ErrorCode::kNotFound, "unknown token " + parts->lookup);
    return fail(record.error());
  }
  if (!secret_matches(*record, parts->secret))
    return fail(ErrorCode::kNotFound, "wrong secret for token " + parts->lookup);
  if (record->revoked) return fail(ErrorCode::kInvalidArgument, "token " + parts->lookup + " is revoked");
  if (record->expires && now >= *record->expires)
    return fail(ErrorCode::kInvalidArgument, "token " + parts->lookup + " has expired");
  auto authority = store.get_authority(record->authority_id);
  if (!authority) return fail(authority.error());
  return Caller{std::move(*record), std::move(*authority)};
}

Result<store::Micros> parse_duration(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  constexpr std::int64_t kSecond = 1'000'000;
  std::int64_t scale = 0;
  if (unit == "s") scale = kSecond;
  else if (unit == "m") scale = 60 * kSecond;
  else if (unit == "h") scale = 3600 * kSecond;
  else if (unit == "d") scale = 86400 * kSecond;
  else if (unit == "w") scale = 7 * 86400 * kSecond;
  else if (unit == "y") scale = 365 * 86400 * kSecond;
  constexpr std::int64_t kMax = 100LL * 365 * 86400 * kSecond;
  if (ec != std::errc() || end == text.data() || scale == 0 || n <= 0 || n > kMax / scale)
    return fail(ErrorCode::kInvalidArgument,
                "bad duration '" + std::string(text) + "': expected a positive number and a unit s, m, h, d, w or y (e.g. 90d)");
  return n * scale;
}

bool is_authority_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
          c == '_' || c == '-'))
      return false;
  return true;
}

}  // namespace rasid::hub
