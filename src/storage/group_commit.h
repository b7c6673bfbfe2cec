// GroupCommitter: group commit for the real runtime. A dedicated thread owns
// a Wal; any number of producer threads submit records, the thread appends
// everything queued (up to a group limit) and issues ONE Wal::sync() for the
// whole group, then completes every ticket of the group with its LSN (or the
// error). Many records, one fdatasync: under load the group grows until the
// sync cost is shared by everyone waiting.
//
// Order: records get LSNs in the order their submit() calls took the queue
// lock, so the tickets of one producer complete with increasing LSNs. The LSN
// is decided at submit (append() returns it), so a caller can name a record
// to truncate before it is written. A record the log would refuse (larger
// than its max_record_bytes) is refused at submit, so it takes no LSN.
// A ticket completes only after its record is durable; if the sync of its
// group fails, every ticket of the group completes with that error and the
// Wal is failed from then on (every later ticket fails with kFailed).
//
// Bounds: the queue holds at most max_queued_records records and
// max_queued_bytes payload bytes (a record bigger than that is still admitted
// into an empty queue); when full, submit() blocks or fails with kFull, per
// options. A group is at most max_group_records records and max_group_bytes
// frame bytes (capped by the Wal's max_unsynced_bytes).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "storage/wal.h"

namespace quorum::storage {

inline constexpr std::size_t kDefaultMaxQueuedRecords = 1 << 16;
inline constexpr std::size_t kDefaultMaxQueuedBytes = 64 << 20;
inline constexpr std::size_t kDefaultMaxGroupRecords = 1 << 14;
inline constexpr std::size_t kDefaultMaxGroupBytes = 16 << 20;

enum class QueueFullPolicy { kBlock, kFail };

struct GroupCommitOptions {
  std::size_t max_queued_records = kDefaultMaxQueuedRecords;
  std::size_t max_queued_bytes = kDefaultMaxQueuedBytes;
  std::size_t max_group_records = kDefaultMaxGroupRecords;
  std::size_t max_group_bytes = kDefaultMaxGroupBytes;
  QueueFullPolicy when_full = QueueFullPolicy::kBlock;
};

struct GroupCommitStats {
  std::uint64_t records = 0;            // tickets completed with an LSN
  std::uint64_t failed_records = 0;     // tickets completed with an error
  std::uint64_t groups = 0;             // Wal::sync() calls, one per group
  std::uint64_t max_group_records = 0;  // largest group
  WalStats wal;                         // the Wal's own counters after the last group
};

class GroupCommitter {
 public:
  using Ticket = std::future<StorageResult<Lsn>>;
  // Runs on the committer thread; keep it short and never submit() from it
  // with a full queue under QueueFullPolicy::kBlock.
  using Callback = std::function<void(const StorageResult<Lsn>&)>;

  explicit GroupCommitter(Wal wal, GroupCommitOptions options = {});
  ~GroupCommitter();  // stop()
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Queues a record; the ticket completes once it is durable.
  Ticket submit(std::uint8_t type, std::string payload);
  // Same, completing through `done` (on the committer thread). If the record
  // is refused at once (kFull, kClosed, kInvalidArgument), `done` runs on the
  // caller's thread.
  void submit(std::uint8_t type, std::string payload, Callback done);
  // As submit(type, payload, done), and returns the LSN the record will have
  // (or why it was refused, after `done` ran with the same error).
  StorageResult<Lsn> append(std::uint8_t type, std::string payload, Callback done);
  // Wal::truncate_prefix on the committer thread, between groups.
  std::future<Status> truncate_prefix(Lsn lsn);

  // Completes everything already queued, then joins the thread. Later
  // submissions fail with kClosed. Idempotent.
  void stop();

  Lsn durable_lsn() const { return Lsn{durable_lsn_.load(std::memory_order_acquire)}; }
  GroupCommitStats stats() const;
  // The Wal, once stopped (for example to read its stats or reopen it).
  Wal& wal();

 private:
  struct Item {
    Lsn lsn;  // decided at enqueue
    std::uint8_t type = 0;
    std::string payload;
    std::variant<std::promise<StorageResult<Lsn>>, Callback> done;
  };
  struct Truncation {
    Lsn lsn;
    std::promise<Status> done;
  };

  StorageResult<Lsn> enqueue(Item item);
  void run();
  static void complete(Item& item, const StorageResult<Lsn>& result);

  Wal wal_;
  const GroupCommitOptions options_;
  const std::size_t max_record_bytes_;  // the log's, read without touching it
  mutable std::mutex mu_;
  std::condition_variable work_;   // the thread waits for work
  std::condition_variable space_;  // producers wait for queue space
  std::deque<Item> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t next_lsn_;         // the LSN of the next record queued
  std::vector<Truncation> truncations_;
  bool stopping_ = false;
  GroupCommitStats stats_;         // guarded by mu_
  std::atomic<std::uint64_t> durable_lsn_;
  std::thread thread_;
};

}  // namespace quorum::storage
