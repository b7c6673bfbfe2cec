// The in-core Consistency check against a late Accept (issue 16): an Accept
// from a ballot below the one that chose a slot may carry another value and
// arrive after the slot is known chosen; that is legal Paxos, and must not
// stop the replica. The check still fires for a ballot at or above the one
// the slot was chosen at.
#include <gtest/gtest.h>

#include "core/assert.h"
#include "multipaxos/replica.h"

namespace quorum::multipaxos {
namespace {

Ballot B(std::uint64_t round, std::uint32_t node) { return Ballot{round, NodeId{node}}; }
Batch value(const std::string& v) { return Batch{{v}}; }

Replica make_replica() {
  Config c{NodeId{1}, QuorumSystem::majority(NodeSet::first_n(3)), Timing{}, Limits{}, Bugs{}, 1};
  return Replica(c, DurableState{});
}

void deliver(Replica& r, std::uint32_t from, Payload p) { r.step(Envelope{NodeId{from}, NodeId{1}, std::move(p)}); }

TEST(MultiPaxosConsistencyCheck, ALateAcceptBelowTheChosenBallotIsLegal) {
  const ScopedInvariantHandler throwing(throwing_invariant_handler);
  Replica r = make_replica();
  // Replica 1 campaigns at 0.1 and, as leader, sends itself Accept(0.1, slot 1 = c2),
  // which is delayed. Replicas 2 and 3 elect 0.2 without it and choose c1 at slot 1.
  r.expire_election_timer();
  ASSERT_EQ(r.promised(), B(0, 1));
  // Catch-up tells replica 1 that slot 1 = c1 is chosen (at which ballot, it does not say).
  deliver(r, 2, CatchUpReply{{SlotValue{Slot{1}, value("c1")}}, Slot{1}});
  ASSERT_EQ(r.commit_index(), Slot{1});
  // The delayed Accept arrives: 0.1 is not below replica 1's promise, so it is
  // handled, and it carries another value than the chosen one.
  EXPECT_NO_THROW(deliver(r, 1, Accept{B(0, 1), {SlotValue{Slot{1}, value("c2")}}, Slot{0}}));
  EXPECT_EQ(r.chosen(Slot{1}), value("c1"));
  EXPECT_EQ(r.commit_index(), Slot{1});
}

TEST(MultiPaxosConsistencyCheck, AHigherBallotProposingAnotherValueStillFails) {
  const ScopedInvariantHandler throwing(throwing_invariant_handler);
  Replica r = make_replica();
  // Replica 1 votes c1 in slot 1 at 0.2, and the leader of 0.2 then reports
  // slot 1 committed: c1 was chosen at 0.2, as replica 1 saw.
  deliver(r, 2, Accept{B(0, 2), {SlotValue{Slot{1}, value("c1")}}, Slot{0}});
  deliver(r, 2, Heartbeat{B(0, 2), Slot{1}});
  ASSERT_EQ(r.chosen(Slot{1}), value("c1"));
  // A higher ballot must carry c1 there; one that does not is a broken protocol.
  try {
    deliver(r, 3, Accept{B(0, 3), {SlotValue{Slot{1}, value("c2")}}, Slot{0}});
    FAIL() << "the Consistency check did not fire";
  } catch (const InvariantFailure& f) {
    EXPECT_EQ(f.property, "Consistency");
  }
}

}  // namespace
}  // namespace quorum::multipaxos
