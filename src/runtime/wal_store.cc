#include "runtime/wal_store.h"

#include <atomic>
#include <mutex>
#include <utility>

#include "runtime/timed_disk.h"

namespace quorum::runtime {

// Durability acknowledgements, handed from the group-commit thread to the
// event loop: the newest durable write number, and at most one post in
// flight however many records complete. Shared with the callbacks, so a post
// that arrives after the store is gone finds `alive` false and does nothing.
struct WalStore::Mailbox {
  std::atomic<std::uint64_t> seq{0};
  std::atomic<bool> posted{false};
  std::atomic<bool> failed{false};
  std::atomic<bool> alive{true};
  std::mutex mu;
  std::string error;  // guarded by mu
};

WalStore::WalStore(asio::io_context& io, WalStoreOptions options)
    : io_(io), options_(std::move(options)), mailbox_(std::make_shared<Mailbox>()) {}

WalStore::~WalStore() {
  mailbox_->alive = false;
  stop();
}

void WalStore::stop() {
  if (committer_) committer_->stop();
}

storage::StorageResult<host::StoreOpened> WalStore::open(const storage::Wal::ReplayFn& replay) {
  auto wal_disk = storage::PosixDisk::open(options_.data_dir);
  if (!wal_disk.ok()) return wal_disk.error();
  wal_disk_ = std::move(wal_disk).value();
  auto snap_disk = storage::PosixDisk::open(options_.data_dir);
  if (!snap_disk.ok()) return snap_disk.error();
  snap_disk_ = std::move(snap_disk).value();
  Histogram* fsync = options_.fsync_latency;
  timed_wal_disk_ = std::make_unique<TimedDisk>(*wal_disk_, options_.fsync, [fsync](double s) {
    if (fsync) fsync->observe(s);
  });
  timed_snap_disk_ = std::make_unique<TimedDisk>(*snap_disk_, options_.fsync, [](double) {});
  snapshots_ = std::make_unique<storage::SnapshotStore>(*timed_snap_disk_);

  host::StoreOpened o;
  auto loaded = snapshots_->load_latest();
  if (!loaded.ok()) return loaded.error();
  if (!loaded.value().corrupted.empty()) {
    // Falling back to an older snapshot could forget slots the log no longer
    // has; an operator must decide (or rebuild the replica from its peers).
    return storage::make_error(storage::ErrorKind::kCorruption,
                               "corrupted snapshot: " + loaded.value().corrupted.front());
  }
  o.snapshot = std::move(loaded.value().snapshot);
  o.snapshot_file = std::move(loaded.value().file);
  auto wal = storage::Wal::open(*timed_wal_disk_, storage::WalOptions{}, replay, &o.log);
  if (!wal.ok()) return wal.error();
  committer_ = std::make_unique<storage::GroupCommitter>(std::move(wal).value());
  return o;
}

storage::StorageResult<storage::Lsn> WalStore::append(std::uint8_t type, std::string payload, std::uint64_t seq) {
  std::shared_ptr<Mailbox> mailbox = mailbox_;
  asio::io_context* io = &io_;
  auto* on_durable = &options_.on_durable;
  auto* on_failure = &options_.on_failure;
  return committer_->append(
      type, std::move(payload),
      [mailbox, io, seq, on_durable, on_failure](const storage::StorageResult<storage::Lsn>& r) {
        // On the group-commit thread.
        if (!r.ok()) {
          std::lock_guard<std::mutex> lock(mailbox->mu);
          if (mailbox->error.empty()) mailbox->error = r.error().to_string();
          mailbox->failed.store(true);
        } else {
          mailbox->seq.store(seq, std::memory_order_release);
        }
        if (mailbox->posted.exchange(true)) return;
        asio::post(*io, [mailbox, on_durable, on_failure] {
          if (!mailbox->alive) return;
          mailbox->posted.store(false, std::memory_order_release);
          if (mailbox->failed.load()) {
            std::string why;
            {
              std::lock_guard<std::mutex> lock(mailbox->mu);
              why = mailbox->error;
            }
            return (*on_failure)("the write-ahead log failed: " + why);
          }
          (*on_durable)(mailbox->seq.load(std::memory_order_acquire));
        });
      });
}

storage::Status WalStore::truncate_before(storage::Lsn lsn) {
  // Between groups, on the committer thread; a failure there only leaves
  // old segments behind, which the next truncation removes.
  (void)committer_->truncate_prefix(lsn);
  return storage::ok_status();
}

storage::Status WalStore::write_snapshot(const storage::Snapshot& snapshot) { return snapshots_->write(snapshot); }

}  // namespace quorum::runtime
