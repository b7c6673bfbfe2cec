// Storage micro-benchmarks on a real file system (PosixDisk in a fresh
// directory under /tmp, removed afterwards):
//   BM_Fsync16B               append 16 B to a file + fdatasync (file grows)
//   BM_FsyncPreallocated16B   write 16 B into a preallocated file + fdatasync
//   BM_WalGroupCommit/<bytes>/threads:<n>
//                             n appenders, each submitting one record and
//                             waiting for its durability ticket, through a
//                             GroupCommitter (one fdatasync per group)
//   BM_WalGroupCommitInFlight/<bytes>/<n>
//                             one producer thread keeps n records in flight
//                             through the callback API, as the server's event
//                             loop does for n clients: the same group commit
//                             without a thread (and a context switch) per
//                             appender
// Counters: records_per_second (items_per_second), syncs_per_second and
// records_per_sync.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "storage/group_commit.h"
#include "storage/posix_disk.h"
#include "storage/wal.h"

namespace {

using quorum::storage::GroupCommitter;
using quorum::storage::PosixDisk;
using quorum::storage::Wal;

class BenchDir {
 public:
  BenchDir() {
    std::string tmpl = "/tmp/quorum-storage-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~BenchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void fsync_loop(benchmark::State& state, bool preallocate) {
  BenchDir dir;
  auto disk = PosixDisk::open(dir.path());
  if (!disk.ok()) {
    state.SkipWithError(disk.error().message.c_str());
    return;
  }
  PosixDisk& d = *disk.value();
  const std::string record(16, 'x');
  bool ok = d.create("f").ok();
  if (preallocate) ok = ok && d.allocate("f", 64 << 20).ok() && d.sync("f").ok();
  std::uint64_t offset = 0;
  for (auto _ : state) {
    ok = ok && d.write("f", offset, record).ok() && d.sync("f").ok();
    offset += record.size();
  }
  if (!ok) state.SkipWithError("I/O error");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(record.size()));
  state.counters["syncs_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Fsync16B(benchmark::State& state) { fsync_loop(state, false); }
void BM_FsyncPreallocated16B(benchmark::State& state) { fsync_loop(state, true); }
BENCHMARK(BM_Fsync16B)->UseRealTime();
BENCHMARK(BM_FsyncPreallocated16B)->UseRealTime();

// Shared by the benchmark's threads; thread 0 sets it up before the timed
// loop and tears it down after it (the loop starts and ends on a barrier).
struct WalBench {
  BenchDir dir;
  std::unique_ptr<PosixDisk> disk;
  std::unique_ptr<GroupCommitter> committer;
};
WalBench* g_wal_bench = nullptr;

void BM_WalGroupCommit(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  if (state.thread_index() == 0) {
    g_wal_bench = new WalBench;
    auto disk = PosixDisk::open(g_wal_bench->dir.path());
    if (disk.ok()) {
      g_wal_bench->disk = std::move(disk).value();
      auto wal = Wal::open(*g_wal_bench->disk, quorum::storage::WalOptions{});
      if (wal.ok()) {
        g_wal_bench->committer = std::make_unique<GroupCommitter>(std::move(std::move(wal).value().wal));
      }
    }
  }
  const std::string payload(bytes, 'p');
  for (auto _ : state) {
    if (!g_wal_bench->committer) {
      state.SkipWithError("cannot open the write-ahead log");
      break;
    }
    auto r = g_wal_bench->committer->submit(1, payload).get();
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  if (state.thread_index() == 0) {
    if (g_wal_bench->committer) {
      g_wal_bench->committer->stop();
      const auto stats = g_wal_bench->committer->stats();
      state.counters["syncs_per_second"] =
          benchmark::Counter(static_cast<double>(stats.groups), benchmark::Counter::kIsRate);
      state.counters["records_per_sync"] =
          stats.groups == 0 ? 0.0 : static_cast<double>(stats.records) / static_cast<double>(stats.groups);
    }
    delete g_wal_bench;
    g_wal_bench = nullptr;
  }
}
BENCHMARK(BM_WalGroupCommit)->Arg(16)->Arg(1024)->Threads(1)->Threads(16)->Threads(256)->UseRealTime();

void BM_WalGroupCommitInFlight(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  const auto appenders = static_cast<std::size_t>(state.range(1));
  BenchDir dir;
  auto disk = PosixDisk::open(dir.path());
  if (!disk.ok()) {
    state.SkipWithError(disk.error().message.c_str());
    return;
  }
  auto wal = Wal::open(*disk.value(), quorum::storage::WalOptions{});
  if (!wal.ok()) {
    state.SkipWithError(wal.error().message.c_str());
    return;
  }
  GroupCommitter committer(std::move(std::move(wal).value().wal));
  std::mutex mu;
  std::condition_variable room;
  std::size_t in_flight = 0;
  std::uint64_t failures = 0;
  const std::string payload(bytes, 'p');
  auto done = [&](const quorum::storage::StorageResult<quorum::storage::Lsn>& r) {
    std::lock_guard<std::mutex> lock(mu);
    --in_flight;
    if (!r.ok()) ++failures;
    room.notify_one();
  };
  for (auto _ : state) {
    {
      std::unique_lock<std::mutex> lock(mu);
      room.wait(lock, [&] { return in_flight < appenders; });
      ++in_flight;
    }
    committer.submit(1, payload, done);
  }
  {
    // The last records count only once they are durable.
    std::unique_lock<std::mutex> lock(mu);
    room.wait(lock, [&] { return in_flight == 0; });
  }
  committer.stop();
  if (failures > 0) state.SkipWithError("a record failed to commit");
  const auto stats = committer.stats();
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.counters["syncs_per_second"] =
      benchmark::Counter(static_cast<double>(stats.groups), benchmark::Counter::kIsRate);
  state.counters["records_per_sync"] =
      stats.groups == 0 ? 0.0 : static_cast<double>(stats.records) / static_cast<double>(stats.groups);
}
BENCHMARK(BM_WalGroupCommitInFlight)
    ->ArgsProduct({{16, 1024}, {1, 16, 256}})
    ->ArgNames({"bytes", "appenders"})
    ->UseRealTime();

}  // namespace
