#pragma once
// IndicatorSet: every loaded indicator in one immutable, memory-compact index.
//
// Built once by IndicatorSetBuilder (mutable, single-threaded: begin an indicator, add its
// values, build()), then shared read-only by every scanner thread: all lookups are const and
// thread-safe, and allocate only when they report a hit.
//
// Layout (src/intel/README.md has the figures and the alternatives turned down):
//   - exact values live in open-addressing hash tables of 32-bit slots pointing into dense key
//     arrays: IPv4 as uint32, MD5/SHA-1/SHA-256 as binary digests, domains, URLs and e-mail
//     addresses as strings in one arena;
//   - CIDR networks (IPv4 and IPv6) live in two path-compressed binary tries answering the
//     longest matching prefix;
//   - a domain indicator may also match subdomains (the source said so): a lookup then walks
//     the name's parent domains;
//   - per-indicator metadata (source, TLP, confidence, id or line, flags) is a 12-byte record
//     in a side array; source names are interned, string ids sit in an arena; values are not
//     stored twice (a hit's value is rebuilt from the key that matched).
//   - STIX patterns that are no simple equality are kept compiled and run per event by the
//     caller (patterns()); patterns of several observations too (multi_patterns()): their
//     leaves run per event, the whole pattern over the events kept (multi_pattern.h).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "intel/multi_pattern.h"
#include "intel/observable.h"
#include "intel/stix_matcher.h"

namespace rasid::intel {

namespace detail {
struct IndexData;
}

// Traffic Light Protocol marking of an indicator (1.0 white = 2.0 clear).
enum class Tlp : std::uint8_t { kNone, kClear, kGreen, kAmber, kAmberStrict, kRed };
// "", "clear", "green", "amber", "amber+strict", "red".
[[nodiscard]] std::string_view to_string(Tlp tlp);
// "TLP:GREEN", "tlp:white", "green", "amber+strict" ...; nullopt if not a TLP name.
[[nodiscard]] std::optional<Tlp> parse_tlp(std::string_view text);

using IndicatorIndex = std::uint32_t;
using SourceIndex = std::uint32_t;

// How a value matched.
enum class MatchKind : std::uint8_t { kExact, kNetwork, kSubdomain, kPattern };

// One indicator that matched a value: which indicator, and which of its keys.
struct IndicatorHit {
  IndicatorIndex indicator = 0;
  IndicatorType type = IndicatorType::kIpv4;
  MatchKind kind = MatchKind::kExact;
  std::uint32_t key = 0;  // entry of the store (or trie node) that matched
};

// What a report says about an indicator (built on demand; not stored in this form).
struct IndicatorInfo {
  std::string id;       // STIX/MISP id, or "SOURCE:LINE" for sources without ids
  IndicatorType type = IndicatorType::kIpv4;
  std::string value;    // normalized value (for a hit: the key that matched)
  std::string source;   // the file it was loaded from
  Tlp tlp = Tlp::kNone;
  int confidence = -1;  // 0..100, -1 if the source gives none
  std::optional<std::int64_t> valid_from, valid_until;  // microseconds since the epoch
  bool subdomains = false;
};

struct IndicatorMeta;

// A STIX pattern evaluated per event (one observation, not reducible to equalities).
struct PatternIndicator {
  IndicatorIndex indicator = 0;
  StixMatcher matcher;
  std::vector<std::string> object_types;  // the SCO types it tests (to skip events early)
};

// A STIX pattern of several observations (multi_pattern.h).
struct MultiPatternIndicator {
  IndicatorIndex indicator = 0;
  MultiPattern pattern;
};

class IndicatorSet {
 public:
  ~IndicatorSet();
  IndicatorSet(const IndicatorSet&) = delete;
  IndicatorSet& operator=(const IndicatorSet&) = delete;

  [[nodiscard]] std::size_t size() const noexcept;  // indicators (not values)
  // Indexed values by type (a CIDR counts under its address type) and networks.
  [[nodiscard]] std::size_t value_count(IndicatorType type) const noexcept;
  [[nodiscard]] std::size_t network_count() const noexcept;
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  // Approximate heap bytes held by the index and metadata.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;

  // Lookups append every indicator matching the (already normalized) value. For IPs: all
  // indicators with that exact address, else those of the longest matching network.
  void match_ipv4(std::uint32_t address, std::vector<IndicatorHit>& out) const;
  void match_ipv6(const std::array<std::uint8_t, 16>& address, std::vector<IndicatorHit>& out) const;
  // `domain` normalized (normalize_domain). Exact, then parent domains of subdomain indicators.
  void match_domain(std::string_view domain, std::vector<IndicatorHit>& out) const;
  void match_url(std::string_view url, std::vector<IndicatorHit>& out) const;
  void match_email(std::string_view email, std::vector<IndicatorHit>& out) const;
  // `digest` binary (16, 20 or 32 bytes for MD5, SHA-1, SHA-256).
  void match_hash(IndicatorType type, std::string_view digest, std::vector<IndicatorHit>& out) const;
  // Whether any domain indicator matches subdomains (lets callers skip the parent walk).
  [[nodiscard]] bool has_subdomain_indicators() const noexcept;

  [[nodiscard]] const std::vector<PatternIndicator>& patterns() const noexcept;
  [[nodiscard]] const std::vector<MultiPatternIndicator>& multi_patterns() const noexcept;

  // The report form of a hit (its key's value) or of an indicator (its first value).
  [[nodiscard]] IndicatorInfo info(const IndicatorHit& hit) const;
  [[nodiscard]] IndicatorInfo info(IndicatorIndex indicator) const;
  // Whether `time` (microseconds) lies in the indicator's valid_from/valid_until window
  // (true when it has none).
  [[nodiscard]] bool valid_at(IndicatorIndex indicator, std::int64_t time) const;

 private:
  friend class IndicatorSetBuilder;
  IndicatorSet();
  std::unique_ptr<detail::IndexData> data_;
};

// The metadata of one indicator as a loader knows it.
struct IndicatorFields {
  std::string_view id;     // empty: "SOURCE:LINE" is used
  std::uint32_t line = 0;  // line in the source (0 if none)
  Tlp tlp = Tlp::kNone;
  int confidence = -1;
  std::optional<std::int64_t> valid_from, valid_until;
};

// Mutable, single-threaded. Loaders (indicator_sources.h) feed it.
class IndicatorSetBuilder {
 public:
  IndicatorSetBuilder();
  ~IndicatorSetBuilder();
  IndicatorSetBuilder(const IndicatorSetBuilder&) = delete;
  IndicatorSetBuilder& operator=(const IndicatorSetBuilder&) = delete;

  // Interns a source name (a file path); equal names give equal indexes.
  SourceIndex add_source(std::string_view name);
  // Starts a new indicator; its values follow with add_*().
  IndicatorIndex begin(SourceIndex source, const IndicatorFields& fields);
  // Adds a value of a known type, normalizing it. kParse error (nothing added) if the text is
  // not a value of that type. kIpv4/kIpv6 accept CIDR networks. kDomain: `subdomains` makes
  // parent-domain lookups match it.
  [[nodiscard]] Status add_value(IndicatorIndex indicator, IndicatorType type, std::string_view text,
                                 bool subdomains = false);
  // Adds an already detected value (detect_value()).
  [[nodiscard]] Status add_detected(IndicatorIndex indicator, const DetectedValue& value);
  void add_pattern(IndicatorIndex indicator, StixMatcher matcher, std::vector<std::string> object_types);
  void add_multi_pattern(IndicatorIndex indicator, MultiPattern pattern);
  // Drops the last begun indicator if no value was added to it (a loader's bad entry).
  void abandon_if_empty(IndicatorIndex indicator);

  [[nodiscard]] std::size_t size() const noexcept;

  // Builds the hash tables and hands the set over; the builder is left empty.
  [[nodiscard]] std::shared_ptr<const IndicatorSet> build();

 private:
  std::unique_ptr<detail::IndexData> data_;
  IndicatorIndex last_ = ~IndicatorIndex{0};
  bool last_has_value_ = false;
};

}  // namespace rasid::intel
