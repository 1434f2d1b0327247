// Fuzz target for the hub's ingest batch parser (hub/alert_batch.h): any bytes as a request
// body, JSON array or JSON lines. Nothing may crash or leak; a batch is either all rows or an
// error naming an item, never both.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hub/alert_batch.h"

// Real batches go up to kMaxBodyBytes (32 MiB); parsing is linear, so 1 MiB finds the same
// bugs while keeping each run short.
constexpr std::size_t kMaxInput = 1 << 20;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto batch = rasid::hub::parse_alert_batch(body);
  if (batch.error && !batch.alerts.empty()) std::abort();
  if (batch.error) (void)rasid::hub::to_json(*batch.error);
  for (const auto& alert : batch.alerts) {
    if (alert.alert_id.empty() || alert.body.empty()) std::abort();
    if (alert.event_time) {
      auto again = rasid::hub::parse_timestamp(rasid::hub::format_timestamp(*alert.event_time));
      if (!again || *again != *alert.event_time) std::abort();
    }
  }
  return 0;
}
