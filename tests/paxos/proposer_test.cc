// The proposer: phase 1 needs promises from a quorum of *distinct*
// acceptors for its current ballot, adopts the highest-ballot value they
// report (P2c), and after a Nack or a timeout retries with a ballot above
// everything it has seen - never reusing one, even across a restart.
#include "paxos/proposer.h"

#include <gtest/gtest.h>

#include <optional>

#include "paxos_test_support.h"

namespace quorum::paxos {
namespace {

using testing_support::B;
using testing_support::config_for;
using testing_support::N;
using testing_support::ThrowOnInvariant;

// The Prepare ballot of an action that must start phase 1.
Ballot prepare_ballot(const std::optional<Proposer::Action>& a) {
  EXPECT_TRUE(a.has_value());
  if (!a) return {};
  EXPECT_TRUE(a->new_ballot) << "a fresh ballot must be persisted before its Prepare";
  const auto* p = std::get_if<Prepare>(&a->broadcast);
  EXPECT_NE(p, nullptr) << "expected a Prepare";
  return p ? p->ballot : Ballot{};
}

// The Accept of an action that must start phase 2.
Accept accept_of(const std::optional<Proposer::Action>& a) {
  EXPECT_TRUE(a.has_value());
  if (!a) return {};
  EXPECT_FALSE(a->new_ballot) << "phase 2 reuses the phase-1 ballot";
  const auto* acc = std::get_if<Accept>(&a->broadcast);
  EXPECT_NE(acc, nullptr) << "expected an Accept";
  return acc ? *acc : Accept{};
}

// Ticks until the proposer acts (a retry); returns the action and the ticks it took.
std::pair<std::optional<Proposer::Action>, int> tick_until_action(Proposer& p, int max_ticks = 1000) {
  for (int i = 1; i <= max_ticks; ++i) {
    if (auto a = p.tick()) return {a, i};
  }
  return {std::nullopt, max_ticks};
}

class PaxosProposer : public ::testing::Test {
 protected:
  ThrowOnInvariant throw_on_invariant_;
  Config config3_ = config_for(1, 3);
  Config config5_ = config_for(1, 5);
};

TEST_F(PaxosProposer, ProposeStartsPhase1WithAFreshOwnBallot) {
  Proposer p(config3_, 0);
  Ballot b = prepare_ballot(p.propose("mine"));
  EXPECT_EQ(b.node, N(1));
  EXPECT_GT(b, Ballot::zero());
  EXPECT_EQ(p.round(), b.round) << "the round to persist is the one used";
  EXPECT_TRUE(std::holds_alternative<Proposer::Preparing>(p.phase()));
  EXPECT_EQ(p.current_ballot(), b);
}

TEST_F(PaxosProposer, OnlyTheFirstProposedValueCounts) {
  Proposer p(config3_, 0);
  p.propose("first");
  EXPECT_FALSE(p.propose("second").has_value());
  Ballot b = *p.current_ballot();
  p.on_promise(N(2), Promise{b, std::nullopt});
  EXPECT_EQ(accept_of(p.on_promise(N(3), Promise{b, std::nullopt})).value, "first");
}

TEST_F(PaxosProposer, DuplicatedPromiseFromOneAcceptorIsNotAQuorum) {
  Proposer p(config3_, 0);
  Ballot b = prepare_ballot(p.propose("v"));
  EXPECT_FALSE(p.on_promise(N(2), Promise{b, std::nullopt}).has_value());
  EXPECT_FALSE(p.on_promise(N(2), Promise{b, std::nullopt}).has_value());
  EXPECT_FALSE(p.on_promise(N(2), Promise{b, std::nullopt}).has_value());
  EXPECT_TRUE(std::holds_alternative<Proposer::Preparing>(p.phase()));
  EXPECT_EQ(accept_of(p.on_promise(N(3), Promise{b, std::nullopt})).ballot, b);
}

TEST_F(PaxosProposer, FiveNodesNeedThreeDistinctPromises) {
  Proposer p(config5_, 0);
  Ballot b = prepare_ballot(p.propose("v"));
  for (std::uint32_t from : {2u, 3u, 2u, 3u, 3u}) {
    EXPECT_FALSE(p.on_promise(N(from), Promise{b, std::nullopt}).has_value()) << from;
  }
  EXPECT_TRUE(p.on_promise(N(5), Promise{b, std::nullopt}).has_value());
}

TEST_F(PaxosProposer, PromiseFromANonMemberDoesNotCount) {
  Proposer p(config3_, 0);
  Ballot b = prepare_ballot(p.propose("v"));
  EXPECT_FALSE(p.on_promise(N(7), Promise{b, std::nullopt}).has_value());
  EXPECT_FALSE(p.on_promise(N(2), Promise{b, std::nullopt}).has_value());
  EXPECT_TRUE(p.on_promise(N(3), Promise{b, std::nullopt}).has_value());
}

TEST_F(PaxosProposer, AdoptsTheHighestBallotValueReportedInPhase1) {
  Proposer p(config5_, 0);
  p.observe(B(10, 5));  // so our ballot is above the reported ones
  Ballot b = prepare_ballot(p.propose("mine"));
  ASSERT_GT(b, B(10, 5));
  // Reported out of ballot order, so "last seen" and "highest" differ.
  EXPECT_FALSE(p.on_promise(N(2), Promise{b, Proposal{B(3, 4), "middle"}}).has_value());
  EXPECT_FALSE(p.on_promise(N(3), Promise{b, Proposal{B(7, 2), "highest"}}).has_value());
  Accept a = accept_of(p.on_promise(N(4), Promise{b, Proposal{B(1, 5), "lowest"}}));
  EXPECT_EQ(a.ballot, b);
  EXPECT_EQ(a.value, "highest");
}

TEST_F(PaxosProposer, SameRoundHigherNodeIdIsTheHigherBallot) {
  Proposer p(config3_, 0);
  p.observe(B(10, 3));
  Ballot b = prepare_ballot(p.propose("mine"));
  p.on_promise(N(2), Promise{b, Proposal{B(4, 3), "node3"}});
  EXPECT_EQ(accept_of(p.on_promise(N(3), Promise{b, Proposal{B(4, 1), "node1"}})).value, "node3");
}

TEST_F(PaxosProposer, UsesItsOwnValueWhenNoAcceptorReportsOne) {
  Proposer p(config5_, 0);
  Ballot b = prepare_ballot(p.propose("mine"));
  p.on_promise(N(1), Promise{b, std::nullopt});
  p.on_promise(N(4), Promise{b, std::nullopt});
  EXPECT_EQ(accept_of(p.on_promise(N(5), Promise{b, std::nullopt})).value, "mine");
}

// The value is adopted even when it rides on the very promise that completes
// the quorum (the adoption must happen before phase 2 starts, not after).
TEST_F(PaxosProposer, AdoptsAValueCarriedByThePromiseThatCompletesTheQuorum) {
  Proposer p(config3_, 0);
  p.observe(B(3, 3));
  Ballot b = prepare_ballot(p.propose("mine"));
  p.on_promise(N(1), Promise{b, std::nullopt});
  EXPECT_EQ(accept_of(p.on_promise(N(2), Promise{b, Proposal{B(2, 2), "theirs"}})).value,
            "theirs");
}

TEST_F(PaxosProposer, NackForTheCurrentBallotBacksOffThenRetriesAboveTheNackedPromise) {
  Proposer p(config3_, 0);
  Ballot b1 = prepare_ballot(p.propose("v"));
  EXPECT_FALSE(p.on_nack(Nack{b1, B(7, 3)}).has_value());
  ASSERT_TRUE(std::holds_alternative<Proposer::Backoff>(p.phase()));
  EXPECT_EQ(p.current_ballot(), std::nullopt);

  auto [retry, waited] = tick_until_action(p);
  Ballot b2 = prepare_ballot(retry);
  EXPECT_GT(b2, B(7, 3));
  EXPECT_EQ(b2.node, N(1));
  // Backoff waits at least the minimum, at most twice it (first attempt).
  EXPECT_GE(waited, static_cast<int>(config3_.timing.backoff_min_ticks));
  EXPECT_LE(waited, static_cast<int>(2 * config3_.timing.backoff_min_ticks));
}

TEST_F(PaxosProposer, NackInPhase2AlsoBacksOff) {
  Proposer p(config3_, 0);
  Ballot b = prepare_ballot(p.propose("v"));
  p.on_promise(N(2), Promise{b, std::nullopt});
  accept_of(p.on_promise(N(3), Promise{b, std::nullopt}));
  p.on_nack(Nack{b, B(4, 2)});
  EXPECT_TRUE(std::holds_alternative<Proposer::Backoff>(p.phase()));
  EXPECT_GT(prepare_ballot(tick_until_action(p).first), B(4, 2));
}

// A late Nack for an abandoned attempt must not abort the current one, but
// the ballot it reveals is remembered for the next attempt.
TEST_F(PaxosProposer, NackForAnOlderBallotDoesNotAbortTheCurrentAttempt) {
  Proposer p(config3_, 0);
  Ballot b1 = prepare_ballot(p.propose("v"));
  p.on_nack(Nack{b1, B(2, 2)});
  Ballot b2 = prepare_ballot(tick_until_action(p).first);
  ASSERT_GT(b2, b1);
  p.on_nack(Nack{b1, B(9, 3)});  // stale: for b1
  EXPECT_TRUE(std::holds_alternative<Proposer::Preparing>(p.phase()));
  EXPECT_EQ(p.current_ballot(), b2);
  // ...but the next attempt (after a timeout) goes above 9.3.
  EXPECT_GT(prepare_ballot(tick_until_action(p).first), B(9, 3));
}

TEST_F(PaxosProposer, IgnoresPromisesForAnOldBallot) {
  Proposer p(config3_, 0);
  Ballot b1 = prepare_ballot(p.propose("v"));
  p.on_nack(Nack{b1, B(3, 2)});
  Ballot b2 = prepare_ballot(tick_until_action(p).first);
  // Promises for b1 arrive late: they say nothing about b2.
  EXPECT_FALSE(p.on_promise(N(2), Promise{b1, std::nullopt}).has_value());
  EXPECT_FALSE(p.on_promise(N(3), Promise{b1, std::nullopt}).has_value());
  EXPECT_FALSE(p.on_promise(N(2), Promise{b2, std::nullopt}).has_value())
      << "a stale promise from node 3 was counted towards b2";
  EXPECT_EQ(accept_of(p.on_promise(N(3), Promise{b2, std::nullopt})).ballot, b2);
}

TEST_F(PaxosProposer, PromisesAfterPhase1AreIgnored) {
  Proposer p(config3_, 0);
  Ballot b = prepare_ballot(p.propose("v"));
  p.on_promise(N(2), Promise{b, std::nullopt});
  p.on_promise(N(3), Promise{b, std::nullopt});
  // A third promise (even reporting a value) must not restart phase 2.
  EXPECT_FALSE(p.on_promise(N(1), Promise{b, std::nullopt}).has_value());
  EXPECT_TRUE(std::holds_alternative<Proposer::Accepting>(p.phase()));
}

TEST_F(PaxosProposer, Phase1TimeoutRetriesWithAHigherBallot) {
  Proposer p(config3_, 0);
  Ballot b1 = prepare_ballot(p.propose("v"));
  for (std::uint32_t i = 1; i < config3_.timing.phase_timeout_ticks; ++i) {
    ASSERT_FALSE(p.tick().has_value());
    ASSERT_TRUE(std::holds_alternative<Proposer::Preparing>(p.phase())) << "tick " << i;
  }
  EXPECT_FALSE(p.tick().has_value());
  EXPECT_TRUE(std::holds_alternative<Proposer::Backoff>(p.phase()));
  EXPECT_GT(prepare_ballot(tick_until_action(p).first), b1);
}

TEST_F(PaxosProposer, Phase2TimeoutRetriesWithAHigherBallot) {
  Proposer p(config3_, 0);
  Ballot b1 = prepare_ballot(p.propose("v"));
  p.on_promise(N(2), Promise{b1, std::nullopt});
  p.on_promise(N(3), Promise{b1, std::nullopt});
  ASSERT_TRUE(std::holds_alternative<Proposer::Accepting>(p.phase()));
  for (std::uint32_t i = 0; i < config3_.timing.phase_timeout_ticks; ++i) p.tick();
  EXPECT_TRUE(std::holds_alternative<Proposer::Backoff>(p.phase()));
  Ballot b2 = prepare_ballot(tick_until_action(p).first);
  EXPECT_GT(b2, b1);
  // The retry is a real phase 1: it may adopt a value, then phase 2 again.
  p.on_promise(N(2), Promise{b2, Proposal{b1, "v"}});
  EXPECT_EQ(accept_of(p.on_promise(N(3), Promise{b2, std::nullopt})).value, "v");
}

TEST_F(PaxosProposer, RepeatedFailuresBackOffLonger) {
  Proposer p(config3_, 0);
  Ballot b = prepare_ballot(p.propose("v"));
  p.on_nack(Nack{b, B(1, 3)});
  auto [retry1, first_wait] = tick_until_action(p);
  b = prepare_ballot(retry1);
  p.on_nack(Nack{b, B(5, 3)});
  auto [retry2, second_wait] = tick_until_action(p);
  prepare_ballot(retry2);
  EXPECT_LE(first_wait, static_cast<int>(2 * config3_.timing.backoff_min_ticks));
  EXPECT_GE(second_wait, static_cast<int>(2 * config3_.timing.backoff_min_ticks));
}

TEST_F(PaxosProposer, StoppedProposerDoesNothing) {
  Proposer p(config3_, 0);
  p.propose("v");
  p.stop();
  EXPECT_TRUE(std::holds_alternative<Proposer::Done>(p.phase()));
  EXPECT_FALSE(tick_until_action(p, 500).first.has_value());
}

TEST_F(PaxosProposer, IdleProposerDoesNothingOnTick) {
  Proposer p(config3_, 0);
  EXPECT_FALSE(tick_until_action(p, 500).first.has_value());
}

TEST_F(PaxosProposer, ObservedBallotsPushTheNextBallotAbove) {
  Proposer p(config3_, 0);
  p.observe(B(12, 3));
  p.observe(B(4, 2));  // lower: does not pull it back down
  EXPECT_GT(prepare_ballot(p.propose("v")), B(12, 3));
}

// The --break no-value-adoption variant must really ignore reported values.
TEST(PaxosProposerBroken, NoValueAdoptionProposesItsOwnValueAnyway) {
  ThrowOnInvariant throw_on_invariant;
  Bugs bugs;
  bugs.no_value_adoption = true;
  Proposer p(config_for(1, 3, bugs), 0);
  p.observe(B(5, 3));
  Ballot b = prepare_ballot(p.propose("mine"));
  p.on_promise(N(2), Promise{b, Proposal{B(5, 3), "already-chosen"}});
  EXPECT_EQ(accept_of(p.on_promise(N(3), Promise{b, Proposal{B(5, 3), "already-chosen"}})).value,
            "mine");
}

// ---- restarts: the ballot round is persisted so it is never reused ----

class PaxosProposerRecovery : public PaxosProposer,
                              public ::testing::WithParamInterface<std::uint64_t> {};

TEST_P(PaxosProposerRecovery, RecoveredProposerNeverUsesARoundAtOrBelowTheRecoveredOne) {
  const std::uint64_t recovered = GetParam();
  Proposer p(config3_, recovered);
  Ballot b = prepare_ballot(p.propose("after-restart"));
  EXPECT_GT(b.round, recovered);
  EXPECT_EQ(b.node, N(1));
  EXPECT_EQ(p.round(), b.round);
}

INSTANTIATE_TEST_SUITE_P(PaxosRounds, PaxosProposerRecovery, ::testing::Values(1, 2, 7, 1000));

// The round a proposer reports for persistence must identify the ballot it
// used: recovering from it has to yield a strictly higher ballot, or a
// restarted proposer could send a second, different value in the same ballot.
TEST_F(PaxosProposer, RestartFromThePersistedRoundNeverReusesABallot) {
  for (std::uint32_t self : {1u, 2u, 3u}) {
    Config config = config_for(self, 3);
    Proposer before(config, 0);
    Ballot used = prepare_ballot(before.propose("x"));
    for (int restart = 0; restart < 3; ++restart) {
      Proposer after(config, before.round());
      Ballot next = prepare_ballot(after.propose("y"));
      ASSERT_GT(next, used) << "node " << self << " reused or went below ballot "
                            << used.to_string() << " after restart " << restart;
      used = next;
      before = after;
    }
  }
}

}  // namespace
}  // namespace quorum::paxos
