#include "hub/national.h"

#include <algorithm>
#include <cctype>
#include <array>
#include <set>
#include <string_view>

namespace rasid::hub {
namespace {

constexpr std::array<std::string_view, 5> kLevels = {"informational", "low", "medium", "high", "critical"};

int level_rank(std::string_view level) {
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == level) return static_cast<int>(i);
  }
  return 2;  // no level: medium
}

// Entity values every network has: never evidence of one campaign across authorities.
constexpr std::array<std::string_view, 16> kGenericEntities = {
    "administrator", "admin", "system", "nt authority\\system", "local service", "network service",
    "localhost", "-", "127.0.0.1", "::1", "0.0.0.0", "::", "guest", "user", "root", "unknown"};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool NationalCorrelator::ignored(const std::string& value) const {
  const std::string v = lower(value);
  return std::find(kGenericEntities.begin(), kGenericEntities.end(), v) != kGenericEntities.end() ||
         std::find(options_.ignore_entities.begin(), options_.ignore_entities.end(), v) !=
             options_.ignore_entities.end();
}

NationalCorrelator::NationalCorrelator(NationalOptions options)
    : options_(std::move(options)), min_rule_level_(level_rank(options_.min_rule_level)) {}

void NationalCorrelator::expire(KeyState& state) const {
  const std::int64_t horizon = state.newest - options_.lateness_us;
  std::erase_if(state.seen, [&](const Seen& s) { return s.time < horizon; });
  while (state.seen.size() > options_.max_per_key) state.seen.pop_front();
}

void NationalCorrelator::consider(const std::string& key, const std::string& title, const DetectionFacts& d,
                                  int level, std::vector<IncidentAction>& out) {
  KeyState& state = keys_[key];
  state.newest = std::max(state.newest, d.time);
  expire(state);
  const std::int64_t w = options_.window_us;
  if (state.incident && d.time >= state.first - w && d.time <= state.last + w) {
    IncidentAction link;
    link.kind = IncidentAction::Kind::kLink;
    link.key = key;
    link.incident = *state.incident;
    link.detections = {d.id};
    out.push_back(std::move(link));
    state.first = std::min(state.first, d.time);
    state.last = std::max(state.last, d.time);
    if (level > state.severity) {
      state.severity = level;
      IncidentAction raise;
      raise.kind = IncidentAction::Kind::kRaiseSeverity;
      raise.key = key;
      raise.incident = *state.incident;
      raise.severity = std::string(kLevels[static_cast<std::size_t>(level)]);
      out.push_back(std::move(raise));
    }
    return;
  }
  state.seen.push_back({d.time, d.authority_id, d.id, level});
  // The detections of the key within the window of this one, in either direction.
  std::set<std::int64_t> authorities;
  std::vector<Seen> near;
  for (const auto& s : state.seen) {
    if (s.time >= d.time - w && s.time <= d.time + w) {
      authorities.insert(s.authority);
      near.push_back(s);
    }
  }
  if (authorities.size() < options_.min_authorities) return;
  std::stable_sort(near.begin(), near.end(), [](const Seen& a, const Seen& b) { return a.time < b.time; });
  IncidentAction open;
  open.kind = IncidentAction::Kind::kOpen;
  open.key = key;
  int severity = 0;
  std::set<std::int64_t> taken;
  for (const auto& s : near) {
    open.detections.push_back(s.detection);
    taken.insert(s.detection);
    severity = std::max(severity, s.level);
  }
  open.severity = std::string(kLevels[static_cast<std::size_t>(severity)]);
  open.title = title + " at " + std::to_string(authorities.size()) + " authorities";
  state.severity = severity;
  state.first = near.front().time;
  state.last = near.back().time;
  std::erase_if(state.seen, [&](const Seen& s) { return taken.count(s.detection) > 0; });
  out.push_back(std::move(open));
}

void NationalCorrelator::sweep() {
  const std::int64_t horizon = newest_ - options_.lateness_us;
  std::erase_if(keys_, [&](const auto& entry) {
    const KeyState& state = entry.second;
    return state.newest < horizon && (!state.incident || state.last < horizon);
  });
}

std::vector<IncidentAction> NationalCorrelator::add(const DetectionFacts& d) {
  constexpr std::size_t kSweepEvery = 4096;
  newest_ = std::max(newest_, d.time);
  if (++added_ % kSweepEvery == 0) sweep();
  std::vector<IncidentAction> out;
  const int level = level_rank(d.level);
  if (!d.indicator.empty()) {
    consider("indicator:" + d.indicator, "Indicator " + d.indicator, d, level, out);
  } else if (level >= min_rule_level_) {
    consider("rule:" + d.rule_id, "Rule \"" + d.rule_title + "\"", d, level, out);
  }
  if (level < min_rule_level_) return out;
  auto entities = [&](const std::vector<std::string>& values, const char* kind, const char* label) {
    std::set<std::string> unique;
    for (const auto& value : values) unique.insert(lower(value));
    for (const auto& value : unique) {
      if (value.empty() || ignored(value)) continue;
      consider(std::string(kind) + ":" + value, std::string(label) + " " + value, d, level, out);
    }
  };
  entities(d.hosts, "host", "Host");
  entities(d.users, "user", "User");
  entities(d.ips, "ip", "IP address");
  return out;
}

void NationalCorrelator::opened(const std::string& key, std::int64_t incident_id) {
  auto it = keys_.find(key);
  if (it != keys_.end()) it->second.incident = incident_id;
}

}  // namespace rasid::hub
