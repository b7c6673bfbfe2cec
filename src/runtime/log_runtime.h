// LogRuntime<P>: one replica of log protocol P (multipaxos::Protocol,
// vsr::Protocol) run for real. The replica itself is the shared host
// (host/replica_host.h: the core, the state machine, recovery, snapshots,
// compaction and log truncation), the very code the simulator and the model
// checker run. This class adds only real I/O and client sessions:
//   - a WalStore (runtime/wal_store.h): files, fdatasync, the group-commit
//     thread, whose durability reports come back as host.on_durable();
//   - the peer transport (Asio TCP) and a steady timer for ticks;
//   - client requests: sessions for at-most-once execution, forwarding to
//     the leader, retries after a leader change, deadlines
//     (runtime/replica_host.h describes the contract).
#pragma once

#include <set>

#include "host/replica_host.h"
#include "runtime/replica_host.h"
#include "runtime/wal_store.h"

namespace quorum::runtime {

template <class P>
class LogRuntime final : public ReplicaHost, private host::Observer {
 public:
  LogRuntime(asio::io_context& io, HostOptions options, Registry& metrics);
  ~LogRuntime() override;
  LogRuntime(const LogRuntime&) = delete;
  LogRuntime& operator=(const LogRuntime&) = delete;

  void start() override;
  void stop() override;
  void submit(smr::Command command, std::chrono::steady_clock::time_point deadline, Done done) override;
  std::size_t waiting() const override { return waiting_.size(); }
  void block_peers(std::set<NodeId> peers) override { transport_->block(std::move(peers)); }
  void heal() override { transport_->heal(); }
  HostStatus status() const override;
  bool is_leader() const override { return host_ && host_->recovered() && host_->core().is_leader(); }

 private:
  using Host = host::ReplicaHost<P, WalStore>;
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

  // ---- what the host reports (host::Observer) ----
  void send(Envelope message) override;
  void fatal(const std::string& why) override;
  void applied(Slot slot, const smr::ClientRequest& request, const smr::Reply& reply) override;
  void undecodable(Slot slot, const Value& command, const std::string& why) override;
  void dropped(Value command) override;
  void became_leader() override;
  void leader_changed(NodeId leader) override;
  void snapshot_installed(Slot index, std::size_t bytes) override;

  void on_message(Envelope e);
  void on_tick();
  void route(const std::string& command);
  void flush_forwards();
  void schedule_turn();
  void retry_waiting(bool all);
  void expire_waiting();
  [[noreturn]] void fail_stop(const std::string& why);
  SessionId take_session();
  void release_session(SessionId s);
  void issue(smr::Command argv, std::chrono::steady_clock::time_point deadline,
             std::chrono::steady_clock::time_point started, Done done);
  void complete(const Key& key, const smr::Reply& reply);

  asio::io_context& io_;
  HostOptions options_;
  Registry& metrics_;
  std::unique_ptr<WalStore> store_;
  std::unique_ptr<Host> host_;
  std::unique_ptr<PeerTransport> transport_;
  asio::steady_timer ticker_;

  std::uint64_t client_counter_ = 0;
  std::uint64_t boot_nonce_ = 0;
  std::vector<SessionId> free_sessions_;
  bool turn_posted_ = false;
  std::uint64_t ticks_ = 0;

  std::unordered_map<Key, Waiting, KeyHash> waiting_;
  std::map<NodeId, std::vector<std::string>> forward_buf_;

  // Metrics.
  Histogram* commit_latency_ = nullptr;
  Histogram* fsync_latency_ = nullptr;
  Counter* elections_ = nullptr;
  Counter* leader_changes_metric_ = nullptr;
  Counter* commands_applied_ = nullptr;
  Counter* undecodable_ = nullptr;
  Counter* timeouts_ = nullptr;
  Gauge* log_bytes_gauge_ = nullptr;
  Gauge* commit_index_gauge_ = nullptr;
  Gauge* follower_lag_ = nullptr;
  Gauge* waiting_gauge_ = nullptr;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace quorum::runtime
