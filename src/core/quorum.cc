#include "core/quorum.h"

#include <algorithm>

namespace quorum {

QuorumSystem QuorumSystem::majority(NodeSet members) {
  QUORUM_ASSERT(!members.empty(), "a quorum system needs members");
  std::uint32_t q = members.size() / 2 + 1;
  return QuorumSystem(members, q, q);
}

QuorumSystem QuorumSystem::flexible(NodeSet members, std::uint32_t q1, std::uint32_t q2) {
  std::uint32_t n = members.size();
  QUORUM_ASSERT(q1 >= 1 && q2 >= 1 && q1 <= n && q2 <= n, "quorum sizes out of range");
  QUORUM_INVARIANT("QuorumIntersection", q1 + q2 > n,
                   "phase-1 and phase-2 quorums must intersect (q1 + q2 > n)");
  return QuorumSystem(members, q1, q2);
}

QuorumSystem QuorumSystem::unchecked(NodeSet members, std::uint32_t q1, std::uint32_t q2) {
  return QuorumSystem(members, q1, q2);
}

std::uint32_t QuorumSystem::tolerated_failures() const {
  std::uint32_t n = size();
  std::uint32_t need = std::max(q1_, q2_);
  return need > n ? 0 : n - need;
}

std::string QuorumSystem::to_string() const {
  return "n=" + std::to_string(size()) + " q1=" + std::to_string(q1_) +
         " q2=" + std::to_string(q2_);
}

}  // namespace quorum
