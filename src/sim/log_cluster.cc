#include "sim/log_cluster.h"

#include "core/record_codec.h"
#include "smr/kv_store.h"
#include "vsr/protocol.h"

namespace quorum::sim {

template <class P>
LogCluster<P>::LogCluster(const Options& options, std::uint64_t seed,
                                     Trace* trace)
    : options_(options),
      prng_(seed),
      trace_(trace),
      network_(options.replicas, options.network, prng_.fork()),
      slots_(options.replicas) {
  QUORUM_ASSERT(options.replicas >= 1 && options.replicas <= kMaxNodes, "cluster size out of range");
  for (ReplicaSlot& s : slots_) s.storage = std::make_unique<SimStorage>(options_.storage, prng_.fork());
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
  if (!s.replica) return;
  s.storage->crash();
  s.replica.reset();
  s.executor.reset();
  s.waiting.clear();
  record("crash " + id.to_string());
}

template <class P>
bool LogCluster<P>::corrupt_disk(NodeId id) {
  ReplicaSlot& s = slot(id);
  if (s.replica || s.failed) return false;
  bool done = s.storage->corrupt_durable_record(prng_);
  if (done) record("bit flip in a durable log record of " + id.to_string());
  return done;
}

template <class P>
void LogCluster<P>::restart(NodeId id) {
  ReplicaSlot& s = slot(id);
  if (s.replica || s.failed) return;
  auto opened = s.storage->open();
  if (!opened.ok()) {
    // The real recovery refused the disk. Restarting would mean forgetting
    // promises and votes; the replica stays down (an operator's job now).
    s.failed = true;
    ++corruptions_detected_;
    record("start " + id.to_string() + " refused: " + opened.error().to_string());
    return;
  }
  typename P::DurableState recovered;
  for (const storage::WalRecord& r : opened.value().records) {
    QUORUM_INVARIANT("RecordType", r.type == static_cast<std::uint8_t>(P::kRecordType),
                     "a record of another protocol in the log");
    auto rec = P::decode(r.payload);
    QUORUM_INVARIANT("RecordDecodes", rec.ok(), rec.ok() ? "" : rec.error());
    recovered.apply(rec.value());
  }
  s.executor = std::make_unique<smr::Executor>(std::make_unique<smr::KvStore>());
  s.applied_slots = 0;
  s.bytes_since_snapshot = 0;
  RecoveredSnapshot snap;
  if (const auto& file = opened.value().snapshot) {
    auto restored = s.executor->restore(file->data);
    QUORUM_INVARIANT("SnapshotRestores", restored.ok(), restored.ok() ? "" : restored.error());
    snap = {Slot{file->last_included_index}, std::make_shared<const std::string>(file->data)};
    s.applied_slots = file->last_included_index;
    check_digest(id, s);
  }
  s.snapshot_slot = snap.index.value();
  QUORUM_INVARIANT("SnapshotCoversLog", recovered.compacted <= snap.index,
                   "the log was compacted to slot " + recovered.compacted.to_string() +
                       " but the newest snapshot covers only " + snap.index.to_string());
  NodeSet members = NodeSet::first_n(options_.replicas);
  typename P::Config config{id, QuorumSystem::majority(members), options_.timing, options_.limits,
                            options_.bugs, prng_.fork()};
  s.replica = std::make_unique<Replica>(config, recovered, snap);
  const auto& info = opened.value().info;
  record("start " + id.to_string() + " (" + P::describe(recovered) + ", snapshot at " + snap.index.to_string() + ", " +
         std::to_string(info.records) + " log records" +
         (info.tail_note.empty() ? "" : "; " + info.tail_note) + ")");
}

template <class P>
bool LogCluster<P>::converged() const {
  for (const ReplicaSlot& s : slots_) {
    if (s.failed) continue;
    if (!s.replica || s.applied_slots != chosen_.size()) return false;
  }
  return true;
}

template <class P>
SubmitResult LogCluster<P>::submit(NodeId id, const smr::ClientRequest& request) {
  ReplicaSlot& s = slot(id);
  if (!s.replica) return {SubmitStatus::kNotLeader, kNoNode};
  auto r = s.replica->submit(smr::encode_request(request));
  if (r.status == SubmitStatus::kAccepted) {
    s.waiting.insert({request.client_id, request.request_no});
  }
  drain(id);
  return r;
}

// After its n-th applied slot every replica's state must be the same.
template <class P>
void LogCluster<P>::check_digest(NodeId id, const ReplicaSlot& s) {
  if (s.applied_slots == 0) return;
  std::uint64_t digest = s.executor->digest();
  if (s.applied_slots > digest_after_.size()) {
    QUORUM_INVARIANT("StateDivergence", s.applied_slots == digest_after_.size() + 1,
                     "replica " + id.to_string() + " holds a state no replica has applied");
    digest_after_.push_back(digest);
  }
  QUORUM_INVARIANT("StateDivergence", digest_after_[s.applied_slots - 1] == digest,
                   "replica " + id.to_string() + " has a different state after " +
                       std::to_string(s.applied_slots) + " slots");
}

template <class P>
void LogCluster<P>::apply(NodeId id, ReplicaSlot& s, const multipaxos::SlotValue& entry) {
  std::uint64_t n = entry.slot.value();
  QUORUM_INVARIANT("AppliedInLogOrder", n == s.applied_slots + 1,
                   "replica " + id.to_string() + " applied slot " + entry.slot.to_string() + " after " +
                       std::to_string(s.applied_slots));
  if (n > chosen_.size()) chosen_.resize(n);
  if (!chosen_[n - 1]) {
    chosen_[n - 1] = entry.value;
    commands_committed_ += entry.value.commands.size();
  }
  QUORUM_INVARIANT("Agreement", *chosen_[n - 1] == entry.value,
                   "replica " + id.to_string() + " applied a different batch at slot " +
                       entry.slot.to_string());
  for (const Value& bytes : entry.value.commands) {
    auto req = smr::decode_request(bytes);
    QUORUM_ASSERT(req.ok(), "a committed command does not decode");
    smr::Reply reply = s.executor->execute(req.value(), n);
    s.bytes_since_snapshot += bytes.size();
    auto key = std::make_pair(req.value().client_id, req.value().request_no);
    if (s.waiting.erase(key) == 1 && on_reply_) on_reply_(id, req.value(), reply);
  }
  ++s.applied_slots;
  check_digest(id, s);
}

template <class P>
void LogCluster<P>::install(NodeId id, ReplicaSlot& s, const SnapshotInstall& snap) {
  auto restored = s.executor->restore(*snap.bytes);
  QUORUM_INVARIANT("SnapshotRestores", restored.ok(), restored.ok() ? "" : restored.error());
  s.applied_slots = snap.index.value();
  s.bytes_since_snapshot = 0;
  check_digest(id, s);
  // Durable before the replica may forget the slots it covers.
  s.storage->write_snapshot({snap.index.value(), P::kName, *snap.bytes});
  s.snapshot_slot = snap.index.value();
  s.replica->compact(snap.index, snap.bytes);
  ++snapshots_installed_;
  record("replica " + id.to_string() + " installed a snapshot at slot " + snap.index.to_string() + " (" +
         std::to_string(snap.bytes->size()) + " bytes)");
}

template <class P>
void LogCluster<P>::maybe_snapshot(NodeId id, ReplicaSlot& s) {
  const std::uint64_t slots = s.applied_slots - s.snapshot_slot;
  const bool by_slots = options_.snapshot_every_slots != 0 && slots >= options_.snapshot_every_slots;
  const bool by_bytes = options_.snapshot_every_bytes != 0 && slots > 0 &&
                        s.bytes_since_snapshot >= options_.snapshot_every_bytes;
  if (!by_slots && !by_bytes) return;
  auto bytes = std::make_shared<const std::string>(s.executor->snapshot());
  s.storage->write_snapshot({s.applied_slots, P::kName, *bytes});
  s.replica->compact(Slot{s.applied_slots}, bytes);
  s.snapshot_slot = s.applied_slots;
  s.bytes_since_snapshot = 0;
  ++snapshots_taken_;
  record("replica " + id.to_string() + " snapshot at slot " + std::to_string(s.applied_slots) + " (" +
         std::to_string(bytes->size()) + " bytes)");
}

template <class P>
void LogCluster<P>::drain(NodeId id) {
  ReplicaSlot& s = slot(id);
  // A snapshot or compaction produces more output: loop until there is none.
  for (int round = 0; s.replica; ++round) {
    QUORUM_ASSERT(round < 4, "replica output did not settle");
    auto out = s.replica->take_output();
    std::optional<storage::Lsn> compact_first, compact_last;
    for (auto& w : out.writes) {
      storage::Lsn lsn = s.storage->append(P::kRecordType, encode_record(w.record), w.seq);
      if (std::holds_alternative<typename P::CompactRecord>(w.record)) {
        if (!compact_first) compact_first = lsn;
        compact_last = lsn;
      }
    }
    if (compact_first) s.storage->truncate_when_durable(*compact_first, *compact_last);
    for (Envelope& e : out.messages) network_.send(now_, std::move(e));
    if (out.became_leader) {
      ++leader_changes_;
      record("leader " + id.to_string() + " " + P::kEpoch + " " + s.replica->promised().to_string());
    }
    if (out.stepped_down) record("step-down " + id.to_string());
    for (const Value& v : out.dropped) {
      auto req = smr::decode_request(v);
      if (req.ok() && s.waiting.erase({req.value().client_id, req.value().request_no}) == 1 &&
          on_dropped_) {
        on_dropped_(id, req.value());
      }
    }
    bool more = false;
    if (out.snapshot) {
      install(id, s, *out.snapshot);
      more = true;
    }
    for (const multipaxos::SlotValue& entry : out.committed) apply(id, s, entry);
    if (!out.committed.empty()) {
      std::uint64_t before = snapshots_taken_;
      maybe_snapshot(id, s);
      more = more || snapshots_taken_ != before;
    }
    if (!more) break;
  }
}

template <class P>
void LogCluster<P>::tick() {
  ++now_;
  while (auto e = network_.next_due(now_)) {
    NodeId to = e->to;
    ReplicaSlot& s = slot(to);
    if (!s.replica) continue;
    ++delivered_;
    record("deliver " + describe(*e));
    s.replica->step(*e);
    drain(to);
  }
  for (std::uint32_t i = 1; i <= options_.replicas; ++i) {
    NodeId id{i};
    ReplicaSlot& s = slot(id);
    if (!s.replica) continue;
    if (std::uint64_t seq = s.storage->tick(now_); seq != 0) s.replica->on_durable(seq);
    s.replica->tick();
    drain(id);
  }
}

template class LogCluster<multipaxos::Protocol>;
template class LogCluster<vsr::Protocol>;

}  // namespace quorum::sim
