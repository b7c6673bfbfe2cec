// A simulated cluster of single-decree Paxos nodes: the real paxos::Node
// cores over the simulated Network, each with a simulated disk (writes become
// durable after a latency; a crash loses the ones still pending), under one
// logical clock. Cluster-wide safety checks run on every event:
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
#include "paxos/storage.h"
#include "sim/network.h"
#include "sim/trace.h"

namespace quorum::sim {

struct DiskOptions {
  std::uint32_t latency_min_ticks = 0;
  std::uint32_t latency_max_ticks = 0;
};

struct PaxosClusterOptions {
  std::uint32_t nodes = 3;
  NetworkOptions network;
  DiskOptions disk;
  paxos::Timing timing;
  paxos::Bugs bugs;
};

class PaxosCluster {
 public:
  PaxosCluster(const PaxosClusterOptions& options, std::uint64_t seed, Trace* trace);

  void propose(NodeId id, const Value& v);
  void crash(NodeId id);
  void restart(NodeId id);
  // Advances logical time by one tick: deliveries, disk completions, timers.
  void tick();

  std::uint64_t now() const { return now_; }
  std::uint32_t size() const { return options_.nodes; }
  bool is_up(NodeId id) const { return slot(id).node != nullptr; }
  const paxos::Node* node(NodeId id) const { return slot(id).node.get(); }
  std::optional<paxos::HardState> durable_state(NodeId id) const { return slot(id).storage.load(); }
  Network& network() { return network_; }
  const Network& network() const { return network_; }
  std::uint64_t lost_writes() const { return lost_writes_; }
  std::uint64_t delivered() const { return delivered_; }
  // The value learned by any learner so far, if one has.
  const std::optional<Value>& decided() const { return decided_; }
  bool all_up_nodes_learned() const;

 private:
  struct PendingWrite {
    std::uint64_t due;
    paxos::Write write;
  };
  struct NodeSlot {
    std::unique_ptr<paxos::Node> node;
    paxos::MemoryStorage storage;  // survives crashes
    std::deque<PendingWrite> disk_queue;  // lost on crash
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
  std::uint64_t lost_writes_ = 0;
  std::uint64_t delivered_ = 0;

  std::set<Value> proposed_;
  std::optional<Value> decided_;
  std::optional<Value> chosen_;  // by the majority oracle
  std::map<std::pair<Ballot, Value>, NodeSet> accepted_by_;
};

}  // namespace quorum::sim
