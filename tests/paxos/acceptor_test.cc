// The acceptor is what makes Paxos safe: it never promises or accepts below
// a ballot it promised, and every reply that depends on a state change is
// flagged so the Node persists it first.
#include "paxos/acceptor.h"

#include <gtest/gtest.h>

#include "paxos_test_support.h"

namespace quorum::paxos {
namespace {

using testing_support::B;
using testing_support::ThrowOnInvariant;

class PaxosAcceptor : public ::testing::Test {
 protected:
  ThrowOnInvariant throw_on_invariant_;
  Bugs bugs_;
  Acceptor a_{AcceptorState{}, bugs_};
};

TEST_F(PaxosAcceptor, FreshAcceptorPromisesAnyBallotAndReportsNothingAccepted) {
  auto r = a_.on_prepare(Prepare{B(1, 2)});
  EXPECT_EQ(r.reply, Payload(Promise{B(1, 2), std::nullopt}));
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(a_.state().promised, B(1, 2));
}

TEST_F(PaxosAcceptor, PromisesOnlyAtOrAboveItsPromise) {
  a_.on_prepare(Prepare{B(5, 1)});
  // Same round with a higher node id is higher: promised.
  EXPECT_TRUE(std::holds_alternative<Promise>(a_.on_prepare(Prepare{B(5, 3)}).reply));
  // Same round with a lower node id is lower: refused.
  EXPECT_TRUE(std::holds_alternative<Nack>(a_.on_prepare(Prepare{B(5, 2)}).reply));
  EXPECT_TRUE(std::holds_alternative<Promise>(a_.on_prepare(Prepare{B(6, 1)}).reply));
  // A lower round is refused whatever its node id.
  EXPECT_TRUE(std::holds_alternative<Nack>(a_.on_prepare(Prepare{B(5, 9)}).reply));
  EXPECT_EQ(a_.state().promised, B(6, 1));
}

TEST_F(PaxosAcceptor, NackCarriesRejectedBallotAndCurrentPromise) {
  a_.on_prepare(Prepare{B(7, 3)});
  auto r = a_.on_prepare(Prepare{B(2, 1)});
  EXPECT_EQ(r.reply, Payload(Nack{B(2, 1), B(7, 3)}));
  EXPECT_FALSE(r.changed) << "a refusal must not cost a disk write";
  EXPECT_EQ(a_.state().promised, B(7, 3));
}

TEST_F(PaxosAcceptor, NeverAcceptsBelowItsPromise) {
  a_.on_prepare(Prepare{B(4, 2)});
  auto r = a_.on_accept(Accept{B(3, 1), "low"});
  EXPECT_EQ(r.reply, Payload(Nack{B(3, 1), B(4, 2)}));
  EXPECT_FALSE(r.changed);
  EXPECT_FALSE(a_.state().accepted.has_value());
}

TEST_F(PaxosAcceptor, AcceptsAtItsPromiseAndReportsTheProposalInLaterPromises) {
  a_.on_prepare(Prepare{B(4, 2)});
  auto r = a_.on_accept(Accept{B(4, 2), "x"});
  EXPECT_EQ(r.reply, Payload(Accepted{B(4, 2), "x"}));
  EXPECT_TRUE(r.changed);
  ASSERT_TRUE(a_.state().accepted.has_value());
  EXPECT_EQ(*a_.state().accepted, (Proposal{B(4, 2), "x"}));

  auto p = a_.on_prepare(Prepare{B(9, 1)});
  EXPECT_EQ(p.reply, Payload(Promise{B(9, 1), Proposal{B(4, 2), "x"}}));
}

// Phase 2 without phase 1 at this acceptor is allowed (another quorum
// promised), and accepting implies promising: nothing lower may follow.
TEST_F(PaxosAcceptor, AcceptAboveThePromiseRaisesThePromise) {
  a_.on_prepare(Prepare{B(1, 1)});
  auto r = a_.on_accept(Accept{B(3, 2), "y"});
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(a_.state().promised, B(3, 2));
  EXPECT_TRUE(std::holds_alternative<Nack>(a_.on_prepare(Prepare{B(2, 3)}).reply));
  EXPECT_TRUE(std::holds_alternative<Nack>(a_.on_accept(Accept{B(2, 3), "z"}).reply));
  EXPECT_EQ(a_.state().accepted->value, "y");
}

// A duplicated Prepare gets the same Promise again; the state does not
// change, so no write is needed for it.
TEST_F(PaxosAcceptor, RepeatedPrepareWithSameBallotRePromisesWithoutChange) {
  auto first = a_.on_prepare(Prepare{B(2, 2)});
  auto again = a_.on_prepare(Prepare{B(2, 2)});
  EXPECT_EQ(again.reply, first.reply);
  EXPECT_FALSE(again.changed);
}

TEST_F(PaxosAcceptor, RepeatedAcceptIsIdempotentAndUnchanged) {
  a_.on_accept(Accept{B(2, 2), "v"});
  auto again = a_.on_accept(Accept{B(2, 2), "v"});
  EXPECT_EQ(again.reply, Payload(Accepted{B(2, 2), "v"}));
  EXPECT_FALSE(again.changed);
}

TEST_F(PaxosAcceptor, AcceptAtPromisedBallotWithoutPriorAcceptIsAChange) {
  a_.on_prepare(Prepare{B(2, 2)});
  // The promise does not move, but the accepted proposal is new state.
  EXPECT_TRUE(a_.on_accept(Accept{B(2, 2), "v"}).changed);
}

TEST_F(PaxosAcceptor, RecoveredStateIsHonoured) {
  Acceptor recovered(AcceptorState{B(8, 1), Proposal{B(6, 2), "old"}}, bugs_);
  EXPECT_EQ(recovered.on_prepare(Prepare{B(7, 3)}).reply, Payload(Nack{B(7, 3), B(8, 1)}));
  EXPECT_EQ(recovered.on_prepare(Prepare{B(8, 2)}).reply,
            Payload(Promise{B(8, 2), Proposal{B(6, 2), "old"}}));
}

TEST_F(PaxosAcceptor, TwoValuesInOneBallotIsAnInvariantViolation) {
  a_.on_accept(Accept{B(2, 2), "v"});
  try {
    a_.on_accept(Accept{B(2, 2), "w"});
    FAIL() << "accepted a second value in ballot 2.2";
  } catch (const testing_support::InvariantViolated& e) {
    EXPECT_EQ(e.property, "OneValuePerBallot");
  }
}

// The --break accept-without-promise variant must really be broken, or the
// simulator's check that catches it proves nothing.
TEST(PaxosAcceptorBroken, AcceptWithoutPromiseAcceptsBelowThePromise) {
  ThrowOnInvariant throw_on_invariant;
  Bugs bugs;
  bugs.accept_without_promise = true;
  Acceptor a(AcceptorState{}, bugs);
  a.on_prepare(Prepare{B(5, 3)});
  auto r = a.on_accept(Accept{B(2, 1), "sneaky"});
  EXPECT_EQ(r.reply, Payload(Accepted{B(2, 1), "sneaky"}));
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(a.state().accepted, (Proposal{B(2, 1), "sneaky"}));
  EXPECT_EQ(a.state().promised, B(5, 3)) << "the promise itself stays";
}

}  // namespace
}  // namespace quorum::paxos
