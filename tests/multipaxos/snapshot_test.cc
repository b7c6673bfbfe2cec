// Snapshots and log compaction through the shared host: a replica snapshots
// by its policy, compacts its log and writes CompactRecords, and truncates
// its write-ahead log once they are durable; the snapshot plus the truncated
// log recover the same acceptor state and the same state machine as the full
// log; a replica that needs compacted slots gets the snapshot in bounded
// chunks (surviving loss, duplication and reordering); a candidate that lags
// behind a peer's snapshot cannot depose the leader.
//
// Snapshots follow the host's policy, so a script decides when one is taken
// by deciding when the replica applies the slot its policy names.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "multipaxos_traits.h"

namespace quorum::logtest {
namespace {

using Harness = MultiPaxosHarness;
using log::SnapshotChunk;
using multipaxos::Accepted;
using multipaxos::CompactRecord;
using multipaxos::DurableState;
using multipaxos::Record;

// Replica 1 is elected and commits `n` commands; everyone learns them.
void elect_and_commit(Harness& h, int n) {
  ASSERT_TRUE(h.elect(1));
  for (int i = 0; i < n; ++i) ASSERT_TRUE(h.commit(1, "c" + std::to_string(i)));
  h.heartbeat(1);
}

std::size_t compact_records(const std::vector<Record>& records) {
  return static_cast<std::size_t>(std::count_if(records.begin(), records.end(), [](const Record& r) {
    return std::holds_alternative<CompactRecord>(r);
  }));
}

TEST(MultiPaxosSnapshot, CompactForgetsCoveredSlotsAndRestatesThePromise) {
  MultiPaxosOptions o;
  o.snapshots_of[2].every_slots = 5;
  Harness h(o);
  elect_and_commit(h, 5);  // 2 applies slot 5 at the heartbeat, and snapshots
  ASSERT_EQ(h.core(2).commit_index(), S(5));
  const Ballot promised = h.core(2).promised();
  EXPECT_EQ(h.snapshots_taken(2), 1);
  ASSERT_TRUE(h.snapshot(2).has_value());
  EXPECT_EQ(h.snapshot(2)->last_included_index, 5u);
  EXPECT_EQ(h.core(2).compacted(), S(5));
  EXPECT_EQ(h.core(2).log_entries(), 0u);
  EXPECT_EQ(compact_records(h.synced(2)), 1u);
  EXPECT_EQ(h.synced(2).back(), (Record{CompactRecord{promised, S(5), {}}}));
  // Durable, it let the host drop every record before it.
  EXPECT_EQ(h.host(2).stats().truncations, 1u);
  EXPECT_EQ(h.durable(2), (std::vector<Record>{CompactRecord{promised, S(5), {}}}));
  const DurableState d = h.replayed_state(2);
  EXPECT_EQ(d.compacted, S(5));
  EXPECT_EQ(d.promised, promised);
  EXPECT_TRUE(d.accepted.empty());
}

TEST(MultiPaxosSnapshot, SnapshotPlusTruncatedLogRecoversWhatTheFullLogDoes) {
  MultiPaxosOptions o;
  o.limits.max_entries_per_message = 2;  // the compaction spans several records
  o.snapshots_of[2].every_slots = 6;
  Harness h(o);
  elect_and_commit(h, 5);
  // Slot 6 is chosen, but the leader does not know it yet: its Accepteds wait.
  h.submit(1, "c5");
  ASSERT_EQ(h.deliver(msgs("Accept").slot(6)), 3u);
  h.sync_all();
  ASSERT_EQ(h.count(msgs("Accepted").slot(6)), 3u);
  // Votes above the compaction point: accepted by 2, never chosen.
  for (const char* c : {"u1", "u2", "u3", "u4", "u5"}) h.submit(1, c);
  ASSERT_EQ(h.deliver(msgs("Accept").to(2)), 5u);
  h.sync(2);
  h.drop(msgs("Accept"));
  for (std::uint64_t s = 7; s <= 11; ++s) h.drop(msgs("Accepted").slot(s));
  const DurableState full_before = h.durable_state(2);
  ASSERT_EQ(full_before.accepted.size(), 11u);
  const std::size_t records_before = h.durable(2).size();

  // The leader learns slot 6 is chosen and says so; 2 applies it and snapshots.
  h.deliver(msgs("Accepted").slot(6));
  ASSERT_EQ(h.core(1).commit_index(), S(6));
  h.end_turn(1);
  ASSERT_EQ(h.deliver(msgs("Heartbeat").to(2)), 1u);
  ASSERT_EQ(h.snapshots_taken(2), 1);
  const std::uint64_t state_before = h.state_digest(2);
  EXPECT_GE(h.pending_writes(2), 3u) << "5 votes, 2 per record";
  h.sync(2);
  const DurableState full = h.durable_state(2);
  const DurableState truncated = h.replayed_state(2);
  EXPECT_EQ(h.host(2).stats().truncations, 1u);
  EXPECT_LT(h.durable(2).size(), records_before);
  EXPECT_TRUE(std::holds_alternative<CompactRecord>(h.durable(2).front()));

  // The same acceptor state above the snapshot, from far fewer records.
  EXPECT_EQ(truncated.promised, full_before.promised);
  EXPECT_EQ(truncated.compacted, S(6));
  EXPECT_EQ(truncated.accepted, full.accepted);
  std::map<Slot, multipaxos::SlotVote> above(full_before.accepted.upper_bound(S(6)), full_before.accepted.end());
  EXPECT_EQ(truncated.accepted, above);

  // A restart from snapshot + truncated log: the same state machine, the
  // same votes, and it goes on committing.
  h.crash(2);
  h.restart(2);
  EXPECT_EQ(h.core(2).commit_index(), S(6));
  EXPECT_EQ(h.core(2).compacted(), S(6));
  EXPECT_EQ(h.state_digest(2), state_before);
  // u1..u5 lost their Accepts to 1 and 3 and their Accepteds from 2: the
  // leader's retransmission (on ticks) has to choose them before "after" can
  // apply.
  ASSERT_EQ(h.submit(1, "after").status, log::SubmitStatus::kAccepted);
  for (int round = 0; round < 200 && h.core(2).commit_index() < S(12); ++round) {
    h.tick_all();
    h.sync_all();
    h.settle();
  }
  ASSERT_EQ(h.core(2).commit_index(), S(12)) << h.history();
  ASSERT_EQ(h.host(1).applied(), h.host(2).applied());
  EXPECT_EQ(h.state_digest(2), h.state_digest(1));
  EXPECT_TRUE(h.holds(2, "after"));
}

TEST(MultiPaxosSnapshot, LaggingReplicaReceivesTheSnapshotInChunks) {
  MultiPaxosOptions o;
  o.limits.snapshot_chunk_bytes = 8;
  o.snapshots.every_slots = 10;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  h.isolate(3);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(h.commit(1, "value-" + std::to_string(i)));
  h.heartbeat(1);
  ASSERT_EQ(h.snapshots_taken(1), 1);
  ASSERT_EQ(h.snapshots_taken(2), 1);
  h.sync_all();
  const std::size_t size = h.snapshot(1)->data.size();
  ASSERT_GT(size, 8u * 4);

  h.heal_all();
  // Lose, duplicate and reorder chunks on the way: the transfer still ends.
  int rounds = 0;
  while (h.core(3).commit_index() < S(10) && rounds++ < 2000) {
    if (rounds % 7 == 0) h.drop(msgs("SnapshotChunk"));
    if (rounds % 5 == 0) h.duplicate(msgs("SnapshotChunk"));
    h.deliver_newest_first(any_msg());
    h.sync_all();
    h.tick_all();
  }
  ASSERT_EQ(h.core(3).commit_index(), S(10)) << h.history();
  EXPECT_EQ(h.snapshots_installed(3), 1);
  EXPECT_EQ(h.snapshot(3)->data, h.snapshot(1)->data);
  ASSERT_EQ(h.host(3).applied(), h.host(1).applied());
  EXPECT_EQ(h.state_digest(3), h.state_digest(1));
  EXPECT_GE(h.sent(msgs("SnapshotChunk")), (size + 7) / 8);
  for (const Envelope& e : h.sent_messages(msgs("SnapshotChunk"))) {
    EXPECT_LE(std::get<SnapshotChunk>(e.payload).data.size(), 8u);
  }
  // And it takes part in the log from there on.
  ASSERT_TRUE(h.commit(1, "next"));
  h.heartbeat(1);
  h.settle();
  ASSERT_EQ(h.host(3).applied(), h.host(1).applied());
  EXPECT_EQ(h.state_digest(3), h.state_digest(1));
  EXPECT_TRUE(h.holds(3, "next"));
}

TEST(MultiPaxosSnapshot, CandidateBehindAPeersSnapshotCannotDeposeTheLeader) {
  MultiPaxosOptions o;
  o.snapshots.every_slots = 4;
  Harness h(o);
  elect_and_commit(h, 0);
  h.isolate(3);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(h.commit(1, "x" + std::to_string(i)));
  h.heartbeat(1);
  ASSERT_EQ(h.core(1).compacted(), S(4));
  ASSERT_EQ(h.core(2).compacted(), S(4));
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
  const Ballot leader_ballot = h.core(2).promised();
  h.deliver(msgs("Prepare").from(3).to(2));
  h.sync(2);
  EXPECT_EQ(h.core(2).promised(), leader_ballot) << "promised to a candidate that cannot take over";
  EXPECT_EQ(h.count(msgs("Promise").from(2)), 0u);
  EXPECT_EQ(h.count(msgs("SnapshotChunk").from(2).to(3)), 1u);
  EXPECT_EQ(h.leaders(), (std::vector<std::uint32_t>{1}));
  h.settle();
  EXPECT_EQ(h.core(3).commit_index(), S(4));
  EXPECT_EQ(h.snapshots_installed(3), 1);
}

TEST(MultiPaxosSnapshot, StaleAcceptBelowTheSnapshotIsAcknowledgedNotStored) {
  MultiPaxosOptions o;
  o.snapshots_of[2].every_slots = 3;
  Harness h(o);
  elect_and_commit(h, 3);
  ASSERT_EQ(h.core(2).compacted(), S(3));
  h.sync(2);
  const std::size_t records = h.durable(2).size();
  // A late duplicate of slot 2's Accept arrives after the compaction.
  auto old = h.sent_messages(msgs("Accept").to(2).slot(2));
  ASSERT_FALSE(old.empty());
  h.inject(old.front());
  h.deliver(msgs("Accept").to(2));
  h.sync(2);
  EXPECT_EQ(h.core(2).log_entries(), 0u);
  EXPECT_EQ(h.durable(2).size(), records) << "nothing to vote on below the snapshot";
  ASSERT_EQ(h.count(msgs("Accepted").from(2)), 1u);
}

}  // namespace
}  // namespace quorum::logtest
