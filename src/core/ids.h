// Strong integer types for the identifiers that cross module boundaries.
// A NodeId can never be passed where a Slot is expected: each is its own type.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace quorum {

template <typename Tag, typename Rep>
class StrongId {
 public:
  using rep_type = Rep;
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep v) : value_(v) {}
  constexpr Rep value() const { return value_; }
  constexpr auto operator<=>(const StrongId&) const = default;
  std::string to_string() const { return std::to_string(value_); }

 private:
  Rep value_{};
};

// Node ids are 1-based; 0 means "no node".
using NodeId = StrongId<struct NodeIdTag, std::uint32_t>;
// Position in a replicated log (Multi-Paxos).
using Slot = StrongId<struct SlotTag, std::uint64_t>;

inline constexpr NodeId kNoNode{0};

}  // namespace quorum

template <typename Tag, typename Rep>
struct std::hash<quorum::StrongId<Tag, Rep>> {
  std::size_t operator()(const quorum::StrongId<Tag, Rep>& id) const noexcept {
    return std::hash<Rep>{}(id.value());
  }
};
