#include "intel/indicator_set.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "intel/detail/prefix_trie.h"

namespace rasid::intel {

std::string_view to_string(Tlp tlp) {
  switch (tlp) {
    case Tlp::kNone: return "";
    case Tlp::kClear: return "clear";
    case Tlp::kGreen: return "green";
    case Tlp::kAmber: return "amber";
    case Tlp::kAmberStrict: return "amber+strict";
    case Tlp::kRed: return "red";
  }
  return "";
}

std::optional<Tlp> parse_tlp(std::string_view text) {
  std::string t;
  for (char c : text) t += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  if (t.starts_with("tlp:")) t = t.substr(4);
  else if (t.starts_with("tlp-")) t = t.substr(4);
  if (t == "white" || t == "clear") return Tlp::kClear;
  if (t == "green") return Tlp::kGreen;
  if (t == "amber") return Tlp::kAmber;
  if (t == "amber+strict" || t == "amber-strict") return Tlp::kAmberStrict;
  if (t == "red") return Tlp::kRed;
  return std::nullopt;
}

namespace detail {

namespace {

constexpr std::uint32_t kEmpty = UINT32_MAX;
// A domain entry's owner with this bit set also matches subdomains.
constexpr std::uint32_t kSubdomainBit = 0x80000000u;

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

std::uint64_t hash_bytes(std::string_view s) {
  // FNV-1a over 8-byte words, then mixed: keys are short and already high-entropy (digests).
  std::uint64_t h = 0xcbf29ce484222325ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ULL;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0x100000001b3ULL;
  return mix(h);
}

}  // namespace

// Open addressing over dense key arrays. Slots hold entry indexes (kEmpty when free); the
// table is built once after all keys are in, at most half full, linear probing.
struct SlotTable {
  std::vector<std::uint32_t> slots;
  std::uint64_t mask = 0;

  template <typename HashOf, typename Equal, typename OnDuplicate>
  void build(std::size_t count, HashOf hash_of, Equal equal, OnDuplicate on_duplicate) {
    slots.clear();
    if (count == 0) {
      slots.shrink_to_fit();
      mask = 0;
      return;
    }
    std::size_t size = std::bit_ceil(count * 2);
    slots.assign(size, kEmpty);
    slots.shrink_to_fit();
    mask = size - 1;
    // Hashes are computed a few entries ahead and their slots prefetched: the inserts are
    // random accesses into a table far larger than the caches (half the build time without).
    constexpr std::uint32_t kAhead = 8;
    std::uint64_t ahead[kAhead];
    for (std::uint32_t i = 0; i < kAhead && i < count; ++i) {
      ahead[i] = hash_of(i) & mask;
      __builtin_prefetch(&slots[ahead[i]]);
    }
    for (std::uint32_t i = 0; i < count; ++i) {
      std::uint64_t at = ahead[i % kAhead];
      if (i + kAhead < count) {
        ahead[i % kAhead] = hash_of(i + kAhead) & mask;
        __builtin_prefetch(&slots[ahead[i % kAhead]]);
      }
      while (true) {
        std::uint32_t s = slots[at];
        if (s == kEmpty) {
          slots[at] = i;
          break;
        }
        if (equal(s, i)) {
          on_duplicate(s, i);
          break;
        }
        at = (at + 1) & mask;
      }
    }
  }

  // The entry for which matches(entry) holds, or kEmpty.
  template <typename Matches>
  [[nodiscard]] std::uint32_t find(std::uint64_t hash, Matches matches) const {
    if (slots.empty()) return kEmpty;
    std::uint64_t at = hash & mask;
    while (true) {
      std::uint32_t s = slots[at];
      if (s == kEmpty) return kEmpty;
      if (matches(s)) return s;
      at = (at + 1) & mask;
    }
  }
  [[nodiscard]] std::size_t bytes() const { return slots.capacity() * 4; }
};

// Entries with the same key as an earlier one: their owners, by the first entry.
using Duplicates = std::unordered_map<std::uint32_t, std::vector<std::uint32_t>>;

struct Ipv4Store {
  std::vector<std::uint32_t> keys, owners;
  SlotTable table;
  Duplicates dups;
  void build() {
    table.build(keys.size(), [&](std::uint32_t i) { return mix(keys[i]); },
                [&](std::uint32_t a, std::uint32_t b) { return keys[a] == keys[b]; },
                [&](std::uint32_t first, std::uint32_t dup) { dups[first].push_back(owners[dup]); });
  }
  [[nodiscard]] std::uint32_t find(std::uint32_t key) const {
    return table.find(mix(key), [&](std::uint32_t s) { return keys[s] == key; });
  }
  [[nodiscard]] std::size_t bytes() const { return keys.capacity() * 8 + table.bytes(); }
};

template <std::size_t N>
struct DigestStore {
  std::vector<std::array<std::uint8_t, N>> keys;
  std::vector<std::uint32_t> owners;
  SlotTable table;
  Duplicates dups;
  static std::string_view view(const std::array<std::uint8_t, N>& k) {
    return {reinterpret_cast<const char*>(k.data()), N};
  }
  void build() {
    table.build(keys.size(), [&](std::uint32_t i) { return hash_bytes(view(keys[i])); },
                [&](std::uint32_t a, std::uint32_t b) { return keys[a] == keys[b]; },
                [&](std::uint32_t first, std::uint32_t dup) { dups[first].push_back(owners[dup]); });
  }
  [[nodiscard]] std::uint32_t find(std::string_view digest) const {
    if (digest.size() != N) return kEmpty;
    return table.find(hash_bytes(digest),
                      [&](std::uint32_t s) { return std::memcmp(keys[s].data(), digest.data(), N) == 0; });
  }
  [[nodiscard]] std::size_t bytes() const { return keys.capacity() * N + owners.capacity() * 4 + table.bytes(); }
};

// Strings in one arena: entry i is arena[offsets[i], offsets[i+1]).
struct StringStore {
  std::string arena;
  std::vector<std::uint32_t> offsets{0};
  std::vector<std::uint32_t> owners;
  SlotTable table;
  Duplicates dups;
  [[nodiscard]] std::string_view key(std::uint32_t i) const {
    return std::string_view(arena).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
  // False when the arena would pass 4 GiB (its offsets are 32-bit).
  [[nodiscard]] bool push(std::string_view value, std::uint32_t owner) {
    if (arena.size() + value.size() > UINT32_MAX) return false;
    arena.append(value);
    offsets.push_back(static_cast<std::uint32_t>(arena.size()));
    owners.push_back(owner);
    return true;
  }
  void build() {
    table.build(owners.size(), [&](std::uint32_t i) { return hash_bytes(key(i)); },
                [&](std::uint32_t a, std::uint32_t b) { return key(a) == key(b); },
                [&](std::uint32_t first, std::uint32_t dup) {
                  // The first entry also matches subdomains if any duplicate does.
                  owners[first] |= owners[dup] & kSubdomainBit;
                  dups[first].push_back(owners[dup]);
                });
  }
  [[nodiscard]] std::uint32_t find(std::string_view value) const {
    return table.find(hash_bytes(value), [&](std::uint32_t s) { return key(s) == value; });
  }
  [[nodiscard]] std::size_t count() const { return owners.size(); }
  [[nodiscard]] std::size_t bytes() const {
    return arena.capacity() + offsets.capacity() * 4 + owners.capacity() * 4 + table.bytes();
  }
};

struct Validity {
  std::int64_t from = INT64_MIN, until = INT64_MAX;
};

}  // namespace detail

// 12 bytes per indicator.
struct IndicatorMeta {
  std::uint32_t source = 0;
  std::uint32_t ref = 0;  // line, or offset of the id in the id arena (kHasId)
  std::int8_t confidence = -1;
  Tlp tlp = Tlp::kNone;
  std::uint8_t flags = 0;
  IndicatorType type = IndicatorType::kIpv4;  // of its first value
  static constexpr std::uint8_t kHasId = 1, kHasValidity = 2, kHasValue = 4;
};
static_assert(sizeof(IndicatorMeta) == 12);

namespace detail {

using Trie4 = PrefixTrie<std::uint32_t, 32>;
using Trie6 = PrefixTrie<Uint128, 128>;

struct IndexData {
  std::vector<IndicatorMeta> meta;
  std::string ids;  // 2-byte length + bytes per id
  std::vector<std::string> sources;
  std::unordered_map<std::string, SourceIndex> source_index;
  std::unordered_map<IndicatorIndex, Validity> validity;
  Ipv4Store ipv4;
  StringStore ipv6;  // 16-byte addresses as strings (few, and keeps one store type less)
  DigestStore<16> md5;
  DigestStore<20> sha1;
  DigestStore<32> sha256;
  StringStore domains, urls, emails;
  Trie4 nets4;
  Trie6 nets6;
  Duplicates net4_dups, net6_dups;
  std::size_t net_count = 0;
  bool any_subdomains = false;
  std::vector<PatternIndicator> patterns;
  std::vector<MultiPatternIndicator> multi_patterns;
};

namespace {

Uint128 to_u128(const std::array<std::uint8_t, 16>& bytes) {
  Uint128 v = 0;
  for (auto b : bytes) v = (v << 8) | b;
  return v;
}

std::array<std::uint8_t, 16> from_u128(Uint128 v) {
  std::array<std::uint8_t, 16> out{};
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  return out;
}

void emit(std::uint32_t primary_owner, const Duplicates& dups, std::uint32_t key, IndicatorType type,
          MatchKind kind, std::vector<IndicatorHit>& out) {
  out.push_back({primary_owner & ~kSubdomainBit, type, kind, key});
  if (dups.empty()) return;
  if (auto it = dups.find(key); it != dups.end()) {
    for (auto owner : it->second) out.push_back({owner & ~kSubdomainBit, type, kind, key});
  }
}

}  // namespace
}  // namespace detail

using detail::kEmpty;

IndicatorSet::IndicatorSet() = default;
IndicatorSet::~IndicatorSet() = default;

std::size_t IndicatorSet::size() const noexcept { return data_->meta.size(); }

std::size_t IndicatorSet::value_count(IndicatorType type) const noexcept {
  const auto& d = *data_;
  switch (type) {
    case IndicatorType::kIpv4: return d.ipv4.keys.size();
    case IndicatorType::kIpv6: return d.ipv6.count();
    case IndicatorType::kDomain: return d.domains.count();
    case IndicatorType::kUrl: return d.urls.count();
    case IndicatorType::kMd5: return d.md5.keys.size();
    case IndicatorType::kSha1: return d.sha1.keys.size();
    case IndicatorType::kSha256: return d.sha256.keys.size();
    case IndicatorType::kEmail: return d.emails.count();
    case IndicatorType::kPattern: return d.patterns.size() + d.multi_patterns.size();
  }
  return 0;
}

std::size_t IndicatorSet::network_count() const noexcept { return data_->net_count; }

std::size_t IndicatorSet::memory_bytes() const noexcept {
  const auto& d = *data_;
  return d.meta.capacity() * sizeof(IndicatorMeta) + d.ids.capacity() + d.ipv4.bytes() +
         d.ipv6.bytes() + d.md5.bytes() + d.sha1.bytes() + d.sha256.bytes() + d.domains.bytes() +
         d.urls.bytes() + d.emails.bytes() + d.nets4.memory_bytes() + d.nets6.memory_bytes();
}

bool IndicatorSet::has_subdomain_indicators() const noexcept { return data_->any_subdomains; }

const std::vector<PatternIndicator>& IndicatorSet::patterns() const noexcept { return data_->patterns; }
const std::vector<MultiPatternIndicator>& IndicatorSet::multi_patterns() const noexcept {
  return data_->multi_patterns;
}

void IndicatorSet::match_ipv4(std::uint32_t address, std::vector<IndicatorHit>& out) const {
  const auto& d = *data_;
  if (auto e = d.ipv4.find(address); e != kEmpty) {
    detail::emit(d.ipv4.owners[e], d.ipv4.dups, e, IndicatorType::kIpv4, MatchKind::kExact, out);
    return;
  }
  if (d.nets4.node_count() > 1) {
    if (auto n = d.nets4.longest(address); n != detail::Trie4::kNone) {
      detail::emit(d.nets4.node(n).value, d.net4_dups, n, IndicatorType::kIpv4, MatchKind::kNetwork, out);
    }
  }
}

void IndicatorSet::match_ipv6(const std::array<std::uint8_t, 16>& address,
                              std::vector<IndicatorHit>& out) const {
  const auto& d = *data_;
  std::string_view key(reinterpret_cast<const char*>(address.data()), 16);
  if (auto e = d.ipv6.find(key); e != kEmpty) {
    detail::emit(d.ipv6.owners[e], d.ipv6.dups, e, IndicatorType::kIpv6, MatchKind::kExact, out);
    return;
  }
  if (d.nets6.node_count() > 1) {
    if (auto n = d.nets6.longest(detail::to_u128(address)); n != detail::Trie6::kNone) {
      detail::emit(d.nets6.node(n).value, d.net6_dups, n, IndicatorType::kIpv6, MatchKind::kNetwork, out);
    }
  }
}

void IndicatorSet::match_domain(std::string_view domain, std::vector<IndicatorHit>& out) const {
  const auto& d = *data_;
  if (d.domains.count() == 0) return;
  if (auto e = d.domains.find(domain); e != kEmpty) {
    detail::emit(d.domains.owners[e], d.domains.dups, e, IndicatorType::kDomain, MatchKind::kExact, out);
    return;
  }
  if (!d.any_subdomains) return;
  // Parent domains, nearest first; only indicators that say so match their subdomains.
  for (auto dot = domain.find('.'); dot != std::string_view::npos; dot = domain.find('.')) {
    domain.remove_prefix(dot + 1);
    auto e = d.domains.find(domain);
    if (e == kEmpty) continue;
    std::uint32_t owner = d.domains.owners[e];
    if ((owner & detail::kSubdomainBit) == 0) continue;
    out.push_back({owner & ~detail::kSubdomainBit, IndicatorType::kDomain, MatchKind::kSubdomain, e});
    if (auto it = d.domains.dups.find(e); it != d.domains.dups.end()) {
      for (auto o : it->second) {
        if (o & detail::kSubdomainBit) {
          out.push_back({o & ~detail::kSubdomainBit, IndicatorType::kDomain, MatchKind::kSubdomain, e});
        }
      }
    }
    return;
  }
}

void IndicatorSet::match_url(std::string_view url, std::vector<IndicatorHit>& out) const {
  const auto& d = *data_;
  if (auto e = d.urls.find(url); e != kEmpty) {
    detail::emit(d.urls.owners[e], d.urls.dups, e, IndicatorType::kUrl, MatchKind::kExact, out);
  }
}

void IndicatorSet::match_email(std::string_view email, std::vector<IndicatorHit>& out) const {
  const auto& d = *data_;
  if (auto e = d.emails.find(email); e != kEmpty) {
    detail::emit(d.emails.owners[e], d.emails.dups, e, IndicatorType::kEmail, MatchKind::kExact, out);
  }
}

void IndicatorSet::match_hash(IndicatorType type, std::string_view digest,
                              std::vector<IndicatorHit>& out) const {
  const auto& d = *data_;
  std::uint32_t e = kEmpty;
  const detail::Duplicates* dups = nullptr;
  const std::vector<std::uint32_t>* owners = nullptr;
  switch (type) {
    case IndicatorType::kMd5: e = d.md5.find(digest), dups = &d.md5.dups, owners = &d.md5.owners; break;
    case IndicatorType::kSha1: e = d.sha1.find(digest), dups = &d.sha1.dups, owners = &d.sha1.owners; break;
    case IndicatorType::kSha256:
      e = d.sha256.find(digest), dups = &d.sha256.dups, owners = &d.sha256.owners;
      break;
    default: return;
  }
  if (e != kEmpty) detail::emit((*owners)[e], *dups, e, type, MatchKind::kExact, out);
}

IndicatorInfo IndicatorSet::info(IndicatorIndex indicator) const {
  const auto& d = *data_;
  const IndicatorMeta& m = d.meta[indicator];
  IndicatorInfo info;
  info.type = m.type;
  info.source = d.sources[m.source];
  info.tlp = m.tlp;
  info.confidence = m.confidence;
  if (m.flags & IndicatorMeta::kHasId) {
    std::size_t length = static_cast<unsigned char>(d.ids[m.ref]) | (static_cast<std::size_t>(static_cast<unsigned char>(d.ids[m.ref + 1])) << 8);
    info.id = d.ids.substr(m.ref + 2, length);
  } else {
    info.id = fmt::format("{}:{}", info.source, m.ref);
  }
  if (m.flags & IndicatorMeta::kHasValidity) {
    if (auto it = d.validity.find(indicator); it != d.validity.end()) {
      if (it->second.from != INT64_MIN) info.valid_from = it->second.from;
      if (it->second.until != INT64_MAX) info.valid_until = it->second.until;
    }
  }
  return info;
}

IndicatorInfo IndicatorSet::info(const IndicatorHit& hit) const {
  const auto& d = *data_;
  IndicatorInfo out = info(hit.indicator);
  out.type = hit.type;
  switch (hit.type) {
    case IndicatorType::kIpv4:
      if (hit.kind == MatchKind::kNetwork) {
        const auto& n = d.nets4.node(hit.key);
        out.value = fmt::format("{}/{}", format_ipv4(n.key), n.length);
      } else {
        out.value = format_ipv4(d.ipv4.keys[hit.key]);
      }
      break;
    case IndicatorType::kIpv6:
      if (hit.kind == MatchKind::kNetwork) {
        const auto& n = d.nets6.node(hit.key);
        out.value = fmt::format("{}/{}", format_ipv6(detail::from_u128(n.key)), n.length);
      } else {
        std::array<std::uint8_t, 16> a{};
        std::memcpy(a.data(), d.ipv6.key(hit.key).data(), 16);
        out.value = format_ipv6(a);
      }
      break;
    case IndicatorType::kDomain:
      out.value = d.domains.key(hit.key);
      out.subdomains = (d.domains.owners[hit.key] & detail::kSubdomainBit) != 0;
      break;
    case IndicatorType::kUrl: out.value = d.urls.key(hit.key); break;
    case IndicatorType::kEmail: out.value = d.emails.key(hit.key); break;
    case IndicatorType::kMd5: out.value = bytes_to_hex(detail::DigestStore<16>::view(d.md5.keys[hit.key])); break;
    case IndicatorType::kSha1: out.value = bytes_to_hex(detail::DigestStore<20>::view(d.sha1.keys[hit.key])); break;
    case IndicatorType::kSha256:
      out.value = bytes_to_hex(detail::DigestStore<32>::view(d.sha256.keys[hit.key]));
      break;
    case IndicatorType::kPattern:
      for (const auto& p : d.patterns) {
        if (p.indicator == hit.indicator) out.value = p.matcher.pattern().text;
      }
      for (const auto& p : d.multi_patterns) {
        if (p.indicator == hit.indicator) out.value = p.pattern.matcher().pattern().text;
      }
      break;
  }
  return out;
}

bool IndicatorSet::valid_at(IndicatorIndex indicator, std::int64_t time) const {
  const auto& d = *data_;
  if ((d.meta[indicator].flags & IndicatorMeta::kHasValidity) == 0) return true;
  auto it = d.validity.find(indicator);
  if (it == d.validity.end()) return true;
  // valid_until is exclusive (STIX 2.1 section 4.1: "no longer considered valid" at it).
  return time >= it->second.from && time < it->second.until;
}

// ---- builder

IndicatorSetBuilder::IndicatorSetBuilder() : data_(std::make_unique<detail::IndexData>()) {}
IndicatorSetBuilder::~IndicatorSetBuilder() = default;

SourceIndex IndicatorSetBuilder::add_source(std::string_view name) {
  auto& d = *data_;
  auto [it, added] = d.source_index.try_emplace(std::string(name), static_cast<SourceIndex>(d.sources.size()));
  if (added) d.sources.emplace_back(name);
  return it->second;
}

IndicatorIndex IndicatorSetBuilder::begin(SourceIndex source, const IndicatorFields& fields) {
  auto& d = *data_;
  IndicatorMeta m;
  m.source = source;
  m.tlp = fields.tlp;
  m.confidence = static_cast<std::int8_t>(std::clamp(fields.confidence, -1, 100));
  // Ids past 4 GiB of id text (32-bit offsets) fall back to SOURCE:LINE.
  if (!fields.id.empty() && d.ids.size() + fields.id.size() + 2 <= UINT32_MAX) {
    std::size_t length = std::min<std::size_t>(fields.id.size(), 0xffff);
    m.flags |= IndicatorMeta::kHasId;
    m.ref = static_cast<std::uint32_t>(d.ids.size());
    d.ids += static_cast<char>(length & 0xff);
    d.ids += static_cast<char>(length >> 8);
    d.ids.append(fields.id.substr(0, length));
  } else {
    m.ref = fields.line;
  }
  auto index = static_cast<IndicatorIndex>(d.meta.size());
  if (fields.valid_from || fields.valid_until) {
    m.flags |= IndicatorMeta::kHasValidity;
    detail::Validity v;
    if (fields.valid_from) v.from = *fields.valid_from;
    if (fields.valid_until) v.until = *fields.valid_until;
    d.validity[index] = v;
  }
  d.meta.push_back(m);
  last_ = index;
  last_has_value_ = false;
  return index;
}

void IndicatorSetBuilder::abandon_if_empty(IndicatorIndex indicator) {
  auto& d = *data_;
  if (indicator != last_ || last_has_value_ || d.meta.size() != indicator + 1) return;
  const IndicatorMeta& m = d.meta.back();
  if (m.flags & IndicatorMeta::kHasId) d.ids.resize(m.ref);
  if (m.flags & IndicatorMeta::kHasValidity) d.validity.erase(indicator);
  d.meta.pop_back();
  last_ = ~IndicatorIndex{0};
}

std::size_t IndicatorSetBuilder::size() const noexcept { return data_->meta.size(); }

Status IndicatorSetBuilder::add_value(IndicatorIndex indicator, IndicatorType type, std::string_view text,
                                      bool subdomains) {
  auto& d = *data_;
  auto note_type = [&] {
    IndicatorMeta& m = d.meta[indicator];
    if ((m.flags & IndicatorMeta::kHasValue) == 0) {
      m.type = type;
      m.flags |= IndicatorMeta::kHasValue;
    }
    if (indicator == last_) last_has_value_ = true;
  };
  switch (type) {
    case IndicatorType::kIpv4:
    case IndicatorType::kIpv6: {
      auto net = parse_ip_network(text);
      if (!net) return fail(ErrorCode::kParse, fmt::format("not an IP address or network: '{}'", text));
      type = net->v6 ? IndicatorType::kIpv6 : IndicatorType::kIpv4;
      if (!net->v6 && net->prefix == 32) {
        d.ipv4.keys.push_back(net->v4);
        d.ipv4.owners.push_back(indicator);
      } else if (net->v6 && net->prefix == 128) {
        if (!d.ipv6.push(std::string_view(reinterpret_cast<const char*>(net->bytes.data()), 16), indicator)) {
          return fail(ErrorCode::kLimit, "too many IPv6 indicators (4 GiB of keys)");
        }
      } else if (!net->v6) {
        auto [node, old] = d.nets4.insert(net->v4, net->prefix, indicator);
        if (old != detail::Trie4::kNone) d.net4_dups[node].push_back(indicator);
        ++d.net_count;
      } else {
        auto [node, old] = d.nets6.insert(detail::to_u128(net->bytes), net->prefix, indicator);
        if (old != detail::Trie6::kNone) d.net6_dups[node].push_back(indicator);
        ++d.net_count;
      }
      note_type();
      return {};
    }
    case IndicatorType::kDomain: {
      std::string_view name = text;
      if (name.starts_with("*.")) {
        name.remove_prefix(2);
        subdomains = true;
      } else if (name.starts_with(".")) {
        name.remove_prefix(1);
        subdomains = true;
      }
      auto domain = normalize_domain(name);
      if (!domain) return fail(ErrorCode::kParse, fmt::format("not a domain name: '{}'", text));
      if (!d.domains.push(*domain, indicator | (subdomains ? detail::kSubdomainBit : 0))) {
        return fail(ErrorCode::kLimit, "too many domain indicators (4 GiB of names)");
      }
      if (subdomains) d.any_subdomains = true;
      note_type();
      return {};
    }
    case IndicatorType::kUrl: {
      auto url = normalize_url(text);
      if (!url) return fail(ErrorCode::kParse, fmt::format("not a URL: '{}'", text));
      if (!d.urls.push(*url, indicator)) return fail(ErrorCode::kLimit, "too many URL indicators (4 GiB of URLs)");
      note_type();
      return {};
    }
    case IndicatorType::kEmail: {
      auto email = normalize_email(text);
      if (!email) return fail(ErrorCode::kParse, fmt::format("not an e-mail address: '{}'", text));
      if (!d.emails.push(*email, indicator)) {
        return fail(ErrorCode::kLimit, "too many e-mail indicators (4 GiB of addresses)");
      }
      note_type();
      return {};
    }
    case IndicatorType::kMd5:
    case IndicatorType::kSha1:
    case IndicatorType::kSha256: {
      auto detected = hash_type_of(text);
      if (!detected || *detected != type) {
        return fail(ErrorCode::kParse, fmt::format("not a {} digest: '{}'", to_string(type), text));
      }
      // hash_type_of checked every digit: decode straight into the key.
      auto decode = [&](std::uint8_t* out) {
        auto nibble = [](char c) {
          return static_cast<std::uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        };
        for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
          out[i / 2] = static_cast<std::uint8_t>((nibble(text[i]) << 4) | nibble(text[i + 1]));
        }
      };
      if (type == IndicatorType::kMd5) {
        decode(d.md5.keys.emplace_back().data());
        d.md5.owners.push_back(indicator);
      } else if (type == IndicatorType::kSha1) {
        decode(d.sha1.keys.emplace_back().data());
        d.sha1.owners.push_back(indicator);
      } else {
        decode(d.sha256.keys.emplace_back().data());
        d.sha256.owners.push_back(indicator);
      }
      note_type();
      return {};
    }
    case IndicatorType::kPattern:
      return fail(ErrorCode::kInvalidArgument, "a pattern is added with add_pattern()");
  }
  return fail(ErrorCode::kInternal, "unknown indicator type");
}

Status IndicatorSetBuilder::add_detected(IndicatorIndex indicator, const DetectedValue& value) {
  return add_value(indicator, value.type, value.normalized, value.subdomains);
}

void IndicatorSetBuilder::add_pattern(IndicatorIndex indicator, StixMatcher matcher,
                                      std::vector<std::string> object_types) {
  auto& d = *data_;
  IndicatorMeta& m = d.meta[indicator];
  if ((m.flags & IndicatorMeta::kHasValue) == 0) {
    m.type = IndicatorType::kPattern;
    m.flags |= IndicatorMeta::kHasValue;
  }
  if (indicator == last_) last_has_value_ = true;
  d.patterns.push_back({indicator, std::move(matcher), std::move(object_types)});
}

void IndicatorSetBuilder::add_multi_pattern(IndicatorIndex indicator, MultiPattern pattern) {
  auto& d = *data_;
  IndicatorMeta& m = d.meta[indicator];
  if ((m.flags & IndicatorMeta::kHasValue) == 0) {
    m.type = IndicatorType::kPattern;
    m.flags |= IndicatorMeta::kHasValue;
  }
  if (indicator == last_) last_has_value_ = true;
  d.multi_patterns.push_back({indicator, std::move(pattern)});
}

std::shared_ptr<const IndicatorSet> IndicatorSetBuilder::build() {
  auto& d = *data_;
  d.meta.shrink_to_fit();
  d.ids.shrink_to_fit();
  d.ipv4.keys.shrink_to_fit();
  d.ipv4.owners.shrink_to_fit();
  d.ipv4.build();
  for (auto* s : {&d.ipv6, &d.domains, &d.urls, &d.emails}) {
    s->arena.shrink_to_fit();
    s->offsets.shrink_to_fit();
    s->owners.shrink_to_fit();
    s->build();
  }
  d.md5.keys.shrink_to_fit();
  d.md5.owners.shrink_to_fit();
  d.md5.build();
  d.sha1.keys.shrink_to_fit();
  d.sha1.owners.shrink_to_fit();
  d.sha1.build();
  d.sha256.keys.shrink_to_fit();
  d.sha256.owners.shrink_to_fit();
  d.sha256.build();
  d.nets4.shrink();
  d.nets6.shrink();
  std::shared_ptr<IndicatorSet> set(new IndicatorSet());
  set->data_ = std::move(data_);
  data_ = std::make_unique<detail::IndexData>();
  last_ = ~IndicatorIndex{0};
  return set;
}

}  // namespace rasid::intel
