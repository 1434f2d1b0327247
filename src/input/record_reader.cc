#include "input/record_reader.h"

#include "input/detail/lines.h"
#include "input/evtx_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <emmintrin.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif
#include <simdjson.h>
#include <utility>

namespace rasid::input {

void ByteBlock::resize_for_overwrite(std::size_t n) {
  if (n > capacity_) {
    const std::size_t capacity = std::max(n, capacity_ + capacity_ / 2);
    auto grown = std::unique_ptr<char[]>(new char[capacity]);  // not value-initialized
    if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
    data_ = std::move(grown);
    capacity_ = capacity;
  }
  size_ = n;
}

void RecordBatch::clear() {
  sequence = 0;
  buffer.clear();
  lines.clear();
  records.clear();
  problems.clear();
  bytes = 0;
  pending_source.reset();
  pending_chunks.clear();
  pending_line_bytes = 0;
  pending_first_line = 0;
}

namespace {

// Largest read handed to the OS or to zlib at once. A few MiB amortizes system calls and
// keeps a batch's buffer (and so a thread's working set) small; records longer than this
// simply make the buffer grow until they are complete.
constexpr std::size_t kMaxBlock = 4u << 20;

// A record longer than this is skipped with a problem instead of growing the buffer without
// bound: no real log line is near it, and it keeps a hostile or broken input (a file with no
// newline, an unterminated string in a pretty-printed document) from exhausting memory.
constexpr std::size_t kMaxRecord = 256u << 20;

constexpr char kBom[] = "\xEF\xBB\xBF";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The record of one JSON line buf[b, e) (newline excluded): the line without surrounding
// blanks or a leading BOM. False if nothing is left (a blank line is no record).
bool trim_line(std::string_view buf, std::size_t& b, std::size_t& e) {
  if (buf.substr(b, 3) == kBom && e - b >= 3) b += 3;
  while (b < e && is_space(buf[b])) ++b;
  while (e > b && is_space(buf[e - 1])) --e;
  return e > b;
}

std::string too_long_message() {
  return "record longer than " + std::to_string(kMaxRecord >> 20) + " MiB skipped";
}

// Bytes the stream scanner must look at, inside a value and inside a string; every other byte
// is skipped by a table lookup (pretty-printed documents are mostly blanks and string text).
struct ByteClass {
  bool in_value[256] = {};
  bool in_string[256] = {};
  constexpr ByteClass() {
    for (unsigned char c : {'"', '{', '}', '[', ']', '\n'}) in_value[c] = true;
    for (unsigned char c : {'"', '\\', '\n'}) in_string[c] = true;
  }
};
constexpr ByteClass kByteClass;

// ---------------------------------------------------------------------------- byte sources

// A stream of bytes: a file descriptor, a string, or a gzip stream over either.
class Source {
 public:
  virtual ~Source() = default;
  // Reads up to `cap` bytes into `dst`; 0 means end of input.
  [[nodiscard]] virtual Result<std::size_t> read(char* dst, std::size_t cap) = 0;
  // Bytes consumed from the underlying input (compressed bytes for gzip).
  [[nodiscard]] virtual std::uint64_t consumed() const = 0;
};

class FdSource final : public Source {
 public:
  FdSource(int fd, bool owned, std::string name) : fd_(fd), owned_(owned), name_(std::move(name)) {}
  ~FdSource() override {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  Result<std::size_t> read(char* dst, std::size_t cap) override {
    for (;;) {
      ssize_t n = ::read(fd_, dst, cap);
      if (n >= 0) {
        consumed_ += static_cast<std::uint64_t>(n);
        return static_cast<std::size_t>(n);
      }
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, "read failed: " + std::string(std::strerror(errno)),
                  Location{name_, 0, 0});
    }
  }
  std::uint64_t consumed() const override { return consumed_; }

 private:
  int fd_;
  bool owned_;
  std::string name_;
  std::uint64_t consumed_ = 0;
};

class StringSource final : public Source {
 public:
  explicit StringSource(std::string text) : text_(std::move(text)) {}
  Result<std::size_t> read(char* dst, std::size_t cap) override {
    std::size_t n = std::min(cap, text_.size() - pos_);
    std::memcpy(dst, text_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::uint64_t consumed() const override { return pos_; }

 private:
  std::string text_;
  std::size_t pos_ = 0;
};

// Serves a few already-read bytes (the sniffed magic) before the rest of `inner`.
class PrefixSource final : public Source {
 public:
  PrefixSource(std::string prefix, std::unique_ptr<Source> inner)
      : prefix_(std::move(prefix)), inner_(std::move(inner)) {}
  Result<std::size_t> read(char* dst, std::size_t cap) override {
    if (pos_ < prefix_.size()) {
      std::size_t n = std::min(cap, prefix_.size() - pos_);
      std::memcpy(dst, prefix_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return inner_->read(dst, cap);
  }
  std::uint64_t consumed() const override { return inner_->consumed(); }

 private:
  std::string prefix_;
  std::size_t pos_ = 0;
  std::unique_ptr<Source> inner_;
};

// Stream-decompresses gzip (several concatenated members too, as `cat a.gz b.gz` makes).
class GzipSource final : public Source {
 public:
  GzipSource(std::unique_ptr<Source> inner, std::string name)
      : inner_(std::move(inner)), name_(std::move(name)), in_(kInBlock, '\0') {
    std::memset(&zs_, 0, sizeof zs_);
    // 15 + 16: a gzip wrapper only; zlib checks the header and the CRC of each member.
    init_ = inflateInit2(&zs_, 15 + 16) == Z_OK;
  }
  ~GzipSource() override {
    if (init_) inflateEnd(&zs_);
  }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  Result<std::size_t> read(char* dst, std::size_t cap) override {
    if (!init_) return fail(ErrorCode::kInternal, "gzip: cannot initialize zlib", where());
    if (cap == 0 || done_) return std::size_t{0};
    zs_.next_out = reinterpret_cast<Bytef*>(dst);
    zs_.avail_out = static_cast<uInt>(std::min<std::size_t>(cap, 1u << 30));
    std::size_t want = zs_.avail_out;
    while (zs_.avail_out == want) {
      if (zs_.avail_in == 0 && !inner_eof_) {
        auto n = inner_->read(in_.data(), in_.size());
        if (!n) return fail(n.error());
        if (*n == 0) {
          inner_eof_ = true;
        } else {
          zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
          zs_.avail_in = static_cast<uInt>(*n);
        }
      }
      if (zs_.avail_in == 0 && inner_eof_) {
        if (in_member_) {
          return fail(ErrorCode::kParse, "gzip: unexpected end of compressed data", where());
        }
        done_ = true;
        break;
      }
      in_member_ = true;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        if (inflateReset(&zs_) != Z_OK) {
          return fail(ErrorCode::kInternal, "gzip: cannot reset zlib", where());
        }
        // Some writers pad the file with zeros after the last member; that is not data.
        if (zs_.avail_in > 0 && only_zeros()) zs_.avail_in = 0;
      } else if (rc == Z_BUF_ERROR) {
        continue;  // needs more input; the loop reads it
      } else if (rc != Z_OK) {
        std::string msg = zs_.msg != nullptr ? zs_.msg : "corrupt data";
        return fail(ErrorCode::kParse, "gzip: " + msg, where());
      }
    }
    return want - zs_.avail_out;
  }
  std::uint64_t consumed() const override { return inner_->consumed(); }

 private:
  static constexpr std::size_t kInBlock = 256 * 1024;
  bool only_zeros() const {
    const Bytef* p = zs_.next_in;
    return std::all_of(p, p + zs_.avail_in, [](Bytef b) { return b == 0; });
  }
  Location where() const { return Location{name_, 0, 0}; }

  std::unique_ptr<Source> inner_;
  std::string name_;
  std::string in_;
  z_stream zs_;
  bool init_ = false;
  bool inner_eof_ = false;
  bool in_member_ = false;
  bool done_ = false;
};

// The first `n` bytes of `src` (fewer only at its end), for sniffing a format.
Result<std::string> read_head(Source& src, std::size_t n) {
  std::string head(n, '\0');
  std::size_t got = 0;
  while (got < head.size()) {
    auto r = src.read(head.data() + got, head.size() - got);
    if (!r) return fail(r.error());
    if (*r == 0) break;
    got += *r;
  }
  head.resize(got);
  return head;
}

// Reads the first two bytes of `src`; if they are the gzip magic, wraps it in a GzipSource.
Result<std::unique_ptr<Source>> sniff_gzip(std::unique_ptr<Source> src, const std::string& name) {
  auto read = read_head(*src, 2);
  if (!read) return fail(read.error());
  std::string head = std::move(*read);
  const std::size_t got = head.size();
  bool gzip = got == 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
              static_cast<unsigned char>(head[1]) == 0x8b;
  std::unique_ptr<Source> out = std::make_unique<PrefixSource>(std::move(head), std::move(src));
  if (gzip) out = std::make_unique<GzipSource>(std::move(out), name);
  return out;
}

// ---------------------------------------------------------------------------- framing

// Splits a byte stream into records. Two modes, chosen from the first document:
//   lines   the first document closes on its first line, or its first line does not end with
//           an opening bracket: every non-blank line is a record (a broken line stays one
//           record, so the decoder reports it and the rest survive);
//   stream  otherwise (pretty-printed documents, or a top-level array): balanced values are
//           found by a string-aware bracket scanner; elements of a top-level array are records.
// All positions are offsets into the batch buffer; the caller carries the unconsumed tail
// over to the next buffer and calls rebase().
class Framer {
 public:
  enum class Mode { kUnknown, kLines, kStream };

  struct Found {
    std::size_t offset;
    std::size_t size;
    std::uint64_t line;
  };

  // Scans buf[pos_, end) for complete records. With `eof`, the end of `buf` is the end of
  // the input. Returns false if the mode is still unknown (more bytes are needed).
  void scan(std::string_view buf, bool eof, std::vector<Found>& out,
            std::vector<InputProblem>& problems) {
    if (mode_ == Mode::kUnknown && !detect(buf, eof)) return;
    if (mode_ == Mode::kLines) {
      scan_lines(buf, eof, out);
    } else {
      scan_stream(buf, eof, out, problems);
    }
  }

  // Offset of the first byte still needed (start of the pending record or scan position).
  [[nodiscard]] std::size_t keep_from() const {
    return in_value_ || mode_ != Mode::kStream ? start_ : pos_;
  }
  // The bytes before `offset` were dropped from the buffer.
  void rebase(std::size_t offset) {
    start_ -= std::min(start_, offset);
    pos_ -= offset;
    det_ -= std::min(det_, offset);
  }
  // Bytes of the record being assembled so far (for the size limit).
  [[nodiscard]] std::size_t pending() const {
    return (mode_ == Mode::kUnknown ? det_ : pos_) - keep_from();
  }
  // The record in progress is too long: drop its bytes, keep scanning in skip mode.
  void skip_pending(std::vector<InputProblem>& problems) {
    if (mode_ == Mode::kUnknown) mode_ = Mode::kLines;  // a first line this long is no document
    if (!skipping_) {
      problems.push_back({mode_ == Mode::kLines ? line_ : start_line_, too_long_message()});
    }
    skipping_ = true;
    if (mode_ == Mode::kLines) pos_ = std::max(pos_, det_);
    start_ = pos_;
  }
  [[nodiscard]] Mode mode() const { return mode_; }
  // Lines mode: the line of keep_from(), and whether that line is being skipped (too long).
  [[nodiscard]] std::uint64_t line() const { return line_; }
  [[nodiscard]] bool skipping() const { return skipping_; }

 private:
  // Decides the mode from the first document; false if the buffer does not tell yet.
  // Incremental (det_ and the det_* state survive between calls) so a huge first line read
  // in many blocks is scanned once.
  bool detect(std::string_view buf, bool eof) {
    if (!bom_checked_) {
      if (buf.size() - pos_ < 3 && !eof) return false;
      if (buf.substr(pos_, 3) == kBom) pos_ = start_ = pos_ + 3;
      bom_checked_ = true;
      det_ = pos_;
    }
    const std::size_t n = buf.size();
    if (!det_started_) {
      while (det_ < n && is_space(buf[det_])) ++det_;
      if (det_ == n) {
        if (eof) mode_ = Mode::kLines;
        return eof;
      }
      if (buf[det_] != '{') {
        // A top-level array, or something that is not JSON at all. Arrays need the bracket
        // scanner; for garbage, lines keep one bad line from hiding the rest.
        mode_ = buf[det_] == '[' ? Mode::kStream : Mode::kLines;
        return true;
      }
      det_started_ = true;
    }
    for (; det_ < n; ++det_) {
      char c = buf[det_];
      if (c == '\n') {
        // The first document goes on past its first line. Pretty-printers break lines after an
        // opening bracket ("{", "\"Event\": {"); a JSON-lines file whose first line is broken
        // (cut short, unbalanced) does not, and must stay in lines mode so that one bad line
        // does not swallow the rest of the file.
        mode_ = det_last_ == '{' || det_last_ == '[' ? Mode::kStream : Mode::kLines;
        return true;
      }
      if (!is_space(c)) det_last_ = c;
      if (det_in_string_) {
        if (det_escaped_) {
          det_escaped_ = false;
        } else if (c == '\\') {
          det_escaped_ = true;
        } else if (c == '"') {
          det_in_string_ = false;
        }
      } else if (c == '"') {
        det_in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++det_depth_;
      } else if ((c == '}' || c == ']') && --det_depth_ == 0) {
        mode_ = Mode::kLines;
        return true;
      }
    }
    if (eof) mode_ = Mode::kLines;
    return eof;
  }

  void scan_lines(std::string_view buf, bool eof, std::vector<Found>& out) {
    for (;;) {
      if (pos_ >= buf.size()) {
        // The last line may lack its newline.
        if (eof && start_ < buf.size()) {
          if (!skipping_) emit_trimmed(buf, start_, buf.size(), line_, out);
          skipping_ = false;
          start_ = pos_ = buf.size();
        }
        return;
      }
      const void* nl = std::memchr(buf.data() + pos_, '\n', buf.size() - pos_);
      if (nl == nullptr) {
        pos_ = buf.size();  // the whole tail is scanned; the record still starts at start_
        continue;
      }
      std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data());
      if (skipping_) {
        skipping_ = false;
      } else {
        emit_trimmed(buf, start_, end, line_, out);
      }
      ++line_;
      pos_ = start_ = end + 1;
    }
  }

  // Emits buf[b, e) without surrounding blanks or a BOM, unless nothing is left.
  static void emit_trimmed(std::string_view buf, std::size_t b, std::size_t e, std::uint64_t line,
                           std::vector<Found>& out) {
    if (trim_line(buf, b, e)) out.push_back({b, e - b, line});
  }

  void scan_stream(std::string_view buf, bool eof, std::vector<Found>& out,
                   std::vector<InputProblem>& problems) {
    const std::size_t n = buf.size();
    while (pos_ < n) {
      char c = buf[pos_];
      if (!in_value_) {
        if (skip_line_) {  // resynchronizing after garbage: drop the rest of the line
          if (c == '\n') {
            skip_line_ = false;
            ++line_;
          }
          ++pos_;
          continue;
        }
        if (c == '\n') {
          ++line_;
          ++pos_;
          continue;
        }
        if (is_space(c)) {
          ++pos_;
          continue;
        }
        if (in_array_ && (c == ',' || c == ']')) {
          if (c == ']') in_array_ = false;
          ++pos_;
          continue;
        }
        if (!in_array_ && c == '[') {
          in_array_ = true;
          ++pos_;
          continue;
        }
        if (c == '{' || (in_array_ && c != '}')) {
          begin_value(c);
          continue;
        }
        if (static_cast<unsigned char>(c) == 0xEF && buf.substr(pos_, 3) == kBom) {
          pos_ += 3;  // files concatenated with `cat`, each with its own BOM
          continue;
        }
        if (static_cast<unsigned char>(c) == 0xEF && n - pos_ < 3 && !eof) return;
        problems.push_back({line_, std::string("unexpected character '") + printable(c) +
                                       "' between documents; rest of the line skipped"});
        skip_line_ = true;
        continue;
      }
      // Inside a value.
      if (scalar_) {
        if (c == ',' || c == ']' || c == '}' || is_space(c)) {
          finish_value(pos_, out);
          continue;  // the delimiter is handled between values
        }
        ++pos_;
        continue;
      }
      if (in_string_) {
        // Jump to the next quote, backslash or newline: string bodies are most of the bytes.
        if (!escaped_) {
          while (pos_ < n && !kByteClass.in_string[static_cast<unsigned char>(buf[pos_])]) ++pos_;
        }
        if (pos_ == n) break;
        char d = buf[pos_];
        if (escaped_) {
          escaped_ = false;
          if (d == '\n') ++line_;
        } else if (d == '\\') {
          escaped_ = true;
        } else if (d == '"') {
          in_string_ = false;
          if (depth_ == 0) {
            finish_value(pos_ + 1, out);
            continue;
          }
        } else {
          // A raw newline cannot be inside a JSON string: the document is broken. Keep it
          // whole for the decoder to report, but stop treating the rest as string text so
          // the next document's braces are seen.
          ++line_;
          in_string_ = false;
        }
        ++pos_;
        continue;
      }
      if (!kByteClass.in_value[static_cast<unsigned char>(c)]) {
        ++pos_;
        while (pos_ < n && !kByteClass.in_value[static_cast<unsigned char>(buf[pos_])]) ++pos_;
        continue;
      }
      if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if (c == '}' || c == ']') {
        if (--depth_ == 0) {
          finish_value(pos_ + 1, out);
          continue;
        }
      } else if (c == '\n') {
        ++line_;
      }
      ++pos_;
    }
    if (eof) {
      if (in_value_) {
        if (scalar_) {
          finish_value(pos_, out);
        } else {
          if (!skipping_) problems.push_back({start_line_, "unterminated json document"});
          in_value_ = false;
          skipping_ = false;
          start_ = pos_;
        }
      }
      if (in_array_) {
        problems.push_back({line_, "unterminated json array"});
        in_array_ = false;
      }
    }
  }

  void begin_value(char c) {
    in_value_ = true;
    start_ = pos_;
    start_line_ = line_;
    scalar_ = !(c == '{' || c == '[' || c == '"');
    in_string_ = c == '"';
    escaped_ = false;
    depth_ = (c == '{' || c == '[') ? 1 : 0;
    ++pos_;
  }

  void finish_value(std::size_t end, std::vector<Found>& out) {
    if (!skipping_) out.push_back({start_, end - start_, start_line_});
    skipping_ = false;
    in_value_ = false;
    pos_ = start_ = end;
  }

  static std::string printable(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02x", u);
    return hex;
  }

  Mode mode_ = Mode::kUnknown;
  bool bom_checked_ = false;
  std::size_t pos_ = 0;    // next byte to scan
  std::size_t start_ = 0;  // first byte of the record in progress
  std::uint64_t line_ = 1;        // line of pos_
  std::uint64_t start_line_ = 1;  // line of start_ (stream mode)
  bool skipping_ = false;         // the record in progress is dropped (too long)
  // Stream mode state.
  bool in_value_ = false;
  bool scalar_ = false;
  bool in_string_ = false;
  bool escaped_ = false;
  bool in_array_ = false;
  bool skip_line_ = false;
  int depth_ = 0;
  // Mode detection state.
  std::size_t det_ = 0;
  bool det_started_ = false;
  bool det_in_string_ = false;
  bool det_escaped_ = false;
  int det_depth_ = 0;
  char det_last_ = 0;  // last non-blank byte of the first line so far
};

// ---------------------------------------------------------------------------- reader

class StreamReader final : public RecordReader {
 public:
  StreamReader(std::unique_ptr<Source> src, std::string name, std::uint64_t size)
      : src_(std::move(src)), name_(std::move(name)), size_(size) {}

  Result<bool> next_batch(RecordBatch& batch, std::size_t max_bytes) override {
    batch.clear();
    batch.sequence = sequence_;
    if (eof_ && carry_.empty()) return false;
    if (defer_ && framer_.mode() == Framer::Mode::kLines) return next_raw_batch(batch, max_bytes);
    const std::size_t block = std::clamp<std::size_t>(max_bytes, 1, kMaxBlock);
    batch.buffer.assign(carry_);
    carry_.clear();
    found_.clear();
    for (;;) {
      if (!eof_) {
        std::size_t old = batch.buffer.size();
        batch.buffer.resize(old + block);
        auto n = src_->read(batch.buffer.data() + old, block);
        if (!n) {
          batch.buffer.resize(old);
          eof_ = true;
          carry_.clear();
          finish(batch);
          return fail(n.error());
        }
        batch.buffer.resize(old + *n);
        if (*n == 0) eof_ = true;
      }
      framer_.scan(batch.buffer, eof_, found_, batch.problems);
      if (framer_.pending() > kMaxRecord) {
        framer_.skip_pending(batch.problems);
      }
      if (eof_) break;
      if (found_.empty() && framer_.keep_from() > 0) {
        // Nothing to hand out yet (a long record, or skipped bytes): drop what is done with so
        // the buffer holds at most the record in progress.
        std::size_t drop = framer_.keep_from();
        batch.buffer.erase(0, drop);
        framer_.rebase(drop);
      }
      // Enough records for this batch; the next read starts a new buffer.
      if (!found_.empty() && batch.buffer.size() >= max_bytes) break;
    }
    // Carry the incomplete tail over; it is the start of the next batch's buffer.
    std::size_t keep = std::min(framer_.keep_from(), batch.buffer.size());
    if (!eof_) {
      carry_.assign(batch.buffer, keep, std::string::npos);
      framer_.rebase(keep);
    }
    batch.bytes = src_->consumed() - reported_;
    reported_ = src_->consumed();
    finish(batch);
    ++sequence_;
    return !batch.records.empty() || !batch.problems.empty() || !eof_ || batch.bytes > 0;
  }

  void defer_decoding() override { defer_ = true; }

  std::uint64_t bytes_read() const override { return src_->consumed(); }
  std::uint64_t size_hint() const override { return size_; }
  const std::string& name() const override { return name_; }

 private:
  // Deferred JSON lines (after the first batch has told the layout): the batch gets whole
  // lines, cut after the last newline of what was read, and the line number of the first;
  // complete_batch() frames them. The reader only reads, finds the last newline and counts
  // newlines (for the next batch's first line): no per-record work.
  Result<bool> next_raw_batch(RecordBatch& batch, std::size_t max_bytes) {
    if (!raw_started_) {  // take over from the framer: carry_ starts at its pending line
      raw_line_ = framer_.line();
      raw_skipping_ = framer_.skipping();
      raw_started_ = true;
    }
    const std::size_t block = std::clamp<std::size_t>(max_bytes, 1, kMaxBlock);
    ByteBlock& buf = batch.lines;
    buf.assign(carry_);
    carry_.clear();
    std::size_t cut = 0;      // bytes of whole lines at the start of buf
    std::size_t scanned = 0;  // bytes of buf already searched for a newline
    for (;;) {
      if (!eof_) {
        std::size_t old = buf.size();
        buf.resize_for_overwrite(old + block);
        auto n = src_->read(buf.data() + old, block);
        if (!n) {
          buf.clear();
          eof_ = true;
          return fail(n.error());
        }
        buf.resize_for_overwrite(old + *n);
        if (*n == 0) eof_ = true;
      }
      if (raw_skipping_) {  // the line in progress is too long: drop it up to its newline
        const void* nl = std::memchr(buf.data(), '\n', buf.size());
        if (nl == nullptr) {
          buf.clear();
        } else {
          buf.erase_front(static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) + 1);
          ++raw_line_;
          raw_skipping_ = false;
        }
        scanned = cut = 0;
      }
      if (!raw_skipping_ && scanned < buf.size()) {
        const void* last = ::memrchr(buf.data() + scanned, '\n', buf.size() - scanned);
        if (last != nullptr) cut = static_cast<std::size_t>(static_cast<const char*>(last) - buf.data()) + 1;
        scanned = buf.size();
      }
      if (eof_) {
        cut = raw_skipping_ ? 0 : buf.size();  // the last line may lack its newline
        break;
      }
      if (cut > 0 && buf.size() >= max_bytes) break;
      if (cut == 0 && buf.size() > kMaxRecord) {
        batch.problems.push_back({raw_line_, too_long_message()});
        raw_skipping_ = true;
        buf.clear();
        scanned = 0;
      }
    }
    if (cut < buf.size()) carry_.assign(buf.data() + cut, buf.size() - cut);
    buf.resize_for_overwrite(cut + simdjson::SIMDJSON_PADDING);
    std::memset(buf.data() + cut, ' ', simdjson::SIMDJSON_PADDING);
    batch.pending_first_line = raw_line_;
    batch.pending_line_bytes = cut;
    raw_line_ += detail::count_newlines(std::string_view(buf.data(), cut));
    batch.bytes = src_->consumed() - reported_;
    reported_ = src_->consumed();
    ++sequence_;
    return cut > 0 || !batch.problems.empty() || !eof_ || batch.bytes > 0;
  }

  // Pads the buffer and turns record offsets into views (the buffer no longer moves).
  void finish(RecordBatch& batch) {
    batch.buffer.append(simdjson::SIMDJSON_PADDING, ' ');
    batch.records.reserve(found_.size());
    for (const auto& f : found_) {
      batch.records.push_back({std::string_view(batch.buffer.data() + f.offset, f.size), f.line});
    }
    found_.clear();
  }

  std::unique_ptr<Source> src_;
  std::string name_;
  std::uint64_t size_ = 0;
  Framer framer_;
  std::string carry_;
  std::vector<Framer::Found> found_;
  std::uint64_t sequence_ = 0;
  std::uint64_t reported_ = 0;  // input bytes accounted to earlier batches
  bool eof_ = false;
  bool defer_ = false;          // defer_decoding(): JSON lines go out unframed
  bool raw_started_ = false;    // next_raw_batch took over from the framer
  bool raw_skipping_ = false;   // the line at the start of carry_ is too long: dropped
  std::uint64_t raw_line_ = 1;  // line of the first byte of carry_
};

}  // namespace

namespace detail {

namespace {
#if defined(__x86_64__) && defined(__GNUC__)
// 32 bytes a compare when the CPU has AVX2 (checked at run time: the build targets baseline
// x86-64); the same per-byte counters as the SSE2 loop below, 128 bytes a round. The reader
// thread competes with the scanners for the cores (callgrind, 20k bench events: the reader
// thread 11.4 M -> 5.7 M instructions).
__attribute__((target("avx2"))) std::uint64_t count_newlines_avx2(const char*& p,
                                                                  const char* end) noexcept {
  std::uint64_t count = 0;
  const __m256i nl = _mm256_set1_epi8('\n');
  const __m256i zero = _mm256_setzero_si256();
  while (end - p >= 128) {
    __m256i c0 = zero, c1 = zero, c2 = zero, c3 = zero;
    for (int k = 0; k < 255 && end - p >= 128; ++k, p += 128) {
      c0 = _mm256_sub_epi8(c0, _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), nl));
      c1 = _mm256_sub_epi8(c1, _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)), nl));
      c2 = _mm256_sub_epi8(c2, _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64)), nl));
      c3 = _mm256_sub_epi8(c3, _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 96)), nl));
    }
    const __m256i sums =
        _mm256_add_epi64(_mm256_add_epi64(_mm256_sad_epu8(c0, zero), _mm256_sad_epu8(c1, zero)),
                         _mm256_add_epi64(_mm256_sad_epu8(c2, zero), _mm256_sad_epu8(c3, zero)));
    count += static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 0)) +
             static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 1)) +
             static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 2)) +
             static_cast<std::uint64_t>(_mm256_extract_epi64(sums, 3));
  }
  return count;
}

const bool kHaveAvx2 = [] {
  __builtin_cpu_init();  // may run before libgcc's own initialization
  return __builtin_cpu_supports("avx2") != 0;
}();
#endif
}  // namespace

std::uint64_t count_newlines(std::string_view text, bool allow_avx2) noexcept {
  std::uint64_t count = 0;
  const char* p = text.data();
  const char* end = p + text.size();
#if defined(__x86_64__) && defined(__GNUC__)
  if (allow_avx2 && kHaveAvx2) count += count_newlines_avx2(p, end);  // leaves < 128 bytes
#else
  (void)allow_avx2;
#endif
  const __m128i nl = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  // Per-byte counters (a match is -1: subtracting it adds one) for up to 255 rounds, then
  // summed with SAD: no popcount, which without -mpopcnt is a library call. 64 bytes a round
  // into four counters (one 16-byte block a round cost ~11 instructions per block, the loop's
  // own bookkeeping most of it; unrolled, about half).
  while (end - p >= 64) {
    __m128i c0 = zero, c1 = zero, c2 = zero, c3 = zero;
    for (int k = 0; k < 255 && end - p >= 64; ++k, p += 64) {
      c0 = _mm_sub_epi8(c0, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), nl));
      c1 = _mm_sub_epi8(c1, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), nl));
      c2 = _mm_sub_epi8(c2, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)), nl));
      c3 = _mm_sub_epi8(c3, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)), nl));
    }
    // Each counter is at most 255; SAD sums its bytes into two 16-bit lanes.
    const __m128i sums = _mm_add_epi64(_mm_add_epi64(_mm_sad_epu8(c0, zero), _mm_sad_epu8(c1, zero)),
                                       _mm_add_epi64(_mm_sad_epu8(c2, zero), _mm_sad_epu8(c3, zero)));
    count += static_cast<std::uint64_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
  for (; p < end; ++p) count += *p == '\n';  // fewer than 64 bytes, once per batch
  return count;
}

void frame_pending_lines(RecordBatch& batch) {
  if (batch.pending_line_bytes == 0) return;
  const std::string_view buf(batch.lines.data(), batch.pending_line_bytes);
  std::uint64_t line = batch.pending_first_line;
  std::size_t start = 0;
  while (start < buf.size()) {
    const void* nl = std::memchr(buf.data() + start, '\n', buf.size() - start);
    const std::size_t end =
        nl == nullptr ? buf.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data());
    std::size_t b = start, e = end;
    if (trim_line(buf, b, e)) batch.records.push_back({buf.substr(b, e - b), line});
    ++line;
    start = end + 1;
  }
  batch.pending_line_bytes = 0;
}

}  // namespace detail

Result<std::unique_ptr<RecordReader>> RecordReader::open(const std::filesystem::path& path) {
  std::string name = path.string();
  std::unique_ptr<Source> src;
  std::uint64_t size = 0;
  if (name == "-") {
    name = "<stdin>";
    src = std::make_unique<FdSource>(STDIN_FILENO, false, name);
    // A pipe cannot be read twice: look at its first 8 bytes; EVTX needs random access to
    // its chunks, so an EVTX stream is read whole into memory (its size on disk).
    auto read = read_head(*src, 8);
    if (!read) return fail(read.error());
    std::string head = std::move(*read);
    if (is_evtx(head)) {
      std::string all = std::move(head);
      for (;;) {
        std::size_t old = all.size();
        all.resize(old + kMaxBlock);
        auto n = src->read(all.data() + old, kMaxBlock);
        if (!n) return fail(n.error());
        all.resize(old + *n);
        if (*n == 0) break;
      }
      return evtx_from_string(std::move(all), std::move(name));
    }
    src = std::make_unique<PrefixSource>(std::move(head), std::move(src));
  } else {
    int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      return fail(e == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                  "cannot open: " + std::string(std::strerror(e)), Location{name, 0, 0});
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
      if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return fail(ErrorCode::kIo, "cannot read: is a directory", Location{name, 0, 0});
      }
      if (S_ISREG(st.st_mode)) size = static_cast<std::uint64_t>(st.st_size);
    }
    // EVTX is recognized by its signature (a regular file can be read twice; a pipe cannot).
    char head[8];
    if (size >= sizeof head && ::pread(fd, head, sizeof head, 0) == sizeof head &&
        is_evtx(std::string_view(head, sizeof head))) {
      ::close(fd);
      return open_evtx(path);
    }
    src = std::make_unique<FdSource>(fd, true, name);
  }
  auto sniffed = sniff_gzip(std::move(src), name);
  if (!sniffed) return fail(sniffed.error());
  return std::unique_ptr<RecordReader>(
      std::make_unique<StreamReader>(std::move(*sniffed), std::move(name), size));
}

std::unique_ptr<RecordReader> RecordReader::from_string(std::string text, std::string name) {
  if (is_evtx(text)) return evtx_from_string(std::move(text), std::move(name));
  std::uint64_t size = text.size();
  auto sniffed = sniff_gzip(std::make_unique<StringSource>(std::move(text)), name);
  // A string source cannot fail to read.
  return std::make_unique<StreamReader>(std::move(*sniffed), std::move(name), size);
}

}  // namespace rasid::input
