// A set of node ids as a 64-bit mask: counting votes is a popcount, and
// "distinct acceptors" is enforced by construction (inserting twice is a no-op).
#pragma once

#include <bit>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/assert.h"
#include "core/ids.h"

namespace quorum {

// Cluster sizes are bounded by the mask width.
inline constexpr std::uint32_t kMaxNodes = 64;

class NodeSet {
 public:
  constexpr NodeSet() = default;
  NodeSet(std::initializer_list<NodeId> ids) {
    for (NodeId id : ids) insert(id);
  }
  // {1, 2, ..., n}
  static NodeSet first_n(std::uint32_t n) {
    NodeSet s;
    for (std::uint32_t i = 1; i <= n; ++i) s.insert(NodeId{i});
    return s;
  }

  void insert(NodeId id) { bits_ |= bit(id); }
  void erase(NodeId id) { bits_ &= ~bit(id); }
  bool contains(NodeId id) const {
    return id.value() >= 1 && id.value() <= kMaxNodes && (bits_ & bit(id)) != 0;
  }
  std::uint32_t size() const { return static_cast<std::uint32_t>(std::popcount(bits_)); }
  bool empty() const { return bits_ == 0; }
  void clear() { bits_ = 0; }
  NodeSet intersect(NodeSet o) const { return from_bits(bits_ & o.bits_); }
  NodeSet unite(NodeSet o) const { return from_bits(bits_ | o.bits_); }
  std::uint64_t bits() const { return bits_; }
  static NodeSet from_bits(std::uint64_t b) {
    NodeSet s;
    s.bits_ = b;
    return s;
  }
  bool operator==(const NodeSet&) const = default;

  std::vector<NodeId> to_vector() const {
    std::vector<NodeId> out;
    for (std::uint64_t b = bits_; b != 0; b &= b - 1) {
      out.push_back(NodeId{static_cast<std::uint32_t>(std::countr_zero(b)) + 1});
    }
    return out;
  }
  std::string to_string() const {
    std::string s = "{";
    for (NodeId id : to_vector()) {
      if (s.size() > 1) s += ",";
      s += id.to_string();
    }
    return s + "}";
  }

 private:
  static std::uint64_t bit(NodeId id) {
    QUORUM_ASSERT(id.value() >= 1 && id.value() <= kMaxNodes, "node id out of range");
    return std::uint64_t{1} << (id.value() - 1);
  }
  std::uint64_t bits_ = 0;
};

}  // namespace quorum
