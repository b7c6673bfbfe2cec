// The simulator drives write-ahead log truncation after compaction through
// the shared replica host (host/replica_host.h), for both log protocols: with
// a small snapshot interval and small log segments, every replica's host
// truncates its log again and again (HostStats::truncations), and the
// records left in its simulated log stay bounded however long the run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/log_cluster.h"

namespace quorum::sim {
namespace {

constexpr std::uint64_t kSnapshotEverySlots = 8;
constexpr int kCommandsPerPhase = 300;

template <class P>
std::uint32_t leader_of(const LogCluster<P>& c) {
  for (std::uint32_t id = 1; id <= c.size(); ++id) {
    if (c.replica(NodeId{id}) != nullptr && c.replica(NodeId{id})->is_leader()) return id;
  }
  return 0;
}

// What each replica's log held at most, and its host's truncations, after a
// phase of the run.
struct Phase {
  std::vector<std::uint64_t> max_log_records;
  std::vector<std::uint64_t> truncations;
  std::vector<std::uint64_t> appended;
};

// Submits `commands` commands, one per tick once a leader is known, and
// lets them commit; samples every replica's log size on every tick.
template <class P>
Phase run_phase(LogCluster<P>& c, std::uint64_t& next_request, int commands) {
  Phase p;
  p.max_log_records.assign(c.size(), 0);
  int submitted = 0;
  for (int t = 0; t < 100 * commands && (submitted < commands || !c.converged()); ++t) {
    const std::uint32_t leader = leader_of(c);
    if (leader != 0 && submitted < commands) {
      const smr::ClientRequest r{1, next_request, {"SET", "k" + std::to_string(next_request % 7), "v"}};
      if (c.submit(NodeId{leader}, r).status == log::SubmitStatus::kAccepted) {
        ++next_request;
        ++submitted;
      }
    }
    c.tick();
    for (std::uint32_t id = 1; id <= c.size(); ++id) {
      auto& most = p.max_log_records[id - 1];
      most = std::max(most, c.storage(NodeId{id}).log_records());
    }
  }
  EXPECT_EQ(submitted, commands);
  EXPECT_TRUE(c.converged());
  for (std::uint32_t id = 1; id <= c.size(); ++id) {
    p.truncations.push_back(c.host(NodeId{id})->stats().truncations);
    p.appended.push_back(c.host(NodeId{id})->stats().log_records);
  }
  return p;
}

template <class P>
void check_truncation() {
  LogClusterOptions<P> o;
  o.snapshot_every_slots = kSnapshotEverySlots;
  o.limits.max_batch_commands = 1;  // a slot per command: many compactions
  // Truncation drops whole segments: small ones make it visible.
  o.storage.wal.max_record_bytes = 1 << 10;
  o.storage.wal.segment_bytes = 2 << 10;
  Trace trace(false);
  LogCluster<P> c(o, 7, &trace);
  std::uint64_t next_request = 1;

  const Phase first = run_phase(c, next_request, kCommandsPerPhase);
  const Phase second = run_phase(c, next_request, kCommandsPerPhase);
  for (std::uint32_t id = 1; id <= c.size(); ++id) {
    SCOPED_TRACE("replica " + std::to_string(id));
    const auto& host = *c.host(NodeId{id});
    EXPECT_GE(host.stats().snapshots_taken + host.stats().snapshots_installed,
              2 * kCommandsPerPhase / kSnapshotEverySlots - 2);
    // Truncation kept happening in both halves of the run...
    EXPECT_GT(first.truncations[id - 1], 0u);
    EXPECT_GT(second.truncations[id - 1], first.truncations[id - 1]);
    // ...so the log holds a small, steady number of records while the
    // replica keeps appending.
    EXPECT_GT(second.appended[id - 1], 2 * first.appended[id - 1] - first.appended[id - 1] / 2);
    EXPECT_LT(second.max_log_records[id - 1], second.appended[id - 1] / 4);
    EXPECT_LE(second.max_log_records[id - 1], first.max_log_records[id - 1] + first.max_log_records[id - 1] / 2)
        << "the log grows with the run";
  }
  // A restart reads the newest snapshot and the truncated log, and catches up.
  c.crash(NodeId{2});
  c.restart(NodeId{2});
  ASSERT_TRUE(c.is_up(NodeId{2}));
  EXPECT_GT(c.host(NodeId{2})->snapshot_index(), Slot{0});
  run_phase(c, next_request, kSnapshotEverySlots);
}

class SimLogTruncation : public ::testing::TestWithParam<std::string> {};

TEST_P(SimLogTruncation, TheHostTruncatesTheLogAfterEveryCompaction) {
  if (GetParam() == multipaxos::Protocol::kName) {
    check_truncation<multipaxos::Protocol>();
  } else {
    check_truncation<vsr::Protocol>();
  }
}

INSTANTIATE_TEST_SUITE_P(Protocols, SimLogTruncation,
                         ::testing::Values(multipaxos::Protocol::kName, vsr::Protocol::kName),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace quorum::sim
