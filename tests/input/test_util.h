#pragma once
// Helpers shared by the input tests: read a whole input, make temporary files, gzip.

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "input/record_reader.h"

namespace rasid::input::testing {

struct ReadResult {
  std::vector<std::pair<std::string, std::uint64_t>> records;  // text, line
  std::vector<InputProblem> problems;
  std::size_t batches = 0;
};

// Reads every batch of `reader`; checks the padding contract of each record on the way.
// `deferred`: asks the reader to defer its per-byte work (RecordReader::defer_decoding) and
// completes each batch with complete_batch(), as the hunt's scanner threads do.
inline ReadResult read_all(RecordReader& reader, std::size_t max_bytes = 1 << 20,
                           bool deferred = false) {
  ReadResult out;
  RecordBatch batch;
  if (deferred) reader.defer_decoding();
  for (;;) {
    auto more = reader.next_batch(batch, max_bytes);
    EXPECT_TRUE(more.has_value()) << (more ? "" : more.error().to_string());
    if (!more || !*more) break;
    if (deferred) complete_batch(batch);
    EXPECT_EQ(batch.pending_line_bytes, 0u);
    ++out.batches;
    const char* begin = batch.storage().data();
    const char* end = begin + batch.storage().size();
    for (const auto& r : batch.records) {
      EXPECT_GE(r.text.data(), begin);
      EXPECT_LE(r.text.data() + r.text.size() + 64, end) << "record not padded: " << r.text;
      out.records.emplace_back(std::string(r.text), r.line);
    }
    for (const auto& p : batch.problems) out.problems.push_back(p);
  }
  return out;
}

// Reads `text` framed by the reader, and checks that a deferring reader whose batches are
// completed by complete_batch() gives the same records, lines and problems.
inline ReadResult read_string(std::string text, std::size_t max_bytes = 1 << 20) {
  auto deferring = RecordReader::from_string(text, "test");
  ReadResult deferred = read_all(*deferring, max_bytes, /*deferred=*/true);
  auto reader = RecordReader::from_string(std::move(text), "test");
  ReadResult framed = read_all(*reader, max_bytes);
  EXPECT_EQ(deferred.records, framed.records) << "deferred framing differs, max_bytes " << max_bytes;
  EXPECT_EQ(deferred.problems.size(), framed.problems.size());
  for (std::size_t i = 0; i < std::min(deferred.problems.size(), framed.problems.size()); ++i) {
    EXPECT_EQ(deferred.problems[i].line, framed.problems[i].line);
    EXPECT_EQ(deferred.problems[i].message, framed.problems[i].message);
  }
  return framed;
}

// gzip-compresses `data` (one member).
inline std::string gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// A fresh temporary folder, removed at destruction.
class TempDir {
 public:
  TempDir() {
    auto base = std::filesystem::temp_directory_path();
    for (int i = 0;; ++i) {
      path_ = base / ("rasid_input_test_" + std::to_string(::getpid()) + "_" + std::to_string(i));
      if (std::filesystem::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& bytes) const {
    auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace rasid::input::testing
