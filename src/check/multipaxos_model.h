// Model of a small Multi-Paxos cluster for the explorer: the real
// multipaxos::Replica cores inside the shared replica host (check/log_model.h:
// the server's recovery, apply and drain code), a MessagePool (any message
// delivered any number of times, in any order), writes durable at once, and
// bounded elections, commands and crash-restarts.
//
// Actions: a replica's election timer fires (while its next ballot's round
// is below `rounds`); a leader is given a client command (each of
// `commands` once); a leader's heartbeat timer fires (it announces its commit
// index); a replica asks a peer ahead of it for chosen slots; a message is
// delivered; a replica crashes and restarts from its durable records. Leases
// are not modelled: a leader that steps down only stops acting, and a higher
// ballot deposes it anyway.
//
// Invariants, after every action (the cores assert their own as well):
//   Agreement   no slot is ever output as committed with two values, by any
//               replica in any incarnation
//   InOrder     each replica outputs committed slots as 1, 2, 3, ...
//   Validity    committed batches hold only commands a client submitted
//   Consistency once a majority voted v in a slot at ballot b, every Accept
//               for that slot at a higher ballot carries v
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "check/effect_memo.h"
#include "check/log_model.h"
#include "check/message_pool.h"
#include "multipaxos/protocol.h"

namespace quorum::check {

struct MultiPaxosModelOptions {
  std::uint32_t replicas = 3;
  std::uint32_t commands = 2;  // "c1", "c2", ... each submitted once
  // Elections use ballots of rounds 0..rounds-1 (a replica's first election
  // is round 0: ballot 0.n is above the zero ballot 0.0).
  std::uint32_t rounds = 1;
  std::uint32_t crashes = 0;
  std::uint32_t candidates = 2;  // replicas 1..candidates may campaign
  bool heartbeats = false;       // leaders' heartbeat timers fire
  bool catch_up = true;          // followers' catch-up timers fire
  multipaxos::Bugs bugs;
};

class MultiPaxosModel {
 public:
  using Box = LogBox<multipaxos::Protocol>;
  using VoteKey = std::tuple<std::uint64_t, Ballot, std::vector<Value>>;  // slot, ballot, value
  struct Ghosts {
    std::map<std::uint64_t, std::vector<Value>> committed;  // slot -> value
    std::map<VoteKey, NodeSet> votes;                        // every AcceptRecord written
    std::set<VoteKey> proposals;                             // every Accept sent
    Fingerprint fingerprint;
  };
  struct State {
    std::vector<std::shared_ptr<const Box>> replicas;  // id - 1
    MessagePool network;
    std::uint32_t submitted = 0;  // bit k: command k+1 was given to a leader
    std::uint32_t crashes_left = 0;
    std::shared_ptr<const Ghosts> ghosts;
  };
  enum class Kind : std::uint8_t { kNone, kElection, kSubmit, kHeartbeat, kCatchUp, kDeliver, kCrash };
  struct Action {
    Kind kind = Kind::kNone;
    std::uint8_t replica = 0;  // 1-based; kDeliver: unused
    std::uint8_t command = 0;  // kSubmit: 1-based
    std::uint32_t message = 0;  // kDeliver: MessageTable id
    bool operator==(const Action&) const = default;
    std::uint64_t key() const {
      return static_cast<std::uint64_t>(kind) | std::uint64_t{replica} << 8 |
             std::uint64_t{command} << 16 | std::uint64_t{message} << 24;
    }
  };

  explicit MultiPaxosModel(MultiPaxosModelOptions options);

  State initial() const;
  void actions(const State& s, std::vector<Action>& out) const;
  State apply(const State& s, Action a) const;
  void check(const State& s) const;
  Fingerprint fingerprint(const State& s) const;
  std::string describe(const State& before, Action a) const;
  std::string summary(const State& s) const;

  static Value command(std::uint32_t k) { return model_command(k); }

 private:
  struct Effect {
    std::shared_ptr<const Box> box;
    LogEffect<multipaxos::Protocol> what;
  };
  const Effect& effect(const Box& before, Action a) const;
  Effect compute_effect(const Box& before, Action a) const;
  host::HostConfig<multipaxos::Protocol> config_for(std::uint32_t id) const;
  static void seal(Ghosts& g);

  MultiPaxosModelOptions options_;
  mutable MessageTable messages_;
  mutable EffectMemo<Action, Effect> effects_;
};

}  // namespace quorum::check
