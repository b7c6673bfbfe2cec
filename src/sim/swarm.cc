#include "sim/swarm.h"

#include <algorithm>

namespace quorum::sim {

const char* scenario_name(Scenario s) {
  switch (s) {
    case Scenario::kNone:
      return "none";
    case Scenario::kLeaderChurn:
      return "leader-churn";
    case Scenario::kSameLeader:
      return "same-leader";
    case Scenario::kStaleLongerLog:
      return "stale-longer-log";
    case Scenario::kCrashBeforeDurable:
      return "crash-before-durable";
    case Scenario::kLongPartitionThenChurn:
      return "long-partition-then-churn";
    case Scenario::kElectionStorm:
      return "election-storm";
  }
  return "?";
}

const std::vector<Scenario>& all_scenarios() {
  static const std::vector<Scenario> all = {Scenario::kLeaderChurn,        Scenario::kSameLeader,
                                            Scenario::kStaleLongerLog,     Scenario::kCrashBeforeDurable,
                                            Scenario::kLongPartitionThenChurn, Scenario::kElectionStorm};
  return all;
}

Swarm draw_swarm(Prng& prng, bool scenarios) {
  Swarm s;
  if (prng.chance(500'000)) return s;
  bool* kinds[] = {&s.drops,   &s.duplicates, &s.long_delays, &s.crashes,   &s.partitions,
                   &s.one_way, &s.slow_disk,  &s.torn_writes, &s.bit_flips, &s.snapshots};
  for (bool* k : kinds) *k = prng.chance(500'000);
  s.intensity = prng.chance(250'000) ? 3 : 1;
  if (scenarios && prng.chance(500'000)) {
    s.scenario = all_scenarios()[prng.range(0, all_scenarios().size() - 1)];
  }
  return s;
}

void apply_swarm(const Swarm& w, FaultRates& r) {
  auto scale = [&](std::uint32_t ppm, std::uint32_t cap) {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{ppm} * w.intensity, cap));
  };
  r.drop_ppm = w.drops ? scale(r.drop_ppm, 300'000) : 0;
  r.duplicate_ppm = w.duplicates ? scale(r.duplicate_ppm, 200'000) : 0;
  if (!w.long_delays) r.delay_max_ticks = 1;
  r.crash_ppm = w.crashes ? scale(r.crash_ppm, 20'000) : 0;
  r.symmetric_partitions = w.partitions;
  r.one_way_partitions = w.one_way;
  const bool aims_at_leader = w.scenario == Scenario::kLeaderChurn || w.scenario == Scenario::kStaleLongerLog ||
                              w.scenario == Scenario::kLongPartitionThenChurn;
  if (aims_at_leader) r.symmetric_partitions = r.one_way_partitions = false;
  r.partition_ppm = r.symmetric_partitions || r.one_way_partitions ? scale(r.partition_ppm, 20'000) : 0;
  if (!w.slow_disk) r.sync_latency_max_ticks = 0;
  if (!w.torn_writes) r.torn_write_per_million = 0;
  if (!w.bit_flips) r.bit_flip_ppm = 0;
}

std::vector<std::string> Swarm::kinds_on() const {
  std::vector<std::string> out;
  if (drops) out.push_back("drops");
  if (duplicates) out.push_back("duplicates");
  if (long_delays) out.push_back("long_delays");
  if (crashes) out.push_back("crashes");
  if (partitions) out.push_back("partitions");
  if (one_way) out.push_back("one_way_partitions");
  if (slow_disk) out.push_back("slow_disk");
  if (torn_writes) out.push_back("torn_writes");
  if (bit_flips) out.push_back("bit_flips");
  if (snapshots) out.push_back("snapshots");
  return out;
}

std::string Swarm::describe() const {
  std::string out = "swarm:";
  for (const std::string& k : kinds_on()) out += " " + k;
  if (intensity != 1) out += " (x" + std::to_string(intensity) + ")";
  if (scenario != Scenario::kNone) out += std::string(" scenario=") + scenario_name(scenario);
  return out;
}

}  // namespace quorum::sim
