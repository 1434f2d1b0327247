#include "match_util.h"

#include "engine/ruleset.h"
#include "engine/scanner.h"
#include "input/json_decoder.h"
#include "input/record_reader.h"
#include "sigma/loader.h"

namespace rasid::testing {

namespace {

std::string indent(std::string_view text) {
  std::string out = "  ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

}  // namespace

int fire_count(std::string_view detection, std::string_view event_json, std::string* error) {
  std::string yaml =
      "title: test rule\n"
      "id: 00000000-0000-4000-8000-000000000001\n"
      "logsource:\n  product: windows\n"
      "detection:\n" +
      indent(detection) + "\n";
  sigma::Loader loader;
  std::vector<sigma::Rule> rules;
  Diagnostics diags;
  loader.load_text(yaml, "test.yml", rules, diags);
  engine::RulesetBuilder builder;
  builder.add_rules(std::move(rules));
  auto ruleset = builder.build(diags);
  if (!ruleset || (*ruleset)->rule_count() != 1) {
    if (error != nullptr) {
      *error = "rule did not load:\n" + yaml;
      for (const auto& d : diags.items()) *error += d.to_string() + "\n";
      if (ruleset) {
        for (const auto& r : (*ruleset)->inactive()) *error += "inactive: " + r.reason + "\n";
      }
    }
    return -1;
  }
  std::string json(event_json);
  if (json.find("\"Channel\"") == std::string::npos) {
    auto brace = json.find('{');
    bool empty = json.find_first_not_of(" \t\r\n", brace + 1) == json.find('}', brace);
    json.insert(brace + 1, empty ? "\"Channel\":\"Test\"" : "\"Channel\":\"Test\",");
  }
  auto reader = input::RecordReader::from_string(json, "event.json");
  input::RecordBatch batch;
  auto more = reader->next_batch(batch, 1 << 20);
  if (!more || !*more || batch.records.size() != 1) {
    if (error != nullptr) *error = "event is not one JSON record: " + json;
    return -1;
  }
  input::JsonDecoder decoder;
  event::Event event;
  event.reset((*ruleset)->fields());
  if (auto status = decoder.decode(batch.records[0].text, event); !status) {
    if (error != nullptr) *error = "event did not decode: " + status.error().message;
    return -1;
  }
  engine::Scanner scanner(*ruleset);
  std::vector<engine::RuleIndex> matches;
  scanner.scan(event, matches);
  return static_cast<int>(matches.size());
}

::testing::AssertionResult fires(std::string_view detection, std::string_view event_json) {
  std::string error;
  int n = fire_count(detection, event_json, &error);
  if (n == 1) return ::testing::AssertionSuccess();
  if (n < 0) return ::testing::AssertionFailure() << error;
  return ::testing::AssertionFailure() << "rule did not fire\n  detection: " << detection
                                       << "\n  event: " << event_json;
}

::testing::AssertionResult silent(std::string_view detection, std::string_view event_json) {
  std::string error;
  int n = fire_count(detection, event_json, &error);
  if (n == 0) return ::testing::AssertionSuccess();
  if (n < 0) return ::testing::AssertionFailure() << error;
  return ::testing::AssertionFailure() << "rule fired but should not\n  detection: " << detection
                                       << "\n  event: " << event_json;
}

}  // namespace rasid::testing
