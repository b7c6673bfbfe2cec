#include "sim/log_cluster.h"

#include "host/replica_host_impl.h"
#include "vsr/protocol.h"

namespace quorum::sim {

template <class P>
LogCluster<P>::LogCluster(const Options& options, std::uint64_t seed, Trace* trace)
    : options_(options),
      prng_(seed),
      trace_(trace),
      network_(options.replicas, options.network, prng_.fork()),
      slots_(options.replicas) {
  QUORUM_ASSERT(options.replicas >= 1 && options.replicas <= kMaxNodes, "cluster size out of range");
  for (std::uint32_t i = 1; i <= options.replicas; ++i) {
    ReplicaSlot& s = slots_[i - 1];
    s.storage = std::make_unique<SimStorage>(options_.storage, prng_.fork());
    s.observer = std::make_unique<SlotObserver>(*this, NodeId{i});
  }
  for (std::uint32_t i = 1; i <= options.replicas; ++i) restart(NodeId{i});
}

template <class P>
typename LogCluster<P>::ReplicaSlot& LogCluster<P>::slot(NodeId id) {
  QUORUM_ASSERT(id.value() >= 1 && id.value() <= options_.replicas, "no such replica");
  return slots_[id.value() - 1];
}
template <class P>
const typename LogCluster<P>::ReplicaSlot& LogCluster<P>::slot(NodeId id) const {
  QUORUM_ASSERT(id.value() >= 1 && id.value() <= options_.replicas, "no such replica");
  return slots_[id.value() - 1];
}

template <class P>
const typename P::Replica* LogCluster<P>::replica(NodeId id) const {
  const ReplicaSlot& s = slot(id);
  return s.host ? &s.host->core() : nullptr;
}

template <class P>
const smr::Executor* LogCluster<P>::executor(NodeId id) const {
  const ReplicaSlot& s = slot(id);
  return s.host ? &s.host->state() : nullptr;
}

template <class P>
NodeId LogCluster<P>::leader() const {
  NodeId best = kNoNode;
  for (std::uint32_t i = 1; i <= options_.replicas; ++i) {
    const Replica* r = replica(NodeId{i});
    if (r == nullptr || !r->is_leader()) continue;
    if (best == kNoNode || r->promised() > replica(best)->promised()) best = NodeId{i};
  }
  return best;
}

template <class P>
std::uint64_t LogCluster<P>::lost_writes() const {
  std::uint64_t n = 0;
  for (const ReplicaSlot& s : slots_) n += s.storage->lost_records();
  return n;
}

template <class P>
std::uint64_t LogCluster<P>::torn_writes() const {
  std::uint64_t n = 0;
  for (const ReplicaSlot& s : slots_) n += s.storage->disk_stats().torn_writes;
  return n;
}

template <class P>
void LogCluster<P>::crash(NodeId id) {
  ReplicaSlot& s = slot(id);
  if (!s.host) return;
  s.storage->crash();
  s.host.reset();
  s.waiting.clear();
  record("crash " + id.to_string());
}

template <class P>
bool LogCluster<P>::corrupt_disk(NodeId id) {
  ReplicaSlot& s = slot(id);
  if (s.host || s.failed) return false;
  bool done = s.storage->corrupt_durable_record(prng_);
  if (done) record("bit flip in a durable log record of " + id.to_string());
  return done;
}

template <class P>
void LogCluster<P>::restart(NodeId id) {
  ReplicaSlot& s = slot(id);
  if (s.host || s.failed) return;
  typename Host::Config config{id,
                               QuorumSystem::majority(NodeSet::first_n(options_.replicas)),
                               options_.timing,
                               options_.limits,
                               options_.bugs,
                               prng_.fork(),
                               {options_.snapshot_every_slots, options_.snapshot_every_bytes}};
  auto host = std::make_unique<Host>(config, *s.storage, *s.observer);
  auto recovered = host->recover();
  if (!recovered.ok()) {
    const host::RecoveryError& e = recovered.error();
    // The real recovery refused the disk. Restarting would mean forgetting
    // promises and votes; the replica stays down (an operator's job now).
    // SimStorage has already checked that only detected corruption refuses.
    QUORUM_INVARIANT(e.kind == host::RecoveryError::Kind::kRecord ? "RecordDecodes"
                     : e.kind == host::RecoveryError::Kind::kSnapshot ? "SnapshotRestores"
                                                                      : "SnapshotCoversLog",
                     e.kind == host::RecoveryError::Kind::kStorage, e.message);
    s.failed = true;
    ++corruptions_detected_;
    record("start " + id.to_string() + " refused: " + e.message);
    return;
  }
  s.host = std::move(host);
  const host::Recovered& r = recovered.value();
  if (r.snapshot_index > Slot{0}) check_digest(id, r.snapshot_index, s.host->state());
  record("start " + id.to_string() + " (" + r.durable + ", snapshot at " + r.snapshot_index.to_string() + ", " +
         std::to_string(r.log.records) + " log records" + (r.log.tail_note.empty() ? "" : "; " + r.log.tail_note) +
         ")");
}

template <class P>
bool LogCluster<P>::converged() const {
  for (const ReplicaSlot& s : slots_) {
    if (s.failed) continue;
    if (!s.host || s.host->applied().value() != chosen_.size()) return false;
  }
  return true;
}

template <class P>
log::SubmitResult LogCluster<P>::submit(NodeId id, const smr::ClientRequest& request) {
  ReplicaSlot& s = slot(id);
  if (!s.host) return {log::SubmitStatus::kNotLeader, kNoNode};
  // Waiting before the host drains: a command can be applied inside submit().
  const auto key = std::make_pair(request.client_id, request.request_no);
  const bool fresh = s.waiting.insert(key).second;
  auto r = s.host->submit(smr::encode_request(request));
  if (r.status != log::SubmitStatus::kAccepted && fresh) s.waiting.erase(key);
  return r;
}

// After its n-th applied slot every replica's state must be the same.
template <class P>
void LogCluster<P>::check_digest(NodeId id, Slot applied, const smr::Executor& state) {
  const std::uint64_t n = applied.value();
  if (n == 0) return;
  std::uint64_t digest = state.digest();
  if (n > digest_after_.size()) {
    QUORUM_INVARIANT("StateDivergence", n == digest_after_.size() + 1,
                     "replica " + id.to_string() + " holds a state no replica has applied");
    digest_after_.push_back(digest);
  }
  QUORUM_INVARIANT("StateDivergence", digest_after_[n - 1] == digest,
                   "replica " + id.to_string() + " has a different state after " + std::to_string(n) + " slots");
}

// ---------------------------------------------------------------- what the hosts report

template <class P>
void LogCluster<P>::SlotObserver::send(Envelope message) {
  c_.network_.send(c_.now_, std::move(message));
}

template <class P>
void LogCluster<P>::SlotObserver::fatal(const std::string& why) {
  // Nothing on a simulated disk or from a correct peer can make a replica
  // give up: this is a bug.
  QUORUM_INVARIANT("ReplicaFailed", false, "replica " + id_.to_string() + " stopped: " + why);
}

template <class P>
void LogCluster<P>::SlotObserver::applied(Slot, const smr::ClientRequest& request, const smr::Reply& reply) {
  ReplicaSlot& s = c_.slot(id_);
  if (s.waiting.erase({request.client_id, request.request_no}) == 1 && c_.on_reply_) {
    c_.on_reply_(id_, request, reply);
  }
}

template <class P>
void LogCluster<P>::SlotObserver::slot_applied(Slot slot, const log::Batch& batch, const smr::Executor& state) {
  const std::uint64_t n = slot.value();
  if (n > c_.chosen_.size()) c_.chosen_.resize(n);
  if (!c_.chosen_[n - 1]) {
    c_.chosen_[n - 1] = batch;
    c_.commands_committed_ += batch.commands.size();
  }
  QUORUM_INVARIANT("Agreement", *c_.chosen_[n - 1] == batch,
                   "replica " + id_.to_string() + " applied a different batch at slot " + slot.to_string());
  c_.check_digest(id_, slot, state);
}

template <class P>
void LogCluster<P>::SlotObserver::undecodable(Slot slot, const Value&, const std::string& why) {
  // Only well-formed requests are ever submitted in the simulator.
  QUORUM_INVARIANT("CommittedCommandDecodes", false,
                   "replica " + id_.to_string() + " applied a command that does not decode at slot " +
                       slot.to_string() + ": " + why);
}

template <class P>
void LogCluster<P>::SlotObserver::dropped(Value command) {
  auto req = smr::decode_request(command);
  ReplicaSlot& s = c_.slot(id_);
  if (req.ok() && s.waiting.erase({req.value().client_id, req.value().request_no}) == 1 && c_.on_dropped_) {
    c_.on_dropped_(id_, req.value());
  }
}

template <class P>
void LogCluster<P>::SlotObserver::became_leader() {
  ++c_.leader_changes_;
  c_.record("leader " + id_.to_string() + " " + P::kEpoch + " " + P::epoch(c_.slot(id_).host->core()));
}

template <class P>
void LogCluster<P>::SlotObserver::stepped_down() {
  c_.record("step-down " + id_.to_string());
}

template <class P>
void LogCluster<P>::SlotObserver::snapshot_taken(Slot index, std::size_t bytes) {
  ++c_.snapshots_taken_;
  c_.record("replica " + id_.to_string() + " snapshot at slot " + index.to_string() + " (" + std::to_string(bytes) +
            " bytes)");
}

template <class P>
void LogCluster<P>::SlotObserver::snapshot_installed(Slot index, std::size_t bytes) {
  c_.check_digest(id_, index, c_.slot(id_).host->state());
  ++c_.snapshots_installed_;
  c_.record("replica " + id_.to_string() + " installed a snapshot at slot " + index.to_string() + " (" +
            std::to_string(bytes) + " bytes)");
}

// ---------------------------------------------------------------- time

template <class P>
void LogCluster<P>::tick() {
  ++now_;
  while (auto e = network_.next_due(now_)) {
    NodeId to = e->to;
    ReplicaSlot& s = slot(to);
    if (!s.host) continue;
    ++delivered_;
    record("deliver " + describe(*e));
    s.host->step(*e);
  }
  for (std::uint32_t i = 1; i <= options_.replicas; ++i) {
    ReplicaSlot& s = slot(NodeId{i});
    if (!s.host) continue;
    if (std::uint64_t seq = s.storage->tick(now_); seq != 0) s.host->on_durable(seq);
    s.host->tick();
  }
}

template class LogCluster<multipaxos::Protocol>;
template class LogCluster<vsr::Protocol>;

}  // namespace quorum::sim

namespace quorum::host {
template class ReplicaHost<multipaxos::Protocol, sim::SimStorage>;
template class ReplicaHost<vsr::Protocol, sim::SimStorage>;
}  // namespace quorum::host
