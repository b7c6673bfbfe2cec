// The seeded simulation of the Multi-Paxos KV store (sim::run_multipaxos, and
// the "multipaxos" entry of sim::protocols() that `quorum sim` runs):
// determinism, a batch of seeds with faults and no violations, every broken
// variant caught, and the no-faults / clients / window / batch overrides.
//
// The test build is ASan+UBSan on shared cores: each seed batch stays at or
// under ~100 seeds, run on 2 threads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <optional>
#include <set>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "sim/log_sim.h"
#include "sim/runner.h"
#include "sim_test_util.h"

namespace quorum::sim {
namespace {

constexpr unsigned kJobs = 2;

std::string describe_failures(const BatchReport& b) { return sim_test::describe_failures("multipaxos", b); }

RunFn make_run(const SimSettings& settings) { return sim_test::make_run("multipaxos", settings); }

using sim_test::expect_same_run;

TEST(MultiPaxosSim, SameSeedSameRun) {
  for (std::uint64_t seed : {1u, 17u, 4242u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    MultiPaxosSimOptions o;
    RunResult a = run_multipaxos(seed, o);
    RunResult b = run_multipaxos(seed, o);
    expect_same_run(a, b);
    EXPECT_GT(a.ops_completed, 0u);
    // Keeping the trace changes nothing but the kept lines.
    o.keep_trace = true;
    RunResult c = run_multipaxos(seed, o);
    expect_same_run(a, c);
    EXPECT_FALSE(c.trace.empty());
    EXPECT_TRUE(b.trace.empty());
  }
  EXPECT_NE(run_multipaxos(1, {}).trace_hash, run_multipaxos(2, {}).trace_hash);
}

TEST(MultiPaxosSim, RunnerIsDeterministicAcrossThreads) {
  RunFn run = make_run(SimSettings{});
  expect_same_run(run(5, false), run_multipaxos(5, MultiPaxosSimOptions{}));
  BatchReport one = run_batch(run, 1, 6, 1);
  BatchReport two = run_batch(run, 1, 6, kJobs);
  EXPECT_EQ(one.trace_hash, two.trace_hash);
  EXPECT_EQ(one.ops_completed, two.ops_completed);
  EXPECT_EQ(one.violations, two.violations);
  EXPECT_EQ(one.faults.crashes, two.faults.crashes);
}

// Seeds 1..100 in two halves (each its own ctest entry, to stay fast on the
// sanitized build): no violations, and the runs really were under fire.
class MultiPaxosSimSeeds : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(MultiPaxosSimSeeds, FiftySeedsWithFaultsHaveNoViolations) {
  constexpr std::uint64_t kSeeds = 50;
  BatchReport b = run_batch(make_run(SimSettings{}), GetParam(), kSeeds, kJobs);
  EXPECT_EQ(b.violations, 0u) << describe_failures(b);
  EXPECT_EQ(b.histories_checked, kSeeds);
  EXPECT_GT(b.ops_completed, kSeeds * 50);
  EXPECT_GT(b.commands_committed, 0u);
  EXPECT_GT(b.leader_changes, kSeeds) << "every run elects, and faults force re-elections";
  EXPECT_GT(b.faults.crashes, 0u);
  EXPECT_GT(b.faults.restarts, 0u);
  EXPECT_GT(b.faults.partitions, 0u);
  EXPECT_GT(b.faults.partition_drops, 0u);
  EXPECT_GT(b.faults.drops, 0u);
  EXPECT_GT(b.faults.duplicates, 0u);
  EXPECT_GT(b.faults.reorders, 0u);
  EXPECT_GT(b.faults.lost_writes, 0u);
  EXPECT_GT(b.faults.torn_writes, 0u);
  EXPECT_EQ(b.faults.corruptions_detected, b.faults.bit_flips) << "every flipped bit is caught on restart";
  EXPECT_GT(b.snapshots_taken, 0u);
  EXPECT_GT(b.snapshots_installed, 0u) << "lagging replicas catch up from a snapshot";
  std::cout << "[ seeds    ] " << GetParam() << ".." << GetParam() + kSeeds - 1 << ": "
            << b.ops_completed << " ops, " << b.leader_changes << " leader changes, "
            << b.faults.crashes << " crashes, " << b.faults.partitions << " partitions, "
            << b.faults.drops << " drops, " << b.faults.lost_writes << " lost writes, "
            << b.faults.torn_writes << " torn writes, " << b.faults.bit_flips << " bit flips, "
            << b.snapshots_installed << " snapshots installed\n";
}

INSTANTIATE_TEST_SUITE_P(Batches, MultiPaxosSimSeeds, ::testing::Values(1u, 51u),
                         [](const ::testing::TestParamInfo<std::uint64_t>& info) {
                           return "from_seed_" + std::to_string(info.param);
                         });

// ---------------------------------------------------------------- broken variants

struct BreakCase {
  std::string name;
  std::set<std::string> properties;  // what may catch it (a safety property, never Liveness)
};

// Names the case in test output (and in the ctest name) instead of its bytes.
[[maybe_unused]] void PrintTo(const BreakCase& c, std::ostream* os) { *os << c.name; }

class MultiPaxosSimBreak : public ::testing::TestWithParam<BreakCase> {};

TEST_P(MultiPaxosSimBreak, IsCaughtWithinAHundredSeeds) {
  const BreakCase& c = GetParam();
  RunFn broken = make_run(SimSettings{.break_name = c.name});
  // Seeds in chunks, stopping at the first chunk with a failure.
  constexpr std::uint64_t kMaxSeeds = 100;
  constexpr std::uint64_t kChunk = 10;
  std::vector<RunResult> failures;
  std::uint64_t seeds_run = 0;
  for (std::uint64_t start = 1; start <= kMaxSeeds && failures.empty(); start += kChunk) {
    BatchReport b = run_batch(broken, start, kChunk, kJobs);
    seeds_run += b.seeds;
    for (RunResult& r : b.failures) failures.push_back(std::move(r));
  }
  ASSERT_FALSE(failures.empty()) << c.name << " went unnoticed in " << seeds_run << " seeds";
  std::set<std::string> seen;
  for (const RunResult& r : failures) {
    seen.insert(r.violation->property);
    EXPECT_TRUE(c.properties.count(r.violation->property) == 1)
        << c.name << " on seed " << r.seed << " was reported as " << r.violation->property
        << ": " << r.violation->message;
  }
  std::string names;
  for (const std::string& p : seen) names += (names.empty() ? "" : ",") + p;
  RecordProperty("caught_by", names);
  RecordProperty("first_failing_seed", static_cast<int>(failures.front().seed));
  std::cout << "[ caught   ] --break " << c.name << ": " << failures.size() << " of " << seeds_run
            << " seeds, first seed " << failures.front().seed << ", properties " << names << "\n";

  // The same seed without the bug is fine: the failure is the bug's doing.
  RunResult fixed = make_run(SimSettings{})(failures.front().seed, false);
  EXPECT_FALSE(fixed.violation.has_value())
      << "seed " << fixed.seed << ": " << fixed.violation->property << ": " << fixed.violation->message;
}

INSTANTIATE_TEST_SUITE_P(
    Variants, MultiPaxosSimBreak,
    ::testing::Values(
        BreakCase{"skip-phase1-on-takeover",
                  {"Consistency", "Agreement", "StateDivergence", "OneValuePerBallot",
                   "Linearizability"}},
        BreakCase{"commit-before-quorum",
                  {"Consistency", "Agreement", "StateDivergence", "OneValuePerBallot",
                   "Linearizability"}},
        BreakCase{"apply-out-of-order",
                  {"AppliedInLogOrder", "StateDivergence", "Agreement", "Linearizability"}}),
    [](const ::testing::TestParamInfo<BreakCase>& info) {
      std::string n;
      for (char ch : info.param.name) n += ch == '-' ? '_' : ch;
      return n;
    });

TEST(MultiPaxosSim, EveryBreakNameIsRegistered) {
  const Protocol* p = find_protocol("multipaxos");
  ASSERT_NE(p, nullptr);
  EXPECT_THAT(p->breaks, ::testing::UnorderedElementsAre("skip-phase1-on-takeover",
                                                         "commit-before-quorum",
                                                         "apply-out-of-order"));
  EXPECT_FALSE(p->make(SimSettings{.break_name = "no-such-bug"}).has_value());
  EXPECT_EQ(find_protocol("no-such-protocol"), nullptr);
}

// ---------------------------------------------------------------- overrides

TEST(MultiPaxosSim, NoFaultsWithManyClientsHasNoViolations) {
  SimSettings s;
  s.no_faults = true;
  s.clients = 12;
  RunFn run = make_run(s);
  BatchReport b = run_batch(run, 1, 12, kJobs);
  EXPECT_EQ(b.violations, 0u) << describe_failures(b);
  EXPECT_EQ(b.histories_checked, 12u);
  EXPECT_GT(b.ops_completed, 12u * 100);
  EXPECT_EQ(b.faults.drops, 0u);
  EXPECT_EQ(b.faults.duplicates, 0u);
  EXPECT_EQ(b.faults.partitions, 0u);
  EXPECT_EQ(b.faults.partition_drops, 0u);
  EXPECT_EQ(b.faults.crashes, 0u);
  EXPECT_EQ(b.faults.lost_writes, 0u);
  // One election per run, or two when candidates duel at start-up.
  EXPECT_GE(b.leader_changes, 12u);
  EXPECT_LE(b.leader_changes, 24u);
  EXPECT_THAT(run(3, false).parameters, ::testing::HasSubstr("clients=12"));
}

TEST(MultiPaxosSim, NoFaultsAloneHasNoViolations) {
  SimSettings s;
  s.no_faults = true;
  BatchReport b = run_batch(make_run(s), 1, 12, kJobs);
  EXPECT_EQ(b.violations, 0u) << describe_failures(b);
  EXPECT_EQ(b.faults.crashes + b.faults.partitions + b.faults.drops, 0u);
}

TEST(MultiPaxosSim, SmallWindowAndBatchesWithFaultsHaveNoViolations) {
  SimSettings s;
  s.window_slots = 1;
  s.max_batch_commands = 1;
  RunFn run = make_run(s);
  BatchReport b = run_batch(run, 1, 15, kJobs);
  EXPECT_EQ(b.violations, 0u) << describe_failures(b);
  EXPECT_GT(b.ops_completed, 0u);
  EXPECT_THAT(run(2, false).parameters, ::testing::HasSubstr("batch<=1 window=1"));
}

TEST(MultiPaxosSim, ClientsOverrideWithFaultsHasNoViolations) {
  SimSettings s;
  s.clients = 10;
  BatchReport b = run_batch(make_run(s), 1, 12, kJobs);
  EXPECT_EQ(b.violations, 0u) << describe_failures(b);
  EXPECT_GT(b.faults.crashes + b.faults.partitions, 0u);
}

}  // namespace
}  // namespace quorum::sim
