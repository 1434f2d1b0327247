#include "input/detail/evtx_chunk.h"

#include <zlib.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

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
  s.reserve(bytes);
  for (std::size_t i = ascii; i < n; ++i) {
    std::uint32_t u = p[2 * i] | (p[2 * i + 1] << 8);
    if (u >= 0xD800 && u < 0xDC00) {
      if (i + 1 < n) {
        std::uint32_t v = p[2 * i + 2] | (p[2 * i + 3] << 8);
        if (v >= 0xDC00 && v < 0xE000) {
          put_utf8(s, 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00));
          ++i;
          continue;
        }
      }
      put_utf8(s, kReplacement);
    } else if (u >= 0xDC00 && u < 0xE000) {
      put_utf8(s, kReplacement);
    } else {
      put_utf8(s, u);
    }
  }
  if (bytes % 2) put_utf8(s, kReplacement);
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
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%06u%u00Z",
                static_cast<long long>(y), m, d, static_cast<unsigned>(sod / 3600),
                static_cast<unsigned>(sod / 60 % 60), static_cast<unsigned>(sod % 60),
                static_cast<unsigned>(us % 1000000), static_cast<unsigned>(q % 10));
  return buf;
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

std::string format_guid(const unsigned char* p, std::size_t n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "{%08X-%04X-%04X-", le32(p), le16(p + 4), le16(p + 6));
  std::string r = hex_upper(p + 8, std::min<std::size_t>(n, 16) - 8);
  return buf + r.substr(0, 4) + "-" + (r.size() > 4 ? r.substr(4) : std::string()) + "}";
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
  std::string text;  // kText; the name of a kElement
  std::uint16_t index = 0;  // kSub
  std::vector<Attr> attrs;  // kElement
  std::vector<XNode> kids;  // kElement
  std::shared_ptr<const std::vector<XNode>> tmpl;  // kInstance
  std::vector<Value> values;                       // kInstance
};

struct Attr {
  std::string name;
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
        if (!element_header(pos, in_template, el.text)) return out;
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
        std::string nm;
        if (!name(pos, nm)) return out;
        XNode v;
        v.text = entity(nm);
        cur->push_back(std::move(v));
        continue;
      }
      if (t == 0x0A) {
        ++pos;
        std::string nm;
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

  static std::string entity(const std::string& nm) {
    if (nm == "lt") return "<";
    if (nm == "gt") return ">";
    if (nm == "amp") return "&";
    if (nm == "quot") return "\"";
    if (nm == "apos") return "'";
    return "&" + nm + ";";
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

  bool name(std::size_t& pos, std::string& out) {
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
  bool element_header(std::size_t& pos, bool in_template, std::string& out) {
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
        std::string nm;
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

// The rendered XML of a record, as ElementTree holds it (text, tail, ordered attributes).
struct Elem {
  std::string tag;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string text;
  std::string tail;
  std::vector<Elem> kids;

  void set(const std::string& k, std::string v) {
    for (auto& a : attrs) {
      if (a.first == k) {
        a.second = std::move(v);
        return;
      }
    }
    attrs.emplace_back(k, std::move(v));
  }
  const std::string* get(std::string_view k) const {
    for (const auto& a : attrs) {
      if (a.first == k) return &a.second;
    }
    return nullptr;
  }
  void add_text(const std::string& s) {
    if (s.empty()) return;
    if (kids.empty()) {
      text += s;
    } else {
      kids.back().tail += s;
    }
  }
  // The element's text and its children's tails (ElementTree's view of mixed content),
  // moved out: flattening reads each element's text once.
  std::string take_text() {
    std::string t = std::move(text);
    for (const auto& k : kids) t += k.tail;
    return t;
  }
};

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += v[i];
  }
  return s;
}

class Emitter {
 public:
  bool ok() const { return ok_; }

  void emit(const std::vector<XNode>& nodes, const std::vector<Value>* vals, Elem& parent,
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
          parent.add_text(n.text);
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

  void emit_value(const Value* v, Elem& parent, int depth) {
    if (v == nullptr) return;
    switch (v->kind) {
      case Value::Kind::kNone:
        break;
      case Value::Kind::kText:
        parent.add_text(v->text);
        break;
      case Value::Kind::kXml:
        emit(v->xml, nullptr, parent, depth + 1);
        break;
      case Value::Kind::kList:
        parent.add_text(join(v->list, "\n"));
        break;
    }
  }

  bool count() {
    if (++elements_ > kMaxElements) ok_ = false;
    return ok_;
  }

  void emit_element(const XNode& t, const std::vector<Value>* vals, Elem& parent, int depth) {
    // An element whose only content is one array substitution is repeated per item, as
    // Windows renders it (<Data>a</Data><Data>b</Data>).
    if (t.kids.size() == 1 && t.kids[0].kind == XNode::Kind::kSub && vals != nullptr) {
      const Value* v = lookup(vals, t.kids[0].index);
      if (v != nullptr && v->kind == Value::Kind::kList) {
        for (const auto& item : v->list) {
          if (!count()) return;
          Elem& el = parent.kids.emplace_back();
          el.tag = t.text;
          set_attrs(el, t, vals);
          el.text = item;
        }
        return;
      }
    }
    if (!count()) return;
    Elem& el = parent.kids.emplace_back();
    el.tag = t.text;
    set_attrs(el, t, vals);
    emit(t.kids, vals, el, depth + 1);
  }

  static void set_attrs(Elem& el, const XNode& t, const std::vector<Value>* vals) {
    for (const auto& a : t.attrs) {
      std::string acc;
      bool omit = false;
      for (const auto& p : a.parts) {
        if (p.kind == XNode::Kind::kText) {
          acc += p.text;
          continue;
        }
        const Value* v = lookup(vals, p.index);
        if (v == nullptr || v->kind == Value::Kind::kNone) {
          if (a.parts.size() == 1) omit = true;
        } else if (v->kind == Value::Kind::kList) {
          acc += join(v->list, " ");
        } else if (v->kind == Value::Kind::kText) {
          acc += v->text;
        }
      }
      if (!omit) el.set(a.name, std::move(acc));
    }
  }

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

std::string py_strip(std::string_view s) {
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
  return std::string(s.substr(b, e - b));
}

// A flat value: an integer (JSON number text) or a string.
struct FlatValue {
  bool number = false;
  std::string text;
};

// Insertion-ordered map, as a Python dict.
class Flat {
 public:
  bool has(const std::string& k) const { return find(k) != kNone; }
  FlatValue& at(const std::string& k) { return items_[find(k)].second; }
  void set(const std::string& k, FlatValue v) {
    std::size_t i = find(k);
    if (i != kNone) {
      items_[i].second = std::move(v);
      return;
    }
    if (!index_.empty() || items_.size() == kLinear) {
      if (index_.empty()) {
        for (std::size_t j = 0; j < items_.size(); ++j) index_.emplace(items_[j].first, j);
      }
      index_.emplace(k, items_.size());
    }
    items_.emplace_back(k, std::move(v));
  }
  // evtx2jsonl.py's _put: System names get "EventData_", taken names "_2", "_3", ...
  void put(std::string key, std::string val) {
    if (is_system_key(key)) key = "EventData_" + key;
    if (has(key)) {
      for (int n = 2;; ++n) {
        std::string k = key + "_" + std::to_string(n);
        if (!has(k)) {
          key = std::move(k);
          break;
        }
      }
    }
    set(key, {false, std::move(val)});
  }
  const std::vector<std::pair<std::string, FlatValue>>& items() const { return items_; }
  // Moves the items out; the map is empty afterwards.
  std::vector<std::pair<std::string, FlatValue>> take() {
    index_.clear();
    return std::move(items_);
  }

 private:
  // Events have a few dozen fields: a linear search beats hashing; a hash index is built only
  // for larger (hostile) events, so the cost stays linear in their size.
  static constexpr std::size_t kLinear = 48;
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::size_t find(const std::string& k) const {
    if (!index_.empty()) {
      auto it = index_.find(k);
      return it == index_.end() ? kNone : it->second;
    }
    for (std::size_t j = 0; j < items_.size(); ++j) {
      if (items_[j].first == k) return j;
    }
    return kNone;
  }

  std::vector<std::pair<std::string, FlatValue>> items_;
  std::unordered_map<std::string, std::size_t> index_;
};

// Python's int(text) for already stripped text, as a JSON number; false if not an integer.
bool as_int(const std::string& v, std::string& out) {
  std::size_t i = 0;
  bool neg = false;
  if (i < v.size() && (v[i] == '+' || v[i] == '-')) neg = v[i++] == '-';
  if (i == v.size()) return false;
  for (std::size_t j = i; j < v.size(); ++j) {
    if (v[j] < '0' || v[j] > '9') return false;
  }
  while (i + 1 < v.size() && v[i] == '0') ++i;
  out = (neg && v.substr(i) != "0" ? "-" : "") + v.substr(i);
  return true;
}

std::string normalize_systemtime(std::string s) {
  if (s.empty()) return s;
  s = py_strip(s);
  if (auto sp = s.find(' '); sp != std::string::npos) s[sp] = 'T';
  if (!s.empty() && s.back() == 'Z') {
    s.pop_back();
  } else if (s.size() >= 6 && s.compare(s.size() - 6, 6, "+00:00") == 0) {
    s.resize(s.size() - 6);
  }
  std::string head = s;
  std::string frac;
  if (auto dot = s.find('.'); dot != std::string::npos) {
    head = s.substr(0, dot);
    frac = s.substr(dot + 1);
  }
  frac += "000000";
  // Python slices code points; the fraction is ASCII digits in every real file.
  frac.resize(6);
  return head + "." + frac + "Z";
}

class Flattener {
 public:
  explicit Flattener(Flat& payload) : payload_(payload) {}

  void leaves(Elem& el, const std::string& parent_tag) {
    for (const auto& [an, av] : el.attrs) {
      if (an.rfind("xmlns", 0) == 0 || (el.tag == "Data" && an == "Name")) continue;
      payload_.put(el.tag + "_" + an, av);
    }
    if (el.kids.empty()) {
      std::string key = el.tag;
      if (el.tag == "Data") {
        const std::string* n = el.get("Name");
        if (n != nullptr && !n->empty()) key = *n;
      }
      std::string v = el.take_text();
      if (is_blank(v)) v.clear();
      if (leaves_.count(key)) {
        FlatValue& cur = payload_.at(key);
        cur.text += "\n" + v;
      } else if (payload_.has(key) || is_system_key(key)) {
        payload_.put(parent_tag.empty() ? key : parent_tag + "_" + key, std::move(v));
      } else {
        payload_.set(key, {false, std::move(v)});
        leaves_.insert(key);
      }
      return;
    }
    for (auto& c : el.kids) leaves(c, el.tag);
  }

 private:
  Flat& payload_;
  std::set<std::string> leaves_;
};

void flatten_event(Elem& ev, Flat& res) {
  Flat sys;
  Flat payload;
  Elem* sysel = nullptr;
  for (auto& c : ev.kids) {
    if (c.tag == "System") {
      sysel = &c;
      break;
    }
  }
  if (sysel != nullptr) {
    for (auto& c : sysel->kids) {
      const std::string& t = c.tag;
      if (t == "Provider") {
        if (const std::string* n = c.get("Name")) sys.set("Provider_Name", {false, *n});
      } else if (t == "EventID" || t == "EventRecordID" || t == "Level") {
        std::string v = py_strip(c.take_text());
        std::string num;
        if (as_int(v, num)) {
          sys.set(t, {true, num});
        } else {
          sys.set(t, {false, std::move(v)});
        }
      } else if (t == "Keywords") {
        std::string v = py_strip(c.take_text());
        if (v.rfind("0x", 0) == 0 && v.size() > 2 &&
            v.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos) {
          std::string digits = v.substr(2);
          for (auto& ch : digits) ch = static_cast<char>(std::tolower(ch));
          std::size_t nz = digits.find_first_not_of('0');
          digits = nz == std::string::npos ? "0" : digits.substr(nz);
          if (digits.size() < 16) digits.insert(0, 16 - digits.size(), '0');
          v = "0x" + digits;
        }
        sys.set("Keywords", {false, std::move(v)});
      } else if (t == "TimeCreated") {
        const std::string* st = c.get("SystemTime");
        sys.set("TimeCreated", {false, normalize_systemtime(st ? *st : std::string())});
      } else if (t == "Channel" || t == "Computer") {
        sys.set(t, {false, c.take_text()});
      } else if (t == "Security") {
        const std::string* u = c.get("UserID");
        if (u != nullptr && !u->empty()) sys.set("Security_UserID", {false, *u});
      }
    }
  }
  Flattener fl(payload);
  for (auto& child : ev.kids) {
    const std::string& t = child.tag;
    if (t == "System" || t == "RenderingInfo") continue;
    if (t == "EventData") {
      std::vector<std::string> unnamed;
      for (auto& d : child.kids) {
        if (d.tag == "Data") {
          const std::string* name = d.get("Name");
          std::string v = d.take_text();
          if (name != nullptr && !name->empty()) {
            payload.put(*name, std::move(v));
          } else {
            unnamed.push_back(std::move(v));
          }
        } else if (d.tag == "Binary") {
          std::string v = py_strip(d.take_text());
          for (auto& ch : v) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
          if (!v.empty()) payload.put("Binary", std::move(v));
        } else {
          fl.leaves(d, "EventData");
        }
      }
      bool any = false;
      for (const auto& u : unnamed) any = any || !u.empty();
      if (any) payload.put("Data", join(unnamed, "\n"));
      continue;
    }
    if (child.kids.empty()) {
      std::string v = py_strip(child.take_text());
      if (!v.empty()) payload.put(t, std::move(v));
    }
    for (auto& k : child.kids) {
      if (!k.kids.empty()) {
        for (const auto& [an, av] : k.attrs) {
          if (an.rfind("xmlns", 0) != 0) payload.put(k.tag + "_" + an, av);
        }
        for (auto& kk : k.kids) fl.leaves(kk, k.tag);
      } else {
        fl.leaves(k, t);
      }
    }
  }
  for (auto key : kSystemOrder) {
    std::string k(key);
    if (sys.has(k)) res.set(k, std::move(sys.at(k)));
  }
  for (auto& [k, v] : payload.take()) res.set(k, std::move(v));
}

void json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        char b[8];
        std::snprintf(b, sizeof b, "\\u%04x", c);
        out += b;
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void write_json(const Flat& f, std::string& out) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : f.items()) {
    if (!first) out += ',';
    first = false;
    json_string(out, k);
    out += ':';
    if (v.number) {
      out += v.text;
    } else {
      json_string(out, v.text);
    }
  }
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
    Elem root;
    if (error.empty()) {
      Emitter em;
      em.emit(nodes, nullptr, root, 0);
      if (!em.ok()) error = "record too large or nested too deeply";
    }
    Elem* ev = nullptr;
    if (error.empty()) {
      for (auto& c : root.kids) {
        if (c.tag == "Event") {
          ev = &c;
          break;
        }
      }
      if (ev == nullptr) error = "record has no <Event>";
    }
    if (!error.empty()) {
      problems.push_back({rid, where + " record " + std::to_string(rid) + ": " + error});
    } else {
      Flat flat;
      flatten_event(*ev, flat);
      std::size_t at = out.size();
      write_json(flat, out);
      records.push_back({at, out.size() - at, rid});
      out += '\n';
    }
    p += size;
  }
}

}  // namespace rasid::input::detail
