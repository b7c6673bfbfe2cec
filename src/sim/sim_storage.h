// SimStorage: the durable storage of one simulated replica, a store for the
// replica host (host/store.h). A SimDisk plays the physical disk (it outlives
// crashes); while the replica is up, the real write-ahead log (storage/wal.h)
// and snapshot files (storage/snapshot_file.h) run on it, and a restart
// recovers through the real Wal::open and SnapshotStore::load_latest. Nothing
// about recovery is simulated.
//
// Writes follow the group-commit cycle of the real runtime: records a core
// emits are appended to the log; when no sync is in flight, one starts:
// Wal::write() hands every appended record to the disk at once, and
// Wal::sync() (the fdatasync) completes a random latency later. Records
// appended meanwhile wait for the next cycle. A crash between the two halves
// loses the unsynced tail, or tears it (SimDiskOptions::torn_write_per_million),
// exactly the case the log's recovery must handle.
//
// corrupt_durable_record() flips one bit of a record that is durable and not
// the log's last (what a failing disk does); the next open() must refuse to
// start, naming the file and offset.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/prng.h"
#include "host/store.h"
#include "storage/sim_disk.h"
#include "storage/snapshot_file.h"
#include "storage/wal.h"

namespace quorum::sim {

struct SimStorageOptions {
  storage::SimDiskOptions disk;
  storage::WalOptions wal;
  std::uint32_t sync_latency_min_ticks = 0;
  std::uint32_t sync_latency_max_ticks = 0;
};

// What a seed draws for a replica's storage: each sync takes 0..max ticks;
// with `disk_faults`, crashes tear the unsynced tail at a drawn rate. Small
// segments (about 1 MiB) make roll-over and truncation common.
SimStorageOptions draw_storage_options(Prng& prng, std::uint32_t max_sync_latency_ticks, bool disk_faults);

class SimStorage {
 public:
  SimStorage(SimStorageOptions options, std::uint64_t seed);

  // ---- the store (host/store.h) ----
  // Recovers the newest snapshot and replays the log. An error means the
  // replica cannot start; on a simulated disk the only acceptable reason is
  // detected corruption naming the file and offset (anything else fails the
  // UndetectedCorruption invariant). A newer snapshot file that fails its
  // checksum is corruption too: falling back to an older one would silently
  // forget slots the log has already dropped.
  storage::StorageResult<host::StoreOpened> open(const storage::Wal::ReplayFn& replay);
  // Buffers a record; `seq` is the core's write number it carries.
  storage::StorageResult<storage::Lsn> append(std::uint8_t type, std::string payload, std::uint64_t seq);
  // Drops the log's records before `lsn` (whole segments, as the real log).
  storage::Status truncate_before(storage::Lsn lsn);
  // Writes a snapshot file (synchronously durable).
  storage::Status write_snapshot(const storage::Snapshot& snapshot);

  // ---- the simulated machine ----
  bool is_open() const { return wal_.has_value(); }
  // Advances the I/O cycle to `now`; returns the highest core write number
  // that became durable (0 if none did).
  std::uint64_t tick(std::uint64_t now);
  // Power loss: unsynced writes are lost or torn; the log is closed.
  void crash();
  // While closed: flips a bit in the first record of the oldest segment, if
  // a later durable record exists (so the damage is provably detectable).
  bool corrupt_durable_record(Prng& prng);

  const storage::SimDiskStats& disk_stats() const { return disk_.stats(); }
  std::uint64_t lost_records() const { return lost_records_; }
  // Records appended and not yet durable.
  std::size_t unsynced() const { return acks_.size(); }
  std::uint64_t log_records() const;  // records in the log now (after truncation)

 private:
  storage::StorageResult<host::StoreOpened> recover(const storage::Wal::ReplayFn& replay);
  struct PendingAck {
    storage::Lsn lsn;
    std::uint64_t seq;
  };
  void finish_sync();

  SimStorageOptions options_;
  Prng prng_;
  storage::SimDisk disk_;
  std::optional<storage::Wal> wal_;
  std::deque<PendingAck> acks_;  // appended, not yet durable, in LSN order
  std::optional<std::uint64_t> sync_due_;  // a sync in flight completes then
  storage::Lsn durable_at_close_;
  std::uint64_t lost_records_ = 0;
  std::uint64_t acked_seq_ = 0;
};

}  // namespace quorum::sim
