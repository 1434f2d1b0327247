#include "cli/hunt_correlation.h"

#include <algorithm>

#include "engine/event_time.h"

namespace rasid::cli {

namespace {

bool names(const std::string& ref, const engine::RuleInfo& rule, const std::string& name) {
  return (!rule.id.empty() && ref == rule.id) || (!name.empty() && ref == name);
}

}  // namespace

HuntCorrelation::HuntCorrelation(std::vector<sigma::Rule> correlations,
                                 const engine::Ruleset& ruleset, std::vector<std::string> names_of,
                                 correlate::Options options)
    : rules_(std::move(correlations)), ruleset_(ruleset), names_(std::move(names_of)) {
  std::vector<const sigma::Rule*> pointers;
  for (const auto& r : rules_) {
    pointers.push_back(&r);
    infos_.push_back(engine::make_rule_info(r));
  }
  correlator_ = std::make_unique<correlate::Correlator>(std::move(pointers), options);
  // A correlation named by another one is a step of a chain: like a base rule, it alerts on
  // its own only if a correlation naming it says generate: true.
  correlation_standalone_.assign(rules_.size(), true);
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    bool named = false, generate = false;
    for (const auto& c : rules_) {
      for (const auto& ref : c.correlation->rules) {
        if ((!rules_[i].id.empty() && ref == rules_[i].id) ||
            (!rules_[i].name.empty() && ref == rules_[i].name)) {
          named = true;
          generate = generate || c.correlation->generate;
        }
      }
    }
    correlation_standalone_[i] = !named || generate;
  }
  std::size_t n = ruleset.rule_count();
  referenced_.assign(n, false);
  standalone_.assign(n, true);
  fields_.resize(n);
  for (engine::RuleIndex i = 0; i < n; ++i) {
    const auto& info = ruleset.rule(i);
    const std::string& name = i < names_.size() ? names_[i] : std::string();
    bool generate = false;
    for (const auto& c : rules_) {
      for (const auto& ref : c.correlation->rules) {
        if (names(ref, info, name)) {
          referenced_[i] = true;
          generate = generate || c.correlation->generate;
        }
      }
    }
    if (referenced_[i]) {
      standalone_[i] = generate;
      fields_[i] = correlator_->fields_for(info.id, name);
    }
  }
}

void HuntCorrelation::add(engine::RuleIndex rule, std::optional<std::int64_t> time,
                          const alert::Alert& alert) {
  if (!referenced_[rule]) return;
  if (!time) {
    ++without_time_;
    return;
  }
  Kept k;
  k.time = *time;
  k.rule = rule;
  k.alert_id = alert::reference(alert);
  for (const auto& f : fields_[rule]) {
    std::string_view v = alert::field_text(alert.event, f);
    bool present = !v.empty() || std::any_of(alert.event.begin(), alert.event.end(),
                                             [&](const auto& field) { return field.name == f; });
    if (present) k.fields.emplace_back(f, std::string(v));
  }
  kept_.push_back(std::move(k));
}

std::uint64_t HuntCorrelation::finish(
    const std::function<void(const alert::Alert&, std::int64_t)>& sink) {
  // Event time order across all inputs; input order among equal times.
  std::stable_sort(kept_.begin(), kept_.end(),
                   [](const Kept& a, const Kept& b) { return a.time < b.time; });
  std::vector<correlate::CorrelationAlert> out;
  std::uint64_t written = 0;
  auto write = [&] {
    for (const auto& c : out) {
      if (!correlation_standalone_[c.correlation]) continue;
      alert::Alert a;
      a.rule = &infos_[c.correlation];
      a.timestamp = engine::format_time(c.window_end_us);
      alert::CorrelationResult r;
      r.type = rules_[c.correlation].correlation->type;
      r.group = c.group;
      r.window_start = engine::format_time(c.window_start_us);
      r.window_end = a.timestamp;
      r.value = c.value;
      r.events = c.events;
      r.contributors = c.contributors;
      r.contributors_truncated = c.contributors_truncated;
      a.correlation = std::move(r);
      sink(a, c.window_end_us);
      ++written;
    }
    out.clear();
  };
  for (const auto& k : kept_) {
    correlate::Match m;
    const auto& info = ruleset_.rule(k.rule);
    m.rule_id = info.id;
    m.rule_name = k.rule < names_.size() ? std::string_view(names_[k.rule]) : std::string_view();
    m.time_us = k.time;
    m.alert_id = k.alert_id;
    m.field = [&k](std::string_view f) -> std::optional<std::string> {
      for (const auto& [name, value] : k.fields) {
        if (name == f) return value;
      }
      return std::nullopt;
    };
    correlator_->add(m, out);
    write();
  }
  correlator_->finish(out);
  write();
  kept_.clear();
  return written;
}

}  // namespace rasid::cli
