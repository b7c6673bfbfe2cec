// One seeded simulation of the replicated KV store over Multi-Paxos or VSR. The seed
// decides the cluster size (3 or 5), the number of closed-loop clients and
// their key space, loss / duplication / delay rates, disk latency, and when
// the nemesis crashes, restarts and partitions replicas. Clients retry on
// timeouts and follow redirects; their history is checked for
// linearizability. After the safety phase every fault heals: every pending
// operation must then complete, a final read of every key must succeed, and
// every replica must converge to the same log and state.
#pragma once

#include <cstdint>

#include "multipaxos/config.h"
#include "vsr/config.h"
#include "sim/result.h"

namespace quorum::sim {

template <class Bugs>
struct LogSimOptions {
  Bugs bugs;
  std::uint32_t max_batch_commands = 64;
  std::uint32_t window_slots = 0;  // 0: log::Limits default
  std::uint32_t clients = 0;       // 0: the seed decides (2..8)
  bool no_faults = false;          // a healthy cluster (for measuring message cost)
  bool swarm = true;               // the seed picks its fault kinds and a scenario (sim/swarm.h)
  bool keep_trace = false;
  std::uint64_t safety_ticks = 2000;
  std::uint64_t liveness_ticks = 6000;
};

using MultiPaxosSimOptions = LogSimOptions<multipaxos::Bugs>;
using VsrSimOptions = LogSimOptions<vsr::Bugs>;

RunResult run_multipaxos(std::uint64_t seed, const MultiPaxosSimOptions& options);
RunResult run_vsr(std::uint64_t seed, const VsrSimOptions& options);

}  // namespace quorum::sim
