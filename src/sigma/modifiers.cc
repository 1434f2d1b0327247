// Value modifiers, applied left to right to each value as pySigma does (checklist section 5).
//
// Each value starts as a list of one Glob (or as its raw text for `re`, `cidr`, `fieldref`,
// comparisons and `exists`) and every modifier maps that list to a new one; encodings and
// windash can turn one value into several variants, which stay OR-ed.

#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <re2/re2.h>

#include "sigma/detail/glob_util.h"
#include "sigma/detail/modifiers.h"

namespace rasid::sigma::detail {

namespace {

// One value can be expanded by windash (5^n), expand (product of placeholder lists) and
// base64offset (3x). Past this many variants the rule is almost certainly a mistake, and
// the engine would pay for every variant in memory and compile time.
constexpr std::size_t kMaxVariants = 4096;

enum class ModKind : std::uint8_t {
  kContains, kStartsWith, kEndsWith, kAll, kBase64, kBase64Offset, kUtf16Le, kUtf16Be, kUtf16,
  kWindash, kRe, kReI, kReM, kReS, kCidr, kExists, kFieldRef, kGt, kGte, kLt, kLte, kCased,
  kNeq, kExpand, kTimePart, kUnknown
};

ModKind classify(std::string_view name) {
  struct Entry {
    std::string_view name;
    ModKind kind;
  };
  static constexpr std::array<Entry, 34> kTable = {{
      {"contains", ModKind::kContains},     {"startswith", ModKind::kStartsWith},
      {"endswith", ModKind::kEndsWith},     {"all", ModKind::kAll},
      {"base64", ModKind::kBase64},         {"base64offset", ModKind::kBase64Offset},
      {"wide", ModKind::kUtf16Le},          {"utf16le", ModKind::kUtf16Le},
      {"utf16be", ModKind::kUtf16Be},       {"utf16", ModKind::kUtf16},
      {"windash", ModKind::kWindash},       {"re", ModKind::kRe},
      {"i", ModKind::kReI},                 {"ignorecase", ModKind::kReI},
      {"m", ModKind::kReM},                 {"multiline", ModKind::kReM},
      {"s", ModKind::kReS},                 {"dotall", ModKind::kReS},
      {"cidr", ModKind::kCidr},             {"exists", ModKind::kExists},
      {"fieldref", ModKind::kFieldRef},     {"gt", ModKind::kGt},
      {"gte", ModKind::kGte},               {"lt", ModKind::kLt},
      {"lte", ModKind::kLte},               {"cased", ModKind::kCased},
      {"neq", ModKind::kNeq},               {"expand", ModKind::kExpand},
      {"minute", ModKind::kTimePart},       {"hour", ModKind::kTimePart},
      {"day", ModKind::kTimePart},          {"week", ModKind::kTimePart},
      {"month", ModKind::kTimePart},        {"year", ModKind::kTimePart},
  }};
  for (const Entry& e : kTable) {
    if (e.name == name) return e.kind;
  }
  return ModKind::kUnknown;
}

// The value of one list entry while modifiers are applied to it.
struct Value {
  enum class Type : std::uint8_t { kStrings, kRegex, kCidr, kFieldRef, kCompare, kExists, kNull };
  Type type = Type::kStrings;
  std::vector<Glob> globs;  // kStrings
  bool touched = false;     // a modifier has rewritten the strings
  Predicate proto;          // the other types
  bool ref_prefix = false, ref_suffix = false;  // kFieldRef shape from contains/startswith/...
};

std::string_view describe(Value::Type type) {
  switch (type) {
    case Value::Type::kStrings: return "a string";
    case Value::Type::kRegex: return "a regular expression";
    case Value::Type::kCidr: return "a cidr network";
    case Value::Type::kFieldRef: return "a field reference";
    case Value::Type::kCompare: return "a numeric comparison";
    case Value::Type::kExists: return "an exists test";
    case Value::Type::kNull: return "null";
  }
  return "a value";
}

Error value_error(const Location& where, std::string message) {
  return Error{ErrorCode::kInvalidRule, std::move(message), where};
}

Error cannot_apply(const Modifier& m, Value::Type type) {
  return value_error(m.where,
                     fmt::format("modifier '{}' cannot be applied to {}", m.name, describe(type)));
}

// ---- encodings ---------------------------------------------------------------------------

std::string base64_encode(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t n = (std::uint32_t(std::uint8_t(in[i])) << 16) |
                      (std::uint32_t(std::uint8_t(in[i + 1])) << 8) | std::uint8_t(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    std::uint32_t n = std::uint32_t(std::uint8_t(in[i])) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    std::uint32_t n = (std::uint32_t(std::uint8_t(in[i])) << 16) |
                      (std::uint32_t(std::uint8_t(in[i + 1])) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// Python's s[start:stop] for stop < 0 or "to the end" (stop == 0 here means None).
std::string py_slice(const std::string& s, long start, long stop_from_end) {
  long size = static_cast<long>(s.size());
  long begin = std::min(start, size);
  long end = stop_from_end == 0 ? size : std::max(0L, size + stop_from_end);
  if (end <= begin) return {};
  return s.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
}

// Decodes one UTF-8 sequence at `pos`; returns false on malformed input.
bool decode_utf8(std::string_view s, std::size_t pos, std::uint32_t& cp, std::size_t& len) {
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
  std::uint8_t b0 = byte(pos);
  if (b0 < 0x80) {
    cp = b0;
    len = 1;
    return true;
  }
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return false;
  }
  if (pos + len > s.size()) return false;
  for (std::size_t i = 1; i < len; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return false;
  }
  return true;
}

enum class Utf16 : std::uint8_t { kLe, kBe, kBom };

bool utf16_encode(std::string_view in, bool big_endian, std::string& out) {
  auto unit = [&](std::uint32_t u) {
    char hi = static_cast<char>((u >> 8) & 0xFF), lo = static_cast<char>(u & 0xFF);
    if (big_endian) {
      out += hi;
      out += lo;
    } else {
      out += lo;
      out += hi;
    }
  };
  for (std::size_t i = 0; i < in.size();) {
    std::uint32_t cp = 0;
    std::size_t len = 0;
    if (!decode_utf8(in, i, cp, len)) return false;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xD800 + (cp >> 10));
      unit(0xDC00 + (cp & 0x3FF));
    } else {
      unit(cp);
    }
    i += len;
  }
  return true;
}

// ---- windash -----------------------------------------------------------------------------

// Approximates Python's Unicode `\w` (pySigma's `\B[-/]\b` runs on str): ASCII letters,
// digits and `_`, plus every non-ASCII code point outside the common punctuation and space
// blocks. Exact Unicode categories would need ICU for a case no corpus rule exercises.
bool is_word(std::uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           cp == '_';
  }
  if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  if (cp >= 0xFE30 && cp <= 0xFE4F) return false;
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;
  return true;
}

bool word_before(std::string_view s, std::size_t pos) {
  if (pos == 0) return false;
  std::size_t start = pos - 1;
  while (start > 0 && (static_cast<std::uint8_t>(s[start]) & 0xC0) == 0x80) --start;
  std::uint32_t cp = 0;
  std::size_t len = 0;
  if (!decode_utf8(s, start, cp, len) || start + len != pos) return false;
  return is_word(cp);
}

bool word_at(std::string_view s, std::size_t pos) {
  if (pos >= s.size()) return false;
  std::uint32_t cp = 0;
  std::size_t len = 0;
  if (!decode_utf8(s, pos, cp, len)) return false;
  return is_word(cp);
}

constexpr std::array<std::string_view, 5> kDashes = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94",
                                                     "\xE2\x80\x95"};

// Every variant of `text` with each dash that begins a word replaced by each of kDashes.
std::vector<std::string> windash_variants(std::string_view text) {
  std::vector<std::string> out{std::string()};
  std::size_t last = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((text[i] != '-' && text[i] != '/') || word_before(text, i) || !word_at(text, i + 1)) {
      continue;
    }
    std::string_view between = text.substr(last, i - last);
    std::vector<std::string> next;
    next.reserve(out.size() * kDashes.size());
    for (const std::string& prefix : out) {
      for (std::string_view dash : kDashes) {
        next.push_back(prefix + std::string(between) + std::string(dash));
      }
    }
    out = std::move(next);
    last = i + 1;
    if (out.size() > kMaxVariants) return out;
  }
  for (std::string& s : out) s += text.substr(last);
  return out;
}

// ---- expand ------------------------------------------------------------------------------

bool is_placeholder_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

Status expand_glob(const Glob& glob, const Placeholders& placeholders, const Location& where,
                   std::vector<MissingPlaceholder>& missing, std::vector<Glob>& out) {
  std::vector<Glob> acc(1);
  auto append_all = [&](auto&& fn) {
    for (Glob& g : acc) fn(g);
  };
  for (const Glob::Piece& piece : glob.pieces) {
    if (piece.kind == Glob::PieceKind::kStar) {
      append_all([](Glob& g) { append_star(g); });
      continue;
    }
    if (piece.kind == Glob::PieceKind::kQuestion) {
      append_all([](Glob& g) { append_question(g); });
      continue;
    }
    const std::string& text = piece.text;
    std::string literal;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '%') {
        literal += '%';
        ++i;
        continue;
      }
      if (text[i] != '%') {
        literal += text[i];
        continue;
      }
      std::size_t end = i + 1;
      while (end < text.size() && is_placeholder_char(text[end])) ++end;
      if (end == i + 1 || end >= text.size() || text[end] != '%') {
        literal += '%';
        continue;
      }
      std::string name = text.substr(i + 1, end - i - 1);
      auto found = placeholders.find(name);
      if (found == placeholders.end()) {
        missing.push_back({name, where});
        return ok();  // no variant: the rule is kept but will not run
      }
      if (found->second.empty()) {
        return fail(ErrorCode::kInvalidRule,
                    fmt::format("placeholder '%{}%' has no values", name), where);
      }
      append_all([&](Glob& g) { append_literal(g, literal); });
      literal.clear();
      std::vector<Glob> next;
      for (const Glob& prefix : acc) {
        for (const std::string& value : found->second) {
          Glob g = prefix;
          append_glob(g, parse_glob(value));
          next.push_back(std::move(g));
        }
      }
      acc = std::move(next);
      if (acc.size() > kMaxVariants) {
        return fail(ErrorCode::kLimit,
                    fmt::format("expand gives more than {} variants", kMaxVariants), where);
      }
      i = end;
    }
    append_all([&](Glob& g) { append_literal(g, literal); });
  }
  for (Glob& g : acc) out.push_back(std::move(g));
  return ok();
}

// ---- validation of re and cidr -----------------------------------------------------------

bool valid_cidr(const std::string& text) {
  std::string address = text;
  int max_prefix = text.find(':') != std::string::npos ? 128 : 32;
  std::size_t slash = text.find('/');
  if (slash != std::string::npos) {
    address = text.substr(0, slash);
    std::string prefix = text.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 3) return false;
    int bits = 0;
    for (char c : prefix) {
      if (c < '0' || c > '9') return false;
      bits = bits * 10 + (c - '0');
    }
    if (bits > max_prefix) return false;
  }
  unsigned char buf[16];
  return inet_pton(max_prefix == 128 ? AF_INET6 : AF_INET, address.c_str(), buf) == 1;
}

// ---- one value ---------------------------------------------------------------------------

struct Flags {
  bool all = false, negate = false, cased = false;
};

Status check_variants(const Value& value, const Modifier& m) {
  if (value.globs.size() > kMaxVariants) {
    return fail(ErrorCode::kLimit,
                fmt::format("modifier '{}' gives more than {} variants", m.name, kMaxVariants),
                m.where);
  }
  return ok();
}

Status apply(const Modifier& m, ModKind kind, const RawValue& raw, Value& value) {
  using T = Value::Type;
  switch (kind) {
    case ModKind::kAll:
    case ModKind::kNeq:
      return ok();
    case ModKind::kCased:
      if (value.type != T::kStrings && value.type != T::kFieldRef) return fail(cannot_apply(m, value.type));
      return ok();
    case ModKind::kContains:
    case ModKind::kStartsWith:
    case ModKind::kEndsWith: {
      bool prefix = kind != ModKind::kStartsWith;  // a star in front
      bool suffix = kind != ModKind::kEndsWith;    // a star at the end
      if (value.type == T::kFieldRef) {
        value.ref_prefix |= prefix;
        value.ref_suffix |= suffix;
        return ok();
      }
      if (value.type != T::kStrings) return fail(cannot_apply(m, value.type));
      for (Glob& g : value.globs) {
        if (prefix && !starts_with_star(g)) g.pieces.insert(g.pieces.begin(), {Glob::PieceKind::kStar, {}});
        if (suffix) append_star(g);
      }
      value.touched = true;
      return ok();
    }
    case ModKind::kBase64:
    case ModKind::kBase64Offset: {
      if (value.type != T::kStrings) return fail(cannot_apply(m, value.type));
      std::vector<Glob> out;
      for (const Glob& g : value.globs) {
        std::string text;
        if (!plain_text(g, text)) {
          return fail(value_error(raw.where, fmt::format("modifier '{}' cannot encode a value with wildcards", m.name)));
        }
        if (kind == ModKind::kBase64) {
          out.push_back(literal_glob(base64_encode(text)));
          continue;
        }
        // pySigma: b64(" " * i + v)[start[i] : end[(len(v) + i) % 3]], start (0, 2, 3),
        // end (None, -3, -2). len is taken in bytes here (pySigma counts characters; the
        // two agree for ASCII, and bytes is what gets encoded).
        static constexpr std::array<long, 3> kStart = {0, 2, 3};
        static constexpr std::array<long, 3> kEnd = {0, -3, -2};
        for (std::size_t i = 0; i < 3; ++i) {
          std::string encoded = base64_encode(std::string(i, ' ') + text);
          std::string part = py_slice(encoded, kStart[i], kEnd[(text.size() + i) % 3]);
          if (part.empty()) {
            return fail(value_error(raw.where, fmt::format("value '{}' is too short for base64offset", text)));
          }
          out.push_back(literal_glob(part));
        }
      }
      value.globs = std::move(out);
      value.touched = true;
      return check_variants(value, m);
    }
    case ModKind::kUtf16Le:
    case ModKind::kUtf16Be:
    case ModKind::kUtf16: {
      if (value.type != T::kStrings) return fail(cannot_apply(m, value.type));
      for (Glob& g : value.globs) {
        for (Glob::Piece& piece : g.pieces) {
          if (piece.kind != Glob::PieceKind::kLiteral) continue;
          std::string encoded;
          if (!utf16_encode(piece.text, kind == ModKind::kUtf16Be, encoded)) {
            return fail(value_error(raw.where, fmt::format("modifier '{}' needs valid utf-8", m.name)));
          }
          piece.text = std::move(encoded);
        }
        if (kind == ModKind::kUtf16) {
          // The byte order mark goes once, in front of the whole value (spec example).
          Glob with_bom = literal_glob(std::string("\xFF\xFE", 2));
          append_glob(with_bom, g);
          g = std::move(with_bom);
        }
      }
      value.touched = true;
      return ok();
    }
    case ModKind::kWindash: {
      if (value.type != T::kStrings) return fail(cannot_apply(m, value.type));
      std::vector<Glob> out;
      for (const Glob& g : value.globs) {
        std::vector<Glob> acc(1);
        for (const Glob::Piece& piece : g.pieces) {
          if (piece.kind != Glob::PieceKind::kLiteral) {
            for (Glob& a : acc) {
              if (piece.kind == Glob::PieceKind::kStar) append_star(a);
              else append_question(a);
            }
            continue;
          }
          std::vector<std::string> variants = windash_variants(piece.text);
          if (variants.size() * acc.size() > kMaxVariants) {
            return fail(ErrorCode::kLimit,
                        fmt::format("modifier 'windash' gives more than {} variants", kMaxVariants),
                        m.where);
          }
          std::vector<Glob> next;
          for (const Glob& a : acc) {
            for (const std::string& v : variants) {
              Glob n = a;
              append_literal(n, v);
              next.push_back(std::move(n));
            }
          }
          acc = std::move(next);
        }
        for (Glob& a : acc) out.push_back(std::move(a));
      }
      value.globs = std::move(out);
      value.touched = true;
      return check_variants(value, m);
    }
    case ModKind::kExpand: {
      if (value.type != T::kStrings) return fail(cannot_apply(m, value.type));
      return ok();  // done after the chain, see build_field_items: needs the placeholders
    }
    case ModKind::kRe:
      if (raw.type == RawValue::Type::kNull) return fail(cannot_apply(m, T::kNull));
      value.type = T::kRegex;
      value.proto.kind = Predicate::Kind::kRegex;
      value.proto.text = raw.text;
      return ok();
    case ModKind::kReI:
    case ModKind::kReM:
    case ModKind::kReS:
      if (value.type != T::kRegex) {
        return fail(value_error(m.where, fmt::format("modifier '{}' needs 're' before it", m.name)));
      }
      if (kind == ModKind::kReI) value.proto.regex_ignore_case = true;
      if (kind == ModKind::kReM) value.proto.regex_multiline = true;
      if (kind == ModKind::kReS) value.proto.regex_dotall = true;
      return ok();
    case ModKind::kCidr:
      if (!valid_cidr(raw.text)) {
        return fail(value_error(raw.where, fmt::format("invalid cidr network '{}'", raw.text)));
      }
      value.type = T::kCidr;
      value.proto.kind = Predicate::Kind::kCidr;
      value.proto.text = raw.text;
      return ok();
    case ModKind::kExists:
      if (raw.type != RawValue::Type::kBool) {
        return fail(value_error(raw.where, "modifier 'exists' needs true or false"));
      }
      value.type = T::kExists;
      value.proto.kind = Predicate::Kind::kExists;
      value.proto.exists_value = raw.text == "true";
      return ok();
    case ModKind::kFieldRef: {
      std::string field;
      if (value.type != T::kStrings || value.touched || raw.type != RawValue::Type::kString ||
          value.globs.size() != 1 || !plain_text(value.globs.front(), field) || field.empty()) {
        return fail(value_error(raw.where, "modifier 'fieldref' needs a plain field name"));
      }
      value.type = T::kFieldRef;
      value.proto.kind = Predicate::Kind::kFieldRef;
      value.proto.text = field;
      return ok();
    }
    case ModKind::kGt:
    case ModKind::kGte:
    case ModKind::kLt:
    case ModKind::kLte:
      if (value.type == T::kCompare && value.proto.date_part != Predicate::DatePart::kNone &&
          value.proto.op == Predicate::CompareOp::kEq) {
        // `Field|hour|gte: 22`: the time part is compared with the operator.
        value.proto.op = kind == ModKind::kGt    ? Predicate::CompareOp::kGt
                         : kind == ModKind::kGte ? Predicate::CompareOp::kGte
                         : kind == ModKind::kLt  ? Predicate::CompareOp::kLt
                                                 : Predicate::CompareOp::kLte;
        return ok();
      }
      if (value.type == T::kCompare) {
        return fail(value_error(m.where, "only one of gt, gte, lt, lte may be given"));
      }
      if (raw.type != RawValue::Type::kNumber || value.type != T::kStrings || value.touched) {
        return fail(value_error(raw.where, fmt::format("modifier '{}' needs a number", m.name)));
      }
      value.type = T::kCompare;
      value.proto.kind = Predicate::Kind::kCompare;
      value.proto.number = raw.number;
      value.proto.op = kind == ModKind::kGt    ? Predicate::CompareOp::kGt
                       : kind == ModKind::kGte ? Predicate::CompareOp::kGte
                       : kind == ModKind::kLt  ? Predicate::CompareOp::kLt
                                               : Predicate::CompareOp::kLte;
      return ok();
    case ModKind::kTimePart: {
      using DP = Predicate::DatePart;
      struct Part {
        std::string_view name;
        DP part;
        double low, high;
      };
      // Ranges from the spec's appendix; week is ISO 8601 (53 in long years).
      static constexpr Part kParts[] = {{"minute", DP::kMinute, 0, 59}, {"hour", DP::kHour, 0, 23},
                                        {"day", DP::kDay, 1, 31},       {"week", DP::kWeek, 1, 53},
                                        {"month", DP::kMonth, 1, 12},   {"year", DP::kYear, 0, 9999}};
      const Part* part = nullptr;
      for (const Part& p : kParts) {
        if (p.name == m.name) part = &p;
      }
      if (value.type == T::kCompare) {
        return fail(value_error(m.where, fmt::format("modifier '{}' must come before gt, gte, lt, lte", m.name)));
      }
      if (part == nullptr || raw.type != RawValue::Type::kNumber || value.type != T::kStrings ||
          value.touched) {
        return fail(value_error(raw.where, fmt::format("modifier '{}' needs a number", m.name)));
      }
      if (raw.number < part->low || raw.number > part->high ||
          raw.number != static_cast<double>(static_cast<long long>(raw.number))) {
        return fail(value_error(raw.where, fmt::format("modifier '{}' needs a whole number from {} to {}",
                                                       m.name, part->low, part->high)));
      }
      value.type = T::kCompare;
      value.proto.kind = Predicate::Kind::kCompare;
      value.proto.number = raw.number;
      value.proto.op = Predicate::CompareOp::kEq;
      value.proto.date_part = part->part;
      return ok();
    }
    case ModKind::kUnknown:
      break;
  }
  return fail(ErrorCode::kInternal, "unhandled modifier", m.where);
}

Status validate_regex(const Predicate& p, const Location& where) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(!p.regex_ignore_case);
  options.set_dot_nl(p.regex_dotall);
  RE2 re(p.text, options);
  if (!re.ok()) {
    return fail(ErrorCode::kInvalidRule, fmt::format("invalid regular expression: {}", re.error()),
                where);
  }
  return ok();
}

}  // namespace

Status build_field_items(const std::string& field, const std::vector<Modifier>& modifiers,
                         const std::vector<RawValue>& values, bool values_is_list,
                         const Location& item_where, const Placeholders& placeholders,
                         std::vector<MissingPlaceholder>& missing,
                         std::size_t& budget, std::vector<FieldItem>& out) {
  std::vector<ModKind> kinds;
  Flags flags;
  bool expand = false;
  for (std::size_t i = 0; i < modifiers.size(); ++i) {
    const Modifier& m = modifiers[i];
    ModKind kind = classify(m.name);
    if (m.name.empty()) return fail(ErrorCode::kParse, "empty modifier", m.where);
    if (kind == ModKind::kUnknown) {
      return fail(ErrorCode::kInvalidRule, fmt::format("unknown modifier '{}'", m.name), m.where);
    }
    if ((kind == ModKind::kRe || kind == ModKind::kCidr) && i != 0) {
      return fail(ErrorCode::kInvalidRule,
                  fmt::format("modifier '{}' must be the first modifier", m.name), m.where);
    }
    if (kind == ModKind::kExists && modifiers.size() != 1) {
      return fail(ErrorCode::kInvalidRule,
                  "modifier 'exists' cannot be combined with other modifiers", m.where);
    }
    if (kind == ModKind::kAll) {
      if (!values_is_list || values.size() < 2) {
        return fail(ErrorCode::kInvalidRule,
                    "modifier 'all' needs a list of two or more values", m.where);
      }
      flags.all = true;
    }
    if (kind == ModKind::kNeq) flags.negate = true;
    if (kind == ModKind::kCased) flags.cased = true;
    if (kind == ModKind::kExpand) expand = true;
    kinds.push_back(kind);
  }
  if (values.empty()) return fail(ErrorCode::kInvalidRule, "empty value list", item_where);

  std::vector<std::vector<Predicate>> per_value;
  for (const RawValue& raw : values) {
    Value value;
    if (raw.type == RawValue::Type::kNull) {
      value.type = Value::Type::kNull;
    } else if (raw.type == RawValue::Type::kString) {
      value.globs.push_back(parse_glob(raw.text));
    } else {
      value.globs.push_back(literal_glob(raw.text));
    }
    for (std::size_t i = 0; i < modifiers.size(); ++i) {
      if (value.type == Value::Type::kNull && kinds[i] != ModKind::kAll && kinds[i] != ModKind::kNeq) {
        return fail(cannot_apply(modifiers[i], Value::Type::kNull));
      }
      if (value.type == Value::Type::kNull) continue;
      Status status = apply(modifiers[i], kinds[i], raw, value);
      if (!status) return status;
    }
    if (expand && value.type == Value::Type::kStrings) {
      std::vector<Glob> expanded;
      for (const Glob& g : value.globs) {
        Status status = expand_glob(g, placeholders, raw.where, missing, expanded);
        if (!status) return status;
      }
      value.globs = std::move(expanded);
      if (value.globs.size() > kMaxVariants) {
        return fail(ErrorCode::kLimit, fmt::format("expand gives more than {} variants", kMaxVariants),
                    raw.where);
      }
    }
    std::vector<Predicate> predicates;
    switch (value.type) {
      case Value::Type::kNull: {
        Predicate p;
        p.kind = Predicate::Kind::kNull;
        predicates.push_back(std::move(p));
        break;
      }
      case Value::Type::kStrings:
        for (Glob& g : value.globs) {
          Predicate p;
          p.kind = Predicate::Kind::kString;
          p.glob = std::move(g);
          p.cased = flags.cased;
          predicates.push_back(std::move(p));
        }
        break;
      case Value::Type::kRegex: {
        Status status = validate_regex(value.proto, raw.where);
        if (!status) return status;
        predicates.push_back(value.proto);
        break;
      }
      case Value::Type::kFieldRef: {
        Predicate p = value.proto;
        p.cased = flags.cased;
        p.fieldref_shape = value.ref_prefix && value.ref_suffix ? Predicate::RefShape::kContains
                           : value.ref_prefix                   ? Predicate::RefShape::kEndsWith
                           : value.ref_suffix                   ? Predicate::RefShape::kStartsWith
                                                                : Predicate::RefShape::kEquals;
        predicates.push_back(std::move(p));
        break;
      }
      case Value::Type::kCidr:
      case Value::Type::kCompare:
      case Value::Type::kExists:
        predicates.push_back(value.proto);
        break;
    }
    if (predicates.size() > budget) {
      return fail(ErrorCode::kLimit,
                  fmt::format("rule expands to more than {} values", kMaxPredicatesPerRule),
                  raw.where);
    }
    budget -= predicates.size();
    per_value.push_back(std::move(predicates));
  }

  std::vector<std::string> names;
  for (const Modifier& m : modifiers) names.push_back(m.name);
  FieldItem base;
  base.field = field;
  base.modifiers = names;
  base.match_all = flags.all;
  base.negate = flags.negate;
  base.where = item_where;

  bool expanded = false;
  for (const auto& group : per_value) expanded |= group.size() > 1;
  if (flags.all && expanded) {
    // AND over values, OR over each value's variants: one item per value, since the items of
    // one alternative are AND-ed already.
    if (flags.negate) {
      return fail(ErrorCode::kUnsupported,
                  "neq with all on values that expand into variants is not supported", item_where);
    }
    for (auto& group : per_value) {
      FieldItem item = base;
      item.match_all = false;
      item.predicates = std::move(group);
      out.push_back(std::move(item));
    }
    return ok();
  }
  for (auto& group : per_value) {
    for (Predicate& p : group) base.predicates.push_back(std::move(p));
  }
  out.push_back(std::move(base));
  return ok();
}

}  // namespace rasid::sigma::detail
