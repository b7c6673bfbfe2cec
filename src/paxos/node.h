// A single-decree Paxos node playing all three roles (proposer, acceptor,
// learner) behind quorum's driving interface:
//
//   step(envelope)      a peer message arrived
//   tick()              one unit of logical time passed
//   propose(value)      a client asks for `value` to be chosen
//   take_output()       what to persist, what to send, what was learned
//   on_durable(seq)     the runtime made writes up to `seq` durable
//
// Durability contract: Output::writes must be made durable in order and
// acknowledged with on_durable(). Any message whose correctness depends on a
// write (a Promise, an Accepted, a Prepare with a fresh ballot) is held inside
// the node until that acknowledgement arrives, so a harness cannot release it
// early by mistake: it never sees it before then.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "core/durability_gate.h"
#include "core/message.h"
#include "paxos/acceptor.h"
#include "paxos/config.h"
#include "paxos/learner.h"
#include "paxos/proposer.h"
#include "core/records.h"

namespace quorum::paxos {

struct Write {
  std::uint64_t seq;
  HardState state;  // the whole state; the newest write supersedes the others
};

struct Output {
  std::vector<Write> writes;
  std::vector<Envelope> messages;  // safe to send now
  std::optional<Value> learned;    // set on the step this node learned
};

class Node {
 public:

  Node(Config config, const std::optional<HardState>& recovered);

  void step(const Envelope& m);
  void tick();
  void propose(Value v);
  void on_durable(std::uint64_t seq);
  Output take_output();

  // ---- for the model checker (check/), which abstracts time away ----
  // The proposer's running timer fires now (it starts a new ballot).
  void expire_timer();
  // Adds the state that decides what this node does next, without timers,
  // jitter or write sequence numbers. Only with no write in flight.
  void digest(StateDigest& d) const;

  NodeId id() const { return config_.self; }
  const Config& config() const { return config_; }
  const AcceptorState& acceptor() const { return acceptor_.state(); }
  const Proposer& proposer() const { return proposer_; }
  const std::optional<Value>& learned() const { return learner_.learned(); }
  std::uint64_t durable_seq() const { return gate_.durable(); }
  std::size_t held_messages() const { return gate_.held(); }

 private:
  HardState hard_state() const;
  std::uint64_t persist();
  void send_when_durable(NodeId to, Payload p);
  void send_now(NodeId to, Payload p);
  void broadcast(const Payload& p, bool when_durable);
  void run(std::optional<Proposer::Action> action);
  void on_learned();
  // After every public entry point (core/invariant_guard.h).
  void check_invariants() const;

  Config config_;
  Acceptor acceptor_;
  Proposer proposer_;
  Learner learner_;

  DurabilityGate gate_;
  Output out_;

  bool learned_once_ = false;  // a learner never forgets
  std::uint32_t query_ticks_ = 0;
  std::uint32_t query_interval_;
};

}  // namespace quorum::paxos
