// Snapshot files: round trip, checksums, fallback policy, pruning, and
// atomic replacement under crashes at every step.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "storage/posix_disk.h"
#include "storage/sim_disk.h"
#include "storage/snapshot_file.h"
#include "storage_test_util.h"

namespace quorum::storage {
namespace {

using testing::PowerCutDisk;
using testing::random_bytes;
using testing::TempDir;

Snapshot make_snapshot(std::uint64_t index, std::size_t size, std::uint64_t seed = 1) {
  Prng prng(seed + index);
  return Snapshot{index, "meta@" + std::to_string(index), random_bytes(prng, size)};
}

TEST(SnapshotFile, Names) {
  EXPECT_EQ(SnapshotStore::file_name(0x2a), "snapshot-000000000000002a.snap");
  std::uint64_t index = 0;
  EXPECT_TRUE(SnapshotStore::parse_file_name("snapshot-000000000000002a.snap", &index));
  EXPECT_EQ(index, 42u);
  EXPECT_FALSE(SnapshotStore::parse_file_name("snapshot-000000000000002a.snap.tmp", &index));
  EXPECT_FALSE(SnapshotStore::parse_file_name("wal-0000000000000001.log", &index));
}

class SnapshotRoundTrip : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "posix") {
      auto d = PosixDisk::open(dir_.path() + "/snap");
      ASSERT_TRUE(d.ok());
      disk_ = std::move(d).value();
    } else {
      disk_ = std::make_unique<SimDisk>();
    }
  }
  TempDir dir_;
  std::unique_ptr<Disk> disk_;
};

TEST_P(SnapshotRoundTrip, WriteLoadNewestAndPrune) {
  SnapshotStore store(*disk_, {.keep = 2});
  auto none = store.load_latest();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().snapshot.has_value());

  for (std::uint64_t index : {10, 20, 30}) ASSERT_TRUE(store.write(make_snapshot(index, 1000)).ok());
  auto latest = store.load_latest();
  ASSERT_TRUE(latest.ok()) << latest.error().to_string();
  ASSERT_TRUE(latest.value().snapshot.has_value());
  EXPECT_EQ(*latest.value().snapshot, make_snapshot(30, 1000));
  EXPECT_EQ(latest.value().file, "snapshot-000000000000001e.snap");
  EXPECT_TRUE(latest.value().corrupted.empty());
  EXPECT_EQ(store.list().value(), (std::vector<std::uint64_t>{20, 30}));
  EXPECT_EQ(store.load(20).value(), make_snapshot(20, 1000));
  EXPECT_EQ(store.load(10).error().kind, ErrorKind::kNotFound);

  // Empty data and metadata are fine; the same index is replaced.
  ASSERT_TRUE(store.write(Snapshot{30, "", ""}).ok());
  EXPECT_EQ(store.load_latest().value().snapshot->data, "");
  EXPECT_EQ(disk_->list().value(),
            (std::vector<std::string>{"snapshot-0000000000000014.snap", "snapshot-000000000000001e.snap"}));
}

INSTANTIATE_TEST_SUITE_P(Disks, SnapshotRoundTrip, ::testing::Values("posix", "sim"));

TEST(SnapshotFile, EveryFlippedBitIsDetected) {
  SimDisk base;
  SnapshotStore(base).write(make_snapshot(7, 40)).value();
  const std::string name = SnapshotStore::file_name(7);
  const std::uint64_t size = base.size(name).value();
  for (std::uint64_t b = 0; b < size; ++b) {
    for (int bit = 0; bit < 8; ++bit) {
      SimDisk disk = base;
      ASSERT_TRUE(disk.corrupt(name, b, bit).ok());
      SnapshotStore store(disk);
      auto r = store.load_latest();
      ASSERT_FALSE(r.ok()) << "byte " << b << " bit " << bit;
      EXPECT_EQ(r.error().kind, ErrorKind::kCorruption);
      EXPECT_NE(r.error().message.find(name), std::string::npos) << r.error().message;
    }
  }
}

TEST(SnapshotFile, TruncatedOrPaddedFileIsDetected) {
  SimDisk base;
  SnapshotStore(base).write(make_snapshot(7, 100)).value();
  const std::string name = SnapshotStore::file_name(7);
  const std::uint64_t size = base.size(name).value();
  for (const std::uint64_t new_size : {std::uint64_t{0}, std::uint64_t{10}, size - 1, size + 1, size + 4096}) {
    SimDisk disk = base;
    ASSERT_TRUE(disk.truncate(name, new_size).ok());
    EXPECT_EQ(SnapshotStore(disk).load(7).error().kind, ErrorKind::kCorruption) << new_size;
  }
}

TEST(SnapshotFile, CorruptedNewestFallsBackToOlderAndSaysSo) {
  SimDisk disk;
  SnapshotStore store(disk, {.keep = 3});
  for (std::uint64_t index : {100, 200, 300}) ASSERT_TRUE(store.write(make_snapshot(index, 500)).ok());
  ASSERT_TRUE(disk.corrupt(SnapshotStore::file_name(300), 250).ok());
  auto r = store.load_latest();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().snapshot->last_included_index, 200u);
  ASSERT_EQ(r.value().corrupted.size(), 1u);
  EXPECT_NE(r.value().corrupted[0].find("snapshot-000000000000012c.snap"), std::string::npos);
  EXPECT_NE(r.value().corrupted[0].find("checksum mismatch"), std::string::npos);

  // All of them corrupted: an error naming each file.
  ASSERT_TRUE(disk.corrupt(SnapshotStore::file_name(200), 40).ok());
  ASSERT_TRUE(disk.corrupt(SnapshotStore::file_name(100), 0).ok());
  auto all = store.load_latest();
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().kind, ErrorKind::kCorruption);
  for (std::uint64_t index : {100, 200, 300}) {
    EXPECT_NE(all.error().message.find(SnapshotStore::file_name(index)), std::string::npos);
  }
}

TEST(SnapshotFile, FileNameMustMatchContents) {
  SimDisk disk;
  SnapshotStore store(disk);
  ASSERT_TRUE(store.write(make_snapshot(5, 10)).ok());
  ASSERT_TRUE(disk.rename(SnapshotStore::file_name(5), SnapshotStore::file_name(6)).ok());
  auto r = store.load(6);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("its name says 6"), std::string::npos) << r.error().message;
}

TEST(SnapshotFile, StaleTmpIsIgnoredAndRemoved) {
  SimDisk disk;
  SnapshotStore store(disk);
  ASSERT_TRUE(store.write(make_snapshot(1, 10)).ok());
  const std::string stale = SnapshotStore::file_name(2) + ".tmp";
  ASSERT_TRUE(disk.create(stale).ok());
  ASSERT_TRUE(disk.write(stale, 0, "half a snapshot").ok());
  EXPECT_EQ(store.load_latest().value().snapshot->last_included_index, 1u);
  ASSERT_TRUE(store.write(make_snapshot(2, 10)).ok());  // replaces the stale tmp
  ASSERT_TRUE(store.write(make_snapshot(3, 10)).ok());
  const auto names = disk.list().value();
  for (const auto& n : names) EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
}

TEST(SnapshotFile, AtomicReplaceUnderPowerCutAtEveryStep) {
  // Power fails after k disk operations of write(), for every k, with torn
  // writes on: afterwards the newest valid snapshot is the old or the new
  // one, complete; never an error, never a mix.
  const Snapshot old_snap = make_snapshot(10, 3000, 1);
  const Snapshot new_snap = make_snapshot(20, 3000, 2);
  int saw_old = 0, saw_new = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    for (std::int64_t k = 0; k < 20; ++k) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " power cut after " + std::to_string(k) + " ops");
      SimDisk sim({.seed = seed, .torn_write_per_million = 1'000'000});
      ASSERT_TRUE(SnapshotStore(sim, {.keep = 1}).write(old_snap).ok());
      PowerCutDisk disk(sim, k);
      const bool done = SnapshotStore(disk, {.keep = 1}).write(new_snap).ok();
      sim.crash();
      auto r = SnapshotStore(sim).load_latest();
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      ASSERT_TRUE(r.value().snapshot.has_value());
      EXPECT_TRUE(r.value().corrupted.empty());
      const Snapshot& got = *r.value().snapshot;
      if (done) {
        EXPECT_EQ(got, new_snap);  // a write that returned ok is durable
      } else {
        EXPECT_TRUE(got == old_snap || got == new_snap);
      }
      (got == new_snap ? saw_new : saw_old)++;
    }
  }
  EXPECT_GT(saw_old, 0);
  EXPECT_GT(saw_new, 0);
}

TEST(SnapshotFile, OversizedMetadataIsRefused) {
  SimDisk disk;
  auto st = SnapshotStore(disk).write(Snapshot{1, std::string(kMaxSnapshotMetadataBytes + 1, 'm'), ""});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace quorum::storage
