// ReplicaHost's definitions. A driver includes this in the one .cc file that
// instantiates the host for its store (e.g. `template class
// host::ReplicaHost<vsr::Protocol, sim::SimStorage>;`); everyone else
// includes replica_host.h.
#pragma once

#include <memory>
#include <utility>

#include "core/assert.h"
#include "core/record_codec.h"
#include "host/replica_host.h"
#include "smr/kv_store.h"

namespace quorum::host {

// Draining loops while the core keeps producing output (applying entries may
// take a snapshot, which compacts, which writes); it settles within a few
// rounds, so more than this means a core that never goes quiet.
inline constexpr int kMaxDrainRounds = 64;

template <log::Protocol P, Store S>
ReplicaHost<P, S>::ReplicaHost(Config config, S& store, Observer& observer)
    : config_(std::move(config)), store_(&store), observer_(&observer) {}

template <log::Protocol P, Store S>
ReplicaHost<P, S>::ReplicaHost(const ReplicaHost& o)
    : config_(o.config_),
      store_(o.store_),
      observer_(o.observer_),
      core_(o.core_),
      executor_(o.executor_),
      applied_(o.applied_),
      snapshot_index_(o.snapshot_index_),
      bytes_since_snapshot_(o.bytes_since_snapshot_),
      last_leader_(o.last_leader_),
      truncations_(o.truncations_),
      stats_(o.stats_) {
  QUORUM_ASSERT(!o.draining_, "a host copied while it drains");
}

template <log::Protocol P, Store S>
Result<Recovered, RecoveryError> ReplicaHost<P, S>::recover() {
  QUORUM_ASSERT(!core_, "a host recovers once");
  typename P::DurableState durable;
  std::optional<RecoveryError> bad;
  auto opened = store_->open([&](storage::Lsn lsn, std::uint8_t type, std::string_view payload) {
    if (bad) return;
    if (type != static_cast<std::uint8_t>(P::kRecordType)) {
      bad = RecoveryError{RecoveryError::Kind::kRecord,
                          "log record " + lsn.to_string() + " has type " + std::to_string(type) + ", not a " +
                              P::kName + " record"};
      return;
    }
    auto record = P::decode(payload);
    if (!record.ok()) {
      bad = RecoveryError{RecoveryError::Kind::kRecord,
                          "log record " + lsn.to_string() + " does not decode: " + record.error()};
      return;
    }
    durable.apply(record.value());
  });
  if (!opened.ok()) {
    return RecoveryError{RecoveryError::Kind::kStorage, opened.error().to_string(), opened.error().kind};
  }
  if (bad) return *bad;

  executor_.emplace(std::make_unique<smr::KvStore>());
  log::RecoveredSnapshot snapshot;
  if (const auto& file = opened.value().snapshot) {
    auto restored = executor_->restore(file->data);
    if (!restored.ok()) {
      return RecoveryError{RecoveryError::Kind::kSnapshot,
                           "snapshot " + opened.value().snapshot_file + ": " + restored.error()};
    }
    snapshot = {Slot{file->last_included_index}, std::make_shared<const std::string>(file->data)};
  }
  if (durable.compacted > snapshot.index) {
    return RecoveryError{RecoveryError::Kind::kInconsistent,
                         "the log was compacted to slot " + durable.compacted.to_string() +
                             " but the newest snapshot covers only " + snapshot.index.to_string()};
  }
  applied_ = snapshot_index_ = snapshot.index;
  core_.emplace(typename P::Config{config_.self, config_.quorums, config_.timing, config_.limits, config_.bugs,
                                   config_.seed},
                durable, snapshot);
  return Recovered{P::describe(durable), snapshot.index, opened.value().log};
}

template <log::Protocol P, Store S>
NodeId ReplicaHost<P, S>::leader() const {
  if (!core_) return kNoNode;
  return core_->is_leader() ? config_.self : core_->leader_hint();
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::step(const Envelope& message) {
  core_->step(message);
  drain();
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::tick() {
  core_->tick();
  drain();
}

template <log::Protocol P, Store S>
log::SubmitResult ReplicaHost<P, S>::submit(Value command) {
  const log::SubmitResult r = core_->submit(std::move(command));
  drain();
  return r;
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::end_turn() {
  core_->propose();
  core_->announce_commit();
  drain();
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::on_durable(std::uint64_t seq) {
  core_->on_durable(seq);
  // The log before a compaction may go once the compaction's records are
  // durable: they restate everything the older records said.
  while (!truncations_.empty() && truncations_.front().last_seq <= seq) {
    auto st = store_->truncate_before(truncations_.front().first);
    if (!st.ok()) fail("cannot truncate the write-ahead log: " + st.error().to_string());
    ++stats_.truncations;
    truncations_.erase(truncations_.begin());
  }
  drain();
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::drain() {
  QUORUM_ASSERT(core_.has_value(), "the host drained before it recovered");
  if (draining_) {
    // An observer called back into the host: the outer loop picks it up.
    drain_again_ = true;
    return;
  }
  draining_ = true;
  for (int round = 0;; ++round) {
    QUORUM_ASSERT(round < kMaxDrainRounds, "replica output did not settle");
    drain_again_ = false;
    auto out = core_->take_output();
    std::optional<PendingTruncation> compaction;
    for (const typename P::Write& w : out.writes) persist(w, compaction);
    if (compaction) truncations_.push_back(*compaction);
    for (Envelope& m : out.messages) observer_->send(std::move(m));
    if (out.became_leader) {
      ++stats_.elections_won;
      observer_->became_leader();
    }
    if (out.stepped_down) observer_->stepped_down();
    note_leader();
    for (Value& v : out.dropped) observer_->dropped(std::move(v));
    if (out.snapshot) install(*out.snapshot);
    for (const log::SlotValue& entry : out.committed) apply(entry);
    const bool snapshotted = !out.committed.empty() && maybe_snapshot();
    const bool idle = out.writes.empty() && out.messages.empty() && out.committed.empty() && !out.snapshot &&
                      out.dropped.empty() && !snapshotted;
    if (idle && !drain_again_) break;
  }
  draining_ = false;
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::persist(const typename P::Write& w, std::optional<PendingTruncation>& compaction) {
  std::string payload = encode_record(w.record);
  stats_.log_bytes += payload.size();
  ++stats_.log_records;
  auto lsn = store_->append(static_cast<std::uint8_t>(P::kRecordType), std::move(payload), w.seq);
  if (!lsn.ok()) fail("the write-ahead log refused a record: " + lsn.error().to_string());
  if (std::holds_alternative<typename P::CompactRecord>(w.record)) {
    if (!compaction) compaction = PendingTruncation{lsn.value(), w.seq};
    compaction->last_seq = w.seq;
  }
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::note_leader() {
  const NodeId now = leader();
  if (now == kNoNode || now == last_leader_) return;
  last_leader_ = now;
  ++stats_.leader_changes;
  observer_->leader_changed(now);
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::apply(const log::SlotValue& entry) {
  QUORUM_INVARIANT("AppliedInLogOrder", entry.slot.value() == applied_.value() + 1,
                   "replica " + config_.self.to_string() + " applied slot " + entry.slot.to_string() + " after " +
                       applied_.to_string());
  for (const Value& bytes : entry.value.commands) {
    auto request = smr::decode_request(bytes);
    if (!request.ok()) {
      ++stats_.undecodable;
      observer_->undecodable(entry.slot, bytes, request.error());
      continue;
    }
    const smr::Reply reply = executor_->execute(request.value(), entry.slot.value());
    bytes_since_snapshot_ += bytes.size();
    ++stats_.commands_applied;
    observer_->applied(entry.slot, request.value(), reply);
  }
  applied_ = entry.slot;
  observer_->slot_applied(entry.slot, entry.value, *executor_);
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::install(const log::SnapshotInstall& snapshot) {
  auto restored = executor_->restore(*snapshot.bytes);
  // It came from a peer: refuse it loudly rather than diverge (the core
  // would only ask for it again).
  if (!restored.ok()) fail("a peer's snapshot does not restore: " + restored.error());
  applied_ = snapshot.index;
  bytes_since_snapshot_ = 0;
  // Durable before the core may forget the entries it covers.
  write_snapshot(snapshot.index, *snapshot.bytes);
  snapshot_index_ = snapshot.index;
  core_->compact(snapshot.index, snapshot.bytes);
  ++stats_.snapshots_installed;
  observer_->snapshot_installed(snapshot.index, snapshot.bytes->size());
}

template <log::Protocol P, Store S>
bool ReplicaHost<P, S>::maybe_snapshot() {
  const SnapshotPolicy& policy = config_.snapshots;
  const std::uint64_t slots = applied_.value() - snapshot_index_.value();
  const bool by_slots = policy.every_slots != 0 && slots >= policy.every_slots;
  const bool by_bytes = policy.every_bytes != 0 && slots > 0 && bytes_since_snapshot_ >= policy.every_bytes;
  if (!by_slots && !by_bytes) return false;
  auto bytes = std::make_shared<const std::string>(executor_->snapshot());
  write_snapshot(applied_, *bytes);
  core_->compact(applied_, bytes);
  snapshot_index_ = applied_;
  bytes_since_snapshot_ = 0;
  ++stats_.snapshots_taken;
  observer_->snapshot_taken(applied_, bytes->size());
  return true;
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::write_snapshot(Slot index, const std::string& bytes) {
  auto st = store_->write_snapshot(storage::Snapshot{index.value(), P::kName, bytes});
  if (!st.ok()) fail("cannot write a snapshot: " + st.error().to_string());
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::fail(const std::string& why) {
  observer_->fatal(why);
  QUORUM_ASSERT(false, "Observer::fatal returned: " + why);
}

template <log::Protocol P, Store S>
void ReplicaHost<P, S>::digest(StateDigest& d) const {
  core_->digest(d);
  d.add(executor_->digest());
  d.add(applied_.value());
  d.add(snapshot_index_.value());
  if (config_.snapshots.every_bytes != 0) d.add(bytes_since_snapshot_);
}

}  // namespace quorum::host
