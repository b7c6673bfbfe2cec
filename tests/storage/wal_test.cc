// Wal: round trips, segment roll-over, truncate_prefix, and the recovery
// cases of the header comment in storage/wal.h (torn tails at every byte,
// zero-filled tails, corruption at every byte of a middle record, holes,
// empty and missing segments).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "storage/encoding.h"
#include "storage/posix_disk.h"
#include "storage/sim_disk.h"
#include "storage/wal.h"
#include "storage_test_util.h"

namespace quorum::storage {
namespace {

using testing::random_bytes;
using testing::TempDir;

WalOptions small_options(std::uint64_t segment_bytes = 1024, std::size_t max_record = 256) {
  WalOptions o;
  o.segment_bytes = segment_bytes;
  o.max_record_bytes = max_record;
  return o;
}

// Records with LSNs first.., random types and payloads of 0..max_len bytes.
std::vector<WalRecord> make_records(Prng& prng, std::size_t n, std::uint64_t first, std::size_t max_len) {
  std::vector<WalRecord> v;
  for (std::size_t i = 0; i < n; ++i) {
    v.push_back(WalRecord{Lsn{first + i}, static_cast<std::uint8_t>(prng.range(0, 255)),
                          random_bytes(prng, prng.range(0, max_len))});
  }
  return v;
}

// Appends `records` (whose LSNs must be the next ones), syncing every `every`.
void append_all(Wal& wal, const std::vector<WalRecord>& records, std::size_t every = 1) {
  std::size_t n = 0;
  for (const auto& r : records) {
    auto lsn = wal.append(r.type, r.payload);
    ASSERT_TRUE(lsn.ok()) << lsn.error().to_string();
    ASSERT_EQ(lsn.value(), r.lsn);
    if (++n % every == 0) ASSERT_TRUE(wal.sync().ok());
  }
  ASSERT_TRUE(wal.sync().ok());
  ASSERT_EQ(wal.durable_lsn(), wal.last_lsn());
}

Wal::Opened open_ok(Disk& disk, const WalOptions& options) {
  auto o = Wal::open(disk, options);
  EXPECT_TRUE(o.ok()) << o.error().to_string();
  if (!o.ok()) std::abort();
  return std::move(o).value();
}

std::uint64_t frame_bytes(const WalRecord& r) { return kFrameHeaderBytes + r.payload.size(); }

// Byte offset of record i (0-based) in a segment holding `records` from its start.
std::uint64_t offset_of(const std::vector<WalRecord>& records, std::size_t i) {
  std::uint64_t off = kSegmentHeaderBytes;
  for (std::size_t j = 0; j < i; ++j) off += frame_bytes(records[j]);
  return off;
}

const std::string kSeg1 = Wal::segment_name(1);

// ---------------------------------------------------------------------------

TEST(WalBasics, SegmentNames) {
  EXPECT_EQ(Wal::segment_name(1), "wal-0000000000000001.log");
  EXPECT_EQ(Wal::segment_name(0xabcdef), "wal-0000000000abcdef.log");
  std::uint64_t lsn = 0;
  EXPECT_TRUE(Wal::parse_segment_name("wal-00000000000000ff.log", &lsn));
  EXPECT_EQ(lsn, 255u);
  for (const char* bad : {"wal-00000000000000FF.log", "wal-0000000000000000.log", "wal-1.log",
                          "wal-00000000000000ff.log.tmp", "snapshot-0000000000000001.snap"}) {
    EXPECT_FALSE(Wal::parse_segment_name(bad, &lsn)) << bad;
  }
}

TEST(WalBasics, EmptyDirectoryIsAnEmptyLog) {
  SimDisk disk;
  auto o = open_ok(disk, small_options());
  EXPECT_TRUE(o.records.empty());
  EXPECT_EQ(o.wal.durable_lsn(), Lsn{0});
  EXPECT_EQ(o.wal.last_lsn(), Lsn{0});
  EXPECT_EQ(o.wal.first_lsn(), Lsn{1});
  EXPECT_TRUE(o.wal.sync().ok());  // nothing to do
  EXPECT_TRUE(disk.list().value().empty());
}

TEST(WalBasics, OptionsAreValidated) {
  SimDisk disk;
  WalOptions o = small_options(100, 256);
  EXPECT_EQ(Wal::open(disk, o).error().kind, ErrorKind::kInvalidArgument);
  o = small_options();
  o.max_record_bytes = kMaxRecordBytes + 1;
  EXPECT_EQ(Wal::open(disk, o).error().kind, ErrorKind::kInvalidArgument);
}

TEST(WalBasics, AppendIsVolatileUntilSync) {
  SimDisk disk;
  {
    auto o = open_ok(disk, small_options());
    ASSERT_TRUE(o.wal.append(1, "synced").ok());
    ASSERT_TRUE(o.wal.sync().ok());
    auto lsn = o.wal.append(2, "never synced");
    ASSERT_TRUE(lsn.ok());
    EXPECT_EQ(lsn.value(), Lsn{2});
    EXPECT_EQ(o.wal.durable_lsn(), Lsn{1});
    EXPECT_EQ(o.wal.last_lsn(), Lsn{2});
  }
  disk.crash();
  auto o = open_ok(disk, small_options());
  ASSERT_EQ(o.records.size(), 1u);
  EXPECT_EQ(o.records[0], (WalRecord{Lsn{1}, 1, "synced"}));
}

TEST(WalBasics, WriteWithoutSyncIsNotDurable) {
  SimDiskOptions disk_options;
  disk_options.torn_write_per_million = 1'000'000;  // every crash tears the last write
  SimDisk disk(disk_options);
  const WalOptions opts = small_options(4096, 256);
  {
    auto o = open_ok(disk, opts);
    append_all(o.wal, {WalRecord{Lsn{1}, 1, "durable"}});
    ASSERT_TRUE(o.wal.append(2, "written, never synced").ok());
    ASSERT_TRUE(o.wal.write().ok());
    EXPECT_EQ(o.wal.written_lsn(), Lsn{2});
    EXPECT_EQ(o.wal.durable_lsn(), Lsn{1});
    EXPECT_GT(disk.unsynced_ops(kSeg1), 0u);
  }
  disk.crash();
  EXPECT_EQ(disk.stats().torn_writes, 1u);
  {
    auto o = open_ok(disk, opts);
    // The torn record is cut (or, if the tear kept all of it, kept whole).
    ASSERT_GE(o.records.size(), 1u);
    EXPECT_EQ(o.records[0], (WalRecord{Lsn{1}, 1, "durable"}));
    if (o.records.size() == 2) EXPECT_EQ(o.records[1], (WalRecord{Lsn{2}, 2, "written, never synced"}));
    // write() then sync() makes it durable with one fdatasync.
    ASSERT_TRUE(o.wal.append(3, "third").ok());
    ASSERT_TRUE(o.wal.write().ok());
    const auto syncs = o.wal.stats().file_syncs;
    ASSERT_TRUE(o.wal.sync().ok());
    EXPECT_EQ(o.wal.stats().file_syncs, syncs + 1);
    EXPECT_EQ(o.wal.durable_lsn(), o.wal.last_lsn());
    EXPECT_EQ(disk.unsynced_ops(kSeg1), 0u);
  }
}

TEST(WalBasics, RecordLimits) {
  SimDisk disk;
  WalOptions opts = small_options(4096, 100);
  opts.max_unsynced_bytes = 300;
  auto o = open_ok(disk, opts);
  auto big = o.wal.append(0, std::string(101, 'x'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(o.wal.append(0, std::string(100, 'x')).ok());
  EXPECT_TRUE(o.wal.append(0, std::string(100, 'x')).ok());
  auto full = o.wal.append(0, std::string(100, 'x'));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().kind, ErrorKind::kFull);
  ASSERT_TRUE(o.wal.sync().ok());
  EXPECT_TRUE(o.wal.append(0, std::string(100, 'x')).ok());
  EXPECT_TRUE(o.wal.append(0, "").ok());  // empty payloads are records too
  ASSERT_TRUE(o.wal.sync().ok());
  auto again = open_ok(disk, opts);
  ASSERT_EQ(again.records.size(), 4u);
  EXPECT_EQ(again.records[3].payload, "");
}

// Round trip on both disks: append, sync, reopen, append more, reopen.
class WalRoundTrip : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "posix") {
      auto d = PosixDisk::open(dir_.path() + "/wal");
      ASSERT_TRUE(d.ok()) << d.error().to_string();
      disk_ = std::move(d).value();
    } else {
      disk_ = std::make_unique<SimDisk>();
    }
  }
  TempDir dir_;
  std::unique_ptr<Disk> disk_;
};

TEST_P(WalRoundTrip, AppendSyncReopen) {
  Prng prng(42);
  const WalOptions opts = small_options(16 << 10, 2000);
  auto first = make_records(prng, 300, 1, 1000);
  {
    auto o = open_ok(*disk_, opts);
    append_all(o.wal, first, 7);
    EXPECT_GT(o.wal.stats().segments_created, 5u);
    EXPECT_LT(o.wal.stats().file_syncs, 2 * first.size());
  }
  auto second = make_records(prng, 100, 301, 1000);
  {
    auto o = open_ok(*disk_, opts);
    EXPECT_EQ(o.records, first);
    EXPECT_EQ(o.info.records, 300u);
    EXPECT_EQ(o.info.first_lsn, Lsn{1});
    EXPECT_EQ(o.info.last_lsn, Lsn{300});
    EXPECT_TRUE(o.info.tail_note.empty()) << o.info.tail_note;
    EXPECT_EQ(o.wal.durable_lsn(), Lsn{300});
    append_all(o.wal, second, 3);
  }
  auto o = open_ok(*disk_, opts);
  first.insert(first.end(), second.begin(), second.end());
  EXPECT_EQ(o.records, first);
  // Every segment is preallocated to the configured size.
  for (const auto& name : o.wal.segment_names()) EXPECT_EQ(disk_->size(name).value(), opts.segment_bytes);
}

TEST_P(WalRoundTrip, DefaultOptionsPreallocate64MiB) {
  auto o = open_ok(*disk_, WalOptions{});
  ASSERT_TRUE(o.wal.append(7, "x").ok());
  ASSERT_TRUE(o.wal.sync().ok());
  EXPECT_EQ(disk_->size(kSeg1).value(), 64u << 20);
  auto again = open_ok(*disk_, WalOptions{});
  ASSERT_EQ(again.records.size(), 1u);
  EXPECT_EQ(again.records[0], (WalRecord{Lsn{1}, 7, "x"}));
}

INSTANTIATE_TEST_SUITE_P(Disks, WalRoundTrip, ::testing::Values("posix", "sim"));

TEST(WalSegments, RollOverKeepsEverySegmentContiguous) {
  SimDisk disk;
  Prng prng(3);
  const WalOptions opts = small_options(512, 200);
  auto records = make_records(prng, 200, 1, 200);
  {
    auto o = open_ok(disk, opts);
    append_all(o.wal, records, 13);
  }
  auto o = open_ok(disk, opts);
  EXPECT_EQ(o.records, records);
  const auto names = o.wal.segment_names();
  ASSERT_GT(names.size(), 10u);
  EXPECT_EQ(o.info.segments, names.size());
  // Each segment is named after its first record, which follows the last one
  // of the segment before.
  std::uint64_t expected = 1;
  for (const auto& name : names) {
    std::uint64_t first = 0;
    ASSERT_TRUE(Wal::parse_segment_name(name, &first));
    EXPECT_EQ(first, expected);
    const std::string data = disk.read_all(name).value();
    std::uint64_t off = kSegmentHeaderBytes;
    while (off + kFrameHeaderBytes <= data.size() && encoding::get_u64(data.data() + off + 9) != 0) {
      EXPECT_EQ(encoding::get_u64(data.data() + off + 9), expected);
      off += kFrameHeaderBytes + encoding::get_u32(data.data() + off);
      ++expected;
    }
    EXPECT_LE(off, opts.segment_bytes);
  }
  EXPECT_EQ(expected, 201u);
}

TEST(WalSegments, OneSyncWritesManySegments) {
  SimDisk disk;
  Prng prng(4);
  const WalOptions opts = small_options(512, 200);
  auto records = make_records(prng, 100, 1, 200);
  {
    auto o = open_ok(disk, opts);
    append_all(o.wal, records, 1000);  // a single sync
    EXPECT_EQ(o.wal.stats().syncs, 1u);
    EXPECT_EQ(o.wal.stats().file_syncs, o.wal.stats().segments_created);
    EXPECT_EQ(o.wal.stats().dir_syncs, 1u);
  }
  disk.crash();  // everything was synced, directory included
  EXPECT_EQ(open_ok(disk, opts).records, records);
}

TEST(WalSegments, TruncatePrefixRemovesWholeSegmentsBelow) {
  SimDisk disk;
  Prng prng(5);
  const WalOptions opts = small_options(512, 100);
  auto records = make_records(prng, 120, 1, 100);
  auto o = open_ok(disk, opts);
  append_all(o.wal, records, 5);
  const auto before = o.wal.segment_names();
  ASSERT_GT(before.size(), 5u);

  ASSERT_TRUE(o.wal.truncate_prefix(Lsn{60}).ok());
  const Lsn first = o.wal.first_lsn();
  EXPECT_LE(first, Lsn{60});
  EXPECT_GT(first, Lsn{1});
  const auto after = o.wal.segment_names();
  EXPECT_LT(after.size(), before.size());
  EXPECT_EQ(after.front(), Wal::segment_name(first.value()));
  EXPECT_EQ(disk.list().value(), after);
  disk.crash();  // the removal was made durable

  {
    auto r = open_ok(disk, opts);
    ASSERT_FALSE(r.records.empty());
    EXPECT_EQ(r.records.front().lsn, first);
    EXPECT_EQ(r.records, std::vector<WalRecord>(records.begin() + static_cast<std::ptrdiff_t>(first.value() - 1),
                                                records.end()));
    // Truncating past the end keeps the last segment, which takes appends.
    ASSERT_TRUE(r.wal.truncate_prefix(Lsn{1000}).ok());
    EXPECT_EQ(r.wal.segment_names().size(), 1u);
    ASSERT_TRUE(r.wal.append(9, "after").ok());
    ASSERT_TRUE(r.wal.sync().ok());
    EXPECT_EQ(r.wal.durable_lsn(), Lsn{121});
  }
  auto r = open_ok(disk, opts);
  EXPECT_EQ(r.records.back(), (WalRecord{Lsn{121}, 9, "after"}));
  EXPECT_EQ(r.records.front().lsn, r.wal.first_lsn());
}

// ---------------------------------------------------------------------------
// Torn tails: a tear at every byte offset of the last record.
// ---------------------------------------------------------------------------

// Replaces [from, to) of `name` by zeros or by bytes that differ from the
// original ones (garbage), durably.
void damage(SimDisk& disk, const std::string& name, std::uint64_t from, std::uint64_t to, bool garbage,
            Prng& prng) {
  std::string bytes = disk.read(name, from, to - from).value();
  for (auto& c : bytes) c = garbage ? static_cast<char>(c ^ static_cast<char>(prng.range(1, 255))) : '\0';
  ASSERT_TRUE(disk.write(name, from, bytes).ok());
  ASSERT_TRUE(disk.sync(name).ok());
}

TEST(WalTornTail, TearAtEveryByteOfTheLastRecord) {
  Prng prng(11);
  const WalOptions opts = small_options(4096, 256);
  auto records = make_records(prng, 5, 1, 60);
  records.push_back(WalRecord{Lsn{6}, 6, random_bytes(prng, 40)});
  SimDisk base;
  {
    auto o = open_ok(base, opts);
    append_all(o.wal, records);
  }
  const std::uint64_t x = offset_of(records, 5);
  const std::uint64_t f = frame_bytes(records[5]);
  const std::vector<WalRecord> kept(records.begin(), records.begin() + 5);
  for (const bool garbage : {false, true}) {
    for (std::uint64_t k = 0; k < f; ++k) {
      SCOPED_TRACE("garbage=" + std::to_string(garbage) + " tear at byte " + std::to_string(k));
      SimDisk disk = base;
      damage(disk, kSeg1, x + k, x + f, garbage, prng);
      const WalRecord replacement{Lsn{6}, 9, "rewritten after the tear"};
      {
        auto o = open_ok(disk, opts);
        ASSERT_EQ(o.records, kept);
        EXPECT_EQ(o.wal.durable_lsn(), Lsn{5});
        if (k > 0 || garbage) {
          EXPECT_NE(o.info.tail_note.find(kSeg1 + " at offset " + std::to_string(x)), std::string::npos)
              << o.info.tail_note;
          EXPECT_GT(o.info.discarded_tail_bytes, 0u);
        }
        // The tail was cut and zeroed: nothing of the torn record is left.
        EXPECT_TRUE(encoding::all_zero(disk.read(kSeg1, x, opts.segment_bytes).value()));
        EXPECT_EQ(disk.size(kSeg1).value(), opts.segment_bytes);
        append_all(o.wal, {replacement});
      }
      disk.crash();
      auto again = open_ok(disk, opts);
      auto expect = kept;
      expect.push_back(replacement);
      ASSERT_EQ(again.records, expect);
      EXPECT_TRUE(again.info.tail_note.empty());
    }
  }
}

TEST(WalTornTail, TearAtEveryByteOfARolledOverSegment) {
  // The last record is the first of a new segment, written together with the
  // segment header: a tear anywhere leaves an empty (re-initialised) segment.
  Prng prng(12);
  const WalOptions opts = small_options(300, 100);
  std::vector<WalRecord> records;
  for (std::uint64_t i = 1; i <= 3; ++i) records.push_back(WalRecord{Lsn{i}, 1, std::string(50, 'a')});
  records.push_back(WalRecord{Lsn{4}, 2, std::string(60, 'b')});  // does not fit: new segment
  SimDisk base;
  {
    auto o = open_ok(base, opts);
    append_all(o.wal, records);
    ASSERT_EQ(o.wal.segment_names().size(), 2u);
  }
  const std::string seg2 = Wal::segment_name(4);
  const std::uint64_t end = kSegmentHeaderBytes + frame_bytes(records[3]);
  const std::vector<WalRecord> kept(records.begin(), records.begin() + 3);
  for (const bool garbage : {false, true}) {
    for (std::uint64_t k = 0; k < end; ++k) {
      SCOPED_TRACE("garbage=" + std::to_string(garbage) + " tear at byte " + std::to_string(k));
      SimDisk disk = base;
      damage(disk, seg2, k, end, garbage, prng);
      {
        auto o = open_ok(disk, opts);
        ASSERT_EQ(o.records, kept);
        ASSERT_EQ(o.wal.segment_names().size(), 2u);
        append_all(o.wal, {WalRecord{Lsn{4}, 3, "again"}});
      }
      auto again = open_ok(disk, opts);
      ASSERT_EQ(again.records.size(), 4u);
      EXPECT_EQ(again.records[3], (WalRecord{Lsn{4}, 3, "again"}));
      EXPECT_EQ(disk.list().value(), (std::vector<std::string>{kSeg1, seg2}));
    }
  }
}

TEST(WalTornTail, ZeroFilledPreallocatedTailIsACleanEnd) {
  SimDisk disk;
  const WalOptions opts = small_options(8192, 256);
  {
    auto o = open_ok(disk, opts);
    append_all(o.wal, {WalRecord{Lsn{1}, 1, "one"}, WalRecord{Lsn{2}, 2, "two"}});
  }
  const std::uint64_t used = kSegmentHeaderBytes + 2 * kFrameHeaderBytes + 6;
  EXPECT_EQ(disk.size(kSeg1).value(), 8192u);
  EXPECT_TRUE(encoding::all_zero(disk.read(kSeg1, used, 8192).value()));
  auto o = open_ok(disk, opts);
  EXPECT_EQ(o.records.size(), 2u);
  EXPECT_EQ(o.info.discarded_tail_bytes, 0u);
  EXPECT_TRUE(o.info.tail_note.empty());
}

TEST(WalTornTail, SegmentWithoutPreallocationEndsAtEndOfFile) {
  // A file system without fallocate, or a file cut short: the log simply ends
  // where the file does.
  SimDisk disk;
  const WalOptions opts = small_options(8192, 256);
  {
    auto o = open_ok(disk, opts);
    append_all(o.wal, {WalRecord{Lsn{1}, 1, "one"}});
  }
  ASSERT_TRUE(disk.truncate(kSeg1, kSegmentHeaderBytes + kFrameHeaderBytes + 3).ok());
  auto o = open_ok(disk, opts);
  EXPECT_EQ(o.records.size(), 1u);
  EXPECT_EQ(disk.size(kSeg1).value(), 8192u);  // re-extended
}

// ---------------------------------------------------------------------------
// Empty and missing segments (crash during roll-over).
// ---------------------------------------------------------------------------

TEST(WalEmptySegment, EmptyFileAsTheOnlySegment) {
  SimDisk disk;
  ASSERT_TRUE(disk.create(kSeg1).ok());
  {
    auto o = open_ok(disk, small_options());
    EXPECT_TRUE(o.records.empty());
    EXPECT_NE(o.info.tail_note.find("empty file"), std::string::npos) << o.info.tail_note;
    append_all(o.wal, {WalRecord{Lsn{1}, 1, "first"}});
  }
  EXPECT_EQ(open_ok(disk, small_options()).records.size(), 1u);
}

TEST(WalEmptySegment, EmptyLastSegmentAfterFullOne) {
  SimDisk disk;
  Prng prng(8);
  auto records = make_records(prng, 5, 1, 50);
  {
    auto o = open_ok(disk, small_options());
    append_all(o.wal, records);
  }
  const std::string seg6 = Wal::segment_name(6);
  ASSERT_TRUE(disk.create(seg6).ok());  // created, never written: crash during roll-over
  {
    auto o = open_ok(disk, small_options());
    EXPECT_EQ(o.records, records);
    EXPECT_EQ(o.wal.segment_names().back(), seg6);
    records.push_back(WalRecord{Lsn{6}, 1, "into the empty segment"});
    append_all(o.wal, {records.back()});
  }
  auto o = open_ok(disk, small_options());
  EXPECT_EQ(o.records, records);
  EXPECT_EQ(disk.read(seg6, kSegmentHeaderBytes + kFrameHeaderBytes, 22).value(), "into the empty segment");
}

TEST(WalEmptySegment, EmptySegmentAfterTruncatePrefixKeepsItsLsn) {
  // The only segment left is empty: the next LSN comes from its name.
  SimDisk disk;
  ASSERT_TRUE(disk.create(Wal::segment_name(77)).ok());
  auto o = open_ok(disk, small_options());
  EXPECT_EQ(o.wal.first_lsn(), Lsn{77});
  EXPECT_EQ(o.wal.append(0, "x").value(), Lsn{77});
}

TEST(WalEmptySegment, EmptySegmentThatDoesNotFollowIsCorruption) {
  SimDisk disk;
  {
    auto o = open_ok(disk, small_options());
    append_all(o.wal, {WalRecord{Lsn{1}, 1, "a"}, WalRecord{Lsn{2}, 1, "b"}});
  }
  ASSERT_TRUE(disk.create(Wal::segment_name(9)).ok());
  auto o = Wal::open(disk, small_options());
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().kind, ErrorKind::kCorruption);
  EXPECT_NE(o.error().message.find("wal-0000000000000009.log"), std::string::npos) << o.error().message;
  EXPECT_NE(o.error().message.find("ends at LSN 2"), std::string::npos) << o.error().message;
}

// ---------------------------------------------------------------------------
// Corruption is refused with the file and offset, never skipped.
// ---------------------------------------------------------------------------

TEST(WalCorruption, EveryBitOfAMiddleRecord) {
  Prng prng(21);
  const WalOptions opts = small_options(4096, 256);
  const auto records = make_records(prng, 5, 1, 40);
  SimDisk base;
  {
    auto o = open_ok(base, opts);
    append_all(o.wal, records, 100);  // one batch: one write, one sync
  }
  const std::uint64_t x = offset_of(records, 2);
  const std::string where = kSeg1 + " at offset " + std::to_string(x) + ":";
  for (std::uint64_t b = 0; b < frame_bytes(records[2]); ++b) {
    for (int bit = 0; bit < 8; ++bit) {
      SCOPED_TRACE("byte " + std::to_string(b) + " bit " + std::to_string(bit));
      SimDisk disk = base;
      ASSERT_TRUE(disk.corrupt(kSeg1, x + b, bit).ok());
      auto o = Wal::open(disk, opts);
      ASSERT_FALSE(o.ok());
      EXPECT_EQ(o.error().kind, ErrorKind::kCorruption);
      EXPECT_NE(o.error().message.find(where), std::string::npos) << o.error().message;
    }
  }
}

TEST(WalCorruption, LastRecordOfANonLastSegment) {
  Prng prng(22);
  const WalOptions opts = small_options(512, 100);
  auto records = make_records(prng, 40, 1, 100);
  SimDisk base;
  {
    auto o = open_ok(base, opts);
    append_all(o.wal, records, 4);
  }
  // Find the last frame of the first segment.
  const std::string data = base.read_all(kSeg1).value();
  std::uint64_t off = kSegmentHeaderBytes, last = off;
  while (encoding::get_u64(data.data() + off + 9) != 0) {
    last = off;
    off += kFrameHeaderBytes + encoding::get_u32(data.data() + off);
  }
  for (const std::uint64_t at : {last, last + kFrameHeaderBytes, off - 1}) {
    SimDisk disk = base;
    ASSERT_TRUE(disk.corrupt(kSeg1, at, 0).ok());
    auto o = Wal::open(disk, opts);
    ASSERT_FALSE(o.ok());
    EXPECT_NE(o.error().message.find(kSeg1 + " at offset " + std::to_string(last) + ":"), std::string::npos)
        << o.error().message;
  }
  // A non-last segment cut short is corruption too, not a torn tail.
  SimDisk cut = base;
  ASSERT_TRUE(cut.truncate(kSeg1, off - 1).ok());
  auto o = Wal::open(cut, opts);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().message.find("runs past the end"), std::string::npos) << o.error().message;
}

TEST(WalCorruption, SegmentHeaders) {
  Prng prng(23);
  const WalOptions opts = small_options(512, 100);
  auto records = make_records(prng, 40, 1, 100);
  SimDisk base;
  {
    auto o = open_ok(base, opts);
    append_all(o.wal, records, 4);
  }
  const auto names = base.list().value();
  ASSERT_GE(names.size(), 3u);
  // Every header byte of the first (non-last) and of the last segment.
  for (const auto& name : {names.front(), names.back()}) {
    for (std::uint64_t b = 0; b < kSegmentHeaderBytes; ++b) {
      SimDisk disk = base;
      ASSERT_TRUE(disk.corrupt(name, b, static_cast<int>(b % 8)).ok());
      auto o = Wal::open(disk, opts);
      ASSERT_FALSE(o.ok()) << name << " byte " << b;
      EXPECT_NE(o.error().message.find(name + " at offset 0:"), std::string::npos) << o.error().message;
    }
  }
}

TEST(WalCorruption, MissingMiddleSegmentIsAGap) {
  Prng prng(24);
  const WalOptions opts = small_options(512, 100);
  SimDisk disk;
  {
    auto o = open_ok(disk, opts);
    append_all(o.wal, make_records(prng, 40, 1, 100), 4);
  }
  const auto names = disk.list().value();
  ASSERT_GE(names.size(), 3u);
  ASSERT_TRUE(disk.remove(names[1]).ok());
  auto o = Wal::open(disk, opts);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().kind, ErrorKind::kCorruption);
  EXPECT_NE(o.error().message.find(names[2]), std::string::npos) << o.error().message;
  EXPECT_NE(o.error().message.find("records missing"), std::string::npos) << o.error().message;
}

TEST(WalCorruption, ZeroHoleInsideTheUnsyncedTailIsATornTail) {
  // Records 3 and 4 went out in one write; a crash persisted 4 but not 3.
  SimDisk disk;
  const WalOptions opts = small_options(4096, 256);
  std::vector<WalRecord> records;
  for (std::uint64_t i = 1; i <= 4; ++i) records.push_back(WalRecord{Lsn{i}, 1, std::string(20, 'r')});
  {
    auto o = open_ok(disk, opts);
    append_all(o.wal, {records[0], records[1]});
    append_all(o.wal, {records[2], records[3]}, 100);
  }
  Prng prng(1);
  damage(disk, kSeg1, offset_of(records, 2), offset_of(records, 3), false, prng);
  auto o = open_ok(disk, opts);
  EXPECT_EQ(o.records, std::vector<WalRecord>(records.begin(), records.begin() + 2));
  EXPECT_NE(o.info.tail_note.find("zero-filled hole"), std::string::npos) << o.info.tail_note;
}

TEST(WalCorruption, ZeroHoleBeforeALaterBatchIsALostWrite) {
  // Record 2 was synced before record 3 was written: zeros where 2 belongs
  // mean the device lost a synced write.
  SimDisk disk;
  const WalOptions opts = small_options(4096, 256);
  std::vector<WalRecord> records;
  for (std::uint64_t i = 1; i <= 3; ++i) records.push_back(WalRecord{Lsn{i}, 1, std::string(20, 'r')});
  {
    auto o = open_ok(disk, opts);
    append_all(o.wal, records);  // one sync per record
  }
  Prng prng(1);
  damage(disk, kSeg1, offset_of(records, 1), offset_of(records, 2), false, prng);
  auto o = Wal::open(disk, opts);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().message.find(kSeg1 + " at offset " + std::to_string(offset_of(records, 1))),
            std::string::npos);
  EXPECT_NE(o.error().message.find("lost write"), std::string::npos) << o.error().message;
}

// ---------------------------------------------------------------------------
// I/O errors.
// ---------------------------------------------------------------------------

TEST(WalIoErrors, FailedSyncFailsTheLogUntilReopened) {
  SimDisk disk;
  const WalOptions opts = small_options();
  {
    auto o = open_ok(disk, opts);
    append_all(o.wal, {WalRecord{Lsn{1}, 1, "durable"}});
    ASSERT_TRUE(o.wal.append(1, "doomed").ok());
    disk.fail_next_syncs(1);
    auto st = o.wal.sync();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind, ErrorKind::kIo);
    EXPECT_TRUE(o.wal.failed());
    EXPECT_EQ(o.wal.durable_lsn(), Lsn{1});
    EXPECT_EQ(o.wal.append(1, "x").error().kind, ErrorKind::kFailed);
    EXPECT_EQ(o.wal.sync().error().kind, ErrorKind::kFailed);
    EXPECT_EQ(o.wal.truncate_prefix(Lsn{1}).error().kind, ErrorKind::kFailed);
  }
  disk.crash();
  auto o = open_ok(disk, opts);
  ASSERT_EQ(o.records.size(), 1u);
  EXPECT_EQ(o.records[0].payload, "durable");
}

TEST(WalIoErrors, PosixDiskErrorsAreReported) {
  TempDir dir;
  auto d = PosixDisk::open(dir.path());
  ASSERT_TRUE(d.ok());
  // A directory where a segment should be: reading it fails with errno text.
  ASSERT_EQ(::mkdir((dir.path() + "/" + kSeg1).c_str(), 0755), 0);
  // list() reports regular files only, so the directory is ignored ...
  auto o = open_ok(*d.value(), small_options());
  // ... and creating the first segment over it fails cleanly.
  ASSERT_TRUE(o.wal.append(1, "x").ok());
  auto st = o.wal.sync();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::kExists);
  EXPECT_NE(st.error().message.find("File exists"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace quorum::storage
