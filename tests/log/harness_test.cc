// The log harness itself: labels stand for real client requests, a misspelt
// message type fails the test, a crash loses exactly the pending records,
// and the checks every scenario gets for free (StateDivergence, the
// per-protocol oracles) can fail. The broken protocol variants that trip the
// oracles run in the protocols' own scenario tests (MultiPaxosHarnessChecks,
// VsrHarnessChecks).
#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "multipaxos_traits.h"
#include "smr/command.h"
#include "smr/kv_store.h"
#include "vsr_traits.h"

namespace quorum::logtest {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ---------------------------------------------------------------- labels

TEST(LogHarnessCommands, ALabelIsARealClientRequest) {
  auto req = smr::decode_request(command("x"));
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req.value().client_id, client_id("x"));
  EXPECT_EQ(req.value().request_no, 1u);
  EXPECT_EQ(req.value().command, (smr::Command{"SET", key_of("x"), "x"}));
  EXPECT_EQ(label(command("x")), "x");
  EXPECT_EQ(command("x"), command("x")) << "a retry is the same bytes";
  EXPECT_NE(client_id("x"), client_id("y"));
  EXPECT_EQ(command("ab").size(), command("cd").size()) << "sizes depend only on the label's length";
  EXPECT_EQ(label("raw"), "?3B");
  EXPECT_EQ(show(batch({"a", "b"})), "[a,b]");
  EXPECT_EQ(show(noop()), "no-op");
  EXPECT_EQ(labels(batch({"a", "b"})), (Labels{"a", "b"}));
}

TEST(LogHarnessCommands, TheStateMachineRunsThem) {
  smr::Executor e(std::make_unique<smr::KvStore>());
  e.execute(smr::decode_request(command("x")).value(), 1);
  EXPECT_TRUE(holds(e, "x"));
  EXPECT_FALSE(holds(e, "y"));
}

// ---------------------------------------------------------------- the harness

TEST(LogHarness, AMisspeltMessageTypeFailsTheTest) {
  MultiPaxosHarness mp(3);
  EXPECT_NONFATAL_FAILURE(mp.count(msgs("Acept")), "no multipaxos message is called 'Acept'");
  EXPECT_EQ(mp.count(msgs("Accept")), 0u);
  VsrHarness vsr(3);
  EXPECT_NONFATAL_FAILURE(vsr.drop(msgs("Accept")), "no vsr message is called 'Accept'");
}

TEST(LogHarness, ACrashLosesThePendingRecordsAndARestartRecoversTheRest) {
  MultiPaxosHarness h(3);
  ASSERT_TRUE(h.elect(1));
  ASSERT_TRUE(h.commit(1, "a"));
  h.submit(1, "b");
  ASSERT_EQ(h.deliver(msgs("Accept").to(2)), 1u);
  ASSERT_EQ(h.pending_writes(2), 1u);
  const std::size_t durable = h.durable(2).size();
  h.crash(2);
  EXPECT_FALSE(h.is_up(2));
  EXPECT_THROW(h.core(2), std::logic_error);
  h.restart(2);
  EXPECT_EQ(h.durable(2).size(), durable);
  EXPECT_EQ(h.pending_writes(2), 0u);
  EXPECT_EQ(h.core(2).promised(), h.core(1).promised()) << "recovered from its records";
  EXPECT_THAT(h.committed(2), IsEmpty()) << "a new incarnation's stream starts empty";
  EXPECT_THAT(h.violations(), IsEmpty());
}

TEST(LogHarness, VsrPrimaryOfViewZeroWaitsForItsBootRecord) {
  VsrHarness h(3);
  EXPECT_EQ(h.leaders(), (std::vector<std::uint32_t>{1}));
  h.submit(1, "x");
  EXPECT_EQ(h.count(msgs("Prepare")), 0u) << "the first start's record is not durable yet";
  h.sync(1);
  EXPECT_EQ(h.count(msgs("Prepare")), 2u);
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.committed_commands(1), (Labels{"x"}));
  EXPECT_TRUE(h.holds(1, "x"));
}

// A peer sends a snapshot whose state no replica ever had at that slot: the
// host installs it (it restores), and StateDivergence reports it.
TEST(LogHarnessChecks, CatchesASnapshotThatDisagreesWithTheLog) {
  MultiPaxosOptions o;
  o.expect_violations = true;
  MultiPaxosHarness h(o);
  ASSERT_TRUE(h.elect(1));
  h.isolate(3);
  ASSERT_TRUE(h.commit(1, "a"));
  ASSERT_TRUE(h.commit(1, "b"));
  h.heal_all();
  smr::Executor forged(std::make_unique<smr::KvStore>());
  forged.execute(smr::decode_request(command("evil")).value(), 1);
  const std::string bytes = forged.snapshot();
  h.inject(Envelope{N(2), N(3), log::SnapshotChunk{S(2), 0, bytes.size(), bytes, S(2)}});
  h.deliver(msgs("SnapshotChunk"));
  EXPECT_EQ(h.snapshots_installed(3), 1);
  EXPECT_THAT(h.violations(), Contains(HasSubstr("StateDivergence: replica 3")));
}

// The Multi-Paxos oracle's checks that no broken variant reaches, fed
// forged messages: two values in one ballot, and a quorum of Accepteds for
// a slot no Accept proposed.
TEST(LogHarnessChecks, CatchesTwoValuesInOneBallotAndVotesForNothing) {
  MultiPaxosOptions o;
  o.expect_violations = true;
  MultiPaxosHarness h(o);
  ASSERT_TRUE(h.elect(1));
  h.submit(1, "a");
  const Ballot b = h.core(1).promised();
  h.inject(Envelope{N(1), N(2), multipaxos::Accept{b, {log::SlotValue{S(1), batch({"z"})}}, S(0)}});
  EXPECT_THAT(h.violations(), Contains(HasSubstr("ballot " + b.to_string() + " proposed two values at slot 1")));
  for (std::uint32_t from : {2u, 3u}) h.inject(Envelope{N(from), N(1), multipaxos::Accepted{b, {S(9)}, S(0)}});
  EXPECT_THAT(h.violations(), Contains(HasSubstr("that no Accept proposed")));
}

// The same for VSR: a view that prepares two values at one op, and a
// PrepareOk for a view its sender's durable log never reached.
TEST(LogHarnessChecks, CatchesAViewThatPreparesTwoValuesAtOneOpAndAPrepareOkAheadOfTheDisk) {
  VsrOptions o;
  o.expect_violations = true;
  VsrHarness h(o);
  h.sync(1);
  h.submit(1, "a");
  ASSERT_EQ(h.count(msgs("Prepare").slot(1)), 2u);
  h.inject(Envelope{N(1), N(3), vsr::Prepare{V(0), {log::SlotValue{S(1), batch({"z"})}}, S(0)}});
  EXPECT_THAT(h.violations(), Contains(HasSubstr("view 0 prepared two values at op 1")));
  h.inject(Envelope{N(3), N(2), vsr::PrepareOk{V(1), S(0)}});
  EXPECT_THAT(h.violations(), Contains(HasSubstr("a PrepareOk(v1, op 0) from 3, whose durable log is from v0")));
}

// A committed command that is not a client request (the harness's labels
// always are; these bytes bypass them): the host skips it and reports it.
TEST(LogHarnessChecks, CatchesACommittedCommandThatIsNotAClientRequest) {
  MultiPaxosOptions o;
  o.expect_violations = true;
  MultiPaxosHarness h(o);
  ASSERT_TRUE(h.elect(1));
  h.host(1).submit("not a request");
  h.settle();
  EXPECT_THAT(h.violations(), Contains(HasSubstr("replica 1 committed 13 bytes at 1 that are not a client request")));
  EXPECT_EQ(h.host(1).stats().undecodable, 1u);
}

}  // namespace
}  // namespace quorum::logtest
