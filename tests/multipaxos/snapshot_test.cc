// Snapshots and log compaction: compact() forgets what a durable snapshot
// covers and logs a CompactRecord; a snapshot plus the truncated log recovers
// the same acceptor state and the same applied state as the full log; a
// replica that needs compacted slots gets the snapshot in bounded chunks
// (surviving loss, duplication and reordering); a candidate that lags behind
// a peer's snapshot cannot depose the leader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness.h"

namespace quorum::mptest {
namespace {

using multipaxos::CompactRecord;
using log::SnapshotChunk;

std::vector<Value> commands(const std::vector<Batch>& state) {
  std::vector<Value> out;
  for (const Batch& b : state) out.insert(out.end(), b.commands.begin(), b.commands.end());
  return out;
}

// Replica 1 is elected and commits `n` commands; everyone learns them.
void elect_and_commit(Harness& h, int n) {
  ASSERT_TRUE(h.elect(1));
  for (int i = 0; i < n; ++i) ASSERT_TRUE(h.commit(1, "c" + std::to_string(i)));
  h.heartbeat(1);
}

TEST(MultiPaxosSnapshot, CompactForgetsCoveredSlotsAndRestatesThePromise) {
  Harness h(3);
  elect_and_commit(h, 5);
  ASSERT_EQ(h.replica(2).commit_index(), S(5));
  const Ballot promised = h.replica(2).promised();
  h.compact(2);
  EXPECT_EQ(h.replica(2).compacted(), S(5));
  EXPECT_EQ(h.replica(2).log_entries(), 0u);
  ASSERT_EQ(h.pending_writes(2).size(), 1u);
  EXPECT_EQ(h.pending_writes(2)[0].record, (Record{CompactRecord{promised, S(5), {}}}));
  h.sync(2);
  DurableState d = h.durable_state(2);
  EXPECT_EQ(d.compacted, S(5));
  EXPECT_EQ(d.promised, promised);
  EXPECT_TRUE(d.accepted.empty());
}

TEST(MultiPaxosSnapshot, SnapshotPlusTruncatedLogRecoversWhatTheFullLogDoes) {
  HarnessOptions o;
  o.limits.max_entries_per_message = 2;  // the compaction spans several records
  Harness h(o);
  elect_and_commit(h, 6);
  // Votes above the compaction point: accepted by 2, not yet chosen.
  for (const char* c : {"u1", "u2", "u3", "u4", "u5"}) h.submit(1, c);
  h.deliver(msgs("Accept").to(2));
  h.sync(2);
  h.drop(any_msg());
  const DurableState full_before = h.durable_state(2);
  ASSERT_EQ(full_before.accepted.size(), 11u);
  const std::vector<Batch> state_before = h.state(2);

  h.compact(2);
  EXPECT_GE(h.pending_writes(2).size(), 3u) << "5 votes, 2 per record";
  h.sync(2);
  const DurableState full = h.durable_state(2);
  h.truncate_log(2);
  const DurableState truncated = h.durable_state(2);
  EXPECT_TRUE(std::holds_alternative<CompactRecord>(h.durable(2).front()));

  // The same acceptor state above the snapshot, from far fewer records.
  EXPECT_EQ(truncated.promised, full_before.promised);
  EXPECT_EQ(truncated.compacted, S(6));
  EXPECT_EQ(truncated.accepted, full.accepted);
  std::map<Slot, multipaxos::SlotVote> above(full_before.accepted.upper_bound(S(6)),
                                             full_before.accepted.end());
  EXPECT_EQ(truncated.accepted, above);

  // A restart from snapshot + truncated log: the same applied state, the
  // same votes, and it goes on committing.
  h.crash(2);
  h.restart(2);
  EXPECT_EQ(h.replica(2).commit_index(), S(6));
  EXPECT_EQ(h.replica(2).compacted(), S(6));
  EXPECT_EQ(h.state(2), state_before);
  // u1..u5 lost their Accepts to 3 and their Accepted from 2: the leader's
  // retransmission (on ticks) has to choose them before "after" can apply.
  ASSERT_EQ(h.submit(1, "after").status, multipaxos::SubmitStatus::kAccepted);
  for (int round = 0; round < 200 && h.replica(2).commit_index() < S(12); ++round) {
    h.tick_all();
    h.sync_all();
    h.settle();
  }
  ASSERT_EQ(h.replica(2).commit_index(), S(12)) << h.history();
  EXPECT_EQ(commands(h.state(2)), commands(h.state(1)));
  EXPECT_THAT(commands(h.state(2)), ::testing::Contains("after"));
}

TEST(MultiPaxosSnapshot, LaggingReplicaReceivesTheSnapshotInChunks) {
  HarnessOptions o;
  o.limits.snapshot_chunk_bytes = 8;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  h.isolate(3);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(h.commit(1, "value-" + std::to_string(i)));
  h.heartbeat(1);
  h.compact(1);
  h.compact(2);
  h.sync_all();
  const std::size_t size = h.snapshot(1).bytes->size();
  ASSERT_GT(size, 8u * 4);

  h.heal_all();
  // Lose, duplicate and reorder chunks on the way: the transfer still ends.
  int rounds = 0;
  while (h.replica(3).commit_index() < S(10) && rounds++ < 2000) {
    if (rounds % 7 == 0) h.drop(msgs("SnapshotChunk"));
    if (rounds % 5 == 0) h.duplicate(msgs("SnapshotChunk"));
    h.deliver_newest_first(any_msg());
    h.sync_all();
    h.tick_all();
  }
  ASSERT_EQ(h.replica(3).commit_index(), S(10)) << h.history();
  EXPECT_EQ(h.snapshots_installed(3), 1);
  EXPECT_EQ(*h.snapshot(3).bytes, *h.snapshot(1).bytes);
  EXPECT_EQ(h.state(3), h.state(1));
  EXPECT_GE(h.sent(msgs("SnapshotChunk")), (size + 7) / 8);
  for (const Envelope& e : h.sent_messages(msgs("SnapshotChunk"))) {
    EXPECT_LE(std::get<SnapshotChunk>(e.payload).data.size(), 8u);
  }
  // And it takes part in the log from there on.
  ASSERT_TRUE(h.commit(1, "next"));
  h.heartbeat(1);
  h.settle();
  EXPECT_EQ(h.state(3), h.state(1));
}

TEST(MultiPaxosSnapshot, CandidateBehindAPeersSnapshotCannotDeposeTheLeader) {
  Harness h(3);
  elect_and_commit(h, 0);
  h.isolate(3);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(h.commit(1, "x" + std::to_string(i)));
  h.heartbeat(1);
  h.compact(1);
  h.compact(2);
  h.sync_all();
  h.drop(any_msg());
  // 3 campaigns from slot 1; 1 and 2 forgot slots 1..4.
  int guard = 0;
  while (h.count(msgs("Prepare").from(3)) == 0 && guard++ < 1000) {
    h.tick(3);
    h.sync(3);
  }
  ASSERT_GT(h.count(msgs("Prepare").from(3)), 0u);
  h.heal_all();
  const Ballot leader_ballot = h.replica(2).promised();
  h.deliver(msgs("Prepare").from(3).to(2));
  h.sync(2);
  EXPECT_EQ(h.replica(2).promised(), leader_ballot) << "promised to a candidate that cannot take over";
  EXPECT_EQ(h.count(msgs("Promise").from(2)), 0u);
  EXPECT_EQ(h.count(msgs("SnapshotChunk").from(2).to(3)), 1u);
  EXPECT_EQ(h.leaders(), (std::vector<std::uint32_t>{1}));
  h.settle();
  EXPECT_EQ(h.replica(3).commit_index(), S(4));
  EXPECT_EQ(h.snapshots_installed(3), 1);
}

TEST(MultiPaxosSnapshot, StaleAcceptBelowTheSnapshotIsAcknowledgedNotStored) {
  Harness h(3);
  elect_and_commit(h, 3);
  h.compact(2);
  h.sync(2);
  const std::size_t records = h.durable(2).size();
  // A late duplicate of slot 2's Accept arrives after the compaction.
  auto old = h.sent_messages(msgs("Accept").to(2).slot(2));
  ASSERT_FALSE(old.empty());
  h.inject(old.front());
  h.deliver(msgs("Accept").to(2));
  h.sync(2);
  EXPECT_EQ(h.replica(2).log_entries(), 0u);
  EXPECT_EQ(h.durable(2).size(), records) << "nothing to vote on below the snapshot";
  ASSERT_EQ(h.count(msgs("Accepted").from(2)), 1u);
}

}  // namespace
}  // namespace quorum::mptest
