// VSR checkpoints through the shared host: replicas snapshot by policy,
// compact their logs and truncate their write-ahead logs once the compaction
// is durable; a restart recovers from the snapshot plus the truncated log; a
// backup that needs compacted ops receives the snapshot in bounded chunks,
// through loss, duplication and reordering.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vsr_traits.h"

namespace quorum::logtest {
namespace {

using ::testing::IsEmpty;

using Harness = VsrHarness;

// Commits `labels` one by one on primary 1 and announces the commit number.
void commit_all(Harness& h, const Labels& labels) {
  for (const std::string& l : labels) ASSERT_TRUE(h.commit(1, l)) << l;
  h.end_turn(1);
  h.settle();
}

TEST(VsrSnapshot, CompactionTruncatesTheLogAndARestartRecoversFromTheSnapshot) {
  VsrOptions o;
  o.snapshots.every_slots = 4;
  Harness h(o);
  h.settle();
  commit_all(h, {"a", "b", "c", "d", "e", "f", "g", "h"});
  for (std::uint32_t i = 1; i <= 3; ++i) {
    SCOPED_TRACE("replica " + std::to_string(i));
    EXPECT_EQ(h.snapshots_taken(i), 2);
    EXPECT_EQ(h.host(i).snapshot_index(), S(8));
    EXPECT_EQ(h.core(i).compacted(), S(8));
    EXPECT_EQ(h.snapshot(i)->last_included_index, 8u);
    EXPECT_EQ(h.host(i).stats().truncations, 2u) << "once per compaction, once it was durable";
    // What is left: the last compaction's record.
    const std::vector<vsr::Record> log = h.durable(i);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<vsr::CompactRecord>(log.front()));
    EXPECT_EQ(h.replayed_state(i).compacted, S(8));
    EXPECT_EQ(h.replayed_state(i).view, h.durable_state(i).view);
  }
  const std::uint64_t digest = h.state_digest(2);
  EXPECT_EQ(h.state_digest(1), digest);

  h.crash(2);
  h.restart(2);
  EXPECT_EQ(h.host(2).snapshot_index(), S(8));
  EXPECT_EQ(h.core(2).commit_index(), S(8));
  EXPECT_EQ(h.state_digest(2), digest);
  EXPECT_TRUE(h.holds(2, "a"));
  EXPECT_TRUE(h.holds(2, "h"));
  commit_all(h, {"i"});
  EXPECT_EQ(h.committed_commands(2), (Labels{"i"}));
  EXPECT_EQ(h.state_digest(2), h.state_digest(1));
  EXPECT_THAT(h.violations(), IsEmpty());
}

TEST(VsrSnapshot, LaggingBackupReceivesTheSnapshotInChunks) {
  VsrOptions o;
  o.snapshots.every_slots = 4;
  // Small chunks, so a transfer takes many rounds and loses chunks on the
  // way: a transfer that lost a chunk resumes where it stopped (it used to
  // start over, and with 16-byte chunks never finished).
  o.limits.snapshot_chunk_bytes = 16;
  Harness h(o);
  h.settle();
  h.isolate(3);
  commit_all(h, {"a", "b", "c", "d", "e", "f", "g", "h"});
  ASSERT_EQ(h.core(1).compacted(), S(8));
  ASSERT_EQ(h.core(3).op(), S(0));
  const std::size_t size = h.snapshot(1)->data.size();
  ASSERT_GT(size, 16u * 8);

  h.heal_all();
  // Lose, duplicate and reorder chunks on the way: the transfer still ends.
  int rounds = 0;
  while (h.core(3).commit_index() < S(8) && rounds++ < 2000) {
    if (rounds % 7 == 0) h.drop(msgs("SnapshotChunk"));
    if (rounds % 5 == 0) h.duplicate(msgs("SnapshotChunk"));
    h.deliver_newest_first(any_msg());
    h.sync_all();
    h.tick_all();
  }
  ASSERT_EQ(h.core(3).commit_index(), S(8)) << h.history();
  EXPECT_EQ(h.snapshots_installed(3), 1);
  EXPECT_EQ(h.snapshot(3)->data, h.snapshot(1)->data);
  EXPECT_EQ(h.state_digest(3), h.state_digest(1));
  EXPECT_TRUE(h.holds(3, "e"));
  EXPECT_GE(h.sent(msgs("SnapshotChunk")), (size + 15) / 16);
  for (const Envelope& e : h.sent_messages(msgs("SnapshotChunk"))) {
    EXPECT_LE(std::get<log::SnapshotChunk>(e.payload).data.size(), 16u);
  }
  // And it takes part in the log from there on.
  h.settle();
  commit_all(h, {"next"});
  EXPECT_EQ(h.committed_commands(3), (Labels{"next"}));
  EXPECT_EQ(h.state_digest(3), h.state_digest(1));
  EXPECT_THAT(h.violations(), IsEmpty());
}

}  // namespace
}  // namespace quorum::logtest
