// Scripted VSR scenarios on the log harness (tests/log/harness.h, over the
// shared replica host): normal operation, state transfer across a gap, view
// changes (in the middle of a prepare, with DoViewChanges lost or
// duplicated, a new primary that must fetch committed ops), a deposed primary
// that keeps sending, and restarts of the primary and of a backup.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vsr_traits.h"

namespace quorum::logtest {
namespace {

using ::testing::IsEmpty;

using Harness = VsrHarness;

// Every replica's first-start record is durable: the primary of view 0 may
// prepare.
void boot(Harness& h) { ASSERT_TRUE(h.settle()); }

// The primary announces its commit number, as the server does at the end of
// a turn, and everyone hears it.
void announce(Harness& h, std::uint32_t primary) {
  h.end_turn(primary);
  h.settle();
}

// Free-running time: every replica ticks, then everything in flight is
// delivered and every record made durable.
void run_ticks(Harness& h, int ticks) {
  for (int t = 0; t < ticks; ++t) {
    h.tick_all();
    h.settle();
  }
}

// Each of `ids` ticks until its view timer fires (each moves to the next
// view on its own); their StartViewChanges and records are exchanged, and the
// DoViewChanges are left in flight for the script.
void begin_view_change(Harness& h, const std::vector<std::uint32_t>& ids) {
  for (std::uint32_t id : ids) {
    for (int t = 0; t < 1000 && h.core(id).role() != log::Role::kCandidate; ++t) h.tick(id);
    ASSERT_EQ(h.core(id).role(), log::Role::kCandidate) << "replica " << id;
  }
  for (int r = 0; r < 10; ++r) {
    h.sync_all();
    h.deliver(msgs("StartViewChange"));
  }
}

// ---------------------------------------------------------------- normal operation

TEST(VsrReplica, PrimaryOfViewZeroCommitsAndEveryReplicaAppliesInOrder) {
  Harness h(3);
  boot(h);
  ASSERT_TRUE(h.core(1).is_leader());
  EXPECT_EQ(h.core(2).leader_hint(), N(1));
  ASSERT_EQ(h.submit(1, "a").status, log::SubmitStatus::kAccepted);
  ASSERT_EQ(h.submit(1, "b").status, log::SubmitStatus::kAccepted);
  ASSERT_TRUE(h.settle());
  announce(h, 1);
  for (std::uint32_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(h.committed_commands(i), (Labels{"a", "b"})) << "replica " << i;
    EXPECT_EQ(h.core(i).commit_index(), S(2));
  }
  EXPECT_EQ(h.submit(2, "x").status, log::SubmitStatus::kNotLeader);
  EXPECT_THAT(h.violations(), IsEmpty());
}

// A PrepareOk leaves only once the op is durable, and it vouches for the
// whole log up to that op.
TEST(VsrReplica, PrepareOkWaitsForTheOpToBeDurable) {
  Harness h(3);
  boot(h);
  h.submit(1, "a");
  ASSERT_EQ(h.deliver(msgs("Prepare")), 2u);
  EXPECT_EQ(h.count(msgs("PrepareOk")), 0u);
  EXPECT_EQ(h.core(2).held_messages(), 1u);
  ASSERT_EQ(h.sync(2), 1u);
  EXPECT_EQ(h.synced(2).back(), (vsr::Record{vsr::LogRecord{V(0), S(0), {log::SlotValue{S(1), batch({"a"})}}, S(0)}}));
  EXPECT_EQ(h.count(msgs("PrepareOk").from(2)), 1u);
  EXPECT_EQ(h.count(msgs("PrepareOk").from(3)), 0u);
  // One backup and the primary's own durable record are a majority.
  h.deliver(msgs("PrepareOk"));
  EXPECT_EQ(h.core(1).commit_index(), S(0)) << "the primary's own record is not durable yet";
  h.sync(1);
  EXPECT_EQ(h.committed_commands(1), (Labels{"a"}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

// ---------------------------------------------------------------- state transfer

TEST(VsrStateTransfer, BackupWithAGapFetchesTheMissingOps) {
  Harness h(3);
  boot(h);
  h.cut(1, 3);
  h.submit(1, "a");
  h.settle();
  h.heal_all();
  h.submit(1, "b");  // op 2 reaches replica 3, which never saw op 1
  h.settle();
  announce(h, 1);
  EXPECT_EQ(h.core(3).op(), S(2));
  EXPECT_FALSE(h.core(3).transferring());
  EXPECT_EQ(h.committed_commands(3), (Labels{"a", "b"}));
  EXPECT_GE(h.sent(msgs("GetState").from(3)), 1u);
  EXPECT_THAT(h.violations(), IsEmpty());
}

// A wide gap comes in several NewStates (two ops each); a lost one is asked
// for again after catchup_retry_ticks.
TEST(VsrStateTransfer, AWideGapIsFetchedInPartsAndALostNewStateIsRetried) {
  VsrOptions o;
  o.limits.max_entries_per_message = 2;
  Harness h(o);
  boot(h);
  h.cut(1, 3);
  for (const char* c : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(h.commit(1, c));
  h.heal_all();
  h.submit(1, "f");
  ASSERT_EQ(h.deliver(msgs("Prepare").to(3)), 1u);
  ASSERT_TRUE(h.core(3).transferring());
  ASSERT_EQ(h.deliver(msgs("GetState").from(3)), 1u);
  ASSERT_EQ(h.drop(msgs("NewState").to(3)), 1u);
  h.settle();
  EXPECT_TRUE(h.core(3).transferring()) << "it waits for the lost NewState";
  EXPECT_EQ(h.core(3).op(), S(0));
  ASSERT_TRUE(h.run_until([&] { return !h.core(3).transferring(); }, 100)) << h.history();
  announce(h, 1);
  EXPECT_EQ(h.core(3).op(), S(6));
  EXPECT_EQ(h.committed_commands(3), (Labels{"a", "b", "c", "d", "e", "f"}));
  EXPECT_GE(h.sent(msgs("GetState").from(3)), 4u) << "one lost, then three parts of two ops";
  EXPECT_THAT(h.violations(), IsEmpty());
}

// ---------------------------------------------------------------- view changes

TEST(VsrViewChange, KeepsACommittedOpOnlyOneBackupHolds) {
  Harness h(3);
  boot(h);
  h.cut(1, 3);
  h.submit(1, "kept");  // committed by replicas 1 and 2
  h.settle();
  ASSERT_EQ(h.core(1).commit_index(), S(1));
  h.crash(1);
  h.heal_all();
  run_ticks(h, 300);
  ASSERT_EQ(h.leaders().size(), 1u);
  const std::uint32_t p = h.leaders().front();
  EXPECT_NE(p, 1u);
  EXPECT_GE(h.core(p).view(), V(1));
  h.submit(p, "next");
  h.settle();
  announce(h, p);
  for (std::uint32_t i : {2u, 3u}) {
    EXPECT_EQ(h.committed_commands(i), (Labels{"kept", "next"})) << "replica " << i;
  }
  EXPECT_THAT(h.violations(), IsEmpty());
}

TEST(VsrViewChange, NewPrimaryMissingCommittedOpsFetchesThemBeforeStartingTheView) {
  Harness h(3);
  boot(h);
  h.cut(1, 2);  // replica 2, the primary of view 1, misses everything
  for (const char* c : {"a", "b", "c"}) h.submit(1, c);
  h.settle();
  announce(h, 1);
  ASSERT_EQ(h.core(3).commit_index(), S(3));
  ASSERT_EQ(h.core(2).op(), S(0));
  h.crash(1);
  h.heal_all();
  run_ticks(h, 300);
  ASSERT_TRUE(h.core(2).is_leader() || h.core(3).is_leader());
  for (std::uint32_t i : {2u, 3u}) {
    EXPECT_EQ(h.committed_commands(i), (Labels{"a", "b", "c"})) << "replica " << i;
  }
  EXPECT_THAT(h.violations(), IsEmpty());
}

// The primary prepared "b" and crashed before anyone acknowledged it: 3 has
// it, 2, 4 and 5 do not. The DoViewChange quorum of view 1 includes 3, whose
// log is the longest of the latest view: "b" survives and commits in view 1.
TEST(VsrViewChange, InTheMiddleOfAPrepareKeepsAnOpTheQuorumReports) {
  Harness h(5);
  boot(h);
  ASSERT_TRUE(h.commit(1, "a"));
  announce(h, 1);
  h.submit(1, "b");
  ASSERT_EQ(h.deliver(msgs("Prepare").to(3)), 1u);
  h.drop(msgs("Prepare"));
  h.sync(3);
  h.drop(msgs("PrepareOk"));
  h.crash(1);
  ASSERT_EQ(h.core(3).op(), S(2));
  ASSERT_EQ(h.core(2).op(), S(1));

  begin_view_change(h, {2, 3, 4, 5});
  ASSERT_EQ(h.count(msgs("DoViewChange").to(2)), 3u);
  h.drop(msgs("DoViewChange").from(5));
  ASSERT_EQ(h.deliver(msgs("DoViewChange").from(3)), 1u);
  EXPECT_FALSE(h.core(2).is_leader()) << "2 and 3 are not a majority of 5";
  ASSERT_EQ(h.deliver(msgs("DoViewChange").from(4)), 1u);
  ASSERT_TRUE(h.core(2).is_leader());
  EXPECT_EQ(h.core(2).view(), V(1));
  EXPECT_EQ(h.core(2).entry(S(2)), batch({"b"})) << "taken from 3's DoViewChange";
  h.settle();
  announce(h, 2);
  for (std::uint32_t i = 2; i <= 5; ++i) {
    EXPECT_EQ(h.committed_commands(i), (Labels{"a", "b"})) << "replica " << i;
  }
  EXPECT_THAT(h.violations(), IsEmpty());
}

// The same, but the DoViewChange of 3 (the only replica with "b") is lost:
// view 1 starts from {2, 4, 5}, which never saw "b". It was never committed,
// so losing it is allowed; 3 replaces it with view 1's op 2.
TEST(VsrViewChange, InTheMiddleOfAPrepareMayLoseAnOpNoQuorumMemberHeld) {
  Harness h(5);
  boot(h);
  ASSERT_TRUE(h.commit(1, "a"));
  announce(h, 1);
  h.submit(1, "b");
  ASSERT_EQ(h.deliver(msgs("Prepare").to(3)), 1u);
  h.drop(msgs("Prepare"));
  h.sync(3);
  h.drop(msgs("PrepareOk"));
  h.crash(1);

  begin_view_change(h, {2, 3, 4, 5});
  ASSERT_EQ(h.drop(msgs("DoViewChange").from(3)), 1u);
  h.deliver(msgs("DoViewChange"));
  ASSERT_TRUE(h.core(2).is_leader());
  EXPECT_EQ(h.core(2).op(), S(1));
  h.settle();
  ASSERT_TRUE(h.commit(2, "c"));
  h.settle();
  announce(h, 2);
  EXPECT_EQ(h.core(3).entry(S(2)), batch({"c"})) << "3's unacknowledged op was replaced";
  for (std::uint32_t i = 2; i <= 5; ++i) {
    EXPECT_EQ(h.committed_commands(i), (Labels{"a", "c"})) << "replica " << i;
  }
  EXPECT_THAT(h.violations(), IsEmpty());
}

// A duplicated DoViewChange counts once: two copies from 3 and the new
// primary's own are two replicas, not the three a majority of five needs.
TEST(VsrViewChange, ADuplicatedDoViewChangeIsNotASecondVote) {
  Harness h(5);
  boot(h);
  ASSERT_TRUE(h.commit(1, "a"));
  announce(h, 1);
  h.crash(1);
  begin_view_change(h, {2, 3, 4, 5});
  ASSERT_EQ(h.duplicate(msgs("DoViewChange").from(3)), 1u);
  ASSERT_EQ(h.deliver(msgs("DoViewChange").from(3)), 2u);
  EXPECT_EQ(h.core(2).role(), log::Role::kCandidate);
  EXPECT_EQ(h.count(msgs("StartView")), 0u);
  ASSERT_EQ(h.deliver(msgs("DoViewChange").from(4)), 1u);
  EXPECT_TRUE(h.core(2).is_leader());
  h.settle();
  ASSERT_TRUE(h.commit(2, "b"));
  announce(h, 2);
  for (std::uint32_t i = 2; i <= 5; ++i) {
    EXPECT_EQ(h.committed_commands(i), (Labels{"a", "b"})) << "replica " << i;
  }
  EXPECT_THAT(h.violations(), IsEmpty());
}

// Every DoViewChange of view 1 is lost: its primary never starts it. The
// view-change timer moves everyone on to view 2, whose primary (3) starts it
// with the committed op intact.
TEST(VsrViewChange, LostDoViewChangesMoveTheClusterToTheNextView) {
  Harness h(3);
  boot(h);
  ASSERT_TRUE(h.commit(1, "a"));
  h.crash(1);
  begin_view_change(h, {2, 3});
  ASSERT_EQ(h.drop(msgs("DoViewChange")), 1u);
  EXPECT_EQ(h.core(2).role(), log::Role::kCandidate);
  ASSERT_TRUE(h.elect(3)) << h.history();
  EXPECT_EQ(h.core(3).view(), V(2));
  EXPECT_EQ(h.became_leader(2), 0) << "view 1 never started";
  ASSERT_TRUE(h.commit(3, "b"));
  announce(h, 3);
  for (std::uint32_t i : {2u, 3u}) EXPECT_EQ(h.committed_commands(i), (Labels{"a", "b"})) << "replica " << i;
  // Restarted, 1 hands its old view 0 over (to view 1, long gone); view 2's
  // heartbeat brings it into view 2.
  h.restart(1);
  run_ticks(h, 2 * static_cast<int>(h.options().timing.heartbeat_ticks));
  EXPECT_EQ(h.core(1).view(), V(2));
  EXPECT_EQ(h.committed_commands(1), (Labels{"a", "b"}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

// ---------------------------------------------------------------- a deposed primary

// 1 is cut off and deposed, but keeps acting as the primary of view 0: its
// Prepares and heartbeats reach replicas of view 1, which ignore them. When
// it hears from view 1's primary it becomes a backup, fetches view 1's log
// (its own op 2 was never committed and is replaced), and follows.
TEST(VsrStalePrimary, IsIgnoredUntilItRejoinsAsABackup) {
  Harness h(3);
  boot(h);
  ASSERT_TRUE(h.commit(1, "a"));
  announce(h, 1);
  h.isolate(1);
  ASSERT_TRUE(h.elect(2)) << h.history();
  ASSERT_TRUE(h.commit(2, "b"));
  announce(h, 2);
  EXPECT_EQ(h.leaders(), (std::vector<std::uint32_t>{1, 2})) << "1 does not know yet";

  h.submit(1, "stale");
  h.tick(1, static_cast<int>(h.options().timing.accept_retry_ticks));  // resends and heartbeats
  h.heal_all();
  const std::size_t records_2 = h.durable(2).size();
  const std::size_t records_3 = h.durable(3).size();
  ASSERT_GT(h.deliver(any_msg().from(1)), 0u);
  h.sync_all();
  EXPECT_EQ(h.count(any_msg().to(1)), 0u) << "no replica of view 1 answers the old primary";
  EXPECT_EQ(h.durable(2).size(), records_2);
  EXPECT_EQ(h.durable(3).size(), records_3);
  EXPECT_EQ(h.core(3).entry(S(2)), batch({"b"}));
  EXPECT_TRUE(h.core(1).is_leader()) << "it still believes it leads";

  h.heartbeat(2);  // view 1's Commit reaches 1
  EXPECT_FALSE(h.core(1).is_leader());
  EXPECT_EQ(h.core(1).view(), V(1));
  EXPECT_EQ(h.leaders(), (std::vector<std::uint32_t>{2}));
  h.settle();
  ASSERT_TRUE(h.commit(2, "c"));
  announce(h, 2);
  EXPECT_EQ(h.core(1).entry(S(2)), batch({"b"})) << "its uncommitted op was replaced";
  EXPECT_EQ(h.committed_commands(1), (Labels{"a", "b", "c"}));
  for (std::uint32_t i = 1; i <= 3; ++i) EXPECT_FALSE(h.holds(i, "stale")) << "replica " << i;
  EXPECT_THAT(h.violations(), IsEmpty());
}

// ---------------------------------------------------------------- restarts

TEST(VsrRestart, RestartedPrimaryHandsItsViewOver) {
  Harness h(3);
  boot(h);
  h.submit(1, "a");
  h.settle();
  h.crash(1);
  h.restart(1);
  // It may have sent Prepares its disk lost: it must not resume as primary.
  EXPECT_FALSE(h.core(1).is_leader());
  EXPECT_EQ(h.core(1).view(), V(1));
  h.settle();
  run_ticks(h, 5);
  ASSERT_TRUE(h.core(2).is_leader()) << "the primary of view 1 takes over";
  h.submit(2, "b");
  h.settle();
  announce(h, 2);
  EXPECT_EQ(h.committed_commands(1), (Labels{"a", "b"}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

// The primary prepares in parallel with its own write: the backups made "x"
// durable and acknowledged it, so it committed, but the primary's own record
// was still pending when it crashed. Its disk lacks an op the cluster
// committed; recovery hands the view over and it learns "x" back.
TEST(VsrRestart, PrimaryThatLostACommittedOpToTheCrashGetsItBack) {
  Harness h(3);
  boot(h);
  h.submit(1, "x");
  h.deliver(msgs("Prepare"));
  h.sync(2);
  h.sync(3);
  h.deliver(msgs("PrepareOk"));
  ASSERT_EQ(h.committed_commands(1), (Labels{"x"})) << "two backups are a majority";
  ASSERT_EQ(h.pending_writes(1), 1u);
  h.crash(1);
  h.restart(1);
  EXPECT_EQ(h.replayed_state(1).log.size(), 0u);
  EXPECT_FALSE(h.core(1).is_leader());
  EXPECT_EQ(h.core(1).role(), log::Role::kCandidate);
  ASSERT_TRUE(h.elect(2)) << h.history();
  EXPECT_EQ(h.core(2).entry(S(1)), batch({"x"}));
  ASSERT_TRUE(h.commit(2, "y"));
  announce(h, 2);
  EXPECT_EQ(h.committed_commands(1), (Labels{"x", "y"}));
  EXPECT_EQ(h.core(1).entry(S(1)), batch({"x"}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

TEST(VsrRestart, BackupRecoversItsLogFromItsRecords) {
  Harness h(3);
  boot(h);
  for (const char* c : {"a", "b"}) h.submit(1, c);
  h.settle();
  h.crash(3);
  h.restart(3);
  EXPECT_EQ(h.core(3).op(), S(2));
  EXPECT_EQ(h.core(3).view(), V(0));
  EXPECT_FALSE(h.core(3).is_leader());
  // Its records hold a commit number that lags by a message at most; the
  // primary's next heartbeat brings the rest.
  run_ticks(h, 20);
  EXPECT_EQ(h.committed_commands(3), (Labels{"a", "b"}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

}  // namespace
}  // namespace quorum::logtest
