// The durability contract (persist before you promise) and recovery: a
// Promise or Accepted leaves only once every write issued before it is
// durable; writes carry increasing seqs; heartbeats never wait for the disk;
// a replica restarted from its records keeps its promise and its votes, and
// what was not durable was never vouched for. Everything runs on the log
// harness (tests/log/harness.h), through the shared replica host.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "multipaxos_traits.h"

namespace quorum::logtest {
namespace {

using Harness = MultiPaxosHarness;
using log::SlotValue;
using multipaxos::Accept;
using multipaxos::Accepted;
using multipaxos::AcceptRecord;
using multipaxos::DurableState;
using multipaxos::Heartbeat;
using multipaxos::HeartbeatReply;
using multipaxos::Nack;
using multipaxos::Prepare;
using multipaxos::Promise;
using multipaxos::PromiseRecord;
using multipaxos::Record;
using multipaxos::SlotVote;
using ::testing::IsEmpty;

// Replica 2 of {1,2,3}, driven by hand-made messages; nothing it sends is
// delivered.
class MultiPaxosDurability : public ::testing::Test {
 protected:
  // A message from `from` arrives at 2.
  void step(std::uint32_t from, Payload p) {
    h_.inject(Envelope{N(from), N(2), std::move(p)});
    ASSERT_EQ(h_.deliver(any_msg().to(2)), 1u);
  }
  // What 2 sent that is still in flight (all of it: nothing is delivered).
  std::vector<Envelope> sent_by_2() const { return h_.in_flight(any_msg().from(2)); }
  // The write number of the last record 2 made durable.
  std::uint64_t last_durable_seq() const { return h_.store(2).durable_records().back().seq; }

  Harness h_{3};
};

TEST_F(MultiPaxosDurability, PromiseLeavesOnlyOnceItsRecordIsDurable) {
  step(1, Prepare{B(1, 1), S(1)});
  ASSERT_EQ(h_.pending_writes(2), 1u);
  EXPECT_THAT(sent_by_2(), IsEmpty()) << "Promise before its record is durable";
  EXPECT_EQ(h_.core(2).held_messages(), 1u);

  ASSERT_EQ(h_.sync(2), 1u);
  EXPECT_EQ(h_.synced(2), (std::vector<Record>{PromiseRecord{B(1, 1)}}));
  EXPECT_EQ(last_durable_seq(), 1u);
  EXPECT_EQ(h_.pending_writes(2), 0u) << "acknowledging it wrote nothing new";
  EXPECT_EQ(sent_by_2(), (std::vector<Envelope>{Envelope{N(2), N(1), Promise{B(1, 1), S(0), {}, {}, S(0)}}}));
  EXPECT_EQ(h_.core(2).held_messages(), 0u);
}

TEST_F(MultiPaxosDurability, AcceptedLeavesOnlyOnceTheVoteIsDurable) {
  step(1, Prepare{B(1, 1), S(1)});
  h_.sync(2);
  h_.drop(any_msg());
  step(1, Accept{B(1, 1), {SlotValue{S(1), batch({"x"})}}, S(0)});
  ASSERT_EQ(h_.pending_writes(2), 1u);
  EXPECT_THAT(sent_by_2(), IsEmpty()) << "Accepted before the vote is durable";

  ASSERT_EQ(h_.sync(2), 1u);
  EXPECT_EQ(h_.synced(2).back(), (Record{AcceptRecord{B(1, 1), {SlotValue{S(1), batch({"x"})}}}}));
  EXPECT_EQ(last_durable_seq(), 2u);
  EXPECT_EQ(sent_by_2(), (std::vector<Envelope>{Envelope{N(2), N(1), Accepted{B(1, 1), {S(1)}, S(0)}}}));
}

// A reply vouches for every write issued before it: with three writes
// pending, making the first durable releases only what depends on the first.
TEST_F(MultiPaxosDurability, RepliesWaitForEveryEarlierWrite) {
  step(1, Prepare{B(1, 1), S(1)});
  step(1, Accept{B(1, 1), {SlotValue{S(1), batch({"x"})}}, S(0)});
  step(3, Prepare{B(1, 3), S(1)});
  ASSERT_EQ(h_.pending_writes(2), 3u);
  EXPECT_EQ(h_.core(2).held_messages(), 3u);

  ASSERT_EQ(h_.sync(2, 1), 1u);
  EXPECT_EQ(last_durable_seq(), 1u);
  std::vector<Envelope> out = sent_by_2();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Promise>(out[0].payload));
  h_.host(2).on_durable(1);  // a repeated acknowledgement changes nothing
  EXPECT_EQ(sent_by_2().size(), 1u);
  ASSERT_EQ(h_.sync(2), 2u);  // acknowledges 2 and 3 at once
  EXPECT_EQ(last_durable_seq(), 3u);
  out = sent_by_2();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<Accepted>(out[1].payload));
  const auto* promise = std::get_if<Promise>(&out[2].payload);
  ASSERT_NE(promise, nullptr);
  EXPECT_EQ(out[2].to, N(3));
  // The second promise reports the vote.
  EXPECT_EQ(promise->votes, (std::vector<SlotVote>{SlotVote{S(1), B(1, 1), batch({"x"})}}));
  EXPECT_EQ(h_.core(2).held_messages(), 0u);
}

TEST_F(MultiPaxosDurability, HeartbeatRepliesAndNacksDoNotWaitForTheDisk) {
  step(1, Prepare{B(2, 1), S(1)});
  ASSERT_EQ(h_.pending_writes(2), 1u);  // pending, never made durable here
  step(1, Heartbeat{B(2, 1), S(0)});
  EXPECT_EQ(sent_by_2(), (std::vector<Envelope>{Envelope{N(2), N(1), HeartbeatReply{B(2, 1), S(0)}}}));
  h_.drop(any_msg());
  step(3, Prepare{B(1, 3), S(1)});
  EXPECT_EQ(sent_by_2(), (std::vector<Envelope>{Envelope{N(2), N(3), Nack{B(1, 3), B(2, 1)}}}));
  EXPECT_EQ(h_.pending_writes(2), 1u) << "a rejected Prepare is not persisted";
  h_.drop(any_msg());
  step(3, Accept{B(1, 3), {SlotValue{S(1), batch({"y"})}}, S(0)});
  EXPECT_EQ(sent_by_2(), (std::vector<Envelope>{Envelope{N(2), N(3), Nack{B(1, 3), B(2, 1)}}}));
  EXPECT_EQ(h_.pending_writes(2), 1u) << "a rejected Accept is not a vote";
}

TEST_F(MultiPaxosDurability, CandidateSendsPrepareOnlyOnceItsOwnPromiseIsDurable) {
  for (int i = 0; i < 200 && h_.pending_writes(2) == 0; ++i) h_.tick(2);
  ASSERT_EQ(h_.core(2).role(), log::Role::kCandidate);
  ASSERT_EQ(h_.pending_writes(2), 1u);
  const Ballot b = h_.core(2).promised();
  EXPECT_EQ(b.node, N(2));
  EXPECT_THAT(sent_by_2(), IsEmpty());
  ASSERT_EQ(h_.sync(2), 1u);
  EXPECT_EQ(h_.synced(2), (std::vector<Record>{PromiseRecord{b}}));
  const std::vector<Envelope> out = sent_by_2();
  ASSERT_EQ(out.size(), 3u);
  for (const Envelope& e : out) EXPECT_EQ(e.payload, Payload{(Prepare{b, S(1)})});
}

TEST_F(MultiPaxosDurability, AcknowledgingAWriteNeverIssuedIsAnError) {
  step(1, Prepare{B(1, 1), S(1)});
  EXPECT_THROW(h_.host(2).on_durable(2), InvariantFailure);
}

// Across a whole run, every incarnation's writes carry seq 1, 2, 3, ... (the
// harness checks each write), and no Promise or Accepted is ever sent that
// the durable records do not back.
TEST(MultiPaxosDurabilityRun, EveryReplyIsBackedByDurableRecords) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  for (int i = 0; i < 5; ++i) h.submit(1, "c" + std::to_string(i));
  h.deliver(msgs("Accept"));
  // Nothing is durable yet: no Accepted anywhere.
  EXPECT_EQ(h.count(msgs("Accepted")), 0u);
  for (std::uint32_t id = 1; id <= 3; ++id) EXPECT_EQ(h.pending_writes(id), 5u);
  // One write at a time: each makes exactly one Accepted leave.
  for (std::size_t k = 1; k <= 5; ++k) {
    h.sync(2, 1);
    EXPECT_EQ(h.count(msgs("Accepted").from(2)), k);
  }
  // Every Accepted of 2 is backed by a durable vote in 2's records.
  DurableState d = h.durable_state(2);
  for (const Envelope& e : h.in_flight(msgs("Accepted").from(2))) {
    const auto& acc = std::get<Accepted>(e.payload);
    for (Slot s : acc.slots) {
      ASSERT_EQ(d.accepted.count(s), 1u);
      EXPECT_EQ(d.accepted.at(s).ballot, acc.ballot);
    }
  }
  ASSERT_TRUE(h.settle());
  h.heartbeat(1);
  EXPECT_EQ(h.committed(3).size(), 5u);
  EXPECT_THAT(h.violations(), IsEmpty());
}

// ---------------------------------------------------------------- recovery

// 2 voted (b1, "a") at slot 1 and then promised b2 to 3's campaign; both are
// durable. Restarted, it still refuses b1 and still reports its vote.
TEST(MultiPaxosRecovery, RestartedReplicaKeepsItsPromiseAndVotes) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  const Ballot b1 = h.core(1).promised();
  h.submit(1, "a");
  ASSERT_EQ(h.deliver(msgs("Accept").to(2)), 1u);
  h.drop(msgs("Accept"));
  h.sync(2);
  h.drop(msgs("Accepted"));

  while (h.core(3).role() == log::Role::kFollower) h.tick(3);
  h.sync(3);
  ASSERT_EQ(h.deliver(msgs("Prepare").from(3).to(2)), 1u);
  h.sync(2);
  h.drop(any_msg());
  const Ballot b2 = h.core(2).promised();
  ASSERT_GT(b2, b1);

  h.crash(2);
  h.restart(2);
  EXPECT_EQ(h.core(2).promised(), b2);
  DurableState d = h.durable_state(2);
  EXPECT_EQ(d.promised, b2);
  EXPECT_EQ(d.accepted.at(S(1)), (SlotVote{S(1), b1, batch({"a"})}));
  const std::size_t records = h.durable(2).size();

  // The old leader (still leading in b1) proposes again: refused.
  h.submit(1, "z");
  h.drop(msgs("Accept").to(1));
  h.drop(msgs("Accept").to(3));
  ASSERT_EQ(h.deliver(msgs("Accept").to(2)), 1u);
  auto nacks = h.in_flight(msgs("Nack").from(2));
  ASSERT_EQ(nacks.size(), 1u);
  EXPECT_EQ(std::get<Nack>(nacks[0].payload), (Nack{b1, b2}));
  EXPECT_EQ(h.pending_writes(2), 0u) << "no vote below the promise";
  // A Prepare below the promise: refused too.
  h.inject(Envelope{N(1), N(2), Prepare{b1, S(1)}});
  h.deliver(msgs("Prepare").to(2));
  EXPECT_EQ(h.count(msgs("Nack").from(2)), 2u);
  EXPECT_EQ(h.count(msgs("Promise").from(2)), 0u);
  EXPECT_EQ(h.pending_writes(2), 0u);
  EXPECT_EQ(h.durable(2).size(), records);
  EXPECT_FALSE(h.core(2).chosen(S(1)).has_value());

  // The Nack deposes 1; its next campaign learns the vote from 2's promise
  // and finishes it.
  h.deliver(msgs("Nack").to(1));
  EXPECT_FALSE(h.core(1).is_leader());
  ASSERT_TRUE(h.elect(1)) << h.history();
  EXPECT_GT(h.core(1).promised(), b2);
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.committed(1).front(), (SlotValue{S(1), batch({"a"})}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

// A crash loses writes that were not durable; what they would have vouched
// for never left the replica, so forgetting it is safe.
TEST(MultiPaxosRecovery, UnsyncedWritesAreLostAndWereNeverVouchedFor) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  const Ballot b1 = h.core(1).promised();
  h.submit(1, "a");
  ASSERT_EQ(h.deliver(msgs("Accept").to(2)), 1u);
  ASSERT_EQ(h.pending_writes(2), 1u);
  EXPECT_EQ(h.sent(msgs("Accepted").from(2)), 0u);
  h.crash(2);
  h.restart(2);
  EXPECT_EQ(h.core(2).promised(), b1) << "the promise was durable";
  EXPECT_TRUE(h.durable_state(2).accepted.empty()) << "the vote was not";
  EXPECT_EQ(h.sent(msgs("Accepted").from(2)), 0u);

  // The retry after accept_retry_ticks gets the vote again.
  h.drop(msgs("Accept"));
  ASSERT_TRUE(h.run_until([&] { return h.committed(2).size() == 1; }, 300)) << h.history();
  EXPECT_EQ(h.committed(2), (std::vector<SlotValue>{SlotValue{S(1), batch({"a"})}}));
}

// A candidate restarted after a crash never reuses its ballot: the promise to
// itself is durable before any Prepare leaves.
TEST(MultiPaxosRecovery, RestartedCandidateCampaignsWithAHigherBallot) {
  Harness h(3);
  while (h.core(1).role() == log::Role::kFollower) h.tick(1);
  const Ballot first = h.core(1).promised();
  EXPECT_EQ(h.count(msgs("Prepare")), 0u) << "held until the promise is durable";
  h.sync(1);
  EXPECT_EQ(h.count(msgs("Prepare").from(1)), 3u);
  h.crash(1);
  h.drop(any_msg());
  h.restart(1);
  EXPECT_EQ(h.core(1).promised(), first);
  ASSERT_TRUE(h.elect(1)) << h.history();
  EXPECT_GT(h.core(1).promised(), first);

  // Crash with the promise still pending: its Prepare never left, and the
  // ballot may be chosen again without harm.
  Harness g(3);
  while (g.core(2).role() == log::Role::kFollower) g.tick(2);
  EXPECT_EQ(g.sent(msgs("Prepare")), 0u);
  g.crash(2);
  g.restart(2);
  EXPECT_TRUE(g.core(2).promised().is_zero());
}

// Many crashes and restarts of followers while commands flow: every
// incarnation's committed stream agrees with everyone else's (the harness
// checks Agreement and the oracle on every commit).
TEST(MultiPaxosRecovery, FollowersCrashingAndRestartingConverge) {
  Harness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.settle());
  int submitted = 0;
  for (int r = 0; r < 600; ++r) {
    if (r % 10 == 0) {
      if (h.submit(1, "c" + std::to_string(submitted)).status == log::SubmitStatus::kAccepted) ++submitted;
    }
    const std::uint32_t victim = 2 + (r / 100) % 2;
    if (r % 100 == 30) h.crash(victim);
    if (r % 100 == 60) h.restart(victim);
    h.round();
  }
  h.restart(2);
  h.restart(3);
  ASSERT_TRUE(h.run_until([&] {
    for (std::uint32_t id = 1; id <= 3; ++id) {
      if (!h.core(id).is_leader() && h.core(id).leader_hint() != N(1)) return false;
      if (h.committed_commands(id).size() != static_cast<std::size_t>(submitted)) return false;
    }
    return true;
  })) << h.history();
  EXPECT_EQ(h.committed(2), h.committed(1));
  EXPECT_EQ(h.committed(3), h.committed(1));
  EXPECT_EQ(h.stepped_down(1), 0);
  EXPECT_THAT(h.violations(), IsEmpty());
}

}  // namespace
}  // namespace quorum::logtest
