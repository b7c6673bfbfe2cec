#include "runtime/log_host.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <utility>

#include "core/assert.h"
#include "core/record_codec.h"
#include "runtime/timed_disk.h"
#include "smr/kv_store.h"
#include "storage/wal.h"
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

// Durability acknowledgements, handed from the group-commit thread to the
// event loop: the newest durable write number, and at most one post in
// flight however many records complete.
template <class P>
struct LogHost<P>::DurableMailbox {
  std::atomic<std::uint64_t> seq{0};
  std::atomic<bool> posted{false};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string error;  // guarded by mu
};

template <class P>
LogHost<P>::LogHost(asio::io_context& io, HostOptions options, Registry& metrics)
    : io_(io), options_(std::move(options)), metrics_(metrics), ticker_(io), mailbox_(std::make_shared<DurableMailbox>()) {
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
LogHost<P>::~LogHost() {
  *alive_ = false;
  stop();
}

template <class P>
void LogHost<P>::fail_stop(const std::string& why) {
  // A replica that cannot persist must not go on answering: it would promise
  // what it cannot remember.
  std::fprintf(stderr, "quorum: replica %s stopping: %s\n", options_.self.to_string().c_str(), why.c_str());
  std::fflush(stderr);
  std::_Exit(70);
}

template <class P>
void LogHost<P>::recover() {
  auto wal_disk = storage::PosixDisk::open(options_.data_dir);
  if (!wal_disk.ok()) throw std::runtime_error("cannot open data directory: " + wal_disk.error().to_string());
  wal_disk_ = std::move(wal_disk).value();
  auto snap_disk = storage::PosixDisk::open(options_.data_dir);
  if (!snap_disk.ok()) throw std::runtime_error("cannot open data directory: " + snap_disk.error().to_string());
  snap_disk_ = std::move(snap_disk).value();
  Histogram* fsync = fsync_latency_;
  timed_wal_disk_ = std::make_unique<TimedDisk>(*wal_disk_, options_.fsync, [fsync](double s) { fsync->observe(s); });
  timed_snap_disk_ = std::make_unique<TimedDisk>(*snap_disk_, options_.fsync, [](double) {});
  snapshots_ = std::make_unique<storage::SnapshotStore>(*timed_snap_disk_);

  auto loaded = snapshots_->load_latest();
  if (!loaded.ok()) throw std::runtime_error("cannot load snapshots: " + loaded.error().to_string());
  if (!loaded.value().corrupted.empty()) {
    // Falling back to an older snapshot could forget slots the log no longer
    // has; an operator must decide (or rebuild the replica from its peers).
    throw std::runtime_error("corrupted snapshot: " + loaded.value().corrupted.front());
  }
  executor_ = std::make_unique<smr::Executor>(std::make_unique<smr::KvStore>());
  RecoveredSnapshot snap;
  if (const auto& file = loaded.value().snapshot) {
    auto restored = executor_->restore(file->data);
    if (!restored.ok()) throw std::runtime_error("snapshot " + loaded.value().file + ": " + restored.error());
    snap = {Slot{file->last_included_index}, std::make_shared<const std::string>(file->data)};
    applied_ = snapshot_index_ = file->last_included_index;
  }

  typename P::DurableState recovered;
  std::string bad;
  storage::WalRecoveryInfo info;
  auto wal = storage::Wal::open(
      *timed_wal_disk_, storage::WalOptions{},
      [&](storage::Lsn lsn, std::uint8_t type, std::string_view payload) {
        if (!bad.empty()) return;
        if (type != static_cast<std::uint8_t>(P::kRecordType)) {
          bad = fmt::format("log record {} has type {}, not a {} record", lsn.value(), type, P::kName);
          return;
        }
        auto rec = P::decode(payload);
        if (!rec.ok()) {
          bad = fmt::format("log record {} does not decode: {}", lsn.value(), rec.error());
          return;
        }
        recovered.apply(rec.value());
      },
      &info);
  if (!wal.ok()) throw std::runtime_error("cannot recover the write-ahead log: " + wal.error().to_string());
  if (!bad.empty()) throw std::runtime_error(bad);
  if (recovered.compacted > snap.index) {
    throw std::runtime_error(fmt::format("the log was compacted to slot {} but the newest snapshot covers only {}",
                                         recovered.compacted.value(), snap.index.value()));
  }
  committer_ = std::make_unique<storage::GroupCommitter>(std::move(wal).value());

  NodeSet members = NodeSet::first_n(static_cast<std::uint32_t>(options_.peers.size()));
  std::random_device rd;
  typename P::Config config{options_.self, QuorumSystem::majority(members), options_.timing, options_.limits, {},
                            (static_cast<std::uint64_t>(rd()) << 32) | rd()};
  replica_ = std::make_unique<typename P::Replica>(config, recovered, snap);
  std::fprintf(stderr, "quorum: replica %s (%s) recovered: %s, snapshot at slot %llu\n",
               options_.self.to_string().c_str(), P::kName, P::describe(recovered).c_str(),
               static_cast<unsigned long long>(snap.index.value()));
}

template <class P>
void LogHost<P>::start() {
  recover();
  transport_ = std::make_unique<PeerTransport>(
      io_, options_.self, options_.peers, [this](Envelope e) { on_message(std::move(e)); }, options_.transport);
  transport_->start();
  ticker_.expires_after(options_.tick);
  ticker_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec) return;
    on_tick();
  });
  drain();
}

template <class P>
void LogHost<P>::stop() {
  if (stopped_) return;
  stopped_ = true;
  ticker_.cancel();
  if (transport_) transport_->stop();
  if (committer_) committer_->stop();
  for (auto& [key, w] : waiting_) {
    if (w.done) w.done(smr::Reply::error("NOQUORUM replica shutting down"));
  }
  waiting_.clear();
}

// ------------------------------------------------------------ client commands

template <class P>
typename LogHost<P>::SessionId LogHost<P>::take_session() {
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
void LogHost<P>::release_session(SessionId s) {
  if (free_sessions_.size() < kMaxFreeSessions) free_sessions_.push_back(s);
}

template <class P>
void LogHost<P>::submit(smr::Command command, Clock::time_point deadline, Done done) {
  if (stopped_) return done(smr::Reply::error("NOQUORUM replica shutting down"));
  if (waiting_.size() >= options_.max_waiting) {
    return done(smr::Reply::error("BUSY too many commands waiting at this replica"));
  }
  issue(std::move(command), deadline, Clock::now(), std::move(done));
  drain();
}

template <class P>
void LogHost<P>::issue(smr::Command argv, Clock::time_point deadline, Clock::time_point started, Done done) {
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
void LogHost<P>::complete(const Key& key, const smr::Reply& reply) {
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
void LogHost<P>::route(const std::string& command) {
  if (replica_->is_leader()) {
    // kBusy: the leader's queue is full; the retry timer offers it again.
    (void)replica_->submit(command);
    schedule_turn();
    return;
  }
  NodeId leader = replica_->leader_hint();
  if (leader != kNoNode && leader != options_.self) {
    forward_buf_[leader].push_back(command);
    schedule_turn();
  }
  // No leader known: wait for one (retry_waiting on the next leader change).
}

template <class P>
void LogHost<P>::schedule_turn() {
  if (turn_posted_) return;
  turn_posted_ = true;
  // Posted behind every handler already ready to run (other connections'
  // reads, peer messages), so this turn's commands batch together.
  asio::post(io_, [this, alive = alive_] {
    if (!*alive || stopped_) return;
    turn_posted_ = false;
    replica_->propose();
    replica_->announce_commit();
    drain();
    flush_forwards();
  });
}

template <class P>
void LogHost<P>::flush_forwards() {
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
void LogHost<P>::retry_waiting(bool all) {
  const auto now = Clock::now();
  for (auto& [key, w] : waiting_) {
    if (!all && w.next_retry > now) continue;
    w.next_retry = now + options_.retry_interval;
    route(w.command);
  }
}

template <class P>
void LogHost<P>::expire_waiting() {
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
void LogHost<P>::on_message(Envelope e) {
  if (stopped_) return;
  if (auto* f = std::get_if<Forward>(&e.payload)) {
    if (!replica_->is_leader()) return;  // stale hint: the sender retries
    for (std::string& c : f->commands) {
      auto req = smr::decode_request(c);
      // Only well-formed session requests enter the log.
      if (!req.ok() || req.value().client_id == smr::kNoSession) continue;
      (void)replica_->submit(std::move(c));
    }
    schedule_turn();
    return;
  }
  replica_->step(e);
  drain();
  // An Accepted may have advanced the commit index: followers hear of it at
  // the end of this turn (announce_commit), not at the next heartbeat.
  if (replica_->is_leader()) schedule_turn();
}

template <class P>
void LogHost<P>::on_tick() {
  if (stopped_) return;
  replica_->tick();
  if (++ticks_ % kHousekeepingTicks == 0) {
    expire_waiting();
    retry_waiting(false);
    commit_index_gauge_->set(static_cast<double>(replica_->commit_index().value()));
    waiting_gauge_->set(static_cast<double>(waiting_.size()));
    log_bytes_gauge_->set(static_cast<double>(log_bytes_));
    double lag = 0;
    if (replica_->is_leader()) {
      for (const auto& [id, addr] : options_.peers) {
        if (id == options_.self) continue;
        const auto peer = replica_->peer_commit(id).value();
        const auto mine = replica_->commit_index().value();
        lag = std::max(lag, static_cast<double>(mine > peer ? mine - peer : 0));
      }
    }
    follower_lag_->set(lag);
  }
  drain();
  ticker_.expires_at(ticker_.expiry() + options_.tick);
  ticker_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec) return;
    on_tick();
  });
}

template <class P>
void LogHost<P>::on_durable_posted() {
  mailbox_->posted.store(false, std::memory_order_release);
  if (mailbox_->failed.load()) {
    std::lock_guard<std::mutex> lock(mailbox_->mu);
    fail_stop("the write-ahead log failed: " + mailbox_->error);
  }
  const std::uint64_t seq = mailbox_->seq.load(std::memory_order_acquire);
  replica_->on_durable(seq);
  // The log before a compaction may go once the compaction records are durable.
  auto it = truncations_.begin();
  while (it != truncations_.end()) {
    if (it->seq > seq) {
      ++it;
      continue;
    }
    (void)committer_->truncate_prefix(storage::Lsn{it->first_lsn->load()});
    it = truncations_.erase(it);
  }
  drain();
}

template <class P>
void LogHost<P>::persist(const typename P::Write& w, std::vector<std::uint64_t>& compact_seqs) {
  std::string payload = encode_record(w.record);
  log_bytes_ += payload.size();
  ++log_records_;
  const bool compaction = std::holds_alternative<typename P::CompactRecord>(w.record);
  std::shared_ptr<std::atomic<std::uint64_t>> first_lsn;
  if (compaction && compact_seqs.empty()) {
    first_lsn = std::make_shared<std::atomic<std::uint64_t>>(0);
    truncations_.push_back(PendingTruncation{w.seq, first_lsn});
  }
  if (compaction) {
    compact_seqs.push_back(w.seq);
    truncations_.back().seq = w.seq;  // truncate once the last one is durable
  }
  auto mailbox = mailbox_;
  asio::io_context* io = &io_;
  std::weak_ptr<bool> alive = alive_;
  const std::uint64_t seq = w.seq;
  committer_->submit(static_cast<std::uint8_t>(P::kRecordType), std::move(payload),
                     [this, mailbox, io, alive, seq, first_lsn](const storage::StorageResult<storage::Lsn>& r) {
                       // On the group-commit thread.
                       if (!r.ok()) {
                         std::lock_guard<std::mutex> lock(mailbox->mu);
                         if (mailbox->error.empty()) mailbox->error = r.error().to_string();
                         mailbox->failed.store(true);
                       } else {
                         if (first_lsn) first_lsn->store(r.value().value());
                         mailbox->seq.store(seq, std::memory_order_release);
                       }
                       if (!mailbox->posted.exchange(true)) {
                         asio::post(*io, [this, alive] {
                           auto a = alive.lock();
                           if (!a || !*a || stopped_) return;
                           on_durable_posted();
                         });
                       }
                     });
}

template <class P>
void LogHost<P>::drain() {
  if (draining_) {
    drain_again_ = true;
    return;
  }
  draining_ = true;
  // Applying answers clients, whose next pipelined command may produce more
  // output: loop until the core is quiet.
  for (int round = 0; round < 64; ++round) {
    drain_again_ = false;
    auto out = replica_->take_output();
    std::vector<std::uint64_t> compact_seqs;
    for (const typename P::Write& w : out.writes) persist(w, compact_seqs);
    for (Envelope& e : out.messages) transport_->send(std::move(e));
    if (out.became_leader) {
      ++elections_won_;
      elections_->inc();
      std::fprintf(stderr, "quorum: replica %s leads at %s %s (commit index %llu)\n",
                   options_.self.to_string().c_str(), P::kEpoch, replica_->promised().to_string().c_str(),
                   static_cast<unsigned long long>(replica_->commit_index().value()));
    }
    const NodeId leader = replica_->is_leader() ? options_.self : replica_->leader_hint();
    if (leader != kNoNode && leader != last_leader_) {
      if (leader != options_.self) {
        std::fprintf(stderr, "quorum: replica %s follows replica %s (%s %s, commit index %llu)\n",
                     options_.self.to_string().c_str(), leader.to_string().c_str(), P::kEpoch,
                     replica_->promised().to_string().c_str(),
                     static_cast<unsigned long long>(replica_->commit_index().value()));
      }
      last_leader_ = leader;
      ++leader_changes_;
      leader_changes_metric_->inc();
      retry_waiting(true);  // a new leader: offer it everything not yet applied
    }
    for (const Value& v : out.dropped) route(v);
    if (out.snapshot) install(*out.snapshot);
    for (const multipaxos::SlotValue& entry : out.committed) apply(entry);
    if (!out.committed.empty()) maybe_snapshot();
    const bool idle = out.writes.empty() && out.messages.empty() && out.committed.empty() && !out.snapshot &&
                      out.dropped.empty();
    if (idle && !drain_again_) break;
  }
  draining_ = false;
}

template <class P>
void LogHost<P>::apply(const multipaxos::SlotValue& entry) {
  const std::uint64_t n = entry.slot.value();
  QUORUM_INVARIANT("AppliedInLogOrder", n == applied_ + 1,
                   fmt::format("applying slot {} after {}", n, applied_));
  for (const Value& bytes : entry.value.commands) {
    auto req = smr::decode_request(bytes);
    // Every replica sees the same bytes, so skipping is deterministic; the
    // leader admits only well-formed requests, so this is a peer bug.
    if (!req.ok()) continue;
    smr::Reply reply = executor_->execute(req.value(), n);
    bytes_since_snapshot_ += bytes.size();
    commands_applied_->inc();
    complete(Key{req.value().client_id, req.value().request_no}, reply);
  }
  applied_ = n;
}

template <class P>
void LogHost<P>::write_snapshot(std::uint64_t index, const std::string& bytes) {
  auto written = snapshots_->write(storage::Snapshot{index, P::kName, bytes});
  if (!written.ok()) fail_stop("cannot write a snapshot: " + written.error().to_string());
}

template <class P>
void LogHost<P>::install(const SnapshotInstall& snap) {
  auto restored = executor_->restore(*snap.bytes);
  // A snapshot that does not restore came from a peer: refuse it loudly
  // rather than diverge (the core would keep asking).
  if (!restored.ok()) fail_stop("a peer's snapshot does not restore: " + restored.error());
  write_snapshot(snap.index.value(), *snap.bytes);
  applied_ = snapshot_index_ = snap.index.value();
  bytes_since_snapshot_ = 0;
  replica_->compact(snap.index, snap.bytes);
  ++snapshots_installed_;
  std::fprintf(stderr, "quorum: replica %s installed a snapshot at slot %llu (%zu bytes)\n",
               options_.self.to_string().c_str(), static_cast<unsigned long long>(snap.index.value()),
               snap.bytes->size());
}

template <class P>
void LogHost<P>::maybe_snapshot() {
  const std::uint64_t slots = applied_ - snapshot_index_;
  const bool by_slots = options_.snapshot_every_slots != 0 && slots >= options_.snapshot_every_slots;
  const bool by_bytes =
      options_.snapshot_every_bytes != 0 && slots > 0 && bytes_since_snapshot_ >= options_.snapshot_every_bytes;
  if (!by_slots && !by_bytes) return;
  auto bytes = std::make_shared<const std::string>(executor_->snapshot());
  write_snapshot(applied_, *bytes);
  replica_->compact(Slot{applied_}, bytes);
  snapshot_index_ = applied_;
  bytes_since_snapshot_ = 0;
  ++snapshots_taken_;
}

template <class P>
HostStatus LogHost<P>::status() const {
  HostStatus s;
  s.id = options_.self;
  s.protocol = P::kName;
  s.role = replica_ ? replica_->role_name() : "starting";
  s.leader = replica_ ? (replica_->is_leader() ? options_.self : replica_->leader_hint()) : kNoNode;
  s.ballot = replica_ ? replica_->promised().to_string() : "";
  s.commit_index = replica_ ? replica_->commit_index().value() : 0;
  s.applied_index = applied_;
  s.compacted = replica_ ? replica_->compacted().value() : 0;
  s.log_records = log_records_;
  s.log_bytes = log_bytes_;
  s.waiting = waiting_.size();
  s.snapshots_taken = snapshots_taken_;
  s.snapshots_installed = snapshots_installed_;
  s.leader_changes = leader_changes_;
  s.elections_won = elections_won_;
  if (transport_) s.peers = transport_->links();
  if (replica_) {
    for (const auto& [id, addr] : options_.peers) {
      if (id != options_.self) s.peer_commit[id] = replica_->peer_commit(id).value();
    }
  }
  return s;
}

template class LogHost<multipaxos::Protocol>;
template class LogHost<vsr::Protocol>;

std::unique_ptr<ReplicaHost> make_replica_host(asio::io_context& io, HostOptions options, Registry& metrics) {
  if (options.protocol == "multipaxos") return std::make_unique<LogHost<multipaxos::Protocol>>(io, std::move(options), metrics);
  if (options.protocol == "vsr") return std::make_unique<LogHost<vsr::Protocol>>(io, std::move(options), metrics);
  return nullptr;
}

}  // namespace quorum::runtime
