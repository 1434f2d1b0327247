#pragma once
// National incidents: one campaign seen at several authorities becomes one incident.
//
// NationalCorrelator is the decision logic, without I/O: it is fed the detections the hub
// makes from ingested alerts, in any order, and answers what to do (open an incident, link a
// detection to one). The hub applies the answers to the store. The rules (docs/incidents.md):
//
//   same rule       detections of one Sigma rule at >= min_authorities authorities, each within
//                   `window` of the previous one of that rule, and of level >= min_rule_level
//                   (a rule that fires everywhere at low level is noise, not a campaign);
//   same indicator  hits of one indicator value (any level) at >= min_authorities authorities;
//   same entity     one host name, user name or IP address in detections of level >=
//                   min_rule_level at >= min_authorities authorities. Generic values that every
//                   network has ("administrator", "system", "localhost", 127.0.0.1, ...: see
//                   kGenericEntities in national.cc) and those in `ignore_entities` never
//                   make an incident: they are not campaigns.
//
// Detections may arrive in any order (authorities forward late, a sensor catches up after an
// outage): two detections are "within the window" when their event times differ by at most
// `window`, whichever came first, and detections of a key are kept for `lateness` after the
// newest one seen (at most `max_per_key` of them, oldest dropped first).
//
// Once an incident exists for a key, later detections with that key whose time lies within
// `window` of the incident's span (its earliest to its latest detection) are linked to it
// instead of opening another. A detection can belong
// to several incidents (one per key it shares); an incident's severity is the highest level of
// its detections.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rasid::hub {

struct DetectionFacts {
  std::int64_t id = 0;            // the store's detection id
  std::int64_t authority_id = 0;
  std::string rule_id;
  std::string rule_title;
  std::string level;              // informational .. critical
  std::int64_t time = 0;          // first_seen, microseconds UTC
  std::string indicator;          // "type:value" for indicator hits, else ""
  std::vector<std::string> hosts, users, ips;  // entity values (already normalized)
};

struct IncidentAction {
  enum class Kind { kOpen, kLink, kRaiseSeverity };
  Kind kind = Kind::kOpen;
  std::string key;              // "rule:ID", "indicator:type:value", "host:NAME", "user:NAME", "ip:ADDR"
  std::int64_t incident = 0;    // kLink / kRaiseSeverity: the incident (kOpen: assigned by the caller)
  std::string title;            // kOpen
  std::string severity;         // kOpen / kRaiseSeverity
  std::vector<std::int64_t> detections;  // to link (kOpen: every detection that formed it)
};

struct NationalOptions {
  std::int64_t window_us = 72LL * 3600 * 1'000'000;
  std::size_t min_authorities = 2;
  std::string min_rule_level = "medium";
  std::vector<std::string> ignore_entities;  // more values to ignore (lowercase)
  std::int64_t lateness_us = 30LL * 24 * 3600 * 1'000'000;
  std::size_t max_per_key = 10000;
};

class NationalCorrelator {
 public:
  explicit NationalCorrelator(NationalOptions options = {});

  // Feeds one detection; returns what to do. For each kOpen the caller creates the incident
  // and reports its id with opened() before the next add().
  [[nodiscard]] std::vector<IncidentAction> add(const DetectionFacts& detection);
  void opened(const std::string& key, std::int64_t incident_id);

  // Keys with state held (for tests and metrics).
  [[nodiscard]] std::size_t keys() const { return keys_.size(); }

 private:
  struct Seen {
    std::int64_t time;
    std::int64_t authority;
    std::int64_t detection;
    int level;
  };
  struct KeyState {
    std::deque<Seen> seen;                 // not yet in an incident, in arrival order
    std::int64_t newest = 0;               // latest event time seen for the key
    std::optional<std::int64_t> incident;  // the latest incident of this key
    std::int64_t first = 0, last = 0;      // its span (event times of its detections)
    int severity = -1;
  };

  void expire(KeyState& state) const;
  void consider(const std::string& key, const std::string& title, const DetectionFacts& d, int level,
                std::vector<IncidentAction>& out);
  [[nodiscard]] bool ignored(const std::string& value) const;

  // Drops keys whose newest detection is older than `lateness` before the newest seen at all,
  // so the state stays bounded over months of uptime (run every kSweepEvery additions).
  void sweep();

  NationalOptions options_;
  int min_rule_level_;
  std::map<std::string, KeyState> keys_;
  std::int64_t newest_ = 0;
  std::size_t added_ = 0;
};

}  // namespace rasid::hub
