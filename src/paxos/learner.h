// The Paxos learner. Classic rule: a value is chosen once a phase-2 quorum of
// distinct acceptors accepted it in the same ballot. Votes are counted per
// (ballot, value), so a duplicated Accepted never counts twice and votes from
// different ballots are never mixed. Consecutive rule (config.h,
// LearnerRule::kConsecutive): votes for one value may be added up over a
// range of consecutive ballots that each hold at least one of them.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <utility>

#include "core/message.h"
#include "core/node_set.h"
#include "core/quorum.h"
#include "core/state_digest.h"
#include "paxos/config.h"

namespace quorum::paxos {

class Learner {
 public:
  // Bound on the (ballot, value) pairs tracked; the lowest ballots go first.
  static constexpr std::size_t kMaxTrackedProposals = 64;

  explicit Learner(QuorumSystem quorums, LearnerRule rule = LearnerRule::kClassic,
                   NodeSet ballot_owners = {}, bool allow_gaps = false)
      : quorums_(quorums),
        rule_(rule),
        owners_(ballot_owners.empty() ? quorums.members() : ballot_owners),
        allow_gaps_(allow_gaps) {}

  // Each returns true when this call made the learner learn.
  bool on_accepted(NodeId from, const Accepted& m);
  // A peer that learned tells us (crash-stop model: peers do not lie).
  bool on_decided(const Decided& m);

  const std::optional<Value>& learned() const { return learned_; }
  std::size_t tracked() const { return votes_.size(); }
  // Every (ballot, value) with the acceptors that voted for it.
  const std::map<std::pair<Ballot, Value>, NodeSet>& votes() const { return votes_; }
  void digest(StateDigest& d) const;

 private:
  bool learn(const Value& v);
  // The consecutive rule for `v`: some run of consecutive ballots, each with
  // a vote for v, whose voters together form a phase-2 quorum.
  bool chosen_over_consecutive_ballots(const Value& v) const;

  QuorumSystem quorums_;
  LearnerRule rule_;
  NodeSet owners_;
  bool allow_gaps_;
  std::map<std::pair<Ballot, Value>, NodeSet> votes_;
  std::optional<Value> learned_;
};

}  // namespace quorum::paxos
