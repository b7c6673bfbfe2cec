#include "lincheck/checker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "lincheck/generator.h"
#include "lincheck/history_builder.h"

namespace quorum::lincheck {
namespace {

using testing::HistoryBuilder;

#define EXPECT_LINEARIZABLE(b)                                              \
  do {                                                                      \
    const CheckResult r_ = (b).check();                                     \
    EXPECT_EQ(r_.verdict, Verdict::Linearizable) << r_.explanation();       \
  } while (0)

// Not linearizable, and the failing key is `key`.
#define EXPECT_VIOLATION_ON(b, key_)                                         \
  do {                                                                       \
    const CheckResult r_ = (b).check();                                      \
    EXPECT_EQ(r_.verdict, Verdict::NotLinearizable) << r_.explanation();     \
    ASSERT_TRUE(r_.violation.has_value()) << r_.explanation();               \
    EXPECT_EQ(r_.violation->key, (key_)) << r_.explanation();                \
  } while (0)

// Some unrelated, linearizable traffic on other keys.
void add_noise(HistoryBuilder& b) {
  b.set(7, "other", "x", 0, 3);
  b.get(8, "other", "x", 2, 5);
  b.incr(7, "counter", 1, 4, 6);
  b.incr(8, "counter", 2, 5, 9);
  b.get(7, "counter", "2", 10, 11);
}

// ---------------------------------------------------------------------------
// Known-good histories.
// ---------------------------------------------------------------------------

TEST(CheckerGood, EmptyHistory) {
  const CheckResult r = check(History{});
  EXPECT_EQ(r.verdict, Verdict::Linearizable);
  EXPECT_EQ(r.keys, 0u);
  EXPECT_EQ(r.ops_checked, 0u);
}

TEST(CheckerGood, SequentialHistoryOfEveryKind) {
  HistoryBuilder b;
  b.get(1, "k", std::nullopt, 0, 1);
  b.exists(1, "k", 0, 2, 3);
  b.del(1, "k", 0, 4, 5);
  b.incr(1, "k", 1, 6, 7);
  b.set(2, "k", "5", 8, 9);
  b.incr(1, "k", 6, 10, 11);
  b.get(2, "k", "6", 12, 13);
  b.exists(1, "k", 1, 14, 15);
  b.del(2, "k", 1, 16, 17);
  b.del(1, "k", 0, 18, 19);
  b.set(1, "k", "hello", 20, 21);
  b.incr_error(2, "k", 22, 23);
  b.get(1, "k", "hello", 24, 25);
  b.set(1, "k", "-5", 26, 27);
  b.incr(1, "k", -4, 28, 29);
  const CheckResult r = b.check();
  EXPECT_EQ(r.verdict, Verdict::Linearizable) << r.explanation();
  EXPECT_EQ(r.ops_checked, 15u);
  EXPECT_EQ(r.keys, 1u);
  ASSERT_EQ(r.per_key.size(), 1u);
  EXPECT_EQ(r.per_key[0].key, "k");
  EXPECT_EQ(r.per_key[0].ops, 15u);
  EXPECT_GE(r.states_explored, 15u);
}

TEST(CheckerGood, ConcurrentWritesAndAReadThatSeesEither) {
  for (const char* seen : {"a", "b"}) {
    HistoryBuilder b;
    b.set(1, "k", "a", 0, 10);
    b.set(2, "k", "b", 1, 9);
    b.get(3, "k", seen, 11, 12);
    b.get(4, "k", seen, 13, 14);
    EXPECT_LINEARIZABLE(b);
  }
  // A read overlapping both writes may also see the old value.
  for (const std::optional<std::string>& seen : {std::optional<std::string>{}, std::optional<std::string>{"a"},
                                                std::optional<std::string>{"b"}}) {
    HistoryBuilder b;
    b.set(1, "k", "a", 0, 10);
    b.set(2, "k", "b", 1, 9);
    b.get(3, "k", seen, 2, 8);
    EXPECT_LINEARIZABLE(b);
  }
}

TEST(CheckerGood, ConcurrentReadsMayDisagreeWhileAWriteIsInFlight) {
  HistoryBuilder b;
  b.set(1, "k", "old", 0, 1);
  b.set(2, "k", "new", 2, 20);
  b.get(3, "k", "old", 3, 10);
  b.get(4, "k", "new", 4, 6);  // linearized first: the write took effect at ~5
  b.get(5, "k", "new", 21, 22);
  // c3's read overlaps c4's and may be linearized before the write.
  EXPECT_LINEARIZABLE(b);
}

TEST(CheckerGood, UnknownWriteMayOrMayNotBeObserved) {
  for (const char* seen : {"a", "b"}) {
    HistoryBuilder b;
    b.set(1, "k", "a", 0, 1);
    b.set_unknown(2, "k", "b", 2);
    b.get(3, "k", seen, 5, 6);
    b.get(3, "k", seen, 100, 101);
    EXPECT_LINEARIZABLE(b);
  }
  // Not observed at first, observed much later: it took effect late.
  HistoryBuilder b;
  b.set(1, "k", "a", 0, 1);
  b.set_unknown(2, "k", "b", 2);
  b.get(3, "k", "a", 5, 6);
  b.get(3, "k", "b", 1000, 1001);
  EXPECT_LINEARIZABLE(b);
}

TEST(CheckerGood, UnknownIncrMayOrMayNotHaveHappened) {
  for (const char* seen : {"1", "2"}) {
    HistoryBuilder b;
    b.set(1, "n", "1", 0, 1);
    b.unknown(2, OpKind::Incr, "n", 2);
    b.get(3, "n", seen, 10, 11);
    EXPECT_LINEARIZABLE(b);
  }
  HistoryBuilder b;
  b.set(1, "n", "1", 0, 1);
  b.unknown(2, OpKind::Incr, "n", 2);
  b.get(3, "n", "3", 10, 11);
  EXPECT_VIOLATION_ON(b, "n");
}

TEST(CheckerGood, AnUnknownOpUsedOnOnePathIsStillAvailableOnAnother) {
  // The search first explains the EXISTS with the unknown SET a, reaches
  // {EXISTS, SET c} in state c, and fails: GET a needs SET a again. It must
  // not then skip {EXISTS, SET c} in state c reached through SET x instead,
  // where SET a is still unused and explains the GET.
  HistoryBuilder b;
  b.set_unknown(1, "k", "a", 0);
  b.set_unknown(2, "k", "x", 0);
  b.exists(3, "k", 1, 1, 2);
  b.set(3, "k", "c", 3, 4);
  b.get(3, "k", "a", 5, 6);
  EXPECT_LINEARIZABLE(b);
}

TEST(CheckerGood, UnknownIncrBridgesACounterAfterADelete) {
  // Found by the reference comparison: 1, DEL, 1, 2, (unknown INCR) 3, 4.
  // Paths that used the unknown INCR early fail; one that keeps it for last
  // must still be explored.
  HistoryBuilder b;
  b.incr(1, "k", 1, 1, 2);
  b.unknown(2, OpKind::Incr, "k", 2);
  b.del(3, "k", 1, 4, 8);
  b.incr(4, "k", 1, 2, 6);
  b.incr(1, "k", 2, 3, 6);
  b.incr(2, "k", 4, 7, 10);
  EXPECT_LINEARIZABLE(b);
}

TEST(CheckerGood, UnknownReadsConstrainNothing) {
  HistoryBuilder b;
  b.set(1, "k", "a", 0, 1);
  b.unknown(2, OpKind::Get, "k", 0);
  b.unknown(2, OpKind::Exists, "k", 5);
  b.get(3, "k", "a", 5, 6);
  const CheckResult r = b.check();
  EXPECT_EQ(r.verdict, Verdict::Linearizable) << r.explanation();
  EXPECT_EQ(r.ops_checked, 4u);
  EXPECT_EQ(r.per_key[0].ops, 2u);  // the unknown reads never enter the search
}

TEST(CheckerGood, FailedOpsAreIgnored) {
  HistoryBuilder b;
  b.set(1, "k", "a", 0, 1);
  b.set_failed(2, "k", "b", 2);
  b.get(3, "k", "a", 5, 6);
  const CheckResult r = b.check();
  EXPECT_EQ(r.verdict, Verdict::Linearizable) << r.explanation();
  EXPECT_EQ(r.ops_checked, 2u);

  // ... so a read of the failed write's value has no explanation.
  HistoryBuilder bad;
  bad.set(1, "k", "a", 0, 1);
  bad.set_failed(2, "k", "b", 2);
  bad.get(3, "k", "b", 5, 6);
  EXPECT_VIOLATION_ON(bad, "k");
}

TEST(CheckerGood, TouchingIntervalsAreConcurrent) {
  // The read is invoked at the very tick the write returns: either order.
  HistoryBuilder b;
  b.set(1, "k", "a", 0, 5);
  b.get(2, "k", std::nullopt, 5, 6);
  EXPECT_LINEARIZABLE(b);
  // One tick later the write strictly precedes the read.
  HistoryBuilder later;
  later.set(1, "k", "a", 0, 5);
  later.get(2, "k", std::nullopt, 6, 7);
  EXPECT_VIOLATION_ON(later, "k");
}

TEST(CheckerGood, InstantaneousOps) {
  HistoryBuilder b;
  b.set(1, "k", "a", 3, 3);
  b.get(2, "k", "a", 3, 3);
  b.set(1, "k", "b", 4, 4);
  b.get(2, "k", "b", 4, 4);
  EXPECT_LINEARIZABLE(b);
}

TEST(CheckerGood, KeysAreCheckedIndependently) {
  HistoryBuilder b;
  b.set(1, "x", "1", 0, 10);
  b.set(2, "y", "1", 0, 10);
  b.get(3, "x", std::nullopt, 1, 2);
  b.get(3, "y", "1", 3, 4);
  b.get(4, "y", std::nullopt, 1, 2);
  b.get(4, "x", "1", 3, 4);
  const CheckResult r = b.check();
  EXPECT_EQ(r.verdict, Verdict::Linearizable) << r.explanation();
  ASSERT_EQ(r.per_key.size(), 2u);
  EXPECT_EQ(r.per_key[0].key, "x");
  EXPECT_EQ(r.per_key[1].key, "y");
  EXPECT_EQ(r.per_key[1].ops, 3u);
}

TEST(CheckerGood, IncrFollowsRedisIntegerRules) {
  HistoryBuilder b;
  b.set(1, "a", "9223372036854775807", 0, 1);
  b.incr_error(1, "a", 2, 3);  // overflow
  b.get(1, "a", "9223372036854775807", 4, 5);
  b.set(1, "b", "01", 0, 1);  // not canonical
  b.incr_error(1, "b", 2, 3);
  b.set(1, "c", "-0", 0, 1);
  b.incr_error(1, "c", 2, 3);
  b.set(1, "d", "-9223372036854775808", 0, 1);
  b.incr(1, "d", -9223372036854775807LL, 2, 3);
  b.set(1, "e", " 1", 0, 1);
  b.incr_error(1, "e", 2, 3);
  b.set(1, "f", "0", 0, 1);
  b.incr(1, "f", 1, 2, 3);
  b.set(1, "g", "", 0, 1);
  b.incr_error(1, "g", 2, 3);
  EXPECT_LINEARIZABLE(b);

  HistoryBuilder ok_instead_of_error;
  ok_instead_of_error.set(1, "b", "01", 0, 1);
  ok_instead_of_error.incr(1, "b", 2, 2, 3);
  EXPECT_VIOLATION_ON(ok_instead_of_error, "b");

  HistoryBuilder error_instead_of_ok;
  error_instead_of_ok.set(1, "n", "41", 0, 1);
  error_instead_of_ok.incr_error(1, "n", 2, 3);
  EXPECT_VIOLATION_ON(error_instead_of_ok, "n");
}

TEST(CheckerGood, ConcurrentIncrsInEitherOrder) {
  HistoryBuilder b;
  b.incr(1, "n", 2, 0, 10);
  b.incr(2, "n", 1, 0, 10);
  b.incr(3, "n", 3, 5, 12);
  b.get(1, "n", "3", 13, 14);
  EXPECT_LINEARIZABLE(b);
}

TEST(CheckerGood, PipelinedClient) {
  // One client with two ops in flight: they are concurrent.
  HistoryBuilder b;
  b.set(1, "k", "a", 0, 10);
  b.get(1, "k", std::nullopt, 1, 9);
  b.get(1, "k", "a", 11, 12);
  EXPECT_LINEARIZABLE(b);
}

TEST(CheckerGood, GeneratedTenThousandOpsCheckQuickly) {
  GeneratorOptions g;
  g.seed = 42;
  g.ops = 10'000;
  const History h = generate_linearizable_history(g);
  const CheckResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Linearizable) << r.explanation();
  EXPECT_EQ(r.keys, 50u);
  // Nearly straight down: a few configurations per op, not an explosion.
  EXPECT_LT(r.states_explored, 10u * h.size());
  EXPECT_LT(r.elapsed, std::chrono::seconds(10)) << r.explanation();  // sanitizer build
  RecordProperty("elapsed_ms", std::to_string(r.elapsed.count() / 1'000'000));
}

TEST(CheckerGood, GeneratedHotKeyHistory) {
  GeneratorOptions g;
  g.seed = 7;
  g.ops = 5'000;
  g.keys = 1;
  g.clients = 16;
  const History h = generate_linearizable_history(g);
  const CheckResult r = check(h);
  EXPECT_EQ(r.verdict, Verdict::Linearizable) << r.explanation();
}

// ---------------------------------------------------------------------------
// Known-bad histories: must be NotLinearizable, on the right key.
// ---------------------------------------------------------------------------

TEST(CheckerBad, StaleRead) {
  HistoryBuilder b;
  add_noise(b);
  b.set(1, "k", "old", 0, 1);
  b.set(1, "k", "new", 2, 3);
  b.get(2, "k", "old", 4, 5);  // began after "new" was acknowledged
  EXPECT_VIOLATION_ON(b, "k");
}

TEST(CheckerBad, LostWrite) {
  HistoryBuilder b;
  add_noise(b);
  b.set(1, "k", "v1", 0, 2);
  b.get(2, "k", "v1", 3, 4);
  b.set(3, "k", "v2", 5, 8);  // acknowledged ...
  b.get(2, "k", "v1", 9, 10);  // ... but never visible
  b.get(4, "k", "v1", 11, 14);
  b.get(1, "k", "v1", 20, 21);
  EXPECT_VIOLATION_ON(b, "k");
}

TEST(CheckerBad, DuplicatedIncr) {
  HistoryBuilder b;
  add_noise(b);
  b.set(1, "n", "10", 0, 1);
  b.incr(2, "n", 11, 2, 5);  // acknowledged once ...
  b.get(3, "n", "12", 6, 7);  // ... applied twice
  EXPECT_VIOLATION_ON(b, "n");
}

TEST(CheckerBad, DuplicatedIncrWithConcurrentUnknownElsewhere) {
  // Unknown ops on another key cannot excuse a duplicate on this one.
  HistoryBuilder b;
  b.unknown(9, OpKind::Incr, "other", 0);
  b.incr(1, "n", 1, 0, 1);
  b.incr(2, "n", 2, 2, 3);
  b.get(3, "n", "3", 4, 5);
  EXPECT_VIOLATION_ON(b, "n");
}

TEST(CheckerBad, ReadOfAValueNeverWritten) {
  HistoryBuilder b;
  add_noise(b);
  b.set(1, "k", "a", 0, 10);
  b.get(2, "k", "ghost", 1, 9);
  EXPECT_VIOLATION_ON(b, "k");
}

TEST(CheckerBad, NonMonotonicReadsBySequentialClients) {
  HistoryBuilder b;
  add_noise(b);
  b.set(1, "k", "a", 0, 1);
  b.set(2, "k", "b", 2, 20);  // in flight for a long time
  b.get(3, "k", "b", 3, 4);   // sees the new value ...
  b.get(4, "k", "a", 5, 6);   // ... then a later client sees the old one
  EXPECT_VIOLATION_ON(b, "k");
}

TEST(CheckerBad, WrongDelAndExistsOutputs) {
  HistoryBuilder del;
  del.set(1, "k", "a", 0, 1);
  del.del(1, "k", 0, 2, 3);
  EXPECT_VIOLATION_ON(del, "k");

  HistoryBuilder exists;
  exists.set(1, "k", "a", 0, 1);
  exists.del(1, "k", 1, 2, 3);
  exists.exists(2, "k", 1, 4, 5);
  EXPECT_VIOLATION_ON(exists, "k");
}

TEST(CheckerBad, UnknownWriteSeenThenUnseen) {
  HistoryBuilder b;
  b.set(1, "k", "a", 0, 1);
  b.set_unknown(2, "k", "b", 2);
  b.get(3, "k", "b", 5, 6);
  b.get(3, "k", "a", 7, 8);
  EXPECT_VIOLATION_ON(b, "k");
}

TEST(CheckerBad, ReportsTheFirstFailingKeyInKeyOrder) {
  HistoryBuilder b;
  b.get(1, "zeta", "ghost", 0, 1);
  b.get(1, "alpha", "ghost", 0, 1);
  CheckOptions all;
  all.stop_at_first_violation = false;
  const CheckResult r = b.check(all);
  ASSERT_EQ(r.verdict, Verdict::NotLinearizable);
  EXPECT_EQ(r.violation->key, "alpha");
  ASSERT_EQ(r.per_key.size(), 2u);
  EXPECT_EQ(r.per_key[1].verdict, Verdict::NotLinearizable);
  EXPECT_EQ(b.check().per_key.size(), 1u);  // stops at the first by default
}

TEST(CheckerBad, ExplanationShowsPrefixAndBlockedOps) {
  HistoryBuilder b;
  const OpId w1 = b.set(1, "k", "old", 0, 1);
  const OpId w2 = b.set(1, "k", "new", 2, 3);
  const OpId r = b.get(2, "k", "old", 4, 5);
  const CheckResult res = b.check();
  ASSERT_TRUE(res.violation);
  const Violation& v = *res.violation;
  EXPECT_EQ(v.prefix, (std::vector<OpId>{w1, w2}));
  EXPECT_EQ(v.state_after_prefix, std::optional<std::string>("new"));
  EXPECT_EQ(v.blocked, (std::vector<OpId>{r}));
  EXPECT_EQ(v.deadline_op, r);
  EXPECT_EQ(v.deadline, 5u);
  const std::string text = res.explanation();
  EXPECT_NE(text.find("NotLinearizable"), std::string::npos) << text;
  EXPECT_NE(text.find("key \"k\" has no linearization"), std::string::npos) << text;
  EXPECT_NE(text.find("#1 c1 SET k \"new\" -> OK [2, 3]"), std::string::npos) << text;
  EXPECT_NE(text.find("#2 c2 GET k -> \"old\" [4, 5]   <- would return \"new\""), std::string::npos)
      << text;
  EXPECT_NE(text.find("after it the key is \"new\""), std::string::npos) << text;
  std::printf("%s\n", text.c_str());
}

// ---------------------------------------------------------------------------
// Budgets: running out is Unknown, never Linearizable.
// ---------------------------------------------------------------------------

// `n` concurrent SETs of distinct values followed by a read nobody wrote: the
// search must try every order of the writes before it can say no.
HistoryBuilder exponential_history(int n) {
  HistoryBuilder b;
  for (int i = 0; i < n; ++i) b.set(static_cast<ClientId>(i + 1), "k", "v" + std::to_string(i), 0, 100);
  b.get(100, "k", "ghost", 200, 201);
  b.set(1, "easy", "x", 0, 1);
  return b;
}

TEST(CheckerBudget, StateBudgetYieldsUnknown) {
  const HistoryBuilder b = exponential_history(20);
  CheckOptions o;
  o.max_states_per_key = 5'000;
  const CheckResult r = b.check(o);
  EXPECT_EQ(r.verdict, Verdict::Unknown) << r.explanation();
  EXPECT_EQ(r.unknown_keys, (std::vector<std::string>{"k"}));
  EXPECT_FALSE(r.violation);
  EXPECT_LE(r.states_explored, 5'000u + 2u);
  EXPECT_NE(r.explanation().find("budget exhausted"), std::string::npos) << r.explanation();
  // With room to finish, the small version of the same history is refuted.
  const CheckResult small = exponential_history(8).check();
  EXPECT_EQ(small.verdict, Verdict::NotLinearizable) << small.explanation();
}

TEST(CheckerBudget, TimeBudgetYieldsUnknown) {
  const HistoryBuilder b = exponential_history(24);
  CheckOptions o;
  o.max_states_per_key = 0;  // unlimited: only the clock stops it
  o.time_budget_per_key = std::chrono::milliseconds(50);
  const CheckResult r = b.check(o);
  EXPECT_EQ(r.verdict, Verdict::Unknown) << r.explanation();
  EXPECT_LT(r.elapsed, std::chrono::seconds(5));
}

TEST(CheckerBudget, ExhaustedBudgetOnALinearizableHistoryIsStillUnknown) {
  GeneratorOptions g;
  g.ops = 500;
  g.keys = 2;
  const History h = generate_linearizable_history(g);
  CheckOptions o;
  o.max_states_per_key = 10;
  EXPECT_EQ(check(h, o).verdict, Verdict::Unknown);
  EXPECT_EQ(check(h).verdict, Verdict::Linearizable);
}

TEST(CheckerBudget, AViolationOutranksUnknown) {
  HistoryBuilder b = exponential_history(20);
  b.get(1, "bad", "ghost", 0, 1);
  CheckOptions o;
  o.max_states_per_key = 1'000;
  o.stop_at_first_violation = false;
  const CheckResult r = b.check(o);
  EXPECT_EQ(r.verdict, Verdict::NotLinearizable) << r.explanation();
  EXPECT_EQ(r.violation->key, "bad");
  EXPECT_EQ(r.unknown_keys, (std::vector<std::string>{"k"}));
}

}  // namespace
}  // namespace quorum::lincheck
