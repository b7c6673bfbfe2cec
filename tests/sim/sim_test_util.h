// Helpers shared by the seeded-simulation tests of the log protocols
// (tests/multipaxos/sim_test.cc, tests/vsr/sim_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "sim/runner.h"

namespace quorum::sim::sim_test {

inline std::string describe_failures(const std::string& protocol, const BatchReport& b) {
  std::ostringstream os;
  for (const RunResult& r : b.failures) {
    os << "seed " << r.seed << ": " << r.violation->property << " at tick " << r.violation->tick
       << ": " << r.violation->message << "\n  (" << r.parameters
       << ")\n  replay: quorum sim --protocol " << protocol << " --seeds 1 --start-seed " << r.seed
       << " --trace\n";
  }
  return os.str();
}

inline RunFn make_run(const std::string& protocol, const SimSettings& settings) {
  const Protocol* p = find_protocol(protocol);
  if (p == nullptr) throw std::runtime_error("no " + protocol + " protocol registered");
  std::optional<RunFn> run = p->make(settings);
  if (!run) throw std::runtime_error(protocol + " rejected the settings");
  return *run;
}

inline void expect_same_run(const RunResult& a, const RunResult& b) {
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.ops_completed, b.ops_completed);
  EXPECT_EQ(a.ticks, b.ticks);
  EXPECT_EQ(a.messages_delivered, b.messages_delivered);
  EXPECT_EQ(a.commands_committed, b.commands_committed);
  EXPECT_EQ(a.leader_changes, b.leader_changes);
  EXPECT_EQ(a.history_ops, b.history_ops);
  EXPECT_EQ(a.violation.has_value(), b.violation.has_value());
  EXPECT_EQ(a.parameters, b.parameters);
  EXPECT_EQ(a.faults.drops, b.faults.drops);
  EXPECT_EQ(a.faults.partition_drops, b.faults.partition_drops);
  EXPECT_EQ(a.faults.duplicates, b.faults.duplicates);
  EXPECT_EQ(a.faults.reorders, b.faults.reorders);
  EXPECT_EQ(a.faults.partitions, b.faults.partitions);
  EXPECT_EQ(a.faults.crashes, b.faults.crashes);
  EXPECT_EQ(a.faults.restarts, b.faults.restarts);
  EXPECT_EQ(a.faults.lost_writes, b.faults.lost_writes);
}

}  // namespace quorum::sim::sim_test
