// Model of a small single-decree Paxos cluster for the explorer: the real
// paxos::Node cores, a NetworkBag, and bounded faults.
//
// Actions: a proposer is asked for its value; a message is delivered (the
// MessagePool keeps every message, so loss, duplication and reordering are
// all covered); a proposer's timer fires (it starts a new ballot, while that
// ballot is among the first `ballots`); a node crashes and restarts from what
// it made durable. Writes become durable as soon as they are issued (a crash
// before that is the same as a crash before the step), so the cores' held
// messages leave at once.
//
// Invariants, checked after every action (the cores also check their own):
//   Agreement        at most one value can be learned from the votes cast
//   Validity         only a proposed value can be learned
//   PromiseIntegrity every acceptor's promise >= the ballot it accepted
//   Consistency      once a majority accepted v at ballot b, every proposal
//                    (Accept) at a ballot above b carries v
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "check/effect_memo.h"
#include "check/message_pool.h"
#include "paxos/node.h"

namespace quorum::check {

struct PaxosModelOptions {
  std::uint32_t acceptors = 3;   // nodes; every one is acceptor and learner
  std::uint32_t proposers = 2;   // nodes 1..proposers propose, each its own value
  // Ballots in play, counted in ballot order over the proposers' ballots:
  // with 2 proposers, 2 means 1.1 and 1.2, 3 adds 2.1 (node 1 may retry).
  // 2 is exhausted in seconds; 3 has millions of states.
  std::uint32_t ballots = 2;
  std::uint32_t crashes = 0;     // crash-restarts in a whole run
  paxos::LearnerRule learner = paxos::LearnerRule::kClassic;
  paxos::Bugs bugs;
};

class PaxosModel {
 public:
  // A node with its disk. States share the nodes an action did not touch.
  struct NodeBox {
    paxos::Node node;
    std::optional<paxos::HardState> disk;
    Fingerprint fingerprint;  // of node and disk
  };
  // History the invariants need (not part of any node), shared like nodes.
  struct Ghosts {
    std::map<std::pair<Ballot, Value>, NodeSet> votes;  // every Accepted sent
    std::set<std::pair<Ballot, Value>> proposals;       // every Accept sent
    std::vector<Value> learnable;  // what the learning rule accepts from `votes`
    Fingerprint fingerprint;
  };
  struct State {
    std::vector<std::shared_ptr<const NodeBox>> nodes;  // node id - 1
    MessagePool network;
    std::uint32_t crashes_left = 0;
    std::shared_ptr<const Ghosts> ghosts;
  };
  enum class Kind : std::uint8_t { kNone, kPropose, kDeliver, kTimeout, kCrash };
  struct Action {
    Kind kind = Kind::kNone;
    std::uint8_t node = 0;        // 1-based, for kPropose, kTimeout, kCrash
    std::uint32_t message = 0;    // the message's id in the MessageTable, for kDeliver
    bool operator==(const Action&) const = default;
    std::uint64_t key() const {
      return static_cast<std::uint64_t>(kind) | std::uint64_t{node} << 8 | std::uint64_t{message} << 16;
    }
  };

  explicit PaxosModel(PaxosModelOptions options);

  State initial() const;
  void actions(const State& s, std::vector<Action>& out) const;
  State apply(const State& s, Action a) const;
  void check(const State& s) const;
  Fingerprint fingerprint(const State& s) const;
  std::string describe(const State& before, Action a) const;
  std::string summary(const State& s) const;

  static Value value_of(std::uint32_t proposer) { return std::string(1, static_cast<char>('a' + proposer - 1)); }

 private:
  paxos::Config config_for(std::uint32_t id) const;
  // What one action does to one node: its new state and the messages it
  // sent. The same node state and action always give the same result, and
  // the same pair recurs in many global states, so results are memoised.
  struct Effect {
    std::shared_ptr<const NodeBox> box;
    std::vector<std::uint32_t> sent;  // MessageTable ids
  };
  const Effect& effect(const NodeBox& box, std::uint32_t id, Action a) const;
  Effect compute_effect(const NodeBox& before, std::uint32_t id, Action a) const;
  void drain(NodeBox& box, std::vector<std::uint32_t>& sent) const;
  bool in_bound(Ballot b) const;
  static void seal(NodeBox& box);
  // The values the learning rule accepts given every vote cast so far.
  std::vector<Value> learnable(const Ghosts& g) const;
  void seal(Ghosts& g) const;

  PaxosModelOptions options_;
  mutable MessageTable messages_;  // grows as the exploration sends messages
  mutable EffectMemo<Action, Effect> effects_;
};

}  // namespace quorum::check
