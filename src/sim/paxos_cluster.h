// A simulated cluster of single-decree Paxos nodes: the real paxos::Node
// cores over the simulated Network, under one logical clock, each writing its
// HardState through the real write-ahead log on a simulated disk
// (sim/sim_storage.h: a crash loses or tears what was not yet synced, and a
// restart recovers through the real Wal::open). Cluster-wide safety checks run on every event:
//   Agreement  - every learner, in every incarnation, learned the same value
//   Validity   - only a proposed value is learned
//   AtMostOneChosen - at most one value is ever accepted by a majority of
//                acceptors in one ballot (an oracle independent of learners)
// A failed check throws InvariantFailure, like a failed in-core invariant.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "paxos/node.h"
#include "sim/network.h"
#include "sim/sim_storage.h"
#include "sim/trace.h"

namespace quorum::sim {

struct PaxosClusterOptions {
  std::uint32_t nodes = 3;
  NetworkOptions network;
  SimStorageOptions storage;
  paxos::Timing timing;
  paxos::LearnerRule learner = paxos::LearnerRule::kClassic;
  NodeSet proposers;  // empty: every node may propose
  paxos::Bugs bugs;
};

class PaxosCluster {
 public:
  PaxosCluster(const PaxosClusterOptions& options, std::uint64_t seed, Trace* trace);

  void propose(NodeId id, const Value& v);
  void crash(NodeId id);
  // A node whose disk fails the recovery checks stays down for good.
  void restart(NodeId id);
  bool corrupt_disk(NodeId id);
  // Advances logical time by one tick: deliveries, disk completions, timers.
  void tick();

  std::uint64_t now() const { return now_; }
  std::uint32_t size() const { return options_.nodes; }
  bool is_up(NodeId id) const { return slot(id).node != nullptr; }
  const paxos::Node* node(NodeId id) const { return slot(id).node.get(); }
  // The newest HardState the node's log acknowledged as durable.
  std::optional<paxos::HardState> durable_state(NodeId id) const { return slot(id).durable; }
  Network& network() { return network_; }
  const Network& network() const { return network_; }
  std::uint64_t lost_writes() const;
  std::uint64_t torn_writes() const;
  std::uint64_t corruptions_detected() const { return corruptions_detected_; }
  std::uint64_t delivered() const { return delivered_; }
  // The value learned by any learner so far, if one has.
  const std::optional<Value>& decided() const { return decided_; }
  bool all_up_nodes_learned() const;
  // The tick a learner first learned (0: none has), and how many ballots
  // reached phase 2 (an Accept was sent).
  std::uint64_t first_decision_tick() const { return first_decision_tick_; }
  std::uint64_t proposal_ballots() const { return proposal_ballots_.size(); }

 private:
  struct Unacked {
    paxos::Write write;
    storage::Lsn lsn;
  };
  struct NodeSlot {
    std::unique_ptr<paxos::Node> node;
    std::unique_ptr<SimStorage> storage;  // survives crashes
    bool failed = false;                  // its disk failed recovery
    std::deque<Unacked> unacked;          // written, not yet durable
    std::optional<paxos::HardState> durable;
  };
  NodeSlot& slot(NodeId id);
  const NodeSlot& slot(NodeId id) const;
  paxos::Config config_for(NodeId id);
  void drain(NodeId id);
  void record(const std::string& text);
  void check_learned(NodeId id, const Value& v);
  void check_accepted(NodeId acceptor, const paxos::Accepted& a);

  PaxosClusterOptions options_;
  Prng prng_;
  Trace* trace_;
  Network network_;
  std::vector<NodeSlot> slots_;
  std::uint64_t now_ = 0;
  std::uint64_t corruptions_detected_ = 0;
  std::uint64_t delivered_ = 0;

  std::set<Value> proposed_;
  std::optional<Value> decided_;
  std::uint64_t first_decision_tick_ = 0;
  std::set<Ballot> proposal_ballots_;
  std::optional<Value> chosen_;  // by the majority oracle
  std::map<std::pair<Ballot, Value>, NodeSet> accepted_by_;
};

}  // namespace quorum::sim
