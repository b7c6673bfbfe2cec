// Quorum systems. Paxos needs only that every phase-1 quorum intersects
// every phase-2 quorum (Howard et al., "Flexible Paxos", 2016); majorities
// are the special case q1 = q2 = n/2 + 1. Membership is counted against the
// configured members, never against whoever happens to be reachable.
#pragma once

#include <cstdint>
#include <string>

#include "core/node_set.h"

namespace quorum {

class QuorumSystem {
 public:
  // Majorities of `members`.
  static QuorumSystem majority(NodeSet members);
  // Flexible quorums; requires q1 + q2 > n so that the phases intersect.
  static QuorumSystem flexible(NodeSet members, std::uint32_t q1, std::uint32_t q2);
  // No intersection check: only for deliberately broken variants (--break).
  static QuorumSystem unchecked(NodeSet members, std::uint32_t q1, std::uint32_t q2);

  bool is_phase1_quorum(NodeSet voters) const { return count(voters) >= q1_; }
  bool is_phase2_quorum(NodeSet voters) const { return count(voters) >= q2_; }

  NodeSet members() const { return members_; }
  std::uint32_t size() const { return members_.size(); }
  std::uint32_t phase1_size() const { return q1_; }
  std::uint32_t phase2_size() const { return q2_; }
  // Failures tolerated while both phases can still form a quorum.
  std::uint32_t tolerated_failures() const;
  std::string to_string() const;

 private:
  QuorumSystem(NodeSet members, std::uint32_t q1, std::uint32_t q2)
      : members_(members), q1_(q1), q2_(q2) {}
  std::uint32_t count(NodeSet voters) const { return voters.intersect(members_).size(); }

  NodeSet members_;
  std::uint32_t q1_;
  std::uint32_t q2_;
};

}  // namespace quorum
