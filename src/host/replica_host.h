// ReplicaHost<P, S>: everything around a replicated-log core (Multi-Paxos or
// VSR), written once and run by every driver: the simulator
// (sim/log_cluster.h), the real server (runtime/log_runtime.h), the model
// checker (check/) and the scripted test harnesses. It owns
//   - recovery: the newest snapshot restores the state machine, the log
//     after it replays the core's durable state (DurableState), and the core
//     starts from both;
//   - the output drain: the core's writes go to the store, its messages to
//     the driver, its committed entries to the state machine, in the order
//     core/log/output.h prescribes;
//   - the state machine (smr::Executor: the client table over the KV store)
//     and applying committed entries in log order;
//   - snapshots: the policy (every N entries or B bytes of commands), writing
//     them, installing one received from a peer, and compacting the core;
//   - write-ahead log truncation: once the records a compaction writes are
//     durable, every record before them is dropped.
// What a driver adds is only I/O: a network, a clock that calls tick(), a
// store (host/store.h) and a way to learn that writes are durable
// (on_durable). The simulator therefore runs the server's durability code.
//
// Not thread-safe: one driver thread calls everything, and the observer is
// called from inside these calls. An observer may call submit() or
// end_turn() from a callback; the resulting output is drained before the
// outer call returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/log/protocol.h"
#include "core/quorum.h"
#include "core/result.h"
#include "core/state_digest.h"
#include "host/observer.h"
#include "host/store.h"
#include "smr/client_table.h"

namespace quorum::host {

// When a replica snapshots its state machine and compacts its log; 0: never.
struct SnapshotPolicy {
  std::uint64_t every_slots = 0;  // after this many entries applied since the last snapshot
  std::uint64_t every_bytes = 0;  // after this many bytes of commands applied since then
};

template <log::Protocol P>
struct HostConfig {
  NodeId self;
  QuorumSystem quorums;
  log::Timing timing;
  log::Limits limits;
  typename P::Bugs bugs{};
  std::uint64_t seed = 0;  // the core's timer jitter
  SnapshotPolicy snapshots;
};

// Why a replica must not start.
struct RecoveryError {
  enum class Kind {
    kStorage,       // the store refused (detected corruption names the file and offset)
    kRecord,        // a log record of another protocol, or one that does not decode
    kSnapshot,      // the snapshot does not restore
    kInconsistent,  // the log was compacted past the newest snapshot
  };
  Kind kind;
  std::string message;
  storage::ErrorKind storage_kind = storage::ErrorKind::kIo;  // with kStorage
};

// What recovery found, for logs and traces.
struct Recovered {
  std::string durable;  // P::describe of the replayed state
  Slot snapshot_index{0};
  storage::WalRecoveryInfo log;
};

struct HostStats {
  std::uint64_t log_records = 0;  // appended since start
  std::uint64_t log_bytes = 0;
  std::uint64_t snapshots_taken = 0;
  std::uint64_t snapshots_installed = 0;
  std::uint64_t elections_won = 0;
  std::uint64_t leader_changes = 0;
  std::uint64_t commands_applied = 0;
  std::uint64_t undecodable = 0;
  std::uint64_t truncations = 0;  // write-ahead log prefixes dropped after a compaction
};

template <log::Protocol P, Store S>
class ReplicaHost {
 public:
  using Core = typename P::Replica;
  using Config = HostConfig<P>;

  // The store and the observer must outlive the host (or be rebound).
  ReplicaHost(Config config, S& store, Observer& observer);

  // Recovers from the store and starts the core. Call once, before anything else.
  Result<Recovered, RecoveryError> recover();
  bool recovered() const { return core_.has_value(); }

  // ---- inputs; each drains the core's output before it returns ----
  void step(const Envelope& message);
  void tick();
  log::SubmitResult submit(Value command);
  // The end of a batch of work (a turn of the event loop): a leader proposes
  // what queued and announces its commit index.
  void end_turn();
  // Every write with a number <= seq is durable.
  void on_durable(std::uint64_t seq);
  // Drains what the core produced outside an input: at recovery, its
  // constructor's writes and messages.
  void flush() { drain(); }
  // Runs `f` on the core (the model checker's timer hooks), then drains.
  template <class F>
  void act(F&& f) {
    f(*core_);
    drain();
  }

  // ---- introspection ----
  const Core& core() const { return *core_; }
  const smr::Executor& state() const { return *executor_; }
  const Config& config() const { return config_; }
  Slot applied() const { return applied_; }
  Slot snapshot_index() const { return snapshot_index_; }
  NodeId leader() const;  // itself when leading; kNoNode when unknown
  const HostStats& stats() const { return stats_; }
  // The core's state, the state machine's and how far it applied: what
  // decides the host's future (the model checker's fingerprint).
  void digest(StateDigest& d) const;

  // The model checker copies hosts along with their stores: a copy must be
  // pointed at its own store and observer.
  ReplicaHost(const ReplicaHost& other);
  ReplicaHost& operator=(const ReplicaHost&) = delete;
  void rebind(S& store, Observer& observer) {
    store_ = &store;
    observer_ = &observer;
  }

 private:
  // A compaction's records: once the last is durable, the log before the
  // first may go.
  struct PendingTruncation {
    storage::Lsn first;
    std::uint64_t last_seq;
  };

  void drain();
  void persist(const typename P::Write& w, std::optional<PendingTruncation>& compaction);
  void apply(const log::SlotValue& entry);
  void install(const log::SnapshotInstall& snapshot);
  bool maybe_snapshot();
  void write_snapshot(Slot index, const std::string& bytes);
  void note_leader();
  void fail(const std::string& why);

  Config config_;
  S* store_;
  Observer* observer_;
  std::optional<Core> core_;
  std::optional<smr::Executor> executor_;
  Slot applied_{0};
  Slot snapshot_index_{0};
  std::uint64_t bytes_since_snapshot_ = 0;
  NodeId last_leader_ = kNoNode;
  std::vector<PendingTruncation> truncations_;
  HostStats stats_;
  bool draining_ = false;
  bool drain_again_ = false;
};

}  // namespace quorum::host
