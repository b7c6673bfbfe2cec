#include "paxos/learner.h"

namespace quorum::paxos {

bool Learner::on_accepted(NodeId from, const Accepted& m) {
  if (learned_) return false;
  auto key = std::make_pair(m.ballot, m.value);
  NodeSet& voters = votes_[key];
  voters.insert(from);
  if (quorums_.is_phase2_quorum(voters)) return learn(m.value);
  if (rule_ == LearnerRule::kConsecutive && chosen_over_consecutive_ballots(m.value)) {
    return learn(m.value);
  }
  while (votes_.size() > kMaxTrackedProposals) votes_.erase(votes_.begin());
  return false;
}

bool Learner::chosen_over_consecutive_ballots(const Value& v) const {
  // votes_ is ordered by ballot, and ballot numbers grow with ballots, so one
  // pass sees each run of consecutive ballots in order.
  NodeSet run;
  std::optional<std::uint64_t> previous;
  for (const auto& [key, voters] : votes_) {
    if (key.second != v) continue;
    std::optional<std::uint64_t> n = ballot_number(key.first, owners_);
    bool extends = allow_gaps_ || (n && previous && *n == *previous + 1);
    if (!extends) run.clear();
    run = run.unite(voters);
    previous = n;
    if (quorums_.is_phase2_quorum(run)) return true;
  }
  return false;
}

void Learner::digest(StateDigest& d) const {
  d.add(learned_);
  for (const auto& [key, voters] : votes_) {
    d.add(key.first);
    d.add(key.second);
    d.add(voters);
  }
  d.separator();
}

bool Learner::on_decided(const Decided& m) { return learn(m.value); }

bool Learner::learn(const Value& v) {
  if (learned_) {
    // A learner that learned two different values is the split brain Paxos
    // exists to prevent.
    QUORUM_INVARIANT("Agreement", *learned_ == v,
                     "learner learned \"" + *learned_ + "\" and then \"" + v + "\"");
    return false;
  }
  learned_ = v;
  votes_.clear();
  return true;
}

}  // namespace quorum::paxos
