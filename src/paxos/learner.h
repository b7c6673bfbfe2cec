// The Paxos learner: a value is chosen once a phase-2 quorum of distinct
// acceptors accepted it in the same ballot. Votes are counted per
// (ballot, value), so a duplicated Accepted never counts twice and votes from
// different ballots are never mixed.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <utility>

#include "core/message.h"
#include "core/node_set.h"
#include "core/quorum.h"

namespace quorum::paxos {

class Learner {
 public:
  // Bound on the (ballot, value) pairs tracked; the lowest ballots go first.
  static constexpr std::size_t kMaxTrackedProposals = 64;

  explicit Learner(QuorumSystem quorums) : quorums_(quorums) {}

  // Each returns true when this call made the learner learn.
  bool on_accepted(NodeId from, const Accepted& m);
  // A peer that learned tells us (crash-stop model: peers do not lie).
  bool on_decided(const Decided& m);

  const std::optional<Value>& learned() const { return learned_; }
  std::size_t tracked() const { return votes_.size(); }

 private:
  bool learn(const Value& v);

  QuorumSystem quorums_;
  std::map<std::pair<Ballot, Value>, NodeSet> votes_;
  std::optional<Value> learned_;
};

}  // namespace quorum::paxos
