// Scripted Multi-Paxos scenarios on the log harness (tests/log/harness.h, over
// the shared replica host): elections, phase 2 in the normal case, takeover
// (re-proposing votes, filling holes, carrying chosen values forward), commit
// order, pipelining, batching, catch-up, leader step-down, and duplicate
// submissions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "multipaxos_traits.h"

namespace quorum::logtest {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Harness = MultiPaxosHarness;
using Commands = Labels;
using log::SlotValue;
using multipaxos::Accept;
using multipaxos::SlotVote;

std::vector<SlotValue> slots(std::initializer_list<std::pair<std::uint64_t, log::Batch>> entries) {
  std::vector<SlotValue> out;
  for (const auto& [s, b] : entries) out.push_back(SlotValue{S(s), b});
  return out;
}

// The entries of every Accept `from` has in flight, in order.
std::vector<SlotValue> accept_entries(const Harness& h, std::uint32_t from, std::uint32_t to) {
  std::vector<SlotValue> out;
  for (const Envelope& e : h.in_flight(msgs("Accept").from(from).to(to))) {
    const auto& a = std::get<Accept>(e.payload);
    out.insert(out.end(), a.entries.begin(), a.entries.end());
  }
  return out;
}

// ---------------------------------------------------------------- election

TEST(MultiPaxosElection, SingleReplicaBecomesLeaderAndCommits) {
  Harness h(1);
  ASSERT_TRUE(h.elect(1)) << h.history();
  EXPECT_EQ(h.became_leader(1), 1);
  EXPECT_EQ(h.core(1).leader_hint(), N(1));

  log::SubmitResult r = h.submit(1, "x");
  EXPECT_EQ(r.status, log::SubmitStatus::kAccepted);
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.committed(1), slots({{1, batch({"x"})}}));
  EXPECT_EQ(h.core(1).commit_index(), S(1));
  ASSERT_TRUE(h.commit(1, "y"));
  EXPECT_EQ(h.committed_commands(1), (Commands{"x", "y"}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

TEST(MultiPaxosElection, FollowersRedirectSubmissions) {
  Harness h(3);
  ASSERT_TRUE(h.elect(2)) << h.history();
  h.heartbeat(2);
  log::SubmitResult r = h.submit(3, "x");
  EXPECT_EQ(r.status, log::SubmitStatus::kNotLeader);
  EXPECT_EQ(r.leader_hint, N(2));
  EXPECT_EQ(h.core(3).pending_commands(), 0u);
}

TEST(MultiPaxosElection, ThreeReplicasElectOneLeaderAndCommitEverywhereInOrder) {
  Harness h(3);
  // Free running: every replica ticks; randomised timeouts pick a winner.
  ASSERT_TRUE(h.run_until([&] { return !h.leaders().empty(); })) << h.history();
  const std::uint32_t leader = h.leaders().front();
  // Stable: exactly one leader from now on, and everyone knows it.
  for (int i = 0; i < 400; ++i) {
    h.round();
    ASSERT_EQ(h.leaders(), std::vector<std::uint32_t>{leader}) << "round " << i << "\n" << h.history();
  }
  for (std::uint32_t id = 1; id <= 3; ++id) EXPECT_EQ(h.core(id).leader_hint(), N(leader));
  const int elections = h.became_leader(1) + h.became_leader(2) + h.became_leader(3);
  EXPECT_EQ(elections, 1);

  for (const char* c : {"a", "b", "c", "d"}) {
    EXPECT_EQ(h.submit(leader, c).status, log::SubmitStatus::kAccepted);
  }
  ASSERT_TRUE(h.run_until([&] {
    for (std::uint32_t id = 1; id <= 3; ++id) {
      if (h.committed_commands(id).size() < 4) return false;
    }
    return true;
  })) << h.history();
  for (std::uint32_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(h.committed_commands(id), (Commands{"a", "b", "c", "d"})) << "replica " << id;
    EXPECT_EQ(h.committed(id), h.committed(leader)) << "replica " << id;
  }
  EXPECT_THAT(h.violations(), IsEmpty());
}

TEST(MultiPaxosElection, LaterCommandsUsePhase2Only) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.sent(msgs("Prepare")), 3u) << "one phase 1 for the election, to every member";
  const std::size_t promises = h.sent(msgs("Promise"));

  for (int i = 0; i < 6; ++i) {
    const std::size_t accepts = h.sent(msgs("Accept"));
    const std::size_t accepteds = h.sent(msgs("Accepted"));
    ASSERT_TRUE(h.commit(1, "cmd" + std::to_string(i))) << h.history();
    // One round trip: one Accept to each member, one Accepted back from each.
    EXPECT_EQ(h.sent(msgs("Accept")) - accepts, 3u);
    EXPECT_EQ(h.sent(msgs("Accepted")) - accepteds, 3u);
  }
  EXPECT_EQ(h.sent(msgs("Prepare")), 3u) << "no phase 1 after the election";
  EXPECT_EQ(h.sent(msgs("Promise")), promises);
  EXPECT_EQ(h.committed(1).size(), 6u);
  h.heartbeat(1);
  EXPECT_EQ(h.committed(2), h.committed(1));
  EXPECT_EQ(h.committed(3), h.committed(1));
}

// ---------------------------------------------------------------- takeover

// The old leader's value reached one acceptor only (a minority), then the old
// leader crashed. The new leader's phase-1 quorum must include that acceptor,
// so it must finish the old proposal rather than use the slot for anything else.
TEST(MultiPaxosTakeover, NewLeaderReproposesVoteReportedByAMinority) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  const Ballot old_ballot = h.core(1).promised();
  h.submit(1, "v");
  ASSERT_EQ(h.deliver(msgs("Accept").from(1).to(2)), 1u);
  h.drop(msgs("Accept"));
  h.sync(2);  // 2's vote is durable; its Accepted leaves...
  ASSERT_EQ(h.drop(msgs("Accepted")), 1u);  // ...and is lost
  h.crash(1);

  ASSERT_TRUE(h.elect(3)) << h.history();
  // 2's promise reported the vote.
  auto promises = h.sent_messages(msgs("Promise").from(2).to(3));
  ASSERT_EQ(promises.size(), 1u);
  EXPECT_EQ(std::get<multipaxos::Promise>(promises[0].payload).votes,
            (std::vector<SlotVote>{SlotVote{S(1), old_ballot, batch({"v"})}}));
  // The new leader proposes it at the same slot, in its own ballot.
  EXPECT_EQ(accept_entries(h, 3, 2), slots({{1, batch({"v"})}}));

  ASSERT_TRUE(h.settle());
  h.heartbeat(3);
  EXPECT_EQ(h.committed(3), slots({{1, batch({"v"})}}));
  EXPECT_EQ(h.committed(2), slots({{1, batch({"v"})}}));
  // New commands go after it.
  ASSERT_TRUE(h.commit(3, "w"));
  EXPECT_EQ(h.committed_commands(3), (Commands{"v", "w"}));

  h.restart(1);
  ASSERT_TRUE(h.run_until([&] { return h.committed(1).size() == 2; })) << h.history();
  EXPECT_EQ(h.committed(1), h.committed(3));
  EXPECT_THAT(h.violations(), IsEmpty());
}

// Two different votes at one slot: the new leader's own, from an older
// ballot, and another acceptor's from a newer ballot. It must re-propose the
// newer one, not its own.
TEST(MultiPaxosTakeover, NewLeaderReproposesTheHighestBallotVoteNotItsOwn) {
  Harness h(3);
  // Ballot b1: leader 1 votes "old" at slot 1, alone.
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  const Ballot b1 = h.core(1).promised();
  h.submit(1, "old");
  ASSERT_EQ(h.deliver(msgs("Accept").to(1)), 1u);
  h.drop(msgs("Accept"));
  h.sync(1);
  h.drop(msgs("Accepted"));
  h.crash(1);

  // Ballot b2: leader 3 (quorum {2,3}, which never heard of "old") puts
  // "new" at slot 1; only 2 votes for it.
  ASSERT_TRUE(h.elect(3)) << h.history();
  ASSERT_TRUE(h.settle());
  const Ballot b2 = h.core(3).promised();
  ASSERT_GT(b2, b1);
  h.submit(3, "new");
  EXPECT_EQ(accept_entries(h, 3, 2), slots({{1, batch({"new"})}}));
  ASSERT_EQ(h.deliver(msgs("Accept").to(2)), 1u);
  h.drop(msgs("Accept"));
  h.sync(2);
  h.drop(msgs("Accepted"));
  h.crash(3);

  // Ballot b3: 1 comes back with its own vote (b1, "old") and wins with
  // quorum {1,2}, where 2 reports (b2, "new").
  h.restart(1);
  ASSERT_EQ(h.core(1).promised(), b1);
  ASSERT_TRUE(h.elect(1)) << h.history();
  ASSERT_GT(h.core(1).promised(), b2);
  EXPECT_EQ(accept_entries(h, 1, 2), slots({{1, batch({"new"})}}));
  ASSERT_TRUE(h.settle());
  h.heartbeat(1);
  EXPECT_EQ(h.committed(1), slots({{1, batch({"new"})}}));
  EXPECT_EQ(h.committed(2), slots({{1, batch({"new"})}}));
  EXPECT_EQ(h.oracle().chosen().at(S(1)), batch({"new"}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

// Slot 2 has a vote, slot 1 none anywhere: the new leader fills slot 1 with a
// no-op (an empty batch), so that slot 2 can be applied.
TEST(MultiPaxosTakeover, NewLeaderFillsAHoleWithANoop) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.submit(1, "a");  // slot 1
  h.submit(1, "b");  // slot 2
  ASSERT_EQ(h.drop(msgs("Accept").slot(1)), 3u);
  ASSERT_EQ(h.deliver(msgs("Accept").slot(2).to(2)), 1u);
  h.drop(msgs("Accept"));
  h.sync(2);
  h.drop(msgs("Accepted"));
  h.crash(1);

  ASSERT_TRUE(h.elect(3)) << h.history();
  EXPECT_EQ(accept_entries(h, 3, 2), slots({{1, noop()}, {2, batch({"b"})}}));
  ASSERT_TRUE(h.settle());
  h.heartbeat(3);
  const auto expected = slots({{1, noop()}, {2, batch({"b"})}});
  EXPECT_EQ(h.committed(3), expected);
  EXPECT_EQ(h.committed(2), expected);
  // "a" was never accepted anywhere: it is gone (its client will retry).
  ASSERT_TRUE(h.commit(3, "c"));
  EXPECT_EQ(h.committed(3).back(), (SlotValue{S(3), batch({"c"})}));

  h.restart(1);
  ASSERT_TRUE(h.run_until([&] { return h.committed(1).size() == 3; })) << h.history();
  EXPECT_EQ(h.committed(1), h.committed(3));
  EXPECT_THAT(h.violations(), IsEmpty());
}

// Consistency: "a" is chosen in ballot b1 by {1,2} while 3 holds an older
// vote "x" (ballot b0) at the same slot. Leader 2 crashes before anyone else
// learns the commit. A new leader with quorum {1,3} sees both votes and must
// carry the chosen "a" forward, not 3's own "x".
TEST(MultiPaxosTakeover, ValueChosenInAnOldBallotSurvivesLeaderChange) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.submit(1, "x");
  ASSERT_EQ(h.deliver(msgs("Accept").to(3)), 1u);
  h.drop(msgs("Accept"));
  h.sync(3);
  h.drop(msgs("Accepted"));

  h.isolate(3);
  ASSERT_TRUE(h.elect(2)) << h.history();
  EXPECT_EQ(h.stepped_down(1), 1) << "1 saw 2's higher ballot";
  ASSERT_TRUE(h.commit(2, "a")) << h.history();
  EXPECT_EQ(h.committed(2), slots({{1, batch({"a"})}}));
  EXPECT_EQ(h.oracle().chosen().at(S(1)), batch({"a"}));
  EXPECT_EQ(h.core(1).commit_index(), S(0)) << "1 voted but does not know the commit";
  h.crash(2);
  h.heal_all();
  h.drop(any_msg());

  ASSERT_TRUE(h.elect(3)) << h.history();
  EXPECT_EQ(accept_entries(h, 3, 1), slots({{1, batch({"a"})}}));
  ASSERT_TRUE(h.settle());
  h.heartbeat(3);
  EXPECT_EQ(h.committed(3), slots({{1, batch({"a"})}}));
  EXPECT_EQ(h.committed(1), slots({{1, batch({"a"})}}));
  h.restart(2);
  ASSERT_TRUE(h.run_until([&] { return h.committed(2).size() == 1; })) << h.history();
  EXPECT_EQ(h.committed(2), slots({{1, batch({"a"})}}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

// A candidate that missed a commit learns the chosen value from a promise
// and adopts it as it is: no Accept for that slot.
TEST(MultiPaxosTakeover, NewLeaderAdoptsValuesReportedChosen) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.isolate(3);
  ASSERT_TRUE(h.commit(1, "a"));
  h.heartbeat(1);
  ASSERT_EQ(h.committed(2), slots({{1, batch({"a"})}}));
  EXPECT_THAT(h.committed(3), IsEmpty());
  h.crash(1);
  h.heal_all();
  h.drop(any_msg());

  ASSERT_TRUE(h.elect(3)) << h.history();
  for (const Envelope& e : h.sent_messages(msgs("Prepare").from(3))) {
    EXPECT_EQ(std::get<multipaxos::Prepare>(e.payload).from_slot, S(1));
  }
  auto promises = h.sent_messages(msgs("Promise").from(2).to(3));
  ASSERT_EQ(promises.size(), 1u);
  EXPECT_EQ(std::get<multipaxos::Promise>(promises[0].payload).chosen, slots({{1, batch({"a"})}}));
  EXPECT_EQ(h.committed(3), slots({{1, batch({"a"})}})) << "adopted at once";
  EXPECT_EQ(h.count(msgs("Accept").from(3)), 0u) << "nothing to re-propose";
  ASSERT_TRUE(h.commit(3, "b"));
  EXPECT_EQ(h.committed(3), slots({{1, batch({"a"})}, {2, batch({"b"})}}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

// A leader's phase 1 starts after its commit index: chosen slots need nothing.
TEST(MultiPaxosTakeover, PhaseOneStartsAfterTheCandidatesCommitIndex) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.commit(1, "a"));
  h.heartbeat(1);
  ASSERT_EQ(h.committed(2), slots({{1, batch({"a"})}}));
  h.crash(1);
  h.drop(any_msg());
  ASSERT_TRUE(h.elect(2)) << h.history();
  for (const Envelope& e : h.sent_messages(msgs("Prepare").from(2))) {
    EXPECT_EQ(std::get<multipaxos::Prepare>(e.payload).from_slot, S(2));
  }
  EXPECT_EQ(h.count(msgs("Accept").from(2)), 0u);
  ASSERT_TRUE(h.commit(2, "b"));
  EXPECT_EQ(h.committed(2), slots({{1, batch({"a"})}, {2, batch({"b"})}}));
}

// ---------------------------------------------------------------- commit order

TEST(MultiPaxosCommit, StreamIsInSlotOrderWhenAcceptedsArriveOutOfOrder) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.submit(1, "a");
  h.submit(1, "b");
  h.submit(1, "c");
  ASSERT_EQ(h.deliver(msgs("Accept")), 9u);
  h.sync_all();
  ASSERT_EQ(h.count(msgs("Accepted").to(1)), 9u);

  h.deliver_newest_first(msgs("Accepted").slot(3));
  h.deliver_newest_first(msgs("Accepted").slot(2));
  EXPECT_TRUE(h.core(1).chosen(S(3)).has_value());
  EXPECT_TRUE(h.core(1).chosen(S(2)).has_value());
  EXPECT_EQ(h.core(1).commit_index(), S(0));
  EXPECT_THAT(h.committed(1), IsEmpty()) << "slot 1 is not chosen yet";

  h.deliver(msgs("Accepted").slot(1));
  EXPECT_EQ(h.committed(1), slots({{1, batch({"a"})}, {2, batch({"b"})}, {3, batch({"c"})}}));
  EXPECT_EQ(h.core(1).commit_index(), S(3));
  h.heartbeat(1);
  EXPECT_EQ(h.committed(2), h.committed(1));
  EXPECT_EQ(h.committed(3), h.committed(1));
}

TEST(MultiPaxosCommit, FollowerWithTheLeadersVotesLearnsCommitFromAHeartbeat) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.commit(1, "a"));
  ASSERT_TRUE(h.commit(1, "b"));
  // Each Accept carried the commit index before it: 3 knows slot 1 only.
  EXPECT_EQ(h.core(3).commit_index(), S(1));
  h.heartbeat(1);
  EXPECT_EQ(h.core(3).commit_index(), S(2));
  EXPECT_EQ(h.committed(3), h.committed(1));
  EXPECT_EQ(h.sent(msgs("CatchUpRequest")), 0u) << "its own votes were enough";
}

TEST(MultiPaxosCommit, FollowerLearnsACommitWhoseAcceptArrivesAfterTheHeartbeat) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.submit(1, "a");
  // 2 votes, 1 commits slot 1; the Accept to 3 (carrying commit 0) is late.
  ASSERT_EQ(h.deliver(msgs("Accept").to(2)), 1u);
  h.deliver(msgs("Accept").to(1));  // the leader's own vote, if it sends itself one
  for (int i = 0; i < 3; ++i) {
    h.sync_all();
    h.deliver(msgs("Accepted"));
  }
  ASSERT_EQ(h.core(1).commit_index(), S(1));
  for (int i = 0; i < 100 && h.count(msgs("Heartbeat").to(3)) == 0; ++i) h.tick(1);
  ASSERT_EQ(h.deliver(msgs("Heartbeat").to(3)), 1u);
  EXPECT_EQ(h.core(3).commit_index(), S(0)) << "3 has no vote for slot 1 yet";
  // The heartbeat already told 3 that slot 1 is committed; its own vote at
  // the leader's ballot, arriving now, is the chosen value.
  ASSERT_EQ(h.deliver(msgs("Accept").to(3)), 1u);
  EXPECT_EQ(h.core(3).commit_index(), S(1));
  EXPECT_EQ(h.committed(3), slots({{1, batch({"a"})}}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

TEST(MultiPaxosCommit, AnnounceCommitTellsFollowersOnceWithoutWaitingForAHeartbeat) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.submit(1, "a");
  h.deliver(msgs("Accept"));
  h.sync_all();
  h.deliver(msgs("Accepted"));
  ASSERT_EQ(h.core(1).commit_index(), S(1));
  ASSERT_EQ(h.core(2).commit_index(), S(0));
  const std::size_t before = h.sent(msgs("Heartbeat"));
  h.end_turn(1);
  EXPECT_EQ(h.sent(msgs("Heartbeat")), before + 2);
  h.end_turn(1);
  EXPECT_EQ(h.sent(msgs("Heartbeat")), before + 2) << "nothing new to announce";
  h.end_turn(2);
  EXPECT_EQ(h.sent(msgs("Heartbeat")), before + 2) << "followers never announce";
  h.deliver(msgs("Heartbeat"));
  EXPECT_EQ(h.core(2).commit_index(), S(1));
  EXPECT_EQ(h.core(3).commit_index(), S(1));
  // An Accept sent to everyone carries the commit index too: no extra message.
  h.submit(1, "b");
  h.deliver(msgs("Accept"));
  h.sync_all();
  h.deliver(msgs("Accepted"));
  h.submit(1, "c");
  const std::size_t after_accepts = h.sent(msgs("Heartbeat"));
  h.end_turn(1);
  EXPECT_EQ(h.sent(msgs("Heartbeat")), after_accepts);
}

TEST(MultiPaxosCommit, DuplicatedAndReorderedMessagesChangeNothing) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  for (const char* c : {"a", "b", "c", "d"}) h.submit(1, c);
  h.duplicate(msgs("Accept"));
  h.deliver_newest_first(msgs("Accept"));
  h.sync_all();
  h.duplicate(msgs("Accepted"));
  h.deliver_newest_first(msgs("Accepted"));
  ASSERT_TRUE(h.settle());
  h.heartbeat(1);
  for (std::uint32_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(h.committed_commands(id), (Commands{"a", "b", "c", "d"})) << "replica " << id;
  }
  EXPECT_THAT(h.violations(), IsEmpty());
}

// ---------------------------------------------------------------- pipelining, batching

TEST(MultiPaxosPipeline, AtMostWindowSlotsInFlight) {
  constexpr std::uint32_t kWindow = 3;
  MultiPaxosOptions o;
  o.limits.window_slots = kWindow;
  o.limits.max_batch_commands = 1;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  for (int i = 0; i < 10; ++i) h.submit(1, "c" + std::to_string(i));

  std::set<Slot> proposed;
  std::size_t max_in_flight = 0;
  auto check = [&] {
    for (const Envelope& e : h.sent_messages(msgs("Accept").from(1))) {
      for (const SlotValue& v : std::get<Accept>(e.payload).entries) proposed.insert(v.slot);
    }
    std::size_t in_flight = 0;
    for (Slot s : proposed) in_flight += h.core(1).chosen(s).has_value() ? 0 : 1;
    max_in_flight = std::max(max_in_flight, in_flight);
    ASSERT_LE(in_flight, kWindow) << h.history();
  };
  check();
  EXPECT_EQ(proposed.size(), kWindow);
  EXPECT_EQ(h.core(1).pending_commands(), 10u - kWindow);
  // One message at a time, so the window opens slot by slot.
  for (int step = 0; step < 1000 && (h.count(any_msg()) > 0 || h.pending_writes(2) > 0 ||
                                      h.pending_writes(1) > 0 || h.pending_writes(3) > 0);
       ++step) {
    h.sync_all();
    check();
    h.deliver_first(any_msg());
    check();
  }
  EXPECT_EQ(max_in_flight, kWindow);
  ASSERT_EQ(h.committed(1).size(), 10u);
  for (std::uint64_t i = 0; i < 10; ++i) {
    EXPECT_EQ(h.committed(1)[i], (SlotValue{S(i + 1), batch({"c" + std::to_string(i)})}));
  }
}

TEST(MultiPaxosPipeline, SubmitsWhileTheWindowIsFullShareASlot) {
  MultiPaxosOptions o;
  o.limits.window_slots = 1;
  o.limits.max_batch_commands = 4;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.submit(1, "c0");  // slot 1: the window is now full
  for (int i = 1; i <= 9; ++i) {
    EXPECT_EQ(h.submit(1, "c" + std::to_string(i)).status, log::SubmitStatus::kAccepted);
  }
  EXPECT_EQ(h.core(1).pending_commands(), 9u);
  EXPECT_EQ(h.count(msgs("Accept")), 3u) << "nothing new until slot 1 is chosen";
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.committed(1), slots({{1, batch({"c0"})},
                                   {2, batch({"c1", "c2", "c3", "c4"})},
                                   {3, batch({"c5", "c6", "c7", "c8"})},
                                   {4, batch({"c9"})}}));
  h.heartbeat(1);
  EXPECT_EQ(h.committed(2), h.committed(1));
}

TEST(MultiPaxosPipeline, BatchesRespectMaxBatchBytes) {
  MultiPaxosOptions o;
  o.limits.window_slots = 1;
  // Room for two commands of four-letter labels, not three.
  o.limits.max_batch_bytes = static_cast<std::uint32_t>(command("aaaa").size() + command("bbbb").size());
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  const std::string big(100, 'L');  // larger than a batch: it still goes, alone
  ASSERT_GT(command(big).size(), o.limits.max_batch_bytes);
  for (const std::string& v : Labels{"x0", "aaaa", "bbbb", "cccc", big, "dddd"}) h.submit(1, v);
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.committed(1), slots({{1, batch({"x0"})},
                                   {2, batch({"aaaa", "bbbb"})},
                                   {3, batch({"cccc"})},
                                   {4, batch({big})},
                                   {5, batch({"dddd"})}}));
}

TEST(MultiPaxosPipeline, QueueIsBoundedByMaxPendingCommands) {
  MultiPaxosOptions o;
  o.limits.window_slots = 1;
  o.limits.max_pending_commands = 2;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.submit(1, "a").status, log::SubmitStatus::kAccepted);  // in flight
  EXPECT_EQ(h.submit(1, "b").status, log::SubmitStatus::kAccepted);  // queued
  EXPECT_EQ(h.submit(1, "c").status, log::SubmitStatus::kAccepted);  // queued
  log::SubmitResult busy = h.submit(1, "d");
  EXPECT_EQ(busy.status, log::SubmitStatus::kBusy);
  EXPECT_EQ(busy.leader_hint, N(1));
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.committed_commands(1), (Commands{"a", "b", "c"}));
}

TEST(MultiPaxosPipeline, DuplicateSubmitWhileQueuedOrInFlightIsProposedOnce) {
  MultiPaxosOptions o;
  o.limits.window_slots = 1;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.submit(1, "a").status, log::SubmitStatus::kAccepted);  // in flight (slot 1)
  EXPECT_EQ(h.submit(1, "b").status, log::SubmitStatus::kAccepted);  // queued
  EXPECT_EQ(h.submit(1, "a").status, log::SubmitStatus::kAccepted);  // a client's retry
  EXPECT_EQ(h.submit(1, "b").status, log::SubmitStatus::kAccepted);
  EXPECT_EQ(h.submit(1, "b").status, log::SubmitStatus::kAccepted);
  EXPECT_EQ(h.core(1).pending_commands(), 1u);
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.committed(1), slots({{1, batch({"a"})}, {2, batch({"b"})}}));

  // Once committed, the same bytes are a new submission (at-most-once
  // execution is the client table's job, not the log's).
  ASSERT_TRUE(h.commit(1, "a"));
  EXPECT_EQ(h.committed_commands(1), (Commands{"a", "b", "a"}));
}

// After a failover the client whose command was in flight retries it on the
// new leader, which is already re-proposing those bytes from phase 1: they
// are in flight, so they are not proposed again.
TEST(MultiPaxosPipeline, RetryOfAReproposedCommandIsProposedOnce) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.submit(1, "v");
  ASSERT_EQ(h.deliver(msgs("Accept").to(2)), 1u);
  h.drop(msgs("Accept"));
  h.sync(2);
  h.drop(msgs("Accepted"));
  h.crash(1);
  ASSERT_TRUE(h.elect(3)) << h.history();
  ASSERT_EQ(accept_entries(h, 3, 2), slots({{1, batch({"v"})}}));
  EXPECT_EQ(h.submit(3, "v").status, log::SubmitStatus::kAccepted);  // the client's retry
  EXPECT_EQ(h.count(msgs("Accept").from(3).slot(2)), 0u) << "proposed a second time";
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.committed(3), slots({{1, batch({"v"})}}));
  // Once chosen, it is no longer in flight.
  ASSERT_TRUE(h.commit(3, "v"));
  EXPECT_EQ(h.committed(3), slots({{1, batch({"v"})}, {2, batch({"v"})}}));
}

// ---------------------------------------------------------------- catch-up

TEST(MultiPaxosCatchUp, FollowerThatMissedSlotsCatchesUp) {
  MultiPaxosOptions o;
  o.limits.max_entries_per_message = 2;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.isolate(3);
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(h.commit(1, "c" + std::to_string(i))) << h.history();
  h.heartbeat(1);
  ASSERT_EQ(h.committed(2).size(), 5u);
  EXPECT_THAT(h.committed(3), IsEmpty());
  EXPECT_EQ(h.sent(msgs("CatchUpRequest")), 0u);

  h.heal_all();
  // A heartbeat tells 3 the commit index; it has no votes in those slots, so
  // it fetches them, two per reply.
  h.heartbeat(1);
  EXPECT_EQ(h.committed(3), h.committed(1));
  EXPECT_EQ(h.sent(msgs("CatchUpRequest").from(3)), 3u);
  EXPECT_EQ(h.sent(msgs("CatchUpReply").to(3)), 3u);
  std::vector<Slot> firsts;
  for (const Envelope& e : h.sent_messages(msgs("CatchUpRequest").from(3))) {
    firsts.push_back(std::get<multipaxos::CatchUpRequest>(e.payload).from_slot);
  }
  EXPECT_THAT(firsts, ElementsAre(S(1), S(3), S(5)));
  EXPECT_THAT(h.violations(), IsEmpty());
}

TEST(MultiPaxosCatchUp, LostCatchUpRepliesAreRetried) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.isolate(3);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(h.commit(1, "c" + std::to_string(i)));
  h.heal_all();
  // The heartbeat and 3's request arrive, the reply is lost.
  while (h.count(msgs("Heartbeat").to(3)) == 0) h.tick(1);
  h.deliver(msgs("Heartbeat").to(3));
  ASSERT_EQ(h.deliver(msgs("CatchUpRequest").from(3)), 1u);
  ASSERT_EQ(h.drop(msgs("CatchUpReply")), 1u);
  ASSERT_TRUE(h.settle());
  EXPECT_THAT(h.committed(3), IsEmpty());
  // 3 asks again after catchup_retry_ticks.
  ASSERT_TRUE(h.run_until([&] { return h.committed(3).size() == 3; }, 200)) << h.history();
  EXPECT_EQ(h.committed(3), h.committed(1));
}

// 2 missed slots 1-2 (no votes there). It hears of commit 2 from leader 1,
// which crashes before answering its catch-up request. Leader 3 also has
// those slots chosen: 2 must get them from 3 while 1 stays down, even with
// no new commands (3's commit index never rises above what 1 reported).
TEST(MultiPaxosCatchUp, FollowerDoesNotKeepAskingACrashedPeer) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.isolate(2);
  ASSERT_TRUE(h.commit(1, "a"));
  ASSERT_TRUE(h.commit(1, "b"));
  h.heartbeat(1);
  ASSERT_EQ(h.committed(3).size(), 2u);
  h.heal_all();
  while (h.count(msgs("Heartbeat").to(2)) == 0) h.tick(1);
  h.drop(msgs("Heartbeat").to(3));
  ASSERT_EQ(h.deliver(msgs("Heartbeat").to(2)), 1u);
  ASSERT_EQ(h.count(msgs("CatchUpRequest").from(2).to(1)), 1u);
  h.crash(1);
  h.drop(any_msg());

  ASSERT_TRUE(h.elect(3)) << h.history();
  ASSERT_TRUE(h.run_until([&] { return h.committed(2).size() == 2; }, 1000))
      << "catch-up requests from 2: to 1: " << h.sent(msgs("CatchUpRequest").from(2).to(1))
      << ", to 3: " << h.sent(msgs("CatchUpRequest").from(2).to(3)) << "\n"
      << h.history();
  EXPECT_EQ(h.committed(2), h.committed(3));
}

// ---------------------------------------------------------------- step-down

TEST(MultiPaxosStepDown, LeaderThatHearsNoQuorumStepsDownAfterTheLease) {
  MultiPaxosOptions o;
  o.limits.window_slots = 1;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.cut(2, 1);
  h.cut(3, 1);
  h.submit(1, "a");  // in flight
  h.submit(1, "b");  // queued
  h.submit(1, "c");  // queued
  const std::uint32_t lease = o.timing.leader_lease_ticks;
  for (std::uint32_t i = 1; i <= lease; ++i) {
    h.tick(1);
    ASSERT_TRUE(h.settle());
    ASSERT_TRUE(h.core(1).is_leader()) << "stepped down after " << i << " ticks";
  }
  EXPECT_EQ(h.stepped_down(1), 0);
  h.tick(1);
  EXPECT_FALSE(h.core(1).is_leader());
  EXPECT_EQ(h.stepped_down(1), 1);
  EXPECT_EQ(h.dropped(1), (Commands{"b", "c"}));
  EXPECT_EQ(h.submit(1, "d").status, log::SubmitStatus::kNotLeader);
  EXPECT_THAT(h.committed(1), IsEmpty());
}

TEST(MultiPaxosStepDown, LeaderThatHearsAQuorumKeepsLeading) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.cut(3, 1);  // 2 is enough (with the leader itself)
  const std::uint32_t ticks = 5 * log::Timing{}.leader_lease_ticks;
  for (std::uint32_t i = 0; i < ticks; ++i) {
    h.tick(1);
    ASSERT_TRUE(h.settle());
  }
  EXPECT_TRUE(h.core(1).is_leader());
  EXPECT_EQ(h.stepped_down(1), 0);
  ASSERT_TRUE(h.commit(1, "a"));
}

TEST(MultiPaxosStepDown, LeaderStepsDownOnAHigherPrepare) {
  MultiPaxosOptions o;
  o.limits.window_slots = 1;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.submit(1, "a");
  h.submit(1, "b");
  h.drop(any_msg());
  while (h.core(2).role() == log::Role::kFollower) h.tick(2);
  h.sync(2);
  ASSERT_EQ(h.deliver(msgs("Prepare").from(2).to(1)), 1u);
  EXPECT_FALSE(h.core(1).is_leader());
  EXPECT_EQ(h.stepped_down(1), 1);
  EXPECT_EQ(h.dropped(1), (Commands{"b"}));
  EXPECT_EQ(h.core(1).leader_hint(), N(2));
  EXPECT_EQ(h.core(1).promised(), h.core(2).promised());
}

TEST(MultiPaxosStepDown, LeaderStepsDownOnANack) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  const Ballot b1 = h.core(1).promised();
  // 2 campaigns; only 3 hears it.
  while (h.core(2).role() == log::Role::kFollower) h.tick(2);
  h.sync(2);
  ASSERT_EQ(h.deliver(msgs("Prepare").from(2).to(3)), 1u);
  h.drop(any_msg());
  const Ballot b2 = h.core(3).promised();
  ASSERT_GT(b2, b1);

  h.submit(1, "x");
  h.drop(msgs("Accept").to(2));
  h.deliver(msgs("Accept").to(3));
  auto nacks = h.in_flight(msgs("Nack").from(3).to(1));
  ASSERT_EQ(nacks.size(), 1u);
  EXPECT_EQ(std::get<multipaxos::Nack>(nacks[0].payload), (multipaxos::Nack{b1, b2}));
  h.deliver(msgs("Nack"));
  EXPECT_FALSE(h.core(1).is_leader());
  EXPECT_EQ(h.stepped_down(1), 1);
  // Its next campaign goes above what the Nack reported.
  ASSERT_TRUE(h.elect(1)) << h.history();
  EXPECT_GT(h.core(1).promised(), b2);
}

// A partitioned leader keeps believing it leads; the majority elects a new
// one. The old leader's proposals are rejected, and it steps down as soon as
// it hears from the new leader.
TEST(MultiPaxosStepDown, StaleLeaderIsRejectedAndStepsDownOnTheNewLeadersHeartbeat) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.commit(1, "a"));
  h.heartbeat(1);
  h.isolate(1);
  ASSERT_TRUE(h.elect(2)) << h.history();
  ASSERT_TRUE(h.commit(2, "b"));
  EXPECT_EQ(h.leaders(), (std::vector<std::uint32_t>{1, 2})) << "1 does not know yet";

  h.submit(1, "stale");
  h.heal_all();
  ASSERT_TRUE(h.settle());
  EXPECT_FALSE(h.core(1).is_leader()) << "the Nacks to its Accept depose it";
  h.heartbeat(2);
  EXPECT_EQ(h.core(1).leader_hint(), N(2));
  EXPECT_EQ(h.leaders(), (std::vector<std::uint32_t>{2}));
  for (std::uint32_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(h.committed_commands(id), (Commands{"a", "b"})) << "replica " << id;
  }
  EXPECT_THAT(h.violations(), IsEmpty());
}

// ---------------------------------------------------------------- slow disks

// Followers' writes never become durable: they cannot vote, so nothing
// commits, but they answer heartbeats (which never wait for the disk), so the
// leader keeps its lease and nobody starts an election.
TEST(MultiPaxosSlowDisk, HeartbeatsAreNotStarvedByASlowDisk) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  const std::size_t prepares = h.sent(msgs("Prepare"));
  const std::size_t replies = h.sent(msgs("HeartbeatReply"));
  const std::uint32_t rounds = 10 * log::Timing{}.election_timeout_max_ticks;
  for (std::uint32_t r = 0; r < rounds; ++r) {
    if (r % 50 == 0) h.submit(1, "c" + std::to_string(r));
    h.deliver_all();
    h.sync(1);  // only the leader's disk keeps up
    h.tick_all();
    ASSERT_TRUE(h.core(1).is_leader()) << "round " << r << "\n" << h.history();
    ASSERT_EQ(h.core(2).role(), log::Role::kFollower) << "round " << r;
    ASSERT_EQ(h.core(3).role(), log::Role::kFollower) << "round " << r;
  }
  EXPECT_EQ(h.sent(msgs("Prepare")), prepares) << "no election while the leader is alive";
  EXPECT_EQ(h.stepped_down(1), 0);
  EXPECT_GE(h.sent(msgs("HeartbeatReply")) - replies,
            2 * (rounds / log::Timing{}.heartbeat_ticks) - 4);
  EXPECT_EQ(h.sent(msgs("Accepted").from(2)), 0u) << "no vote before it is durable";
  EXPECT_GT(h.core(2).held_messages(), 0u);
  EXPECT_THAT(h.committed(1), IsEmpty());

  // The disks catch up: the held Accepteds go out and everything commits.
  ASSERT_TRUE(h.run_until([&] { return h.committed(1).size() == rounds / 50; }, 200))
      << h.history();
  EXPECT_EQ(h.core(2).held_messages(), 0u);
  EXPECT_THAT(h.violations(), IsEmpty());
}

// ---------------------------------------------------------------- the harness can fail

// Each deliberately broken variant, in a scenario where it matters, is
// reported by the harness's checks (a checker must be able to fail).
TEST(MultiPaxosHarnessChecks, CatchesCommitBeforeQuorum) {
  MultiPaxosOptions o;
  o.bugs.commit_before_quorum = true;
  o.expect_violations = true;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.submit(1, "x");
  h.deliver(msgs("Accept").to(1));
  h.sync(1);
  h.deliver(msgs("Accepted").to(1));
  EXPECT_EQ(h.committed(1), slots({{1, batch({"x"})}})) << "after its own vote only";
  EXPECT_THAT(h.violations(), Contains(HasSubstr("which no quorum accepted")));
}

TEST(MultiPaxosHarnessChecks, CatchesApplyOutOfOrder) {
  MultiPaxosOptions o;
  o.bugs.apply_out_of_order = true;
  o.expect_violations = true;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  h.submit(1, "a");
  h.submit(1, "b");
  h.deliver(msgs("Accept"));
  h.sync_all();
  h.deliver(msgs("Accepted").slot(2));
  // The core hands out slot 2 first; the host refuses to apply it before
  // slot 1 (AppliedInLogOrder), which stops the replica.
  EXPECT_THAT(h.committed(1), IsEmpty());
  EXPECT_FALSE(h.is_up(1));
  EXPECT_THAT(h.violations(), Contains(HasSubstr("AppliedInLogOrder")));
  EXPECT_THAT(h.violations(), Contains(HasSubstr("applied slot 2 after 0")));
}

// "a" is chosen by {1,2}; 3 never heard of it and takes over without phase 1,
// so it proposes "evil" at slot 1 and 2 overwrites its vote.
TEST(MultiPaxosHarnessChecks, CatchesSkipPhase1OnTakeover) {
  MultiPaxosOptions o;
  o.bugs.skip_phase1_on_takeover = true;
  o.expect_violations = true;
  Harness h(o);
  h.isolate(3);
  ASSERT_TRUE(h.elect(1));
  EXPECT_EQ(h.sent(msgs("Prepare")), 0u) << "no phase 1 at all";
  ASSERT_TRUE(h.commit(1, "a"));
  h.crash(1);
  h.heal_all();
  h.drop(any_msg());
  ASSERT_TRUE(h.elect(3));
  h.submit(3, "evil");
  h.settle();
  EXPECT_EQ(h.committed(3), slots({{1, batch({"evil"})}}));
  EXPECT_THAT(h.violations(), Contains(HasSubstr("Consistency")));
  EXPECT_THAT(h.violations(), Contains(HasSubstr("Agreement")));
  EXPECT_THAT(h.violations(), Contains(HasSubstr("committed [evil] at slot 1 but a quorum accepted [a]")));
}

}  // namespace
}  // namespace quorum::logtest
