// GroupCommitter: many producer threads, one sync per group, ordered LSNs,
// bounded queue, clean stop, failures.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/group_commit.h"
#include "storage/posix_disk.h"
#include "storage/sim_disk.h"
#include "storage_test_util.h"

namespace quorum::storage {
namespace {

using testing::PowerCutDisk;
using testing::TempDir;

WalOptions test_wal_options() {
  WalOptions o;
  o.segment_bytes = 256 << 10;
  o.max_record_bytes = 4096;
  return o;
}

Wal open_wal(Disk& disk, const WalOptions& options = test_wal_options()) {
  auto o = Wal::open(disk, options);
  EXPECT_TRUE(o.ok()) << o.error().to_string();
  if (!o.ok()) std::abort();
  return std::move(std::move(o).value().wal);
}

std::string payload_for(int thread, int seq) { return std::to_string(thread) + ":" + std::to_string(seq); }

// Each of `threads` producers submits `per_thread` records one at a time,
// waiting for each ticket; checks LSNs and returns the committer's stats.
GroupCommitStats run_producers(GroupCommitter& gc, int threads, int per_thread,
                               std::vector<std::vector<std::uint64_t>>* lsns) {
  lsns->assign(static_cast<std::size_t>(threads), {});
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto r = gc.submit(static_cast<std::uint8_t>(t), payload_for(t, i)).get();
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        (*lsns)[static_cast<std::size_t>(t)].push_back(r.value().value());
      }
    });
  }
  for (auto& th : ts) th.join();
  return gc.stats();
}

void check_lsns(const std::vector<std::vector<std::uint64_t>>& lsns, std::uint64_t total) {
  std::set<std::uint64_t> all;
  for (const auto& v : lsns) {
    for (std::size_t i = 1; i < v.size(); ++i) EXPECT_LT(v[i - 1], v[i]);  // per producer: increasing
    all.insert(v.begin(), v.end());
  }
  ASSERT_EQ(all.size(), total);  // distinct
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), total);  // and contiguous
}

// Every record is in the log, with the payload its producer submitted.
void check_log(Disk& disk, const std::vector<std::vector<std::uint64_t>>& lsns) {
  auto o = Wal::open(disk, test_wal_options());
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  const auto& records = o.value().records;
  for (std::size_t t = 0; t < lsns.size(); ++t) {
    for (std::size_t i = 0; i < lsns[t].size(); ++i) {
      const WalRecord& r = records.at(lsns[t][i] - 1);
      EXPECT_EQ(r.type, t);
      EXPECT_EQ(r.payload, payload_for(static_cast<int>(t), static_cast<int>(i)));
    }
  }
}

TEST(StorageGroupCommit, ManyThreadsFarFewerSyncsThanRecords) {
  // A device whose sync takes 1 ms, as a real disk does: while one group
  // syncs, the next one gathers.
  SimDisk sim;
  PowerCutDisk disk(sim);
  disk.set_sync_delay(std::chrono::milliseconds(1));
  const int threads = 32, per_thread = 40;
  std::vector<std::vector<std::uint64_t>> lsns;
  GroupCommitStats stats;
  {
    GroupCommitter gc(open_wal(disk));
    stats = run_producers(gc, threads, per_thread, &lsns);
    EXPECT_EQ(gc.durable_lsn(), Lsn{threads * per_thread});
  }
  check_lsns(lsns, threads * per_thread);
  EXPECT_EQ(stats.records, static_cast<std::uint64_t>(threads * per_thread));
  EXPECT_EQ(stats.failed_records, 0u);
  EXPECT_LT(stats.groups * 4, stats.records) << "groups=" << stats.groups;
  EXPECT_EQ(stats.wal.syncs, stats.groups);
  EXPECT_GT(stats.max_group_records, 8u);
  std::printf("%llu records in %llu groups (largest %llu)\n", static_cast<unsigned long long>(stats.records),
              static_cast<unsigned long long>(stats.groups),
              static_cast<unsigned long long>(stats.max_group_records));
  check_log(disk, lsns);
}

TEST(StorageGroupCommit, ManyThreadsOnPosixDisk) {
  TempDir dir;
  auto d = PosixDisk::open(dir.path());
  ASSERT_TRUE(d.ok());
  const int threads = 16, per_thread = 50;
  std::vector<std::vector<std::uint64_t>> lsns;
  GroupCommitStats stats;
  {
    GroupCommitter gc(open_wal(*d.value()));
    stats = run_producers(gc, threads, per_thread, &lsns);
  }
  check_lsns(lsns, threads * per_thread);
  EXPECT_LT(stats.groups, stats.records);
  check_log(*d.value(), lsns);
}

TEST(StorageGroupCommit, PipelinedSubmissionsWithCallbacks) {
  SimDisk sim;
  PowerCutDisk disk(sim);
  disk.set_sync_delay(std::chrono::microseconds(200));
  const int n = 5000;
  std::vector<std::uint64_t> got(n, 0);
  std::atomic<int> done{0};
  GroupCommitStats stats;
  {
    GroupCommitter gc(open_wal(disk));
    for (int i = 0; i < n; ++i) {
      gc.submit(1, std::to_string(i), [&, i](const StorageResult<Lsn>& r) {
        ASSERT_TRUE(r.ok());
        got[static_cast<std::size_t>(i)] = r.value().value();
        done.fetch_add(1);
      });
    }
    gc.stop();  // drains
    stats = gc.stats();
  }
  EXPECT_EQ(done.load(), n);
  for (int i = 0; i < n; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], static_cast<std::uint64_t>(i + 1));
  EXPECT_LT(stats.groups * 20, stats.records);
}

TEST(StorageGroupCommit, GroupLimitsAreRespected) {
  SimDisk sim;
  PowerCutDisk disk(sim);
  disk.set_sync_delay(std::chrono::microseconds(500));
  GroupCommitOptions o;
  o.max_group_records = 10;
  GroupCommitStats stats;
  {
    GroupCommitter gc(open_wal(disk), o);
    std::vector<GroupCommitter::Ticket> tickets;
    for (int i = 0; i < 500; ++i) tickets.push_back(gc.submit(0, "x"));
    for (auto& t : tickets) ASSERT_TRUE(t.get().ok());
    stats = gc.stats();
  }
  EXPECT_LE(stats.max_group_records, 10u);
  EXPECT_GE(stats.groups, 50u);
}

TEST(StorageGroupCommit, FullQueueFailsOrBlocks) {
  SimDisk sim;
  PowerCutDisk disk(sim);
  disk.set_sync_delay(std::chrono::milliseconds(20));
  GroupCommitOptions o;
  o.max_queued_records = 4;
  o.when_full = QueueFullPolicy::kFail;
  {
    GroupCommitter gc(open_wal(disk), o);
    std::vector<GroupCommitter::Ticket> tickets;
    int full = 0;
    for (int i = 0; i < 50; ++i) {
      tickets.push_back(gc.submit(0, "x"));
      if (tickets.back().wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        auto r = tickets.back().get();
        if (!r.ok() && r.error().kind == ErrorKind::kFull) ++full;
        tickets.pop_back();
      }
    }
    EXPECT_GT(full, 0);
    for (auto& t : tickets) EXPECT_TRUE(t.get().ok());
  }
  o.when_full = QueueFullPolicy::kBlock;
  {
    GroupCommitter gc(open_wal(disk), o);
    std::vector<GroupCommitter::Ticket> tickets;
    for (int i = 0; i < 30; ++i) tickets.push_back(gc.submit(0, "y"));  // blocks at times
    for (auto& t : tickets) EXPECT_TRUE(t.get().ok());
  }
}

TEST(StorageGroupCommit, StopDrainsThenRefuses) {
  SimDisk sim;
  GroupCommitter gc(open_wal(sim));
  std::vector<GroupCommitter::Ticket> tickets;
  for (int i = 0; i < 100; ++i) tickets.push_back(gc.submit(0, "z"));
  gc.stop();
  for (auto& t : tickets) EXPECT_TRUE(t.get().ok());
  auto late = gc.submit(0, "late").get();
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().kind, ErrorKind::kClosed);
  EXPECT_EQ(gc.truncate_prefix(Lsn{1}).get().error().kind, ErrorKind::kClosed);
  gc.stop();  // idempotent
  EXPECT_EQ(gc.wal().durable_lsn(), Lsn{100});
}

TEST(StorageGroupCommit, FailedSyncFailsTheGroupAndEverythingAfter) {
  SimDisk sim;
  GroupCommitter gc(open_wal(sim));
  ASSERT_TRUE(gc.submit(0, "ok").get().ok());
  sim.fail_next_syncs(1);
  auto bad = gc.submit(0, "fails").get();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kIo);
  auto after = gc.submit(0, "after").get();
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().kind, ErrorKind::kFailed);
  EXPECT_EQ(gc.durable_lsn(), Lsn{1});
  EXPECT_EQ(gc.stats().failed_records, 2u);
}

TEST(StorageGroupCommit, OversizedRecordFailsAloneAndTruncateRuns) {
  SimDisk sim;
  WalOptions wo = test_wal_options();
  wo.segment_bytes = 8192;
  GroupCommitter gc(open_wal(sim, wo));
  auto big = gc.submit(0, std::string(5000, 'b'));
  std::vector<GroupCommitter::Ticket> tickets;
  for (int i = 0; i < 20; ++i) tickets.push_back(gc.submit(0, std::string(1000, 'a')));
  EXPECT_EQ(big.get().error().kind, ErrorKind::kInvalidArgument);
  for (auto& t : tickets) ASSERT_TRUE(t.get().ok());
  ASSERT_TRUE(gc.truncate_prefix(Lsn{15}).get().ok());
  gc.stop();
  EXPECT_GT(gc.wal().first_lsn(), Lsn{1});
  EXPECT_LE(gc.wal().first_lsn(), Lsn{15});
}

}  // namespace
}  // namespace quorum::storage
