// The learner: a value is chosen once a phase-2 quorum of distinct acceptors
// accepted it in the same ballot. Duplicates and votes from other ballots
// must not be added up, or a learner could "learn" a value nobody chose.
#include "paxos/learner.h"

#include <gtest/gtest.h>

#include "paxos_test_support.h"

namespace quorum::paxos {
namespace {

using testing_support::B;
using testing_support::N;
using testing_support::ThrowOnInvariant;

class PaxosLearner : public ::testing::Test {
 protected:
  ThrowOnInvariant throw_on_invariant_;
  Learner three_{QuorumSystem::majority(NodeSet::first_n(3))};
  Learner five_{QuorumSystem::majority(NodeSet::first_n(5))};
};

TEST_F(PaxosLearner, LearnsOnAQuorumOfDistinctAcceptorsInOneBallot) {
  EXPECT_FALSE(three_.on_accepted(N(1), Accepted{B(2, 1), "v"}));
  EXPECT_FALSE(three_.learned().has_value());
  EXPECT_TRUE(three_.on_accepted(N(3), Accepted{B(2, 1), "v"}));
  EXPECT_EQ(three_.learned(), "v");
}

TEST_F(PaxosLearner, DuplicatedAcceptedDoesNotCountTwice) {
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(three_.on_accepted(N(2), Accepted{B(2, 1), "v"}));
  EXPECT_FALSE(three_.learned().has_value());
  EXPECT_TRUE(three_.on_accepted(N(1), Accepted{B(2, 1), "v"}));
}

TEST_F(PaxosLearner, FiveNodesNeedThreeDistinctVotes) {
  EXPECT_FALSE(five_.on_accepted(N(4), Accepted{B(1, 4), "v"}));
  EXPECT_FALSE(five_.on_accepted(N(5), Accepted{B(1, 4), "v"}));
  EXPECT_FALSE(five_.on_accepted(N(4), Accepted{B(1, 4), "v"}));
  EXPECT_FALSE(five_.learned().has_value());
  EXPECT_TRUE(five_.on_accepted(N(1), Accepted{B(1, 4), "v"}));
}

// Same value, different ballots: in Paxos a value is chosen in a ballot, and
// a majority spread over ballots proves nothing (a minority of each could
// have been overridden).
TEST_F(PaxosLearner, VotesFromDifferentBallotsDoNotMix) {
  EXPECT_FALSE(three_.on_accepted(N(1), Accepted{B(1, 1), "v"}));
  EXPECT_FALSE(three_.on_accepted(N(2), Accepted{B(2, 3), "v"}));
  EXPECT_FALSE(three_.learned().has_value());
  EXPECT_EQ(three_.tracked(), 2u);
  EXPECT_TRUE(three_.on_accepted(N(3), Accepted{B(2, 3), "v"}));
}

TEST_F(PaxosLearner, VotesForDifferentValuesDoNotMix) {
  // Only a broken proposer sends two values in one ballot; the learner must
  // still not count them together.
  EXPECT_FALSE(three_.on_accepted(N(1), Accepted{B(1, 1), "a"}));
  EXPECT_FALSE(three_.on_accepted(N(2), Accepted{B(1, 1), "b"}));
  EXPECT_FALSE(three_.learned().has_value());
}

TEST_F(PaxosLearner, VotesFromNonMembersDoNotCount) {
  EXPECT_FALSE(three_.on_accepted(N(9), Accepted{B(1, 1), "v"}));
  EXPECT_FALSE(three_.on_accepted(N(1), Accepted{B(1, 1), "v"}));
  EXPECT_FALSE(three_.learned().has_value());
}

TEST_F(PaxosLearner, LearnsOnceAndIgnoresLaterVotes) {
  three_.on_accepted(N(1), Accepted{B(1, 1), "v"});
  ASSERT_TRUE(three_.on_accepted(N(2), Accepted{B(1, 1), "v"}));
  EXPECT_FALSE(three_.on_accepted(N(3), Accepted{B(1, 1), "v"})) << "learned twice";
  EXPECT_EQ(three_.tracked(), 0u) << "votes are dropped once learned";
}

TEST_F(PaxosLearner, DecidedTeachesTheValueDirectly) {
  EXPECT_TRUE(three_.on_decided(Decided{"told"}));
  EXPECT_EQ(three_.learned(), "told");
  EXPECT_FALSE(three_.on_decided(Decided{"told"})) << "a repeated Decided is not news";
}

TEST_F(PaxosLearner, LearningAConflictingValueIsAnAgreementViolation) {
  three_.on_decided(Decided{"one"});
  try {
    three_.on_decided(Decided{"two"});
    FAIL() << "a learner learned two values";
  } catch (const testing_support::InvariantViolated& e) {
    EXPECT_EQ(e.property, "Agreement");
  }
}

// Memory stays bounded however many ballots a lossy run goes through.
TEST_F(PaxosLearner, TrackedProposalsAreBounded) {
  for (std::uint64_t r = 1; r <= 3 * Learner::kMaxTrackedProposals; ++r) {
    three_.on_accepted(N(1), Accepted{B(r, 1), "v" + std::to_string(r)});
  }
  EXPECT_LE(three_.tracked(), Learner::kMaxTrackedProposals);
  // The newest ballot is still tracked: one more vote completes it.
  std::uint64_t last = 3 * Learner::kMaxTrackedProposals;
  EXPECT_TRUE(three_.on_accepted(N(2), Accepted{B(last, 1), "v" + std::to_string(last)}));
}

}  // namespace
}  // namespace quorum::paxos

// ---- Consecutive Paxos (LearnerRule::kConsecutive) ----

namespace quorum::paxos {
namespace {

using testing_support::B;
using testing_support::N;
using testing_support::ThrowOnInvariant;

TEST(BallotNumber, NumbersTheOwnersBallotsWithoutGaps) {
  NodeSet owners{N(1), N(2)};
  EXPECT_EQ(ballot_number(B(1, 1), owners), 0u);
  EXPECT_EQ(ballot_number(B(1, 2), owners), 1u);
  EXPECT_EQ(ballot_number(B(2, 1), owners), 2u);
  EXPECT_EQ(ballot_number(B(3, 2), owners), 5u);
  EXPECT_FALSE(ballot_number(B(1, 3), owners)) << "node 3 owns no ballots";
  EXPECT_FALSE(ballot_number(Ballot::zero(), owners));
  NodeSet sparse{N(2), N(5)};
  EXPECT_EQ(ballot_number(B(1, 5), sparse), 1u);
  EXPECT_EQ(ballot_number(B(2, 2), sparse), 2u);
}

class ConsecutiveLearner : public ::testing::Test {
 protected:
  ThrowOnInvariant throw_on_invariant_;
  QuorumSystem three_ = QuorumSystem::majority(NodeSet::first_n(3));
  NodeSet owners_{N(1), N(2)};
  Learner consecutive_{three_, LearnerRule::kConsecutive, owners_};
  Learner classic_{three_, LearnerRule::kClassic, owners_};
  Learner with_gaps_{three_, LearnerRule::kConsecutive, owners_, /*allow_gaps=*/true};
};

// The case it exists for: after a leader change the new leader re-proposes
// the value it adopted; one old vote and one new vote already make a quorum.
TEST_F(ConsecutiveLearner, LearnsFromVotesSpreadOverConsecutiveBallots) {
  for (Learner* l : {&consecutive_, &classic_}) {
    EXPECT_FALSE(l->on_accepted(N(1), Accepted{B(1, 1), "v"}));
  }
  EXPECT_TRUE(consecutive_.on_accepted(N(3), Accepted{B(1, 2), "v"}));
  EXPECT_EQ(consecutive_.learned(), "v");
  EXPECT_FALSE(classic_.on_accepted(N(3), Accepted{B(1, 2), "v"})) << "classic needs one ballot";
}

TEST_F(ConsecutiveLearner, DoesNotAddUpVotesAcrossAGap) {
  // 1.2 is between 1.1 and 2.1 and holds no vote for v (it may carry w).
  EXPECT_FALSE(consecutive_.on_accepted(N(1), Accepted{B(1, 1), "v"}));
  EXPECT_FALSE(consecutive_.on_accepted(N(2), Accepted{B(1, 2), "w"}));
  EXPECT_FALSE(consecutive_.on_accepted(N(3), Accepted{B(2, 1), "v"}));
  EXPECT_FALSE(consecutive_.learned());
  // The broken variant adds them up anyway.
  EXPECT_FALSE(with_gaps_.on_accepted(N(1), Accepted{B(1, 1), "v"}));
  EXPECT_FALSE(with_gaps_.on_accepted(N(2), Accepted{B(1, 2), "w"}));
  EXPECT_TRUE(with_gaps_.on_accepted(N(3), Accepted{B(2, 1), "v"}));
}

TEST_F(ConsecutiveLearner, ARunMayBeLongerThanTwoAndArriveOutOfOrder) {
  // Five acceptors need three; one vote in each of 1.1, 1.2 and 2.1.
  QuorumSystem five = QuorumSystem::majority(NodeSet::first_n(5));
  Learner l{five, LearnerRule::kConsecutive, owners_};
  EXPECT_FALSE(l.on_accepted(N(5), Accepted{B(2, 1), "v"}));
  EXPECT_FALSE(l.on_accepted(N(4), Accepted{B(1, 1), "v"}));
  EXPECT_FALSE(l.on_accepted(N(4), Accepted{B(1, 2), "v"})) << "the same acceptor counts once";
  EXPECT_TRUE(l.on_accepted(N(3), Accepted{B(1, 2), "v"}));
}

TEST_F(ConsecutiveLearner, VotesForAnotherValueInTheRangeDoNotCount) {
  EXPECT_FALSE(consecutive_.on_accepted(N(1), Accepted{B(1, 1), "v"}));
  EXPECT_FALSE(consecutive_.on_accepted(N(2), Accepted{B(1, 2), "w"}));
  EXPECT_FALSE(consecutive_.learned());
}

}  // namespace
}  // namespace quorum::paxos
