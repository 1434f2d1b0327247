#include "report/assessment.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "report/stats.h"

namespace rasid::report {
namespace {

using Json = nlohmann::ordered_json;
namespace chr = std::chrono;

constexpr Micros kDay = 86'400'000'000;
constexpr std::array<std::string_view, 5> kTlps = {"clear", "green", "amber", "amber+strict", "red"};
constexpr std::array<std::string_view, 5> kLevels = {"informational", "low", "medium", "high",
                                                     "critical"};

chr::sys_days day_of(Micros at) {
  return chr::floor<chr::days>(chr::sys_time<chr::microseconds>(chr::microseconds(at)));
}

Micros micros_of(chr::sys_days day) {
  return chr::duration_cast<chr::microseconds>(day.time_since_epoch()).count();
}

// The calendar month holding `at` (UTC).
chr::year_month month_of(Micros at) {
  chr::year_month_day ymd{day_of(at)};
  return {ymd.year(), ymd.month()};
}

std::string month_label(chr::year_month ym) {
  return fmt::format("{:04}-{:02}", static_cast<int>(ym.year()), static_cast<unsigned>(ym.month()));
}

// Same instant one calendar year earlier (29 February becomes 28 February).
Micros one_year_before(Micros at) {
  const chr::sys_days day = day_of(at);
  const Micros time_of_day = at - micros_of(day);
  chr::year_month_day ymd{day};
  chr::year_month_day earlier = (ymd.year() - chr::years{1}) / ymd.month() / ymd.day();
  if (!earlier.ok()) earlier = (ymd.year() - chr::years{1}) / ymd.month() / chr::last;
  return micros_of(chr::sys_days{earlier}) + time_of_day;
}

int level_rank(std::string_view level) {
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == level) return static_cast<int>(i);
  }
  return 2;  // rules without a level count as medium (docs/alert-format.md)
}

Json change_json(const Change& change) {
  Json out;
  out["current"] = change.current;
  out["previous"] = change.previous;
  if (change.ratio) {
    out["ratio"] = *change.ratio;
    out["ci95_low"] = *change.low;
    out["ci95_high"] = *change.high;
    out["significant"] = change.significant();
  } else {
    out["ratio"] = nullptr;
  }
  out["text"] = describe(change);
  return out;
}

struct Periods {
  Micros from, to;            // current
  Micros cmp_from, cmp_to;    // comparison
  Micros year_from, year_to;  // same dates a year before
};

enum class Slot { kNone, kCurrent, kComparison, kYear };

// Counts by key in the current and comparison periods.
struct Tally {
  std::map<std::string, std::int64_t> current;
  std::map<std::string, std::int64_t> previous;
  void add(const std::string& key, Slot slot) {
    if (slot == Slot::kCurrent) ++current[key];
    if (slot == Slot::kComparison) ++previous[key];
  }
  [[nodiscard]] std::int64_t now(const std::string& key) const {
    auto it = current.find(key);
    return it == current.end() ? 0 : it->second;
  }
  [[nodiscard]] std::int64_t before(const std::string& key) const {
    auto it = previous.find(key);
    return it == previous.end() ? 0 : it->second;
  }
  // Keys of the current period by count (descending), then key; at most n.
  [[nodiscard]] std::vector<std::string> top(std::size_t n) const {
    std::vector<std::pair<std::string, std::int64_t>> rows(current.begin(), current.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < rows.size() && i < n; ++i) out.push_back(rows[i].first);
    return out;
  }
};

std::string hours_text(std::optional<double> hours) {
  if (!hours) return "n/a";
  return fmt::format("{:.1f} h", *hours);
}

Json percentiles(std::vector<double> hours, const char* definition) {
  Json out;
  out["definition"] = definition;
  out["n"] = hours.size();
  auto median = nearest_rank(hours, 0.5);
  auto p90 = nearest_rank(hours, 0.9);
  out["median_hours"] = median ? Json(*median) : Json(nullptr);
  out["p90_hours"] = p90 ? Json(*p90) : Json(nullptr);
  return out;
}

}  // namespace

int tlp_rank(std::string_view tlp) {
  for (std::size_t i = 0; i < kTlps.size(); ++i) {
    if (kTlps[i] == tlp) return static_cast<int>(i);
  }
  return -1;
}

Result<Micros> parse_report_date(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0, hh = 0, mm = 0, ss = 0;
  char tail = 0;
  const std::string s(text);
  int fields = std::sscanf(s.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail);
  if (fields < 3 || s.size() < 10) {
    return fail(ErrorCode::kInvalidArgument,
                "invalid date '" + s + "': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
  }
  if (s.size() > 10) {
    if (std::sscanf(s.c_str() + 10, "T%2u:%2u:%2uZ%c", &hh, &mm, &ss, &tail) != 3 || s.size() != 20 ||
        hh > 23 || mm > 59 || ss > 59) {
      return fail(ErrorCode::kInvalidArgument,
                  "invalid date '" + s + "': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
    }
  }
  chr::year_month_day ymd{chr::year{y}, chr::month{m}, chr::day{d}};
  if (!ymd.ok()) return fail(ErrorCode::kInvalidArgument, "invalid date '" + s + "': no such day");
  return micros_of(chr::sys_days{ymd}) +
         (static_cast<Micros>(hh) * 3600 + mm * 60 + ss) * 1'000'000;
}

std::string format_date(Micros at) {
  chr::year_month_day ymd{day_of(at)};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::string format_datetime(Micros at) {
  const Micros seconds = (at - micros_of(day_of(at))) / 1'000'000;
  return fmt::format("{}T{:02}:{:02}:{:02}Z", format_date(at), seconds / 3600, seconds / 60 % 60,
                     seconds % 60);
}

Result<nlohmann::ordered_json> compute_assessment(const AssessmentInput& input,
                                                  const AssessmentOptions& options,
                                                  const AttackMatrix& matrix) {
  if (options.to <= options.from) {
    return fail(ErrorCode::kInvalidArgument, "the period is empty: --to must be after --from");
  }
  const int tlp_limit = options.tlp.empty() ? static_cast<int>(kTlps.size()) - 1 : tlp_rank(options.tlp);
  if (tlp_limit < 0) {
    return fail(ErrorCode::kInvalidArgument,
                "unknown TLP '" + options.tlp + "': clear, green, amber, amber+strict or red");
  }
  Periods p{options.from, options.to, 0, 0, one_year_before(options.from), one_year_before(options.to)};
  const Micros length = options.to - options.from;
  switch (options.compare) {
    case Compare::kPrevious:
      p.cmp_from = options.from - length;
      p.cmp_to = options.from;
      break;
    case Compare::kYear:
      p.cmp_from = p.year_from;
      p.cmp_to = p.year_to;
      break;
    case Compare::kRange:
      p.cmp_from = options.compare_from;
      p.cmp_to = options.compare_to;
      if (p.cmp_to - p.cmp_from != length) {
        return fail(ErrorCode::kInvalidArgument,
                    fmt::format("the comparison period lasts {} days, the report period {}: "
                                "periods of different length cannot be compared",
                                (p.cmp_to - p.cmp_from) / kDay, length / kDay));
      }
      break;
  }
  auto slot_of = [&](Micros at) {
    if (at >= p.from && at < p.to) return Slot::kCurrent;
    if (at >= p.cmp_from && at < p.cmp_to) return Slot::kComparison;
    return Slot::kNone;
  };
  auto in_year = [&](Micros at) { return at >= p.year_from && at < p.year_to; };
  // TLP of data without a known marking: AMBER (TLP 2.0 rule for unmarked objects).
  auto rank_of = [](const std::string& tlp) {
    const int rank = tlp_rank(tlp);
    return rank < 0 ? tlp_rank("amber") : rank;
  };

  // ---- the data in scope ----
  std::vector<AuthorityInfo> authorities;
  for (const auto& a : input.authorities) {
    if (options.authority.empty() || a.name == options.authority) authorities.push_back(a);
  }
  if (!options.authority.empty() && authorities.empty()) {
    return fail(ErrorCode::kNotFound, "no authority '" + options.authority + "'");
  }
  std::unordered_map<std::string, std::string> sector_of;
  for (const auto& a : authorities) sector_of[a.name] = a.sector;

  int marking = tlp_rank("clear");
  std::int64_t withheld = 0;  // above the --tlp limit
  std::vector<const DetectionRecord*> current, comparison;
  std::int64_t year_count = 0;
  for (const auto& d : input.detections) {
    if (!options.authority.empty() && d.authority != options.authority) continue;
    const Slot slot = slot_of(d.first_seen);
    const bool year = in_year(d.first_seen);
    if (slot == Slot::kNone && !year) continue;
    if (rank_of(d.tlp) > tlp_limit) {
      ++withheld;
      continue;
    }
    marking = std::max(marking, rank_of(d.tlp));
    if (slot == Slot::kCurrent) current.push_back(&d);
    if (slot == Slot::kComparison) comparison.push_back(&d);
    if (year) ++year_count;
  }
  std::vector<const IncidentRecord*> incidents;
  for (const auto& i : input.incidents) {
    const Micros when = i.activity > 0 ? i.activity : i.created;
    if (when < p.from || when >= p.to) continue;
    if (!options.authority.empty() &&
        std::find(i.authorities.begin(), i.authorities.end(), options.authority) == i.authorities.end()) {
      continue;
    }
    if (rank_of(i.tlp) > tlp_limit) {
      ++withheld;
      continue;
    }
    marking = std::max(marking, rank_of(i.tlp));
    incidents.push_back(&i);
  }

  Json report;
  // ---- meta ----
  Json meta;
  meta["title"] = options.title;
  meta["period"] = Json{{"from", format_datetime(p.from)}, {"to", format_datetime(p.to)},
                        {"days", static_cast<double>(length) / static_cast<double>(kDay)}};
  meta["comparison"] = Json{{"kind", options.compare == Compare::kPrevious ? "previous"
                                     : options.compare == Compare::kYear   ? "year"
                                                                           : "range"},
                            {"from", format_datetime(p.cmp_from)},
                            {"to", format_datetime(p.cmp_to)}};
  meta["year_before"] = Json{{"from", format_datetime(p.year_from)}, {"to", format_datetime(p.year_to)}};
  meta["data_as_of"] = input.data_as_of > 0 ? Json(format_datetime(input.data_as_of)) : Json(nullptr);
  meta["tlp"] = "TLP:" + [&] {
    std::string upper(kTlps[static_cast<std::size_t>(marking)]);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return upper;
  }();
  meta["tlp_filter"] = options.tlp.empty() ? Json(nullptr) : Json(options.tlp);
  meta["withheld_above_tlp"] = withheld;
  meta["authority"] = options.authority.empty() ? Json(nullptr) : Json(options.authority);
  meta["attack_version"] = matrix.version();
  meta["counting_unit"] = "deduplicated detection";
  report["meta"] = std::move(meta);

  Json figures;
  // ---- totals ----
  const Change total = compare_counts(static_cast<std::int64_t>(current.size()),
                                      static_cast<std::int64_t>(comparison.size()));
  const Change total_year = compare_counts(static_cast<std::int64_t>(current.size()), year_count);
  {
    Json f;
    f["definition"] =
        "Deduplicated detections whose first event falls in the period (event time), against "
        "the comparison period of the same length and the same dates one year before. Change = "
        "current/previous - 1 with a 95% confidence interval for a ratio of Poisson counts "
        "(Katz log method); n/a when the earlier count is below 10.";
    f["current"] = total.current;
    f["previous"] = total.previous;
    f["year_before"] = year_count;
    f["change"] = change_json(total);
    f["change_year"] = change_json(total_year);
    figures["detections_total"] = std::move(f);
  }
  // ---- by level ----
  Tally levels;
  for (const auto* d : current) levels.add(std::string(kLevels[static_cast<std::size_t>(level_rank(d->level))]), Slot::kCurrent);
  for (const auto* d : comparison) levels.add(std::string(kLevels[static_cast<std::size_t>(level_rank(d->level))]), Slot::kComparison);
  {
    Json f;
    f["definition"] = "Detections by the level of their rule (rules without a level count as medium).";
    Json rows = Json::array();
    for (auto it = kLevels.rbegin(); it != kLevels.rend(); ++it) {
      const std::string level(*it);
      Change c = compare_counts(levels.now(level), levels.before(level));
      rows.push_back(Json{{"level", level}, {"current", c.current}, {"previous", c.previous},
                          {"change", describe(c)}});
    }
    f["rows"] = std::move(rows);
    const Change severe = compare_counts(levels.now("critical") + levels.now("high"),
                                         levels.before("critical") + levels.before("high"));
    f["high_and_critical"] = change_json(severe);
    figures["detections_by_level"] = std::move(f);
  }
  // ---- over time ----
  const bool by_day = length <= 62 * kDay;
  {
    Json f;
    std::vector<std::string> labels;
    std::vector<std::int64_t> now_series, before_series;
    if (by_day) {
      f["definition"] = "Detections per day (UTC) of the period; the comparison series is aligned day by day from its own start.";
      const auto days = static_cast<std::size_t>((length + kDay - 1) / kDay);
      now_series.assign(days, 0);
      before_series.assign(days, 0);
      for (std::size_t i = 0; i < days; ++i) labels.push_back(format_date(p.from + static_cast<Micros>(i) * kDay));
      for (const auto* d : current) ++now_series[static_cast<std::size_t>((d->first_seen - p.from) / kDay)];
      for (const auto* d : comparison) {
        auto i = static_cast<std::size_t>((d->first_seen - p.cmp_from) / kDay);
        if (i < days) ++before_series[i];
      }
      f["bucket"] = "day";
    } else {
      f["definition"] = "Detections per calendar month (UTC) of the period; the comparison series is aligned month by month from its own start.";
      const chr::year_month first = month_of(p.from);
      const chr::year_month last = month_of(p.to - 1);
      const auto months = static_cast<std::size_t>((last - first).count() + 1);
      now_series.assign(months, 0);
      before_series.assign(months, 0);
      for (std::size_t i = 0; i < months; ++i) labels.push_back(month_label(first + chr::months{static_cast<int>(i)}));
      for (const auto* d : current) ++now_series[static_cast<std::size_t>((month_of(d->first_seen) - first).count())];
      const chr::year_month cmp_first = month_of(p.cmp_from);
      for (const auto* d : comparison) {
        auto i = static_cast<std::size_t>((month_of(d->first_seen) - cmp_first).count());
        if (i < months) ++before_series[i];
      }
      f["bucket"] = "month";
    }
    f["labels"] = labels;
    f["current"] = now_series;
    f["previous"] = before_series;
    figures["detections_over_time"] = std::move(f);
  }
  // ---- severity by month ----
  {
    Json f;
    f["definition"] = "Detections of the period per calendar month (UTC) and level.";
    const chr::year_month first = month_of(p.from);
    const chr::year_month last = month_of(p.to - 1);
    const auto months = static_cast<std::size_t>((last - first).count() + 1);
    std::vector<std::string> labels;
    for (std::size_t i = 0; i < months; ++i) labels.push_back(month_label(first + chr::months{static_cast<int>(i)}));
    Json by_level;
    std::map<int, std::vector<std::int64_t>> counts;
    for (std::size_t l = 0; l < kLevels.size(); ++l) counts[static_cast<int>(l)].assign(months, 0);
    for (const auto* d : current) {
      ++counts[level_rank(d->level)][static_cast<std::size_t>((month_of(d->first_seen) - first).count())];
    }
    for (auto it = kLevels.rbegin(); it != kLevels.rend(); ++it) {
      by_level[std::string(*it)] = counts[level_rank(*it)];
    }
    f["months"] = labels;
    f["levels"] = std::move(by_level);
    figures["severity_by_month"] = std::move(f);
  }
  // ---- by authority and sector ----
  Tally by_authority;
  for (const auto* d : current) by_authority.add(d->authority, Slot::kCurrent);
  for (const auto* d : comparison) by_authority.add(d->authority, Slot::kComparison);
  {
    Json f;
    f["definition"] = "Detections per monitored authority (all monitored authorities are listed, also those with none).";
    std::vector<AuthorityInfo> rows = authorities;
    std::sort(rows.begin(), rows.end(), [&](const AuthorityInfo& a, const AuthorityInfo& b) {
      const auto na = by_authority.now(a.name), nb = by_authority.now(b.name);
      return na != nb ? na > nb : a.name < b.name;
    });
    Json list = Json::array();
    for (const auto& a : rows) {
      Change c = compare_counts(by_authority.now(a.name), by_authority.before(a.name));
      list.push_back(Json{{"authority", a.name}, {"sector", a.sector}, {"current", c.current},
                          {"previous", c.previous}, {"change", describe(c)}});
    }
    f["rows"] = std::move(list);
    std::int64_t reporting_now = 0, reporting_before = 0;
    for (const auto& a : authorities) {
      reporting_now += by_authority.now(a.name) > 0;
      reporting_before += by_authority.before(a.name) > 0;
    }
    f["monitored"] = authorities.size();
    f["with_detections"] = reporting_now;
    f["with_detections_previous"] = reporting_before;
    figures["by_authority"] = std::move(f);
  }
  {
    Json f;
    f["definition"] =
        "Detections per sector of the reporting authority, raw and per monitored authority of "
        "that sector (detections / authorities of the sector). Detections of authorities that are "
        "not monitored count under `unknown`.";
    std::map<std::string, std::int64_t> monitored;
    for (const auto& a : authorities) ++monitored[a.sector];
    Tally sectors;
    auto sector = [&](const std::string& authority) {
      auto it = sector_of.find(authority);
      return it == sector_of.end() ? std::string("unknown") : it->second;
    };
    for (const auto* d : current) sectors.add(sector(d->authority), Slot::kCurrent);
    for (const auto* d : comparison) sectors.add(sector(d->authority), Slot::kComparison);
    std::set<std::string> names;
    for (const auto& [name, n] : monitored) names.insert(name);
    for (const auto& [name, n] : sectors.current) names.insert(name);
    Json list = Json::array();
    for (const auto& name : names) {
      const std::int64_t m = monitored.count(name) ? monitored[name] : 0;
      Change c = compare_counts(sectors.now(name), sectors.before(name));
      list.push_back(Json{{"sector", name},
                          {"authorities", m},
                          {"current", c.current},
                          {"previous", c.previous},
                          {"per_authority", m > 0 ? Json(static_cast<double>(c.current) / static_cast<double>(m)) : Json(nullptr)},
                          {"change", describe(c)}});
    }
    f["rows"] = std::move(list);
    figures["by_sector"] = std::move(f);
  }
  // ---- ATT&CK ----
  Tally tactics, techniques;
  std::map<std::string, std::set<std::string>> remapped;  // successor -> revoked ids seen
  auto attack_of = [&](const DetectionRecord& d, Slot slot) {
    std::set<int> tactic_set;
    std::set<std::string> technique_set;
    for (const auto& tag : d.tags) {
      AttackTag t = parse_attack_tag(tag);
      if (t.kind == AttackTag::Kind::kTechnique) {
        ResolvedTechnique r = matrix.resolve(t.value);
        if (r.technique == nullptr) continue;
        if (r.remapped) remapped[r.technique->id].insert(t.value);
        technique_set.insert(r.technique->id);
        for (int tactic : r.technique->tactics) tactic_set.insert(tactic);
      } else if (t.kind == AttackTag::Kind::kTactic) {
        if (auto index = matrix.tactic_index(t.value)) tactic_set.insert(*index);
      }
    }
    for (int tactic : tactic_set) tactics.add(matrix.tactics()[static_cast<std::size_t>(tactic)].id, slot);
    for (const auto& technique : technique_set) techniques.add(technique, slot);
  };
  for (const auto* d : current) attack_of(*d, Slot::kCurrent);
  for (const auto* d : comparison) attack_of(*d, Slot::kComparison);
  {
    Json f;
    f["definition"] =
        "Detections per ATT&CK tactic, in the matrix's column order. A detection counts once "
        "under each tactic of its rule (from its attack.<tactic> tags and the tactics of its "
        "technique tags); detections of rules without ATT&CK tags are not counted here.";
    Json list = Json::array();
    for (const auto& tactic : matrix.tactics()) {
      Change c = compare_counts(tactics.now(tactic.id), tactics.before(tactic.id));
      list.push_back(Json{{"tactic_id", tactic.id}, {"tactic", tactic.name}, {"shortname", tactic.shortname},
                          {"current", c.current}, {"previous", c.previous}, {"change", describe(c)}});
    }
    f["rows"] = std::move(list);
    figures["by_tactic"] = std::move(f);
  }
  {
    Json f;
    f["definition"] = fmt::format(
        "The {} techniques with the most detections in the period. Revoked technique ids in rule "
        "tags are counted under the technique that replaced them (ATT&CK {}).",
        options.top, matrix.version());
    Json list = Json::array();
    for (const auto& id : techniques.top(options.top)) {
      const Technique* t = matrix.find(id);
      Change c = compare_counts(techniques.now(id), techniques.before(id));
      Json row{{"technique_id", id}, {"name", t ? t->name : ""}, {"current", c.current},
               {"previous", c.previous}, {"change", describe(c)}};
      if (auto it = remapped.find(id); it != remapped.end()) {
        row["remapped_from"] = std::vector<std::string>(it->second.begin(), it->second.end());
      }
      list.push_back(std::move(row));
    }
    f["rows"] = std::move(list);
    Json all = Json::object();
    for (const auto& [id, n] : techniques.current) all[id] = n;
    f["all_current"] = std::move(all);
    figures["top_techniques"] = std::move(f);
  }
  // ---- top rules, indicators, hosts ----
  {
    Tally rules;
    std::map<std::string, const DetectionRecord*> example;
    std::map<std::string, std::set<std::string>> rule_authorities;
    for (const auto* d : current) {
      if (!d->indicator.empty()) continue;
      rules.add(d->rule_id, Slot::kCurrent);
      example.emplace(d->rule_id, d);
      rule_authorities[d->rule_id].insert(d->authority);
    }
    for (const auto* d : comparison) {
      if (d->indicator.empty()) rules.add(d->rule_id, Slot::kComparison);
    }
    Json f;
    f["definition"] = fmt::format("The {} Sigma rules with the most detections in the period, with the number of authorities where each fired.", options.top);
    Json list = Json::array();
    for (const auto& id : rules.top(options.top)) {
      Change c = compare_counts(rules.now(id), rules.before(id));
      list.push_back(Json{{"rule_id", id}, {"title", example[id]->rule_title}, {"level", example[id]->level},
                          {"current", c.current}, {"previous", c.previous}, {"change", describe(c)},
                          {"authorities", rule_authorities[id].size()}});
    }
    f["rows"] = std::move(list);
    figures["top_rules"] = std::move(f);
  }
  {
    Tally indicators;
    std::map<std::string, std::set<std::string>> where;
    for (const auto* d : current) {
      if (d->indicator.empty()) continue;
      indicators.add(d->indicator, Slot::kCurrent);
      where[d->indicator].insert(d->authority);
    }
    Json f;
    f["definition"] = fmt::format("The {} indicators of the national feed with the most detections in the period.", options.top);
    Json list = Json::array();
    for (const auto& id : indicators.top(options.top)) {
      list.push_back(Json{{"indicator", id}, {"current", indicators.now(id)}, {"authorities", where[id].size()}});
    }
    f["rows"] = std::move(list);
    figures["top_indicators"] = std::move(f);
  }
  {
    Tally hosts;
    for (const auto* d : current) {
      if (!d->host.empty()) hosts.add(d->authority + "\x1f" + d->host, Slot::kCurrent);
    }
    Json f;
    f["definition"] = fmt::format("The {} hosts (per authority) with the most detections in the period.", options.top);
    Json list = Json::array();
    for (const auto& key : hosts.top(options.top)) {
      const auto sep = key.find('\x1f');
      list.push_back(Json{{"authority", key.substr(0, sep)}, {"host", key.substr(sep + 1)}, {"current", hosts.now(key)}});
    }
    f["rows"] = std::move(list);
    figures["top_hosts"] = std::move(f);
  }
  // ---- incidents ----
  std::int64_t cross = 0;
  {
    Json f;
    f["definition"] =
        "National incidents of the period (by the event time of their earliest detection) that "
        "involve two or more authorities.";
    Json list = Json::array();
    for (const auto* i : incidents) {
      if (i->authorities.size() < 2) continue;
      ++cross;
      list.push_back(Json{{"id", i->id}, {"title", i->title}, {"severity", i->severity},
                          {"status", i->status}, {"authorities", i->authorities},
                          {"created", format_datetime(i->created)}});
    }
    f["count"] = cross;
    f["incidents_opened"] = incidents.size();
    f["rows"] = std::move(list);
    figures["cross_authority_incidents"] = std::move(f);
  }
  std::optional<double> median_triage;
  {
    std::vector<double> triage, resolve;
    for (const auto* i : incidents) {
      if (i->triaged) triage.push_back(static_cast<double>(*i->triaged - i->created) / 3.6e9);
      if (i->resolved) resolve.push_back(static_cast<double>(*i->resolved - i->created) / 3.6e9);
    }
    median_triage = nearest_rank(triage, 0.5);
    Json f;
    f["definition"] =
        "Over the incidents of the period: hours from opening to the first status change "
        "away from `new` (triage) and to `resolved` or `false-positive` (resolve); median and "
        "90th percentile by the nearest-rank method; n = incidents that reached that step.";
    f["triage"] = percentiles(std::move(triage), "hours from opening to triage");
    f["resolve"] = percentiles(std::move(resolve), "hours from opening to resolution");
    f["open"] = std::count_if(incidents.begin(), incidents.end(), [](const IncidentRecord* i) { return !i->resolved; });
    figures["response_times"] = std::move(f);
  }
  // ---- coverage ----
  std::optional<double> coverage;
  {
    Json f;
    f["definition"] =
        "Rule coverage of ATT&CK: active (neither revoked nor deprecated) Enterprise techniques "
        "and sub-techniques with at least one active rule tagged with them (revoked ids in tags "
        "follow their successor), divided by all active techniques and sub-techniques.";
    if (input.have_rules) {
      std::set<std::string> covered;
      for (const auto& tags : input.active_rule_tags) {
        for (const auto& tag : tags) {
          AttackTag t = parse_attack_tag(tag);
          if (t.kind != AttackTag::Kind::kTechnique) continue;
          ResolvedTechnique r = matrix.resolve(t.value);
          if (r.technique != nullptr && r.technique->active()) covered.insert(r.technique->id);
        }
      }
      f["covered"] = covered.size();
      f["active_techniques"] = matrix.active_count();
      coverage = static_cast<double>(covered.size()) / static_cast<double>(matrix.active_count());
      f["ratio"] = *coverage;
      f["rules"] = input.active_rule_tags.size();
    } else {
      f["covered"] = nullptr;
      f["active_techniques"] = matrix.active_count();
      f["ratio"] = nullptr;
      f["note"] = "not computed: the report was made without --rules";
    }
    figures["rule_coverage"] = std::move(f);
  }

  // ---- key judgements ----
  Json judgements = Json::array();
  judgements.push_back(Json{
      {"figure", "detections_total"},
      {"statement", fmt::format("{} deduplicated detections in the period; change against the comparison period: {}.",
                                total.current, describe(total))}});
  {
    const Json& severe = figures["detections_by_level"]["high_and_critical"];
    judgements.push_back(Json{{"figure", "detections_by_level"},
                              {"statement", fmt::format("{} high or critical detections; change: {}.",
                                                        severe["current"].get<std::int64_t>(),
                                                        severe["text"].get<std::string>())}});
  }
  {
    std::string top_tactic;
    std::int64_t top_count = 0;
    for (const auto& row : figures["by_tactic"]["rows"]) {
      if (row["current"].get<std::int64_t>() > top_count) {
        top_count = row["current"].get<std::int64_t>();
        top_tactic = row["tactic"].get<std::string>();
      }
    }
    if (top_count > 0) {
      for (const auto& row : figures["by_tactic"]["rows"]) {
        if (row["tactic"] == top_tactic) {
          judgements.push_back(Json{{"figure", "by_tactic"},
                                    {"statement", fmt::format("Most detected ATT&CK tactic: {} ({} detections; change: {}).",
                                                              top_tactic, top_count, row["change"].get<std::string>())}});
          break;
        }
      }
    }
  }
  judgements.push_back(Json{
      {"figure", "by_authority"},
      {"statement", fmt::format("{} of {} monitored authorities had detections ({} in the comparison period).",
                                figures["by_authority"]["with_detections"].get<std::int64_t>(),
                                authorities.size(),
                                figures["by_authority"]["with_detections_previous"].get<std::int64_t>())}});
  judgements.push_back(Json{
      {"figure", "cross_authority_incidents"},
      {"statement", fmt::format("{} national incident{} involved two or more authorities.", cross, cross == 1 ? "" : "s")}});
  report["key_judgements"] = std::move(judgements);
  report["figures"] = std::move(figures);

  // ---- recommendations (docs/report.md, "Recommendations": the rule table) ----
  Json recommendations = Json::array();
  auto recommend = [&](const char* id, std::string finding, std::string text) {
    recommendations.push_back(Json{{"rule", id}, {"finding", std::move(finding)}, {"recommendation", std::move(text)}});
  };
  if (total.ratio && total.significant() && *total.low > 0) {
    recommend("R1", "Detections rose significantly: " + describe(total) + ".",
              "Reinforce triage capacity at the authorities with the largest increase and check "
              "whether one campaign explains the rise (cross-authority incidents).");
  }
  {
    const auto& rows = report["figures"]["by_tactic"]["rows"];
    std::vector<std::pair<std::int64_t, std::string>> ranked;
    for (const auto& row : rows) ranked.emplace_back(row["current"].get<std::int64_t>(), row["shortname"].get<std::string>());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < ranked.size() && i < 3; ++i) {
      if (ranked[i].first == 0) break;
      if (ranked[i].second == "credential-access") {
        recommend("R2", "Credential access is among the three most detected tactics.",
                  "Enforce multi-factor authentication, protect LSASS (Credential Guard / RunAsPPL) "
                  "and review privileged accounts at the affected authorities.");
      }
      if (ranked[i].second == "lateral-movement") {
        recommend("R3", "Lateral movement is among the three most detected tactics.",
                  "Segment networks, restrict remote administration (RDP, SMB, WinRM) to "
                  "management hosts and monitor their use.");
      }
    }
  }
  if (cross > 0) {
    recommend("R4", fmt::format("{} incident{} spanned several authorities.", cross, cross == 1 ? "" : "s"),
              "Share the indicators of these incidents on the national TAXII feed and brief the "
              "sector CSIRTs of the authorities involved.");
  }
  if (median_triage && *median_triage > 24.0) {
    recommend("R5", "Median time to triage is " + hours_text(median_triage) + ", above 24 hours.",
              "Set a 24-hour triage target for national incidents and assign an owner on opening.");
  }
  if (coverage && *coverage < 0.5) {
    recommend("R6", fmt::format("Rules cover {:.0f}% of active ATT&CK techniques.", *coverage * 100),
              "Extend the national rule set towards the uncovered techniques of the most detected "
              "tactics.");
  }
  {
    std::vector<std::string> silent;
    for (const auto& row : report["figures"]["by_authority"]["rows"]) {
      if (row["current"].get<std::int64_t>() == 0 && row["previous"].get<std::int64_t>() == 0) {
        silent.push_back(row["authority"].get<std::string>());
      }
    }
    if (!silent.empty()) {
      std::string names;
      for (const auto& s : silent) names += (names.empty() ? "" : ", ") + s;
      recommend("R7", "No detections in either period at: " + names + ".",
                "Verify that these authorities' sensors collect and forward logs: silence is as "
                "likely a collection gap as an absence of threats.");
    }
  }
  report["recommendations"] = std::move(recommendations);
  return report;
}

}  // namespace rasid::report
