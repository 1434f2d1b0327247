// Fuzz target for STIX patterns: any bytes, taken as a pattern, are parsed with both grammar
// versions, validated, compiled and matched against a fixed set of observations covering
// every value type, references, lists and several observations in time. A pattern of several
// observations also goes through the hunt's path (multi_pattern.h): its leaves on each of a few
// events, then the sliding-window evaluation over the events kept. Nothing may crash, hang or
// leak; every failure must come back as an Error.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "intel/multi_pattern.h"
#include "intel/stix_matcher.h"
#include "intel/stix_pattern.h"

namespace {

// Real patterns are well under 4 KiB. Parsing is linear, but each observation expression adds
// a level to the binding search; the step budget below bounds matching, and the size cap keeps
// each run short so the fuzzer explores more inputs per second.
constexpr std::size_t kMaxInput = 4096;

// Enough for every match of the seeds; bounds combinatorial patterns (REPEATS, many ANDs).
constexpr std::uint64_t kMaxSteps = 200000;

const rasid::intel::ObservationSet& observations() {
  static const rasid::intel::ObservationSet set = [] {
    auto loaded = rasid::intel::ObservationSet::from_text(R"([
      {"type": "bundle", "id": "bundle--1", "objects": [
        {"type": "observed-data", "id": "observed-data--1", "first_observed": "2020-01-01T00:00:00Z",
         "last_observed": "2020-01-01T00:00:01Z", "number_observed": 2,
         "object_refs": ["network-traffic--1", "ipv4-addr--1", "file--1"]},
        {"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv4-addr--1",
         "src_refs": ["ipv4-addr--1", "missing--1"], "dst_port": 443, "protocols": ["tcp", "tls"]},
        {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.7"},
        {"type": "file", "id": "file--1", "name": "a\u0307.exe", "size": 1024, "ratio": 0.5,
         "hashes": {"MD5": "79054025255fb1a26e4bc422aef54eb4"}, "payload_bin": "AQID",
         "magic_hex": "ffd8", "flag": true, "none": null, "ctime": "2019-12-31T23:59:59.5Z",
         "x": {"y": [[1, 2], {"z": "deep"}]}}]},
      {"type": "observed-data", "id": "observed-data--2", "first_observed": "2020-01-01T00:00:05Z",
       "last_observed": "2020-01-01T00:00:05Z", "number_observed": 1,
       "objects": {"0": {"type": "process", "name": "cmd.exe", "child_refs": ["1"]},
                   "1": {"type": "process", "name": "powershell.exe", "pid": 42}}}
    ])");
    return loaded ? *loaded : rasid::intel::ObservationSet{};
  }();
  return set;
}

// Events of a hunt for patterns of several observations: (time in microseconds, objects).
struct Event {
  std::int64_t time_us;
  const char* objects;
};
constexpr std::int64_t kT0 = 1'577'836'800'000'000;  // 2020-01-01T00:00:00Z
const Event kEvents[] = {
    {kT0, R"({"0":{"type":"process","name":"cmd.exe","command_line":"cmd /c x"}})"},
    {kT0 + 5'000'000, R"({"0":{"type":"ipv4-addr","value":"198.51.100.7"},"1":{"type":"network-traffic","dst_ref":"0","dst_port":443}})"},
    {kT0 + 5'000'000, R"({"0":{"type":"file","name":"a.exe","hashes":{"MD5":"79054025255fb1a26e4bc422aef54eb4"}}})"},
    {kT0 + 400'000'000, R"({"0":{"type":"process","name":"cmd.exe"},"1":{"type":"domain-name","value":"x.example"}})"},
    {kT0 + 401'000'000, R"({"0":{"type":"ipv4-addr","value":"198.51.100.7"}})"},
};

const std::vector<rasid::intel::ObservationSet>& event_sets() {
  static const std::vector<rasid::intel::ObservationSet> sets = [] {
    std::vector<rasid::intel::ObservationSet> out;
    for (const auto& e : kEvents) {
      // The times of the leaves' evaluation come from time_us; the observed-data's own are unused.
      nlohmann::json one = nlohmann::json::array({{{"type", "observed-data"},
                                                  {"id", "observed-data--00000000-0000-4000-8000-000000000000"},
                                                  {"first_observed", "2020-01-01T00:00:00Z"},
                                                  {"last_observed", "2020-01-01T00:00:00Z"},
                                                  {"number_observed", 1},
                                                  {"objects", nlohmann::json::parse(e.objects)}}});
      auto set = rasid::intel::ObservationSet::from_json(one);
      out.push_back(set ? *set : rasid::intel::ObservationSet{});
    }
    return out;
  }();
  return sets;
}

void run_in_windows(const rasid::intel::StixPattern& pattern) {
  auto multi = rasid::intel::MultiPattern::create(pattern);
  if (!multi) return;
  rasid::intel::MatchOptions options;
  options.max_steps = kMaxSteps;
  std::vector<rasid::intel::KeptObservation> kept;
  for (std::size_t i = 0; i < std::size(kEvents); ++i) {
    auto leaves = multi->leaves_matched(event_sets()[i], kEvents[i].time_us, options);
    if (leaves && *leaves != 0) kept.push_back({kEvents[i].time_us, *leaves, kEvents[i].objects});
  }
  (void)multi->could_match(0xffffffffu);
  rasid::intel::WindowOptions windows;
  windows.max_window = 4;  // small caps: the drop paths run too
  windows.max_whole = 4;
  windows.window_steps = kMaxSteps;
  windows.whole_steps = kMaxSteps;
  rasid::intel::WindowStats stats;
  rasid::intel::evaluate_observations(*multi, kept, windows, stats, [](const std::vector<std::size_t>&) {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto version : {rasid::intel::StixVersion::k20, rasid::intel::StixVersion::k21}) {
    auto pattern = rasid::intel::parse_stix_pattern(text, version);
    if (!pattern) continue;
    (void)rasid::intel::validate_stix_pattern(*pattern);
    for (const auto& node : pattern->comparisons) (void)rasid::intel::to_string(node.path);
    auto matcher = rasid::intel::StixMatcher::create(*pattern);
    if (!matcher) continue;
    rasid::intel::MatchOptions options;
    options.max_steps = kMaxSteps;
    (void)matcher->match(observations(), options);
    if (!pattern->is_single_observation()) run_in_windows(*pattern);
  }
  return 0;
}
