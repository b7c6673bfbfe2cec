// A simulated replicated-log cluster: each replica is the same host the real
// server runs (host/replica_host.h: the core of one log protocol, its KV
// store, recovery, snapshots, compaction and log truncation), over the
// simulated Network, with durable storage on a simulated disk
// (sim/sim_storage.h: the real write-ahead log and snapshot files on a disk
// that loses or tears unsynced writes in a crash). A restart recovers
// through the real recovery code: the newest snapshot restores the KV store,
// the log replays the core's durable state, and the rest is learned again
// from peers.
//
// Snapshots: after `snapshot_every_slots` applied slots (or
// `snapshot_every_bytes` bytes of commands) a replica writes a snapshot and
// compacts its log; a replica that needs compacted slots receives a
// snapshot from a peer instead (counted in snapshots_installed()).
//
// Cluster-wide checks, on every event (a failure throws InvariantFailure):
//   Agreement        every replica applies the same batch at every slot
//   StateDivergence  after its n-th applied slot every replica's KV digest is
//                    the same as every other replica's after its n-th
// Client requests enter through submit(); a replica that applies a request
// submitted to it answers through the on_reply callback.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/log/output.h"
#include "host/replica_host.h"
#include "multipaxos/protocol.h"
#include "vsr/protocol.h"
#include "sim/network.h"
#include "sim/sim_storage.h"
#include "sim/trace.h"
#include "smr/client_table.h"

namespace quorum::sim {

template <class P>
struct LogClusterOptions {
  std::uint32_t replicas = 3;
  NetworkOptions network;
  SimStorageOptions storage;
  std::uint64_t snapshot_every_slots = 0;  // 0: never by slot count
  std::uint64_t snapshot_every_bytes = 0;  // 0: never by size
  log::Timing timing;
  log::Limits limits;
  typename P::Bugs bugs;
};

template <class P>
class LogCluster {
 public:
  // (replica that answered, the request, the reply)
  using ReplyFn = std::function<void(NodeId, const smr::ClientRequest&, const smr::Reply&)>;
  // (replica, the request) when a deposed leader dropped a request it never proposed
  using DroppedFn = std::function<void(NodeId, const smr::ClientRequest&)>;

  using Replica = typename P::Replica;
  using Host = host::ReplicaHost<P, SimStorage>;
  using Options = LogClusterOptions<P>;

  LogCluster(const Options& options, std::uint64_t seed, Trace* trace);

  void set_on_reply(ReplyFn f) { on_reply_ = std::move(f); }
  void set_on_dropped(DroppedFn f) { on_dropped_ = std::move(f); }

  log::SubmitResult submit(NodeId replica, const smr::ClientRequest& request);
  void crash(NodeId id);
  // A replica whose disk fails the recovery checks stays down for good.
  void restart(NodeId id);
  // While `id` is down: damage a durable record on its disk (see SimStorage).
  bool corrupt_disk(NodeId id);
  void tick();

  std::uint64_t now() const { return now_; }
  std::uint32_t size() const { return options_.replicas; }
  bool is_up(NodeId id) const { return slot(id).host != nullptr; }
  bool has_failed(NodeId id) const { return slot(id).failed; }
  const Replica* replica(NodeId id) const;
  const smr::Executor* executor(NodeId id) const;
  const Host* host(NodeId id) const { return slot(id).host.get(); }
  // The up replica that leads with the highest ballot or view (several may
  // think they lead for a while); kNoNode when none does.
  NodeId leader() const;
  // Whether `id` has log records on their way to its disk.
  bool writes_pending(NodeId id) const { return slot(id).host && slot(id).storage->unsynced() > 0; }
  const SimStorage& storage(NodeId id) const { return *slot(id).storage; }
  Network& network() { return network_; }
  const Network& network() const { return network_; }
  std::uint64_t lost_writes() const;
  std::uint64_t torn_writes() const;
  std::uint64_t corruptions_detected() const { return corruptions_detected_; }
  std::uint64_t snapshots_taken() const { return snapshots_taken_; }
  std::uint64_t snapshots_installed() const { return snapshots_installed_; }
  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t commands_committed() const { return commands_committed_; }
  std::uint64_t leader_changes() const { return leader_changes_; }
  // The highest slot any replica has applied.
  Slot highest_applied() const { return Slot{static_cast<std::uint64_t>(chosen_.size())}; }
  // True when every replica that can run is up and has applied every slot
  // chosen so far.
  bool converged() const;

 private:
  // What one replica's host tells the cluster.
  class SlotObserver final : public host::Observer {
   public:
    SlotObserver(LogCluster& c, NodeId id) : c_(c), id_(id) {}
    void send(Envelope message) override;
    void fatal(const std::string& why) override;
    void applied(Slot slot, const smr::ClientRequest& request, const smr::Reply& reply) override;
    void slot_applied(Slot slot, const log::Batch& batch, const smr::Executor& state) override;
    void undecodable(Slot slot, const Value& command, const std::string& why) override;
    void dropped(Value command) override;
    void became_leader() override;
    void stepped_down() override;
    void snapshot_taken(Slot index, std::size_t bytes) override;
    void snapshot_installed(Slot index, std::size_t bytes) override;

   private:
    LogCluster& c_;
    NodeId id_;
  };
  struct ReplicaSlot {
    std::unique_ptr<SimStorage> storage;  // survives crashes
    std::unique_ptr<SlotObserver> observer;
    std::unique_ptr<Host> host;           // null while down
    bool failed = false;                  // its disk failed recovery: never restarts
    // (client, request) submitted here and not answered yet
    std::set<std::pair<std::uint64_t, std::uint64_t>> waiting;
  };
  ReplicaSlot& slot(NodeId id);
  const ReplicaSlot& slot(NodeId id) const;
  void check_digest(NodeId id, Slot applied, const smr::Executor& state);
  void record(const std::string& text) { trace_->event(now_, text); }

  Options options_;
  Prng prng_;
  Trace* trace_;
  Network network_;
  std::vector<ReplicaSlot> slots_;
  std::uint64_t now_ = 0;
  std::uint64_t corruptions_detected_ = 0;
  std::uint64_t snapshots_taken_ = 0;
  std::uint64_t snapshots_installed_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t commands_committed_ = 0;
  std::uint64_t leader_changes_ = 0;
  ReplyFn on_reply_;
  DroppedFn on_dropped_;

  // slot s at index s - 1: the value first applied there (empty: not yet)
  std::vector<std::optional<log::Batch>> chosen_;
  std::vector<std::uint64_t> digest_after_;  // digest after the n-th applied slot
};

using MultiPaxosClusterOptions = LogClusterOptions<multipaxos::Protocol>;
using MultiPaxosCluster = LogCluster<multipaxos::Protocol>;
using VsrClusterOptions = LogClusterOptions<vsr::Protocol>;
using VsrCluster = LogCluster<vsr::Protocol>;

}  // namespace quorum::sim
