// The outcome of one simulated run and of a batch of runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/faults.h"

namespace quorum::sim {

struct Violation {
  std::string property;  // e.g. "Agreement", "Liveness"
  std::string message;
  std::uint64_t tick = 0;
};

struct RunResult {
  std::uint64_t seed = 0;
  std::optional<Violation> violation;  // the first one; a run stops there
  std::uint64_t ops_completed = 0;
  std::uint64_t trace_hash = 0;
  std::uint64_t ticks = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t commands_committed = 0;  // log protocols: client commands chosen
  std::uint64_t leader_changes = 0;      // log protocols: elections won
  std::uint64_t snapshots_taken = 0;     // log protocols: snapshots written locally
  std::uint64_t snapshots_installed = 0; // log protocols: snapshots received from a peer
  std::uint64_t decision_tick = 0;       // paxos: when a learner first learned (0: never)
  std::uint64_t proposal_ballots = 0;    // paxos: ballots that reached phase 2
  bool history_checked = false;          // the client history passed the linearizability check
  std::uint64_t history_ops = 0;         // operations in that history
  FaultCounts faults;
  std::string parameters;           // what the seed chose, for humans
  std::string scenario = "none";    // the swarm's targeted scenario
  std::vector<std::string> fault_kinds;  // the fault kinds the swarm turned on
  std::vector<std::string> trace;   // only when asked for
};

}  // namespace quorum::sim
