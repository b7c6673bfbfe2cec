// Ballots (proposal numbers): (round, node), totally ordered by round then
// node. Two proposers never share a ballot because each owns the ballots
// carrying its node id (Paxos Made Simple, section 2.2).
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "core/ids.h"

namespace quorum {

struct Ballot {
  std::uint64_t round = 0;
  NodeId node = kNoNode;

  constexpr auto operator<=>(const Ballot&) const = default;

  // The zero ballot is below every ballot a proposer can own.
  static constexpr Ballot zero() { return Ballot{}; }
  constexpr bool is_zero() const { return round == 0 && node == kNoNode; }

  // The smallest ballot owned by `owner` that is greater than this one.
  constexpr Ballot successor(NodeId owner) const {
    return Ballot{owner > node ? round : round + 1, owner};
  }

  std::string to_string() const {
    return std::to_string(round) + "." + node.to_string();
  }
};

}  // namespace quorum
