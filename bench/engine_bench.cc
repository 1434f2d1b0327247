// engine_bench: Google Benchmark micro-benchmarks of the engine, without file reading or output
// (STYLE.md section 7). Compile and scan are measured separately; the ruleset is built once,
// outside every timed loop.
//
//   BM_CompileWindowsRules   load + compile ../shared/data/sigma/rules/windows (ms)
//   BM_Decode                JsonDecoder::decode of each record (only the fields rules read)
//   BM_Scan                  Scanner::scan on pre-decoded events, ThreadRange(1, cores)
//   BM_DecodeAndScan         decode + scan, ThreadRange(1, cores): the per-event work of a hunt
//
// Events: the first 4,096 lines of $RASID_BENCH_EVENTS (default
// build-bench/bench-data/windows-events-seed1-1G.jsonl, written by bench/hunt.sh), i.e. bench/gen
// output with a fixed seed. Rules: $RASID_BENCH_RULES (default
// ../shared/data/sigma/rules/windows). Run from the repository root:
//   build-bench/bench/engine_bench --benchmark_filter=Scan

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <simdjson.h>

#include "base/diagnostics.h"
#include "engine/ruleset.h"
#include "engine/scanner.h"
#include "input/json_decoder.h"
#include "sigma/loader.h"

namespace {

using rasid::Diagnostics;
using rasid::engine::RuleIndex;
using rasid::engine::Ruleset;
using rasid::engine::RulesetBuilder;
using rasid::engine::Scanner;

constexpr std::size_t kEvents = 4096;
const int kCores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::shared_ptr<const Ruleset> compile_rules() {
  std::vector<rasid::sigma::Rule> rules;
  Diagnostics diags;
  rasid::sigma::Loader loader{rasid::sigma::LoaderOptions{}};
  loader.load_path(env_or("RASID_BENCH_RULES", "../shared/data/sigma/rules/windows"), rules, diags);
  rasid::sigma::apply_filters(rules, diags);
  RulesetBuilder builder;
  builder.add_rules(std::move(rules));
  auto built = builder.build(diags);
  if (!built) {
    std::fprintf(stderr, "engine_bench: %s\n", built.error().to_string().c_str());
    std::exit(2);
  }
  return *built;
}

// Records: the text of the first kEvents lines, concatenated as in the file and padded at the
// end, so that the bytes after each record serve as simdjson's padding.
struct Corpus {
  std::string text;
  std::vector<std::string_view> records;
  std::size_t bytes = 0;
  std::shared_ptr<const Ruleset> ruleset;
  std::vector<rasid::event::Event> events;  // pre-decoded, strings owned by each event
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus out;
    std::string path =
        env_or("RASID_BENCH_EVENTS", "build-bench/bench-data/windows-events-seed1-1G.jsonl");
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr,
                   "engine_bench: cannot read %s: run bench/hunt.sh first, or set "
                   "RASID_BENCH_EVENTS to a file written by gen_windows_events\n",
                   path.c_str());
      std::exit(2);
    }
    std::string line;
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    while (spans.size() < kEvents && std::getline(in, line)) {
      spans.push_back({out.text.size(), line.size()});
      out.text += line;
      out.text += '\n';
    }
    out.text.append(simdjson::SIMDJSON_PADDING, ' ');
    for (auto [offset, size] : spans) {
      out.records.push_back(std::string_view(out.text).substr(offset, size));
      out.bytes += size + 1;
    }
    out.ruleset = compile_rules();
    rasid::input::JsonDecoder decoder;
    rasid::event::Event scratch;
    for (std::string_view record : out.records) {
      scratch.reset(out.ruleset->fields());
      if (!decoder.decode(record, scratch)) continue;
      rasid::event::Event& e = out.events.emplace_back();
      e.reset(out.ruleset->fields());
      scratch.for_each([&](rasid::event::FieldId id, const rasid::event::Value& v) {
        e.add(id, rasid::event::Value(v.kind, e.own(v.text)));
      });
      for (std::string_view k : scratch.keywords()) e.add_keyword(e.own(k));
      (void)e.folded_keywords();  // folded now: scanner threads share these events read-only
    }
    return out;
  }();
  return c;
}

void BM_CompileWindowsRules(benchmark::State& state) {
  std::size_t rules = 0;
  for (auto _ : state) {
    auto ruleset = compile_rules();
    rules = ruleset->rule_count();
    benchmark::DoNotOptimize(ruleset);
  }
  state.counters["rules"] = static_cast<double>(rules);
}
BENCHMARK(BM_CompileWindowsRules)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_Decode(benchmark::State& state) {
  const Corpus& c = corpus();
  rasid::input::JsonDecoder decoder;
  rasid::event::Event event;
  for (auto _ : state) {
    for (std::string_view record : c.records) {
      event.reset(c.ruleset->fields());
      benchmark::DoNotOptimize(decoder.decode(record, event));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.records.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
}
BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond);

void BM_Scan(benchmark::State& state) {
  const Corpus& c = corpus();
  Scanner scanner(c.ruleset);
  std::vector<RuleIndex> matches;
  std::size_t total = 0;
  for (auto _ : state) {
    for (const auto& event : c.events) {
      matches.clear();
      scanner.scan(event, matches);
      total += matches.size();
    }
  }
  benchmark::DoNotOptimize(total);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.events.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
}
BENCHMARK(BM_Scan)->Unit(benchmark::kMillisecond)->ThreadRange(1, kCores)->UseRealTime();

void BM_DecodeAndScan(benchmark::State& state) {
  const Corpus& c = corpus();
  Scanner scanner(c.ruleset);
  rasid::input::JsonDecoder decoder;
  rasid::event::Event event;
  std::vector<RuleIndex> matches;
  std::size_t total = 0;
  for (auto _ : state) {
    for (std::string_view record : c.records) {
      event.reset(c.ruleset->fields());
      if (!decoder.decode(record, event)) continue;
      matches.clear();
      scanner.scan(event, matches);
      total += matches.size();
    }
  }
  benchmark::DoNotOptimize(total);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.records.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
}
BENCHMARK(BM_DecodeAndScan)->Unit(benchmark::kMillisecond)->ThreadRange(1, kCores)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
