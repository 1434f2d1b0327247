#include "intel/stix_object.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <tuple>

#include "intel/detail/stix_text.h"
#include "intel/detail/stix_types.h"

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

// Days since 1970-01-01 to a proleptic Gregorian date (the inverse of the
// days-from-civil computation in detail/stix_text.cc).
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
  // RAND_bytes fails only when the generator cannot be seeded; a UUID from an
  // unseeded generator would collide, so that is a broken environment rather
  // than an input error.
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

// --- RFC 8785 canonical JSON
// ------------------------------------------------------------------

namespace {

using nlohmann::json;

// UTF-16 code units of UTF-8 `text`, the order RFC 8785 sorts member names in
// (it differs from UTF-8 byte order only for characters above U+FFFF against
// U+E000..U+FFFF). A byte that is no valid UTF-8 counts as one unit of its own
// value, so the order stays total.
std::u16string utf16_units(std::string_view text) {
  std::u16string out;
  out.reserve(text.size());
  while (!text.empty()) {
    char32_t cp = 0;
    std::size_t n = detail::decode_utf8(text, cp);
    if (n == 0) {
      out.push_back(static_cast<char16_t>(static_cast<unsigned char>(text[0])));
      text.remove_prefix(1);
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    text.remove_prefix(n);
  }
  return out;
}

// JSON.stringify's string form: the two mandatory escapes, the five named
// control escapes, other control characters as \u00xx in lower case, everything
// else as it is.
void append_canonical_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0x0F]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// ECMAScript Number::toString (ECMA-262 7.1.12.1), which RFC 8785 prescribes:
// the shortest digits that round-trip (std::to_chars gives them), then plain
// notation for exponents in
// [-6, 21) and d.ddde+n otherwise. NaN and infinities have no JSON form; they
// become null.
void append_canonical_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  if (value == 0) {
    out.push_back('0');  // also -0
    return;
  }
  if (value < 0) {
    out.push_back('-');
    value = -value;
  }
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view sci(buffer, static_cast<std::size_t>(result.ptr - buffer));
  std::size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  int k = static_cast<int>(digits.size());
  int n = exponent + 1;  // the decimal point sits after n digits
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(std::abs(n - 1));
  }
}

// Integers whose magnitude is at most 2^53 are exact doubles, printed as
// digits; larger ones are doubles in I-JSON and print as such.
constexpr std::int64_t kMaxExactInteger = std::int64_t{1} << 53;

// Scalars (and binary values, which parsing never produces: written as the list of their bytes).
void append_canonical_scalar(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      break;
    case json::value_t::number_integer: {
      auto i = value.get<std::int64_t>();
      if (i >= -kMaxExactInteger && i <= kMaxExactInteger) {
        out += std::to_string(i);
      } else {
        append_canonical_number(out, static_cast<double>(i));
      }
      break;
    }
    case json::value_t::number_unsigned: {
      auto u = value.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(kMaxExactInteger)) {
        out += std::to_string(u);
      } else {
        append_canonical_number(out, static_cast<double>(u));
      }
      break;
    }
    case json::value_t::number_float:
      append_canonical_number(out, value.get<double>());
      break;
    case json::value_t::string:
      append_canonical_string(out, value.get_ref<const std::string&>());
      break;
    case json::value_t::binary: {
      out.push_back('[');
      bool first = true;
      for (std::uint8_t byte : value.get_binary()) {
        if (!first) out.push_back(',');
        first = false;
        out += std::to_string(byte);
      }
      out.push_back(']');
      break;
    }
    default:  // null, discarded (arrays and objects are the caller's)
      out += "null";
      break;
  }
}

// One open array or object of the walk, with the members still to write.
struct Frame {
  const json* container;
  std::size_t next = 0;
  // Objects: members in RFC 8785 order (UTF-16 units of the name, the name, the value).
  std::vector<std::tuple<std::u16string, const std::string*, const json*>> members;
};

// Iterative, with its own stack: the input may come from the network and be nested as deep
// as its size allows, which a recursive walk would pay for with the thread's stack.
void append_canonical(std::string& out, const json& root) {
  std::vector<Frame> stack;
  auto open = [&](const json& value) {
    if (value.is_array()) {
      out.push_back('[');
      stack.push_back(Frame{&value, 0, {}});
    } else if (value.is_object()) {
      out.push_back('{');
      Frame frame{&value, 0, {}};
      frame.members.reserve(value.size());
      for (const auto& [key, item] : value.items()) {
        frame.members.emplace_back(utf16_units(key), &key, &item);
      }
      std::sort(frame.members.begin(), frame.members.end(),
                [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
      stack.push_back(std::move(frame));
    } else {
      append_canonical_scalar(out, value);
    }
  };
  open(root);
  while (!stack.empty()) {
    Frame& frame = stack.back();
    bool array = frame.container->is_array();
    std::size_t size = array ? frame.container->size() : frame.members.size();
    if (frame.next == size) {
      out.push_back(array ? ']' : '}');
      stack.pop_back();
      continue;
    }
    if (frame.next > 0) out.push_back(',');
    std::size_t index = frame.next++;
    if (array) {
      open((*frame.container)[index]);  // may grow the stack: `frame` is not used after
    } else {
      const auto& [units, key, item] = frame.members[index];
      append_canonical_string(out, *key);
      out.push_back(':');
      open(*item);
    }
  }
}

}  // namespace

std::string canonical_json(const nlohmann::json& value) {
  std::string out;
  append_canonical(out, value);
  return out;
}

// --- Deterministic SCO ids
// ----------------------------------------------------------------------

std::optional<std::string> sco_deterministic_id(const nlohmann::json& object) {
  if (!object.is_object()) return std::nullopt;
  auto type = object.find("type");
  if (type == object.end() || !type->is_string()) return std::nullopt;
  const detail::StixTypeSpec* spec = detail::find_stix_type(type->get_ref<const std::string&>());
  if (spec == nullptr || spec->kind != detail::StixKind::kSco || spec->id_contributing.empty()) {
    return std::nullopt;
  }
  // The name is written directly rather than built as a json object: copying a json value
  // recurses over its depth, and `extensions` comes from the producer. Contributing property
  // names are lowercase ASCII, so byte order is the RFC 8785 order.
  struct Part {
    std::string_view key;
    const json* value;
    std::string hash_name;  // hashes: the one algorithm kept
  };
  std::vector<Part> parts;
  std::string_view list = spec->id_contributing;
  while (!list.empty()) {
    std::size_t space = list.find(' ');
    std::string_view key = list.substr(0, space);
    if (auto it = object.find(std::string(key)); it != object.end()) {
      if (key == "hashes" && it->is_object()) {
        // Section 6: "include only one hash", preferring MD5, SHA-1, SHA-256, SHA-512. For a
        // dictionary with none of them the specification leaves the choice open; the first
        // name in code point order keeps the id deterministic.
        const json* chosen = nullptr;
        std::string chosen_name;
        for (std::string_view algorithm : {"MD5", "SHA-1", "SHA-256", "SHA-512"}) {
          if (auto h = it->find(std::string(algorithm)); h != it->end()) {
            chosen = &*h;
            chosen_name = algorithm;
            break;
          }
        }
        if (chosen == nullptr && !it->empty()) {
          chosen = &it->begin().value();
          chosen_name = it->begin().key();
        }
        if (chosen != nullptr) parts.push_back({key, chosen, chosen_name});
      } else {
        parts.push_back({key, &*it, {}});
      }
    }
    if (space == std::string_view::npos) break;
    list.remove_prefix(space + 1);
  }
  if (parts.empty()) return std::nullopt;
  std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.key < b.key; });
  std::string name = "{";
  for (const Part& part : parts) {
    if (name.size() > 1) name.push_back(',');
    append_canonical_string(name, part.key);
    name.push_back(':');
    if (part.key == "hashes") {
      name.push_back('{');
      append_canonical_string(name, part.hash_name);
      name.push_back(':');
      append_canonical(name, *part.value);
      name.push_back('}');
    } else {
      append_canonical(name, *part.value);
    }
  }
  name.push_back('}');
  return fmt::format("{}--{}", spec->type, uuid_v5(kStixScoNamespace, name));
}

}  // namespace rasid::intel
