#include "storage/group_commit.h"

#include <algorithm>
#include <utility>

namespace quorum::storage {

GroupCommitter::GroupCommitter(Wal wal, GroupCommitOptions options)
    : wal_(std::move(wal)),
      options_(options),
      max_record_bytes_(wal_.options().max_record_bytes),
      next_lsn_(wal_.last_lsn().value() + 1),
      durable_lsn_(wal_.durable_lsn().value()) {
  stats_.wal = wal_.stats();
  thread_ = std::thread([this] { run(); });
}

GroupCommitter::~GroupCommitter() { stop(); }

void GroupCommitter::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  space_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Wal& GroupCommitter::wal() {
  QUORUM_ASSERT(!thread_.joinable(), "GroupCommitter::wal() while the committer thread runs");
  return wal_;
}

GroupCommitStats GroupCommitter::stats() const {
  std::lock_guard<std::mutex> lk(mu_);
  return stats_;
}

void GroupCommitter::complete(Item& item, const StorageResult<Lsn>& result) {
  if (auto* p = std::get_if<std::promise<StorageResult<Lsn>>>(&item.done)) {
    p->set_value(result);
  } else {
    std::get<Callback>(item.done)(result);
  }
}

GroupCommitter::Ticket GroupCommitter::submit(std::uint8_t type, std::string payload) {
  Item item{Lsn{}, type, std::move(payload), std::promise<StorageResult<Lsn>>()};
  Ticket ticket = std::get<0>(item.done).get_future();
  enqueue(std::move(item));
  return ticket;
}

void GroupCommitter::submit(std::uint8_t type, std::string payload, Callback done) {
  (void)enqueue(Item{Lsn{}, type, std::move(payload), std::move(done)});
}

StorageResult<Lsn> GroupCommitter::append(std::uint8_t type, std::string payload, Callback done) {
  return enqueue(Item{Lsn{}, type, std::move(payload), std::move(done)});
}

StorageResult<Lsn> GroupCommitter::enqueue(Item item) {
  const std::size_t bytes = item.payload.size();
  if (bytes > max_record_bytes_) {
    // Refused here rather than by the log, so that it takes no LSN.
    auto error = make_error(ErrorKind::kInvalidArgument, "record of " + std::to_string(bytes) +
                                                             " bytes exceeds the log's limit of " +
                                                             std::to_string(max_record_bytes_));
    complete(item, error);
    return error;
  }
  {
    std::unique_lock<std::mutex> lk(mu_);
    auto has_space = [&] {
      return queue_.empty() ||
             (queue_.size() < options_.max_queued_records && queued_bytes_ + bytes <= options_.max_queued_bytes);
    };
    if (options_.when_full == QueueFullPolicy::kBlock) {
      space_.wait(lk, [&] { return stopping_ || has_space(); });
    }
    if (!stopping_ && has_space()) {
      const Lsn lsn{next_lsn_++};
      item.lsn = lsn;
      queued_bytes_ += bytes;
      queue_.push_back(std::move(item));
      lk.unlock();
      work_.notify_one();
      return lsn;
    }
  }
  const bool closed = [&] {
    std::lock_guard<std::mutex> lk(mu_);
    return stopping_;
  }();
  auto error = closed ? make_error(ErrorKind::kClosed, "group committer stopped")
                      : make_error(ErrorKind::kFull, "group commit queue full (" +
                                                         std::to_string(options_.max_queued_records) +
                                                         " records / " + std::to_string(options_.max_queued_bytes) +
                                                         " bytes)");
  complete(item, error);
  return error;
}

std::future<Status> GroupCommitter::truncate_prefix(Lsn lsn) {
  std::promise<Status> p;
  auto f = p.get_future();
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stopping_) {
      p.set_value(make_error(ErrorKind::kClosed, "group committer stopped"));
      return f;
    }
    truncations_.push_back(Truncation{lsn, std::move(p)});
  }
  work_.notify_one();
  return f;
}

void GroupCommitter::run() {
  const std::size_t group_bytes_max =
      std::min(options_.max_group_bytes, wal_.options().max_unsynced_bytes);
  std::vector<Item> group;
  std::vector<Truncation> truncations;
  std::vector<StorageResult<Lsn>> results;
  for (;;) {
    group.clear();
    truncations.clear();
    {
      std::unique_lock<std::mutex> lk(mu_);
      work_.wait(lk, [&] { return stopping_ || !queue_.empty() || !truncations_.empty(); });
      if (stopping_ && queue_.empty() && truncations_.empty()) break;
      truncations.swap(truncations_);
      std::size_t frame_bytes = 0;
      while (!queue_.empty() && group.size() < std::max<std::size_t>(1, options_.max_group_records)) {
        const std::size_t next = kFrameHeaderBytes + queue_.front().payload.size();
        if (!group.empty() && frame_bytes + next > group_bytes_max) break;
        frame_bytes += next;
        queued_bytes_ -= queue_.front().payload.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    space_.notify_all();

    for (auto& t : truncations) t.done.set_value(wal_.truncate_prefix(t.lsn));
    if (group.empty()) continue;

    results.clear();
    for (auto& item : group) {
      results.push_back(wal_.append(item.type, item.payload));
      // Only a failed log (every later append fails too) may break the LSNs
      // promised at submit.
      QUORUM_ASSERT(!results.back().ok() || results.back().value() == item.lsn,
                    "the log gave a record another LSN than the one promised");
    }
    const Status synced = wal_.sync();
    std::uint64_t ok = 0;
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (results[i].ok() && !synced.ok()) results[i] = synced.error();
      if (results[i].ok()) ++ok;
    }
    durable_lsn_.store(wal_.durable_lsn().value(), std::memory_order_release);
    {
      std::lock_guard<std::mutex> lk(mu_);
      stats_.records += ok;
      stats_.failed_records += group.size() - ok;
      ++stats_.groups;
      stats_.max_group_records = std::max<std::uint64_t>(stats_.max_group_records, group.size());
      stats_.wal = wal_.stats();
    }
    for (std::size_t i = 0; i < group.size(); ++i) complete(group[i], results[i]);
  }
}

}  // namespace quorum::storage
