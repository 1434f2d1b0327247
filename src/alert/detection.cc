#include "alert/detection.h"

#include <algorithm>

namespace rasid::alert {

DetectionBuilder::DetectionBuilder(DetectionOptions options) : options_(std::move(options)) {}

void DetectionBuilder::add(const Alert& alert, std::optional<std::int64_t> time) {
  Item item;
  item.time = time;
  item.seq = alerts_++;
  item.rule = alert.rule;
  if (alert.correlation) {
    // A correlation alert is identified by its group (which may hold the computer).
    for (const auto& [k, v] : alert.correlation->group) {
      if (k == "Computer") item.host = v;
    }
    item.key = alert.correlation->group;
  } else {
    item.host = std::string(field_text(alert.event, "Computer"));
    if (item.host.empty()) item.host = std::string(field_text(alert.event, "host"));
    for (const auto& f : options_.key_fields) {
      item.key.emplace_back(f, std::string(field_text(alert.event, f)));
    }
    item.reference = reference(alert);
  }
  items_.push_back(std::move(item));
}

std::vector<Detection> DetectionBuilder::finish() {
  // Event-time order (alerts without a time after all others), input order among ties.
  std::stable_sort(items_.begin(), items_.end(), [](const Item& a, const Item& b) {
    if (a.time.has_value() != b.time.has_value()) return a.time.has_value();
    return a.time && *a.time < *b.time;
  });
  using Key = std::tuple<const engine::RuleInfo*, std::string,
                         std::vector<std::pair<std::string, std::string>>>;
  std::map<Key, std::size_t> open;  // group -> index of its open detection in `out`
  std::vector<Detection> out;
  for (auto& item : items_) {
    Key key{item.rule, item.host, item.key};
    auto it = open.find(key);
    if (it != open.end()) {
      Detection& d = out[it->second];
      std::int64_t window = options_.window_us;
      if (!options_.rule_window_us.empty()) {
        auto w = options_.rule_window_us.find({item.rule->file, item.rule->id, item.rule->title});
        if (w != options_.rule_window_us.end()) window = w->second;
      }
      bool same = !item.time ? !d.first_seen : d.first_seen && *item.time - *d.first_seen <= window;
      if (same) {
        ++d.count;
        if (item.time) d.last_seen = item.time;
        continue;
      }
    }
    Detection d;
    d.rule = item.rule;
    d.host = item.host;
    d.key = item.key;
    d.first_seen = item.time;
    d.last_seen = item.time;
    d.count = 1;
    d.first_alert = item.reference;
    d.level = item.rule->level_name;
    open[key] = out.size();
    out.push_back(std::move(d));
  }
  items_.clear();
  return out;
}

}  // namespace rasid::alert
