#include "intel/stix_matcher.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "intel/detail/stix_text.h"

namespace rasid::intel {

using nlohmann::json;
using detail::IpNetwork;
using detail::Timestamp;

namespace detail {

struct ObservedData {
  std::string id;
  Timestamp first;
  Timestamp last;
  std::int64_t number_observed = 1;
  // Root objects: (object id or key, object), in input order.
  std::vector<std::pair<std::string, const json*>> objects;
  // Where *_ref ids resolve: the observation's own objects, then (2.1) the whole bundle.
  std::unordered_map<std::string, const json*> by_id;
  const std::unordered_map<std::string, const json*>* bundle = nullptr;
};

struct ObservationData {
  json document;
  std::vector<std::unique_ptr<std::unordered_map<std::string, const json*>>> bundles;
  std::vector<ObservedData> observed;
  // One entry per observation after number_observed expansion: index into `observed`.
  std::vector<int> expanded;
};

// A literal ready for comparisons.
struct Scalar {
  enum class Kind { kNull, kBool, kNumber, kString, kBytes, kTimestamp, kOther };
  Kind kind = Kind::kOther;
  bool is_int = false;  // kNumber: integer or float
  bool b = false;
  std::int64_t i = 0;
  double f = 0;
  std::string_view s;  // kString / kBytes (views into the literal or the JSON)
  Timestamp t;
};

struct CompiledTest {
  const ComparisonNode* node = nullptr;
  Scalar literal;              // = != < <= > >=
  std::string literal_bytes;   // storage behind literal.s
  std::vector<Scalar> set;     // IN
  bool set_of_timestamps = false;
  std::u32string like;         // LIKE, NFC code points
  std::optional<std::string> like_latin1;  // LIKE on binary values (all code points < 256)
  std::unique_ptr<RE2> regex;              // MATCHES on strings (UTF-8)
  std::unique_ptr<RE2> regex_latin1;       // MATCHES on binary values
  IpNetwork network;                       // ISSUBSET / ISSUPERSET
};

struct CompiledPattern {
  StixPattern pattern;
  std::vector<CompiledTest> tests;      // indexed like pattern.comparisons (kTest only used)
  std::vector<std::int64_t> within_ns;  // indexed like pattern.observations
  std::vector<Timestamp> start, stop;   // indexed like pattern.observations
};

}  // namespace detail

namespace {

using detail::CompiledPattern;
using detail::CompiledTest;
using detail::ObservationData;
using detail::ObservedData;
using detail::Scalar;

tl::unexpected<Error> pattern_error(int column, std::string message) {
  if (column > 0) {
    return fail(ErrorCode::kInvalidRule, fmt::format("column {}: {}", column, message),
                Location{"", 0, column});
  }
  return fail(ErrorCode::kInvalidRule, std::move(message));
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// UTF-8 to code points; nullopt for invalid UTF-8.
std::optional<std::u32string> to_code_points(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t len = detail::decode_utf8(s.substr(i), cp);
    if (len == 0) return std::nullopt;
    out.push_back(cp);
    i += len;
  }
  return out;
}

// A string whose code points are all below 256, as those bytes (how the reference compares
// strings with binary values); nullopt otherwise.
std::optional<std::string> to_latin1(std::string_view s) {
  auto cps = to_code_points(s);
  if (!cps) return std::nullopt;
  std::string out;
  out.reserve(cps->size());
  for (char32_t cp : *cps) {
    if (cp >= 256) return std::nullopt;
    out.push_back(static_cast<char>(cp));
  }
  return out;
}

// SQL LIKE over a sequence: % any run, _ one element.
template <typename Seq>
bool like_match(const Seq& text, const Seq& pattern) {
  using Char = typename Seq::value_type;
  std::size_t t = 0, p = 0;
  std::size_t star = Seq::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == static_cast<Char>('%')) {
      star = p++;
      mark = t;
    } else if (p < pattern.size() &&
               (pattern[p] == static_cast<Char>('_') || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != Seq::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == static_cast<Char>('%')) ++p;
  return p == pattern.size();
}

Result<Scalar> literal_scalar(const Literal& lit, std::string& storage) {
  Scalar s;
  switch (lit.kind) {
    case Literal::Kind::kInt:
      s.kind = Scalar::Kind::kNumber;
      s.is_int = true;
      s.i = lit.int_value;
      break;
    case Literal::Kind::kFloat:
      s.kind = Scalar::Kind::kNumber;
      s.f = lit.float_value;
      break;
    case Literal::Kind::kBool:
      s.kind = Scalar::Kind::kBool;
      s.b = lit.bool_value;
      break;
    case Literal::Kind::kString:
      s.kind = Scalar::Kind::kString;
      storage = lit.bytes;
      s.s = storage;
      break;
    case Literal::Kind::kBinary:
    case Literal::Kind::kHex:
      s.kind = Scalar::Kind::kBytes;
      storage = lit.bytes;
      s.s = storage;
      break;
    case Literal::Kind::kTimestamp: {
      auto ts = detail::parse_timestamp(lit.bytes);
      if (!ts) return pattern_error(lit.column, fmt::format("invalid timestamp {}", lit.text));
      s.kind = Scalar::Kind::kTimestamp;
      s.t = *ts;
      break;
    }
  }
  return s;
}

// The type class of a set member: members must share it (ints and floats mix).
int type_class(Literal::Kind kind) {
  switch (kind) {
    case Literal::Kind::kInt:
    case Literal::Kind::kFloat: return 0;
    case Literal::Kind::kString: return 1;
    case Literal::Kind::kBool: return 2;
    case Literal::Kind::kBinary:
    case Literal::Kind::kHex: return 3;
    case Literal::Kind::kTimestamp: return 4;
  }
  return 5;
}

Status compile_test(const ComparisonNode& node, CompiledTest& out) {
  out.node = &node;
  for (const auto& step : node.path.steps) {
    if (step.kind == PathStep::Kind::kIndex && step.index < 0) {
      return pattern_error(node.column, fmt::format("invalid list index {} in {}", step.index,
                                                    to_string(node.path)));
    }
  }
  switch (node.op) {
    case CompareOp::kEqual:
    case CompareOp::kNotEqual:
    case CompareOp::kLess:
    case CompareOp::kLessEqual:
    case CompareOp::kGreater:
    case CompareOp::kGreaterEqual: {
      auto s = literal_scalar(node.values.at(0), out.literal_bytes);
      if (!s) return fail(s.error());
      out.literal = *s;
      return ok();
    }
    case CompareOp::kIn: {
      out.set.reserve(node.values.size());
      for (const auto& value : node.values) {
        if (type_class(value.kind) != type_class(node.values[0].kind)) {
          return pattern_error(value.column,
                               "the IN set mixes types (only integers and floats may be mixed)");
        }
      }
      for (const auto& value : node.values) {
        std::string unused;
        auto s = literal_scalar(value, unused);
        if (!s) return fail(s.error());
        // Strings and bytes of set members point into the pattern's literals, which the
        // CompiledPattern owns and never moves after compilation.
        if (s->kind == Scalar::Kind::kString || s->kind == Scalar::Kind::kBytes) s->s = value.bytes;
        out.set.push_back(*s);
      }
      out.set_of_timestamps = !out.set.empty() && out.set[0].kind == Scalar::Kind::kTimestamp;
      return ok();
    }
    case CompareOp::kLike: {
      std::string normalized = detail::nfc(node.values.at(0).bytes);
      auto cps = to_code_points(normalized);
      if (!cps) return pattern_error(node.values[0].column, "LIKE pattern is not valid UTF-8");
      out.like = std::move(*cps);
      out.like_latin1 = to_latin1(normalized);
      return ok();
    }
    case CompareOp::kMatches: {
      std::string normalized = detail::nfc(node.values.at(0).bytes);
      RE2::Options options;
      options.set_log_errors(false);
      options.set_dot_nl(false);
      auto regex = std::make_unique<RE2>(normalized, options);
      if (!regex->ok()) {
        return pattern_error(node.values[0].column,
                             fmt::format("invalid regular expression {}: {}",
                                         node.values[0].text, regex->error()));
      }
      out.regex = std::move(regex);
      if (auto latin1 = to_latin1(normalized)) {
        RE2::Options bin_options = options;
        bin_options.set_encoding(RE2::Options::EncodingLatin1);
        auto bin = std::make_unique<RE2>(*latin1, bin_options);
        if (bin->ok()) out.regex_latin1 = std::move(bin);
      }
      return ok();
    }
    case CompareOp::kIsSubset:
    case CompareOp::kIsSuperset: {
      auto net = detail::parse_ip_network(node.values.at(0).bytes);
      if (!net) {
        return pattern_error(node.values[0].column,
                             fmt::format("{} needs an IP address or CIDR, got {}",
                                         to_string(node.op), node.values[0].text));
      }
      out.network = *net;
      return ok();
    }
    case CompareOp::kExists:
      return ok();
  }
  return ok();
}

// ---------------------------------------------------------------------------------------
// Values selected by an object path.

// A JSON value, the bytes of a *_hex / *_bin property, or the objects a *_refs list names.
using PathValue = std::variant<const json*, std::string, std::vector<const json*>>;

tl::unexpected<Error> data_error(std::string message) {
  return fail(ErrorCode::kParse, std::move(message));
}

const json* resolve(const ObservedData& od, const std::string& id) {
  if (auto it = od.by_id.find(id); it != od.by_id.end()) return it->second;
  if (od.bundle != nullptr) {
    if (auto it = od.bundle->find(id); it != od.bundle->end()) return it->second;
  }
  return nullptr;
}

// Follows `path` from `root`; each selected value goes to `out`.
Status select(const ObjectPath& path, const json* root, const ObservedData& od,
              std::vector<PathValue>& out) {
  std::vector<PathValue> current;
  current.emplace_back(root);
  std::vector<PathValue> next;
  for (const auto& step : path.steps) {
    next.clear();
    for (auto& value : current) {
      if (step.kind == PathStep::Kind::kKey) {
        const json* const* j = std::get_if<const json*>(&value);
        if (j == nullptr || !(*j)->is_object()) continue;
        auto it = (*j)->find(step.key);
        if (it == (*j)->end()) continue;
        const json& child = *it;
        const std::string& key = step.key;
        if (ends_with(key, "_hex") || ends_with(key, "_bin")) {
          bool hex = ends_with(key, "_hex");
          if (!child.is_string()) {
            return data_error(fmt::format("property '{}' is not a {} string", key,
                                          hex ? "hex" : "base64"));
          }
          const auto& text = child.get_ref<const std::string&>();
          auto bytes = hex ? detail::decode_hex(text) : detail::decode_base64(text);
          if (!bytes) {
            return data_error(fmt::format("property '{}' is not valid {}: '{}'", key,
                                          hex ? "hex" : "base64", text));
          }
          next.emplace_back(std::move(*bytes));
        } else if (ends_with(key, "_ref")) {
          if (!child.is_string()) {
            return data_error(fmt::format("the value of reference property '{}' is not a string",
                                          key));
          }
          if (const json* target = resolve(od, child.get_ref<const std::string&>())) {
            next.emplace_back(target);
          }
        } else if (ends_with(key, "_refs")) {
          if (!child.is_array()) {
            return data_error(fmt::format("the value of reference list property '{}' is not "
                                          "a list",
                                          key));
          }
          std::vector<const json*> targets;
          for (const auto& ref : child) {
            if (!ref.is_string()) {
              return data_error(fmt::format("a value of reference property '{}' is not a "
                                            "string",
                                            key));
            }
            if (const json* target = resolve(od, ref.get_ref<const std::string&>())) {
              targets.push_back(target);
            }
          }
          if (!targets.empty()) next.emplace_back(std::move(targets));
        } else {
          next.emplace_back(&child);
        }
      } else {
        bool any = step.kind == PathStep::Kind::kAnyIndex;
        auto index = static_cast<std::size_t>(step.index);
        if (auto* j = std::get_if<const json*>(&value)) {
          if (!(*j)->is_array()) continue;
          if (any) {
            for (const auto& element : **j) next.emplace_back(&element);
          } else if (index < (*j)->size()) {
            next.emplace_back(&(**j)[index]);
          }
        } else if (auto* list = std::get_if<std::vector<const json*>>(&value)) {
          if (any) {
            for (const json* element : *list) next.emplace_back(element);
          } else if (index < list->size()) {
            next.emplace_back((*list)[index]);
          }
        }
      }
    }
    std::swap(current, next);
    if (current.empty()) break;
  }
  for (auto& value : current) out.push_back(std::move(value));
  return ok();
}

Scalar value_scalar(const PathValue& value) {
  Scalar s;
  if (const auto* bytes = std::get_if<std::string>(&value)) {
    s.kind = Scalar::Kind::kBytes;
    s.s = *bytes;
    return s;
  }
  const json* const* jp = std::get_if<const json*>(&value);
  if (jp == nullptr) return s;  // a dereferenced list: compares with nothing
  const json& j = **jp;
  switch (j.type()) {
    case json::value_t::null: s.kind = Scalar::Kind::kNull; break;
    case json::value_t::boolean: s.kind = Scalar::Kind::kBool; s.b = j.get<bool>(); break;
    case json::value_t::number_integer:
      s.kind = Scalar::Kind::kNumber;
      s.is_int = true;
      s.i = j.get<std::int64_t>();
      break;
    case json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      s.kind = Scalar::Kind::kNumber;
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        s.is_int = true;
        s.i = static_cast<std::int64_t>(u);
      } else {
        s.f = static_cast<double>(u);
      }
      break;
    }
    case json::value_t::number_float: s.kind = Scalar::Kind::kNumber; s.f = j.get<double>(); break;
    case json::value_t::string:
      s.kind = Scalar::Kind::kString;
      s.s = j.get_ref<const std::string&>();
      break;
    default: break;
  }
  return s;
}

int compare_numbers(const Scalar& a, const Scalar& b) {
  if (a.is_int && b.is_int) return (a.i > b.i) - (a.i < b.i);
  // long double holds every int64 exactly on x86-64 (64-bit mantissa).
  long double x = a.is_int ? static_cast<long double>(a.i) : static_cast<long double>(a.f);
  long double y = b.is_int ? static_cast<long double>(b.i) : static_cast<long double>(b.f);
  return (x > y) - (x < y);
}

int compare_bytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return (c > 0) - (c < 0);
}

// A string from the observation compared with a timestamp literal is read as a timestamp.
Status promote_timestamp(Scalar& value) {
  if (value.kind != Scalar::Kind::kString) return ok();
  auto ts = detail::parse_timestamp(value.s);
  if (!ts) return data_error(fmt::format("invalid timestamp in observation: '{}'", value.s));
  value.kind = Scalar::Kind::kTimestamp;
  value.t = *ts;
  return ok();
}

// Ordering of an observed value against a literal, with the reference's type rules.
enum class Order { kIncomparable, kRefused, kLess, kEqual, kGreater };

Order order(const Scalar& v, const Scalar& lit) {
  auto from_int = [](int c) { return c < 0 ? Order::kLess : c > 0 ? Order::kGreater : Order::kEqual; };
  using K = Scalar::Kind;
  if (v.kind == K::kNumber && lit.kind == K::kNumber) return from_int(compare_numbers(v, lit));
  if (v.kind == K::kString && lit.kind == K::kString) return from_int(compare_bytes(v.s, lit.s));
  if (v.kind == K::kBytes && lit.kind == K::kBytes) return from_int(compare_bytes(v.s, lit.s));
  if (v.kind == K::kTimestamp && lit.kind == K::kTimestamp) {
    return v.t < lit.t ? Order::kLess : lit.t < v.t ? Order::kGreater : Order::kEqual;
  }
  if ((v.kind == K::kBytes && lit.kind == K::kString) ||
      (v.kind == K::kString && lit.kind == K::kBytes)) {
    // Strings compare with binary values only when every code point is below 256.
    bool value_is_string = v.kind == K::kString;
    auto latin1 = to_latin1(value_is_string ? v.s : lit.s);
    if (!latin1) return Order::kRefused;
    return from_int(value_is_string ? compare_bytes(*latin1, lit.s) : compare_bytes(v.s, *latin1));
  }
  return Order::kIncomparable;
}

bool equal(const Scalar& v, const Scalar& lit) {
  using K = Scalar::Kind;
  if (v.kind == K::kBool && lit.kind == K::kBool) return v.b == lit.b;
  Order o = order(v, lit);
  return o == Order::kEqual;
}

// Set membership: Python `in` on the reference's values, so strings and bytes never meet.
bool member(const Scalar& v, const std::vector<Scalar>& set) {
  using K = Scalar::Kind;
  for (const auto& m : set) {
    if (v.kind != m.kind) continue;
    switch (v.kind) {
      case K::kBool: if (v.b == m.b) return true; break;
      case K::kNumber: if (compare_numbers(v, m) == 0) return true; break;
      case K::kString:
      case K::kBytes: if (v.s == m.s) return true; break;
      case K::kTimestamp: if (v.t == m.t) return true; break;
      default: break;
    }
  }
  return false;
}

// The test on one selected value. nullopt = false whatever NOT says (incomparable order).
Result<std::optional<bool>> test_value(const CompiledTest& test, const PathValue& value) {
  const ComparisonNode& node = *test.node;
  Scalar v = value_scalar(value);
  bool result = false;
  switch (node.op) {
    case CompareOp::kEqual:
    case CompareOp::kNotEqual: {
      if (test.literal.kind == Scalar::Kind::kTimestamp) {
        if (auto s = promote_timestamp(v); !s) return fail(s.error());
      }
      result = equal(v, test.literal);
      if (node.op == CompareOp::kNotEqual) result = !result;
      break;
    }
    case CompareOp::kLess:
    case CompareOp::kLessEqual:
    case CompareOp::kGreater:
    case CompareOp::kGreaterEqual: {
      if (test.literal.kind == Scalar::Kind::kTimestamp) {
        if (auto s = promote_timestamp(v); !s) return fail(s.error());
      }
      Order o = order(v, test.literal);
      if (o == Order::kIncomparable) return std::optional<bool>{};
      if (o != Order::kRefused) {
        switch (node.op) {
          case CompareOp::kLess: result = o == Order::kLess; break;
          case CompareOp::kLessEqual: result = o != Order::kGreater; break;
          case CompareOp::kGreater: result = o == Order::kGreater; break;
          default: result = o != Order::kLess; break;
        }
      }
      break;
    }
    case CompareOp::kIn:
      if (test.set_of_timestamps) {
        if (auto s = promote_timestamp(v); !s) return fail(s.error());
      }
      result = member(v, test.set);
      break;
    case CompareOp::kLike:
      if (v.kind == Scalar::Kind::kString) {
        auto cps = to_code_points(detail::nfc(v.s));
        result = cps && like_match(*cps, test.like);
      } else if (v.kind == Scalar::Kind::kBytes && test.like_latin1) {
        result = like_match(std::string(v.s), *test.like_latin1);
      }
      break;
    case CompareOp::kMatches:
      if (v.kind == Scalar::Kind::kString) {
        std::string normalized = detail::nfc(v.s);
        result = RE2::PartialMatch(normalized, *test.regex);
      } else if (v.kind == Scalar::Kind::kBytes && test.regex_latin1) {
        result = RE2::PartialMatch(v.s, *test.regex_latin1);
      }
      break;
    case CompareOp::kIsSubset:
    case CompareOp::kIsSuperset:
      if (v.kind == Scalar::Kind::kString) {
        auto net = detail::parse_ip_network(v.s);
        if (net) {
          result = node.op == CompareOp::kIsSubset ? detail::network_contains(test.network, *net)
                                                   : detail::network_contains(*net, test.network);
        }
      }
      break;
    case CompareOp::kExists:
      result = true;  // called only when the path selected something
      break;
  }
  if (node.negated) result = !result;
  return std::optional<bool>{result};
}

// ---------------------------------------------------------------------------------------
// Evaluation of one comparison expression on one root object.

class ObjectEvaluator {
 public:
  ObjectEvaluator(const CompiledPattern& compiled, const ObservedData& od)
      : compiled_(compiled), od_(od) {}

  // Every test is evaluated (no short cut), so data errors surface as in the reference,
  // which evaluates each comparison on every observation.
  Result<bool> eval(int index, const json* object) {
    const ComparisonNode& node = compiled_.pattern.comparisons[index];
    if (node.kind != ComparisonNode::Kind::kTest) {
      auto lhs = eval(node.lhs, object);
      if (!lhs) return lhs;
      auto rhs = eval(node.rhs, object);
      if (!rhs) return rhs;
      return node.kind == ComparisonNode::Kind::kAnd ? (*lhs && *rhs) : (*lhs || *rhs);
    }
    auto type = object->find("type");
    if (type == object->end() || !type->is_string() ||
        type->get_ref<const std::string&>() != node.path.object_type) {
      return false;
    }
    values_.clear();
    if (auto s = select(node.path, object, od_, values_); !s) return fail(s.error());
    const CompiledTest& test = compiled_.tests[index];
    if (node.op == CompareOp::kExists) return values_.empty() == node.negated;
    bool any = false;
    for (const auto& value : values_) {
      auto r = test_value(test, value);
      if (!r) return fail(r.error());
      if (r->value_or(false)) {
        any = true;
        break;
      }
    }
    return any;
  }

 private:
  const CompiledPattern& compiled_;
  const ObservedData& od_;
  std::vector<PathValue> values_;
};

// ---------------------------------------------------------------------------------------
// The binding search over observation expressions.

class Search {
 public:
  using Emit = std::function<bool()>;

  Search(const CompiledPattern& compiled, const ObservationData& data,
         const std::vector<std::vector<int>>& matches, std::uint64_t max_steps)
      : compiled_(compiled), data_(data), matches_(matches), max_steps_(max_steps),
        used_(data.expanded.size(), 0) {
    // Observations given in last_observed order (the hunt gives them so) let the right side
    // of FOLLOWEDBY start at the first one late enough instead of scanning them all.
    sorted_by_last_ = true;
    for (std::size_t i = 1; i < data.expanded.size() && sorted_by_last_; ++i) {
      sorted_by_last_ = !(last_of(static_cast<int>(i)) < last_of(static_cast<int>(i - 1)));
    }
  }

  // Enumerates bindings of `index`, each observation at most once in the whole binding; the
  // binding's observations are appended to cur_ while `emit` runs. Returns true to stop.
  bool run(int index, const Emit& emit) {
    const ObservationNode& node = compiled_.pattern.observations[index];
    using Kind = ObservationNode::Kind;
    switch (node.kind) {
      case Kind::kSimple: {
        const std::vector<int>& list = matches_[index];
        auto from = list.begin();
        if (sorted_by_last_ && min_last_ != kNoBound) {
          from = std::lower_bound(list.begin(), list.end(), min_last_,
                                  [&](int obs, const Timestamp& t) { return last_of(obs) < t; });
        }
        for (auto it = from; it != list.end(); ++it) {
          int obs = *it;
          if (used_[obs]) continue;
          // Inside the right side of a FOLLOWEDBY: an observation ending before the left
          // side's latest start would fail its check; skipping it changes no result.
          if (last_of(obs) < min_last_) continue;
          if (!step()) return true;
          used_[obs] = 1;
          cur_.push_back(obs);
          bool stop = emit();
          cur_.pop_back();
          used_[obs] = 0;
          if (stop) return true;
        }
        return false;
      }
      case Kind::kAnd:
        return run(node.lhs, [&] { return run(node.rhs, emit); });
      case Kind::kOr:
        return run(node.lhs, emit) || run(node.rhs, emit);
      case Kind::kFollowedBy: {
        std::size_t base = cur_.size();
        return run(node.lhs, [&] {
          Timestamp latest_first = first_of(cur_[base]);
          for (std::size_t i = base; i < cur_.size(); ++i) {
            latest_first = std::max(latest_first, first_of(cur_[i]));
          }
          std::size_t mid = cur_.size();
          // Every observation of the right side must end at or after latest_first: the bound
          // holds while the right side is enumerated, not in the continuation after it.
          Timestamp outer = min_last_;
          min_last_ = std::max(min_last_, latest_first);
          bool stopped = run(node.rhs, [&] {
            Timestamp earliest_last = last_of(cur_[mid]);
            for (std::size_t i = mid; i < cur_.size(); ++i) {
              earliest_last = std::min(earliest_last, last_of(cur_[i]));
            }
            if (!(latest_first <= earliest_last)) return false;
            Timestamp inner = min_last_;
            min_last_ = outer;
            bool stop = emit();
            min_last_ = inner;
            return stop;
          });
          min_last_ = outer;
          return stopped;
        });
      }
      case Kind::kWithin: {
        std::size_t base = cur_.size();
        std::int64_t window = compiled_.within_ns[index];
        return run(node.lhs, [&] {
          // Some instant of every interval fits in one window of that length iff the latest
          // start is at most the earliest end plus the window.
          Timestamp latest_first = first_of(cur_[base]);
          Timestamp earliest_last = last_of(cur_[base]);
          for (std::size_t i = base; i < cur_.size(); ++i) {
            latest_first = std::max(latest_first, first_of(cur_[i]));
            earliest_last = std::min(earliest_last, last_of(cur_[i]));
          }
          return latest_first <= detail::add_nanos(earliest_last, window) && emit();
        });
      }
      case Kind::kStartStop: {
        const Timestamp& start = compiled_.start[index];
        const Timestamp& stop = compiled_.stop[index];
        if (!(start < stop)) return false;
        std::size_t base = cur_.size();
        return run(node.lhs, [&] {
          // [start, stop) must meet [first, last]: touching stop is outside, touching start in.
          for (std::size_t i = base; i < cur_.size(); ++i) {
            if (!(first_of(cur_[i]) < stop && start <= last_of(cur_[i]))) return false;
          }
          return emit();
        });
      }
      case Kind::kRepeats:
        return repeats(node, emit);
    }
    return false;
  }

  [[nodiscard]] bool over_budget() const { return over_budget_; }
  [[nodiscard]] const std::vector<int>& binding() const { return cur_; }

 private:
  bool step() {
    if (++steps_ > max_steps_) {
      over_budget_ = true;
      return false;
    }
    return true;
  }

  const Timestamp& first_of(int obs) const { return data_.observed[data_.expanded[obs]].first; }
  const Timestamp& last_of(int obs) const { return data_.observed[data_.expanded[obs]].last; }

  // REPEATS n: n pairwise disjoint bindings of the operand, taken as combinations in the
  // order the operand produces them (as the reference does).
  bool repeats(const ObservationNode& node, const Emit& emit) {
    auto count = static_cast<std::size_t>(node.number.int_value);
    std::vector<std::vector<int>> bindings;
    std::size_t base = cur_.size();
    bool stopped = run(node.lhs, [&] {
      bindings.emplace_back(cur_.begin() + static_cast<std::ptrdiff_t>(base), cur_.end());
      return !step();
    });
    if (stopped || over_budget_) return true;
    if (bindings.size() < count) return false;
    return choose(bindings, 0, count, emit);
  }

  bool choose(const std::vector<std::vector<int>>& bindings, std::size_t from,
              std::size_t remaining, const Emit& emit) {
    for (std::size_t j = from; j + remaining <= bindings.size(); ++j) {
      const auto& b = bindings[j];
      bool disjoint = true;
      for (int obs : b) disjoint = disjoint && !used_[obs];
      if (!disjoint) continue;
      if (!step()) return true;
      for (int obs : b) {
        used_[obs] = 1;
        cur_.push_back(obs);
      }
      bool stop = remaining == 1 ? emit() : choose(bindings, j + 1, remaining - 1, emit);
      for (std::size_t k = 0; k < b.size(); ++k) cur_.pop_back();
      for (int obs : b) used_[obs] = 0;
      if (stop) return true;
    }
    return false;
  }

  const CompiledPattern& compiled_;
  const ObservationData& data_;
  const std::vector<std::vector<int>>& matches_;
  std::uint64_t max_steps_;
  std::uint64_t steps_ = 0;
  bool over_budget_ = false;
  std::vector<char> used_;
  std::vector<int> cur_;
  static constexpr Timestamp kNoBound{std::numeric_limits<std::int64_t>::min(), 0};
  Timestamp min_last_ = kNoBound;  // lower bound on last_observed of observations bound now
  bool sorted_by_last_ = false;
};

// ---------------------------------------------------------------------------------------
// Observation loading.

Result<Timestamp> required_timestamp(const json& od, const char* field) {
  auto it = od.find(field);
  if (it == od.end() || !it->is_string()) {
    return data_error(fmt::format("observed-data without a {} timestamp", field));
  }
  auto ts = detail::parse_timestamp(it->get_ref<const std::string&>());
  if (!ts) {
    return data_error(fmt::format("observed-data {} is not a timestamp: '{}'", field,
                                  it->get_ref<const std::string&>()));
  }
  return *ts;
}

Status add_observed(ObservationData& data, const json& od,
                    const std::unordered_map<std::string, const json*>* bundle) {
  ObservedData out;
  if (auto id = od.find("id"); id != od.end() && id->is_string()) out.id = id->get<std::string>();
  auto first = required_timestamp(od, "first_observed");
  if (!first) return fail(first.error());
  auto last = required_timestamp(od, "last_observed");
  if (!last) return fail(last.error());
  out.first = *first;
  out.last = *last;
  if (out.last < out.first) {
    return data_error(fmt::format("observed-data {}: last_observed is before first_observed",
                                  out.id));
  }
  auto number = od.find("number_observed");
  if (number == od.end() || !number->is_number_integer() || number->get<std::int64_t>() < 1) {
    return data_error(fmt::format("observed-data {}: number_observed must be an integer >= 1",
                                  out.id));
  }
  out.number_observed = number->get<std::int64_t>();
  out.bundle = bundle;
  auto refs = od.find("object_refs");
  if (refs != od.end() && refs->is_array() && bundle != nullptr) {
    for (const auto& ref : *refs) {
      if (!ref.is_string()) continue;
      const auto& id = ref.get_ref<const std::string&>();
      if (auto it = bundle->find(id); it != bundle->end()) {
        out.objects.emplace_back(id, it->second);
        out.by_id.emplace(id, it->second);
      }
    }
  } else if (auto objects = od.find("objects"); objects != od.end() && objects->is_object()) {
    for (auto it = objects->begin(); it != objects->end(); ++it) {
      if (!it->is_object()) continue;
      out.objects.emplace_back(it.key(), &*it);
      out.by_id.emplace(it.key(), &*it);
    }
  }
  data.observed.push_back(std::move(out));
  return ok();
}

bool is_type(const json& j, std::string_view type) {
  if (!j.is_object()) return false;
  auto it = j.find("type");
  return it != j.end() && it->is_string() && it->get_ref<const std::string&>() == type;
}

// A top-level item is a bundle or else an observed-data object whatever its type says (the
// reference's STIX 2.0 tests use "cybox-container" objects; only the observed-data fields are
// read). Inside a bundle only objects of type observed-data are observations.
Status add_item(ObservationData& data, const json& item) {
  if (!item.is_object()) return data_error("expected a bundle or an observed-data object");
  if (is_type(item, "bundle")) {
    auto objects = item.find("objects");
    if (objects == item.end() || !objects->is_array()) return ok();
    auto index = std::make_unique<std::unordered_map<std::string, const json*>>();
    for (const auto& object : *objects) {
      if (!object.is_object()) continue;
      auto id = object.find("id");
      if (id != object.end() && id->is_string()) index->emplace(id->get<std::string>(), &object);
    }
    const auto* bundle = index.get();
    data.bundles.push_back(std::move(index));
    for (const auto& object : *objects) {
      if (is_type(object, "observed-data")) {
        if (auto s = add_observed(data, object, bundle); !s) return s;
      }
    }
    return ok();
  }
  return add_observed(data, item, nullptr);
}

}  // namespace

// ---------------------------------------------------------------------------------------

Result<ObservationSet> ObservationSet::from_text(std::string_view json_text,
                                                 std::size_t max_observations) {
  json document = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (document.is_discarded()) return data_error("observations are not valid JSON");
  return build(std::move(document), max_observations);
}

Result<ObservationSet> ObservationSet::from_json(const json& document,
                                                 std::size_t max_observations) {
  return build(document, max_observations);
}

Result<ObservationSet> ObservationSet::build(json document, std::size_t max_observations) {
  auto data = std::make_shared<ObservationData>();
  data->document = std::move(document);
  const json& doc = data->document;
  if (doc.is_array()) {
    for (const auto& item : doc) {
      if (auto s = add_item(*data, item); !s) return fail(s.error());
    }
  } else {
    if (auto s = add_item(*data, doc); !s) return fail(s.error());
  }
  std::size_t total = 0;
  for (std::size_t i = 0; i < data->observed.size(); ++i) {
    auto n = static_cast<std::size_t>(data->observed[i].number_observed);
    if (n > max_observations || total + n > max_observations) {
      return fail(ErrorCode::kLimit,
                  fmt::format("more than {} observations (number_observed counted)",
                              max_observations));
    }
    total += n;
    data->expanded.insert(data->expanded.end(), n, static_cast<int>(i));
  }
  ObservationSet set;
  set.data_ = std::move(data);
  return set;
}

std::size_t ObservationSet::observed_data_count() const {
  return data_ ? data_->observed.size() : 0;
}

Result<StixMatcher> StixMatcher::create(const StixPattern& pattern) {
  auto compiled = std::make_shared<CompiledPattern>();
  compiled->pattern = pattern;
  const StixPattern& p = compiled->pattern;
  compiled->tests.resize(p.comparisons.size());
  for (std::size_t i = 0; i < p.comparisons.size(); ++i) {
    if (p.comparisons[i].kind != ComparisonNode::Kind::kTest) continue;
    if (auto s = compile_test(p.comparisons[i], compiled->tests[i]); !s) return fail(s.error());
  }
  std::size_t n = p.observations.size();
  compiled->within_ns.assign(n, 0);
  compiled->start.assign(n, Timestamp{});
  compiled->stop.assign(n, Timestamp{});
  for (std::size_t i = 0; i < n; ++i) {
    const ObservationNode& node = p.observations[i];
    switch (node.kind) {
      case ObservationNode::Kind::kWithin: {
        double seconds = node.number.kind == Literal::Kind::kInt
                             ? static_cast<double>(node.number.int_value)
                             : node.number.float_value;
        if (!(seconds > 0)) {
          return pattern_error(node.number.column,
                               fmt::format("WITHIN {} SECONDS: the duration must be positive",
                                           node.number.text));
        }
        compiled->within_ns[i] = detail::seconds_to_nanos(seconds);
        break;
      }
      case ObservationNode::Kind::kRepeats:
        if (node.number.int_value < 1) {
          return pattern_error(node.number.column,
                               fmt::format("REPEATS {} TIMES: the count must be at least 1",
                                           node.number.text));
        }
        break;
      case ObservationNode::Kind::kStartStop: {
        auto start = detail::parse_timestamp(node.start.bytes);
        auto stop = detail::parse_timestamp(node.stop.bytes);
        if (!start) {
          return pattern_error(node.start.column,
                               fmt::format("invalid START timestamp {}", node.start.text));
        }
        if (!stop) {
          return pattern_error(node.stop.column,
                               fmt::format("invalid STOP timestamp {}", node.stop.text));
        }
        compiled->start[i] = *start;
        compiled->stop[i] = *stop;
        break;
      }
      default:
        break;
    }
  }
  StixMatcher matcher;
  matcher.compiled_ = std::move(compiled);
  return matcher;
}

const StixPattern& StixMatcher::pattern() const { return compiled_->pattern; }

Result<MatchResult> StixMatcher::match(const ObservationSet& observations,
                                       const MatchOptions& options) const {
  MatchResult result;
  if (!observations.data_) return result;
  const ObservationData& data = *observations.data_;
  const CompiledPattern& c = *compiled_;
  // Which observed-data objects each simple observation expression matches, then the
  // expanded observation indexes of those.
  std::vector<std::vector<int>> matches(c.pattern.observations.size());
  std::vector<int> first_expanded(data.observed.size() + 1, 0);
  for (std::size_t i = 0, e = 0; i < data.observed.size(); ++i) {
    first_expanded[i] = static_cast<int>(e);
    e += static_cast<std::size_t>(data.observed[i].number_observed);
    first_expanded[i + 1] = static_cast<int>(e);
  }
  for (std::size_t n = 0; n < c.pattern.observations.size(); ++n) {
    const ObservationNode& node = c.pattern.observations[n];
    if (node.kind != ObservationNode::Kind::kSimple) continue;
    for (std::size_t i = 0; i < data.observed.size(); ++i) {
      const ObservedData& od = data.observed[i];
      ObjectEvaluator evaluator(c, od);
      bool hit = false;
      for (const auto& [id, object] : od.objects) {
        auto r = evaluator.eval(node.comparison, object);
        if (!r) return fail(r.error());
        hit = hit || *r;
      }
      if (!hit) continue;
      for (int e = first_expanded[i]; e < first_expanded[i + 1]; ++e) matches[n].push_back(e);
    }
  }
  Search search(c, data, matches, options.max_steps);
  std::vector<int> binding;
  search.run(c.pattern.root, [&] {
    binding = search.binding();
    return true;
  });
  if (search.over_budget()) {
    return fail(ErrorCode::kLimit,
                fmt::format("pattern evaluation stopped after {} steps (observation operators "
                            "and REPEATS over too many observations)",
                            options.max_steps));
  }
  if (binding.empty()) return result;
  result.matched = true;
  std::vector<int> sdos;
  for (int obs : binding) sdos.push_back(data.expanded[obs]);
  std::sort(sdos.begin(), sdos.end());
  sdos.erase(std::unique(sdos.begin(), sdos.end()), sdos.end());
  for (int sdo : sdos) result.observed_data_ids.push_back(data.observed[sdo].id);
  return result;
}

}  // namespace rasid::intel
