#include "runtime/log_runtime.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <utility>

#include "core/assert.h"
#include "host/replica_host_impl.h"
#include "multipaxos/protocol.h"
#include "vsr/protocol.h"

namespace quorum::runtime {

using Clock = std::chrono::steady_clock;

namespace {
// Free sessions kept for reuse; beyond this a finished one is forgotten (the
// client table evicts it in time).
constexpr std::size_t kMaxFreeSessions = 4096;
// A Forward carries at most this many bytes of commands.
constexpr std::size_t kMaxForwardBytes = 1 << 20;
constexpr std::uint64_t kHousekeepingTicks = 5;

bool is_session_expired(const smr::Reply& r) {
  return r.is_error() && r.str().rfind("ERR session expired", 0) == 0;
}
}  // namespace

template <class P>
LogRuntime<P>::LogRuntime(asio::io_context& io, HostOptions options, Registry& metrics)
    : io_(io), options_(std::move(options)), metrics_(metrics), ticker_(io) {
  // Commands are proposed once per turn of the event loop (end_turn), so all
  // that arrived together share a slot.
  options_.limits.propose_on_submit = false;
  commit_latency_ = &metrics_.histogram("quorum_commit_latency_seconds",
                                        "Client command latency at this replica: received to applied and answered",
                                        latency_buckets());
  fsync_latency_ = &metrics_.histogram("quorum_fsync_latency_seconds", "Write-ahead log fdatasync latency",
                                       latency_buckets());
  elections_ = &metrics_.counter("quorum_elections_won_total", "Times this replica became leader");
  leader_changes_metric_ = &metrics_.counter("quorum_leader_changes_total", "Leader changes seen by this replica");
  commands_applied_ = &metrics_.counter("quorum_commands_applied_total", "Commands applied to the state machine");
  undecodable_ = &metrics_.counter("quorum_undecodable_commands_total",
                                   "Committed commands that are not well-formed requests (skipped on every replica)");
  timeouts_ = &metrics_.counter("quorum_client_timeouts_total", "Client commands answered NOQUORUM");
  log_bytes_gauge_ = &metrics_.gauge("quorum_log_bytes_appended", "Write-ahead log bytes appended since start");
  commit_index_gauge_ = &metrics_.gauge("quorum_commit_index", "Highest slot known chosen (contiguously)");
  follower_lag_ = &metrics_.gauge("quorum_follower_lag_slots",
                                  "On the leader: the largest gap between its commit index and a follower's");
  waiting_gauge_ = &metrics_.gauge("quorum_client_requests_waiting", "Client commands not yet applied here");
  std::random_device rd;
  boot_nonce_ = (static_cast<std::uint64_t>(rd()) & 0xFFFFF) | 1;
}

template <class P>
LogRuntime<P>::~LogRuntime() {
  *alive_ = false;
  stop();
}

template <class P>
void LogRuntime<P>::fail_stop(const std::string& why) {
  // A replica that cannot persist must not go on answering: it would promise
  // what it cannot remember.
  std::fprintf(stderr, "quorum: replica %s stopping: %s\n", options_.self.to_string().c_str(), why.c_str());
  std::fflush(stderr);
  std::_Exit(70);
}

template <class P>
void LogRuntime<P>::start() {
  WalStoreOptions store;
  store.data_dir = options_.data_dir;
  store.fsync = options_.fsync;
  store.fsync_latency = fsync_latency_;
  store.on_durable = [this](std::uint64_t seq) {
    if (!stopped_) host_->on_durable(seq);
  };
  store.on_failure = [this](const std::string& why) { fail_stop(why); };
  store_ = std::make_unique<WalStore>(io_, std::move(store));
  NodeSet members = NodeSet::first_n(static_cast<std::uint32_t>(options_.peers.size()));
  std::random_device rd;
  typename Host::Config config{options_.self,
                               QuorumSystem::majority(members),
                               options_.timing,
                               options_.limits,
                               {},
                               (static_cast<std::uint64_t>(rd()) << 32) | rd(),
                               {options_.snapshot_every_slots, options_.snapshot_every_bytes}};
  host_ = std::make_unique<Host>(config, *store_, static_cast<host::Observer&>(*this));
  auto recovered = host_->recover();
  if (!recovered.ok()) {
    const host::RecoveryError& e = recovered.error();
    switch (e.kind) {
      case host::RecoveryError::Kind::kStorage:
        throw std::runtime_error("cannot recover from " + options_.data_dir + ": " + e.message);
      case host::RecoveryError::Kind::kRecord:
      case host::RecoveryError::Kind::kSnapshot:
      case host::RecoveryError::Kind::kInconsistent:
        throw std::runtime_error(e.message);
    }
  }
  std::fprintf(stderr, "quorum: replica %s (%s) recovered: %s, snapshot at slot %llu\n",
               options_.self.to_string().c_str(), P::kName, recovered.value().durable.c_str(),
               static_cast<unsigned long long>(recovered.value().snapshot_index.value()));
  transport_ = std::make_unique<PeerTransport>(
      io_, options_.self, options_.peers, [this](Envelope e) { on_message(std::move(e)); }, options_.transport);
  transport_->start();
  ticker_.expires_after(options_.tick);
  ticker_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec) return;
    on_tick();
  });
  host_->end_turn();
}

template <class P>
void LogRuntime<P>::stop() {
  if (stopped_) return;
  stopped_ = true;
  ticker_.cancel();
  if (transport_) transport_->stop();
  if (store_) store_->stop();
  for (auto& [key, w] : waiting_) {
    if (w.done) w.done(smr::Reply::error("NOQUORUM replica shutting down"));
  }
  waiting_.clear();
}

// ------------------------------------------------------------ client commands

template <class P>
typename LogRuntime<P>::SessionId LogRuntime<P>::take_session() {
  if (!free_sessions_.empty()) {
    SessionId s = free_sessions_.back();
    free_sessions_.pop_back();
    return s;
  }
  // Unique across replicas (node id) and across restarts of this one (a
  // random boot nonce), so no two live sessions ever share an id.
  const std::uint64_t id = (boot_nonce_ << 40) | (std::uint64_t{options_.self.value()} << 32) | ++client_counter_;
  return SessionId{id, 1};
}

template <class P>
void LogRuntime<P>::release_session(SessionId s) {
  if (free_sessions_.size() < kMaxFreeSessions) free_sessions_.push_back(s);
}

template <class P>
void LogRuntime<P>::submit(smr::Command command, Clock::time_point deadline, Done done) {
  if (stopped_) return done(smr::Reply::error("NOQUORUM replica shutting down"));
  if (waiting_.size() >= options_.max_waiting) {
    return done(smr::Reply::error("BUSY too many commands waiting at this replica"));
  }
  issue(std::move(command), deadline, Clock::now(), std::move(done));
}

template <class P>
void LogRuntime<P>::issue(smr::Command argv, Clock::time_point deadline, Clock::time_point started, Done done) {
  SessionId s = take_session();
  smr::ClientRequest req{s.client_id, s.next_request_no, std::move(argv)};
  std::string encoded = smr::encode_request(req);
  const Key key{req.client_id, req.request_no};
  Waiting w{std::move(req.command), encoded, deadline, started, Clock::now() + options_.retry_interval,
            std::move(done)};
  waiting_.emplace(key, std::move(w));
  route(encoded);
}

template <class P>
void LogRuntime<P>::complete(const Key& key, const smr::Reply& reply) {
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return;
  Waiting w = std::move(it->second);
  waiting_.erase(it);
  if (is_session_expired(reply)) {
    // The client table forgot this session (evicted while idle) and refused
    // the request without running it, so it is safe to run it again under a
    // fresh session.
    return issue(std::move(w.argv), w.deadline, w.started, std::move(w.done));
  }
  release_session(SessionId{key.first, key.second + 1});
  commit_latency_->observe(std::chrono::duration<double>(Clock::now() - w.started).count());
  w.done(reply);
}

template <class P>
void LogRuntime<P>::route(const std::string& command) {
  if (host_->core().is_leader()) {
    // kBusy: the leader's queue is full; the retry timer offers it again.
    (void)host_->submit(command);
    schedule_turn();
    return;
  }
  NodeId leader = host_->core().leader_hint();
  if (leader != kNoNode && leader != options_.self) {
    forward_buf_[leader].push_back(command);
    schedule_turn();
  }
  // No leader known: wait for one (retry_waiting on the next leader change).
}

template <class P>
void LogRuntime<P>::schedule_turn() {
  if (turn_posted_) return;
  turn_posted_ = true;
  // Posted behind every handler already ready to run (other connections'
  // reads, peer messages), so this turn's commands batch together.
  asio::post(io_, [this, alive = alive_] {
    if (!*alive || stopped_) return;
    turn_posted_ = false;
    host_->end_turn();
    flush_forwards();
  });
}

template <class P>
void LogRuntime<P>::flush_forwards() {
  for (auto& [to, commands] : forward_buf_) {
    Forward f;
    std::size_t bytes = 0;
    for (std::string& c : commands) {
      if (!f.commands.empty() && bytes + c.size() > kMaxForwardBytes) {
        transport_->send(Envelope{options_.self, to, std::move(f)});
        f = Forward{};
        bytes = 0;
      }
      bytes += c.size();
      f.commands.push_back(std::move(c));
    }
    if (!f.commands.empty()) transport_->send(Envelope{options_.self, to, std::move(f)});
  }
  forward_buf_.clear();
}

template <class P>
void LogRuntime<P>::retry_waiting(bool all) {
  const auto now = Clock::now();
  for (auto& [key, w] : waiting_) {
    if (!all && w.next_retry > now) continue;
    w.next_retry = now + options_.retry_interval;
    route(w.command);
  }
}

template <class P>
void LogRuntime<P>::expire_waiting() {
  const auto now = Clock::now();
  std::vector<Key> expired;
  for (const auto& [key, w] : waiting_) {
    if (w.deadline <= now) expired.push_back(key);
  }
  for (const Key& key : expired) {
    auto it = waiting_.find(key);
    Waiting w = std::move(it->second);
    waiting_.erase(it);
    // The command may still commit later; the next request of this session
    // has a higher number, so a late copy is refused as stale, never run
    // after it.
    release_session(SessionId{key.first, key.second + 1});
    timeouts_->inc();
    w.done(smr::Reply::error("NOQUORUM no quorum answered in time (the command may or may not have run)"));
  }
}

// ------------------------------------------------------------ the core

template <class P>
void LogRuntime<P>::on_message(Envelope e) {
  if (stopped_) return;
  if (auto* f = std::get_if<Forward>(&e.payload)) {
    if (!host_->core().is_leader()) return;  // stale hint: the sender retries
    for (std::string& c : f->commands) {
      auto req = smr::decode_request(c);
      // Only well-formed session requests enter the log.
      if (!req.ok() || req.value().client_id == smr::kNoSession) continue;
      (void)host_->submit(std::move(c));
    }
    schedule_turn();
    return;
  }
  host_->step(e);
  // An Accepted may have advanced the commit index: followers hear of it at
  // the end of this turn (announce_commit), not at the next heartbeat.
  if (host_->core().is_leader()) schedule_turn();
}

template <class P>
void LogRuntime<P>::on_tick() {
  if (stopped_) return;
  host_->tick();
  if (++ticks_ % kHousekeepingTicks == 0) {
    expire_waiting();
    retry_waiting(false);
    const auto& core = host_->core();
    commit_index_gauge_->set(static_cast<double>(core.commit_index().value()));
    waiting_gauge_->set(static_cast<double>(waiting_.size()));
    log_bytes_gauge_->set(static_cast<double>(host_->stats().log_bytes));
    double lag = 0;
    if (core.is_leader()) {
      for (const auto& [id, addr] : options_.peers) {
        if (id == options_.self) continue;
        const auto peer = core.peer_commit(id).value();
        const auto mine = core.commit_index().value();
        lag = std::max(lag, static_cast<double>(mine > peer ? mine - peer : 0));
      }
    }
    follower_lag_->set(lag);
  }
  ticker_.expires_at(ticker_.expiry() + options_.tick);
  ticker_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec) return;
    on_tick();
  });
}

// ------------------------------------------------------------ what the host reports

template <class P>
void LogRuntime<P>::send(Envelope message) {
  transport_->send(std::move(message));
}

template <class P>
void LogRuntime<P>::fatal(const std::string& why) {
  fail_stop(why);
}

template <class P>
void LogRuntime<P>::applied(Slot, const smr::ClientRequest& request, const smr::Reply& reply) {
  commands_applied_->inc();
  complete(Key{request.client_id, request.request_no}, reply);
}

template <class P>
void LogRuntime<P>::undecodable(Slot slot, const Value&, const std::string& why) {
  // Every replica skips the same bytes, so they stay equal; but the leader
  // admits only well-formed requests, so a peer is misbehaving.
  undecodable_->inc();
  std::fprintf(stderr, "quorum: replica %s skipped a committed command at slot %llu that does not decode: %s\n",
               options_.self.to_string().c_str(), static_cast<unsigned long long>(slot.value()), why.c_str());
}

template <class P>
void LogRuntime<P>::dropped(Value command) {
  route(command);
}

template <class P>
void LogRuntime<P>::became_leader() {
  elections_->inc();
  std::fprintf(stderr, "quorum: replica %s leads at %s %s (commit index %llu)\n", options_.self.to_string().c_str(),
               P::kEpoch, P::epoch(host_->core()).c_str(),
               static_cast<unsigned long long>(host_->core().commit_index().value()));
}

template <class P>
void LogRuntime<P>::leader_changed(NodeId leader) {
  if (leader != options_.self) {
    std::fprintf(stderr, "quorum: replica %s follows replica %s (%s %s, commit index %llu)\n",
                 options_.self.to_string().c_str(), leader.to_string().c_str(), P::kEpoch,
                 P::epoch(host_->core()).c_str(),
                 static_cast<unsigned long long>(host_->core().commit_index().value()));
  }
  leader_changes_metric_->inc();
  retry_waiting(true);  // a new leader: offer it everything not yet applied
}

template <class P>
void LogRuntime<P>::snapshot_installed(Slot index, std::size_t bytes) {
  std::fprintf(stderr, "quorum: replica %s installed a snapshot at slot %llu (%zu bytes)\n",
               options_.self.to_string().c_str(), static_cast<unsigned long long>(index.value()), bytes);
}

template <class P>
HostStatus LogRuntime<P>::status() const {
  HostStatus s;
  s.id = options_.self;
  s.protocol = P::kName;
  s.waiting = waiting_.size();
  if (transport_) s.peers = transport_->links();
  if (!host_ || !host_->recovered()) {
    s.role = "starting";
    s.leader = kNoNode;
    return s;
  }
  const auto& core = host_->core();
  const host::HostStats& stats = host_->stats();
  s.role = core.role_name();
  s.leader = host_->leader();
  s.ballot = P::epoch(core);
  s.commit_index = core.commit_index().value();
  s.applied_index = host_->applied().value();
  s.compacted = core.compacted().value();
  s.log_records = stats.log_records;
  s.log_bytes = stats.log_bytes;
  s.snapshots_taken = stats.snapshots_taken;
  s.snapshots_installed = stats.snapshots_installed;
  s.leader_changes = stats.leader_changes;
  s.elections_won = stats.elections_won;
  for (const auto& [id, addr] : options_.peers) {
    if (id != options_.self) s.peer_commit[id] = core.peer_commit(id).value();
  }
  return s;
}

template class LogRuntime<multipaxos::Protocol>;
template class LogRuntime<vsr::Protocol>;

std::unique_ptr<ReplicaHost> make_replica_host(asio::io_context& io, HostOptions options, Registry& metrics) {
  if (options.protocol == "multipaxos") return std::make_unique<LogRuntime<multipaxos::Protocol>>(io, std::move(options), metrics);
  if (options.protocol == "vsr") return std::make_unique<LogRuntime<vsr::Protocol>>(io, std::move(options), metrics);
  return nullptr;
}

}  // namespace quorum::runtime

namespace quorum::host {
template class ReplicaHost<multipaxos::Protocol, runtime::WalStore>;
template class ReplicaHost<vsr::Protocol, runtime::WalStore>;
}  // namespace quorum::host
