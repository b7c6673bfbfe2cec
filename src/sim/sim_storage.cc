#include "sim/sim_storage.h"

#include "core/assert.h"

namespace quorum::sim {

SimStorageOptions draw_storage_options(Prng& prng, std::uint32_t max_sync_latency_ticks, bool disk_faults) {
  SimStorageOptions o;
  o.sync_latency_max_ticks = static_cast<std::uint32_t>(prng.range(0, max_sync_latency_ticks));
  o.wal.max_record_bytes = 256 << 10;
  o.wal.segment_bytes = prng.range(o.wal.max_record_bytes + 64, 1 << 20);
  const auto torn = static_cast<std::uint32_t>(prng.range(0, 1'000'000));
  o.disk.torn_write_per_million = disk_faults ? torn : 0;
  return o;
}

SimStorage::SimStorage(SimStorageOptions options, std::uint64_t seed)
    : options_(std::move(options)), prng_(seed), disk_([&] {
        storage::SimDiskOptions d = options_.disk;
        d.seed = prng_.fork();
        return d;
      }()) {}

storage::StorageResult<host::StoreOpened> SimStorage::open(const storage::Wal::ReplayFn& replay) {
  auto opened = recover(replay);
  QUORUM_INVARIANT("UndetectedCorruption",
                   opened.ok() || opened.error().kind == storage::ErrorKind::kCorruption,
                   "recovery failed without reporting corruption: " + opened.error().to_string());
  return opened;
}

storage::StorageResult<host::StoreOpened> SimStorage::recover(const storage::Wal::ReplayFn& replay) {
  QUORUM_ASSERT(!wal_, "storage opened twice");
  storage::SnapshotStore snapshots(disk_);
  auto loaded = snapshots.load_latest();
  if (!loaded.ok()) return loaded.error();
  if (!loaded.value().corrupted.empty()) {
    return storage::make_error(storage::ErrorKind::kCorruption, loaded.value().corrupted.front());
  }
  host::StoreOpened o;
  auto opened = storage::Wal::open(disk_, options_.wal, replay, &o.log);
  if (!opened.ok()) return opened.error();
  o.snapshot = std::move(loaded.value().snapshot);
  o.snapshot_file = std::move(loaded.value().file);
  wal_.emplace(std::move(opened).value());
  return o;
}

storage::StorageResult<storage::Lsn> SimStorage::append(std::uint8_t type, std::string payload, std::uint64_t seq) {
  QUORUM_ASSERT(wal_.has_value(), "append to a closed log");
  auto lsn = wal_->append(type, payload);
  QUORUM_ASSERT(lsn.ok(), "the simulated log refused a record: " + lsn.error().to_string());
  acks_.push_back(PendingAck{lsn.value(), seq});
  return lsn.value();
}

storage::Status SimStorage::truncate_before(storage::Lsn lsn) {
  QUORUM_ASSERT(wal_.has_value(), "truncating a closed log");
  auto st = wal_->truncate_prefix(lsn);
  QUORUM_ASSERT(st.ok(), "simulated log truncation failed");
  return st;
}

storage::Status SimStorage::write_snapshot(const storage::Snapshot& snapshot) {
  storage::SnapshotStore snapshots(disk_);
  auto st = snapshots.write(snapshot);
  QUORUM_ASSERT(st.ok(), "the simulated disk refused a snapshot: " + (st.ok() ? "" : st.error().to_string()));
  return st;
}

std::uint64_t SimStorage::tick(std::uint64_t now) {
  if (!wal_) return 0;
  const std::uint64_t before = acked_seq_;
  if (sync_due_ && *sync_due_ <= now) finish_sync();
  if (!sync_due_ && wal_->last_lsn() > wal_->written_lsn()) {
    auto st = wal_->write();
    QUORUM_ASSERT(st.ok(), "simulated log write failed: " + (st.ok() ? "" : st.error().to_string()));
    sync_due_ = now + prng_.range(options_.sync_latency_min_ticks, options_.sync_latency_max_ticks);
    if (*sync_due_ <= now) finish_sync();
  }
  return acked_seq_ > before ? acked_seq_ : 0;
}

void SimStorage::finish_sync() {
  sync_due_.reset();
  auto st = wal_->sync();
  QUORUM_ASSERT(st.ok(), "simulated log sync failed: " + (st.ok() ? "" : st.error().to_string()));
  const storage::Lsn durable = wal_->durable_lsn();
  while (!acks_.empty() && acks_.front().lsn <= durable) {
    acked_seq_ = acks_.front().seq;
    acks_.pop_front();
  }
}

void SimStorage::crash() {
  if (wal_) durable_at_close_ = wal_->durable_lsn();
  lost_records_ += acks_.size();
  wal_.reset();
  acks_.clear();
  sync_due_.reset();
  acked_seq_ = 0;
  disk_.crash();
}

bool SimStorage::corrupt_durable_record(Prng& prng) {
  QUORUM_ASSERT(!wal_, "corrupting the disk of a running replica");
  auto names = disk_.list();
  if (!names.ok()) return false;
  for (const std::string& name : names.value()) {
    std::uint64_t first = 0;
    if (!storage::Wal::parse_segment_name(name, &first)) continue;
    // The oldest segment: its first record is durable, and a later durable
    // record proves the damage is not a torn tail.
    if (first >= durable_at_close_.value()) return false;
    const auto offset = storage::kSegmentHeaderBytes + prng.range(0, storage::kFrameHeaderBytes - 1);
    return disk_.corrupt(name, offset, static_cast<int>(prng.range(0, 7))).ok();
  }
  return false;
}

std::uint64_t SimStorage::log_records() const {
  if (!wal_) return 0;
  return wal_->last_lsn().value() + 1 - wal_->first_lsn().value();
}

}  // namespace quorum::sim
