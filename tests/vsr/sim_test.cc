// The seeded simulation of the KV store over VSR (sim::run_vsr, and the "vsr"
// entry of sim::protocols() that `quorum sim` runs): determinism, a batch of
// seeds with network, crash and disk faults and no violations, and every
// broken variant caught.
//
// The test build is ASan+UBSan on shared cores: batches stay small.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "sim/log_sim.h"
#include "sim/runner.h"
#include "sim_test_util.h"

namespace quorum::sim {
namespace {

constexpr unsigned kJobs = 2;

std::string describe_failures(const BatchReport& b) { return sim_test::describe_failures("vsr", b); }
RunFn make_run(const SimSettings& settings) { return sim_test::make_run("vsr", settings); }

TEST(VsrSim, SameSeedSameRun) {
  for (std::uint64_t seed : {3u, 99u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RunResult a = run_vsr(seed, {});
    sim_test::expect_same_run(a, run_vsr(seed, {}));
    sim_test::expect_same_run(a, make_run(SimSettings{})(seed, false));
    EXPECT_GT(a.ops_completed, 0u);
  }
}

TEST(VsrSim, FiftySeedsWithFaultsHaveNoViolations) {
  constexpr std::uint64_t kSeeds = 50;
  BatchReport b = run_batch(make_run(SimSettings{}), 1, kSeeds, kJobs);
  EXPECT_EQ(b.violations, 0u) << describe_failures(b);
  EXPECT_EQ(b.histories_checked, kSeeds);
  EXPECT_GT(b.ops_completed, kSeeds * 50);
  EXPECT_GT(b.leader_changes, 0u) << "faults force view changes";
  EXPECT_GT(b.faults.crashes, 0u);
  EXPECT_GT(b.faults.restarts, 0u);
  EXPECT_GT(b.faults.partitions, 0u);
  EXPECT_GT(b.faults.drops, 0u);
  EXPECT_GT(b.faults.duplicates, 0u);
  EXPECT_GT(b.faults.lost_writes, 0u);
  EXPECT_GT(b.faults.torn_writes, 0u);
  EXPECT_EQ(b.faults.corruptions_detected, b.faults.bit_flips) << "every flipped bit is caught on restart";
  EXPECT_GT(b.snapshots_taken, 0u);
  EXPECT_GT(b.snapshots_installed, 0u) << "lagging replicas catch up from a snapshot";
  std::cout << "[ seeds    ] 1.." << kSeeds << ": " << b.ops_completed << " ops, " << b.leader_changes
            << " view changes, " << b.faults.crashes << " crashes, " << b.faults.partitions << " partitions, "
            << b.faults.lost_writes << " lost writes, " << b.snapshots_installed << " snapshots installed\n";
}

TEST(VsrSim, SmallWindowAndBatchesWithFaultsHaveNoViolations) {
  SimSettings s;
  s.window_slots = 1;
  s.max_batch_commands = 1;
  BatchReport b = run_batch(make_run(s), 100, 12, kJobs);
  EXPECT_EQ(b.violations, 0u) << describe_failures(b);
  EXPECT_GT(b.ops_completed, 0u);
}

// ---------------------------------------------------------------- broken variants

class VsrSimBreak : public ::testing::TestWithParam<std::string> {};

TEST_P(VsrSimBreak, IsCaughtWithinAHundredSeedsBySafetyChecks) {
  const std::string name = GetParam();
  RunFn broken = make_run(SimSettings{.break_name = name});
  // A broken log can also wedge a cluster (a Liveness failure); what must
  // show is a safety violation, so seeds run in chunks until one does.
  const std::set<std::string> safety = {"Agreement", "StateDivergence", "Linearizability", "CommittedOpsStay"};
  constexpr std::uint64_t kMaxSeeds = 100;
  constexpr std::uint64_t kChunk = 10;
  std::vector<RunResult> failures;
  const RunResult* caught = nullptr;
  std::uint64_t seeds_run = 0;
  for (std::uint64_t start = 1; start <= kMaxSeeds && caught == nullptr; start += kChunk) {
    BatchReport b = run_batch(broken, start, kChunk, kJobs);
    seeds_run += b.seeds;
    for (RunResult& r : b.failures) failures.push_back(std::move(r));
    for (const RunResult& r : failures) {
      if (caught == nullptr && safety.count(r.violation->property) == 1) caught = &r;
    }
  }
  ASSERT_NE(caught, nullptr) << name << " broke no safety property in " << seeds_run << " seeds ("
                             << failures.size() << " other failures)";
  for (const RunResult& r : failures) {
    EXPECT_TRUE(safety.count(r.violation->property) == 1 || r.violation->property == "Liveness")
        << name << " on seed " << r.seed << " was reported as " << r.violation->property << ": "
        << r.violation->message;
  }
  std::cout << "[ caught   ] --break " << name << ": " << failures.size() << " of " << seeds_run
            << " seeds fail; seed " << caught->seed << ": " << caught->violation->property << "\n";
  // The same seed without the bug is fine: the failure is the bug's doing.
  RunResult fixed = make_run(SimSettings{})(caught->seed, false);
  EXPECT_FALSE(fixed.violation.has_value())
      << "seed " << fixed.seed << ": " << fixed.violation->property << ": " << fixed.violation->message;
}

INSTANTIATE_TEST_SUITE_P(Variants, VsrSimBreak,
                         ::testing::Values("dvc-single-message", "no-log-merge", "accept-gap"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n;
                           for (char ch : info.param) n += ch == '-' ? '_' : ch;
                           return n;
                         });

TEST(VsrSim, EveryBreakNameIsRegistered) {
  const Protocol* p = find_protocol("vsr");
  ASSERT_NE(p, nullptr);
  EXPECT_THAT(p->breaks, ::testing::UnorderedElementsAre("dvc-single-message", "no-log-merge", "accept-gap"));
  EXPECT_FALSE(p->make(SimSettings{.break_name = "no-such-bug"}).has_value());
}

}  // namespace
}  // namespace quorum::sim
