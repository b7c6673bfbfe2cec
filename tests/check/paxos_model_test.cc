// The model checker over the real paxos::Node cores: the correct protocol
// (both learning rules) has no violation in the whole bounded space, and
// every deliberately broken variant is caught with a trace.
#include "check/paxos_model.h"

#include <gtest/gtest.h>

#include "check/checks.h"
#include "check/explorer.h"

namespace quorum::check {
namespace {

ExploreReport run(const std::string& break_name, const std::string& learner = "classic") {
  const CheckProtocol* p = find_check_protocol("paxos");
  EXPECT_NE(p, nullptr);
  CheckSettings s;
  s.break_name = break_name;
  s.learner = learner;
  s.limits.max_seconds = 120;
  std::string error;
  auto r = p->make(s, error);
  EXPECT_TRUE(r) << error;
  return run_phases(*r);
}

// The consecutive learner's run is cli_check_paxos_json (the same space).
TEST(PaxosModel, TheDefaultConfigurationIsExhaustedWithNoViolation) {
  for (const char* learner : {"classic"}) {
    ExploreReport r = run("", learner);
    EXPECT_TRUE(r.complete) << learner;
    EXPECT_FALSE(r.violation) << learner << ": " << r.violation->property << " " << r.violation->message;
    // 199,357 when this was written; a big change means the model changed.
    EXPECT_GT(r.states, 100'000u) << learner;
    EXPECT_LT(r.states, 400'000u) << learner;
  }
}

TEST(PaxosModel, EveryBrokenVariantIsCaughtWithATrace) {
  for (const std::string& name : paxos::bug_names()) {
    ExploreReport r = run(name);
    ASSERT_TRUE(r.violation) << name << ": " << r.states << " states";
    EXPECT_FALSE(r.violation->property.empty());
    EXPECT_GE(r.violation->trace.size(), 3u) << name;
    EXPECT_NE(r.violation->trace.back().find("final state"), std::string::npos);
  }
}

TEST(PaxosModel, LearningOverBallotsWithAGapBreaksAgreement) {
  ExploreReport r = run("consecutive-with-gaps");
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->property, "Agreement");
}

TEST(PaxosModel, NoValueAdoptionIsCaughtAsAnOverwrittenChoice) {
  ExploreReport r = run("no-value-adoption");
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->property, "Consistency");
  EXPECT_EQ(r.violation->found_steps, 0u) << "breadth-first: a shortest trace";
}

// The consecutive rule is not checked vacuously: the default space has
// states where it learns a value no single ballot's quorum accepted.
struct CountsEarlyLearning : PaxosModel {
  using PaxosModel::PaxosModel;
  mutable std::uint64_t early = 0;
  void check(const State& s) const {
    PaxosModel::check(s);
    bool classic = false;
    for (const auto& [key, voters] : s.ghosts->votes) classic |= voters.size() >= 2;
    if (!s.ghosts->learnable.empty() && !classic) ++early;
  }
};

TEST(PaxosModel, TheConsecutiveRuleLearnsWhereNoSingleBallotHasAQuorum) {
  PaxosModelOptions o;
  o.learner = paxos::LearnerRule::kConsecutive;
  CountsEarlyLearning m(o);
  ExploreLimits limits;
  limits.max_states = 30'000;  // enough to reach such states, cheap under ASan
  explore(m, limits);
  EXPECT_GT(m.early, 0u);
  PaxosModelOptions classic = o;
  classic.learner = paxos::LearnerRule::kClassic;
  CountsEarlyLearning c(classic);
  explore(c, limits);
  EXPECT_EQ(c.early, 0u) << "the classic rule needs one ballot's quorum";
}

TEST(PaxosModel, ACrashRestartIsExploredAndRecoversFromDisk) {
  PaxosModelOptions o;
  o.ballots = 1;
  o.crashes = 1;
  ExploreLimits limits;
  ExploreReport r = explore(PaxosModel(o), limits);
  EXPECT_TRUE(r.complete);
  EXPECT_FALSE(r.violation);
  PaxosModelOptions no_crash = o;
  no_crash.crashes = 0;
  EXPECT_GT(r.states, explore(PaxosModel(no_crash), limits).states);
}

}  // namespace
}  // namespace quorum::check
