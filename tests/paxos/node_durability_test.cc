// The Node's durability contract: a message whose correctness depends on a
// write (a Promise, an Accepted, a Prepare for a fresh ballot) is not even
// visible to the harness until on_durable() acknowledged that write. Writes
// come out whole, in order, with increasing sequence numbers.
#include "paxos/node.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "paxos_test_support.h"

namespace quorum::paxos {
namespace {

using testing_support::B;
using testing_support::config_for;
using testing_support::N;
using testing_support::ThrowOnInvariant;

// Messages of payload type M in `out`, in order.
template <typename M>
std::vector<Envelope> of_type(const Output& out) {
  std::vector<Envelope> r;
  for (const Envelope& e : out.messages) {
    if (std::holds_alternative<M>(e.payload)) r.push_back(e);
  }
  return r;
}

Envelope env(std::uint32_t from, std::uint32_t to, Payload p) {
  return Envelope{N(from), N(to), std::move(p)};
}

class PaxosNodeDurability : public ::testing::Test {
 protected:
  ThrowOnInvariant throw_on_invariant_;
  Node node_{config_for(2, 3), std::nullopt};  // node 2 of 3, fresh
};

TEST_F(PaxosNodeDurability, PromiseIsHeldUntilItsWriteIsDurable) {
  node_.step(env(1, 2, Prepare{B(1, 1)}));
  Output out = node_.take_output();
  ASSERT_EQ(out.writes.size(), 1u);
  EXPECT_EQ(out.writes[0].state.promised, B(1, 1));
  EXPECT_TRUE(out.messages.empty()) << "Promise left before its write was durable";
  EXPECT_EQ(node_.held_messages(), 1u);

  // Time passing does not release it either (LearnQuery chatter aside).
  for (int i = 0; i < 5; ++i) node_.tick();
  EXPECT_TRUE(of_type<Promise>(node_.take_output()).empty());

  node_.on_durable(out.writes[0].seq);
  auto promises = of_type<Promise>(node_.take_output());
  ASSERT_EQ(promises.size(), 1u);
  EXPECT_EQ(promises[0], env(2, 1, Promise{B(1, 1), std::nullopt}));
  EXPECT_EQ(node_.held_messages(), 0u);
}

TEST_F(PaxosNodeDurability, AcceptedIsHeldUntilItsWriteIsDurableThenGoesToEveryLearner) {
  node_.step(env(1, 2, Accept{B(1, 1), "v"}));
  Output out = node_.take_output();
  ASSERT_EQ(out.writes.size(), 1u);
  EXPECT_EQ(out.writes[0].state.accepted, (Proposal{B(1, 1), "v"}));
  EXPECT_TRUE(of_type<Accepted>(out).empty()) << "Accepted left before its write was durable";

  node_.on_durable(out.writes[0].seq);
  auto accepted = of_type<Accepted>(node_.take_output());
  ASSERT_EQ(accepted.size(), 3u) << "every node, including this one, is a learner";
  std::vector<NodeId> to;
  for (const Envelope& e : accepted) {
    EXPECT_EQ(e.payload, Payload(Accepted{B(1, 1), "v"}));
    to.push_back(e.to);
  }
  EXPECT_EQ(to, (std::vector<NodeId>{N(1), N(2), N(3)}));
}

// A fresh ballot is persisted (as proposer_round) before any acceptor hears
// of it; otherwise a restarted proposer could reuse it with another value.
TEST_F(PaxosNodeDurability, PrepareForANewBallotIsHeldUntilItsRoundIsDurable) {
  node_.propose("mine");
  Output out = node_.take_output();
  ASSERT_EQ(out.writes.size(), 1u);
  EXPECT_TRUE(of_type<Prepare>(out).empty()) << "Prepare left before its round was durable";
  ASSERT_TRUE(node_.proposer().current_ballot().has_value());
  Ballot b = *node_.proposer().current_ballot();
  EXPECT_EQ(out.writes[0].state.proposer_round, b.round);

  node_.on_durable(out.writes[0].seq);
  auto prepares = of_type<Prepare>(node_.take_output());
  ASSERT_EQ(prepares.size(), 3u);
  for (const Envelope& e : prepares) EXPECT_EQ(e.payload, Payload(Prepare{b}));
}

// The retry after a backoff is a new ballot too: same rule.
TEST_F(PaxosNodeDurability, RetryPrepareIsHeldUntilItsRoundIsDurable) {
  node_.propose("mine");
  Output first = node_.take_output();
  node_.on_durable(first.writes.back().seq);
  Ballot b1 = *node_.proposer().current_ballot();
  node_.take_output();
  node_.step(env(3, 2, Nack{b1, B(5, 3)}));
  std::vector<Write> writes;
  for (int i = 0; i < 200 && writes.empty(); ++i) {
    node_.tick();
    Output o = node_.take_output();
    EXPECT_TRUE(of_type<Prepare>(o).empty());
    writes = o.writes;
  }
  ASSERT_EQ(writes.size(), 1u) << "no retry after the Nack";
  ASSERT_TRUE(node_.proposer().current_ballot().has_value());
  Ballot b2 = *node_.proposer().current_ballot();
  EXPECT_GT(b2, B(5, 3));
  EXPECT_EQ(writes[0].state.proposer_round, b2.round);
  node_.on_durable(writes[0].seq);
  EXPECT_EQ(of_type<Prepare>(node_.take_output()).size(), 3u);
}

TEST_F(PaxosNodeDurability, WritesComeOutInOrderWithIncreasingSeqAndCarryTheWholeState) {
  node_.propose("mine");                          // proposer_round
  node_.step(env(3, 2, Prepare{B(4, 3)}));        // promise 4.3
  node_.step(env(1, 2, Accept{B(5, 1), "other"}));  // accept 5.1
  Output out = node_.take_output();
  ASSERT_EQ(out.writes.size(), 3u);
  for (std::size_t i = 1; i < out.writes.size(); ++i) {
    EXPECT_EQ(out.writes[i].seq, out.writes[i - 1].seq + 1);
  }
  // Each write is the whole state at that point, so the newest supersedes
  // the others and a crash can recover from whichever was the last durable.
  const HardState& last = out.writes.back().state;
  EXPECT_EQ(last.promised, B(5, 1));
  EXPECT_EQ(last.accepted, (Proposal{B(5, 1), "other"}));
  EXPECT_EQ(last.proposer_round, out.writes[0].state.proposer_round);
  EXPECT_EQ(out.writes[1].state.promised, B(4, 3));
  EXPECT_FALSE(out.writes[1].state.accepted.has_value());

  node_.step(env(3, 2, Prepare{B(9, 3)}));
  Output more = node_.take_output();
  ASSERT_EQ(more.writes.size(), 1u);
  EXPECT_EQ(more.writes[0].seq, out.writes.back().seq + 1) << "seq continues across outputs";
}

// Acknowledging an older write releases exactly the replies that depend on
// it and nothing that depends on a later write.
TEST_F(PaxosNodeDurability, OnDurableReleasesOnlyWhatThatWriteCovers) {
  node_.step(env(1, 2, Prepare{B(1, 1)}));
  node_.step(env(3, 2, Prepare{B(2, 3)}));
  Output out = node_.take_output();
  ASSERT_EQ(out.writes.size(), 2u);
  EXPECT_TRUE(out.messages.empty());

  node_.on_durable(out.writes[0].seq);
  auto first = of_type<Promise>(node_.take_output());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], env(2, 1, Promise{B(1, 1), std::nullopt}));

  node_.on_durable(out.writes[1].seq);
  auto second = of_type<Promise>(node_.take_output());
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0], env(2, 3, Promise{B(2, 3), std::nullopt}));
}

TEST_F(PaxosNodeDurability, AcknowledgingTheNewestWriteReleasesEverythingInOrder) {
  node_.step(env(1, 2, Prepare{B(1, 1)}));
  node_.step(env(3, 2, Prepare{B(2, 3)}));
  Output out = node_.take_output();
  node_.on_durable(out.writes.back().seq);
  auto promises = of_type<Promise>(node_.take_output());
  ASSERT_EQ(promises.size(), 2u);
  EXPECT_EQ(promises[0].to, N(1));
  EXPECT_EQ(promises[1].to, N(3));
}

// A duplicated Prepare changes nothing, but its re-promise still depends on
// the first (in-flight) write: it must wait for it too.
TEST_F(PaxosNodeDurability, RePromiseForABallotWhoseWriteIsInFlightIsHeldToo) {
  node_.step(env(1, 2, Prepare{B(1, 1)}));
  node_.step(env(1, 2, Prepare{B(1, 1)}));
  Output out = node_.take_output();
  EXPECT_EQ(out.writes.size(), 1u) << "a duplicate is not a state change";
  EXPECT_TRUE(out.messages.empty());
  node_.on_durable(out.writes[0].seq);
  EXPECT_EQ(of_type<Promise>(node_.take_output()).size(), 2u);
}

TEST_F(PaxosNodeDurability, NackDependsOnNoWriteAndLeavesAtOnce) {
  node_.step(env(3, 2, Prepare{B(5, 3)}));
  node_.on_durable(node_.take_output().writes.back().seq);
  node_.take_output();
  node_.step(env(1, 2, Prepare{B(2, 1)}));
  Output out = node_.take_output();
  EXPECT_TRUE(out.writes.empty());
  auto nacks = of_type<Nack>(out);
  ASSERT_EQ(nacks.size(), 1u);
  EXPECT_EQ(nacks[0], env(2, 1, Nack{B(2, 1), B(5, 3)}));
}

TEST_F(PaxosNodeDurability, StaleOrRepeatedAcknowledgementsAreHarmless) {
  node_.step(env(1, 2, Prepare{B(1, 1)}));
  node_.step(env(3, 2, Prepare{B(2, 3)}));
  Output out = node_.take_output();
  node_.on_durable(out.writes[1].seq);
  EXPECT_EQ(node_.durable_seq(), out.writes[1].seq);
  node_.take_output();
  node_.on_durable(out.writes[0].seq);  // late, older acknowledgement
  EXPECT_EQ(node_.durable_seq(), out.writes[1].seq) << "durable_seq went backwards";
  EXPECT_TRUE(node_.take_output().messages.empty());
}

TEST_F(PaxosNodeDurability, AcknowledgingAWriteNeverIssuedIsAnError) {
  EXPECT_THROW(node_.on_durable(1), testing_support::InvariantViolated);
}

// After a crash the node is rebuilt from the last durable HardState: it
// keeps its promise and its accepted proposal, and its proposer starts above
// the persisted round.
TEST(PaxosNodeRecovery, RestartedNodeHonoursItsDurableState) {
  ThrowOnInvariant throw_on_invariant;
  HardState disk{B(6, 3), Proposal{B(4, 1), "kept"}, /*proposer_round=*/9};
  Node n(config_for(2, 3), disk);
  EXPECT_EQ(n.acceptor().promised, B(6, 3));

  n.step(env(1, 2, Prepare{B(5, 1)}));
  auto nacks = of_type<Nack>(n.take_output());
  ASSERT_EQ(nacks.size(), 1u);
  EXPECT_EQ(nacks[0].payload, Payload(Nack{B(5, 1), B(6, 3)}));

  n.step(env(1, 2, Prepare{B(7, 1)}));
  Output out = n.take_output();
  n.on_durable(out.writes.back().seq);
  auto promises = of_type<Promise>(n.take_output());
  ASSERT_EQ(promises.size(), 1u);
  EXPECT_EQ(promises[0].payload, Payload(Promise{B(7, 1), Proposal{B(4, 1), "kept"}}));

  n.propose("new");
  ASSERT_TRUE(n.proposer().current_ballot().has_value());
  EXPECT_GT(n.proposer().current_ballot()->round, 9u);
  EXPECT_GT(*n.proposer().current_ballot(), B(7, 1)) << "a restarted proposer goes above "
                                                        "the promise it recovered";
}

TEST(PaxosNodeLearning, LearnedNodeAnswersLearnQueryWithDecided) {
  ThrowOnInvariant throw_on_invariant;
  Node n(config_for(1, 3), std::nullopt);
  n.step(env(2, 1, Accepted{B(1, 2), "v"}));
  n.step(env(3, 1, Accepted{B(1, 2), "v"}));
  Output out = n.take_output();
  EXPECT_EQ(out.learned, "v");
  EXPECT_EQ(n.learned(), "v");
  n.step(env(3, 1, LearnQuery{}));
  EXPECT_EQ(n.take_output().messages, (std::vector<Envelope>{env(1, 3, Decided{"v"})}));
}

TEST(PaxosNodeLearning, LearnedNodeStopsProposing) {
  ThrowOnInvariant throw_on_invariant;
  Node n(config_for(1, 3), std::nullopt);
  n.propose("mine");
  n.step(env(2, 1, Decided{"theirs"}));
  EXPECT_TRUE(std::holds_alternative<Proposer::Done>(n.proposer().phase()));
  // The Prepare held for the round write still leaves (harmless: acceptors
  // may promise, nobody will follow up), but no retry follows it.
  n.on_durable(1);
  n.take_output();
  for (int i = 0; i < 300; ++i) n.tick();
  Output out = n.take_output();
  EXPECT_TRUE(of_type<Prepare>(out).empty()) << "a node that learned retried its proposal";
  EXPECT_TRUE(out.writes.empty());
  EXPECT_TRUE(of_type<LearnQuery>(out).empty()) << "a node that learned stops asking";
}

}  // namespace
}  // namespace quorum::paxos
