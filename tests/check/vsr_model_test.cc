// The model checker over the real vsr::Replica cores: every run of a bounded
// length of the correct protocol keeps committed ops unchanged (also across
// a crash-restart), and every --break variant is caught with a trace.
#include "check/vsr_model.h"

#include <gtest/gtest.h>

#include "check/checks.h"
#include "check/explorer.h"

namespace quorum::check {
namespace {

TEST(VsrModel, EveryShortRunOfTheCorrectProtocolIsSafe) {
  ExploreLimits limits;
  limits.max_depth = 10;  // a commit, then a view change that must keep it
  ExploreReport r = explore(VsrModel(VsrModelOptions{}), limits);
  EXPECT_FALSE(r.violation) << r.violation->property << ": " << r.violation->message;
  EXPECT_TRUE(r.depth_exhausted);
  EXPECT_EQ(r.depth, 10u);
  EXPECT_GT(r.states, 20'000u);
}

TEST(VsrModel, ACrashRestartResumesFromTheDurableRecords) {
  VsrModelOptions o;
  o.crashes = 1;
  o.commands = 1;
  ExploreLimits limits;
  limits.max_depth = 10;
  ExploreReport r = explore(VsrModel(o), limits);
  EXPECT_FALSE(r.violation) << r.violation->property << ": " << r.violation->message;
  EXPECT_TRUE(r.depth_exhausted);
}

// A deposed primary still normal in an old view may hold an uncommitted op
// another view has since replaced (issue 16): LogMatchesCommitted once took
// "the newest view anyone is normal in" from the replicas' current status and
// cried wolf here within 10 actions, with three views.
TEST(VsrModel, ThreeViewsOfTheCorrectProtocolAreSafe) {
  VsrModelOptions o;
  o.views = 3;
  ExploreLimits limits;
  limits.max_depth = 10;
  ExploreReport r = explore(VsrModel(o), limits);
  EXPECT_FALSE(r.violation) << r.violation->property << ": " << r.violation->message;
  EXPECT_TRUE(r.depth_exhausted);
}

class VsrModelBreak : public ::testing::TestWithParam<std::string> {};

TEST_P(VsrModelBreak, YieldsAShortestCounterexample) {
  const CheckProtocol* p = find_check_protocol("vsr");
  ASSERT_NE(p, nullptr);
  CheckSettings s;
  s.break_name = GetParam();
  std::string error;
  auto run = p->make(s, error);
  ASSERT_TRUE(run) << error;
  ExploreReport r = run_phases(*run);
  ASSERT_TRUE(r.violation) << GetParam() << " went unnoticed in " << r.states << " states";
  EXPECT_TRUE(r.violation->property == "LogMatchesCommitted" || r.violation->property == "CommittedOpsNeverChange")
      << r.violation->property;
  EXPECT_FALSE(r.violation->trace.empty());
}

INSTANTIATE_TEST_SUITE_P(Variants, VsrModelBreak,
                         ::testing::Values("dvc-single-message", "no-log-merge", "accept-gap"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n;
                           for (char ch : info.param) n += ch == '-' ? '_' : ch;
                           return n;
                         });

}  // namespace
}  // namespace quorum::check
