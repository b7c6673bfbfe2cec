// Swarm testing (Groce, Zhang, Eide, Chen and Regehr, "Swarm Testing",
// ISSTA 2012; TigerBeetle's VOPR): each seed switches every kind of fault on
// or off and decides how hard it hits, so runs are not all one blend of every
// fault at a middling rate. Faults mask each other (a lost message hides its
// duplicate, a crash hides a slow disk); a run with only some of them
// reaches states a run with all of them rarely does.
//
// A seed of a log protocol may also run one targeted scenario: a nemesis
// that aims at the leader rather than at random replicas.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/prng.h"

namespace quorum::sim {

enum class Scenario : std::uint8_t {
  kNone,
  // The leader is cut off for a short time, again and again: one quick
  // leader change after another.
  kLeaderChurn,
  // The leader crashes and comes straight back, again and again.
  kSameLeader,
  // The leader is cut off from its peers while its clients still reach it, so
  // it grows a longer log in an old ballot or view; once a new leader has
  // taken over, it is cut off in turn and the stale replica takes part in
  // the next election.
  kStaleLongerLog,
  // Slow disks, and crashes aimed at replicas with writes not yet durable:
  // just before a vote or an acknowledgement would have been.
  kCrashBeforeDurable,
  // A long partition of a minority holding the leader, then quick leader
  // changes.
  kLongPartitionThenChurn,
  // Short election timeouts: one election or view change after another.
  kElectionStorm,
};

const char* scenario_name(Scenario s);
const std::vector<Scenario>& all_scenarios();

// Which kinds of fault a seed turns on, and how hard (1 = as drawn, 3 = three
// times as often).
struct Swarm {
  bool drops = true;
  bool duplicates = true;
  bool long_delays = true;
  bool crashes = true;
  bool partitions = true;  // symmetric splits
  bool one_way = true;     // one-way partitions
  bool slow_disk = true;
  bool torn_writes = true;
  bool bit_flips = true;
  bool snapshots = true;   // log protocols: compaction and snapshot transfer
  std::uint32_t intensity = 1;
  Scenario scenario = Scenario::kNone;

  // "drops dup crash(x3) ..." for the run's parameters line.
  std::string describe() const;
  // The fault kinds switched on, by name, for `quorum sim --json`.
  std::vector<std::string> kinds_on() const;
};

// Half the seeds keep every fault kind on (the blend finds what needs many
// faults at once); in the others each kind is on with probability 1/2 and,
// with `scenarios`, a targeted scenario runs in half of them.
Swarm draw_swarm(Prng& prng, bool scenarios);

// The fault rates a seed drew, and the swarm applied to them.
struct FaultRates {
  std::uint32_t drop_ppm = 0;
  std::uint32_t duplicate_ppm = 0;
  std::uint32_t delay_max_ticks = 1;
  std::uint32_t crash_ppm = 0;
  std::uint32_t partition_ppm = 0;
  bool symmetric_partitions = true;
  bool one_way_partitions = true;
  std::uint32_t sync_latency_max_ticks = 0;
  std::uint32_t torn_write_per_million = 0;
  std::uint32_t bit_flip_ppm = 0;
};
// Turns off the kinds the swarm left off and multiplies the others by its
// intensity (within sane caps). Scenarios that aim at the leader run without
// random partitions, whose heal would end theirs.
void apply_swarm(const Swarm& swarm, FaultRates& rates);

}  // namespace quorum::sim
