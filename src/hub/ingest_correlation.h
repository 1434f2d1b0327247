#pragma once
// What happens to alerts after their batch is committed: they are grouped into detections
// (alerts of one rule at one authority on one host within 24 h of the first, the rule of the
// report and of `rasid hunt --group detections`), and each new detection is shown to the
// NationalCorrelator (national.h), whose answers open national incidents and link detections
// to them. docs/incidents.md is the user documentation.
//
// Facts a detection shares with other authorities' detections (stored as Detection::facts):
// its rule tags, the indicator of an indicator hit (the alert's `indicator` object), and the
// entities of its first alert's event that identify something beyond one network: public IP
// addresses (not private, loopback, link-local, CGNAT, documentation or multicast ranges),
// user names that are mail addresses or UPNs (name@domain), and fully qualified host names
// outside internal suffixes (.local, .lan, .internal, .corp, .home, .localdomain). A bare
// NetBIOS name such as DC01 or a private address such as 10.0.0.5 exists in every authority
// and says nothing about one campaign.
//
// State: the open detections and the correlator's windows are kept in memory and rebuilt
// from the store at start (detections last seen within `rebuild_horizon`). Alerts without an
// event time make no detection. Thread-safe: batches are processed one at a time.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.h"
#include "hub/national.h"
#include "store/store.h"

namespace rasid::hub {

struct IngestCorrelationOptions {
  store::Micros detection_window = 24LL * 3600 * 1'000'000;
  store::Micros rebuild_horizon = 30LL * 24 * 3600 * 1'000'000;
  NationalOptions national;
};

struct IngestCorrelationStats {
  std::int64_t detections_opened = 0;
  std::int64_t detections_extended = 0;
  std::int64_t incidents_opened = 0;
  std::int64_t links = 0;
};

// The facts of one alert (JSON object text, see above).
[[nodiscard]] std::string detection_facts(const store::NewAlert& alert);
// Facts text -> what the correlator compares.
[[nodiscard]] DetectionFacts facts_of(const store::Detection& detection);
// True for an address that identifies a host beyond one network (see above).
[[nodiscard]] bool is_public_ip(std::string_view address);

class IngestCorrelation {
 public:
  IngestCorrelation(store::Store& store, IngestCorrelationOptions options = {});

  // Rebuilds the state from the store; call once before the first add().
  [[nodiscard]] Status rebuild();
  // Processes the newly stored alerts of one committed batch: alerts[i] for i in accepted.
  // `touched` (optional) receives the ids of the incidents opened or linked to, once each.
  [[nodiscard]] Status add(std::int64_t authority_id, std::span<const store::NewAlert> alerts,
                           const std::vector<std::size_t>& accepted, std::vector<std::int64_t>* touched = nullptr);

  [[nodiscard]] IngestCorrelationStats stats();

 private:
  struct Open {
    std::int64_t id = 0;
    store::Micros first = 0;
    store::Micros last = 0;
    std::int64_t count = 0;
  };
  using Key = std::tuple<std::int64_t, std::string, std::string>;  // authority, rule, host

  Status apply(const std::vector<IncidentAction>& actions, const store::Detection& detection, bool replay);
  void touch(std::int64_t incident);

  store::Store& store_;
  IngestCorrelationOptions options_;
  std::vector<std::int64_t>* touched_ = nullptr;  // during add(): where touched incidents go
  std::mutex mu_;
  std::map<Key, Open> open_;
  NationalCorrelator national_;
  IngestCorrelationStats stats_;
};

}  // namespace rasid::hub
