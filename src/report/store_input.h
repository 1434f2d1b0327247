#pragma once
// The assessment's input read from the hub's store: authorities, alerts of a time range
// grouped into detections (alerts of one rule at one authority on one host within `window`
// of the first, as `rasid hunt --group detections` does), and incidents with the times of
// their first triage and resolution. Shared by `rasid report` and the hub's dashboard.

#include <cstdint>
#include <functional>
#include <string>
#include <optional>
#include <vector>

#include "base/result.h"
#include "report/assessment.h"
#include "store/store.h"

namespace rasid::report {

struct StoreInputOptions {
  Micros since = 0;  // event time range of the alerts read
  Micros until = 0;
  Micros window = 24LL * 3600 * 1'000'000;
  // Only these authorities' alerts (nullopt: all). The dashboard narrows an analyst's view here.
  std::optional<std::vector<std::int64_t>> authority_ids;
  // Only alerts at these TLP levels (empty: all).
  std::vector<std::string> tlps;
  // When set, only alerts for which it answers true (authority id, TLP): the hub passes its
  // TLP policy (hub::may_read) here.
  std::function<bool(std::int64_t, const std::string&)> visible;
};

[[nodiscard]] Result<AssessmentInput> load_store_input(store::Store& store, const StoreInputOptions& options);

}  // namespace rasid::report
