#pragma once
// Scanner: evaluates events against a Ruleset. One per thread.
//
// Holds the per-thread scratch (selection result cache, candidate lists) sized once for its
// ruleset and reused for every event, so scanning allocates nothing in steady state.
// Movable, not copyable: scratch must never be shared between threads.

#include <memory>
#include <vector>

#include "engine/ruleset.h"
#include "event/event.h"

namespace rasid::engine {

class Scanner {
 public:
  explicit Scanner(std::shared_ptr<const Ruleset> ruleset);
  ~Scanner();
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Appends to `matches` the index of every rule that matches `event` (decoded against
  // ruleset().fields()), in increasing rule order, each rule at most once. Never throws.
  void scan(const event::Event& event, std::vector<RuleIndex>& matches) noexcept;

  // The reference evaluator: the same result as scan(), computed the slow, obvious way, with
  // no channel dispatch and no literal prefilter (every variant of every rule is evaluated).
  // Kept for the differential test that proves the shortcuts change nothing.
  void scan_reference(const event::Event& event, std::vector<RuleIndex>& matches) noexcept;

  [[nodiscard]] const Ruleset& ruleset() const noexcept { return *ruleset_; }

  struct Scratch;  // per-thread state; public only so the C match callback can name it

 private:
  std::shared_ptr<const Ruleset> ruleset_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace rasid::engine
