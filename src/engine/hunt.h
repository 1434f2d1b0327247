#pragma once
// Hunt: the thread pipeline that runs a Ruleset over a list of inputs.
//
//   reader thread ──batches──► N scanner threads ──results──► caller's thread (in input order)
//
// The reader splits inputs into RecordBatches (bounded queue, so memory stays bounded); each
// scanner thread owns a JsonDecoder, an Event and a Scanner; results are handed to the
// caller's callbacks on the calling thread in input order (batch sequence), so output is
// deterministic whatever the thread count.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/ruleset.h"
#include "event/event.h"
#include "input/discovery.h"

namespace rasid::engine {

// A match made by an EventHook rather than by a rule (an indicator hit, cli/hunt_intel).
struct HookMatch {
  std::uint64_t id = 0;       // hook-defined
  std::uint32_t detail = 0;   // hook-defined
  event::FieldId field = 0;   // the event field whose value matched
  std::string value;          // that value as the event had it
};

// Extra per-event matching run on the scanner threads after the rules, on every event the
// rules see (inside --from/--to). One instance per thread (HuntOptions::make_hook).
class EventHook {
 public:
  virtual ~EventHook() = default;
  // Appends this event's matches to `out`. Never throws.
  virtual void inspect(const event::Event& event, std::optional<std::int64_t> time,
                       std::vector<HookMatch>& out) noexcept = 0;
};

// One rule match on one record, with what an alert needs to be written later.
struct Hit {
  RuleIndex rule = 0;
  std::uint32_t input = 0;   // index into HuntOptions::inputs
  std::uint64_t line = 0;
  std::string record;        // the raw record text
  std::optional<std::int64_t> time;  // event time (microseconds since epoch), if found
  std::optional<HookMatch> hook;     // set: an EventHook's match (`rule` is then unused)
};

// A record or framing problem: file, line and message.
struct InputIssue {
  std::uint32_t input = 0;
  std::uint64_t line = 0;
  std::string message;
};

struct HuntOptions {
  std::vector<input::InputFile> inputs;
  unsigned threads = 0;                    // 0 = all cores
  std::optional<std::int64_t> from, to;    // event-time window, microseconds, inclusive
  // Input bytes per batch; 0: automatic (default_batch_bytes).
  std::size_t batch_bytes = 0;
  bool unordered = false;                  // hand results over as batches finish
  // Optional: makes each scanner thread's EventHook (its hits follow the event's rule hits).
  std::function<std::unique_ptr<EventHook>()> make_hook;
};

// The automatic batch size for `threads` scanner threads: 4 MiB, less as threads grow so that
// the batches alive at once (queued, spare, being scanned: about 5 per thread) hold about 64
// MiB at most, never below 1 MiB. Larger batches hold larger groups of records of one shape,
// which are scanned together (hunt.cc): on the bench, 1 thread, 1 MiB 501 MB/s, 2 MiB
// 503-517, 4 MiB 518-526 (peak RSS 93 -> 118 MB).
[[nodiscard]] std::size_t default_batch_bytes(unsigned threads) noexcept;

struct HuntStats {
  std::uint64_t inputs = 0;
  std::uint64_t events = 0;         // records decoded successfully
  std::uint64_t bytes = 0;          // input bytes read (on disk)
  std::uint64_t malformed = 0;      // records that failed to decode + framing problems
  std::uint64_t out_of_range = 0;   // events outside --from/--to (not scanned)
  std::uint64_t input_errors = 0;   // inputs that could not be opened or read to the end
  std::uint64_t matches = 0;
};

struct HuntCallbacks {
  // Called on the calling thread, in input order (unless HuntOptions::unordered).
  std::function<void(std::vector<Hit>&)> on_hits;
  std::function<void(const InputIssue&)> on_issue;
  // Called on the calling thread about every 100 ms with bytes read so far and total size.
  std::function<void(std::uint64_t done, std::uint64_t total)> on_progress;
};

// Runs the hunt to the end. Problems with inputs are reported through on_issue and counted;
// the hunt goes on with the rest.
[[nodiscard]] HuntStats run_hunt(std::shared_ptr<const Ruleset> ruleset, const HuntOptions& options,
                                 const HuntCallbacks& callbacks);

}  // namespace rasid::engine
