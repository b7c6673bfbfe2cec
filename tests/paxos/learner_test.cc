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
