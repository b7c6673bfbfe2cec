// ReplicaHost: runs one Multi-Paxos replica for real. It drives the pure core
// (multipaxos::Replica) through the same surface the simulator drives:
// messages from PeerTransport, ticks from a steady timer, client commands,
// and durability acknowledgements from the write-ahead log's group-commit
// thread. Committed slots are applied in order to the KV state machine
// behind the client table (smr::Executor).
//
// Threads: everything here runs on the io_context's thread, except the
// GroupCommitter's own thread, which only appends and fsyncs and reports back
// by posting to the io_context (one post per group, not per record).
//
// Client commands: submit() takes a command with a deadline and a
// completion. The leader proposes it; any other replica relays it to the
// leader it knows (Forward). Whichever replica the client is connected to
// answers when *it* applies the command, with the reply its own state machine
// produced — so no reply ever crosses the network, and a client sees its
// write only once it is durable on a quorum and applied where it reads.
// Requests not yet applied are re-sent (same client id and request number, so
// the client table executes them at most once) after a leader change or every
// retry interval; past the deadline the completion gets -NOQUORUM.
//
// Bounds: at most max_waiting requests wait here (the server stops reading
// from clients before that: back-pressure); the leader's own queue is bounded
// by the core (kBusy), the peer queues by PeerTransport, the log queue by the
// GroupCommitter.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "multipaxos/config.h"
#include "multipaxos/replica.h"
#include "runtime/metrics.h"
#include "runtime/peer_transport.h"
#include "smr/client_table.h"
#include "smr/command.h"
#include "smr/reply.h"
#include "storage/group_commit.h"
#include "storage/posix_disk.h"
#include "storage/snapshot_file.h"

namespace quorum::runtime {

struct HostOptions {
  NodeId self;
  std::map<NodeId, PeerAddress> peers;  // every member, self included
  std::string data_dir;
  bool fsync = true;                    // false only for comparisons: loses durability
  std::chrono::milliseconds tick{10};
  multipaxos::Timing timing;            // in ticks
  multipaxos::Limits limits;
  std::uint64_t snapshot_every_slots = 50'000;
  std::uint64_t snapshot_every_bytes = 64ull << 20;
  std::chrono::milliseconds retry_interval{1000};
  std::size_t max_waiting = 100'000;
  PeerTransportOptions transport;
};

struct HostStatus {
  NodeId id;
  std::string role;  // leader | follower | candidate
  NodeId leader;     // kNoNode when unknown
  std::string ballot;
  std::uint64_t commit_index = 0;
  std::uint64_t applied_index = 0;
  std::uint64_t compacted = 0;
  std::uint64_t log_records = 0;  // appended since start
  std::uint64_t log_bytes = 0;
  std::uint64_t waiting = 0;      // client requests not yet applied here
  std::uint64_t snapshots_taken = 0;
  std::uint64_t snapshots_installed = 0;
  std::uint64_t leader_changes = 0;
  std::uint64_t elections_won = 0;
  std::vector<PeerLinkStatus> peers;
  std::map<NodeId, std::uint64_t> peer_commit;  // what each peer last reported
};

class ReplicaHost {
 public:
  using Done = std::function<void(const smr::Reply&)>;

  ReplicaHost(asio::io_context& io, HostOptions options, Registry& metrics);
  ~ReplicaHost();
  ReplicaHost(const ReplicaHost&) = delete;
  ReplicaHost& operator=(const ReplicaHost&) = delete;

  // Recovers from data_dir (newest snapshot + the log after it), then starts
  // the transport and the timers. Throws std::runtime_error with a clear
  // message (file and offset for corruption) if the replica must not start.
  void start();
  void stop();

  // Runs a state-machine command through the log. `done` runs exactly once,
  // on the io_context thread (inline for an immediate error). The host picks
  // the session: one client-table session per request in flight, reused once
  // its request completes, so request numbers of a session never overtake
  // each other however the log reorders retries.
  void submit(smr::Command command, std::chrono::steady_clock::time_point deadline, Done done);
  std::size_t waiting() const { return waiting_.size(); }

  // Fault switch for tests (admin port).
  void block_peers(std::set<NodeId> peers) { transport_->block(std::move(peers)); }
  void heal() { transport_->heal(); }

  HostStatus status() const;
  bool is_leader() const { return replica_ && replica_->is_leader(); }

 private:
  struct SessionId {
    std::uint64_t client_id;
    std::uint64_t next_request_no;
  };
  struct Waiting {
    smr::Command argv;
    std::string command;  // encoded request
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point next_retry;
    Done done;
  };
  using Key = std::pair<std::uint64_t, std::uint64_t>;
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return std::hash<std::uint64_t>()(k.first * 1000003u ^ k.second); }
  };

  void recover();
  void on_message(Envelope e);
  void on_tick();
  void drain();
  void persist(const multipaxos::Write& w, std::vector<std::uint64_t>& compact_lsns);
  void on_durable_posted();
  void apply(const multipaxos::SlotValue& entry);
  void install(const multipaxos::SnapshotInstall& snap);
  void maybe_snapshot();
  void write_snapshot(std::uint64_t index, const std::string& bytes);
  void route(const std::string& command);
  void flush_forwards();
  void schedule_turn();
  void retry_waiting(bool all);
  void expire_waiting();
  void fail_stop(const std::string& why);
  SessionId take_session();
  void release_session(SessionId s);
  void issue(smr::Command argv, std::chrono::steady_clock::time_point deadline,
             std::chrono::steady_clock::time_point started, Done done);
  void complete(const Key& key, const smr::Reply& reply);

  asio::io_context& io_;
  HostOptions options_;
  Registry& metrics_;
  std::unique_ptr<storage::PosixDisk> wal_disk_;
  std::unique_ptr<storage::Disk> timed_wal_disk_;
  std::unique_ptr<storage::PosixDisk> snap_disk_;
  std::unique_ptr<storage::Disk> timed_snap_disk_;
  std::unique_ptr<storage::SnapshotStore> snapshots_;
  std::unique_ptr<storage::GroupCommitter> committer_;
  std::unique_ptr<multipaxos::Replica> replica_;
  std::unique_ptr<smr::Executor> executor_;
  std::unique_ptr<PeerTransport> transport_;
  asio::steady_timer ticker_;

  std::uint64_t applied_ = 0;
  std::uint64_t snapshot_index_ = 0;
  std::uint64_t bytes_since_snapshot_ = 0;
  std::uint64_t snapshots_taken_ = 0;
  std::uint64_t snapshots_installed_ = 0;
  std::uint64_t leader_changes_ = 0;
  std::uint64_t elections_won_ = 0;
  NodeId last_leader_;
  std::uint64_t client_counter_ = 0;
  std::uint64_t boot_nonce_ = 0;
  std::vector<SessionId> free_sessions_;
  bool draining_ = false;
  bool turn_posted_ = false;
  bool drain_again_ = false;
  std::uint64_t ticks_ = 0;
  struct PendingTruncation {
    std::uint64_t seq;  // durable once the core's write `seq` is
    std::shared_ptr<std::atomic<std::uint64_t>> first_lsn;
  };
  std::vector<PendingTruncation> truncations_;

  std::unordered_map<Key, Waiting, KeyHash> waiting_;
  std::map<NodeId, std::vector<std::string>> forward_buf_;

  // Durability acknowledgements from the committer thread.
  struct DurableMailbox;
  std::shared_ptr<DurableMailbox> mailbox_;
  std::uint64_t log_records_ = 0;
  std::uint64_t log_bytes_ = 0;

  // Metrics.
  Histogram* commit_latency_ = nullptr;
  Histogram* fsync_latency_ = nullptr;
  Counter* elections_ = nullptr;
  Counter* leader_changes_metric_ = nullptr;
  Counter* commands_applied_ = nullptr;
  Counter* timeouts_ = nullptr;
  Gauge* log_bytes_gauge_ = nullptr;
  Gauge* commit_index_gauge_ = nullptr;
  Gauge* follower_lag_ = nullptr;
  Gauge* waiting_gauge_ = nullptr;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace quorum::runtime
