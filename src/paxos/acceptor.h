// The Paxos acceptor: the role that makes Paxos safe. It never goes back on a
// promise: once it promised ballot b it neither promises nor accepts below b
// (Paxos Made Simple, P1a). Pure: the Node persists its state and holds the
// replies until that state is durable.
#pragma once

#include <optional>

#include "core/message.h"
#include "core/state_digest.h"
#include "paxos/config.h"
#include "core/records.h"

namespace quorum::paxos {

struct AcceptorState {
  Ballot promised;
  std::optional<Proposal> accepted;
};

class Acceptor {
 public:
  Acceptor(AcceptorState recovered, const Bugs& bugs);

  struct Reaction {
    Payload reply;         // Promise, Accepted or Nack
    bool changed = false;  // state changed: persist before the reply leaves
  };
  Reaction on_prepare(const Prepare& m);
  Reaction on_accept(const Accept& m);

  const AcceptorState& state() const { return state_; }
  void digest(StateDigest& d) const;

 private:
  void check_invariants(const AcceptorState& before) const;

  AcceptorState state_;
  Bugs bugs_;
};

}  // namespace quorum::paxos
