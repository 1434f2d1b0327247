#include "input/detail/evtx_chunk.h"

#include <zlib.h>


#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "base/json_text.h"

namespace rasid::input::detail {

namespace {

// Limits that keep a hostile chunk from costing more than a real one ever does. Real
// records nest a handful of templates and hold a few hundred elements.
constexpr int kMaxDepth = 32;                      // nested template instances / BinXml values
constexpr std::size_t kMaxElements = 100000;       // elements emitted for one record
constexpr std::uint32_t kMaxSubstitutions = 4096;  // as evtx2jsonl.py ("implausible")

// ---------------------------------------------------------------------------- text helpers

void put_utf8(std::string& s, std::uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr std::uint32_t kReplacement = 0xFFFD;

// UTF-16LE to UTF-8 as Python's decode("utf-16le", "replace"): lone surrogates and an odd
// last byte become U+FFFD.
std::string utf16_to_utf8(const unsigned char* p, std::size_t bytes) {
  std::size_t n = bytes / 2;
  // Fast path: event text is mostly ASCII; copy the ASCII prefix without per-byte appends.
  std::size_t ascii = 0;
  while (ascii < n && p[2 * ascii + 1] == 0 && p[2 * ascii] < 0x80) ++ascii;
  std::string s(ascii, '\0');
  for (std::size_t i = 0; i < ascii; ++i) s[i] = static_cast<char>(p[2 * i]);
  if (ascii == n && bytes % 2 == 0) return s;
  // At most 3 bytes per UTF-16 unit (4 per surrogate pair), plus a replacement character.
  s.resize(ascii + 3 * (n - ascii) + 3);
  auto* out = reinterpret_cast<unsigned char*>(s.data()) + ascii;
  auto put = [&out](std::uint32_t cp) {
    if (cp < 0x80) {
      *out++ = static_cast<unsigned char>(cp);
    } else if (cp < 0x800) {
      *out++ = static_cast<unsigned char>(0xC0 | (cp >> 6));
      *out++ = static_cast<unsigned char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out++ = static_cast<unsigned char>(0xE0 | (cp >> 12));
      *out++ = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
      *out++ = static_cast<unsigned char>(0x80 | (cp & 0x3F));
    } else {
      *out++ = static_cast<unsigned char>(0xF0 | (cp >> 18));
      *out++ = static_cast<unsigned char>(0x80 | ((cp >> 12) & 0x3F));
      *out++ = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
      *out++ = static_cast<unsigned char>(0x80 | (cp & 0x3F));
    }
  };
  for (std::size_t i = ascii; i < n; ++i) {
    std::uint32_t u = p[2 * i] | (p[2 * i + 1] << 8);
    if (u >= 0xD800 && u < 0xDC00) {
      if (i + 1 < n) {
        std::uint32_t v = p[2 * i + 2] | (p[2 * i + 3] << 8);
        if (v >= 0xDC00 && v < 0xE000) {
          put(0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00));
          ++i;
          continue;
        }
      }
      put(kReplacement);
    } else if (u >= 0xDC00 && u < 0xE000) {
      put(kReplacement);
    } else {
      put(u);
    }
  }
  if (bytes % 2) put(kReplacement);
  s.resize(static_cast<std::size_t>(out - reinterpret_cast<unsigned char*>(s.data())));
  return s;
}

void rstrip_nul(std::string& s) {
  while (!s.empty() && s.back() == '\0') s.pop_back();
}

// Windows-1252 0x80..0x9F; 0 marks the five undefined bytes (decoded as U+FFFD, as Python's
// "replace" does).
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

std::string cp1252_to_utf8(const unsigned char* p, std::size_t n) {
  std::string s;
  s.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    unsigned c = p[i];
    if (c >= 0x80 && c < 0xA0) {
      std::uint16_t m = kCp1252High[c - 0x80];
      put_utf8(s, m ? m : kReplacement);
    } else {
      put_utf8(s, c);
    }
  }
  return s;
}

std::string hex_upper(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    s[2 * i] = kHex[p[i] >> 4];
    s[2 * i + 1] = kHex[p[i] & 15];
  }
  return s;
}

// "0x%x" of a little-endian unsigned integer of any width (HexInt32/64, size_t).
std::string hex_le(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "0x";
  bool started = false;
  for (std::size_t i = n; i-- > 0;) {
    for (int half = 1; half >= 0; --half) {
      unsigned d = half ? (p[i] >> 4) : (p[i] & 15);
      if (d == 0 && !started) continue;
      started = true;
      s += kHex[d];
    }
  }
  if (!started) s += '0';
  return s;
}

std::uint16_t le16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint32_t le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint64_t le64(const unsigned char* p) {
  return le32(p) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

// Writes `v` as exactly `width` decimal digits (zero-padded; higher digits are cut, which
// never happens for the fields below at their ranges) at `p`; returns the end.
char* put_digits(char* p, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

char* put_hex_upper(char* p, std::uint64_t v, int width) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int i = width - 1; i >= 0; --i) {
    p[i] = kHex[v & 15];
    v >>= 4;
  }
  return p + width;
}

// FILETIME as YYYY-MM-DDTHH:MM:SS.fffffff00Z (microseconds, then the 100 ns digit, then 00,
// as evtx2jsonl.py writes it); past year 9999 (Python's datetime limit) 0x + 16 hex digits.
std::string format_filetime(std::uint64_t q) {
  constexpr std::int64_t kDays1601To1970 = 134774;
  std::uint64_t us = q / 10;
  std::uint64_t secs = us / 1000000;
  auto days = static_cast<std::int64_t>(secs / 86400) - kDays1601To1970;
  std::uint64_t sod = secs % 86400;
  std::int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  char buf[64];
  if (y > 9999) {
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(q));
    return buf;
  }
  // y is 1601..9999 here: four digits.
  char* e = put_digits(buf, static_cast<std::uint64_t>(y), 4);
  *e++ = '-';
  e = put_digits(e, m, 2);
  *e++ = '-';
  e = put_digits(e, d, 2);
  *e++ = 'T';
  e = put_digits(e, sod / 3600, 2);
  *e++ = ':';
  e = put_digits(e, sod / 60 % 60, 2);
  *e++ = ':';
  e = put_digits(e, sod % 60, 2);
  *e++ = '.';
  e = put_digits(e, us % 1000000, 6);
  e = put_digits(e, q % 10, 1);
  *e++ = '0';
  *e++ = '0';
  *e++ = 'Z';
  return std::string(buf, e);
}

std::string format_systemtime(const unsigned char* p) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", le16(p), le16(p + 2),
                le16(p + 6), le16(p + 8), le16(p + 10), le16(p + 12), le16(p + 14));
  return buf;
}

std::string format_sid(const unsigned char* p, std::size_t n) {
  if (n < 8) return hex_upper(p, n);
  unsigned rev = p[0];
  unsigned cnt = p[1];
  std::uint64_t auth = 0;
  for (int i = 2; i < 8; ++i) auth = (auth << 8) | p[i];
  std::string s = "S-" + std::to_string(rev) + "-" + std::to_string(auth);
  if (n >= 8 + 4 * static_cast<std::size_t>(cnt)) {
    for (unsigned i = 0; i < cnt; ++i) s += "-" + std::to_string(le32(p + 8 + 4 * i));
  }
  return s;
}

// {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}; n is at least 8 (callers check). A value shorter
// than 16 bytes (damage) keeps what it has of the last two groups, as evtx2jsonl.py does.
std::string format_guid(const unsigned char* p, std::size_t n) {
  char buf[40];
  char* e = buf;
  *e++ = '{';
  e = put_hex_upper(e, le32(p), 8);
  *e++ = '-';
  e = put_hex_upper(e, le16(p + 4), 4);
  *e++ = '-';
  e = put_hex_upper(e, le16(p + 6), 4);
  *e++ = '-';
  std::size_t tail = std::min<std::size_t>(n, 16);
  for (std::size_t i = 8; i < tail; ++i) {
    if (i == 10) *e++ = '-';
    e = put_hex_upper(e, p[i], 2);
  }
  if (tail <= 10) *e++ = '-';
  *e++ = '}';
  return std::string(buf, e);
}

// Python's repr(float): shortest round-trip digits, exponent form below 1e-4 or from 1e16.
std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  std::size_t e = sci.find('e');
  int exp = std::atoi(sci.c_str() + e + 1);
  std::string mant = sci.substr(0, e);
  bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return out + eb;
  }
  if (exp < 0) {
    return out + "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
  }
  auto point = static_cast<std::size_t>(exp) + 1;
  if (digits.size() <= point) {
    return out + digits + std::string(point - digits.size(), '0') + ".0";
  }
  return out + digits.substr(0, point) + "." + digits.substr(point);
}

std::string format_float(float v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.7g", static_cast<double>(v));
  return buf;
}

// ---------------------------------------------------------------------------- parsed tree

struct XNode;

// One substitution value: absent, text, a string list (array types) or binary XML.
struct Value {
  enum class Kind : std::uint8_t { kNone, kText, kList, kXml };
  Kind kind = Kind::kNone;
  std::string text;
  std::vector<std::string> list;
  std::vector<XNode> xml;
};

struct Attr;

// A node of parsed binary XML: an element (of a template or a record), text, a
// substitution reference, or a template instance with its values.
struct XNode {
  enum class Kind : std::uint8_t { kElement, kText, kSub, kInstance };
  Kind kind = Kind::kText;
  std::string text;         // kText
  std::string_view name;    // kElement: in the chunk's name cache (BinXml::names_)
  std::uint16_t index = 0;  // kSub
  std::vector<Attr> attrs;  // kElement
  std::vector<XNode> kids;  // kElement
  std::shared_ptr<const std::vector<XNode>> tmpl;  // kInstance
  std::vector<Value> values;                       // kInstance
};

struct Attr {
  std::string_view name;  // in the chunk's name cache
  std::vector<XNode> parts;  // kText and kSub only
};

// ---------------------------------------------------------------------------- parser

// Parses binary XML inside one chunk, mirroring evtx2jsonl.py's _BinXml. Every read is
// checked against the chunk; the first failure sets error_ and parsing unwinds.
class BinXml {
 public:
  explicit BinXml(std::string_view chunk)
      : d_(reinterpret_cast<const unsigned char*>(chunk.data())), n_(chunk.size()) {}

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  void reset_error() { error_.clear(); }

  // Parses tokens in [pos, end); returns the nodes and moves pos past the end-of-fragment.
  std::vector<XNode> parse_fragment(std::size_t& pos, std::size_t end, bool in_template,
                                    int depth) {
    std::vector<XNode> out;
    if (depth > kMaxDepth) {
      fail("binary xml nested too deeply");
      return out;
    }
    end = std::min(end, n_);
    std::vector<std::vector<XNode>*> stack;
    std::vector<XNode>* cur = &out;
    while (pos < end && !failed()) {
      unsigned tok = d_[pos];
      unsigned t = tok & 0x0F;
      if (t == 0x00) {
        ++pos;
        break;
      }
      if (t == 0x0F) {
        pos += 4;
        continue;
      }
      if (t == 0x01) {
        XNode el;
        el.kind = XNode::Kind::kElement;
        if (!element_header(pos, in_template, el.name)) return out;
        if (tok & 0x40) {
          pos += 4;
          for (;;) {
            if (!need(pos, 1)) return out;
            unsigned at = d_[pos];
            if ((at & 0x0F) != 0x06) break;
            Attr a;
            pos += 1;
            if (!name(pos, a.name)) return out;
            attr_value(pos, a.parts);
            if (failed()) return out;
            el.attrs.push_back(std::move(a));
            if (!(at & 0x40)) break;
          }
        }
        if (!need(pos, 1)) return out;
        unsigned ct = d_[pos];
        ++pos;
        cur->push_back(std::move(el));
        if (ct == 0x02) {
          stack.push_back(cur);
          cur = &cur->back().kids;
        } else if (ct != 0x03) {
          fail("expected close start element at 0x" + hex(pos - 1));
          return out;
        }
        continue;
      }
      if (t == 0x04) {
        ++pos;
        if (stack.empty()) {
          fail("unbalanced end element at 0x" + hex(pos));
          return out;
        }
        cur = stack.back();
        stack.pop_back();
        continue;
      }
      if (t == 0x05) {
        XNode v;
        v.kind = XNode::Kind::kText;
        if (!value_token(pos, v.text)) return out;
        cur->push_back(std::move(v));
        continue;
      }
      if (t == 0x0D || t == 0x0E) {
        if (!need(pos, 4)) return out;
        XNode s;
        s.kind = XNode::Kind::kSub;
        s.index = le16(d_ + pos + 1);
        cur->push_back(std::move(s));
        pos += 4;
        continue;
      }
      if (t == 0x07) {
        if (!need(pos, 3)) return out;
        std::size_t len = 2 * static_cast<std::size_t>(le16(d_ + pos + 1));
        if (!need(pos + 3, len)) return out;
        XNode v;
        v.text = utf16_to_utf8(d_ + pos + 3, len);
        rstrip_nul(v.text);
        cur->push_back(std::move(v));
        pos += 3 + len;
        continue;
      }
      if (t == 0x08) {
        if (!need(pos, 3)) return out;
        XNode v;
        std::uint32_t c = le16(d_ + pos + 1);
        put_utf8(v.text, c >= 0xD800 && c < 0xE000 ? kReplacement : c);
        cur->push_back(std::move(v));
        pos += 3;
        continue;
      }
      if (t == 0x09) {
        ++pos;
        std::string_view nm;
        if (!name(pos, nm)) return out;
        XNode v;
        v.text = entity(nm);
        cur->push_back(std::move(v));
        continue;
      }
      if (t == 0x0A) {
        ++pos;
        std::string_view nm;
        if (!name(pos, nm)) return out;
        continue;
      }
      if (t == 0x0B) {
        if (!need(pos, 3)) return out;
        pos += 3 + 2 * static_cast<std::size_t>(le16(d_ + pos + 1));
        continue;
      }
      if (t == 0x0C) {
        XNode ti;
        if (!template_instance(pos, ti, depth)) return out;
        cur->push_back(std::move(ti));
        continue;
      }
      if (t == 0x02 || t == 0x03) {
        fail("stray close token 0x" + hex(tok) + " at 0x" + hex(pos));
        return out;
      }
      fail("unknown token 0x" + hex(tok) + " at 0x" + hex(pos));
      return out;
    }
    return out;
  }

 private:
  static std::string hex(std::size_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "%zx", v);
    return b;
  }

  void fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
  }

  bool need(std::size_t pos, std::size_t len) {
    if (pos <= n_ && len <= n_ - pos) return true;
    fail("read past the end of the chunk at 0x" + hex(pos));
    return false;
  }

  static std::string entity(std::string_view nm) {
    if (nm == "lt") return "<";
    if (nm == "gt") return ">";
    if (nm == "amp") return "&";
    if (nm == "quot") return "\"";
    if (nm == "apos") return "'";
    return "&" + std::string(nm) + ";";
  }

  struct Name {
    std::string text;
    std::size_t size = 0;
  };

  // NameString at chunk offset `rel`: next offset (4), hash (2), count (2), UTF-16 text, NUL.
  const Name* name_at(std::size_t rel, bool check) {
    auto it = names_.find(rel);
    if (it != names_.end()) return &it->second;
    if (rel < 0x80 || rel + 8 > kEvtxChunkSize || rel + 8 > n_) {
      fail("name offset 0x" + hex(rel) + " out of chunk");
      return nullptr;
    }
    std::uint16_t h = le16(d_ + rel + 4);
    std::size_t count = le16(d_ + rel + 6);
    std::size_t avail = std::min<std::size_t>(2 * count, n_ - rel - 8);
    if (check) {
      std::uint32_t hash = 0;
      for (std::size_t i = 0; i + 1 < avail; i += 2) hash = hash * 65599 + le16(d_ + rel + 8 + i);
      if ((hash & 0xFFFF) != h || avail != 2 * count) {
        fail("bad name hash at 0x" + hex(rel));
        return nullptr;
      }
    }
    Name nm{utf16_to_utf8(d_ + rel + 8, avail), 8 + 2 * count + 2};
    return &names_.emplace(rel, std::move(nm)).first->second;
  }

  bool name(std::size_t& pos, std::string_view& out) {
    if (!need(pos, 4)) return false;
    std::size_t rel = le32(d_ + pos);
    std::size_t after = pos + 4;
    const Name* nm = name_at(rel, false);
    if (nm == nullptr) return false;
    out = nm->text;
    pos = rel == after ? after + nm->size : after;
    return true;
  }

  // Open start element: token, [dependency id (2)], data size (4), name offset (4). Records
  // written without dependency ids (newer or exported files) lack the first field; outside
  // templates both layouts are tried, the name hash deciding.
  bool element_header(std::size_t& pos, bool in_template, std::string_view& out) {
    for (std::size_t noff : {std::size_t{7}, std::size_t{5}}) {
      std::size_t npos = pos + noff;
      if (!need(npos, 4)) return false;
      std::size_t rel = le32(d_ + npos);
      std::size_t after = npos + 4;
      const Name* nm = nullptr;
      bool inline_name = rel == after;
      if (inline_name || (rel >= 0x80 && rel < after)) {
        nm = name_at(rel, true);
        if (nm == nullptr) reset_error();
      }
      if (nm != nullptr) {
        out = nm->text;
        pos = inline_name ? after + nm->size : after;
        return true;
      }
      if (in_template) break;
    }
    fail("cannot read element name at 0x" + hex(pos));
    return false;
  }

  void attr_value(std::size_t& pos, std::vector<XNode>& parts) {
    while (!failed() && pos < n_) {
      unsigned t = d_[pos] & 0x0F;
      if (t == 0x05) {
        XNode v;
        if (!value_token(pos, v.text)) return;
        parts.push_back(std::move(v));
      } else if (t == 0x0D || t == 0x0E) {
        if (!need(pos, 4)) return;
        XNode s;
        s.kind = XNode::Kind::kSub;
        s.index = le16(d_ + pos + 1);
        parts.push_back(std::move(s));
        pos += 4;
      } else if (t == 0x08) {
        if (!need(pos, 3)) return;
        XNode v;
        std::uint32_t c = le16(d_ + pos + 1);
        put_utf8(v.text, c >= 0xD800 && c < 0xE000 ? kReplacement : c);
        parts.push_back(std::move(v));
        pos += 3;
      } else if (t == 0x09) {
        ++pos;
        std::string_view nm;
        if (!name(pos, nm)) return;
        XNode v;
        v.text = entity(nm);
        parts.push_back(std::move(v));
      } else {
        return;
      }
    }
  }

 public:
  // Size of a fixed-size value type, 0 if not fixed (evtx2jsonl.py's _FIXED).
  static std::size_t fixed_size(unsigned vt) {
    switch (vt) {
      case 0x03: case 0x04: return 1;
      case 0x05: case 0x06: return 2;
      case 0x07: case 0x08: case 0x0B: case 0x0D: case 0x14: return 4;
      case 0x09: case 0x0A: case 0x0C: case 0x11: case 0x15: return 8;
      case 0x0F: case 0x12: return 16;
      default: return 0;
    }
  }

  // Renders one value of type `vt` (array bit clear). False if the bytes are too short.
  static bool scalar(unsigned vt, const unsigned char* p, std::size_t n, std::string& out) {
    std::size_t need_bytes = 0;
    switch (vt) {
      case 0x03: case 0x04: need_bytes = 1; break;
      case 0x05: case 0x06: need_bytes = 2; break;
      case 0x07: case 0x08: case 0x0B: case 0x0D: need_bytes = 4; break;
      case 0x09: case 0x0A: case 0x0C: case 0x11: need_bytes = 8; break;
      case 0x0F: need_bytes = 8; break;
      case 0x12: need_bytes = 16; break;
      default: break;
    }
    if (n < need_bytes) return false;
    switch (vt) {
      case 0x01: out = utf16_to_utf8(p, n); rstrip_nul(out); return true;
      case 0x02: out = cp1252_to_utf8(p, n); rstrip_nul(out); return true;
      case 0x03: out = std::to_string(static_cast<std::int8_t>(p[0])); return true;
      case 0x04: out = std::to_string(p[0]); return true;
      case 0x05: out = std::to_string(static_cast<std::int16_t>(le16(p))); return true;
      case 0x06: out = std::to_string(le16(p)); return true;
      case 0x07: out = std::to_string(static_cast<std::int32_t>(le32(p))); return true;
      case 0x08: out = std::to_string(le32(p)); return true;
      case 0x09: out = std::to_string(static_cast<std::int64_t>(le64(p))); return true;
      case 0x0A: out = std::to_string(le64(p)); return true;
      case 0x0B: {
        float f;
        std::uint32_t u = le32(p);
        std::memcpy(&f, &u, 4);
        out = format_float(f);
        return true;
      }
      case 0x0C: {
        double f;
        std::uint64_t u = le64(p);
        std::memcpy(&f, &u, 8);
        out = format_double(f);
        return true;
      }
      case 0x0D: out = le32(p) ? "true" : "false"; return true;
      case 0x0E: out = hex_upper(p, n); return true;
      case 0x0F: out = format_guid(p, n); return true;
      case 0x10: case 0x14: case 0x15: out = hex_le(p, n); return true;
      case 0x11: out = format_filetime(le64(p)); return true;
      case 0x12: out = format_systemtime(p); return true;
      case 0x13: out = format_sid(p, n); return true;
      case 0x23: out = utf16_to_utf8(p, n); rstrip_nul(out); return true;
      default: out = hex_upper(p, n); return true;
    }
  }

  static bool array(unsigned vt, const unsigned char* p, std::size_t n,
                    std::vector<std::string>& out) {
    unsigned base = vt & 0x7F;
    if (base == 0x01 || base == 0x02) {
      std::string s = base == 0x01 ? utf16_to_utf8(p, n) : cp1252_to_utf8(p, n);
      if (!s.empty() && s.back() == '\0') s.pop_back();
      if (s.empty()) return true;
      std::size_t b = 0;
      for (;;) {
        std::size_t z = s.find('\0', b);
        out.push_back(s.substr(b, z == std::string::npos ? std::string::npos : z - b));
        if (z == std::string::npos) break;
        b = z + 1;
      }
      return true;
    }
    std::size_t size = base == 0x13 ? 0 : fixed_size(base);
    if (base == 0x10) size = n % 8 == 0 ? 8 : 4;
    if (size == 0) {
      out.push_back(hex_upper(p, n));
      return true;
    }
    for (std::size_t i = 0; i + size <= n; i += size) {
      std::string v;
      if (!scalar(base, p + i, size, v)) return false;
      out.push_back(std::move(v));
    }
    return true;
  }

 private:
  bool value_token(std::size_t& pos, std::string& out) {
    if (!need(pos, 2)) return false;
    unsigned vt = d_[pos + 1];
    pos += 2;
    if (vt == 0x01) {
      if (!need(pos, 2)) return false;
      std::size_t len = 2 * static_cast<std::size_t>(le16(d_ + pos));
      if (!need(pos + 2, len)) return false;
      out = utf16_to_utf8(d_ + pos + 2, len);
      rstrip_nul(out);
      pos += 2 + len;
      return true;
    }
    if (vt == 0x02) {
      if (!need(pos, 2)) return false;
      std::size_t len = le16(d_ + pos);
      if (!need(pos + 2, len)) return false;
      out = cp1252_to_utf8(d_ + pos + 2, len);
      pos += 2 + len;
      return true;
    }
    if (std::size_t size = fixed_size(vt); size != 0) {
      if (!need(pos, size)) return false;
      scalar(vt, d_ + pos, size, out);
      pos += size;
      return true;
    }
    if (vt == 0x13) {
      if (!need(pos, 2)) return false;
      std::size_t size = 8 + 4 * static_cast<std::size_t>(d_[pos + 1]);
      if (!need(pos, size)) return false;
      out = format_sid(d_ + pos, size);
      pos += size;
      return true;
    }
    if (vt == 0x00) {
      out.clear();
      return true;
    }
    fail("unsupported value type 0x" + hex(vt) + " in value token");
    return false;
  }

  // Template instance: 0x0C, unknown (1), template id (4), definition offset (4); the
  // definition (next offset (4), GUID (16), data size (4), fragment) follows inline when it
  // is first used in the chunk. Then the substitution array: count (4), count x (size (2),
  // type (1), pad (1)), the values.
  bool template_instance(std::size_t& pos, XNode& ti, int depth) {
    if (!need(pos, 10)) return false;
    std::size_t defrel = le32(d_ + pos + 6);
    pos += 10;
    ti.kind = XNode::Kind::kInstance;
    auto it = templates_.find(defrel);
    if (it != templates_.end()) ti.tmpl = it->second;
    auto parse_def = [&](std::size_t at) -> bool {
      if (!need(at, 24)) return false;
      std::size_t dsize = le32(d_ + at + 20);
      std::size_t dstart = at + 24;
      if (!need(dstart, dsize)) return false;
      if (!ti.tmpl) {
        if (!in_progress_.insert(defrel).second) {
          fail("template at 0x" + hex(defrel) + " refers to itself");
          return false;
        }
        std::size_t p = dstart;
        auto nodes = std::make_shared<const std::vector<XNode>>(
            parse_fragment(p, dstart + dsize, true, depth + 1));
        in_progress_.erase(defrel);
        if (failed()) return false;
        templates_[defrel] = nodes;
        ti.tmpl = std::move(nodes);
      }
      if (at == pos) pos = dstart + dsize;
      return true;
    };
    if (defrel == pos) {
      if (!parse_def(pos)) return false;
    } else if (!ti.tmpl) {
      if (!parse_def(defrel)) return false;
    }
    if (!need(pos, 4)) return false;
    std::uint32_t count = le32(d_ + pos);
    pos += 4;
    if (count > kMaxSubstitutions) {
      fail("implausible substitution count " + std::to_string(count));
      return false;
    }
    if (!need(pos, 4 * static_cast<std::size_t>(count))) return false;
    std::size_t desc = pos;
    pos += 4 * static_cast<std::size_t>(count);
    ti.values.resize(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      std::size_t size = le16(d_ + desc + 4 * i);
      unsigned vt = d_[desc + 4 * i + 2];
      if (!need(pos, size)) return false;
      const unsigned char* b = d_ + pos;
      std::size_t vpos = pos;
      pos += size;
      Value& v = ti.values[i];
      if (vt == 0x21) {
        v.kind = Value::Kind::kXml;
        if (size) v.xml = parse_fragment(vpos, pos, false, depth + 1);
        if (failed()) return false;
      } else if (vt & 0x80) {
        v.kind = Value::Kind::kList;
        if (!array(vt, b, size, v.list)) {
          fail("array value too short");
          return false;
        }
      } else if (vt == 0x00 || (size == 0 && vt != 0x01 && vt != 0x02)) {
        v.kind = Value::Kind::kNone;
      } else {
        v.kind = Value::Kind::kText;
        if (!scalar(vt, b, size, v.text)) {
          fail("value of type 0x" + hex(vt) + " too short");
          return false;
        }
      }
    }
    return true;
  }

  const unsigned char* d_;
  std::size_t n_;
  std::string error_;
  std::unordered_map<std::size_t, Name> names_;
  std::unordered_map<std::size_t, std::shared_ptr<const std::vector<XNode>>> templates_;
  std::set<std::size_t> in_progress_;
};

// ---------------------------------------------------------------------------- element tree

constexpr std::uint32_t kNil = static_cast<std::uint32_t>(-1);

// One record's rendered XML as ElementTree holds it (tag, ordered attributes, text, tail,
// children), in flat arrays reused from record to record: no allocation per element.
// Texts are views: of values (alive in the record's parsed nodes), of template text (alive in
// the chunk's template cache), or of strings in the Arena when pieces had to be joined.
struct Elem {
  std::string_view tag;
  std::string_view text, tail;
  std::uint32_t text_own = kNil, tail_own = kNil;   // Arena string backing text/tail, if any
  std::uint32_t first_kid = kNil, last_kid = kNil, next = kNil;
  std::uint32_t attr_begin = 0, attr_end = 0;       // in Tree::attrs
};

struct AttrOut {
  std::string_view name;
  std::string_view value;
};

// Strings made while rendering one record (joined texts, composed keys, normalized values),
// reused from record to record: reset() keeps every string's capacity. A deque, so a string
// never moves while views of it exist.
class Arena {
 public:
  std::uint32_t fresh() {
    if (used_ == strings_.size()) strings_.emplace_back();
    strings_[used_].clear();
    return static_cast<std::uint32_t>(used_++);
  }
  std::string& at(std::uint32_t i) { return strings_[i]; }
  std::string_view keep(std::string_view a, std::string_view b = {}, std::string_view c = {}) {
    std::string& s = strings_[fresh()];
    s.reserve(a.size() + b.size() + c.size());
    s += a;
    s += b;
    s += c;
    return s;
  }
  void reset() { used_ = 0; }

 private:
  std::deque<std::string> strings_;
  std::size_t used_ = 0;
};

struct Tree {
  std::vector<Elem> elems;  // elems[0] is the document root
  std::vector<AttrOut> attrs;
  Arena* arena = nullptr;

  void reset() {
    elems.clear();
    elems.emplace_back();
    attrs.clear();
  }
  // Appends `s` to a text (view + optional owned backing string).
  void append(std::string_view& view, std::uint32_t& own, std::string_view s) {
    if (s.empty()) return;
    if (view.empty() && own == kNil) {
      view = s;
      return;
    }
    if (own == kNil) {
      own = arena->fresh();
      arena->at(own).assign(view);
    }
    arena->at(own) += s;
    view = arena->at(own);
  }
  void add_text(std::uint32_t e, std::string_view s) {
    Elem& el = elems[e];
    if (el.last_kid == kNil) {
      append(el.text, el.text_own, s);
    } else {
      Elem& k = elems[el.last_kid];
      append(k.tail, k.tail_own, s);
    }
  }
  std::uint32_t add_kid(std::uint32_t parent, std::string_view tag) {
    auto i = static_cast<std::uint32_t>(elems.size());
    Elem& el = elems.emplace_back();
    el.tag = tag;
    el.attr_begin = el.attr_end = static_cast<std::uint32_t>(attrs.size());
    Elem& p = elems[parent];
    if (p.last_kid == kNil) {
      p.first_kid = i;
    } else {
      elems[p.last_kid].next = i;
    }
    p.last_kid = i;
    return i;
  }
  // Sets an attribute of the element added last (its attributes are the last ones).
  void set_attr(std::uint32_t e, std::string_view k, std::string_view v) {
    Elem& el = elems[e];
    for (std::uint32_t a = el.attr_begin; a < el.attr_end; ++a) {
      if (attrs[a].name == k) {
        attrs[a].value = v;
        return;
      }
    }
    attrs.push_back({k, v});
    el.attr_end = static_cast<std::uint32_t>(attrs.size());
  }
  const std::string_view* get(std::uint32_t e, std::string_view k) const {
    const Elem& el = elems[e];
    for (std::uint32_t a = el.attr_begin; a < el.attr_end; ++a) {
      if (attrs[a].name == k) return &attrs[a].value;
    }
    return nullptr;
  }
  bool has_kids(std::uint32_t e) const { return elems[e].first_kid != kNil; }
  // The element's text and its children's tails (ElementTree's view of mixed content).
  std::string_view full_text(std::uint32_t e) {
    const Elem& el = elems[e];
    std::string_view t = el.text;
    std::uint32_t own = kNil;
    for (std::uint32_t k = el.first_kid; k != kNil; k = elems[k].next) {
      append(t, own, elems[k].tail);
    }
    return t;
  }
};

class Emitter {
 public:
  explicit Emitter(Tree& tree) : tree_(tree) {}
  bool ok() const { return ok_; }

  void emit(const std::vector<XNode>& nodes, const std::vector<Value>* vals, std::uint32_t parent,
            int depth) {
    if (depth > 2 * kMaxDepth + 8) {
      ok_ = false;
      return;
    }
    for (const auto& n : nodes) {
      if (!ok_) return;
      switch (n.kind) {
        case XNode::Kind::kElement:
          emit_element(n, vals, parent, depth);
          break;
        case XNode::Kind::kText:
          tree_.add_text(parent, n.text);
          break;
        case XNode::Kind::kSub:
          emit_value(lookup(vals, n.index), parent, depth);
          break;
        case XNode::Kind::kInstance:
          if (n.tmpl) emit(*n.tmpl, &n.values, parent, depth + 1);
          break;
      }
    }
  }

 private:
  static const Value* lookup(const std::vector<Value>* vals, std::uint16_t i) {
    if (vals == nullptr || i >= vals->size()) return nullptr;
    return &(*vals)[i];
  }

  std::string_view join(const std::vector<std::string>& list, std::string_view sep) {
    if (list.size() == 1) return list[0];
    std::uint32_t own = tree_.arena->fresh();
    std::string& s = tree_.arena->at(own);
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i) s += sep;
      s += list[i];
    }
    return s;
  }

  void emit_value(const Value* v, std::uint32_t parent, int depth) {
    if (v == nullptr) return;
    switch (v->kind) {
      case Value::Kind::kNone:
        break;
      case Value::Kind::kText:
        tree_.add_text(parent, v->text);
        break;
      case Value::Kind::kXml:
        emit(v->xml, nullptr, parent, depth + 1);
        break;
      case Value::Kind::kList:
        if (!v->list.empty()) tree_.add_text(parent, join(v->list, "\n"));
        break;
    }
  }

  bool count() {
    if (++elements_ > kMaxElements) ok_ = false;
    return ok_;
  }

  void emit_element(const XNode& t, const std::vector<Value>* vals, std::uint32_t parent,
                    int depth) {
    // An element whose only content is one array substitution is repeated per item, as
    // Windows renders it (<Data>a</Data><Data>b</Data>).
    if (t.kids.size() == 1 && t.kids[0].kind == XNode::Kind::kSub && vals != nullptr) {
      const Value* v = lookup(vals, t.kids[0].index);
      if (v != nullptr && v->kind == Value::Kind::kList) {
        for (const auto& item : v->list) {
          if (!count()) return;
          std::uint32_t el = tree_.add_kid(parent, t.name);
          set_attrs(el, t, vals);
          tree_.elems[el].text = item;
        }
        return;
      }
    }
    if (!count()) return;
    std::uint32_t el = tree_.add_kid(parent, t.name);
    set_attrs(el, t, vals);
    emit(t.kids, vals, el, depth + 1);
  }

  void set_attrs(std::uint32_t el, const XNode& t, const std::vector<Value>* vals) {
    for (const auto& a : t.attrs) {
      std::string_view acc;
      std::uint32_t own = kNil;
      bool omit = false;
      for (const auto& p : a.parts) {
        if (p.kind == XNode::Kind::kText) {
          tree_.append(acc, own, p.text);
          continue;
        }
        const Value* v = lookup(vals, p.index);
        if (v == nullptr || v->kind == Value::Kind::kNone) {
          if (a.parts.size() == 1) omit = true;
        } else if (v->kind == Value::Kind::kList) {
          if (!v->list.empty()) tree_.append(acc, own, join(v->list, " "));
        } else if (v->kind == Value::Kind::kText) {
          tree_.append(acc, own, v->text);
        }
      }
      if (!omit) tree_.set_attr(el, a.name, acc);
    }
  }

  Tree& tree_;
  bool ok_ = true;
  std::size_t elements_ = 0;
};

// ---------------------------------------------------------------------------- flattening

constexpr std::array<std::string_view, 9> kSystemOrder = {
    "EventID", "Channel", "Provider_Name", "Computer", "TimeCreated",
    "EventRecordID", "Level", "Keywords", "Security_UserID"};

bool is_system_key(std::string_view k) {
  for (auto s : kSystemOrder) {
    if (s == k) return true;
  }
  return false;
}

// Python's str.isspace() for one code point.
bool py_space(std::uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

// Decodes the code point starting at s[i] (valid UTF-8); sets len.
std::uint32_t cp_at(std::string_view s, std::size_t i, std::size_t& len) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    len = 1;
    return c;
  }
  if (c < 0xE0) {
    len = 2;
    return ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
  }
  if (c < 0xF0) {
    len = 3;
    return ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
  }
  len = 4;
  return ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) |
         (s[i + 3] & 0x3F);
}

bool is_blank(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = 0;
    if (!py_space(cp_at(s, i, len))) return false;
    i += len;
  }
  return true;
}

std::string_view py_strip(std::string_view s) {
  std::size_t b = 0;
  while (b < s.size()) {
    std::size_t len = 0;
    if (!py_space(cp_at(s, b, len))) break;
    b += len;
  }
  std::size_t e = s.size();
  while (e > b) {
    std::size_t st = e - 1;
    while (st > b && (static_cast<unsigned char>(s[st]) & 0xC0) == 0x80) --st;
    std::size_t len = 0;
    if (!py_space(cp_at(s, st, len))) break;
    e = st;
  }
  return s.substr(b, e - b);
}

// A flat value: an integer (JSON number text) or a string. `leaf`: set by Flattener::leaves
// as a leaf of UserData and the like (a repeated leaf is joined to it).
struct FlatValue {
  bool number = false;
  bool leaf = false;
  std::string_view text;
};

// Insertion-ordered map, as a Python dict, of views (into the tree, the parsed values, the
// chunk's names or the Arena); reused from record to record.
class Flat {
 public:
  explicit Flat(Arena& arena) : arena_(arena) {}

  void clear() {
    items_.clear();
    index_.clear();
  }
  bool has(std::string_view k) const { return find(k) != kNone; }
  FlatValue& at(std::string_view k) { return items_[find(k)].second; }
  FlatValue* get(std::string_view k) {
    std::size_t i = find(k);
    return i == kNone ? nullptr : &items_[i].second;
  }
  void set(std::string_view k, FlatValue v) {
    std::size_t i = find(k);
    if (i != kNone) {
      items_[i].second = v;
      return;
    }
    if (!index_.empty() || items_.size() == kLinear) {
      if (index_.empty()) {
        for (std::size_t j = 0; j < items_.size(); ++j) index_.emplace(items_[j].first, j);
      }
      index_.emplace(k, items_.size());
    }
    items_.emplace_back(k, v);
  }
  // evtx2jsonl.py's _put: System names get "EventData_", taken names "_2", "_3", ...
  void put(std::string_view key, std::string_view val) {
    if (is_system_key(key)) key = arena_.keep("EventData_", key);
    if (has(key)) {
      std::string_view base = key;
      for (int n = 2;; ++n) {
        char num[16];
        auto r = std::to_chars(num, num + sizeof num, n);
        std::string_view k = arena_.keep(base, "_", std::string_view(num, r.ptr - num));
        if (!has(k)) {
          key = k;
          break;
        }
      }
    }
    set(key, {false, false, val});
  }
  const std::vector<std::pair<std::string_view, FlatValue>>& items() const { return items_; }

 private:
  // Events have a few dozen fields: a linear search beats hashing; a hash index is built only
  // for larger (hostile) events, so the cost stays linear in their size.
  static constexpr std::size_t kLinear = 48;
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::size_t find(std::string_view k) const {
    if (!index_.empty()) {
      auto it = index_.find(k);
      return it == index_.end() ? kNone : it->second;
    }
    for (std::size_t j = 0; j < items_.size(); ++j) {
      if (items_[j].first == k) return j;
    }
    return kNone;
  }

  Arena& arena_;
  std::vector<std::pair<std::string_view, FlatValue>> items_;
  std::unordered_map<std::string_view, std::size_t> index_;
};

// Python's int(text) for already stripped text, as a JSON number; false if not an integer.
bool as_int(std::string_view v, Arena& arena, std::string_view& out) {
  std::size_t i = 0;
  bool neg = false;
  if (i < v.size() && (v[i] == '+' || v[i] == '-')) neg = v[i++] == '-';
  if (i == v.size()) return false;
  for (std::size_t j = i; j < v.size(); ++j) {
    if (v[j] < '0' || v[j] > '9') return false;
  }
  while (i + 1 < v.size() && v[i] == '0') ++i;
  std::string_view digits = v.substr(i);
  out = neg && digits != "0" ? arena.keep("-", digits) : digits;
  return true;
}

std::string_view normalize_systemtime(std::string_view text, Arena& arena) {
  if (text.empty()) return text;
  std::string& s = arena.at(arena.fresh());
  s.assign(py_strip(text));
  if (auto sp = s.find(' '); sp != std::string::npos) s[sp] = 'T';
  if (!s.empty() && s.back() == 'Z') {
    s.pop_back();
  } else if (s.size() >= 6 && s.compare(s.size() - 6, 6, "+00:00") == 0) {
    s.resize(s.size() - 6);
  }
  std::size_t dot = s.find('.');
  std::string frac = dot == std::string::npos ? std::string() : s.substr(dot + 1);
  if (dot != std::string::npos) s.resize(dot);
  frac += "000000";
  // Python slices code points; the fraction is ASCII digits in every real file.
  frac.resize(6);
  s += '.';
  s += frac;
  s += 'Z';
  return s;
}

class Flattener {
 public:
  Flattener(Tree& tree, Flat& payload) : tree_(tree), payload_(payload) {}

  void leaves(std::uint32_t e, std::string_view parent_tag) {
    Arena& arena = *tree_.arena;
    const Elem& el = tree_.elems[e];
    for (std::uint32_t a = el.attr_begin; a < el.attr_end; ++a) {
      std::string_view an = tree_.attrs[a].name;
      if (an.substr(0, 5) == "xmlns" || (el.tag == "Data" && an == "Name")) continue;
      payload_.put(arena.keep(el.tag, "_", an), tree_.attrs[a].value);
    }
    if (!tree_.has_kids(e)) {
      std::string_view key = el.tag;
      if (el.tag == "Data") {
        const std::string_view* n = tree_.get(e, "Name");
        if (n != nullptr && !n->empty()) key = *n;
      }
      std::string_view v = tree_.full_text(e);
      if (is_blank(v)) v = {};
      FlatValue* cur = payload_.get(key);
      if (cur != nullptr && cur->leaf) {
        cur->text = arena.keep(cur->text, "\n", v);
      } else if (cur != nullptr || is_system_key(key)) {
        payload_.put(parent_tag.empty() ? key : arena.keep(parent_tag, "_", key), v);
      } else {
        payload_.set(key, {false, true, v});
      }
      return;
    }
    for (std::uint32_t k = el.first_kid; k != kNil; k = tree_.elems[k].next) {
      leaves(k, tree_.elems[e].tag);
    }
  }

 private:
  Tree& tree_;
  Flat& payload_;
};

// Flattens the <Event> element `ev` and writes it to `out` as one JSON object. `sys` and
// `payload` are scratch maps (cleared here).
void flatten_event(Tree& tree, std::uint32_t ev, Flat& sys, Flat& payload, std::string& out) {
  Arena& arena = *tree.arena;
  sys.clear();
  payload.clear();
  std::uint32_t sysel = kNil;
  for (std::uint32_t c = tree.elems[ev].first_kid; c != kNil; c = tree.elems[c].next) {
    if (tree.elems[c].tag == "System") {
      sysel = c;
      break;
    }
  }
  if (sysel != kNil) {
    for (std::uint32_t c = tree.elems[sysel].first_kid; c != kNil; c = tree.elems[c].next) {
      std::string_view t = tree.elems[c].tag;
      if (t == "Provider") {
        if (const std::string_view* n = tree.get(c, "Name")) sys.set("Provider_Name", {false, false, *n});
      } else if (t == "EventID" || t == "EventRecordID" || t == "Level") {
        std::string_view v = py_strip(tree.full_text(c));
        std::string_view num;
        if (as_int(v, arena, num)) {
          sys.set(t, {true, false, num});
        } else {
          sys.set(t, {false, false, v});
        }
      } else if (t == "Keywords") {
        std::string_view v = py_strip(tree.full_text(c));
        if (v.substr(0, 2) == "0x" && v.size() > 2 &&
            v.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string_view::npos) {
          std::string_view digits = v.substr(2);
          std::size_t nz = digits.find_first_not_of('0');
          digits = nz == std::string_view::npos ? "0" : digits.substr(nz);
          std::string& k = arena.at(arena.fresh());
          k = "0x";
          if (digits.size() < 16) k.append(16 - digits.size(), '0');
          for (char ch : digits) k += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          v = k;
        }
        sys.set("Keywords", {false, false, v});
      } else if (t == "TimeCreated") {
        const std::string_view* st = tree.get(c, "SystemTime");
        sys.set("TimeCreated", {false, false, normalize_systemtime(st ? *st : std::string_view(), arena)});
      } else if (t == "Channel" || t == "Computer") {
        sys.set(t, {false, false, tree.full_text(c)});
      } else if (t == "Security") {
        const std::string_view* u = tree.get(c, "UserID");
        if (u != nullptr && !u->empty()) sys.set("Security_UserID", {false, false, *u});
      }
    }
  }
  Flattener fl(tree, payload);
  for (std::uint32_t child = tree.elems[ev].first_kid; child != kNil; child = tree.elems[child].next) {
    std::string_view t = tree.elems[child].tag;
    if (t == "System" || t == "RenderingInfo") continue;
    if (t == "EventData") {
      std::string_view unnamed;
      std::uint32_t unnamed_own = kNil;
      bool any = false;
      std::size_t n_unnamed = 0;
      for (std::uint32_t d = tree.elems[child].first_kid; d != kNil; d = tree.elems[d].next) {
        std::string_view dt = tree.elems[d].tag;
        if (dt == "Data") {
          const std::string_view* name = tree.get(d, "Name");
          std::string_view v = tree.full_text(d);
          if (name != nullptr && !name->empty()) {
            payload.put(*name, v);
          } else {
            // Unnamed Data items are joined with "\n" (an empty item still counts).
            if (n_unnamed++ > 0) tree.append(unnamed, unnamed_own, "\n");
            tree.append(unnamed, unnamed_own, v);
            any = any || !v.empty();
          }
        } else if (dt == "Binary") {
          std::string_view v = py_strip(tree.full_text(d));
          if (!v.empty()) {
            std::string& b = arena.at(arena.fresh());
            for (char ch : v) b += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            payload.put("Binary", b);
          }
        } else {
          fl.leaves(d, "EventData");
        }
      }
      if (any) payload.put("Data", unnamed);
      continue;
    }
    if (!tree.has_kids(child)) {
      std::string_view v = py_strip(tree.full_text(child));
      if (!v.empty()) payload.put(t, v);
    }
    for (std::uint32_t k = tree.elems[child].first_kid; k != kNil; k = tree.elems[k].next) {
      if (tree.has_kids(k)) {
        const Elem& ke = tree.elems[k];
        for (std::uint32_t a = ke.attr_begin; a < ke.attr_end; ++a) {
          std::string_view an = tree.attrs[a].name;
          if (an.substr(0, 5) != "xmlns") payload.put(arena.keep(ke.tag, "_", an), tree.attrs[a].value);
        }
        for (std::uint32_t kk = ke.first_kid; kk != kNil; kk = tree.elems[kk].next) {
          fl.leaves(kk, tree.elems[k].tag);
        }
      } else {
        fl.leaves(k, t);
      }
    }
  }
  // System fields first, in their order, then the payload (whose keys never collide with
  // System keys: put() renames them EventData_<key>).
  out += '{';
  bool first = true;
  auto field = [&](std::string_view k, const FlatValue& v) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':';
    if (v.number) {
      out += v.text;
    } else {
      append_json_string(out, v.text);
    }
  };
  for (auto key : kSystemOrder) {
    if (const FlatValue* v = sys.get(key)) field(key, *v);
  }
  for (const auto& [k, v] : payload.items()) field(k, v);
  out += '}';
}

std::uint32_t crc(std::string_view s, std::size_t b, std::size_t e) {
  return static_cast<std::uint32_t>(
      ::crc32(0, reinterpret_cast<const Bytef*>(s.data() + b), static_cast<uInt>(e - b)));
}

}  // namespace

void decode_evtx_chunk(std::string_view chunk, std::uint64_t index, std::string& out,
                       std::vector<EvtxRecordOut>& records,
                       std::vector<EvtxProblemOut>& problems) {
  const std::string where = "chunk " + std::to_string(index);
  if (chunk.size() > kEvtxChunkSize) chunk = chunk.substr(0, kEvtxChunkSize);
  if (chunk.size() < kEvtxChunkHeaderSize) {
    problems.push_back({0, where + ": truncated chunk header"});
    return;
  }
  const auto* d = reinterpret_cast<const unsigned char*>(chunk.data());
  std::uint32_t free_off = le32(d + 0x30);
  std::size_t end = free_off >= 0x200 && free_off <= kEvtxChunkSize ? free_off : kEvtxChunkSize;
  // The header checksum covers bytes 0..0x78 and 0x80..0x200 (0x78..0x80 hold the data
  // checksum's neighbours: flags and the checksum itself).
  std::uint32_t header_crc = static_cast<std::uint32_t>(
      ::crc32(::crc32(0, reinterpret_cast<const Bytef*>(d), 0x78),
              reinterpret_cast<const Bytef*>(d + 0x80), 0x200 - 0x80));
  if (header_crc != le32(d + 0x7C)) {
    problems.push_back({0, where + ": bad chunk header checksum"});
  }
  if (chunk.size() < kEvtxChunkSize) {
    problems.push_back({0, where + ": truncated (" + std::to_string(chunk.size()) +
                               " of 65536 bytes)"});
  } else if (end <= chunk.size() && crc(chunk, 0x200, end) != le32(d + 0x34)) {
    problems.push_back({0, where + ": bad event records checksum"});
  }
  BinXml bx(chunk);
  Arena arena;
  Tree tree;
  tree.arena = &arena;
  Flat sys(arena);
  Flat payload(arena);
  std::size_t p = kEvtxChunkHeaderSize;
  while (p + 24 <= end && p + 24 <= chunk.size()) {
    if (std::memcmp(d + p, "**\0\0", 4) != 0) {
      if (p < end) {
        problems.push_back({0, where + ": no record magic at offset " + std::to_string(p) +
                                   "; rest of the chunk skipped"});
      }
      break;
    }
    std::uint32_t size = le32(d + p + 4);
    std::uint64_t rid = le64(d + p + 8);
    if (size >= 28 && p + size <= kEvtxChunkSize && p + size > chunk.size()) {
      problems.push_back({rid, where + " record " + std::to_string(rid) +
                                   ": cut by the end of the file"});
      break;
    }
    if (size < 28 || p + size > kEvtxChunkSize) {
      problems.push_back({rid, where + " record " + std::to_string(rid) +
                                   ": bad record size " + std::to_string(size) +
                                   "; rest of the chunk skipped"});
      break;
    }
    bx.reset_error();
    std::size_t pos = p + 24;
    std::vector<XNode> nodes = bx.parse_fragment(pos, p + size - 4, false, 0);
    std::string error = bx.error();
    arena.reset();
    tree.reset();
    if (error.empty()) {
      Emitter em(tree);
      em.emit(nodes, nullptr, 0, 0);
      if (!em.ok()) error = "record too large or nested too deeply";
    }
    std::uint32_t ev = kNil;
    if (error.empty()) {
      for (std::uint32_t c = tree.elems[0].first_kid; c != kNil; c = tree.elems[c].next) {
        if (tree.elems[c].tag == "Event") {
          ev = c;
          break;
        }
      }
      if (ev == kNil) error = "record has no <Event>";
    }
    if (!error.empty()) {
      problems.push_back({rid, where + " record " + std::to_string(rid) + ": " + error});
    } else {
      std::size_t at = out.size();
      flatten_event(tree, ev, sys, payload, out);
      records.push_back({at, out.size() - at, rid});
      out += '\n';
    }
    p += size;
  }
}

}  // namespace rasid::input::detail
