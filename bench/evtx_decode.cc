// evtx_decode: decodes .evtx files to rasid's flat JSON records and reports the speed.
//
// Usage: evtx_decode [--threads N] [--batch-kib K] FILE.evtx...   (K: raw bytes per batch, 1024)
//
// Exactly what `rasid hunt` does with an .evtx before matching (RecordReader with deferred
// decoding, complete_batch() on N threads), with nothing else: no rules, no output. Prints one
// line: bytes, records, seconds, MB/s, records/s. bench/evtx.sh runs it beside `rasid convert`.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "base/pipeline.h"
#include "input/record_reader.h"

int main(int argc, char** argv) {
  unsigned threads = 1;
  std::size_t batch_bytes = 1 << 20;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (a == "--batch-kib" && i + 1 < argc) {
      batch_bytes = static_cast<std::size_t>(std::atoi(argv[++i])) << 10;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty() || threads == 0) {
    std::fprintf(stderr, "usage: evtx_decode [--threads N] FILE.evtx...\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  rasid::BoundedQueue<rasid::input::RecordBatch> queue(2 * threads);
  std::uint64_t bytes = 0;
  bool failed = false;
  std::thread reader([&] {
    for (const auto& f : files) {
      auto r = rasid::input::RecordReader::open(f);
      if (!r) {
        std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
        failed = true;
        continue;
      }
      (*r)->defer_decoding();
      for (;;) {
        rasid::input::RecordBatch batch;
        auto more = (*r)->next_batch(batch, batch_bytes);
        if (!more || !*more) break;
        bytes += batch.bytes;
        queue.push(std::move(batch));
      }
    }
    queue.close();
  });
  std::vector<std::uint64_t> records(threads, 0), problems(threads, 0);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      rasid::input::RecordBatch batch;
      while (queue.pop(batch)) {
        rasid::input::complete_batch(batch);
        records[t] += batch.records.size();
        problems[t] += batch.problems.size();
      }
    });
  }
  reader.join();
  for (auto& w : workers) w.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::uint64_t n = 0, p = 0;
  for (unsigned t = 0; t < threads; ++t) {
    n += records[t];
    p += problems[t];
  }
  std::printf("bytes %llu records %llu problems %llu seconds %.3f MB/s %.1f records/s %.0f\n",
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(p), secs, bytes / secs / 1e6, n / secs);
  return failed ? 1 : 0;
}
