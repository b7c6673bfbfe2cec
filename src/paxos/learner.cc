#include "paxos/learner.h"

namespace quorum::paxos {

bool Learner::on_accepted(NodeId from, const Accepted& m) {
  if (learned_) return false;
  auto key = std::make_pair(m.ballot, m.value);
  NodeSet& voters = votes_[key];
  voters.insert(from);
  if (quorums_.is_phase2_quorum(voters)) return learn(m.value);
  while (votes_.size() > kMaxTrackedProposals) votes_.erase(votes_.begin());
  return false;
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
