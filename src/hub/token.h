#pragma once
// Bearer tokens of the hub: how they are made, stored and checked.
//
// A token is `rsd_<lookup>_<secret>`: lookup = 16 hex digits (8 random bytes), public, the
// key of the stored record; secret = 43 base64url characters (32 random bytes from
// libsodium's CSPRNG). The store keeps lookup, a 16-byte random salt and
// BLAKE2b-256(key = salt, secret) (crypto_generichash), never the secret. Checking recomputes
// the hash and compares in constant time (sodium_memcmp).
//
// Why not argon2id: password hashes are slow to make guessing low-entropy passwords
// expensive. A 256-bit random secret cannot be guessed at any hash speed, so a slow hash adds
// no protection for a leaked database, while costing tens of milliseconds and megabytes of
// memory on every API request (a denial-of-service lever and an ingest cap). The salt keeps
// equal secrets (never expected) from giving equal hashes and binds each hash to its record.

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/store.h"

namespace rasid::hub {

struct NewToken {
  std::string token;           // shown once to the operator, never stored
  store::TokenRecord record;   // what the store keeps (id and created assigned by add_token)
};

// A fresh random token for `authority_id` with `role`.
[[nodiscard]] Result<NewToken> make_token(std::int64_t authority_id, store::Role role,
                                          std::optional<store::Micros> expires,
                                          std::string note);

struct TokenParts {
  std::string lookup;
  std::string secret;
};
// Splits `rsd_<lookup>_<secret>`; nullopt when the text does not have that shape.
[[nodiscard]] std::optional<TokenParts> split_token(std::string_view token);

// True when `secret` hashes to the record's hash with its salt (constant-time compare).
[[nodiscard]] bool secret_matches(const store::TokenRecord& record, std::string_view secret);

// Who is calling: the token's record and its authority.
struct Caller {
  store::TokenRecord token;
  store::Authority authority;
};

// Checks the value of an `Authorization: Bearer ...` header (the part after "Bearer ").
// Fails with kNotFound for an unknown or malformed token or a wrong secret, and with
// kInvalidArgument naming the reason for a revoked or expired one; kIo when the store fails.
// The messages are for logs; clients get one generic 401.
[[nodiscard]] Result<Caller> authenticate(store::Store& store, std::string_view bearer,
                                          store::Micros now);

// "90s", "30m", "12h", "7d", "2w", "1y" (365 days) as microseconds; positive, at most 100 years.
[[nodiscard]] Result<store::Micros> parse_duration(std::string_view text);

// Authority names: 1-64 of [A-Za-z0-9._-], so they are safe in URLs, logs and file names.
[[nodiscard]] bool is_authority_name(std::string_view name);

}  // namespace rasid::hub
