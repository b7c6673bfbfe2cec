// The explorer on a toy model small enough to know its state space by hand:
// two counters, each 0..3, each step adds one to either. It must visit all 16
// states, report a shortest counterexample breadth-first, find one
// depth-first and by random walks too, and say when it stopped early.
#include "check/explorer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace quorum::check {
namespace {

struct Counters {
  struct State {
    int x = 0;
    int y = 0;
  };
  struct Action {
    int which = 0;  // 0: x, 1: y
    bool operator==(const Action&) const = default;
  };
  // A state the invariant forbids, or none.
  int bad_x = -1, bad_y = -1;
  // apply() fails an in-model invariant (as a core's QUORUM_INVARIANT would).
  int crash_x = -1;

  State initial() const { return {}; }
  void actions(const State& s, std::vector<Action>& out) const {
    if (s.x < 3) out.push_back({0});
    if (s.y < 3) out.push_back({1});
  }
  State apply(const State& s, Action a) const {
    State n = s;
    (a.which == 0 ? n.x : n.y) += 1;
    QUORUM_INVARIANT("CoreCheck", n.x != crash_x, "x reached " + std::to_string(n.x));
    return n;
  }
  void check(const State& s) const {
    QUORUM_INVARIANT("NotBad", !(s.x == bad_x && s.y == bad_y),
                     "reached " + std::to_string(s.x) + "," + std::to_string(s.y));
  }
  Fingerprint fingerprint(const State& s) const {
    StateDigest d;
    d.add(static_cast<std::uint64_t>(s.x));
    d.add(static_cast<std::uint64_t>(s.y));
    return d.finish();
  }
  std::string describe(const State&, Action a) const { return a.which == 0 ? "x+1" : "y+1"; }
  std::string summary(const State& s) const {
    return "x=" + std::to_string(s.x) + " y=" + std::to_string(s.y);
  }
};

TEST(Explorer, VisitsEveryStateOnceAndSaysTheSpaceWasExhausted) {
  ExploreReport r = explore(Counters{}, {});
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.states, 16u);
  EXPECT_EQ(r.transitions, 24u);  // 4x3 edges each way
  EXPECT_EQ(r.depth, 6u);
  EXPECT_FALSE(r.violation);
}

TEST(Explorer, BreadthFirstReportsAShortestCounterexample) {
  Counters m;
  m.bad_x = 2;
  m.bad_y = 3;
  ExploreReport r = explore(m, {});
  ASSERT_TRUE(r.violation);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.violation->property, "NotBad");
  ASSERT_EQ(r.violation->trace.size(), 6u) << "5 steps and the final state";
  EXPECT_EQ(r.violation->trace.back(), "x=2 y=3");
  EXPECT_EQ(r.violation->found_steps, 0u);
}

TEST(Explorer, AFailedCoreInvariantInsideAnActionIsAViolationToo) {
  Counters m;
  m.crash_x = 3;
  ExploreReport r = explore(m, {});
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->property, "CoreCheck");
  EXPECT_EQ(r.violation->trace.size(), 4u) << "x+1 three times, then the state before the failure";
}

TEST(Explorer, DepthFirstAndRandomWalksFindTheViolationToo) {
  Counters m;
  m.bad_x = 3;
  m.bad_y = 1;
  for (SearchOrder order : {SearchOrder::kDepthFirst, SearchOrder::kRandomWalk}) {
    ExploreLimits limits;
    limits.order = order;
    limits.max_seconds = 20;
    ExploreReport r = explore(m, limits);
    ASSERT_TRUE(r.violation) << static_cast<int>(order);
    EXPECT_EQ(r.violation->property, "NotBad");
    EXPECT_EQ(r.violation->trace.back(), "x=3 y=1");
    EXPECT_GE(r.violation->found_steps, 4u);
  }
}

TEST(Explorer, DepthFirstExhaustsTheSameSpace) {
  ExploreLimits limits;
  limits.order = SearchOrder::kDepthFirst;
  ExploreReport r = explore(Counters{}, limits);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.states, 16u);
}

TEST(Explorer, StopsAtTheStateLimitAndSaysItIsIncomplete) {
  ExploreLimits limits;
  limits.max_states = 5;
  ExploreReport r = explore(Counters{}, limits);
  EXPECT_FALSE(r.complete);
  EXPECT_FALSE(r.violation);
  EXPECT_LT(r.states, 16u);
}

// shorten() must drop the steps a violation does not need: here any path
// that reaches y == 2 is bad, so the x steps are noise.
struct NeedsTwoYs : Counters {
  void check(const State& s) const { QUORUM_INVARIANT("YTwice", s.y < 2, "y reached 2"); }
};

TEST(Explorer, ShortenDropsTheStepsAViolationDoesNotNeed) {
  NeedsTwoYs m;
  std::vector<Counters::Action> path = {{0}, {1}, {0}, {0}, {1}};
  ScopedInvariantHandler h(&throwing_invariant_handler);
  EXPECT_EQ(steps_to_violation(m, path), 5u);
  std::vector<Counters::Action> expected = {{1}, {1}};
  EXPECT_EQ(shorten(m, path), expected);
}

}  // namespace
}  // namespace quorum::check
