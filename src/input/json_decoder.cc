#include "input/json_decoder.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <simdjson.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <utility>

namespace rasid::input {

namespace ondemand = simdjson::ondemand;
using event::FieldId;
using event::ValueKind;

namespace {

// Deeper values are skipped, not decoded: no log format nests this far, and it bounds the
// recursion (simdjson itself allows 1024 levels) so a hostile record cannot blow the stack.
constexpr int kMaxNesting = 64;

// The flat convention's System keys, in output order (shared/tools/evtx2jsonl.py).
constexpr std::array<std::string_view, 9> kSystemKeys = {
    "EventID",       "Channel", "Provider_Name", "Computer",       "TimeCreated",
    "EventRecordID", "Level",   "Keywords",      "Security_UserID"};
enum SystemSlot : std::size_t {
  kEventId,
  kChannel,
  kProviderName,
  kComputer,
  kTimeCreated,
  kEventRecordId,
  kLevel,
  kKeywords,
  kSecurityUserId,
};

bool is_system_key(std::string_view key) {
  for (auto k : kSystemKeys) {
    if (k == key) return true;
  }
  return false;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool is_integer_text(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A JSON number token (RFC 8259 grammar), validated here because On-Demand only looks at its
// first byte when telling types apart, and we hand the token's text on as the value.
bool classify_number(std::string_view s, ValueKind& kind) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  auto digits = [&] {
    std::size_t from = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (i < n && s[i] == '-') ++i;
  if (i < n && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  kind = ValueKind::kInt;
  if (i < n && s[i] == '.') {
    ++i;
    if (!digits()) return false;
    kind = ValueKind::kFloat;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
    kind = ValueKind::kFloat;
  }
  return i == n;
}

// evtx_dump writes GUID-typed values bare ("0197231E-99CA-..."); Windows, and so the flat
// convention, renders them upper-case in braces.
bool is_bare_guid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------- key cache

// Remembers which FieldId a key had (or that it has none), so the keys every record repeats
// skip the table's hash lookup (about a fifth of decode time otherwise). Each slot holds the
// key's bytes, and the cache is emptied whenever the table's generation changes (a new table,
// or one that grew), so an entry can never give a wrong answer.
class KeyCache {
 public:
  // The hit path is small and inlined into the walk; the rest is out of line (when the
  // compiler chose not to inline the whole, the walk paid a call per key: +0.4k instructions
  // per bench event).
  [[nodiscard]] [[gnu::always_inline]] FieldId find(const event::FieldTable& table,
                                                    std::string_view key) {
    if (generation_ == table.generation() && key.size() <= kMaxKey) {
      // Two ways: a key is looked for in its slot and in the slot's neighbour (index ^ 1), so
      // two keys of one record that hash to the same slot do not evict each other (195 keys
      // of the bench events in 512 slots collide 28 times, e.g. User and CommandLine of
      // Sysmon 1).
      const std::size_t i = index(key);
      if (const Slot& s = slots_[i]; s.length == key.size() && same_bytes(s.key, key.data(), key.size())) {
        return s.id;
      }
      if (const Slot& s = slots_[i ^ 1];
          s.length == key.size() && same_bytes(s.key, key.data(), key.size())) {
        return s.id;
      }
    }
    return miss(table, key);
  }

 private:
  [[gnu::noinline]] FieldId miss(const event::FieldTable& table, std::string_view key) {
    if (generation_ != table.generation()) {
      for (Slot& s : slots_) s.length = kEmpty;
      generation_ = table.generation();
    }
    if (key.size() > kMaxKey) return table.find(key);
    const std::size_t i = index(key);
    Slot* slot = &slots_[i];
    if (slot->length != kEmpty && slots_[i ^ 1].length == kEmpty) slot = &slots_[i ^ 1];
    const FieldId id = table.find(key);
    slot->id = id;
    slot->length = static_cast<std::uint8_t>(key.size());
    std::memcpy(slot->key, key.data(), key.size());
    return id;
  }

  // a[0, n) == b[0, n) for n <= kMaxKey, inline: a library memcmp call costs more than the
  // comparison of a short key (measured: ~30 instructions per key of the bench events).
  static bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
    if (n < 8) {
      for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return false;
      }
      return true;
    }
    std::uint64_t x;
    std::uint64_t y;
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      if (x != y) return false;
    }
    std::memcpy(&x, a + n - 8, 8);  // the last 8 bytes, overlapping the loop's last word
    std::memcpy(&y, b + n - 8, 8);
    return x == y;
  }

  static std::size_t index(std::string_view key) {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    const std::size_t n = key.size();
    if (n >= 8) {
      std::memcpy(&a, key.data(), 8);
      std::memcpy(&b, key.data() + n - 8, 8);
    } else {
      std::memcpy(&a, key.data(), n);
    }
    std::uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + n) * 0xC2B2AE3D27D4EB4Full;
    return static_cast<std::size_t>(h >> (64 - kBits));
  }
  static constexpr int kBits = 9;  // 512 slots: more than the distinct keys of most sources
  // Keys up to this length are cached (Windows and Zeek keys are far shorter); a slot is then
  // 48 bytes, and the cache 24 KiB.
  static constexpr std::size_t kMaxKey = 42;
  static constexpr std::uint8_t kEmpty = 0xff;
  struct Slot {
    FieldId id = event::kNoField;
    std::uint8_t length = kEmpty;
    char key[kMaxKey];
  };
  std::array<Slot, std::size_t{1} << kBits> slots_{};
  std::uint64_t generation_ = 0;  // 0 is never a table's generation
};

// ---------------------------------------------------------------------------- sinks

// Where decoded values go. EventSink keeps only the fields of the event's table (and all
// values as keywords when asked); FullSink keeps everything, for output.
class EventSink {
 public:
  EventSink(event::Event& e, KeyCache& cache)
      : event_(e), table_(*e.table()), cache_(cache), all_(table_.collect_all_values()) {}
  [[nodiscard]] bool wants_below(std::string_view prefix) const {
    return all_ || table_.has_prefix(prefix);
  }
  [[nodiscard]] FieldId lookup(std::string_view name) { return cache_.find(table_, name); }
  [[nodiscard]] bool wants(FieldId id) const { return all_ || id != event::kNoField; }
  [[nodiscard]] bool collects_keywords() const { return all_; }
  void joined_keywords(std::string_view joined) { event_.set_joined_keywords(joined); }
  // `text` must live until the next decode.
  void add(std::string_view /*name*/, FieldId id, ValueKind kind, std::string_view text) {
    if (id != event::kNoField) event_.add(id, event::Value{kind, text});
    if (all_ && kind != ValueKind::kNull) event_.add_keyword(text);
  }

 private:
  event::Event& event_;
  const event::FieldTable& table_;
  KeyCache& cache_;
  bool all_;
};

class FullSink {
 public:
  explicit FullSink(FlatObject& out) : out_(out) {}
  [[nodiscard]] bool wants_below(std::string_view /*prefix*/) const { return true; }
  [[nodiscard]] FieldId lookup(std::string_view /*name*/) const { return 0; }
  [[nodiscard]] bool wants(FieldId /*id*/) const { return true; }
  void add(std::string_view name, FieldId /*id*/, ValueKind kind, std::string_view text) {
    out_.push_back(FlatField{std::string(name), kind, std::string(text)});
  }

 private:
  FlatObject& out_;
};

}  // namespace

// ---------------------------------------------------------------------------- decoder

struct JsonDecoder::Impl {
  ondemand::parser parser;
  KeyCache keys;
  std::string_view input;   // the record being decoded (for error offsets)
  ondemand::document doc;
  bool doc_valid = false;   // `doc` refers to the current record (stale after a failed iterate)
  std::string path;         // dotted name of the value being decoded; reused

  // Nested (evtx_dump) form: System values by slot, payload in document order.
  struct Slot {
    bool present = false;
    ValueKind kind = ValueKind::kString;
    std::string_view text;
  };
  struct Entry {
    std::string_view name;
    std::string_view text;
    bool leaf = false;  // a UserData leaf: a repeat of its name is joined, not renamed
  };
  std::array<Slot, kSystemKeys.size()> system;
  std::vector<Entry> payload;
  // Strings the nested form composes (renamed keys, joined values, normalized times);
  // a deque so views stay put while it grows, reused across records.
  std::deque<std::string> pool;
  std::size_t pool_used = 0;
  std::vector<std::string_view> items;  // unnamed Data values being joined

  // -------------------------------------------------------------------- helpers

  std::string_view compose(std::initializer_list<std::string_view> parts) {
    if (pool_used == pool.size()) pool.emplace_back();
    std::string& s = pool[pool_used++];
    s.clear();
    for (auto p : parts) s.append(p);
    return s;
  }

  // Byte offset of the parse position in the record, or npos before a document exists.
  [[nodiscard]] std::size_t offset() {
    if (!doc_valid) return std::string::npos;
    const char* at = nullptr;
    if (doc.current_location().get(at) != simdjson::SUCCESS || at == nullptr) {
      return input.size();
    }
    return static_cast<std::size_t>(at - input.data());
  }

  [[nodiscard]] tl::unexpected<Error> json_error(simdjson::error_code e) {
    std::string msg = simdjson::error_message(e);
    if (!msg.empty()) msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
    while (!msg.empty() && (msg.back() == '.' || is_blank(msg.back()))) msg.pop_back();
    std::size_t at = offset();
    if (at == std::string::npos) return fail(ErrorCode::kParse, "invalid json: " + msg);
    return fail(ErrorCode::kParse, "invalid json near byte " + std::to_string(at) + ": " + msg);
  }

  // -------------------------------------------------------------------- flat form

  // The key of `field`. A key without escapes is read in place from the record (no copy into
  // the parser's string buffer); keys are only looked up or copied, never kept in the event.
  simdjson::error_code key_of(ondemand::field& field, std::string_view& key) {
    const char* begin = field.key().raw();
    const char* p = begin;
    // The first byte that is '"' or '\\' ends the scan: 16 bytes at a time with SSE2 (most
    // keys end in the first block; 8 bytes at a time, SWAR, cost ~15 instructions more per
    // key), else 8. Reading past the key is safe: stage 1 found the closing quote inside the
    // record, and the record is followed by SIMDJSON_PADDING readable bytes.
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    for (;;) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const int hit =
          _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
      if (hit != 0) {
        p += __builtin_ctz(static_cast<unsigned>(hit));
        break;
      }
      p += 16;
    }
#else
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kHighs = 0x8080808080808080ull;
    for (;;) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      std::uint64_t q = w ^ (kOnes * '"');
      std::uint64_t b = w ^ (kOnes * '\\');
      std::uint64_t hit = ((q - kOnes) & ~q & kHighs) | ((b - kOnes) & ~b & kHighs);
      if (hit != 0) {
        p += __builtin_ctzll(hit) / 8;
        break;
      }
      p += 8;
    }
#endif
    if (*p == '"') {
      key = std::string_view(begin, static_cast<std::size_t>(p - begin));
      return simdjson::SUCCESS;
    }
    return field.unescaped_key().get(key);
  }

  // Walks the fields of `obj`, whose dotted name is path[0, base) (base 0: the record).
  template <typename Sink>
  simdjson::error_code walk_object(ondemand::object obj, std::size_t base, Sink& sink, int depth) {
    for (auto field_result : obj) {
      ondemand::field field;
      if (auto e = std::move(field_result).get(field)) return e;
      std::string_view key;
      if (auto e = key_of(field, key)) return e;
      std::string_view name = key;
      if (base != 0) {
        path.resize(base);
        path.push_back('.');
        path.append(key);
        name = path;
      }
      if (auto e = walk_value(field.value(), name, sink, depth)) return e;
    }
    return simdjson::SUCCESS;
  }

  // Decodes the value of field `name` (a view of the key itself, or of `path`).
  template <typename Sink>
  simdjson::error_code walk_value(ondemand::value value, std::string_view name, Sink& sink, int depth) {
    ondemand::json_type type;
    if (auto e = value.type().get(type)) return e;
    switch (type) {
      case ondemand::json_type::object: {
        if (depth >= kMaxNesting || !sink.wants_below(name)) return simdjson::SUCCESS;
        ondemand::object obj;
        if (auto e = value.get_object().get(obj)) return e;
        if (name.data() != path.data()) path.assign(name);
        return walk_object(obj, name.size(), sink, depth + 1);
      }
      case ondemand::json_type::array: {
        // Each element is one more value of the same field; objects inside keep the prefix.
        if (depth >= kMaxNesting) return simdjson::SUCCESS;
        if (!sink.wants(sink.lookup(name)) && !sink.wants_below(name)) return simdjson::SUCCESS;
        ondemand::array arr;
        if (auto e = value.get_array().get(arr)) return e;
        if (name.data() != path.data()) path.assign(name);
        const std::size_t len = name.size();
        for (auto element : arr) {
          ondemand::value v;
          if (auto e = std::move(element).get(v)) return e;
          path.resize(len);  // an object element extended (and may have moved) the path
          if (auto e = walk_value(v, std::string_view(path.data(), len), sink, depth + 1)) return e;
        }
        return simdjson::SUCCESS;
      }
      default:
        break;
    }
    FieldId id = sink.lookup(name);
    if (!sink.wants(id)) return simdjson::SUCCESS;
    ValueKind kind = ValueKind::kNull;
    std::string_view text;
    if (auto e = scalar(value, type, kind, text)) return e;
    // Number tokens stay views into the record (no copy into the event's arena: the record
    // outlives the event's use, see decode()).
    sink.add(name, id, kind, text);
    return simdjson::SUCCESS;
  }

  // Canonical text of a scalar. Strings point into the parser's string buffer (valid until
  // the next document), numbers into the record itself.
  simdjson::error_code scalar(ondemand::value& value, ondemand::json_type type, ValueKind& kind,
                std::string_view& text) {
    switch (type) {
      case ondemand::json_type::string:
        kind = ValueKind::kString;
        if (auto e = value.get_string().get(text)) return e;
        return simdjson::SUCCESS;
      case ondemand::json_type::number: {
        text = trim(value.raw_json_token());
        if (!classify_number(text, kind)) return simdjson::NUMBER_ERROR;
        return simdjson::SUCCESS;
      }
      case ondemand::json_type::boolean: {
        bool b = false;
        if (auto e = value.get_bool().get(b)) return e;
        kind = ValueKind::kBool;
        text = b ? "true" : "false";
        return simdjson::SUCCESS;
      }
      case ondemand::json_type::null: {
        bool is_null = false;
        if (auto e = value.is_null().get(is_null)) return e;
        if (!is_null) return simdjson::N_ATOM_ERROR;
        kind = ValueKind::kNull;
        text = {};
        return simdjson::SUCCESS;
      }
      default:
        return simdjson::INCORRECT_TYPE;
    }
  }

  // -------------------------------------------------------------------- flat fast path

  // Most records are flat objects of strings and numbers (the Windows flat convention, Zeek,
  // Suricata's top level): read them in one pass over the text instead of through On-Demand,
  // whose generic iteration (and a copy of every string through its string buffer) costs
  // more than simdjson's stage 1 itself. Strings that are read are copied into `unescaped`
  // (escapes resolved on the way), numbers stay views into the record (copied too when
  // keywords are collected: see `joined` below); the values nobody reads are only skipped. Anything else (nested values, \u escapes in
  // a value that is read, escaped keys, an "Event" first key, malformed or unusual text)
  // makes it return false having concluded nothing, and the caller decodes the record with
  // simdjson, which also words the errors. What it accepts is valid JSON that simdjson
  // decodes to the same values (UTF-8 validated when a string holds a non-ASCII byte; raw
  // control bytes in strings refused, as simdjson's stage 1 does): JsonDecoderTest and
  // fuzz_json_decoder compare both paths.
  std::vector<char> unescaped;  // grow-only; views into it live until the next record
  bool fast_path = true;

  // The first '"', '\\' or control byte at or after `p` inside the string (or `end`): 16 bytes
  // a step with SSE2; sets `non_ascii` if a byte >= 0x80 comes before it. Reads up to 15
  // bytes past `end`: records are padded.
#if defined(__SSE2__)
  // Bit i set where byte i of `x` ends a run of plain string bytes: '"', '\\' or a control
  // byte (<= 0x1f).
  static unsigned string_stops(__m128i x) noexcept {
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
        _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x))));
  }
#endif

  static const char* string_stop(const char* p, const char* end, bool& non_ascii) noexcept {
#if defined(__SSE2__)
    while (p < end) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const unsigned stop = string_stops(x);
      const auto high = static_cast<unsigned>(_mm_movemask_epi8(x));
      if (stop != 0) {
        const unsigned k = static_cast<unsigned>(__builtin_ctz(stop));
        non_ascii = non_ascii || (high & ((1u << k) - 1)) != 0;
        return p + k < end ? p + k : end;
      }
      non_ascii = non_ascii || high != 0;
      p += 16;
    }
    return end;
#else
    for (; p < end; ++p) {
      const auto c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\' || c < 0x20) return p;
      non_ascii = non_ascii || c >= 0x80;
    }
    return end;
#endif
  }

  static bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  // Reads the string starting at `p` (after its opening quote) into `out`, escapes resolved,
  // and returns the position of its closing quote, or nullptr: not a string this path
  // decodes (\u or an invalid escape, a control byte, no end before `end`). Stores 16 bytes
  // a step whatever the string's length (`out` has room to spare), so that no library call
  // copies the short pieces between the escapes of a Windows path.
  static const char* copy_string(const char* p, const char* end, char*& out,
                                 bool& non_ascii) noexcept {
    char* o = out;
    for (;;) {
#if defined(__SSE2__)
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o), x);
      const unsigned stop = string_stops(x);
      const auto high = static_cast<unsigned>(_mm_movemask_epi8(x));
      if (stop == 0) {
        non_ascii = non_ascii || high != 0;
        p += 16;
        o += 16;
        if (p >= end) return nullptr;
        continue;
      }
      const unsigned k = static_cast<unsigned>(__builtin_ctz(stop));
      non_ascii = non_ascii || (high & ((1u << k) - 1)) != 0;
      p += k;
      o += k;
#else
      const auto c = static_cast<unsigned char>(*p);
      if (c != '"' && c != '\\' && c >= 0x20) {
        non_ascii = non_ascii || c >= 0x80;
        *o++ = *p++;
        if (p >= end) return nullptr;
        continue;
      }
#endif
      if (p >= end) return nullptr;
      if (*p == '"') {
        out = o;
        return p;
      }
      if (*p != '\\' || p + 1 >= end) return nullptr;  // a control byte
      switch (p[1]) {
        case '"': case '\\': case '/': *o++ = p[1]; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        default: return nullptr;  // \u: simdjson's unescaping (and its errors)
      }
      p += 2;
    }
  }

  // Decodes a flat record into `sink`; false: not decoded this way (see above). Values the
  // sink does not want are only skipped (their number and escape syntax is left to simdjson's
  // rules for skipped values: not checked).
  template <typename Sink>
  bool decode_flat_fast(std::string_view text, Sink& sink) {
    const char* p = text.data();
    const char* const end = p + text.size();
    // Decoded values (with their NUL bytes) are never longer than their text: each is
    // followed in the text by at least one byte (a quote, ',' or '}'); copy_string stores 16
    // bytes a step.
    if (unescaped.size() < text.size() + 64) unescaped.resize(text.size() + 64);
    std::size_t used = 0;
    bool non_ascii = false;
    // Collecting keywords (every non-null value is wanted): the values are laid out in
    // `unescaped` in document order, each followed by a NUL byte, which is the keyword scan's
    // joined buffer (Event::joined_keywords) with no copy; numbers and booleans are copied
    // there too. Nothing else is written there then.
    const bool joined = sink.collects_keywords();
    while (p < end && is_space(*p)) ++p;
    if (p == end || *p != '{') return false;
    ++p;
    while (p < end && is_space(*p)) ++p;
    if (p < end && *p == '}') {
      ++p;
    } else {
      bool first = true;
      for (;;) {
        if (p == end || *p != '"') return false;
        const char* const key_begin = ++p;
        p = string_stop(p, end, non_ascii);
        if (p == end || *p != '"') return false;  // an escaped key, a control byte
        const std::string_view key(key_begin, static_cast<std::size_t>(p - key_begin));
        ++p;
        if (first && key == "Event") return false;  // perhaps the nested form
        first = false;
        while (p < end && is_space(*p)) ++p;
        if (p == end || *p != ':') return false;
        ++p;
        while (p < end && is_space(*p)) ++p;
        if (p == end) return false;
        const FieldId id = sink.lookup(key);
        const bool wanted = sink.wants(id);
        const char c = *p;
        if (c == '"') {
          ++p;
          if (wanted) {
            char* const value = unescaped.data() + used;
            char* value_end = value;
            p = copy_string(p, end, value_end, non_ascii);
            if (p == nullptr) return false;
            const auto length = static_cast<std::size_t>(value_end - value);
            used += length;
            if (joined) unescaped[used++] = '\0';
            sink.add(key, id, ValueKind::kString, std::string_view(value, length));
          } else {
            // Skipped: only its end is found (an escape hides the byte after it).
            for (;;) {
              p = string_stop(p, end, non_ascii);
              if (p == end) return false;
              if (*p == '"') break;
              if (*p != '\\' || p + 1 == end) return false;  // a control byte
              // The escaped byte is jumped over: its UTF-8 and control checks happen here.
              const auto e = static_cast<unsigned char>(p[1]);
              if (e < 0x20) return false;
              non_ascii = non_ascii || e >= 0x80;
              p += 2;
            }
          }
          ++p;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
          const char* const token_begin = p;
          while (p < end && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' ||
                             *p == 'e' || *p == 'E')) {
            ++p;
          }
          const std::string_view token(token_begin, static_cast<std::size_t>(p - token_begin));
          ValueKind kind = ValueKind::kInt;
          if (!classify_number(token, kind)) return false;
          if (wanted) sink.add(key, id, kind, joined ? join(token, used) : token);
        } else if (c == 't' && end - p >= 4 && std::memcmp(p, "true", 4) == 0) {
          p += 4;
          if (wanted) sink.add(key, id, ValueKind::kBool, joined ? join("true", used) : "true");
        } else if (c == 'f' && end - p >= 5 && std::memcmp(p, "false", 5) == 0) {
          p += 5;
          if (wanted) sink.add(key, id, ValueKind::kBool, joined ? join("false", used) : "false");
        } else if (c == 'n' && end - p >= 4 && std::memcmp(p, "null", 4) == 0) {
          p += 4;
          if (wanted) sink.add(key, id, ValueKind::kNull, {});
        } else {
          return false;  // an object, an array, or no JSON value
        }
        while (p < end && is_space(*p)) ++p;
        if (p == end) return false;
        if (*p == '}') {
          ++p;
          break;
        }
        if (*p != ',') return false;
        ++p;
        while (p < end && is_space(*p)) ++p;
      }
    }
    while (p < end && is_space(*p)) ++p;
    if (p != end) return false;  // trailing content
    if (non_ascii && !simdjson::validate_utf8(text.data(), text.size())) return false;
    if (joined) sink.joined_keywords(std::string_view(unescaped.data(), used));
    return true;
  }

  // Appends `text` and a NUL byte to `unescaped` at `used`; returns the copy.
  std::string_view join(std::string_view text, std::size_t& used) noexcept {
    char* const at = unescaped.data() + used;
    std::memcpy(at, text.data(), text.size());
    at[text.size()] = '\0';
    used += text.size() + 1;
    return {at, text.size()};
  }

  // -------------------------------------------------------------------- nested form

  // The nested walks visit objects and arrays the same way: these do simdjson's steps (its
  // errors become a Status) and call `f` per field (key, value) or per element; the first
  // failed `f` stops the walk.
  template <typename F>
  Status each_field(ondemand::object obj, F&& f) {
    for (auto fr : obj) {
      ondemand::field field;
      if (auto e = std::move(fr).get(field)) return json_error(e);
      std::string_view key;
      if (auto e = key_of(field, key)) return json_error(e);
      if (auto st = f(key, field.value()); !st) return st;
    }
    return ok();
  }
  // The fields of `value` when it is an object; nothing for any other value.
  template <typename F>
  Status each_field_of(ondemand::value value, F&& f) {
    ondemand::json_type type;
    if (auto e = value.type().get(type)) return json_error(e);
    if (type != ondemand::json_type::object) return ok();
    ondemand::object obj;
    if (auto e = value.get_object().get(obj)) return json_error(e);
    return each_field(obj, std::forward<F>(f));
  }
  // The elements of `value`, an array.
  template <typename F>
  Status each_element(ondemand::value value, F&& f) {
    ondemand::array arr;
    if (auto e = value.get_array().get(arr)) return json_error(e);
    for (auto el : arr) {
      ondemand::value v;
      if (auto e = std::move(el).get(v)) return json_error(e);
      if (auto st = f(v); !st) return st;
    }
    return ok();
  }

  // Text of an XML-ish element as evtx_dump writes it: a scalar, {"#text": ...} (attributes
  // ignored), or an array of those (repeated elements), joined with "\n". Numbers are copied
  // (the payload outlives nothing, but views must not point into the record for FullSink
  // either way). `guid` applies the GUID rendering rule to strings.
  Status element_text(ondemand::value value, bool guid, std::string_view& out, int depth) {
    ondemand::json_type type;
    if (auto e = value.type().get(type)) return json_error(e);
    if (type == ondemand::json_type::object) {
      out = {};
      if (depth >= kMaxNesting) return ok();
      ondemand::object obj;
      if (auto e = value.get_object().get(obj)) return json_error(e);
      return each_field(obj, [&](std::string_view key, ondemand::value v) {
        return key == "#text" ? element_text(v, guid, out, depth + 1) : ok();
      });
    }
    if (type == ondemand::json_type::array) {
      out = {};
      if (depth >= kMaxNesting) return ok();
      bool first = true;
      return each_element(value, [&](ondemand::value v) -> Status {
        std::string_view t;
        if (auto st = element_text(v, guid, t, depth + 1); !st) return st;
        out = first ? t : compose({out, "\n", t});
        first = false;
        return ok();
      });
    }
    ValueKind kind = ValueKind::kNull;
    if (auto e = scalar(value, type, kind, out)) return json_error(e);
    if (kind == ValueKind::kInt || kind == ValueKind::kFloat) {
      out = compose({out});
    } else if (guid && kind == ValueKind::kString && is_bare_guid(out)) {
      out = compose({"{", out, "}"});
    }
    return ok();
  }

  // The value of attribute `name` in {"#attributes": {...}}, or nothing.
  Status attribute(ondemand::value value, std::string_view name, std::string_view& out,
                   bool& found) {
    found = false;
    return each_field_of(value, [&](std::string_view key, ondemand::value attrs) {
      if (key != "#attributes") return ok();
      return each_field_of(attrs, [&](std::string_view akey, ondemand::value a) -> Status {
        if (akey != name) return ok();
        if (auto st = element_text(a, false, out, 1); !st) return st;
        found = true;
        return ok();
      });
    });
  }

  void set_system(SystemSlot slot, ValueKind kind, std::string_view text) {
    system[slot] = Slot{true, kind, text};
  }

  // System: only the keys of the flat convention, normalized as evtx2jsonl.py does.
  Status decode_system(ondemand::value value) {
    return each_field_of(value, [&](std::string_view key, ondemand::value v) -> Status {
      std::string_view text;
      bool found = false;
      if (key == "EventID" || key == "EventRecordID" || key == "Level") {
        // EventID may carry Qualifiers: {"#attributes": {"Qualifiers": 16384}, "#text": 7036}.
        if (auto st = element_text(v, false, text, 1); !st) return st;
        text = trim(text);
        SystemSlot slot = key == "EventID" ? kEventId : key == "Level" ? kLevel : kEventRecordId;
        set_system(slot, is_integer_text(text) ? ValueKind::kInt : ValueKind::kString, text);
      } else if (key == "Channel" || key == "Computer") {
        if (auto st = element_text(v, false, text, 1); !st) return st;
        set_system(key == "Channel" ? kChannel : kComputer, ValueKind::kString, text);
      } else if (key == "Keywords") {
        if (auto st = element_text(v, false, text, 1); !st) return st;
        set_system(kKeywords, ValueKind::kString, normalize_keywords(trim(text)));
      } else if (key == "Provider") {
        if (auto st = attribute(v, "Name", text, found); !st) return st;
        if (found) set_system(kProviderName, ValueKind::kString, text);
      } else if (key == "TimeCreated") {
        if (auto st = attribute(v, "SystemTime", text, found); !st) return st;
        set_system(kTimeCreated, ValueKind::kString, normalize_time(text));
      } else if (key == "Security") {
        if (auto st = attribute(v, "UserID", text, found); !st) return st;
        if (found && !text.empty()) set_system(kSecurityUserId, ValueKind::kString, text);
      }
      return ok();
    });
  }

  // "0x8000000000000000" stays; shorter hex is zero-padded to 16 digits as Windows renders it.
  std::string_view normalize_keywords(std::string_view text) {
    if (text.size() < 3 || text.size() > 18 || text[0] != '0' || text[1] != 'x') return text;
    std::uint64_t v = 0;
    for (char c : text.substr(2)) {
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return text;
      v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
    return compose({buf});
  }

  // SystemTime to "YYYY-MM-DDTHH:MM:SS.ffffffZ": 'T' separator, 6 fractional digits
  // (padded or cut), 'Z' instead of a "+00:00" offset (evtx2jsonl.py normalize_systemtime).
  std::string_view normalize_time(std::string_view s) {
    s = trim(s);
    if (s.empty()) return s;
    const std::size_t sp = s.find(' ');
    if (s.back() == 'Z') {
      s.remove_suffix(1);
    } else if (s.size() >= 6 && s.substr(s.size() - 6) == "+00:00") {
      s.remove_suffix(6);
    }
    std::string_view date = s;
    std::string_view frac;
    std::size_t dot = s.find('.');
    if (dot != std::string_view::npos) {
      date = s.substr(0, dot);
      frac = s.substr(dot + 1);
    }
    char digits[7] = "000000";
    for (std::size_t i = 0; i < 6 && i < frac.size(); ++i) digits[i] = frac[i];
    std::string_view out = compose({date, ".", std::string_view(digits, 6), "Z"});
    if (sp != std::string_view::npos && sp < date.size()) {
      std::string& back = pool[pool_used - 1];
      back[sp] = 'T';
      out = back;
    }
    return out;
  }

  [[nodiscard]] Entry* find_entry(std::string_view name) {
    for (auto& e : payload) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }

  // evtx2jsonl.py _put: System names get "EventData_", then taken names "_2", "_3", ...
  void put(std::string_view name, std::string_view text) {
    if (is_system_key(name)) name = compose({"EventData_", name});
    if (find_entry(name) != nullptr) {
      for (int n = 2;; ++n) {
        char suffix[24];
        const int length = std::snprintf(suffix, sizeof suffix, "_%d", n);
        // snprintf, not "_" + std::to_string(n): GCC 12 -O3 reports a false -Wrestrict there.
        std::string_view candidate =
            compose({name, std::string_view(suffix, static_cast<std::size_t>(length))});
        if (find_entry(candidate) == nullptr) {
          name = candidate;
          break;
        }
      }
    }
    payload.push_back({name, text, false});
  }

  // A leaf of UserData-like content (evtx2jsonl.py _flatten_leaves).
  void leaf(std::string_view key, std::string_view text, std::string_view parent) {
    if (trim(text).empty()) text = {};
    Entry* e = find_entry(key);
    if (e != nullptr && e->leaf) {
      e->text = compose({e->text, "\n", text});  // repeated element: an array, joined
    } else if (e != nullptr || is_system_key(key)) {
      put(parent.empty() ? key : compose({parent, "_", key}), text);
    } else {
      payload.push_back({key, text, true});
    }
  }

  // Flattens element `tag` (value `value`, below `parent`): attributes become Tag_Attr,
  // leaves Tag (or the Name attribute of a <Data>), arrays repeated elements.
  Status flatten(std::string_view tag, ondemand::value value, std::string_view parent,
                 int depth) {
    if (depth >= kMaxNesting) return ok();
    ondemand::json_type type;
    if (auto e = value.type().get(type)) return json_error(e);
    if (type == ondemand::json_type::array) {
      return each_element(value, [&](ondemand::value v) { return flatten(tag, v, parent, depth + 1); });
    }
    if (type != ondemand::json_type::object) {
      std::string_view text;
      if (auto st = element_text(value, true, text, depth); !st) return st;
      leaf(tag, text, parent);
      return ok();
    }
    ondemand::object obj;
    if (auto e = value.get_object().get(obj)) return json_error(e);
    bool has_children = false;
    std::string_view text;
    std::string_view data_name;
    auto st = each_field(obj, [&](std::string_view key, ondemand::value v) {
      if (key == "#attributes") return attributes(tag, v, data_name);
      if (key == "#text") return element_text(v, true, text, depth + 1);
      has_children = true;
      return flatten(key, v, tag, depth + 1);
    });
    if (!st) return st;
    if (!has_children) leaf(data_name.empty() ? tag : data_name, text, parent);
    return ok();
  }

  // Attributes of element `tag` become "Tag_Attr" (xmlns left out); a <Data Name=...> names
  // its leaf instead.
  Status attributes(std::string_view tag, ondemand::value value, std::string_view& data_name) {
    return each_field_of(value, [&](std::string_view key, ondemand::value v) -> Status {
      if (key.substr(0, 5) == "xmlns") return ok();
      std::string_view text;
      if (auto st = element_text(v, true, text, 1); !st) return st;
      if (tag == "Data" && key == "Name") {
        data_name = text;
      } else {
        put(compose({tag, "_", key}), text);
      }
      return ok();
    });
  }

  // EventData: named values ("Name": value), unnamed "Data" joined with "\n", "Binary".
  Status decode_event_data(ondemand::value value) {
    return each_field_of(value, [&](std::string_view key, ondemand::value v) -> Status {
      if (key == "#attributes") return ok();
      if (key == "Data") return unnamed_data(v);
      if (key == "Binary") {
        std::string_view text;
        if (auto st = element_text(v, false, text, 1); !st) return st;
        text = trim(text);
        if (!text.empty()) {
          std::string_view up = compose({text});
          std::string& s = pool[pool_used - 1];
          for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          put("Binary", up);
        }
        return ok();
      }
      ondemand::json_type vt;
      if (auto e = v.type().get(vt)) return json_error(e);
      if (vt == ondemand::json_type::object) return flatten(key, v, "EventData", 1);
      std::string_view text;
      if (auto st = element_text(v, true, text, 1); !st) return st;
      put(key, text);
      return ok();
    });
  }

  // Unnamed <Data> elements: a scalar, {"#text": scalar or list}, or a list of those. An
  // element that does carry a Name attribute is a named value.
  Status unnamed_data(ondemand::value value) {
    items.clear();
    if (auto st = collect_data(value, 1); !st) return st;
    bool any = false;
    for (auto t : items) any = any || !t.empty();
    if (!any) return ok();
    std::string_view joined = items[0];
    for (std::size_t i = 1; i < items.size(); ++i) joined = compose({joined, "\n", items[i]});
    put("Data", joined);
    return ok();
  }

  Status collect_data(ondemand::value value, int depth) {
    if (depth >= kMaxNesting) return ok();
    ondemand::json_type type;
    if (auto e = value.type().get(type)) return json_error(e);
    if (type == ondemand::json_type::array) {
      return each_element(value, [&](ondemand::value v) { return collect_data(v, depth + 1); });
    }
    if (type != ondemand::json_type::object) {
      std::string_view text;
      if (auto st = element_text(value, true, text, depth); !st) return st;
      items.push_back(text);
      return ok();
    }
    ondemand::object obj;
    if (auto e = value.get_object().get(obj)) return json_error(e);
    std::string_view name;
    std::size_t first_item = items.size();
    auto st = each_field(obj, [&](std::string_view key, ondemand::value v) {
      if (key == "#attributes") {
        return each_field_of(v, [&](std::string_view akey, ondemand::value a) {
          return akey == "Name" ? element_text(a, false, name, depth + 1) : ok();
        });
      }
      return key == "#text" ? collect_data(v, depth + 1) : ok();
    });
    if (!st) return st;
    if (!name.empty()) {
      std::string_view text;
      for (std::size_t i = first_item; i < items.size(); ++i) {
        text = i == first_item ? items[i] : compose({text, "\n", items[i]});
      }
      items.resize(first_item);
      put(name, text);
    } else if (items.size() == first_item) {
      items.push_back({});  // an empty element still counts as one value
    }
    return ok();
  }

  // Top-level children of Event other than System and EventData (UserData,
  // ProcessingErrorData, DebugData, ...): every leaf below the wrapper element.
  Status decode_user_data(std::string_view section, ondemand::value value) {
    ondemand::json_type type;
    if (auto e = value.type().get(type)) return json_error(e);
    if (type != ondemand::json_type::object) {
      std::string_view text;
      if (auto st = element_text(value, true, text, 1); !st) return st;
      text = trim(text);
      if (!text.empty()) put(section, text);
      return ok();
    }
    ondemand::object obj;
    if (auto e = value.get_object().get(obj)) return json_error(e);
    return each_field(obj, [&](std::string_view key, ondemand::value v) -> Status {
      if (key == "#attributes") return ok();
      if (key == "#text") {
        std::string_view text;
        if (auto st = element_text(v, true, text, 1); !st) return st;
        text = trim(text);
        if (!text.empty()) put(section, text);
        return ok();
      }
      // The wrapper's own attributes and the leaves below it; a leaf directly under the
      // section is flattened the same way with the section as parent.
      return flatten(key, v, section, 1);
    });
  }

  // Decodes the value of a top-level "Event" key. Sets `nested` if it is the evtx_dump form
  // (System first, after optional attributes); otherwise nothing was consumed that matters
  // and the caller decodes the record as flat JSON.
  template <typename Sink>
  Status decode_nested(ondemand::value value, Sink& sink, bool& nested) {
    nested = false;
    ondemand::object obj;
    if (value.get_object().get(obj) != simdjson::SUCCESS) return ok();
    system.fill(Slot{});
    payload.clear();
    for (auto fr : obj) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return json_error(e);
      std::string_view key;
      if (auto e = key_of(f, key)) return json_error(e);
      if (!nested) {
        if (key == "#attributes") continue;
        if (key != "System") return ok();
        ondemand::value sys = f.value();
        ondemand::json_type st_type;
        if (auto e = sys.type().get(st_type)) return json_error(e);
        if (st_type != ondemand::json_type::object) return ok();
        nested = true;
        if (auto st = decode_system(sys); !st) return st;
        continue;
      }
      if (key == "EventData") {
        if (auto st = decode_event_data(f.value()); !st) return st;
      } else if (key == "System" || key == "#attributes" || key == "RenderingInfo") {
        continue;
      } else {
        if (auto st = decode_user_data(key, f.value()); !st) return st;
      }
    }
    for (std::size_t i = 0; i < kSystemKeys.size(); ++i) {
      if (!system[i].present) continue;
      FieldId id = sink.lookup(kSystemKeys[i]);
      if (sink.wants(id)) sink.add(kSystemKeys[i], id, system[i].kind, system[i].text);
    }
    for (const auto& e : payload) {
      FieldId id = sink.lookup(e.name);
      if (sink.wants(id)) sink.add(e.name, id, ValueKind::kString, e.text);
    }
    return ok();
  }

  // -------------------------------------------------------------------- record

  template <typename Sink>
  Status decode_record(std::string_view text, Sink& sink) {
    input = text;
    pool_used = 0;
    path.clear();
    simdjson::padded_string_view padded(text.data(), text.size(),
                                        text.size() + simdjson::SIMDJSON_PADDING);
    doc_valid = false;
    if (auto e = parser.iterate(padded).get(doc)) return json_error(e);
    doc_valid = true;
    ondemand::json_type type;
    if (auto e = doc.type().get(type)) return json_error(e);
    if (type != ondemand::json_type::object) {
      return fail(ErrorCode::kParse, "record is not a json object");
    }
    ondemand::object obj;
    if (auto e = doc.get_object().get(obj)) return json_error(e);
    bool first = true;
    bool rewound = false;
    for (auto fr : obj) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return json_error(e);
      std::string_view key;
      if (auto e = key_of(f, key)) return json_error(e);
      if (first && key == "Event") {
        first = false;
        bool nested = false;
        if (auto st = decode_nested(f.value(), sink, nested); !st) return st;
        if (nested) continue;
        rewound = true;  // an ordinary "Event" key: start over as flat JSON
        break;
      }
      first = false;
      if (auto e = walk_value(f.value(), key, sink, 1)) return json_error(e);
    }
    if (rewound) {
      doc.rewind();
      path.clear();
      if (auto e = doc.get_object().get(obj)) return json_error(e);
      if (auto e = walk_object(obj, 0, sink, 1)) return json_error(e);
    }
    // current_location() fails with OUT_OF_BOUNDS exactly when every token was consumed.
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS && rest != nullptr) {
      return fail(ErrorCode::kParse, "trailing content after the json object near byte " +
                                         std::to_string(rest - text.data()));
    }
    return ok();
  }
};

JsonDecoder::JsonDecoder() : impl_(std::make_unique<Impl>()) {}
JsonDecoder::~JsonDecoder() = default;
JsonDecoder::JsonDecoder(JsonDecoder&&) noexcept = default;
JsonDecoder& JsonDecoder::operator=(JsonDecoder&&) noexcept = default;

Status JsonDecoder::decode(std::string_view text, event::Event& event) {
  if (event.table() == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "event was not reset against a field table");
  }
  if (impl_->fast_path) {
    EventSink sink(event, impl_->keys);
    if (impl_->decode_flat_fast(text, sink)) return ok();
    // Not this way: start over (the event keeps where it came from).
    const std::string_view raw = event.raw;
    const event::SourceRef source = event.source;
    event.reset(*event.table());
    event.raw = raw;
    event.source = source;
  }
  EventSink sink(event, impl_->keys);
  return impl_->decode_record(text, sink);
}

void JsonDecoder::use_fast_path(bool on) { impl_->fast_path = on; }

Result<FlatObject> JsonDecoder::decode_full(std::string_view text) {
  FlatObject out;
  FullSink sink(out);
  if (auto st = impl_->decode_record(text, sink); !st) return fail(st.error());
  return out;
}

}  // namespace rasid::input
