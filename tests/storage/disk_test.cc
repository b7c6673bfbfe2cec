// Disk semantics shared by PosixDisk and SimDisk, and SimDisk's fault model.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "storage/posix_disk.h"
#include "storage/sim_disk.h"
#include "storage_test_util.h"

namespace quorum::storage {
namespace {

using testing::TempDir;

// ---------------------------------------------------------------------------
// The Disk contract, run against both implementations.
// ---------------------------------------------------------------------------

class StorageDiskContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "posix") {
      auto d = PosixDisk::open(dir_.path() + "/d");
      ASSERT_TRUE(d.ok()) << d.error().to_string();
      disk_ = std::move(d).value();
    } else {
      disk_ = std::make_unique<SimDisk>();
    }
  }
  Disk& disk() { return *disk_; }

  TempDir dir_;
  std::unique_ptr<Disk> disk_;
};

TEST_P(StorageDiskContract, CreateWriteReadSize) {
  ASSERT_TRUE(disk().create("a").ok());
  auto again = disk().create("a");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kExists);

  ASSERT_TRUE(disk().write("a", 0, "hello").ok());
  ASSERT_TRUE(disk().write("a", 10, "world").ok());  // extends with zeros
  EXPECT_EQ(disk().size("a").value(), 15u);
  EXPECT_EQ(disk().read("a", 0, 100).value(), std::string("hello\0\0\0\0\0world", 15));
  EXPECT_EQ(disk().read("a", 3, 4).value(), std::string("lo\0\0", 4));
  EXPECT_EQ(disk().read("a", 15, 4).value(), "");
  EXPECT_EQ(disk().read("a", 99, 4).value(), "");
  ASSERT_TRUE(disk().append("a", "!").ok());
  EXPECT_EQ(disk().read_all("a").value().back(), '!');
  ASSERT_TRUE(disk().sync("a").ok());
}

TEST_P(StorageDiskContract, TruncateAndAllocate) {
  ASSERT_TRUE(disk().create("f").ok());
  ASSERT_TRUE(disk().write("f", 0, "abcdef").ok());
  ASSERT_TRUE(disk().truncate("f", 3).ok());
  EXPECT_EQ(disk().read_all("f").value(), "abc");
  ASSERT_TRUE(disk().truncate("f", 5).ok());
  EXPECT_EQ(disk().read_all("f").value(), std::string("abc\0\0", 5));
  ASSERT_TRUE(disk().allocate("f", 4096).ok());
  EXPECT_EQ(disk().size("f").value(), 4096u);
  ASSERT_TRUE(disk().allocate("f", 10).ok());  // never shrinks
  EXPECT_EQ(disk().size("f").value(), 4096u);
  EXPECT_EQ(disk().read("f", 0, 3).value(), "abc");
}

TEST_P(StorageDiskContract, RenameReplacesAndRemove) {
  ASSERT_TRUE(disk().create("x").ok());
  ASSERT_TRUE(disk().write("x", 0, "new").ok());
  ASSERT_TRUE(disk().create("y").ok());
  ASSERT_TRUE(disk().write("y", 0, "old-contents").ok());
  ASSERT_TRUE(disk().rename("x", "y").ok());
  EXPECT_EQ(disk().read_all("y").value(), "new");
  EXPECT_FALSE(disk().exists("x").value());
  ASSERT_TRUE(disk().sync_dir().ok());
  ASSERT_TRUE(disk().remove("y").ok());
  EXPECT_FALSE(disk().exists("y").value());
  auto gone = disk().remove("y");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind, ErrorKind::kNotFound);
}

TEST_P(StorageDiskContract, ListIsSorted) {
  for (const char* n : {"c", "a", "b"}) ASSERT_TRUE(disk().create(n).ok());
  EXPECT_EQ(disk().list().value(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_P(StorageDiskContract, ErrorsAreValuesWithReasons) {
  auto missing = disk().read("nope", 0, 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
  for (const char* bad : {"", ".", "..", "a/b"}) {
    auto st = disk().create(bad);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.error().kind, ErrorKind::kInvalidArgument);
  }
  EXPECT_FALSE(disk().sync("nope").ok());
  EXPECT_FALSE(disk().rename("nope", "other").ok());
}

INSTANTIATE_TEST_SUITE_P(Disks, StorageDiskContract, ::testing::Values("posix", "sim"));

TEST(StoragePosixDisk, ErrnoTextAndDirectoryErrors) {
  TempDir dir;
  auto missing_parent = PosixDisk::open(dir.path() + "/no/such/dir");
  ASSERT_FALSE(missing_parent.ok());
  EXPECT_NE(missing_parent.error().message.find("No such file or directory"), std::string::npos)
      << missing_parent.error().message;

  auto d = PosixDisk::open(dir.path() + "/d");
  ASSERT_TRUE(d.ok());
  auto st = d.value()->read("absent", 0, 1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("No such file or directory"), std::string::npos);
  EXPECT_NE(st.error().message.find(dir.path() + "/d/absent"), std::string::npos);
}

TEST(StoragePosixDisk, ManyFilesBeyondTheDescriptorCache) {
  TempDir dir;
  auto d = PosixDisk::open(dir.path());
  ASSERT_TRUE(d.ok());
  Disk& disk = *d.value();
  const int n = static_cast<int>(PosixDisk::kMaxCachedFiles) + 20;
  for (int i = 0; i < n; ++i) {
    const std::string name = "f" + std::to_string(i);
    ASSERT_TRUE(disk.create(name).ok());
    ASSERT_TRUE(disk.write(name, 0, name).ok());
  }
  for (int i = 0; i < n; ++i) {
    const std::string name = "f" + std::to_string(i);
    ASSERT_TRUE(disk.sync(name).ok());
    EXPECT_EQ(disk.read_all(name).value(), name);
  }
}

// ---------------------------------------------------------------------------
// SimDisk: durability, crashes, tears, bit flips, latency.
// ---------------------------------------------------------------------------

TEST(StorageSimDisk, CrashLosesUnsyncedWritesKeepsSynced) {
  SimDisk disk;
  ASSERT_TRUE(disk.create("f").ok());
  ASSERT_TRUE(disk.sync_dir().ok());
  ASSERT_TRUE(disk.write("f", 0, "durable").ok());
  ASSERT_TRUE(disk.sync("f").ok());
  ASSERT_TRUE(disk.write("f", 7, "-volatile").ok());
  ASSERT_TRUE(disk.write("f", 0, "D").ok());
  EXPECT_EQ(disk.read_all("f").value(), "Durable-volatile");
  disk.crash();
  EXPECT_EQ(disk.read_all("f").value(), "durable");
  EXPECT_EQ(disk.stats().lost_writes, 2u);
  EXPECT_EQ(disk.stats().torn_writes, 0u);
}

TEST(StorageSimDisk, CrashUndoesUnsyncedResizes) {
  SimDisk disk;
  ASSERT_TRUE(disk.create("f").ok());
  ASSERT_TRUE(disk.sync_dir().ok());
  ASSERT_TRUE(disk.write("f", 0, "0123456789").ok());
  ASSERT_TRUE(disk.sync("f").ok());
  ASSERT_TRUE(disk.truncate("f", 2).ok());
  ASSERT_TRUE(disk.allocate("f", 100).ok());
  ASSERT_TRUE(disk.write("f", 50, "x").ok());
  disk.crash();
  EXPECT_EQ(disk.read_all("f").value(), "0123456789");
}

TEST(StorageSimDisk, TornWriteLandsAPrefix) {
  int torn = 0, garbage = 0;
  const std::string data(64, 'A');
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    SimDisk disk({.seed = seed, .torn_write_per_million = 1'000'000});
    ASSERT_TRUE(disk.create("f").ok());
    ASSERT_TRUE(disk.sync_dir().ok());
    ASSERT_TRUE(disk.write("f", 0, "head").ok());
    ASSERT_TRUE(disk.sync("f").ok());
    ASSERT_TRUE(disk.write("f", 100, "lost whole").ok());
    ASSERT_TRUE(disk.write("f", 4, data).ok());  // the last unsynced write: torn
    disk.crash();
    const std::string got = disk.read_all("f").value();
    ASSERT_EQ(got.substr(0, 4), "head");
    EXPECT_LE(got.size(), 4 + data.size());  // the earlier write at 100 is gone
    std::size_t prefix = 0;
    while (4 + prefix < got.size() && got[4 + prefix] == 'A') ++prefix;
    EXPECT_LT(prefix, data.size());
    if (disk.stats().torn_writes == 1) ++torn;
    if (4 + prefix < got.size()) ++garbage;
    EXPECT_EQ(disk.stats().torn_writes + disk.stats().lost_writes, 2u);
  }
  EXPECT_GT(torn, 150);
  EXPECT_GT(garbage, 50);
}

TEST(StorageSimDisk, DirectoryChangesNeedSyncDir) {
  // Without keeping a prefix, every unsynced create/rename/remove is lost.
  SimDisk disk({.keep_unsynced_dir_ops_prefix = false});
  ASSERT_TRUE(disk.create("kept").ok());
  ASSERT_TRUE(disk.write("kept", 0, "k").ok());
  ASSERT_TRUE(disk.sync("kept").ok());
  ASSERT_TRUE(disk.sync_dir().ok());
  ASSERT_TRUE(disk.create("new").ok());
  ASSERT_TRUE(disk.write("new", 0, "synced data, unsynced name").ok());
  ASSERT_TRUE(disk.sync("new").ok());
  ASSERT_TRUE(disk.rename("kept", "renamed").ok());
  disk.crash();
  EXPECT_EQ(disk.list().value(), std::vector<std::string>{"kept"});
  EXPECT_EQ(disk.read_all("kept").value(), "k");
  EXPECT_EQ(disk.stats().lost_dir_ops, 2u);
}

TEST(StorageSimDisk, CrashKeepsAPrefixOfDirectoryChanges) {
  // Removals in order a, b, c: after a crash the survivors are a suffix.
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    SimDisk disk({.seed = seed});
    for (const char* n : {"a", "b", "c", "d"}) ASSERT_TRUE(disk.create(n).ok());
    ASSERT_TRUE(disk.sync_dir().ok());
    for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(disk.remove(n).ok());
    disk.crash();
    const auto names = disk.list().value();
    const std::vector<std::string> all{"a", "b", "c", "d"};
    ASSERT_FALSE(names.empty());
    EXPECT_EQ(names, std::vector<std::string>(all.end() - static_cast<std::ptrdiff_t>(names.size()), all.end()));
  }
}

TEST(StorageSimDisk, CorruptFlipsDurableBits) {
  SimDisk disk;
  ASSERT_TRUE(disk.create("f").ok());
  ASSERT_TRUE(disk.sync_dir().ok());
  ASSERT_TRUE(disk.write("f", 0, std::string(8, '\0')).ok());
  ASSERT_TRUE(disk.sync("f").ok());
  ASSERT_TRUE(disk.write("f", 0, "volatile").ok());  // the flip must survive the crash
  ASSERT_TRUE(disk.corrupt("f", 3, 2).ok());
  disk.crash();
  std::string expect(8, '\0');
  expect[3] = 4;
  EXPECT_EQ(disk.read_all("f").value(), expect);
  EXPECT_EQ(disk.stats().bit_flips, 1u);
  EXPECT_FALSE(disk.corrupt("f", 8).ok());
}

TEST(StorageSimDisk, BitFlipRate) {
  SimDisk disk({.seed = 7, .bit_flip_per_million = 1'000'000});
  ASSERT_TRUE(disk.create("f").ok());
  const std::string data(100, '\0');
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(disk.write("f", 0, data).ok());
  EXPECT_EQ(disk.stats().bit_flips, 10u);
  EXPECT_NE(disk.read_all("f").value(), data);
}

TEST(StorageSimDisk, LatencyIsReportedNotSlept) {
  SimDisk disk({.io_latency_ticks_min = 1, .io_latency_ticks_max = 3,
                .sync_latency_ticks_min = 10, .sync_latency_ticks_max = 20});
  ASSERT_TRUE(disk.create("f").ok());
  ASSERT_TRUE(disk.write("f", 0, "x").ok());
  const std::uint64_t io = disk.take_latency_ticks();
  EXPECT_GE(io, 2u);
  EXPECT_LE(io, 6u);
  ASSERT_TRUE(disk.sync("f").ok());
  const std::uint64_t s = disk.take_latency_ticks();
  EXPECT_GE(s, 10u);
  EXPECT_LE(s, 20u);
  EXPECT_EQ(disk.take_latency_ticks(), 0u);
}

TEST(StorageSimDisk, InjectedSyncFailureMakesNothingDurable) {
  SimDisk disk;
  ASSERT_TRUE(disk.create("f").ok());
  ASSERT_TRUE(disk.sync_dir().ok());
  ASSERT_TRUE(disk.write("f", 0, "data").ok());
  disk.fail_next_syncs(1);
  auto st = disk.sync("f");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::kIo);
  disk.crash();
  EXPECT_EQ(disk.read_all("f").value(), "");
  EXPECT_EQ(disk.stats().failed_syncs, 1u);
}

TEST(StorageSimDisk, SameSeedSameCrash) {
  auto run = [](std::uint64_t seed) {
    SimDisk disk({.seed = seed, .torn_write_per_million = 500'000});
    EXPECT_TRUE(disk.create("f").ok());
    for (int i = 0; i < 20; ++i) {
      EXPECT_TRUE(disk.write("f", static_cast<std::uint64_t>(i) * 10, std::string(10, static_cast<char>('a' + i))).ok());
      if (i % 3 == 0) EXPECT_TRUE(disk.sync("f").ok());
      if (i % 7 == 6) {
        disk.crash();
        if (!disk.exists("f").value()) EXPECT_TRUE(disk.create("f").ok());
      }
    }
    disk.crash();
    return disk.exists("f").value() ? disk.read_all("f").value() : std::string("<gone>");
  };
  for (std::uint64_t seed = 1; seed <= 20; ++seed) EXPECT_EQ(run(seed), run(seed));
}

}  // namespace
}  // namespace quorum::storage
