#include "correlate/correlator.h"

#include "base/assert.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <list>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace rasid::correlate {

namespace {

enum class Type : std::uint8_t {
  kEventCount,
  kValueCount,
  kTemporal,
  kTemporalOrdered,
  kSum,
  kAvg,
  kPercentile,
  kUnknown
};

Type parse_type(std::string_view t) {
  if (t == "event_count") return Type::kEventCount;
  if (t == "value_count") return Type::kValueCount;
  if (t == "temporal") return Type::kTemporal;
  if (t == "temporal_ordered") return Type::kTemporalOrdered;
  if (t == "value_sum") return Type::kSum;
  if (t == "value_avg") return Type::kAvg;
  if (t == "value_percentile") return Type::kPercentile;
  return Type::kUnknown;
}

bool holds(const std::vector<sigma::Correlation::Threshold>& cond, double v) {
  using Op = sigma::Correlation::Op;
  for (const auto& c : cond) {
    bool ok = false;
    switch (c.op) {
      case Op::kGt: ok = v > c.value; break;
      case Op::kGte: ok = v >= c.value; break;
      case Op::kLt: ok = v < c.value; break;
      case Op::kLte: ok = v <= c.value; break;
      case Op::kEq: ok = v == c.value; break;
      case Op::kNeq: ok = v != c.value; break;
    }
    if (!ok) return false;
  }
  return true;
}

std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A correlation rule, ready to evaluate.
struct Compiled {
  const sigma::Rule* rule = nullptr;
  Type type = Type::kUnknown;
  std::int64_t span_us = 0;
  std::vector<sigma::Correlation::Threshold> condition;
  std::string value_field;            // condition.field of the value_* types
  std::vector<std::string> group_by;  // as written: field names or aliases
  std::size_t rule_count = 0;         // referenced rules
  // Decided when the window closes (an upper bound on a count or sum: "fewer than 5") rather
  // than as soon as the condition holds.
  bool at_close = false;
};

// What one match contributes to one correlation: resolved at add() time, because the event
// is gone by the time a late-tolerant buffer releases the match.
struct Contribution {
  std::uint32_t correlation = 0;
  std::uint16_t position = 0;  // of the matching rule in the correlation's `rules`
  std::vector<std::string> key;
  std::string value;
  double number = 0;
};

struct Pending {
  std::int64_t time = 0;
  std::uint64_t seq = 0;  // arrival order, for ties
  std::string alert_id;
  std::vector<Contribution> contributions;
};

struct Later {
  bool operator()(const Pending& a, const Pending& b) const {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
};

struct Entry {
  std::int64_t time = 0;
  std::uint16_t position = 0;
  std::string value;
  double number = 0;
  std::string alert_id;
};

// Heap bytes of a string (0 when it fits in the string itself), with malloc's overhead.
std::size_t heap_bytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 + 16 : 0; }
std::size_t heap_bytes(const Entry& e) { return heap_bytes(e.value) + heap_bytes(e.alert_id); }

// The matches of one group's window, oldest first: a vector used as a queue (a deque would
// cost every group a 512-byte block). Changes return the change of memory, for the cap.
class Window {
 public:
  [[nodiscard]] bool empty() const { return head_ == v_.size(); }
  [[nodiscard]] std::size_t size() const { return v_.size() - head_; }
  [[nodiscard]] const Entry& front() const { return v_[head_]; }
  [[nodiscard]] const Entry& back() const { return v_.back(); }
  [[nodiscard]] const Entry& operator[](std::size_t i) const { return v_[head_ + i]; }
  [[nodiscard]] auto begin() const { return v_.begin() + static_cast<std::ptrdiff_t>(head_); }
  [[nodiscard]] auto end() const { return v_.end(); }

  std::ptrdiff_t push(Entry e) {
    std::size_t cap = v_.capacity();
    auto delta = static_cast<std::ptrdiff_t>(heap_bytes(e));
    v_.push_back(std::move(e));
    return delta + static_cast<std::ptrdiff_t>((v_.capacity() - cap) * sizeof(Entry));
  }
  std::ptrdiff_t pop() {
    auto delta = -static_cast<std::ptrdiff_t>(heap_bytes(v_[head_]));
    v_[head_] = Entry{};
    if (++head_ == v_.size()) {
      v_.clear();
      head_ = 0;
    } else if (head_ >= 16 && 2 * head_ >= v_.size()) {
      v_.erase(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return delta;
  }
  std::ptrdiff_t clear() {
    std::ptrdiff_t delta = 0;
    for (auto it = begin(); it != end(); ++it) delta -= static_cast<std::ptrdiff_t>(heap_bytes(*it));
    v_.clear();
    head_ = 0;
    return delta;
  }

 private:
  std::vector<Entry> v_;
  std::size_t head_ = 0;
};

struct Group;
using GroupMap = std::unordered_map<std::string, Group>;

struct Group {
  std::uint32_t correlation = 0;
  std::vector<std::string> key;
  Window entries;
  std::int64_t first = 0;  // window start (at_close correlations)
  std::int64_t last = 0;   // last update
  std::size_t bytes = 0;
  std::list<GroupMap::value_type*>::iterator lru;
};

// A group's fixed cost: its hash map node (+ malloc overhead and bucket) and LRU list node.
constexpr std::size_t kGroupOverhead =
    sizeof(std::pair<const std::string, Group>) + 16 + 16 + 3 * sizeof(void*) + 16;
constexpr int kMaxChain = 8;

}  // namespace

struct Correlator::Impl {
  std::vector<const sigma::Rule*> rules;
  std::vector<Compiled> compiled;
  Options options;
  // rule id or name -> (correlation, position in its `rules`)
  std::unordered_map<std::string, std::vector<std::pair<std::uint32_t, std::uint16_t>>> refs;
  std::priority_queue<Pending, std::vector<Pending>, Later> pending;
  std::uint64_t seq = 0;
  std::int64_t max_time = INT64_MIN;
  std::int64_t processed_time = INT64_MIN;  // time of the newest match processed
  GroupMap groups;
  std::list<GroupMap::value_type*> lru;  // least recently updated first
  Stats stats;

  // Field of an event of rule (id, name) behind group-by name `g` of correlation `c`.
  std::string_view field_for(const Compiled& c, std::string_view g, std::string_view id,
                             std::string_view name) const {
    const auto& aliases = c.rule->correlation->aliases;
    auto it = aliases.find(std::string(g));
    if (it == aliases.end()) return g;
    for (std::string_view k : {name, id}) {
      if (k.empty()) continue;
      if (auto f = it->second.find(std::string(k)); f != it->second.end()) return f->second;
    }
    return g;
  }

  // Resolves what a match contributes to each correlation referring to its rule.
  std::vector<Contribution> resolve(std::string_view id, std::string_view name,
                                    const std::function<std::optional<std::string>(std::string_view)>& field) {
    std::vector<Contribution> out;
    const std::vector<std::pair<std::uint32_t, std::uint16_t>>* by_id = nullptr;
    for (std::string_view k : {id, name}) {
      if (k.empty()) continue;
      auto it = refs.find(std::string(k));
      if (it == refs.end()) continue;
      for (auto [ci, pos] : it->second) {
        // A correlation naming the rule by id and by name counts it once.
        if (by_id != nullptr &&
            std::find(by_id->begin(), by_id->end(), std::pair{ci, pos}) != by_id->end()) {
          continue;
        }
        const Compiled& c = compiled[ci];
        Contribution con;
        con.correlation = ci;
        con.position = pos;
        bool complete = true;
        for (const auto& g : c.group_by) {
          auto v = field ? field(field_for(c, g, id, name)) : std::nullopt;
          if (!v) {
            complete = false;
            break;
          }
          con.key.push_back(std::move(*v));
        }
        if (!complete) {
          ++stats.missing_group_field;
          continue;
        }
        if (!c.value_field.empty()) {
          auto v = field ? field(field_for(c, c.value_field, id, name)) : std::nullopt;
          std::optional<double> n;
          if (v && (c.type == Type::kSum || c.type == Type::kAvg)) n = parse_number(*v);
          if (!v || ((c.type == Type::kSum || c.type == Type::kAvg) && !n)) {
            ++stats.missing_value;
            continue;
          }
          con.value = std::move(*v);
          if (n) con.number = *n;
        }
        out.push_back(std::move(con));
      }
      by_id = &it->second;
    }
    return out;
  }

  void account(Group& g, std::ptrdiff_t delta) {
    g.bytes = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(g.bytes) + delta);
    stats.state_bytes = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(stats.state_bytes) + delta);
    stats.peak_state_bytes = std::max(stats.peak_state_bytes, stats.state_bytes);
  }

  void erase_group(GroupMap::iterator it) {
    account(it->second, -static_cast<std::ptrdiff_t>(it->second.bytes));
    lru.erase(it->second.lru);
    groups.erase(it);
  }

  double evaluate(const Compiled& c, const Group& g) const {
    const auto& es = g.entries;
    switch (c.type) {
      case Type::kEventCount:
        return static_cast<double>(es.size());
      case Type::kValueCount: {
        std::unordered_set<std::string_view> distinct;
        for (const auto& e : es) distinct.insert(e.value);
        return static_cast<double>(distinct.size());
      }
      case Type::kTemporal: {
        std::vector<bool> seen(c.rule_count, false);
        std::size_t n = 0;
        for (const auto& e : es) {
          if (e.position < seen.size() && !seen[e.position]) {
            seen[e.position] = true;
            ++n;
          }
        }
        return static_cast<double>(n);
      }
      case Type::kTemporalOrdered: {
        // Longest prefix of the listed rules matched in order (earliest choice at each step,
        // which leaves the most room for the next ones).
        std::size_t matched = 0;
        std::size_t from = 0;
        for (std::size_t pos = 0; pos < c.rule_count; ++pos) {
          std::size_t i = from;
          while (i < es.size() && es[i].position != pos) ++i;
          if (i == es.size()) break;
          ++matched;
          from = i + 1;
        }
        return static_cast<double>(matched);
      }
      case Type::kSum:
      case Type::kAvg: {
        double sum = 0;
        for (const auto& e : es) sum += e.number;
        return c.type == Type::kSum ? sum : (es.empty() ? 0 : sum / static_cast<double>(es.size()));
      }
      case Type::kPercentile: {
        // The share (percent) of the window's matches whose value is the newest match's.
        if (es.empty()) return 0;
        const std::string& v = es.back().value;
        std::size_t same = 0;
        for (const auto& e : es) same += e.value == v ? 1 : 0;
        return 100.0 * static_cast<double>(same) / static_cast<double>(es.size());
      }
      case Type::kUnknown:
        break;
    }
    return 0;
  }

  void fire(const Compiled& c, std::uint32_t ci, Group& g, double value,
            std::vector<CorrelationAlert>& out, int depth) {
    CorrelationAlert a;
    a.correlation = ci;
    for (std::size_t i = 0; i < c.group_by.size() && i < g.key.size(); ++i) {
      a.group.emplace_back(c.group_by[i], g.key[i]);
    }
    a.window_start_us = g.entries.front().time;
    a.window_end_us = g.entries.back().time;
    a.value = value;
    a.events = g.entries.size();
    for (const auto& e : g.entries) {
      if (a.contributors.size() == options.max_contributors) {
        a.contributors_truncated = true;
        break;
      }
      a.contributors.push_back(e.alert_id);
    }
    ++stats.alerts;
    out.push_back(a);
    // Chaining: correlations that refer to this one see its alert as a match whose fields
    // are its group-by values.
    if (depth < kMaxChain) {
      const sigma::Rule& r = *c.rule;
      std::string id = r.id.empty() ? r.name : r.id;
      auto group = a.group;
      auto lookup = [&group](std::string_view f) -> std::optional<std::string> {
        for (const auto& [k, v] : group) {
          if (k == f) return v;
        }
        return std::nullopt;
      };
      auto contributions = resolve(r.id, r.name, lookup);
      if (!contributions.empty()) {
        std::string alert_id = "correlation:" + id + ":" + std::to_string(a.window_start_us);
        process(a.window_end_us, alert_id, contributions, out, depth + 1);
      }
    }
  }

  // Closes the window of an at_close group: decides it and empties it.
  void close(const Compiled& c, std::uint32_t ci, Group& g, std::vector<CorrelationAlert>& out,
             int depth) {
    if (g.entries.empty()) return;
    double v = evaluate(c, g);
    if (holds(c.condition, v)) fire(c, ci, g, v, out, depth);
    account(g, g.entries.clear());
  }

  void process(std::int64_t t, const std::string& alert_id, std::vector<Contribution>& contributions,
               std::vector<CorrelationAlert>& out, int depth) {
    for (auto& con : contributions) {
      const Compiled& c = compiled[con.correlation];
      std::string key = std::to_string(con.correlation);
      for (const auto& k : con.key) {
        key += '\x1f';
        key += k;
      }
      auto [it, fresh] = groups.try_emplace(std::move(key));
      Group& g = it->second;
      if (fresh) {
        g.correlation = con.correlation;
        g.key = con.key;
        g.last = t;
        lru.push_back(&*it);
        g.lru = std::prev(lru.end());
        std::size_t kb = kGroupOverhead + heap_bytes(it->first) + g.key.capacity() * sizeof(std::string);
        for (const auto& k : g.key) kb += heap_bytes(k);
        account(g, static_cast<std::ptrdiff_t>(kb));
      } else {
        lru.splice(lru.end(), lru, g.lru);
      }
      g.last = std::max(g.last, t);
      if (c.at_close) {
        if (!g.entries.empty() && t > g.first + c.span_us) close(c, con.correlation, g, out, depth);
        if (g.entries.empty()) g.first = t;
      } else {
        // Sliding window [t - span, t], both ends included.
        std::ptrdiff_t freed = 0;
        while (!g.entries.empty() && g.entries.front().time < t - c.span_us) freed += g.entries.pop();
        account(g, freed);
      }
      Entry e{t, con.position, std::move(con.value), con.number, alert_id};
      account(g, g.entries.push(std::move(e)));
      if (!c.at_close) {
        double v = evaluate(c, g);
        if (holds(c.condition, v)) {
          fire(c, con.correlation, g, v, out, depth);
          // A fired window starts over: the same matches do not fire again.
          account(g, g.entries.clear());
        }
      }
    }
  }

  // Forgets groups whose window has passed (deciding at_close ones), then keeps state under
  // the cap by evicting the least recently updated groups.
  void sweep(std::int64_t now, std::vector<CorrelationAlert>& out) {
    while (!lru.empty()) {
      auto* node = lru.front();
      Group& g = node->second;
      const Compiled& c = compiled[g.correlation];
      if (now - g.last <= c.span_us) break;  // updated within its timespan: still open
      if (c.at_close) close(c, g.correlation, g, out, 0);
      erase_group(groups.find(node->first));
    }
    while (stats.state_bytes > options.max_state_bytes && !lru.empty()) {
      ++stats.evicted_groups;
      erase_group(groups.find(lru.front()->first));
    }
  }

  void release(std::int64_t watermark, std::vector<CorrelationAlert>& out) {
    while (!pending.empty() && pending.top().time <= watermark) {
      Pending p = pending.top();
      pending.pop();
      processed_time = std::max(processed_time, p.time);
      process(p.time, p.alert_id, p.contributions, out, 0);
      sweep(processed_time, out);
    }
  }
};

Correlator::Correlator(std::vector<const sigma::Rule*> rules, Options options)
    : impl_(std::make_unique<Impl>()) {
  impl_->rules = std::move(rules);
  impl_->options = options;
  for (std::uint32_t i = 0; i < impl_->rules.size(); ++i) {
    const sigma::Rule& r = *impl_->rules[i];
    RASID_ASSERT(r.kind == sigma::RuleKind::kCorrelation && r.correlation);
    Compiled c;
    c.rule = &r;
    c.type = parse_type(r.correlation->type);
    c.span_us = r.correlation->timespan_seconds * 1'000'000;
    c.condition = r.correlation->condition;
    if (!r.correlation->condition_fields.empty()) c.value_field = r.correlation->condition_fields[0];
    c.group_by = r.correlation->group_by;
    c.rule_count = r.correlation->rules.size();
    bool count_like = c.type == Type::kEventCount || c.type == Type::kValueCount ||
                      c.type == Type::kTemporal || c.type == Type::kTemporalOrdered ||
                      c.type == Type::kSum;
    for (const auto& t : c.condition) {
      using Op = sigma::Correlation::Op;
      if (count_like && (t.op == Op::kLt || t.op == Op::kLte || t.op == Op::kEq || t.op == Op::kNeq)) {
        c.at_close = true;
      }
    }
    for (std::uint16_t p = 0; p < r.correlation->rules.size(); ++p) {
      impl_->refs[r.correlation->rules[p]].push_back({i, p});
    }
    impl_->compiled.push_back(std::move(c));
  }
}

Correlator::~Correlator() = default;
Correlator::Correlator(Correlator&&) noexcept = default;
Correlator& Correlator::operator=(Correlator&&) noexcept = default;

const std::vector<const sigma::Rule*>& Correlator::rules() const { return impl_->rules; }

bool Correlator::references(std::string_view id, std::string_view name) const {
  return (!id.empty() && impl_->refs.count(std::string(id))) ||
         (!name.empty() && impl_->refs.count(std::string(name)));
}

std::vector<std::string> Correlator::fields_for(std::string_view id, std::string_view name) const {
  std::set<std::string> fields;
  for (std::string_view k : {id, name}) {
    if (k.empty()) continue;
    auto it = impl_->refs.find(std::string(k));
    if (it == impl_->refs.end()) continue;
    for (auto [ci, pos] : it->second) {
      const Compiled& c = impl_->compiled[ci];
      for (const auto& g : c.group_by) fields.insert(std::string(impl_->field_for(c, g, id, name)));
      if (!c.value_field.empty()) fields.insert(std::string(impl_->field_for(c, c.value_field, id, name)));
    }
  }
  return {fields.begin(), fields.end()};
}

void Correlator::add(const Match& match, std::vector<CorrelationAlert>& out) {
  Impl& m = *impl_;
  ++m.stats.matches;
  if (m.max_time != INT64_MIN && match.time_us < m.max_time &&
      m.max_time - match.time_us > m.options.lateness_us) {
    // Later than the lateness allows (behind the newest match by more than it).
    ++m.stats.late_dropped;
    return;
  }
  auto contributions = m.resolve(match.rule_id, match.rule_name, match.field);
  if (contributions.empty()) return;
  m.pending.push(Pending{match.time_us, m.seq++, match.alert_id, std::move(contributions)});
  m.max_time = std::max(m.max_time, match.time_us);
  std::int64_t watermark = m.max_time < INT64_MIN + m.options.lateness_us
                                ? INT64_MIN
                                : m.max_time - m.options.lateness_us;
  m.release(watermark, out);
}

void Correlator::finish(std::vector<CorrelationAlert>& out) {
  Impl& m = *impl_;
  m.release(INT64_MAX, out);
  m.sweep(INT64_MAX, out);
}

const Stats& Correlator::stats() const { return impl_->stats; }

}  // namespace rasid::correlate
