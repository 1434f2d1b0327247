#pragma once
// STIX pattern matching over observed-data, at all three conformance levels of STIX 2.1
// section 12.7, with the semantics of the OASIS reference matcher (stix2-matcher): the
// pattern matches when observations can be bound to its observation expressions so that every
// operator and qualifier holds, each observation bound at most once.
//
//   auto pattern = parse_stix_pattern("[file:name = 'a.exe'] FOLLOWEDBY [ipv4-addr:value = "
//                                     "'198.51.100.1'] WITHIN 60 SECONDS");
//   auto matcher = StixMatcher::create(*pattern);        // literals, regexes, sets checked
//   auto observations = ObservationSet::from_text(json);  // bundles / observed-data
//   auto result = matcher->match(*observations);          // result->matched
//
// src/intel/README.md lists the semantic choices (type rules of each operator, NFC for LIKE
// and MATCHES, reference resolution, limits) and where they differ from the reference.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/result.h"
#include "intel/stix_pattern.h"

namespace rasid::intel {

namespace detail {
struct ObservationData;
struct CompiledPattern;
}  // namespace detail

// A list of observed-data objects with their cyber-observable objects, ready for matching.
// Accepted input (both STIX versions, detected per object): a bundle, an observed-data
// object, or a JSON array of bundles and observed-data objects. An observed-data object with
// `object_refs` (STIX 2.1) takes the objects of its bundle with those ids; one with an
// `objects` dictionary (STIX 2.0) takes those. Each observed-data counts as
// `number_observed` observations between `first_observed` and `last_observed`.
// Immutable once built; copies share the data; safe to share across threads.
class ObservationSet {
 public:
  // Errors: kParse for malformed JSON or a missing/invalid first_observed, last_observed or
  // number_observed; kLimit when the observations (after number_observed) exceed
  // `max_observations`.
  [[nodiscard]] static Result<ObservationSet> from_text(std::string_view json_text,
                                                        std::size_t max_observations = 1000000);
  [[nodiscard]] static Result<ObservationSet> from_json(const nlohmann::json& document,
                                                        std::size_t max_observations = 1000000);

  // Observed-data objects read (before number_observed expansion).
  [[nodiscard]] std::size_t observed_data_count() const;

 private:
  friend class StixMatcher;
  static Result<ObservationSet> build(nlohmann::json document, std::size_t max_observations);
  std::shared_ptr<const detail::ObservationData> data_;
};

struct MatchResult {
  bool matched = false;
  // The `id`s of the observed-data objects of the first binding found (sorted by their order
  // in the input, each once); empty when nothing matched.
  std::vector<std::string> observed_data_ids;
};

struct MatchOptions {
  // Upper bound on search steps (observation bindings tried). Observation operators and
  // REPEATS make the search combinatorial in the worst case; past this bound match() returns
  // kLimit instead of running for hours. 20M steps take about a second.
  std::uint64_t max_steps = 20000000;
};

// A compiled pattern. create() checks what the grammar cannot (the matcher errors of the
// reference): timestamp literals on the calendar, homogeneous IN sets, regexes RE2 accepts,
// IP/CIDR literals of ISSUBSET/ISSUPERSET, WITHIN > 0, REPEATS >= 1, list index >= 0.
// Immutable; match() is const and thread-safe.
class StixMatcher {
 public:
  // Errors: kInvalidRule with the reason (and column when known).
  [[nodiscard]] static Result<StixMatcher> create(const StixPattern& pattern);

  // Errors: kParse for observation data the pattern cannot be evaluated on (a timestamp
  // compared with a string that is not a timestamp, a *_ref that is not a string id, a *_hex
  // property that is not hex), kLimit when MatchOptions::max_steps is exceeded.
  [[nodiscard]] Result<MatchResult> match(const ObservationSet& observations,
                                          const MatchOptions& options = {}) const;

  [[nodiscard]] const StixPattern& pattern() const;

 private:
  std::shared_ptr<const detail::CompiledPattern> compiled_;
};

}  // namespace rasid::intel
