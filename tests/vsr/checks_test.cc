// The log harness's VSR oracle can fail: each deliberately broken variant
// (vsr::Bugs), in a scenario where it matters, is reported, and the same
// scenario on the correct protocol is clean.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "vsr_traits.h"

namespace quorum::logtest {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

VsrOptions with_bugs(vsr::Bugs bugs) {
  VsrOptions o;
  o.bugs = bugs;
  o.expect_violations = true;
  return o;
}

// Op 2 reaches only 2 and op 3 only 3. A correct 3 sees the gap and fetches
// op 2; the broken one appends op 3 as its op 2 and acknowledges op 3, so
// the primary commits op 3 with a "majority" one member of which lacks it.
VsrHarness& accept_past_a_gap(VsrHarness& h) {
  h.settle();
  EXPECT_TRUE(h.commit(1, "a"));
  h.end_turn(1);
  h.settle();
  h.submit(1, "b");
  h.deliver(msgs("Prepare").slot(2).to(2));
  h.drop(msgs("Prepare").slot(2));
  h.submit(1, "c");
  h.deliver(msgs("Prepare").slot(3).to(3));
  h.drop(msgs("Prepare").slot(3));
  h.sync_all();
  h.deliver(msgs("PrepareOk"));
  h.sync_all();
  return h;
}

TEST(VsrHarnessChecks, CatchesAcceptGap) {
  VsrHarness h(with_bugs(vsr::Bugs{.accept_gap = true}));
  accept_past_a_gap(h);
  EXPECT_EQ(h.committed_commands(1), (Labels{"a", "b", "c"}));
  EXPECT_THAT(h.violations(), Contains(HasSubstr("from 3 vouches for op 2, which it holds as [c] where v0 prepared [b]")));
  EXPECT_THAT(h.violations(), Contains(HasSubstr("from 3 vouches for op 3, which its durable log lacks")));
  EXPECT_THAT(h.violations(), Contains(HasSubstr("committed op 3 as [c], which no majority held durably in one view")));
}

TEST(VsrHarnessChecks, AcceptPastAGapScenarioIsCleanWithoutTheBug) {
  VsrHarness h(3);
  accept_past_a_gap(h);
  EXPECT_TRUE(h.core(3).transferring()) << "it asked for op 2 instead";
  EXPECT_EQ(h.committed_commands(1), (Labels{"a", "b"}));
  ASSERT_TRUE(h.settle());
  EXPECT_EQ(h.committed_commands(1), (Labels{"a", "b", "c"}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

// "a" is committed by 1 and 3; 2, the primary of view 1, never saw it, and 3
// never heard it was committed. A correct view change merges 3's log into
// view 1; a broken one starts view 1 from 2's own, empty, log, so op 1 is
// prepared again with another value.
void new_primary_without_a_committed_op(VsrHarness& h) {
  h.settle();
  h.cut(1, 2);
  EXPECT_TRUE(h.commit(1, "a"));
  h.crash(1);
  h.heal_all();
  ASSERT_TRUE(h.elect(2)) << h.history();
  h.commit(2, "b");
}

class VsrViewChangeBugs : public ::testing::TestWithParam<vsr::Bugs> {};

TEST_P(VsrViewChangeBugs, LoseACommittedOp) {
  VsrHarness h(with_bugs(GetParam()));
  new_primary_without_a_committed_op(h);
  EXPECT_EQ(h.core(2).entry(S(1)), batch({"b"}));
  EXPECT_THAT(h.violations(), Contains(HasSubstr("LogMatchesCommitted: replica 2, normal in v1, holds [b] at committed op 1")));
  EXPECT_THAT(h.violations(), Contains(HasSubstr("Agreement: replica 2 committed [b] at 1 but [a] was committed there before")));
}

INSTANTIATE_TEST_SUITE_P(Variants, VsrViewChangeBugs,
                         ::testing::Values(vsr::Bugs{.no_log_merge = true}, vsr::Bugs{.dvc_single_message = true}),
                         [](const ::testing::TestParamInfo<vsr::Bugs>& info) {
                           return std::string(info.param.no_log_merge ? "NoLogMerge" : "DvcSingleMessage");
                         });

TEST(VsrHarnessChecks, LostCommittedOpScenarioIsCleanWithoutTheBugs) {
  VsrHarness h(3);
  new_primary_without_a_committed_op(h);
  EXPECT_EQ(h.core(2).entry(S(1)), batch({"a"}));
  h.end_turn(2);
  h.settle();
  EXPECT_EQ(h.committed_commands(2), (Labels{"a", "b"}));
  EXPECT_EQ(h.committed_commands(3), (Labels{"a", "b"}));
  EXPECT_THAT(h.violations(), IsEmpty());
}

}  // namespace
}  // namespace quorum::logtest
