#pragma once
// STIX patterns of several observations (AND / OR / FOLLOWEDBY of observation expressions,
// WITHIN, REPEATS, START/STOP) evaluated over a stream of events, each event one observation.
//
// Two phases, as for correlation rules:
//   1. per event (scanner threads): MultiPattern::leaves_matched() evaluates each simple
//      observation expression (`[...]`, a "leaf") of the pattern on the event's one
//      observed-data; an event that satisfies no leaf can never be bound by the pattern and
//      is not kept;
//   2. at the end (one thread): the kept observations of the pattern, sorted by event time,
//      go to evaluate_observations(), which runs the full StixMatcher over sliding windows
//      (a pattern whose bindings span at most a bounded time, e.g. `(...) WITHIN 300 SECONDS`)
//      or once over all of them (no such bound), and reports each binding found.
//
// Evaluating only the kept observations is exact: every observation a binding uses satisfies
// the leaf it is bound to. src/intel/README.md ("Several observations in a hunt") has the
// window rules and limits.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "intel/stix_matcher.h"
#include "intel/stix_pattern.h"

namespace rasid::intel {

// One simple observation expression of a pattern, compiled as a pattern of its own.
struct ObservationLeaf {
  StixMatcher matcher;                    // `[comparison expression]` alone
  std::vector<std::string> object_types;  // SCO types it tests
  // START/STOP of the qualifiers above it, widened to microseconds: an observation at time t
  // can be bound to this leaf only if start_us <= t < stop_us.
  std::int64_t start_us = std::numeric_limits<std::int64_t>::min();
  std::int64_t stop_us = std::numeric_limits<std::int64_t>::max();
};

// A compiled pattern of several observations. Immutable; const methods are thread-safe.
class MultiPattern {
 public:
  // Leaves are numbered in the order of the pattern's text; a pattern has at most kMaxLeaves.
  static constexpr std::size_t kMaxLeaves = 32;

  // Errors: kInvalidRule (what StixMatcher::create refuses), kLimit (more than kMaxLeaves
  // simple observation expressions).
  [[nodiscard]] static Result<MultiPattern> create(const StixPattern& pattern);

  [[nodiscard]] const StixMatcher& matcher() const { return matcher_; }
  [[nodiscard]] const std::vector<ObservationLeaf>& leaves() const { return leaves_; }
  // SCO types any leaf tests.
  [[nodiscard]] const std::vector<std::string>& object_types() const { return object_types_; }
  // An upper bound (microseconds) of last - first event time over the observations of any
  // binding, when the pattern has one (a WITHIN or START/STOP over the whole pattern, or an
  // OR of such); nullopt when bindings may span any time.
  [[nodiscard]] std::optional<std::int64_t> span_us() const { return span_us_; }
  // Whether a set of observations in which leaf i is satisfied by some observation exactly
  // when bit i of `present` is set could match (necessary, not sufficient).
  [[nodiscard]] bool could_match(std::uint32_t present) const;
  // Leaves inside the left side of a FOLLOWEDBY: an observation bound to one needs another,
  // bound to the right side, that is not earlier.
  [[nodiscard]] std::uint32_t left_only() const { return left_only_; }
  // The leaves that one observation (a set of one observed-data at time `time_us`) satisfies,
  // as a bit mask; leaves whose START/STOP excludes the time are not evaluated. Errors: those
  // of StixMatcher::match (the first failing leaf's).
  [[nodiscard]] Result<std::uint32_t> leaves_matched(const ObservationSet& one, std::int64_t time_us,
                                                     const MatchOptions& options = {}) const;

 private:
  StixMatcher matcher_;
  std::vector<ObservationLeaf> leaves_;
  std::vector<std::string> object_types_;
  std::optional<std::int64_t> span_us_;
  std::vector<int> leaf_of_node_;  // observation node -> leaf number (-1: not a leaf)
  std::uint32_t left_only_ = 0;
};

// One kept observation: an event that satisfied at least one leaf.
struct KeptObservation {
  std::int64_t time_us = 0;
  std::uint32_t leaves = 0;   // bit i: satisfies leaf i
  std::string_view objects;   // JSON text of the observed-data `objects` dictionary
};

struct WindowOptions {
  // Observations in one sliding window at most; beyond it the oldest are dropped (counted).
  // Bounds the cost of one evaluation (the matcher's search grows with the observations).
  std::size_t max_window = 4096;
  // Observations of the one evaluation of a pattern without a time bound: the newest ones
  // are kept, older ones dropped (counted). Bounds its memory (the observed-data as JSON).
  std::size_t max_whole = 100'000;
  // Search budget of one evaluation over a sliding window, and of the one evaluation of a
  // pattern without a time bound (over all its observations).
  std::uint64_t window_steps = 1'000'000;
  std::uint64_t whole_steps = 20'000'000;
};

struct WindowStats {
  std::uint64_t evaluations = 0;     // matcher runs
  std::uint64_t errors = 0;          // runs that failed (data error, step budget)
  std::uint64_t window_dropped = 0;  // observations dropped from a full window
  std::uint64_t matches = 0;
};

// Evaluates `pattern` over `observations`, which must be sorted by time. A pattern with a
// time bound (span_us) runs on a sliding window: each observation is added, observations more
// than span_us older than it leave the window, and the window is evaluated when its leaves
// could match (and the newest observation could be part of a new binding: one bound only to
// left sides of FOLLOWEDBY needs a later or simultaneous partner); a match is reported and the
// window starts over, so no observation is reported twice. A pattern without one is evaluated once over all observations (at most one match).
// `on_match` receives the indexes (into `observations`, increasing) of the first binding
// found. Never throws past allocation failure.
void evaluate_observations(const MultiPattern& pattern, std::span<const KeptObservation> observations,
                           const WindowOptions& options, WindowStats& stats,
                           const std::function<void(const std::vector<std::size_t>&)>& on_match);

}  // namespace rasid::intel
