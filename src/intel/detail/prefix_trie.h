#pragma once
// PrefixTrie: a path-compressed binary trie (PATRICIA) of IP networks answering the longest
// matching prefix. Keys are left-aligned unsigned integers of Bits bits (uint32_t for IPv4,
// unsigned __int128 for IPv6). n networks take at most 2n nodes; a lookup visits at most
// Bits + 1 nodes, one comparison each. Nodes live in one vector and point to each other by
// index (no per-node allocation, 20 bytes per IPv4 node).

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace rasid::intel::detail {

__extension__ typedef unsigned __int128 Uint128;

template <typename Key, int Bits>
class PrefixTrie {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  struct Node {
    Key key{};
    std::uint32_t child[2] = {kNone, kNone};
    std::uint32_t value = kNone;
    std::uint8_t length = 0;
  };

  PrefixTrie() { nodes_.push_back(Node{}); }

  // Inserts `key`/`length` (host bits must be zero) with `value`. Returns the node of the
  // prefix and the value already there (kNone if it is new; the value is then stored).
  std::pair<std::uint32_t, std::uint32_t> insert(Key key, int length, std::uint32_t value) {
    std::uint32_t cur = 0;
    while (true) {
      if (nodes_[cur].length == length) {
        std::uint32_t old = nodes_[cur].value;
        if (old == kNone) nodes_[cur].value = value;
        return {cur, old};
      }
      int b = bit(key, nodes_[cur].length);
      std::uint32_t c = nodes_[cur].child[b];
      if (c == kNone) {
        std::uint32_t leaf = make(key, length, value);
        nodes_[cur].child[b] = leaf;
        return {leaf, kNone};
      }
      int limit = std::min<int>(length, nodes_[c].length);
      int common = common_prefix(key, nodes_[c].key, limit);
      if (common == nodes_[c].length) {
        cur = c;
        continue;
      }
      if (common == length) {
        std::uint32_t n = make(key, length, value);
        nodes_[n].child[bit(nodes_[c].key, length)] = c;
        nodes_[cur].child[b] = n;
        return {n, kNone};
      }
      std::uint32_t split = make(mask(key, common), common, kNone);
      std::uint32_t leaf = make(key, length, value);
      nodes_[split].child[bit(key, common)] = leaf;
      nodes_[split].child[bit(nodes_[c].key, common)] = c;
      nodes_[cur].child[b] = split;
      return {leaf, kNone};
    }
  }

  // The node of the longest prefix containing `address`, or kNone.
  [[nodiscard]] std::uint32_t longest(Key address) const noexcept {
    std::uint32_t best = kNone, cur = 0;
    while (true) {
      const Node& n = nodes_[cur];
      if (mask(address, n.length) != n.key) break;
      if (n.value != kNone) best = cur;
      if (n.length == Bits) break;
      std::uint32_t c = n.child[bit(address, n.length)];
      if (c == kNone) break;
      cur = c;
    }
    return best;
  }

  [[nodiscard]] const Node& node(std::uint32_t index) const { return nodes_[index]; }
  [[nodiscard]] std::size_t node_count() const noexcept { return nodes_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return nodes_.capacity() * sizeof(Node); }
  void shrink() { nodes_.shrink_to_fit(); }

  static Key mask(Key key, int length) noexcept {
    if (length == 0) return Key{0};
    return key & (~Key{0} << (Bits - length));
  }

 private:
  static int bit(Key key, int position) noexcept {
    return static_cast<int>((key >> (Bits - 1 - position)) & Key{1});
  }
  static int common_prefix(Key a, Key b, int limit) noexcept {
    Key diff = a ^ b;
    int n = leading_zeros(diff);
    return n < limit ? n : limit;
  }
  static int leading_zeros(Key v) noexcept {
    if constexpr (Bits == 32) {
      return v == 0 ? 32 : std::countl_zero(static_cast<std::uint32_t>(v));
    } else {
      auto hi = static_cast<std::uint64_t>(v >> 64), lo = static_cast<std::uint64_t>(v);
      if (hi != 0) return std::countl_zero(hi);
      return lo == 0 ? 128 : 64 + std::countl_zero(lo);
    }
  }
  std::uint32_t make(Key key, int length, std::uint32_t value) {
    Node n;
    n.key = key;
    n.length = static_cast<std::uint8_t>(length);
    n.value = value;
    nodes_.push_back(n);
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }

  std::vector<Node> nodes_;
};

}  // namespace rasid::intel::detail
