// The model checker over the real multipaxos::Replica cores: every run of a
// bounded length of the correct protocol is safe, and every --break variant
// is caught with a trace.
#include "check/multipaxos_model.h"

#include <gtest/gtest.h>

#include "check/checks.h"
#include "check/explorer.h"

namespace quorum::check {
namespace {

TEST(MultiPaxosModel, EveryShortRunOfTheCorrectProtocolIsSafe) {
  ExploreLimits limits;
  limits.max_depth = 13;  // every run of up to 13 actions: an election, a commit, a second election
  ExploreReport r = explore(MultiPaxosModel(MultiPaxosModelOptions{}), limits);
  EXPECT_FALSE(r.violation) << r.violation->property << ": " << r.violation->message;
  EXPECT_TRUE(r.depth_exhausted);
  EXPECT_EQ(r.depth, 13u);
  EXPECT_GT(r.states, 50'000u);
}

TEST(MultiPaxosModel, ACrashRestartRecoversFromTheDurableRecords) {
  MultiPaxosModelOptions o;
  o.crashes = 1;
  o.commands = 1;
  ExploreLimits limits;
  limits.max_depth = 11;
  ExploreReport r = explore(MultiPaxosModel(o), limits);
  EXPECT_FALSE(r.violation) << r.violation->property << ": " << r.violation->message;
  EXPECT_TRUE(r.depth_exhausted);
}

ExploreReport run_break(const std::string& name, SearchOrder order) {
  const CheckProtocol* p = find_check_protocol("multipaxos");
  EXPECT_NE(p, nullptr);
  CheckSettings s;
  s.break_name = name;
  s.order = order;
  s.limits.max_seconds = 120;
  std::string error;
  auto run = p->make(s, error);
  EXPECT_TRUE(run) << error;
  return run_phases(*run);
}

TEST(MultiPaxosModel, ATakeoverWithoutPhase1OverwritesAChosenValue) {
  ExploreReport r = run_break("skip-phase1-on-takeover", SearchOrder::kBreadthFirst);
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->property, "Consistency");
  EXPECT_EQ(r.violation->found_steps, 0u) << "breadth-first: a shortest trace";
}

TEST(MultiPaxosModel, ApplyingOutOfOrderIsCaught) {
  ExploreReport r = run_break("apply-out-of-order", SearchOrder::kBreadthFirst);
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->property, "AppliedInLogOrder");
}

// Breadth-first needs depth 14 (over a million states) for this one; random
// walks find it at once, which keeps the sanitizer build fast.
TEST(MultiPaxosModel, CommittingOnOneVoteIsCaught) {
  ExploreReport r = run_break("commit-before-quorum", SearchOrder::kRandomWalk);
  ASSERT_TRUE(r.violation);
  EXPECT_TRUE(r.violation->property == "Consistency" || r.violation->property == "Agreement")
      << r.violation->property;
}

}  // namespace
}  // namespace quorum::check
