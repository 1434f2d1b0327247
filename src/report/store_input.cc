#include "report/store_input.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

namespace rasid::report {
namespace {

// "type:value" when the stored alert is an indicator hit (docs/alert-format.md), else "".
std::string indicator_of(const nlohmann::json& body) {
  auto it = body.find("indicator");
  if (it == body.end() || !it->is_object()) return "";
  const std::string type = it->value("type", std::string());
  const std::string value = it->value("value", std::string());
  return value.empty() ? "" : type + ":" + value;
}

}  // namespace

Result<AssessmentInput> load_store_input(store::Store& store, const StoreInputOptions& options) {
  const Micros window = options.window;
  AssessmentInput input;
  auto authorities = store.list_authorities();
  if (!authorities) return fail(authorities.error());
  std::map<std::int64_t, std::string> names;
  for (const auto& a : *authorities) {
    input.authorities.push_back({a.name, a.sector});
    names[a.id] = a.name;
  }
  struct Open {
    std::size_t index;  // into input.detections
    Micros first;
  };
  std::vector<store::StoredAlert> alerts;
  store::AlertFilter filter;
  filter.from = options.since;
  filter.to = options.until;
  filter.authority_ids = options.authority_ids;
  filter.tlps = options.tlps;
  store::PageRequest page;
  page.limit = store::kMaxPageSize;
  for (;;) {
    auto batch = store.query_alerts(filter, page);
    if (!batch) return fail(batch.error());
    for (auto& a : batch->items) {
      if (options.visible && !options.visible(a.authority_id, a.alert.tlp)) continue;
      input.data_as_of = std::max(input.data_as_of, a.received);
      alerts.push_back(std::move(a));
    }
    if (!batch->next) break;
    page.after = *batch->next;
  }
  std::stable_sort(alerts.begin(), alerts.end(), [](const auto& a, const auto& b) {
    return a.alert.event_time.value_or(0) < b.alert.event_time.value_or(0);
  });
  std::map<std::tuple<std::int64_t, std::string, std::string>, Open> open;
  for (const auto& a : alerts) {
    const Micros time = *a.alert.event_time;  // the filter keeps timed alerts only
    auto key = std::make_tuple(a.authority_id, a.alert.rule_id, a.alert.host);
    auto it = open.find(key);
    if (it != open.end() && time - it->second.first <= window) {
      ++input.detections[it->second.index].alert_count;
      continue;
    }
    DetectionRecord d;
    d.authority = names.count(a.authority_id) ? names[a.authority_id] : std::to_string(a.authority_id);
    d.rule_id = a.alert.rule_id;
    d.rule_title = a.alert.rule_title;
    d.level = a.alert.level;
    d.host = a.alert.host;
    d.tlp = a.alert.tlp;
    d.first_seen = time;
    d.tags = a.alert.tags;
    nlohmann::json body = nlohmann::json::parse(a.alert.body, nullptr, false);
    if (!body.is_discarded()) d.indicator = indicator_of(body);
    open[key] = Open{input.detections.size(), time};
    input.detections.push_back(std::move(d));
  }
  // Incidents with the times of their first triage and resolution, and their authorities.
  store::PageRequest incident_page;
  incident_page.limit = store::kMaxPageSize;
  for (;;) {
    auto batch = store.query_incidents({}, incident_page);
    if (!batch) return fail(batch.error());
    for (const auto& i : batch->items) {
      IncidentRecord r;
      r.id = i.id;
      r.title = i.title;
      r.severity = i.severity;
      r.status = std::string(store::to_string(i.status));
      r.tlp = i.tlp;
      r.created = i.created;
      auto timeline = store.incident_timeline(i.id);
      if (!timeline) return fail(timeline.error());
      for (const auto& e : *timeline) {
        if (e.kind != "status") continue;
        if (!r.triaged && e.detail != "new") r.triaged = e.at;
        if (!r.resolved && (e.detail == "resolved" || e.detail == "false-positive")) r.resolved = e.at;
      }
      auto detections = store.incident_detections(i.id);
      if (!detections) return fail(detections.error());
      for (const auto& d : *detections) {
        if (r.activity == 0 || d.first_seen < r.activity) r.activity = d.first_seen;
        const std::string name = names.count(d.authority_id) ? names[d.authority_id] : std::to_string(d.authority_id);
        if (std::find(r.authorities.begin(), r.authorities.end(), name) == r.authorities.end()) {
          r.authorities.push_back(name);
        }
      }
      std::sort(r.authorities.begin(), r.authorities.end());
      input.incidents.push_back(std::move(r));
    }
    if (!batch->next) break;
    incident_page.after = *batch->next;
  }
  return input;
}

}  // namespace rasid::report
