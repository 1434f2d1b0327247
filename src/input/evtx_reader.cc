#include "input/evtx_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <simdjson.h>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "input/detail/evtx_chunk.h"
#include "input/detail/lines.h"

namespace rasid::input {

namespace {

using detail::kEvtxChunkSize;

constexpr std::string_view kFileMagic("ElfFile\0", 8);
constexpr std::string_view kChunkMagic("ElfChnk\0", 8);
constexpr std::size_t kFileHeaderMin = 0x80;  // fields and checksum of the file header

// Random access to the bytes of the file: a descriptor (pread, which threads may share) or a
// string.
class FdBytes final : public ByteSource {
 public:
  FdBytes(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  ~FdBytes() override { ::close(fd_); }
  FdBytes(const FdBytes&) = delete;
  FdBytes& operator=(const FdBytes&) = delete;

  Result<std::size_t> read_at(std::uint64_t offset, char* dst, std::size_t n) const override {
    std::size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, dst + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return fail(ErrorCode::kIo, "read error: " + std::string(std::strerror(errno)),
                    Location{name_, 0, 0});
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    return got;
  }

 private:
  int fd_;
  std::string name_;
};

class StringBytes final : public ByteSource {
 public:
  explicit StringBytes(std::string s) : s_(std::move(s)) {}
  Result<std::size_t> read_at(std::uint64_t offset, char* dst, std::size_t n) const override {
    if (offset >= s_.size()) return std::size_t{0};
    std::size_t k = std::min<std::size_t>(n, s_.size() - static_cast<std::size_t>(offset));
    std::memcpy(dst, s_.data() + offset, k);
    return k;
  }

 private:
  std::string s_;
};

class EvtxReader final : public RecordReader {
 public:
  EvtxReader(std::shared_ptr<const ByteSource> bytes, std::string name, std::uint64_t size)
      : bytes_(std::move(bytes)), name_(std::move(name)), size_(size) {}

  Result<bool> next_batch(RecordBatch& batch, std::size_t max_bytes) override {
    batch.clear();
    batch.sequence = sequence_;
    if (done_) return false;
    std::uint64_t start = consumed_;
    if (!header_read_) {
      header_read_ = true;
      std::string head(kFileHeaderMin, '\0');
      auto n = bytes_->read_at(0, head.data(), head.size());
      if (!n) return fail(n.error());
      head.resize(*n);
      if (!is_evtx(head)) {
        batch.problems.push_back({0, "not an evtx file"});
        done_ = true;
        return true;
      }
      if (head.size() < kFileHeaderMin) {
        batch.problems.push_back({0, "truncated file header"});
      } else {
        const auto* h = reinterpret_cast<const unsigned char*>(head.data());
        std::uint32_t want = static_cast<std::uint32_t>(h[0x7C]) | (h[0x7D] << 8) |
                             (h[0x7E] << 16) | (static_cast<std::uint32_t>(h[0x7F]) << 24);
        if (static_cast<std::uint32_t>(::crc32(0, h, 0x78)) != want) {
          batch.problems.push_back({0, "bad file header checksum"});
        }
        std::uint16_t hsize = static_cast<std::uint16_t>(h[0x28] | (h[0x29] << 8));
        offset_ = hsize != 0 ? hsize : 0x1000;
      }
      if (offset_ == 0) offset_ = 0x1000;
      consumed_ = offset_;
    }
    // The batch gets the places of its chunks; complete_batch() reads and decodes them,
    // here or (when decoding is deferred) on a scanner thread.
    batch.pending_source = bytes_;
    std::size_t taken = 0;
    while (!done_ && taken < max_bytes) {
      if (offset_ >= size_) {
        done_ = true;
        break;
      }
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kEvtxChunkSize, size_ - offset_));
      batch.pending_chunks.push_back({index_, offset_, n});
      taken += n;
      offset_ += n;
      consumed_ = offset_;
      ++index_;
      if (n < kEvtxChunkSize) done_ = true;
    }
    if (batch.pending_chunks.empty()) batch.pending_source.reset();
    batch.bytes = consumed_ - start;
    ++sequence_;
    bool any = !batch.pending_chunks.empty() || !batch.problems.empty() || batch.bytes > 0;
    if (!deferred_) complete_batch(batch);
    return any;
  }

  void defer_decoding() override { deferred_ = true; }
  bool renders_flat_json() const override { return true; }

  std::uint64_t bytes_read() const override { return consumed_; }
  std::uint64_t size_hint() const override { return size_; }
  const std::string& name() const override { return name_; }

 private:
  std::shared_ptr<const ByteSource> bytes_;
  std::string name_;
  std::uint64_t size_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t consumed_ = 0;
  std::uint64_t index_ = 0;
  std::uint64_t sequence_ = 0;
  bool header_read_ = false;
  bool done_ = false;
  bool deferred_ = false;
};

}  // namespace

void complete_batch(RecordBatch& batch) {
  detail::frame_pending_lines(batch);  // JSON lines: see record_reader.cc
  if (batch.pending_chunks.empty()) return;
  RASID_ASSERT(batch.records.empty() && batch.buffer.empty());
  std::vector<detail::EvtxRecordOut> recs;
  std::vector<detail::EvtxProblemOut> probs;
  // One chunk at a time, in a buffer each thread keeps.
  thread_local std::string buffer;
  buffer.resize(kEvtxChunkSize);
  for (const auto& c : batch.pending_chunks) {
    auto got = batch.pending_source->read_at(c.offset, buffer.data(), c.size);
    if (!got) {
      batch.problems.push_back({0, "chunk " + std::to_string(c.index) + ": " + got.error().message});
      continue;
    }
    // Fewer bytes than planned: the file shrank since it was opened; read what is there.
    std::string_view chunk(buffer.data(), *got);
    bool blank = chunk.find_first_not_of('\0') == std::string_view::npos;
    if (chunk.size() < detail::kEvtxChunkHeaderSize) {
      // A file ends after its last chunk; a few stray bytes are a truncated chunk.
      if (!blank) {
        batch.problems.push_back(
            {0, "chunk " + std::to_string(c.index) + ": truncated chunk header; ignored"});
      }
      continue;
    }
    if (chunk.substr(0, 8) != kChunkMagic) {
      // Preallocated, never written chunks are zero-filled; anything else is damage.
      if (!blank) {
        batch.problems.push_back(
            {0, "chunk " + std::to_string(c.index) + ": no chunk signature; skipped"});
      }
      continue;
    }
    probs.clear();
    detail::decode_evtx_chunk(chunk, c.index, batch.buffer, recs, probs);
    for (auto& p : probs) batch.problems.push_back({p.record_id, std::move(p.message)});
  }
  batch.buffer.append(simdjson::SIMDJSON_PADDING, ' ');
  batch.records.reserve(recs.size());
  for (const auto& r : recs) {
    batch.records.push_back({std::string_view(batch.buffer.data() + r.offset, r.size), r.record_id});
  }
  batch.pending_source.reset();
  batch.pending_chunks.clear();
}

bool is_evtx(std::string_view head) { return head.substr(0, kFileMagic.size()) == kFileMagic; }

Result<std::unique_ptr<RecordReader>> open_evtx(const std::filesystem::path& path) {
  std::string name = path.string();
  int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return fail(e == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                "cannot open: " + std::string(std::strerror(e)), Location{name, 0, 0});
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    return std::unique_ptr<RecordReader>(std::make_unique<EvtxReader>(
        std::make_shared<FdBytes>(fd, name), name, static_cast<std::uint64_t>(st.st_size)));
  }
  // A pipe or device has no size to plan chunks by: read it whole (as standard input is).
  std::string all;
  char block[1 << 16];
  for (;;) {
    ssize_t r = ::read(fd, block, sizeof block);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      ::close(fd);
      return fail(ErrorCode::kIo, "read error: " + std::string(std::strerror(e)), Location{name, 0, 0});
    }
    if (r == 0) break;
    all.append(block, static_cast<std::size_t>(r));
  }
  ::close(fd);
  return evtx_from_string(std::move(all), name);
}

std::unique_ptr<RecordReader> evtx_from_string(std::string bytes, std::string name) {
  std::uint64_t size = bytes.size();
  return std::make_unique<EvtxReader>(std::make_shared<StringBytes>(std::move(bytes)),
                                      std::move(name), size);
}

}  // namespace rasid::input
