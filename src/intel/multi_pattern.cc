#include "intel/multi_pattern.h"

#include <algorithm>
#include <array>
#include <deque>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "intel/detail/stix_text.h"

namespace rasid::intel {

namespace {

using nlohmann::json;
using Kind = ObservationNode::Kind;

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// Timestamps widened to whole microseconds: start down, stop up, so a filter on them never
// drops an observation the matcher (nanoseconds) would keep.
std::int64_t floor_us(const detail::Timestamp& t) { return t.seconds * 1'000'000 + t.nanos / 1000; }
std::int64_t ceil_us(const detail::Timestamp& t) { return t.seconds * 1'000'000 + (t.nanos + 999) / 1000; }

void collect_types(const StixPattern& p, int comparison, std::set<std::string>& types) {
  const ComparisonNode& c = p.comparisons[static_cast<std::size_t>(comparison)];
  if (c.kind == ComparisonNode::Kind::kTest) {
    types.insert(c.path.object_type);
    return;
  }
  collect_types(p, c.lhs, types);
  collect_types(p, c.rhs, types);
}

// "2026-11-29T10:00:00.000001Z" from microseconds since the epoch (proleptic Gregorian).
std::string stix_time(std::int64_t us) {
  std::int64_t secs = us >= 0 ? us / 1'000'000 : -((-us + 999'999) / 1'000'000);
  std::int64_t micros = us - secs * 1'000'000;
  std::int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  std::int64_t sod = secs - days * 86400;
  // Days since 1970-01-01 to a civil date, counting in 400-year eras from 0000-03-01.
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", year, month, day, sod / 3600, sod / 60 % 60,
                     sod % 60, micros);
}

std::string observed_id(std::size_t index) {
  return fmt::format("observed-data--00000000-0000-4000-8000-{:012x}", index);
}

std::optional<std::size_t> index_of(std::string_view id) {
  constexpr std::string_view kPrefix = "observed-data--00000000-0000-4000-8000-";
  if (!id.starts_with(kPrefix) || id.size() != kPrefix.size() + 12) return std::nullopt;
  std::size_t v = 0;
  for (char c : id.substr(kPrefix.size())) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<std::size_t>(d);
  }
  return v;
}

// One observed-data for a kept observation (nullopt if its objects are not JSON).
std::optional<json> observed_data(const KeptObservation& o, std::size_t index) {
  json objects = json::parse(o.objects.begin(), o.objects.end(), nullptr, false);
  if (objects.is_discarded() || !objects.is_object()) return std::nullopt;
  std::string when = stix_time(o.time_us);
  return json{{"type", "observed-data"}, {"id", observed_id(index)}, {"first_observed", when},
              {"last_observed", when}, {"number_observed", 1}, {"objects", std::move(objects)}};
}

}  // namespace

Result<MultiPattern> MultiPattern::create(const StixPattern& pattern) {
  auto matcher = StixMatcher::create(pattern);
  if (!matcher) return fail(matcher.error());
  MultiPattern out;
  out.matcher_ = std::move(*matcher);
  const StixPattern& p = out.matcher_.pattern();
  out.leaf_of_node_.assign(p.observations.size(), -1);
  std::set<std::string> all_types;
  // Depth-first from the root, left before right: leaves numbered in text order. Qualifier
  // START/STOP ranges are intersected on the way down.
  struct Frame {
    int node;
    std::int64_t start, stop;
    bool left = false;  // inside the left side of a FOLLOWEDBY
  };
  std::vector<Frame> stack{{p.root, kMin, kMax, false}};
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    const ObservationNode& n = p.observations[static_cast<std::size_t>(f.node)];
    switch (n.kind) {
      case Kind::kSimple: {
        if (out.leaves_.size() == kMaxLeaves) {
          return fail(ErrorCode::kLimit, fmt::format("more than {} observation expressions", kMaxLeaves));
        }
        StixPattern one;
        one.version = p.version;
        one.text = p.text;
        one.comparisons = p.comparisons;
        ObservationNode simple;
        simple.kind = Kind::kSimple;
        simple.comparison = n.comparison;
        one.observations.push_back(simple);
        one.root = 0;
        auto leaf_matcher = StixMatcher::create(one);
        if (!leaf_matcher) return fail(leaf_matcher.error());
        std::set<std::string> types;
        collect_types(p, n.comparison, types);
        all_types.insert(types.begin(), types.end());
        if (f.left) out.left_only_ |= 1u << out.leaves_.size();
        out.leaf_of_node_[static_cast<std::size_t>(f.node)] = static_cast<int>(out.leaves_.size());
        out.leaves_.push_back({std::move(*leaf_matcher), std::vector<std::string>(types.begin(), types.end()),
                               f.start, f.stop});
        break;
      }
      case Kind::kAnd:
      case Kind::kOr:
        stack.push_back({n.rhs, f.start, f.stop, f.left});
        stack.push_back({n.lhs, f.start, f.stop, f.left});
        break;
      case Kind::kFollowedBy:
        stack.push_back({n.rhs, f.start, f.stop, f.left});
        stack.push_back({n.lhs, f.start, f.stop, true});
        break;
      case Kind::kStartStop: {
        // StixMatcher::create has checked both timestamps.
        auto start = detail::parse_timestamp(n.start.bytes);
        auto stop = detail::parse_timestamp(n.stop.bytes);
        std::int64_t s = start ? std::max(f.start, floor_us(*start)) : f.start;
        std::int64_t e = stop ? std::min(f.stop, ceil_us(*stop)) : f.stop;
        stack.push_back({n.lhs, s, e, f.left});
        break;
      }
      case Kind::kWithin:
      case Kind::kRepeats:
        stack.push_back({n.lhs, f.start, f.stop, f.left});
        break;
    }
  }
  out.object_types_.assign(all_types.begin(), all_types.end());
  // The time bound of a binding, bottom-up (nodes may be in any order in the vector).
  std::function<std::optional<std::int64_t>(int)> span = [&](int index) -> std::optional<std::int64_t> {
    const ObservationNode& n = p.observations[static_cast<std::size_t>(index)];
    switch (n.kind) {
      case Kind::kSimple: return 0;  // one observation: first = last = its time
      case Kind::kAnd:
      case Kind::kFollowedBy: return std::nullopt;  // the two sides may be any time apart
      case Kind::kOr: {
        auto a = span(n.lhs), b = span(n.rhs);
        if (!a || !b) return std::nullopt;
        return std::max(*a, *b);
      }
      case Kind::kRepeats: return n.number.int_value == 1 ? span(n.lhs) : std::nullopt;
      case Kind::kWithin: {
        double seconds = n.number.kind == Literal::Kind::kInt ? static_cast<double>(n.number.int_value)
                                                               : n.number.float_value;
        std::int64_t ns = detail::seconds_to_nanos(seconds);
        std::optional<std::int64_t> w;
        if (ns <= kMax - 999) w = (ns + 999) / 1000;
        auto inner = span(n.lhs);
        if (!w) return inner;
        return inner ? std::min(*inner, *w) : w;
      }
      case Kind::kStartStop: {
        auto start = detail::parse_timestamp(n.start.bytes);
        auto stop = detail::parse_timestamp(n.stop.bytes);
        auto inner = span(n.lhs);
        if (!start || !stop) return inner;
        std::int64_t range = std::max<std::int64_t>(0, ceil_us(*stop) - floor_us(*start));
        return inner ? std::min(*inner, range) : range;
      }
    }
    return std::nullopt;
  };
  out.span_us_ = span(p.root);
  return out;
}

bool MultiPattern::could_match(std::uint32_t present) const {
  const StixPattern& p = matcher_.pattern();
  std::function<bool(int)> can = [&](int index) {
    const ObservationNode& n = p.observations[static_cast<std::size_t>(index)];
    switch (n.kind) {
      case Kind::kSimple: {
        int leaf = leaf_of_node_[static_cast<std::size_t>(index)];
        return leaf >= 0 && (present >> leaf & 1u) != 0;
      }
      case Kind::kAnd:
      case Kind::kFollowedBy: return can(n.lhs) && can(n.rhs);
      case Kind::kOr: return can(n.lhs) || can(n.rhs);
      case Kind::kWithin:
      case Kind::kRepeats:
      case Kind::kStartStop: return can(n.lhs);
    }
    return false;
  };
  return can(p.root);
}

Result<std::uint32_t> MultiPattern::leaves_matched(const ObservationSet& one, std::int64_t time_us,
                                                   const MatchOptions& options) const {
  std::uint32_t mask = 0;
  for (std::size_t i = 0; i < leaves_.size(); ++i) {
    const ObservationLeaf& leaf = leaves_[i];
    if (time_us < leaf.start_us || time_us >= leaf.stop_us) continue;
    auto r = leaf.matcher.match(one, options);
    if (!r) return fail(r.error());
    if (r->matched) mask |= 1u << i;
  }
  return mask;
}

void evaluate_observations(const MultiPattern& pattern, std::span<const KeptObservation> observations,
                           const WindowOptions& options, WindowStats& stats,
                           const std::function<void(const std::vector<std::size_t>&)>& on_match) {
  // Runs the matcher over these observed-data; reports the binding found. Whether it matched.
  auto run = [&](const std::vector<const json*>& data, std::uint64_t steps) {
    json array = json::array();
    for (const json* d : data) array.push_back(*d);
    ++stats.evaluations;
    auto set = ObservationSet::from_json(array);
    if (!set) {
      ++stats.errors;
      return false;
    }
    MatchOptions match_options;
    match_options.max_steps = steps;
    auto result = pattern.matcher().match(*set, match_options);
    if (!result) {
      ++stats.errors;
      return false;
    }
    if (!result->matched) return false;
    std::vector<std::size_t> found;
    for (const auto& id : result->observed_data_ids) {
      if (auto i = index_of(id)) found.push_back(*i);
    }
    std::sort(found.begin(), found.end());
    ++stats.matches;
    on_match(found);
    return true;
  };

  if (!pattern.span_us()) {
    // No time bound: one evaluation over every observation (the newest max_whole; older
    // ones are dropped and counted).
    std::uint32_t present = 0;
    for (const auto& o : observations) present |= o.leaves;
    if (!pattern.could_match(present)) return;
    std::size_t first = 0;
    if (observations.size() > options.max_whole) {
      first = observations.size() - options.max_whole;
      stats.window_dropped += first;
    }
    std::vector<json> parsed;
    parsed.reserve(observations.size() - first);
    for (std::size_t i = first; i < observations.size(); ++i) {
      auto d = observed_data(observations[i], i);
      if (!d) {
        ++stats.errors;
        continue;
      }
      parsed.push_back(std::move(*d));
    }
    std::vector<const json*> data;
    for (const auto& d : parsed) data.push_back(&d);
    run(data, options.whole_steps);
    return;
  }

  const std::int64_t span = *pattern.span_us();
  struct Entry {
    std::size_t index;
    json data;
  };
  std::deque<Entry> window;
  std::array<std::uint32_t, MultiPattern::kMaxLeaves> counts{};
  auto remove_front = [&] {
    std::uint32_t leaves = observations[window.front().index].leaves;
    for (std::size_t b = 0; b < MultiPattern::kMaxLeaves; ++b) {
      if (leaves >> b & 1u) --counts[b];
    }
    window.pop_front();
  };
  for (std::size_t k = 0; k < observations.size(); ++k) {
    const KeptObservation& o = observations[k];
    auto d = observed_data(o, k);
    if (!d) {
      ++stats.errors;
      continue;
    }
    window.push_back({k, std::move(*d)});
    for (std::size_t b = 0; b < MultiPattern::kMaxLeaves; ++b) {
      if (o.leaves >> b & 1u) ++counts[b];
    }
    // Observations older than time - span cannot be in a binding with this one, and any
    // binding among themselves alone was looked for when its last member arrived.
    std::int64_t oldest = o.time_us < kMin + span ? kMin : o.time_us - span;
    while (observations[window.front().index].time_us < oldest) remove_front();
    while (window.size() > options.max_window) {
      remove_front();
      ++stats.window_dropped;
    }
    std::uint32_t present = 0;
    for (std::size_t b = 0; b < MultiPattern::kMaxLeaves; ++b) {
      if (counts[b] > 0) present |= 1u << b;
    }
    if (!pattern.could_match(present)) continue;
    // A new binding must hold the newest observation (any other was looked for before). Bound
    // only to left sides of FOLLOWEDBY, it needs a partner on the right that is not earlier:
    // with the newest time, that is one at the same instant.
    if ((o.leaves & ~pattern.left_only()) == 0 &&
        !(window.size() >= 2 && observations[window[window.size() - 2].index].time_us == o.time_us)) {
      continue;
    }
    std::vector<const json*> data;
    for (const auto& e : window) data.push_back(&e.data);
    if (run(data, options.window_steps)) {
      // The window starts over: the same observations never make a second match.
      window.clear();
      counts.fill(0);
    }
  }
}

}  // namespace rasid::intel
