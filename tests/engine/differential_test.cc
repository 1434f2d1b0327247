// Differential test: the fast scanner (channel dispatch + literal prefilter) against the
// reference evaluator (every variant of every rule, no shortcuts), with the whole SigmaHQ
// corpus, over every shared sample event and over events built from the rules themselves
// (so that most rules also get events they match). Any difference is a bug in a shortcut.

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/ruleset.h"
#include "engine/scanner.h"
#include "input/json_decoder.h"
#include "input/record_reader.h"
#include "mapping/mapping.h"
#include "sigma/loader.h"

namespace fs = std::filesystem;

namespace rasid::engine {
namespace {

const fs::path kShared = fs::path(RASID_SHARED_DIR) / "data";

class DifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sigma::LoaderOptions options;
    auto placeholders = sigma::load_placeholders(fs::path(RASID_SOURCE_DIR) / "tests/testdata/placeholders.yml");
    ASSERT_TRUE(placeholders) << placeholders.error().to_string();
    options.placeholders = *placeholders;
    sigma::Loader loader(options);
    Diagnostics diags;
    for (const char* folder : {"rules", "rules-emerging-threats", "rules-threat-hunting",
                               "rules-compliance", "rules-placeholder"}) {
      loader.load_path(kShared / "sigma" / folder, rules_, diags);
    }
    sigma::apply_filters(rules_, diags);
    RulesetBuilder builder;
    builder.add_rules(rules_);
    auto built = builder.build(diags);
    ASSERT_TRUE(built) << built.error().to_string();
    ruleset_ = *built;
    ASSERT_GT(ruleset_->rule_count(), 2500u);
  }
  static void TearDownTestSuite() {
    ruleset_.reset();
    rules_.clear();
  }

  struct Tally {
    std::size_t events = 0, matches = 0, differences = 0;
  };

  // Scans every record of `text` both ways; records differences as test failures.
  void compare_records(std::unique_ptr<input::RecordReader> reader, Tally& tally) {
    Scanner scanner(ruleset_);
    input::JsonDecoder decoder;
    event::Event event;
    input::RecordBatch batch;
    std::vector<RuleIndex> fast, reference;
    while (true) {
      auto more = reader->next_batch(batch, 1 << 20);
      ASSERT_TRUE(more) << more.error().to_string();
      if (!*more) break;
      for (const auto& record : batch.records) {
        event.reset(ruleset_->fields());
        if (!decoder.decode(record.text, event)) continue;
        fast.clear();
        reference.clear();
        scanner.scan(event, fast);
        scanner.scan_reference(event, reference);
        ++tally.events;
        tally.matches += reference.size();
        if (fast != reference && ++tally.differences <= 20) {  // the count says the rest
          ADD_FAILURE() << reader->name() << ":" << record.line << ": fast scanner found "
                        << fast.size() << " rules, reference " << reference.size();
        }
      }
    }
  }

  static std::vector<sigma::Rule> rules_;
  static std::shared_ptr<const Ruleset> ruleset_;
};

std::vector<sigma::Rule> DifferentialTest::rules_;
std::shared_ptr<const Ruleset> DifferentialTest::ruleset_;

TEST_F(DifferentialTest, SharedSamplesGiveIdenticalMatches) {
  Tally tally;
  for (const fs::path& root : {kShared / "samples" / "jsonl", kShared / "sigma" / "regression_data"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      auto ext = e.path().extension();
      if (ext == ".jsonl" || ext == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto reader = input::RecordReader::open(file);
      ASSERT_TRUE(reader) << reader.error().to_string();
      compare_records(std::move(*reader), tally);
    }
  }
  std::printf("shared samples: %zu events, %zu rule matches, %zu differences\n", tally.events,
              tally.matches, tally.differences);
  EXPECT_GT(tally.events, 8000u);
  EXPECT_GT(tally.matches, 3000u);
  EXPECT_EQ(tally.differences, 0u);
}

// The text a glob stands for with each wildcard taken as empty ("*evil*" -> "evil").
std::string sample_text(const sigma::Glob& glob) {
  std::string out;
  for (const auto& piece : glob.pieces) {
    if (piece.kind == sigma::Glob::PieceKind::kLiteral) out += piece.text;
    if (piece.kind == sigma::Glob::PieceKind::kQuestion) out += 'x';
  }
  return out;
}

// One event per (rule, selection): the mapping's conditions of the rule's first variant, plus
// every field of the selection's first alternative set to its first string value.
std::vector<nlohmann::json> events_built_from(const std::vector<sigma::Rule>& rules) {
  mapping::Mapping mapping = mapping::Mapping::builtin();
  std::vector<nlohmann::json> events;
  for (const auto& rule : rules) {
    if (rule.kind != sigma::RuleKind::kDetection) continue;
    auto variants = mapping.resolve({rule.logsource.product, rule.logsource.category, rule.logsource.service});
    if (!variants) continue;
    for (const auto& variant : *variants) {
      for (const auto& selection : rule.selections) {
        nlohmann::json event = nlohmann::json::object();
        for (const auto& cond : variant.conditions) {
          event[cond.field] = cond.values.empty() ? std::string("x") : cond.values.front();
        }
        if (selection.alternatives.empty()) continue;
        for (const auto& item : selection.alternatives.front()) {
          std::string field = item.field.empty() ? "Keywords_" : item.field;
          if (auto it = variant.renames.find(field); it != variant.renames.end()) field = it->second;
          for (const auto& p : item.predicates) {
            if (p.kind == sigma::Predicate::Kind::kString) {
              event[field] = sample_text(p.glob);
              break;
            }
          }
        }
        events.push_back(std::move(event));
      }
    }
  }
  return events;
}

std::string json_lines(const std::vector<nlohmann::json>& events) {
  std::string lines;
  for (const auto& event : events) {
    lines += event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return lines;
}

TEST_F(DifferentialTest, EventsBuiltFromRulesGiveIdenticalMatches) {
  Tally tally;
  compare_records(input::RecordReader::from_string(json_lines(events_built_from(rules_)),
                                                   "rule-built events"),
                  tally);
  std::printf("rule-built events: %zu events, %zu rule matches, %zu differences\n", tally.events,
              tally.matches, tally.differences);
  EXPECT_GT(tally.events, 3000u);
  EXPECT_GT(tally.matches, 1000u);  // most events match their rule: the shortcuts are exercised
  EXPECT_EQ(tally.differences, 0u);
}

// The channel dispatch follows one Channel value; an event can hold several (a JSON array).
// The same rule-built events with their channel behind another one, or behind a null.
TEST_F(DifferentialTest, EventsWithSeveralChannelValuesGiveIdenticalMatches) {
  std::vector<nlohmann::json> events;
  for (auto& event : events_built_from(rules_)) {
    if (!event.contains("Channel")) continue;
    nlohmann::json behind_other = event;
    behind_other["Channel"] = nlohmann::json::array({"Some-Other/Channel", event["Channel"]});
    nlohmann::json behind_null = event;
    behind_null["Channel"] = nlohmann::json::array({nullptr, event["Channel"]});
    events.push_back(std::move(behind_other));
    events.push_back(std::move(behind_null));
  }
  Tally tally;
  compare_records(input::RecordReader::from_string(json_lines(events), "several channels"), tally);
  std::printf("several channels: %zu events, %zu rule matches, %zu differences\n", tally.events,
              tally.matches, tally.differences);
  EXPECT_GT(tally.events, 3000u);
  EXPECT_GT(tally.matches, 1000u);
  EXPECT_EQ(tally.differences, 0u);
}

}  // namespace
}  // namespace rasid::engine
