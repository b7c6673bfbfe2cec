#include "paxos/acceptor.h"

namespace quorum::paxos {

Acceptor::Acceptor(AcceptorState recovered, const Bugs& bugs)
    : state_(std::move(recovered)), bugs_(bugs) {
  check_invariants(state_);
}

Acceptor::Reaction Acceptor::on_prepare(const Prepare& m) {
  // >= rather than >: a duplicated Prepare from the same proposer gets the
  // same Promise again, which is harmless and helps over a lossy network.
  if (m.ballot < state_.promised) return {Nack{m.ballot, state_.promised}, false};
  AcceptorState before = state_;
  bool changed = m.ballot != state_.promised;
  state_.promised = m.ballot;
  check_invariants(before);
  return {Promise{m.ballot, state_.accepted}, changed};
}

Acceptor::Reaction Acceptor::on_accept(const Accept& m) {
  AcceptorState before = state_;
  if (m.ballot < state_.promised) {
    if (!bugs_.accept_without_promise) return {Nack{m.ballot, state_.promised}, false};
    // Broken variant: accept anyway, keeping the (higher) promise.
    state_.accepted = Proposal{m.ballot, m.value};
    return {Accepted{m.ballot, m.value}, true};
  }
  bool changed = m.ballot != state_.promised || !state_.accepted ||
                 state_.accepted->ballot != m.ballot;
  if (state_.accepted && state_.accepted->ballot == m.ballot) {
    // One proposer, one value per ballot.
    QUORUM_INVARIANT("OneValuePerBallot", state_.accepted->value == m.value,
                     "ballot " + m.ballot.to_string() + " carried two values");
  }
  state_.promised = m.ballot;
  state_.accepted = Proposal{m.ballot, m.value};
  check_invariants(before);
  return {Accepted{m.ballot, m.value}, changed};
}

void Acceptor::digest(StateDigest& d) const {
  d.add(state_.promised);
  d.add(std::uint64_t{state_.accepted.has_value()});
  if (state_.accepted) {
    d.add(state_.accepted->ballot);
    d.add(state_.accepted->value);
  }
}

void Acceptor::check_invariants(const AcceptorState& before) const {
  QUORUM_INVARIANT("PromiseMonotonic", state_.promised >= before.promised,
                   "promise went back from " + before.promised.to_string() + " to " +
                       state_.promised.to_string());
  QUORUM_INVARIANT("PromiseIntegrity",
                   !state_.accepted || state_.accepted->ballot <= state_.promised,
                   "accepted ballot above the promise");
  if (before.accepted && state_.accepted) {
    QUORUM_INVARIANT("AcceptedMonotonic",
                     bugs_.accept_without_promise ||
                         state_.accepted->ballot >= before.accepted->ballot,
                     "accepted ballot went backwards");
  }
}

}  // namespace quorum::paxos
