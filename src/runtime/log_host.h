// LogHost<P>: the ReplicaHost for one log protocol P (multipaxos::Protocol,
// vsr::Protocol): the core, the write-ahead log with group commit, the
// snapshots, the peer transport and the state machine (see replica_host.h
// for what it does; log_host.cc for how).
#pragma once

#include <set>

#include "core/log_output.h"
#include "runtime/replica_host.h"

namespace quorum::runtime {

template <class P>
class LogHost final : public ReplicaHost {
 public:
  LogHost(asio::io_context& io, HostOptions options, Registry& metrics);
  ~LogHost() override;
  LogHost(const LogHost&) = delete;
  LogHost& operator=(const LogHost&) = delete;

  // Recovers from data_dir (newest snapshot + the log after it), then starts
  // the transport and the timers. Throws std::runtime_error with a clear
  // message (file and offset for corruption) if the replica must not start.
  void start() override;
  void stop() override;

  // Runs a state-machine command through the log. `done` runs exactly once,
  // on the io_context thread (inline for an immediate error). The host picks
  // the session: one client-table session per request in flight, reused once
  // its request completes, so request numbers of a session never overtake
  // each other however the log reorders retries.
  void submit(smr::Command command, std::chrono::steady_clock::time_point deadline, Done done) override;
  std::size_t waiting() const override { return waiting_.size(); }

  // Fault switch for tests (admin port).
  void block_peers(std::set<NodeId> peers) override { transport_->block(std::move(peers)); }
  void heal() override { transport_->heal(); }

  HostStatus status() const override;
  bool is_leader() const override { return replica_ && replica_->is_leader(); }

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
  void persist(const typename P::Write& w, std::vector<std::uint64_t>& compact_lsns);
  void on_durable_posted();
  void apply(const multipaxos::SlotValue& entry);
  void install(const SnapshotInstall& snap);
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
  std::unique_ptr<typename P::Replica> replica_;
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
