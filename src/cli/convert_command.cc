// `rasid convert`: logs (EVTX, JSON lines, JSON documents, gzip) to flat JSON lines.

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "base/json_text.h"
#include "base/pipeline.h"
#include "cli/commands.h"
#include "input/discovery.h"
#include "input/json_decoder.h"
#include "input/record_reader.h"

namespace rasid::cli {

namespace {

struct ConvertArgs {
  std::vector<std::string> inputs;
  std::string output;
  bool quiet = false;
  unsigned threads = 0;  // 0 = all cores
};

// One flat event as a JSON object: strings quoted, numbers and booleans as written.
void append_event(std::string& out, const input::FlatObject& fields) {
  out += '{';
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, fields[i].name);
    out += ':';
    switch (fields[i].kind) {
      case event::ValueKind::kString: append_json_string(out, fields[i].text); break;
      case event::ValueKind::kNull: out += "null"; break;
      default: out += fields[i].text; break;
    }
  }
  out += "}\n";
}

struct Problem {
  std::uint64_t line = 0;
  std::string message;
};

// A batch from the reader thread, or the reader's failure to open or read an input.
struct Work {
  std::uint64_t sequence = 0;
  const std::string* name = nullptr;  // the input's name (lives as long as the run)
  input::RecordBatch batch;
  bool flat = false;                  // records are rasid's own flat JSON (EVTX)
  std::string error;                  // not empty: the input failed here
};

struct Converted {
  const std::string* name = nullptr;
  std::string text;
  std::vector<Problem> problems;
  std::uint64_t events = 0;
  std::string error;
};

void convert_batch(Work& work, input::JsonDecoder& decoder, Converted& done) {
  done.name = work.name;
  done.error = std::move(work.error);
  input::complete_batch(work.batch);
  for (auto& p : work.batch.problems) done.problems.push_back({p.line, std::move(p.message)});
  for (const auto& rec : work.batch.records) {
    if (work.flat) {
      // EVTX records are rendered by rasid as flat JSON already: written as they are.
      done.text += rec.text;
      done.text += '\n';
      ++done.events;
      continue;
    }
    auto fields = decoder.decode_full(rec.text);
    if (!fields) {
      done.problems.push_back({rec.line, fields.error().message});
      continue;
    }
    append_event(done.text, *fields);
    ++done.events;
  }
}

int run_convert_command(const ConvertArgs& args) {
  Diagnostics diags;
  std::vector<std::string> paths = args.inputs;
  if (paths.empty()) paths.push_back("-");
  auto inputs = input::discover_inputs(paths, diags);
  bool input_error = diags.error_count() > 0;
  for (const auto& d : diags.items()) {
    fmt::print(stderr, "{}: {}\n", d.severity == Severity::kError ? "error" : "warning", d.to_string());
  }
  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (!args.output.empty()) {
    file.reset(std::fopen(args.output.c_str(), "wb"));
    if (!file) {
      fmt::print(stderr, "error: {}: cannot write: {}\n", args.output, std::strerror(errno));
      return kExitUsage;
    }
    out = file.get();
  }
  unsigned threads = args.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  // reader thread -> `threads` workers (EVTX chunk decoding, JSON re-rendering) -> this
  // thread, which writes the results in input order.
  BoundedQueue<Work> queue(2 * threads);
  ResultBoard<Converted> board(4 * threads + 4, /*ordered=*/true);
  std::atomic<bool> stop{false};
  std::vector<std::string> names(inputs.size());
  std::thread reader([&] {
    std::uint64_t sequence = 0;
    for (std::size_t i = 0; i < inputs.size() && !stop; ++i) {
      auto opened = input::RecordReader::open(inputs[i].path);
      if (!opened) {
        names[i] = inputs[i].path.string();
        queue.push(Work{sequence++, &names[i], {}, false, opened.error().to_string()});
        continue;
      }
      auto& reader_ptr = *opened;
      names[i] = reader_ptr->name();
      reader_ptr->defer_decoding();
      while (!stop) {
        Work work;
        work.name = &names[i];
        work.flat = reader_ptr->renders_flat_json();
        auto more = reader_ptr->next_batch(work.batch, 1 << 20);
        if (more && !*more) break;
        if (!more) {
          work.error = more.error().to_string();
          work.batch.clear();  // what the failed read left is not a batch
        }
        work.sequence = sequence++;
        queue.push(std::move(work));
        if (!more) break;
      }
    }
    board.finish(sequence);
    queue.close();
  });
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      input::JsonDecoder decoder;
      Work work;
      while (queue.pop(work)) {
        Converted done;
        if (!stop) convert_batch(work, decoder, done);
        board.put(work.sequence, std::move(done));
      }
    });
  }

  std::uint64_t events = 0;
  std::uint64_t problems = 0;
  bool write_error = false;
  for (;;) {
    Converted done;
    if (!board.take(done, std::chrono::milliseconds(100))) {
      if (board.all_taken()) break;
      continue;
    }
    if (stop) continue;  // draining after a write error
    for (const auto& p : done.problems) {
      ++problems;
      if (!args.quiet) fmt::print(stderr, "warning: {}:{}: {}\n", *done.name, p.line, p.message);
    }
    if (!done.error.empty()) {
      fmt::print(stderr, "error: {}\n", done.error);
      input_error = true;
    }
    events += done.events;
    if (std::fwrite(done.text.data(), 1, done.text.size(), out) != done.text.size()) {
      fmt::print(stderr, "error: cannot write the output: {}\n", std::strerror(errno));
      write_error = true;
      stop = true;
    }
  }
  reader.join();
  for (auto& w : workers) w.join();
  if (write_error) return kExitUsage;
  if (std::fflush(out) != 0) {
    fmt::print(stderr, "error: cannot write the output: {}\n", std::strerror(errno));
    return kExitUsage;
  }
  if (!args.quiet) {
    fmt::print(stderr, "summary: {} events from {} inputs, {} problems\n", events, inputs.size(),
               problems);
  }
  return input_error ? kExitUsage : kExitOk;
}

}  // namespace

std::function<int()> add_convert_command(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  auto* convert = app.add_subcommand(
      "convert",
      "Write the events of logs (EVTX, JSON lines, JSON documents, plain or gzip) as flat JSON "
      "lines, one event a line, in the convention hunt matches rules against.");
  convert->add_option("inputs", args->inputs, "Log files or folders; - for standard input (default)");
  convert->add_option("-o,--output", args->output, "Write to this file instead of standard output");
  convert->add_flag("-q,--quiet", args->quiet, "No problems or summary on standard error");
  convert->add_option("-t,--threads", args->threads,
                      "Decoding threads (EVTX chunks and JSON records are decoded in parallel; "
                      "output stays in input order); 0 = all cores")
      ->default_val(0);
  return [args, convert]() -> int {
    if (!convert->parsed()) return kExitUsage;
    return run_convert_command(*args);
  };
}

}  // namespace rasid::cli
