// Scripted scenarios for the known hard cases of single-decree Paxos, played
// on real Nodes with every delivery, disk sync and crash chosen by the test
// (see test_cluster.h). Each ends by checking the one thing that matters:
// at most one value is ever chosen, and every node learns it.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "test_cluster.h"

namespace quorum::testing_support {
namespace {

using paxos::Prepare;
using paxos::Proposer;

// Everyone is up, has learned, and learned `v`; nothing else was chosen.
void expect_everyone_learned_only(TestCluster& c, const Value& v) {
  for (std::uint32_t id = 1; id <= c.size(); ++id) {
    EXPECT_EQ(c.learned(id), v) << "node " << id << "\n" << c.history();
  }
  EXPECT_EQ(c.learned_ever(), std::set<Value>{v});
  EXPECT_EQ(c.chosen(), std::set<Value>{v});
}

Ballot ballot_of(TestCluster& c, std::uint32_t id) {
  auto b = c.node(id).proposer().current_ballot();
  EXPECT_TRUE(b.has_value()) << "node " << id << " is not in phase 1 or 2";
  return b.value_or(Ballot{});
}

// ---- dueling proposers -------------------------------------------------

// `who` completes phase 1 with every acceptor: its Accepts are in flight.
void win_phase1(TestCluster& c, std::uint32_t who) {
  ASSERT_EQ(c.deliver(msgs("Prepare").from(who)), c.size());
  c.sync_all();
  c.deliver(msgs("Promise").to(who));
  ASSERT_EQ(c.count(msgs("Accept").from(who)), c.size()) << c.history();
}

// `loser`'s Accepts reach acceptors that have since promised a higher
// ballot: all are refused and the loser backs off.
void lose_phase2(TestCluster& c, std::uint32_t loser) {
  c.deliver(msgs("Accept").from(loser));
  ASSERT_EQ(c.count(msgs("Accepted")), 0u) << "an acceptor accepted below its promise";
  ASSERT_EQ(c.deliver(msgs("Nack").to(loser)), c.size());
  ASSERT_TRUE(std::holds_alternative<Proposer::Backoff>(c.node(loser).proposer().phase()));
}

// Only `who`'s clock runs until it retries: its new Prepare is in flight.
void wait_for_retry(TestCluster& c, std::uint32_t who) {
  for (int i = 0; i < 500 && c.count(msgs("Prepare").from(who)) == 0; ++i) {
    c.tick(who);
    c.sync(who);
  }
  ASSERT_EQ(c.count(msgs("Prepare").from(who)), c.size()) << "node " << who << " never retried";
}

TEST(PaxosScenario, DuelingProposersEventuallyStopAndAgree) {
  TestCluster c(3);
  c.propose(1, "a");
  c.propose(3, "b");
  c.sync_all();

  // The worst schedule: each proposer's new Prepare overtakes the other's
  // Accepts, so phase 2 keeps failing for both.
  ASSERT_NO_FATAL_FAILURE(win_phase1(c, 1));
  ASSERT_NO_FATAL_FAILURE(win_phase1(c, 3));
  ASSERT_NO_FATAL_FAILURE(lose_phase2(c, 1));
  Ballot last = ballot_of(c, 3);
  for (int duel = 0; duel < 3; ++duel) {
    ASSERT_NO_FATAL_FAILURE(wait_for_retry(c, 1));
    ASSERT_GT(ballot_of(c, 1), last);
    last = ballot_of(c, 1);
    ASSERT_NO_FATAL_FAILURE(win_phase1(c, 1));
    ASSERT_NO_FATAL_FAILURE(lose_phase2(c, 3));
    ASSERT_NO_FATAL_FAILURE(wait_for_retry(c, 3));
    ASSERT_GT(ballot_of(c, 3), last);
    last = ballot_of(c, 3);
    ASSERT_NO_FATAL_FAILURE(win_phase1(c, 3));
    ASSERT_NO_FATAL_FAILURE(lose_phase2(c, 1));
  }
  EXPECT_TRUE(c.chosen().empty());
  EXPECT_TRUE(c.learned_ever().empty());

  // Once the schedule stops being adversarial, randomised backoff lets one
  // of them through.
  ASSERT_TRUE(c.settle()) << c.history();
  expect_everyone_learned_only(c, *c.learned(1));
  EXPECT_TRUE(*c.learned(1) == "a" || *c.learned(1) == "b");
  for (std::uint32_t id : {1u, 3u}) {
    EXPECT_TRUE(std::holds_alternative<Proposer::Done>(c.node(id).proposer().phase()))
        << "proposer " << id << " still running";
  }
  c.tick_all(200);
  c.sync_all();
  EXPECT_EQ(c.count(msgs("Prepare")), 0u) << "a proposer kept going after the decision";
}

// ---- acceptor crash between promise and accept ---------------------------

TEST(PaxosScenario, AcceptorRestartedAfterADurablePromiseStillHonoursIt) {
  TestCluster c(3);
  c.propose(1, "a");
  c.sync(1);
  Ballot b1 = ballot_of(c, 1);
  c.deliver(msgs("Prepare").from(1));  // everyone promises b1
  c.sync_all();

  // Node 3 tries a higher ballot; only acceptor 2 hears it, promises durably...
  c.propose(3, "b");
  c.sync(3);
  Ballot b3 = ballot_of(c, 3);
  ASSERT_GT(b3, b1);
  c.deliver(msgs("Prepare").from(3).to(2));
  c.sync(2);
  ASSERT_EQ(c.count(msgs("Promise").from(2).to(3)), 1u);

  // ...and crashes before node 1's Accept arrives.
  c.crash(2);
  c.restart(2);
  EXPECT_EQ(c.node(2).acceptor().promised, b3) << "the promise did not survive the crash";

  c.deliver(msgs("Promise").to(1));  // b1's phase 1 completed before the crash
  ASSERT_EQ(c.count(msgs("Accept").from(1)), 3u);
  c.deliver(msgs("Accept").from(1).to(2));
  auto replies = c.in_flight(msgs("Nack").from(2));
  ASSERT_EQ(replies.size(), 1u) << c.history();
  EXPECT_EQ(replies[0].payload, Payload(paxos::Nack{b1, b3}));
  EXPECT_FALSE(c.node(2).acceptor().accepted.has_value());

  // Acceptors 1 and 3 have not heard of b3: they accept b1, choosing "a";
  // node 3's own proposal must then carry "a" forward.
  c.deliver(msgs("Accept").from(1));
  c.sync_all();
  EXPECT_EQ(c.chosen(), std::set<Value>{"a"});
  ASSERT_TRUE(c.settle()) << c.history();
  expect_everyone_learned_only(c, "a");
}

// The other side of the contract: a promise that never reached the disk was
// never sent, so forgetting it in a crash is safe.
TEST(PaxosScenario, PromiseLostInACrashBeforeItsWriteWasNeverSent) {
  TestCluster c(3);
  c.propose(1, "a");
  c.sync(1);
  Ballot b1 = ballot_of(c, 1);
  c.deliver(msgs("Prepare").from(1));
  c.sync_all();
  c.propose(3, "b");
  c.sync(3);
  c.deliver(msgs("Prepare").from(3).to(2));
  ASSERT_EQ(c.pending_writes(2), 1u);
  EXPECT_EQ(c.count(msgs("Promise").from(2).to(3)), 0u) << "Promise left before its write";

  c.crash(2);
  c.restart(2);
  EXPECT_EQ(c.node(2).acceptor().promised, b1) << "recovered something never made durable";
  ASSERT_TRUE(c.settle()) << c.history();
  expect_everyone_learned_only(c, *c.learned(1));
}

// ---- duplicated and reordered messages ---------------------------------

// Node 1 proposes "a" and runs both phases; with `chaos`, every batch of
// messages is duplicated and delivered newest first. Returns each node's
// final state as text.
std::string run_single_proposal(bool chaos) {
  TestCluster c(3);
  auto step = [&](const Msgs& which) {
    if (chaos) {
      c.duplicate(which);
      c.deliver_newest_first(which);
    } else {
      c.deliver(which);
    }
    c.sync_all();
  };
  c.propose(1, "a");
  c.sync(1);
  step(msgs("Prepare"));
  if (chaos) {
    // Acceptor 2's promise, however often it arrives, is one vote.
    c.duplicate(msgs("Promise").from(2));
    c.deliver(msgs("Promise").from(2));
    EXPECT_TRUE(std::holds_alternative<Proposer::Preparing>(c.node(1).proposer().phase()))
        << "copies of one acceptor's Promise made a quorum";
    EXPECT_EQ(c.count(msgs("Accept")), 0u);
  }
  step(msgs("Promise"));
  EXPECT_EQ(c.count(msgs("Accept")), 3u) << "phase 2 started more than once";
  step(msgs("Accept"));
  if (chaos) {
    // Likewise one acceptor's Accepted, however often, teaches nothing.
    c.duplicate(msgs("Accepted").from(3).to(2));
    c.deliver(msgs("Accepted").from(3).to(2));
    EXPECT_FALSE(c.learned(2).has_value()) << "copies of one Accepted made a quorum";
  }
  step(msgs("Accepted"));

  EXPECT_EQ(c.chosen(), std::set<Value>{"a"});
  std::string outcome;
  for (std::uint32_t id = 1; id <= 3; ++id) {
    const paxos::AcceptorState& a = c.node(id).acceptor();
    outcome += std::to_string(id) + ": promised " + a.promised.to_string() + " accepted " +
               (a.accepted ? a.accepted->ballot.to_string() + ":" + a.accepted->value : "-") +
               " learned " + c.learned(id).value_or("-") + "\n";
  }
  return outcome;
}

TEST(PaxosScenario, DuplicatedAndReorderedMessagesChangeNothing) {
  std::string clean = run_single_proposal(false);
  std::string chaotic = run_single_proposal(true);
  EXPECT_EQ(chaotic, clean);
  EXPECT_NE(clean.find("learned a"), std::string::npos) << clean;
}

// ---- a proposer with a stale ballot ----------------------------------------

TEST(PaxosScenario, StaleProposerIsNackedRetriesHigherAndAdoptsTheAcceptedValue) {
  TestCluster c(3);
  c.propose(1, "mine");
  c.sync(1);
  Ballot stale = ballot_of(c, 1);
  // Node 3, unaware of node 1, runs a higher ballot with acceptors 2 and 3,
  // and acceptor 2 accepts its value before node 1's Prepare shows up.
  c.propose(3, "theirs");
  c.sync(3);
  ASSERT_LT(stale, ballot_of(c, 3));
  c.deliver(msgs("Prepare").from(3).to(2));
  c.deliver(msgs("Prepare").from(3).to(3));
  c.sync_all();
  c.deliver(msgs("Promise").to(3));
  c.deliver(msgs("Accept").from(3).to(2));
  c.sync(2);
  EXPECT_TRUE(c.chosen().empty()) << "one acceptor is not a majority";

  c.deliver(msgs("Prepare").from(1));
  c.sync_all();
  EXPECT_EQ(c.count(msgs("Nack").to(1)), 2u) << c.history();
  c.deliver(msgs("Nack").to(1));
  c.deliver(msgs("Promise").to(1));  // its own acceptor's promise: not enough
  ASSERT_TRUE(std::holds_alternative<Proposer::Backoff>(c.node(1).proposer().phase()));

  ASSERT_NO_FATAL_FAILURE(wait_for_retry(c, 1));
  EXPECT_GT(ballot_of(c, 1), ballot_of(c, 3)) << "the retry must go above the Nacked ballot";
  c.deliver(msgs("Prepare").from(1).to(1));
  c.deliver(msgs("Prepare").from(1).to(2));
  c.sync_all();
  c.deliver(msgs("Promise").to(1));
  auto accepts = c.in_flight(msgs("Accept").from(1));
  ASSERT_EQ(accepts.size(), 3u) << c.history();
  EXPECT_EQ(std::get<paxos::Accept>(accepts[0].payload).value, "theirs")
      << "the proposer used its own value although acceptor 2 reported one";

  ASSERT_TRUE(c.settle()) << c.history();
  expect_everyone_learned_only(c, "theirs");
}

// ---- a chosen value stays chosen -------------------------------------------

// Node 1 gets "first" chosen by acceptors 1 and 2 while node 3 hears
// nothing; then node 3 proposes "second" through acceptors 2 and 3.
std::set<Value> choose_then_propose_again(TestCluster& c) {
  c.propose(1, "first");
  c.sync(1);
  c.drop(msgs("Prepare").from(1).to(3));
  c.deliver(msgs("Prepare").from(1));
  c.sync_all();
  c.deliver(msgs("Promise").to(1));
  c.drop(msgs("Accept").to(3));
  c.deliver(msgs("Accept"));
  c.sync_all();
  c.drop(msgs("Accepted").to(3));
  EXPECT_EQ(c.chosen(), std::set<Value>{"first"});

  c.propose(3, "second");
  c.sync(3);
  c.drop(msgs("Prepare").from(3).to(1));
  c.deliver(msgs("Prepare").from(3));
  c.sync_all();
  c.deliver(msgs("Promise").to(3));
  c.drop(msgs("Accept").from(3).to(1));
  c.deliver(msgs("Accept").from(3));
  c.sync_all();
  return c.chosen();
}

TEST(PaxosScenario, OnceChosenALaterProposerChoosesTheSameValue) {
  TestCluster c(3);
  EXPECT_EQ(choose_then_propose_again(c), std::set<Value>{"first"});
  ASSERT_TRUE(c.settle()) << c.history();
  expect_everyone_learned_only(c, "first");
}

// The same script against the no-value-adoption variant: the harness's
// oracle sees two values chosen, so the scenario above can fail.
TEST(PaxosScenario, WithoutValueAdoptionASecondValueIsChosen) {
  paxos::Bugs bugs;
  bugs.no_value_adoption = true;
  TestCluster c(3, bugs);
  EXPECT_EQ(choose_then_propose_again(c), (std::set<Value>{"first", "second"}));
}

// Minority quorums (1 of 3) let two isolated proposers each "succeed".
TEST(PaxosScenario, MinorityQuorumsLetTwoNodesLearnDifferentValues) {
  paxos::Bugs bugs;
  bugs.minority_quorum = true;
  TestCluster c(3, bugs);
  for (auto [id, v] : {std::pair{1u, "a"}, std::pair{3u, "b"}}) {
    c.propose(id, v);
    c.sync(id);
    c.deliver(msgs("Prepare").from(id).to(id));
    c.sync(id);
    c.deliver(msgs("Promise").to(id));
    c.deliver(msgs("Accept").from(id).to(id));
    c.sync(id);
    c.deliver(msgs("Accepted").from(id).to(id));
  }
  EXPECT_EQ(c.learned(1), "a");
  EXPECT_EQ(c.learned(3), "b");
  EXPECT_EQ(c.learned_ever().size(), 2u);
}

// ---- restarts never reuse a ballot -----------------------------------------

// Node 1 gets a value accepted by acceptor 2 only, then crashes before its
// own acceptor heard of its ballot. After the restart it proposes again: it
// must use a higher ballot, or it would ask acceptors for a second value in
// a ballot that already carries one.
TEST(PaxosScenario, RestartedProposerNeverReusesItsBallot) {
  TestCluster c(3);
  c.propose(1, "a");
  c.sync(1);
  Ballot first = ballot_of(c, 1);
  c.deliver(msgs("Prepare").from(1).to(2));
  c.deliver(msgs("Prepare").from(1).to(3));
  c.sync_all();
  c.deliver(msgs("Promise").to(1));
  c.deliver(msgs("Accept").from(1).to(2));
  c.sync(2);
  ASSERT_EQ(c.node(2).acceptor().accepted, (Proposal{first, "a"}));

  c.crash(1);
  c.drop(any_msg().from(1));
  c.drop(any_msg().to(1));
  c.restart(1);
  c.propose(1, "b");
  c.sync(1);
  EXPECT_GT(ballot_of(c, 1), first) << "restarted proposer reused ballot " << first.to_string();
  c.deliver(msgs("Prepare").from(1));
  c.sync_all();
  c.deliver(msgs("Promise").to(1));
  ASSERT_TRUE(c.settle()) << c.history();
  expect_everyone_learned_only(c, *c.learned(1));
}

}  // namespace
}  // namespace quorum::testing_support
