#include "input/record_reader.h"

#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "input/detail/lines.h"
#include "input/json_decoder.h"
#include "test_util.h"

namespace rasid::input {
namespace {

using testing::gzip;
using testing::read_all;
using testing::read_string;
using testing::TempDir;
using Records = std::vector<std::pair<std::string, std::uint64_t>>;

TEST(RecordReaderTest, JsonLinesGiveOneRecordPerLine) {
  auto r = read_string("{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
  EXPECT_EQ(r.records, (Records{{"{\"a\":1}", 1}, {"{\"b\":2}", 2}, {"{\"c\":3}", 3}}));
  EXPECT_TRUE(r.problems.empty());
}

TEST(RecordReaderTest, LastLineWithoutNewline) {
  auto r = read_string("{\"a\":1}\n{\"b\":2}");
  EXPECT_EQ(r.records, (Records{{"{\"a\":1}", 1}, {"{\"b\":2}", 2}}));
}

TEST(RecordReaderTest, EmptyAndBlankLinesAreSkippedButCounted) {
  auto r = read_string("\n{\"a\":1}\n\n   \n\t{\"b\":2}  \n\n");
  EXPECT_EQ(r.records, (Records{{"{\"a\":1}", 2}, {"{\"b\":2}", 5}}));
}

TEST(RecordReaderTest, Utf8BomIsSkipped) {
  auto r = read_string("\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n");
  EXPECT_EQ(r.records, (Records{{"{\"a\":1}", 1}, {"{\"b\":2}", 2}}));
  auto pretty = read_string("\xEF\xBB\xBF{\n  \"a\": 1\n}\n");
  EXPECT_EQ(pretty.records, (Records{{"{\n  \"a\": 1\n}", 1}}));
}

TEST(RecordReaderTest, CrlfLineEndings) {
  auto r = read_string("{\"a\":1}\r\n{\"b\":2}\r\n\r\n{\"c\":3}\r\n");
  EXPECT_EQ(r.records, (Records{{"{\"a\":1}", 1}, {"{\"b\":2}", 2}, {"{\"c\":3}", 4}}));
  auto pretty = read_string("{\r\n  \"a\": 1\r\n}\r\n{\r\n  \"b\": 2\r\n}\r\n");
  EXPECT_EQ(pretty.records, (Records{{"{\r\n  \"a\": 1\r\n}", 1}, {"{\r\n  \"b\": 2\r\n}", 4}}));
}

TEST(RecordReaderTest, MalformedLineDoesNotHideTheOthers) {
  auto r = read_string("{\"a\":1}\n{\"b\": \"unterminated}\n{\"c\":3}\n{\"d\":[1,2}\n{\"e\":5}\n");
  ASSERT_EQ(r.records.size(), 5u);
  EXPECT_EQ(r.records[2], (std::pair<std::string, std::uint64_t>{"{\"c\":3}", 3}));
  EXPECT_EQ(r.records[4].second, 5u);
  // The decoder, not the reader, reports the bad lines.
  JsonDecoder decoder;
  int bad = 0;
  for (const auto& [text, line] : r.records) {
    std::string padded = text + std::string(64, ' ');
    auto full = decoder.decode_full(std::string_view(padded.data(), text.size()));
    if (!full) {
      ++bad;
      EXPECT_EQ(full.error().code, ErrorCode::kParse);
      EXPECT_TRUE(line == 2 || line == 4) << line;
    }
  }
  EXPECT_EQ(bad, 2);
}

TEST(RecordReaderTest, BrokenFirstLineStillMeansJsonLines) {
  // The first document does not close on its line, but the line does not end with an opening
  // bracket as a pretty-printed document's would: lines mode, so the other lines survive.
  auto r = read_string("{\"a\": \"cut\n{\"b\":2}\n{\"c\":{\"d\":3}}\n");
  EXPECT_EQ(r.records, (Records{{"{\"a\": \"cut", 1}, {"{\"b\":2}", 2}, {"{\"c\":{\"d\":3}}", 3}}));
  auto nested = read_string("{\"a\": {\"b\": 1\n{\"c\":2}\n");
  EXPECT_EQ(nested.records.size(), 2u);
  // A pretty-printed document whose first line opens an object is a stream.
  auto pretty = read_string("{\"Event\": {\n  \"x\": 1\n}}\n{\"Event\": {\n  \"y\": 2\n}}\n");
  EXPECT_EQ(pretty.records.size(), 2u);
  EXPECT_EQ(pretty.records[1].second, 4u);
}

TEST(RecordReaderTest, TopLevelArrayElementsAreRecords) {
  auto r = read_string("[{\"a\":1},\n {\"b\":[1,2]},\n\n {\"c\":\"]\"}]\n");
  EXPECT_EQ(r.records, (Records{{"{\"a\":1}", 1}, {"{\"b\":[1,2]}", 2}, {"{\"c\":\"]\"}", 4}}));
  EXPECT_TRUE(r.problems.empty());
}

TEST(RecordReaderTest, PrettyPrintedArray) {
  auto r = read_string("[\n  {\n    \"a\": 1\n  },\n  {\n    \"b\": 2\n  }\n]\n");
  EXPECT_EQ(r.records,
            (Records{{"{\n    \"a\": 1\n  }", 2}, {"{\n    \"b\": 2\n  }", 5}}));
}

TEST(RecordReaderTest, EmptyArrayAndScalarElements) {
  EXPECT_TRUE(read_string("[]").records.empty());
  auto r = read_string("[1, \"x,]\", true]");
  EXPECT_EQ(r.records, (Records{{"1", 1}, {"\"x,]\"", 1}, {"true", 1}}));
}

TEST(RecordReaderTest, ConcatenatedPrettyDocuments) {
  std::string text =
      "{\n  \"Event\": {\n    \"x\": \"}{\"\n  }\n}\n"
      "{\n  \"Event\": {\n    \"y\": \"\\\"\"\n  }\n}\n";
  auto r = read_string(text);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].second, 1u);
  EXPECT_EQ(r.records[1].second, 6u);
  EXPECT_EQ(r.records[1].first, "{\n  \"Event\": {\n    \"y\": \"\\\"\"\n  }\n}");
}

TEST(RecordReaderTest, GarbageBetweenDocumentsIsAProblem) {
  auto r = read_string("{\n \"a\": 1\n}\nxyz\n{\n \"b\": 2\n}\n");
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].second, 5u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 4u);
  EXPECT_NE(r.problems[0].message.find("unexpected character 'x'"), std::string::npos);
}

TEST(RecordReaderTest, UnterminatedDocumentAtEndIsAProblem) {
  auto r = read_string("{\n \"a\": 1\n}\n{\n \"b\": {\n");
  ASSERT_EQ(r.records.size(), 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 4u);
  EXPECT_EQ(r.problems[0].message, "unterminated json document");
  auto arr = read_string("[{\"a\":1}, {\"b\":2}");
  EXPECT_EQ(arr.records.size(), 2u);
  ASSERT_EQ(arr.problems.size(), 1u);
  EXPECT_EQ(arr.problems[0].message, "unterminated json array");
}

TEST(RecordReaderTest, BrokenStringInPrettyDocumentResynchronizes) {
  // A raw newline cannot be inside a string: the scanner stops the string there, so the next
  // document is still found and only the broken one fails to decode.
  auto r = read_string("{\n \"a\": \"oops\n}\n{\n \"b\": 2\n}\n");
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].second, 4u);
}

TEST(RecordReaderTest, EmptyInput) {
  EXPECT_TRUE(read_string("").records.empty());
  EXPECT_TRUE(read_string("\n\n  \n").records.empty());
  EXPECT_TRUE(read_string("\xEF\xBB\xBF").records.empty());
}

// Every way of cutting the input into blocks gives the records of a one-shot read.
class BlockBoundaryTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BlockBoundaryTest, SameRecordsForEveryBlockSize) {
  const std::string& text = GetParam();
  auto whole = read_string(text, 1 << 20);
  ASSERT_FALSE(whole.records.empty());
  for (std::size_t block = 1; block <= text.size() + 1; ++block) {
    auto cut = read_string(text, block);
    ASSERT_EQ(cut.records, whole.records) << "block size " << block;
    ASSERT_EQ(cut.problems.size(), whole.problems.size()) << "block size " << block;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Formats, BlockBoundaryTest,
    ::testing::Values(
        std::string("{\"a\":1}\n{\"bb\":\"x\\\"y\"}\n\n{\"c\":[1,{\"d\":2}]}\n"),
        std::string("\xEF\xBB\xBF{\"a\":1}\r\n{\"b\":2}\r\n"),
        std::string("[{\"a\":1},{\"b\":\"]\"},\n {\"c\":3}]"),
        std::string("\xEF\xBB\xBF{\n  \"a\": {\n    \"b\": \"}\"\n  }\n}\n{\n  \"c\": 1\n}\n"),
        std::string("{\n \"a\": 1\n}\n?\n{\n \"b\": 2\n}")));

TEST(RecordReaderTest, HugeLineSpanningManyBlocks) {
  std::string big(3 << 20, 'x');
  std::string text = "{\"a\":1}\n{\"big\":\"" + big + "\"}\n{\"c\":3}\n";
  auto r = read_string(text, 256 * 1024);
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[1].first.size(), big.size() + 10);
  EXPECT_EQ(r.records[2], (std::pair<std::string, std::uint64_t>{"{\"c\":3}", 3}));
  EXPECT_GT(r.batches, 1u);
  // Same for a pretty-printed document and for the first record of a file.
  std::string pretty = "{\n \"big\": \"" + big + "\"\n}\n{\n \"c\": 3\n}\n";
  auto p = read_string(pretty, 256 * 1024);
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[1].second, 4u);
}

TEST(RecordReaderTest, BatchesAreBoundedAndNumbered) {
  std::string text;
  for (int i = 0; i < 10000; ++i) text += "{\"n\":" + std::to_string(i) + "}\n";
  auto reader = RecordReader::from_string(text, "many");
  RecordBatch batch;
  std::uint64_t seq = 0;
  std::size_t total = 0;
  std::uint64_t bytes = 0;
  for (;;) {
    auto more = reader->next_batch(batch, 4096);
    ASSERT_TRUE(more.has_value());
    if (!*more) break;
    EXPECT_EQ(batch.sequence, seq++);
    EXPECT_LE(batch.buffer.size(), 3 * 4096u);
    total += batch.records.size();
    bytes += batch.bytes;
  }
  EXPECT_EQ(total, 10000u);
  EXPECT_EQ(bytes, text.size());
  EXPECT_EQ(reader->bytes_read(), text.size());
  EXPECT_EQ(reader->size_hint(), text.size());
  auto again = reader->next_batch(batch, 4096);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(*again);
}

TEST(RecordReaderTest, GzipFileIsDecompressed) {
  TempDir dir;
  std::string text;
  for (int i = 1; i <= 500; ++i) text += "{\"n\":" + std::to_string(i) + "}\n";
  auto path = dir.write("events.jsonl.gz", gzip(text));
  auto reader = RecordReader::open(path);
  ASSERT_TRUE(reader.has_value()) << reader.error().to_string();
  auto r = read_all(**reader, 1000);
  ASSERT_EQ(r.records.size(), 500u);
  EXPECT_EQ(r.records[499], (std::pair<std::string, std::uint64_t>{"{\"n\":500}", 500}));
  EXPECT_EQ((*reader)->bytes_read(), std::filesystem::file_size(path));
}

TEST(RecordReaderTest, ConcatenatedGzipMembersAndPrettyContent) {
  std::string a = "{\n  \"a\": 1\n}\n";
  std::string b = "{\n  \"b\": 2\n}\n";
  auto r = read_string(gzip(a) + gzip(b), 7);
  EXPECT_EQ(r.records, (Records{{"{\n  \"a\": 1\n}", 1}, {"{\n  \"b\": 2\n}", 4}}));
}

TEST(RecordReaderTest, TruncatedGzipIsAnError) {
  std::string z = gzip(std::string(10000, ' ') + "{\"a\":1}\n");
  z.resize(z.size() / 2);
  auto reader = RecordReader::from_string(z, "cut.gz");
  RecordBatch batch;
  Result<bool> more = true;
  while (more && *more) more = reader->next_batch(batch, 1 << 20);
  ASSERT_FALSE(more.has_value());
  EXPECT_EQ(more.error().code, ErrorCode::kParse);
  EXPECT_NE(more.error().message.find("gzip"), std::string::npos);
}

TEST(RecordReaderTest, OpenMissingFileIsNotFound) {
  auto reader = RecordReader::open("/nonexistent/rasid/file.jsonl");
  ASSERT_FALSE(reader.has_value());
  EXPECT_EQ(reader.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(reader.error().where.file, "/nonexistent/rasid/file.jsonl");
}

TEST(RecordReaderTest, OpenPlainFile) {
  TempDir dir;
  auto path = dir.write("a.json", "[{\"a\":1},{\"b\":2}]");
  auto reader = RecordReader::open(path);
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ((*reader)->name(), path.string());
  EXPECT_EQ((*reader)->size_hint(), 17u);
  EXPECT_EQ(read_all(**reader).records.size(), 2u);
}

TEST(RecordReaderTest, StandardInputIsDash) {
  // Standard input is swapped for a pipe holding a small gzip stream for the test's duration.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string data = gzip("{\"a\":1}\n{\"b\":2}\n");
  ASSERT_EQ(::write(fds[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(fds[1]);
  int saved = ::dup(0);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(::dup2(fds[0], 0), 0);
  ::close(fds[0]);
  auto reader = RecordReader::open("-");
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ((*reader)->name(), "<stdin>");
  EXPECT_EQ((*reader)->size_hint(), 0u);
  auto r = read_all(**reader);
  ::dup2(saved, 0);
  ::close(saved);
  EXPECT_EQ(r.records, (Records{{"{\"a\":1}", 1}, {"{\"b\":2}", 2}}));
}

// Deferred JSON lines: after the first batch (which tells the layout), the reader hands out
// whole lines unframed, and complete_batch(), run on other threads and in any order, gives
// the records and lines of a framing reader.
TEST(RecordReaderTest, DeferredJsonLinesAreFramedByCompleteBatch) {
  std::string text;
  Records expected;
  std::uint64_t line = 1;
  for (int i = 0; i < 3000; ++i, ++line) {
    std::string rec = "{\"n\":" + std::to_string(i) + ",\"s\":\"" + std::string(i % 37, 'x') + "\"}";
    switch (i % 7) {
      case 0: text += rec + "\r\n"; break;                              // CRLF
      case 1: text += "\n" + rec + "\n"; ++line; break;                 // an empty line before
      case 2: text += "  \t" + rec + " \n"; break;                      // blanks around
      default: text += rec + "\n"; break;
    }
    expected.emplace_back(rec, line);
  }
  text += "{\"last\":true}";  // no newline at the end
  expected.emplace_back("{\"last\":true}", line);

  auto reader = RecordReader::from_string(text, "lines");
  reader->defer_decoding();
  std::vector<RecordBatch> batches;
  std::uint64_t bytes = 0;
  for (;;) {
    RecordBatch batch;
    auto more = reader->next_batch(batch, 4096);
    ASSERT_TRUE(more.has_value());
    if (!*more) break;
    EXPECT_EQ(batch.sequence, batches.size());
    if (!batches.empty()) {
      // Unframed: whole lines, cut after a newline (only the input's end may lack one).
      EXPECT_TRUE(batch.records.empty());
      ASSERT_GT(batch.pending_line_bytes, 0u);
      EXPECT_GE(batch.pending_first_line, 2u);
      std::string_view lines(batch.lines.data(), batch.pending_line_bytes);
      if (!lines.ends_with("{\"last\":true}")) {
        EXPECT_EQ(lines.back(), '\n');
      }
    }
    bytes += batch.bytes;
    batches.push_back(std::move(batch));
  }
  ASSERT_GT(batches.size(), 10u);
  EXPECT_EQ(bytes, text.size());
  std::vector<std::thread> threads;
  for (std::size_t i = batches.size(); i-- > 0;) {
    threads.emplace_back([&batches, i] { complete_batch(batches[i]); });
  }
  for (auto& t : threads) t.join();
  Records got;
  for (auto& b : batches) {
    EXPECT_EQ(b.pending_line_bytes, 0u);
    complete_batch(b);  // a second call does nothing
    for (const auto& r : b.records) {
      EXPECT_GE(r.text.data(), b.storage().data());
      EXPECT_LE(r.text.data() + r.text.size() + 64, b.storage().data() + b.storage().size());
      got.emplace_back(std::string(r.text), r.line);
    }
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(read_string(text, 4096).records, expected);  // and the same without deferral
}

// The reader counts the newlines of every deferred batch (the next batch's first line).
TEST(RecordReaderTest, CountNewlinesMatchesAByteCount) {
  std::string text;
  std::uint32_t x = 12345;
  // Sizes around every loop's limits: 128-byte rounds with AVX2 (255 of them: 32,640 bytes),
  // 64-byte rounds (255: 16,320 bytes), single bytes.
  for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 63u, 64u, 65u, 79u, 80u, 127u, 128u, 129u,
                           255u, 256u, 4079u, 4080u, 4081u, 8160u, 16319u, 16320u, 16321u,
                           16320u + 4080u + 15u, 32639u, 32640u, 32641u, 32640u + 127u,
                           65280u + 64u + 16u + 3u, 100000u}) {
    text.clear();
    for (std::size_t i = 0; i < size; ++i) {
      x = x * 1103515245u + 12345u;
      text.push_back((x >> 16) % 4 == 0 ? '\n' : static_cast<char>('a' + (x >> 20) % 26));
    }
    // Both paths: AVX2 (when this CPU has it) and SSE2 alone.
    for (bool avx2 : {true, false}) {
      EXPECT_EQ(detail::count_newlines(text, avx2),
                static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n')))
          << size << (avx2 ? " AVX2" : " SSE2");
      std::string all(size, '\n');  // every byte: the per-byte counters must not overflow
      EXPECT_EQ(detail::count_newlines(all, avx2), size) << (avx2 ? " AVX2" : " SSE2");
    }
  }
}

// Pretty-printed documents and arrays are still framed by the reader, deferral or not.
TEST(RecordReaderTest, DeferredPrettyDocumentsAreFramedByTheReader) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "{\n  \"n\": " + std::to_string(i) + "\n}\n";
  auto reader = RecordReader::from_string(text, "pretty");
  reader->defer_decoding();
  RecordBatch batch;
  std::size_t records = 0;
  for (;;) {
    auto more = reader->next_batch(batch, 256);
    ASSERT_TRUE(more.has_value());
    if (!*more) break;
    EXPECT_EQ(batch.pending_line_bytes, 0u);
    for (const auto& r : batch.records) EXPECT_EQ(r.line, 3 * records++ + 1);
  }
  EXPECT_EQ(records, 200u);
}

// A gzip file and a file on disk take the deferred path too; a line longer than a batch is
// carried whole into the next one.
TEST(RecordReaderTest, DeferredGzipAndLongLines) {
  TempDir dir;
  std::string big(300 * 1024, 'y');
  std::string text;
  for (int i = 0; i < 500; ++i) {
    text += "{\"i\":" + std::to_string(i) + "}\n";
    if (i % 100 == 50) text += "{\"big\":\"" + big + "\"}\n";
  }
  for (const auto& [name, bytes] : {std::pair<std::string, std::string>{"a.jsonl", text},
                                    {"a.jsonl.gz", gzip(text)}}) {
    auto path = dir.write(name, bytes);
    auto deferred = RecordReader::open(path);
    auto framed = RecordReader::open(path);
    ASSERT_TRUE(deferred.has_value() && framed.has_value());
    auto d = read_all(**deferred, 64 * 1024, /*deferred=*/true);
    auto f = read_all(**framed, 64 * 1024);
    EXPECT_EQ(d.records.size(), 505u) << name;
    EXPECT_EQ(d.records, f.records) << name;
    EXPECT_EQ((*deferred)->bytes_read(), bytes.size()) << name;
  }
}


TEST(ByteBlockTest, GrowsKeepsItsBytesAndItsStorageWhenCleared) {
  ByteBlock b;
  EXPECT_TRUE(b.empty());
  b.assign("hello");
  b.append(", world");
  EXPECT_EQ(b.view(), "hello, world");
  const std::size_t grown = 1 << 16;
  b.resize_for_overwrite(grown);  // keeps the first bytes
  EXPECT_EQ(b.size(), grown);
  EXPECT_EQ(std::string_view(b.data(), 12), "hello, world");
  b.resize_for_overwrite(5);
  EXPECT_EQ(b.view(), "hello");
  const char* storage = b.data();
  b.clear();
  EXPECT_TRUE(b.empty());
  b.append("again");
  EXPECT_EQ(b.data(), storage);  // no new allocation below the capacity reached
  EXPECT_EQ(b.view(), "again");
  b.erase_front(2);
  EXPECT_EQ(b.view(), "ain");
  b.erase_front(3);
  EXPECT_TRUE(b.empty());
}

TEST(RecordReaderTest, ReusedDeferredBatchesGiveTheSameRecords) {
  // One batch object reused for every batch (as the hunt recycles them): lines, records and
  // padding must not depend on what the storage held before.
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 97, 'x') + "\"}\n";
  }
  auto reader = RecordReader::from_string(text, "reuse");
  reader->defer_decoding();
  RecordBatch batch;
  std::vector<std::string> got;
  for (;;) {
    auto more = reader->next_batch(batch, 4096);
    ASSERT_TRUE(more.has_value());
    if (!*more) break;
    complete_batch(batch);
    for (const auto& r : batch.records) {
      EXPECT_GE(r.text.data(), batch.storage().data());
      EXPECT_LE(r.text.data() + r.text.size() + 64, batch.storage().data() + batch.storage().size());
      got.emplace_back(r.text);
    }
  }
  ASSERT_EQ(got.size(), 3000u);
  for (int i = 0; i < 3000; ++i) {
    EXPECT_EQ(got[static_cast<std::size_t>(i)],
              "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 97, 'x') + "\"}");
  }
}

}  // namespace
}  // namespace rasid::input
