// One seeded simulation of single-decree Paxos. The seed decides everything:
// cluster size (3 or 5), how many proposers duel and with which values, loss,
// duplication and delay rates, disk latency, and when the nemesis crashes,
// restarts and partitions nodes. The run has a safety phase (faults on) and a
// liveness phase (faults healed, every node restarted) that must end with
// every node having learned the one chosen value.
#pragma once

#include <cstdint>

#include "paxos/config.h"
#include "sim/result.h"

namespace quorum::sim {

struct PaxosSimOptions {
  paxos::Bugs bugs;
  paxos::LearnerRule learner = paxos::LearnerRule::kClassic;
  bool swarm = true;  // the seed picks its fault kinds (sim/swarm.h)
  bool keep_trace = false;
  std::uint64_t safety_ticks = 1500;
  std::uint64_t liveness_ticks = 20000;  // budget; runs stop once all learned
};

RunResult run_paxos(std::uint64_t seed, const PaxosSimOptions& options);

}  // namespace quorum::sim
