// WalStore: the real replica's store for the host (host/store.h): a data
// directory holding the segmented write-ahead log (storage/wal.h) and the
// snapshot files (storage/snapshot_file.h), with a group-commit thread
// (storage/group_commit.h) that owns the log, so many records share one
// fdatasync.
//
// Threads: open(), append(), truncate_before() and write_snapshot() run on
// the event loop's thread. The group-commit thread reports durability by
// posting to the event loop, at most one post in flight however many records
// complete; the post calls on_durable(seq) with the newest durable write
// number, or on_failure(why) if the log failed (the replica must stop: it
// would promise what it cannot remember).
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "host/store.h"
#include "runtime/metrics.h"
#include "storage/group_commit.h"
#include "storage/posix_disk.h"
#include "storage/snapshot_file.h"

namespace quorum::runtime {

struct WalStoreOptions {
  std::string data_dir;
  bool fsync = true;  // false only for comparisons: loses durability
  Histogram* fsync_latency = nullptr;
  std::function<void(std::uint64_t seq)> on_durable;  // on the event loop
  std::function<void(const std::string& why)> on_failure;  // on the event loop
};

class WalStore {
 public:
  WalStore(asio::io_context& io, WalStoreOptions options);
  ~WalStore();  // stop()
  WalStore(const WalStore&) = delete;
  WalStore& operator=(const WalStore&) = delete;

  // ---- the store (host/store.h) ----
  storage::StorageResult<host::StoreOpened> open(const storage::Wal::ReplayFn& replay);
  storage::StorageResult<storage::Lsn> append(std::uint8_t type, std::string payload, std::uint64_t seq);
  storage::Status truncate_before(storage::Lsn lsn);
  storage::Status write_snapshot(const storage::Snapshot& snapshot);

  // Completes what is queued, then stops the group-commit thread.
  void stop();

 private:
  struct Mailbox;

  asio::io_context& io_;
  WalStoreOptions options_;
  std::unique_ptr<storage::PosixDisk> wal_disk_;
  std::unique_ptr<storage::Disk> timed_wal_disk_;
  std::unique_ptr<storage::PosixDisk> snap_disk_;
  std::unique_ptr<storage::Disk> timed_snap_disk_;
  std::unique_ptr<storage::SnapshotStore> snapshots_;
  std::unique_ptr<storage::GroupCommitter> committer_;
  std::shared_ptr<Mailbox> mailbox_;
};

}  // namespace quorum::runtime
