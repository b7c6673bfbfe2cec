// The Paxos proposer. Phase 1 collects promises from a phase-1 quorum of
// distinct acceptors and adopts the highest-ballot value any of them accepted
// (Paxos Made Simple, P2c); phase 2 asks acceptors to accept that value (or
// the client's, if none was reported). A Nack or a timeout sends it into a
// randomised exponential backoff, after which it retries with a ballot above
// every ballot it has seen.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "core/message.h"
#include "core/prng.h"
#include "core/state_digest.h"
#include "paxos/config.h"

namespace quorum::paxos {

class Proposer {
 public:
  struct Idle {};
  struct Preparing {
    Ballot ballot;
    NodeSet promised;
    std::optional<Proposal> highest;  // highest-ballot accepted proposal reported
    std::uint32_t ticks_left;
  };
  struct Accepting {
    Ballot ballot;
    Value value;
    std::uint32_t ticks_left;
  };
  struct Backoff {
    std::uint32_t ticks_left;
  };
  struct Done {};
  using Phase = std::variant<Idle, Preparing, Accepting, Backoff, Done>;

  // What the proposer wants done. A new ballot must be persisted (its round)
  // before the Prepare goes out: the Node takes care of that ordering.
  struct Action {
    Payload broadcast;         // Prepare or Accept, to every acceptor
    bool new_ballot = false;   // persist the round of the ballot first
  };

  Proposer(const Config& config, std::uint64_t recovered_round);

  // Starts proposing `v` (the first value wins; later calls are ignored).
  std::optional<Action> propose(Value v);
  std::optional<Action> on_promise(NodeId from, const Promise& m);
  std::optional<Action> on_nack(const Nack& m);
  std::optional<Action> tick();
  // The model checker's abstraction of time: the running timer (phase
  // timeout or backoff) fires now, so the proposer starts a new ballot.
  std::optional<Action> expire();
  bool timer_running() const;
  // The node learned a value: stop for good.
  void stop() { phase_ = Done{}; }
  // Remember a ballot seen anywhere, so the next attempt goes above it.
  void observe(Ballot b);

  const Phase& phase() const { return phase_; }
  std::uint64_t round() const { return last_ballot_.round; }
  std::optional<Ballot> current_ballot() const;
  // The ballot the next phase 1 will use.
  Ballot next_ballot() const;
  bool has_value() const { return value_.has_value(); }
  // Everything but timers and jitter (core/state_digest.h).
  void digest(StateDigest& d) const;

 private:
  Action start_phase1();
  void back_off();

  NodeId self_;
  QuorumSystem quorums_;
  NodeSet owners_;
  Timing timing_;
  Bugs bugs_;
  Prng prng_;
  Phase phase_ = Idle{};
  std::optional<Value> value_;
  Ballot last_ballot_;   // highest ballot this proposer used
  Ballot highest_seen_;  // highest ballot seen from anyone
  std::uint32_t backoff_ticks_;
};

}  // namespace quorum::paxos
