#pragma once
// RecordReader: splits one input (file, gzip file or stdin) into JSON records, in batches.
//
// Formats, recognized from the content: JSON lines (one document a line), a JSON array of
// documents, and concatenated documents (pretty-printed objects one after another, as
// evtx_dump writes). gzip is recognized by its magic bytes and decompressed on the fly.
// An input starting with "ElfFile\0" is a Windows event log: open() and from_string()
// return the EVTX reader of evtx_reader.h, whose records are flat JSON objects (standard
// input is then read whole into memory first, as EVTX needs random access).
// Memory stays bounded whatever the input size: records are read in batches.
//
// A batch owns its bytes, so it can be handed to another thread; records are views into
// RecordBatch::buffer, which always ends with simdjson's padding so each record can be parsed
// in place. Framing problems (an unterminated document, a stray character between documents)
// are reported in RecordBatch::problems with their line, and reading goes on after them.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace rasid::input {

struct Record {
  std::string_view text;    // one JSON document; padded (readable SIMDJSON_PADDING bytes after)
  std::uint64_t line = 0;   // 1-based line of the document's first byte in the (decompressed) input
};

struct InputProblem {
  std::uint64_t line = 0;
  std::string message;  // lowercase, says what is wrong
};

// Random access to the bytes of an input, shared by a reader and the batches it defers.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes at `offset` into `dst`; fewer only at the end of the input.
  // Thread-safe.
  [[nodiscard]] virtual Result<std::size_t> read_at(std::uint64_t offset, char* dst,
                                                    std::size_t n) const = 0;
};

// Bytes that grow without being zero-filled first and keep their storage when cleared: the
// deferred JSON-lines path reads straight into it, so a reused batch costs no memset (a
// std::string would clear every byte it grows by: ~1,000 instructions per event of the reader
// thread, measured).
class ByteBlock {
 public:
  [[nodiscard]] char* data() noexcept { return data_.get(); }
  [[nodiscard]] const char* data() const noexcept { return data_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }
  void clear() noexcept { size_ = 0; }
  // Sets the size to `n`, keeping the first min(n, size()) bytes; bytes beyond them have
  // unspecified values until written.
  void resize_for_overwrite(std::size_t n);
  void assign(std::string_view s) {
    resize_for_overwrite(s.size());
    if (!s.empty()) std::memcpy(data_.get(), s.data(), s.size());
  }
  void append(std::string_view s) {
    const std::size_t at = size_;
    resize_for_overwrite(at + s.size());
    if (!s.empty()) std::memcpy(data_.get() + at, s.data(), s.size());
  }
  // Drops the first `n` bytes (n <= size()).
  void erase_front(std::size_t n) noexcept {
    if (n < size_) std::memmove(data_.get(), data_.get() + n, size_ - n);
    size_ -= std::min(n, size_);
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

struct RecordBatch {
  std::uint32_t input = 0;        // index of the input in the hunt's input list
  std::uint64_t sequence = 0;     // batch number within the input, from 0
  // Own the bytes the records point into: `buffer` for records the reader framed or decoded,
  // `lines` for deferred JSON lines (below). Both keep their storage across clear().
  std::string buffer;
  ByteBlock lines;
  std::vector<Record> records;
  std::vector<InputProblem> problems;
  std::uint64_t bytes = 0;        // input bytes (compressed size for gzip) this batch covers

  // Work a deferring reader (RecordReader::defer_decoding) left for complete_batch(): EVTX
  // chunks to read from `pending_source` and decode, on whichever thread calls it (so the
  // reading, too, happens on all cores). Empty otherwise.
  struct PendingChunk {
    std::uint64_t index = 0;   // chunk number in its file (for messages)
    std::uint64_t offset = 0;  // of its bytes in the input
    std::size_t size = 0;      // 65536, or less for the truncated last chunk of a file
  };
  std::shared_ptr<const ByteSource> pending_source;
  std::vector<PendingChunk> pending_chunks;
  // JSON lines a deferring reader left unframed: the first `pending_line_bytes` bytes of
  // `lines` are whole lines (only the input's last line may lack its newline), the first of
  // them being line `pending_first_line` of the input. complete_batch() splits them into
  // records, as the reader would have, on the thread that calls it.
  std::size_t pending_line_bytes = 0;
  std::uint64_t pending_first_line = 0;

  // Empties the batch for reuse, keeping the storage of `buffer` and `lines`. `input` is the
  // caller's label and is kept, so it can be set once per reader.
  void clear();
  // The bytes the records point into (`lines` or `buffer`), padding included.
  [[nodiscard]] std::string_view storage() const noexcept {
    return lines.empty() ? std::string_view(buffer) : lines.view();
  }
};

// Finishes a batch from a deferring reader: splits its pending JSON lines into records, or
// decodes its pending EVTX chunks into records and problems (in chunk order, after the
// problems already there), and empties the pending work. A no-op for a batch without pending
// work. Thread-safe (touches only `batch`), so N threads can frame and decode the batches of
// one file in parallel; batch order still gives record order.
void complete_batch(RecordBatch& batch);

class RecordReader {
 public:
  virtual ~RecordReader() = default;

  // Opens `path` ("-" for standard input). Fails (kNotFound, kIo) if it cannot be read.
  [[nodiscard]] static Result<std::unique_ptr<RecordReader>> open(const std::filesystem::path& path);
  // Same over an in-memory text (tests, fuzzing); `name` is used in messages.
  [[nodiscard]] static std::unique_ptr<RecordReader> from_string(std::string text, std::string name);

  // Fills `batch` (cleared first) with up to about `max_bytes` of records. Returns false when
  // the input is exhausted and the batch is empty; an I/O or decompression failure is an
  // error (records already returned stay valid). The input is read in blocks of
  // min(max_bytes, 4 MiB); a record longer than the batch makes the buffer grow until it is
  // complete (up to 256 MiB: a longer record is skipped with a problem). A batch may hold only
  // problems, or nothing at all when the last bytes were blank.
  [[nodiscard]] virtual Result<bool> next_batch(RecordBatch& batch, std::size_t max_bytes) = 0;

  // Asks the reader to leave per-byte work to complete_batch(), to be run on other threads
  // (the hunt's scanners): EVTX chunks are only located (read and decoded by complete_batch),
  // JSON lines are handed out as blocks cut after their last newline (split into records by
  // complete_batch). Pretty-printed documents and arrays are still framed by the reader. The
  // records, lines and problems are the same as without deferral.
  virtual void defer_decoding() {}

  // True if the records are flat JSON objects rasid itself rendered (EVTX): they can be
  // written out as they are, with no need to parse and re-render them.
  [[nodiscard]] virtual bool renders_flat_json() const { return false; }

  // Bytes of the input consumed so far (on disk: compressed bytes for gzip).
  [[nodiscard]] virtual std::uint64_t bytes_read() const = 0;
  // Size of the input on disk if known (progress bars), else 0.
  [[nodiscard]] virtual std::uint64_t size_hint() const = 0;
  [[nodiscard]] virtual const std::string& name() const = 0;
};

}  // namespace rasid::input
