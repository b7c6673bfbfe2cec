// Counts of the faults a simulated run injected, by kind (reported as
// faults{...} in `quorum sim --json`).
#pragma once

#include <cstdint>

namespace quorum::sim {

struct FaultCounts {
  std::uint64_t drops = 0;            // messages lost at random
  std::uint64_t partition_drops = 0;  // messages lost to a partition
  std::uint64_t duplicates = 0;       // extra copies delivered
  std::uint64_t reorders = 0;         // deliveries that overtook an earlier send
  std::uint64_t partitions = 0;       // partitions started (symmetric or one-way)
  std::uint64_t crashes = 0;
  std::uint64_t restarts = 0;
  std::uint64_t lost_writes = 0;      // unsynced log records a crash threw away
  std::uint64_t torn_writes = 0;      // unsynced log writes a crash tore (a prefix landed)
  std::uint64_t bit_flips = 0;        // durable log records damaged on a stopped replica
  std::uint64_t corruptions_detected = 0;  // restarts the log's recovery refused

  FaultCounts& operator+=(const FaultCounts& o) {
    drops += o.drops;
    partition_drops += o.partition_drops;
    duplicates += o.duplicates;
    reorders += o.reorders;
    partitions += o.partitions;
    crashes += o.crashes;
    restarts += o.restarts;
    lost_writes += o.lost_writes;
    torn_writes += o.torn_writes;
    bit_flips += o.bit_flips;
    corruptions_detected += o.corruptions_detected;
    return *this;
  }
};

}  // namespace quorum::sim
