// DurableState: the acceptor state a restarted replica rebuilds from its
// records, and the bug-variant names `quorum sim --break` accepts.
#include <gtest/gtest.h>

#include "multipaxos_traits.h"

namespace quorum::logtest {
namespace {

using log::SlotValue;
using multipaxos::AcceptRecord;
using multipaxos::DurableState;
using multipaxos::PromiseRecord;
using multipaxos::SlotVote;

TEST(MultiPaxosRecords, EmptyLogRecoversNothing) {
  DurableState d;
  EXPECT_TRUE(d.promised.is_zero());
  EXPECT_TRUE(d.accepted.empty());
}

TEST(MultiPaxosRecords, PromiseNeverDecreasesOnReplay) {
  DurableState d;
  d.apply(PromiseRecord{B(2, 1)});
  d.apply(PromiseRecord{B(1, 3)});  // an older record later in the log changes nothing
  EXPECT_EQ(d.promised, B(2, 1));
  d.apply(PromiseRecord{B(2, 3)});
  EXPECT_EQ(d.promised, B(2, 3));
}

TEST(MultiPaxosRecords, AcceptRecordsVotesAndRaisesThePromise) {
  DurableState d;
  d.apply(PromiseRecord{B(1, 1)});
  d.apply(AcceptRecord{B(3, 2), {SlotValue{S(1), batch({"a"})}, SlotValue{S(4), noop()}}});
  EXPECT_EQ(d.promised, B(3, 2));
  ASSERT_EQ(d.accepted.size(), 2u);
  EXPECT_EQ(d.accepted.at(S(1)), (SlotVote{S(1), B(3, 2), batch({"a"})}));
  EXPECT_EQ(d.accepted.at(S(4)), (SlotVote{S(4), B(3, 2), noop()}));
}

TEST(MultiPaxosRecords, LaterVoteInASlotReplacesTheEarlierOne) {
  DurableState d;
  d.apply(AcceptRecord{B(1, 1), {SlotValue{S(1), batch({"old"})}}});
  d.apply(AcceptRecord{B(2, 3), {SlotValue{S(1), batch({"new"})}}});
  d.apply(AcceptRecord{B(2, 3), {SlotValue{S(2), batch({"x", "y"})}}});
  EXPECT_EQ(d.promised, B(2, 3));
  EXPECT_EQ(d.accepted.at(S(1)), (SlotVote{S(1), B(2, 3), batch({"new"})}));
  EXPECT_EQ(d.accepted.at(S(2)), (SlotVote{S(2), B(2, 3), batch({"x", "y"})}));
}

TEST(MultiPaxosRecords, ReplicaStartsFromTheRecoveredState) {
  const ScopedInvariantHandler handler(&throwing_invariant_handler);
  DurableState d;
  d.apply(PromiseRecord{B(5, 2)});
  d.apply(AcceptRecord{B(4, 1), {SlotValue{S(1), batch({"a"})}}});
  multipaxos::Config c{N(3), QuorumSystem::majority(NodeSet::first_n(3)), log::Timing{}, log::Limits{},
                      multipaxos::Bugs{}, 7};
  multipaxos::Replica r(c, d);
  EXPECT_EQ(r.promised(), B(5, 2));
  EXPECT_EQ(r.commit_index(), S(0));
  EXPECT_FALSE(r.chosen(S(1)).has_value()) << "a vote is not a chosen value";
  EXPECT_STREQ(r.role_name(), "follower");
  // The vote shows up in the next Promise it gives.
  r.step(Envelope{N(1), N(3), multipaxos::Prepare{B(6, 1), S(1)}});
  multipaxos::Output o1 = r.take_output();
  ASSERT_EQ(o1.writes.size(), 1u);
  r.on_durable(o1.writes[0].seq);
  multipaxos::Output o2 = r.take_output();
  ASSERT_EQ(o2.messages.size(), 1u);
  const auto* p = std::get_if<multipaxos::Promise>(&o2.messages[0].payload);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ballot, B(6, 1));
  EXPECT_EQ(p->votes, (std::vector<SlotVote>{SlotVote{S(1), B(4, 1), batch({"a"})}}));
  EXPECT_TRUE(p->chosen.empty());
}

TEST(MultiPaxosRecords, BugNamesRoundTrip) {
  const auto& names = multipaxos::bug_names();
  ASSERT_EQ(names.size(), 3u);
  for (const std::string& n : names) EXPECT_TRUE(multipaxos::bugs_from_name(n).has_value()) << n;
  EXPECT_TRUE(multipaxos::bugs_from_name("skip-phase1-on-takeover")->skip_phase1_on_takeover);
  EXPECT_TRUE(multipaxos::bugs_from_name("commit-before-quorum")->commit_before_quorum);
  EXPECT_TRUE(multipaxos::bugs_from_name("apply-out-of-order")->apply_out_of_order);
  EXPECT_FALSE(multipaxos::bugs_from_name("").has_value());
  EXPECT_FALSE(multipaxos::bugs_from_name("minority-quorum").has_value());
}

}  // namespace
}  // namespace quorum::logtest
