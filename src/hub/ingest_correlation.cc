#include "hub/ingest_correlation.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace rasid::hub {
namespace {

using Json = nlohmann::json;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Event fields holding user names, IP addresses and host names (flat convention, docs/mapping.md,
// and common dotted names of other logs).
constexpr std::array<const char*, 8> kUserFields = {"User", "SubjectUserName", "TargetUserName", "UserName",
                                                   "AccountName", "user.name", "user", "username"};
constexpr std::array<const char*, 10> kIpFields = {"SourceIp", "DestinationIp", "IpAddress", "SourceAddress",
                                                  "DestAddress", "src_ip", "dest_ip", "source.ip",
                                                  "destination.ip", "id.resp_h"};
constexpr std::array<const char*, 6> kHostFields = {"DestinationHostname", "QueryName", "Host", "host.name",
                                                   "query", "server_name"};
constexpr std::array<std::string_view, 7> kInternalSuffixes = {".local", ".lan", ".internal", ".corp",
                                                               ".home", ".localdomain", ".arpa"};

void strings_of(const Json& event, const char* field, std::vector<std::string>& out) {
  auto it = event.find(field);
  if (it == event.end()) return;
  if (it->is_string()) out.push_back(it->get<std::string>());
  if (it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
}

bool is_upn(std::string_view user) {
  const auto at = user.find('@');
  return at != std::string_view::npos && at > 0 && user.find('.', at) != std::string_view::npos;
}

bool is_public_fqdn(std::string_view host) {
  std::string h = lower(host);
  while (!h.empty() && h.back() == '.') h.pop_back();
  if (h.find('.') == std::string::npos) return false;
  for (auto suffix : kInternalSuffixes) {
    if (h.size() >= suffix.size() && h.compare(h.size() - suffix.size(), suffix.size(), suffix) == 0) return false;
  }
  // An address is not a host name.
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, h.c_str(), &v4) != 1 && inet_pton(AF_INET6, h.c_str(), &v6) != 1;
}

}  // namespace

bool is_public_ip(std::string_view address) {
  const std::string text(address);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    const std::uint32_t a = ntohl(v4.s_addr);
    const std::uint32_t b1 = a >> 24, b2 = (a >> 16) & 255, b3 = (a >> 8) & 255;
    if (b1 == 0 || b1 == 10 || b1 == 127 || b1 >= 224) return false;           // this, private, loopback, multicast+
    if (b1 == 172 && b2 >= 16 && b2 < 32) return false;                          // private
    if (b1 == 192 && b2 == 168) return false;                                    // private
    if (b1 == 169 && b2 == 254) return false;                                    // link-local
    if (b1 == 100 && b2 >= 64 && b2 < 128) return false;                         // CGNAT
    if (b1 == 192 && b2 == 0 && (b3 == 0 || b3 == 2)) return false;              // IETF, TEST-NET-1
    if (b1 == 198 && (b2 == 18 || b2 == 19)) return false;                       // benchmarking
    if (b1 == 198 && b2 == 51 && b3 == 100) return false;                        // TEST-NET-2
    if (b1 == 203 && b2 == 0 && b3 == 113) return false;                         // TEST-NET-3
    return true;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    const unsigned char* b = v6.s6_addr;
    if ((b[0] & 0xe0) != 0x20) return false;                   // only global unicast 2000::/3
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // documentation
    return true;
  }
  return false;
}

std::string detection_facts(const store::NewAlert& alert) {
  Json facts = Json::object();
  facts["tags"] = alert.tags;
  Json body = Json::parse(alert.body, nullptr, false);
  if (body.is_object()) {
    if (auto it = body.find("indicator"); it != body.end() && it->is_object()) {
      const std::string type = it->value("type", std::string());
      const std::string value = it->value("value", std::string());
      if (!value.empty()) facts["indicator"] = type + ":" + value;
    }
    if (auto event = body.find("event"); event != body.end() && event->is_object()) {
      std::vector<std::string> users, ips, hosts;
      for (const char* f : kUserFields) strings_of(*event, f, users);
      for (const char* f : kIpFields) strings_of(*event, f, ips);
      for (const char* f : kHostFields) strings_of(*event, f, hosts);
      std::erase_if(users, [](const std::string& u) { return !is_upn(u); });
      std::erase_if(ips, [](const std::string& ip) { return !is_public_ip(ip); });
      std::erase_if(hosts, [](const std::string& h) { return !is_public_fqdn(h); });
      if (is_public_fqdn(alert.host)) hosts.push_back(alert.host);
      for (auto* list : {&users, &ips, &hosts}) {
        for (auto& v : *list) v = lower(v);
        std::sort(list->begin(), list->end());
        list->erase(std::unique(list->begin(), list->end()), list->end());
      }
      if (!users.empty()) facts["users"] = users;
      if (!ips.empty()) facts["ips"] = ips;
      if (!hosts.empty()) facts["hosts"] = hosts;
    }
  }
  return facts.dump();
}

DetectionFacts facts_of(const store::Detection& detection) {
  DetectionFacts out;
  out.id = detection.id;
  out.authority_id = detection.authority_id;
  out.rule_id = detection.rule_id;
  out.rule_title = detection.rule_title;
  out.level = detection.level;
  out.time = detection.first_seen;
  Json facts = Json::parse(detection.facts.empty() ? "{}" : detection.facts, nullptr, false);
  if (!facts.is_object()) return out;
  out.indicator = facts.value("indicator", std::string());
  auto list = [&](const char* key, std::vector<std::string>& into) {
    if (auto it = facts.find(key); it != facts.end() && it->is_array()) {
      for (const auto& v : *it) {
        if (v.is_string()) into.push_back(v.get<std::string>());
      }
    }
  };
  list("hosts", out.hosts);
  list("users", out.users);
  list("ips", out.ips);
  return out;
}

IngestCorrelation::IngestCorrelation(store::Store& store, IngestCorrelationOptions options)
    : store_(store), options_(std::move(options)), national_(options_.national) {}

IngestCorrelationStats IngestCorrelation::stats() {
  std::lock_guard lock(mu_);
  return stats_;
}

Status IngestCorrelation::apply(const std::vector<IncidentAction>& actions, const store::Detection& detection,
                                bool replay) {
  for (const auto& action : actions) {
    switch (action.kind) {
      case IncidentAction::Kind::kOpen: {
        if (replay) {
          // The incident was opened before the restart: find it by its key.
          store::IncidentFilter filter;
          filter.key = action.key;
          std::optional<std::int64_t> latest;
          store::PageRequest page;
          page.limit = store::kMaxPageSize;
          for (;;) {
            auto found = store_.query_incidents(filter, page);
            if (!found) return fail(found.error());
            for (const auto& i : found->items) latest = i.id;
            if (!found->next) break;
            page.after = *found->next;
          }
          if (latest) {
            national_.opened(action.key, *latest);
            break;
          }
        }
        store::Incident incident;
        incident.title = action.title;
        incident.severity = action.severity;
        incident.tlp = detection.tlp.empty() ? "amber" : detection.tlp;
        incident.key = action.key;
        auto created = store_.create_incident(incident, "system");
        if (!created) return fail(created.error());
        for (std::int64_t id : action.detections) {
          if (auto s = store_.link_detection(created->id, id, "system"); !s) return s;
        }
        national_.opened(action.key, created->id);
        touch(created->id);
        ++stats_.incidents_opened;
        stats_.links += static_cast<std::int64_t>(action.detections.size());
        spdlog::info("event=incident_opened id={} key={} detections={}", created->id, action.key,
                     action.detections.size());
        break;
      }
      case IncidentAction::Kind::kLink:
        for (std::int64_t id : action.detections) {
          if (auto s = store_.link_detection(action.incident, id, "system"); !s) return s;
        }
        if (!replay) touch(action.incident);
        ++stats_.links;
        break;
      case IncidentAction::Kind::kRaiseSeverity: {
        if (replay) break;
        store::IncidentChange change;
        change.severity = action.severity;
        if (auto updated = store_.update_incident(action.incident, change, "system"); !updated) {
          return fail(updated.error());
        }
        break;
      }
    }
  }
  return ok();
}

Status IngestCorrelation::rebuild() {
  std::lock_guard lock(mu_);
  store::DetectionFilter filter;
  filter.from = store::now_micros() - options_.rebuild_horizon;
  std::vector<store::Detection> detections;
  store::PageRequest page;
  page.limit = store::kMaxPageSize;
  for (;;) {
    auto batch = store_.query_detections(filter, page);
    if (!batch) return fail(batch.error());
    for (auto& d : batch->items) detections.push_back(std::move(d));
    if (!batch->next) break;
    page.after = *batch->next;
  }
  std::stable_sort(detections.begin(), detections.end(),
                   [](const auto& a, const auto& b) { return a.first_seen < b.first_seen; });
  for (const auto& d : detections) {
    open_[Key{d.authority_id, d.rule_id, d.host}] = Open{d.id, d.first_seen, d.last_seen, d.alert_count};
    if (auto s = apply(national_.add(facts_of(d)), d, true); !s) return s;
  }
  spdlog::info("event=correlation_rebuilt detections={} keys={}", detections.size(), national_.keys());
  return ok();
}

void IngestCorrelation::touch(std::int64_t incident) {
  if (touched_ && std::find(touched_->begin(), touched_->end(), incident) == touched_->end()) touched_->push_back(incident);
}

Status IngestCorrelation::add(std::int64_t authority_id, std::span<const store::NewAlert> alerts,
                              const std::vector<std::size_t>& accepted, std::vector<std::int64_t>* touched) {
  std::lock_guard lock(mu_);
  touched_ = touched;
  struct Reset {
    std::vector<std::int64_t>*& target;
    ~Reset() { target = nullptr; }
  } reset{touched_};
  // In event-time order, so a batch sent out of order groups as a sorted one would.
  std::vector<const store::NewAlert*> ordered;
  for (std::size_t index : accepted) {
    if (index < alerts.size() && alerts[index].event_time) ordered.push_back(&alerts[index]);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return *a->event_time < *b->event_time; });
  // Pass 1, in memory: the rows to write, one per detection touched (new ones have id 0).
  std::vector<store::Detection> rows;
  std::map<Key, std::size_t> row_of;            // key -> its current row in `rows`
  std::map<Key, std::optional<Open>> before;    // to undo on a failed write
  IngestCorrelationStats counted;
  for (const store::NewAlert* alert : ordered) {
    const store::Micros time = *alert->event_time;
    Key key{authority_id, alert->rule_id, alert->host};
    auto it = open_.find(key);
    if (!before.count(key)) before[key] = it == open_.end() ? std::nullopt : std::optional<Open>(it->second);
    if (it != open_.end() && time >= it->second.first && time - it->second.first <= options_.detection_window) {
      Open& open = it->second;
      open.last = std::max(open.last, time);
      ++open.count;
      auto row = row_of.find(key);
      if (row != row_of.end()) {
        rows[row->second].last_seen = open.last;
        rows[row->second].alert_count = open.count;
      } else {
        store::Detection update;
        update.id = open.id;
        update.last_seen = open.last;
        update.alert_count = open.count;
        row_of[key] = rows.size();
        rows.push_back(std::move(update));
      }
      ++counted.detections_extended;
      continue;
    }
    store::Detection detection;
    detection.authority_id = authority_id;
    detection.rule_id = alert->rule_id;
    detection.rule_title = alert->rule_title;
    detection.level = alert->level;
    detection.host = alert->host;
    detection.tlp = alert->tlp;
    detection.first_seen = time;
    detection.last_seen = time;
    detection.alert_count = 1;
    detection.facts = detection_facts(*alert);
    row_of[key] = rows.size();
    open_[key] = Open{0, time, time, 1};
    rows.push_back(std::move(detection));
    ++counted.detections_opened;
  }
  if (rows.empty()) return ok();
  // Pass 2: one transaction for every detection of the batch.
  auto ids = store_.write_detections(rows);
  if (!ids) {
    for (auto& [key, open] : before) {
      if (open) open_[key] = *open; else open_.erase(key);
    }
    return fail(ids.error());
  }
  std::vector<store::Detection> added;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].id != 0) continue;
    rows[i].id = (*ids)[i];
    added.push_back(rows[i]);
  }
  for (const auto& [key, index] : row_of) {
    if (open_[key].id == 0) open_[key].id = (*ids)[index];
  }
  stats_.detections_opened += counted.detections_opened;
  stats_.detections_extended += counted.detections_extended;
  // Pass 3: new detections to the national correlator (incidents are rare: one call each).
  for (const auto& detection : added) {
    if (auto s = apply(national_.add(facts_of(detection)), detection, false); !s) return s;
  }
  return ok();
}

}  // namespace rasid::hub
