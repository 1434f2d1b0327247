// run_hunt end to end over JSON-lines files: the scanner threads frame the lines the reader
// hands out unframed (RecordReader::defer_decoding), so alerts and problems must still carry
// the right file lines, in input order, at every thread count and batch size.

#include "engine/hunt.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/event_time.h"
#include "engine/ruleset.h"
#include "sigma/loader.h"

namespace rasid::engine {
namespace {

std::shared_ptr<const Ruleset> one_rule(RulesetOptions options = {}) {
  const std::string yaml =
      "title: evil command line\n"
      "id: 00000000-0000-4000-8000-000000000002\n"
      "logsource:\n  product: windows\n"
      "detection:\n  selection:\n    CommandLine|contains: evil\n  condition: selection\n";
  sigma::Loader loader;
  std::vector<sigma::Rule> rules;
  Diagnostics diags;
  loader.load_text(yaml, "evil.yml", rules, diags);
  RulesetBuilder builder(std::move(options));
  builder.add_rules(std::move(rules));
  auto built = builder.build(diags);
  EXPECT_TRUE(built.has_value());
  return built ? *built : nullptr;
}

struct Expected {
  std::string text;
  std::vector<std::uint64_t> hit_lines, bad_lines;
  std::uint64_t events = 0;
};

// Lines of every kind: CRLF, blank lines, malformed records, matches (of three shapes), a long
// line, and a last line without newline (a match, so its line number is checked too).
Expected make_file(int count) {
  Expected e;
  std::uint64_t line = 1;
  for (int i = 0; i < count; ++i, ++line) {
    std::string cmd = i % 97 == 5 ? "run evil.exe" : "notepad.exe " + std::to_string(i);
    // Three event ids, interleaved: records of different shapes are scanned grouped by shape
    // (hunt.cc, shape_key), and their alerts must still come out in line order.
    std::string rec = "{\"Channel\":\"Security\",\"EventID\":" + std::to_string(4688 + i % 3) +
                      ",\"CommandLine\":\"" + cmd + "\"}";
    if (i % 101 == 7) {
      e.text += "{\"Channel\": \"Security\", \"CommandLine\": \"broken\n";
      e.bad_lines.push_back(line);
      continue;
    }
    if (i % 13 == 0) {
      e.text += "\n";
      ++line;
    }
    if (i % 500 == 3) rec.insert(rec.size() - 1, ",\"pad\":\"" + std::string(20000, 'p') + "\"");
    e.text += rec + (i % 3 == 0 ? "\r\n" : "\n");
    ++e.events;
    if (cmd.find("evil") != std::string::npos) e.hit_lines.push_back(line);
  }
  e.text += "{\"Channel\":\"Security\",\"CommandLine\":\"last evil\"}";
  e.hit_lines.push_back(line);
  ++e.events;
  return e;
}

TEST(HuntTest, LinesOfAlertsAndProblemsSurviveDeferredFraming) {
  auto ruleset = one_rule();
  ASSERT_TRUE(ruleset);
  Expected expected = make_file(6000);
  auto path = std::filesystem::temp_directory_path() /
              ("rasid_hunt_test_" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(path, std::ios::binary) << expected.text;
  for (unsigned threads : {1u, 3u}) {
    for (std::size_t batch : {std::size_t{512}, std::size_t{4096}, std::size_t{1} << 20}) {
      HuntOptions options;
      options.inputs.push_back({path, input::InputFormat::kJson,
                                static_cast<std::uint64_t>(expected.text.size())});
      options.threads = threads;
      options.batch_bytes = batch;
      std::vector<std::uint64_t> hit_lines, bad_lines;
      HuntCallbacks callbacks;
      callbacks.on_hits = [&](std::vector<Hit>& hits) {
        for (const auto& h : hits) hit_lines.push_back(h.line);
      };
      callbacks.on_issue = [&](const InputIssue& issue) { bad_lines.push_back(issue.line); };
      HuntStats stats = run_hunt(ruleset, options, callbacks);
      SCOPED_TRACE("threads " + std::to_string(threads) + ", batch " + std::to_string(batch));
      EXPECT_EQ(hit_lines, expected.hit_lines);  // in input order too
      EXPECT_EQ(bad_lines, expected.bad_lines);
      EXPECT_EQ(stats.events, expected.events);
      EXPECT_EQ(stats.malformed, expected.bad_lines.size());
      EXPECT_EQ(stats.bytes, expected.text.size());
    }
  }
  std::filesystem::remove(path);
}

// Automatic batches: 4 MiB for few threads, smaller as threads grow (the batches alive at once,
// about 5 per thread and 3 more, stay near 64 MiB), never below 1 MiB.
TEST(HuntTest, AutomaticBatchSizeBoundsTheMemoryInFlight) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  EXPECT_EQ(default_batch_bytes(0), 4 * kMiB);  // 0 threads: treated as 1
  EXPECT_EQ(default_batch_bytes(1), 4 * kMiB);
  EXPECT_EQ(default_batch_bytes(2), 4 * kMiB);
  EXPECT_EQ(default_batch_bytes(4), 64 * kMiB / 23);
  EXPECT_EQ(default_batch_bytes(8), 64 * kMiB / 43);
  EXPECT_EQ(default_batch_bytes(16), kMiB);
  EXPECT_EQ(default_batch_bytes(256), kMiB);
  for (unsigned t = 1; t <= 12; ++t) {
    EXPECT_LE(default_batch_bytes(t) * (5 * t + 3), 64 * kMiB) << t;
  }
}

// The event time is parsed only when something needs it (a hit, the time range): hits still
// carry it, and the range still drops the events outside it.
TEST(HuntTest, HitsCarryTheEventTimeAndTheRangeFilters) {
  RulesetOptions ruleset_options;
  for (auto name : kTimeFields) ruleset_options.extra_fields.emplace_back(name);
  auto ruleset = one_rule(std::move(ruleset_options));
  ASSERT_TRUE(ruleset);
  const std::string text =
      "{\"Channel\":\"Security\",\"TimeCreated\":\"2024-03-01T10:00:00.000000Z\",\"CommandLine\":\"evil 1\"}\n"
      "{\"Channel\":\"Security\",\"TimeCreated\":\"2024-03-02T10:00:00.000000Z\",\"CommandLine\":\"benign\"}\n"
      "{\"Channel\":\"Security\",\"TimeCreated\":\"2024-03-03T10:00:00.000000Z\",\"CommandLine\":\"evil 3\"}\n"
      "{\"Channel\":\"Security\",\"CommandLine\":\"evil without time\"}\n";
  auto path = std::filesystem::temp_directory_path() /
              ("rasid_hunt_time_test_" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(path, std::ios::binary) << text;
  auto hunt = [&](std::optional<std::int64_t> from, std::vector<Hit>& out) {
    HuntOptions options;
    options.inputs.push_back({path, input::InputFormat::kJson, static_cast<std::uint64_t>(text.size())});
    options.threads = 1;
    options.from = from;
    HuntCallbacks callbacks;
    callbacks.on_hits = [&](std::vector<Hit>& hits) { out.insert(out.end(), hits.begin(), hits.end()); };
    return run_hunt(ruleset, options, callbacks);
  };
  std::vector<Hit> all;
  HuntStats stats = hunt(std::nullopt, all);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].time, parse_time("2024-03-01T10:00:00.000000Z"));
  EXPECT_EQ(all[1].time, parse_time("2024-03-03T10:00:00.000000Z"));
  EXPECT_FALSE(all[2].time.has_value());
  EXPECT_EQ(stats.out_of_range, 0u);
  std::vector<Hit> later;
  stats = hunt(parse_time("2024-03-02T00:00:00.000000Z"), later);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].line, 3u);
  EXPECT_EQ(later[0].time, parse_time("2024-03-03T10:00:00.000000Z"));
  EXPECT_EQ(stats.out_of_range, 2u);  // the first event and the one without a time
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace rasid::engine
