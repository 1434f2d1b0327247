// Fuzz target for STIX patterns: any bytes, taken as a pattern, are parsed with both grammar
// versions, validated, compiled and matched against a fixed set of observations covering
// every value type, references, lists and several observations in time. Nothing may crash,
// hang or leak; every failure must come back as an Error.

#include <cstddef>
#include <cstdint>
#include <string_view>

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
  }
  return 0;
}
