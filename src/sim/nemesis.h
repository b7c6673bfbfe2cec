// The nemesis of a simulated run: crashes and restarts replicas and cuts the
// network (symmetric splits and one-way partitions) during the safety phase,
// then heals everything for the liveness phase. Works on any simulated
// cluster that offers size(), now(), is_up(), crash(), restart(),
// corrupt_disk(), network() and the fault counters read by faults().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/node_set.h"
#include "core/prng.h"
#include "sim/faults.h"
#include "sim/trace.h"

namespace quorum::sim {

struct NemesisOptions {
  std::uint32_t crash_ppm = 0;      // chance per tick of crashing a random replica
  std::uint32_t partition_ppm = 0;  // chance per tick of starting a partition
  std::uint32_t restart_min_ticks = 10;
  std::uint32_t restart_max_ticks = 300;
  std::uint32_t partition_min_ticks = 20;
  std::uint32_t partition_max_ticks = 400;
  // Never crash more than this many replicas at once (a full outage is fine
  // for safety, but some runs should show progress under faults).
  std::uint32_t max_down = kMaxNodes;
  // Chance, when a replica crashes, of a bit flip in a durable record of its
  // log. Its restart must then be refused; at most one replica per run loses
  // its disk this way, so a majority can always come back.
  std::uint32_t bit_flip_ppm = 0;
};

class Nemesis {
 public:
  Nemesis(NemesisOptions options, std::uint64_t seed) : options_(options), prng_(seed) {}

  template <typename Cluster>
  void step(Cluster& c, Trace& trace) {
    std::uint64_t now = c.now();
    std::uint32_t n = c.size();
    std::uint32_t down = 0;
    for (std::uint32_t i = 1; i <= n; ++i) {
      if (restart_at_[i] != 0 && restart_at_[i] <= now) {
        restart_at_[i] = 0;
        c.restart(NodeId{i});
        ++restarts_;
      }
      if (!c.is_up(NodeId{i})) ++down;
    }
    if (prng_.chance(options_.crash_ppm) && down < options_.max_down) {
      NodeId victim{static_cast<std::uint32_t>(prng_.range(1, n))};
      if (c.is_up(victim)) {
        c.crash(victim);
        ++crashes_;
        if (bit_flips_ == 0 && prng_.chance(options_.bit_flip_ppm) && c.corrupt_disk(victim)) {
          ++bit_flips_;
        }
        restart_at_[victim.value()] =
            now + prng_.range(options_.restart_min_ticks, options_.restart_max_ticks);
      }
    }
    if (heal_at_ != 0 && heal_at_ <= now) {
      c.network().heal_all();
      heal_at_ = 0;
      trace.event(now, "heal");
    }
    if (heal_at_ == 0 && prng_.chance(options_.partition_ppm)) partition(c, trace, n, now);
  }

  // Ends every fault: the liveness phase starts from a healthy cluster.
  template <typename Cluster>
  void heal(Cluster& c, Trace& trace) {
    c.network().heal_all();
    heal_at_ = 0;
    for (std::uint32_t i = 1; i <= c.size(); ++i) {
      if (!c.is_up(NodeId{i})) {
        c.restart(NodeId{i});
        ++restarts_;
      }
      restart_at_[i] = 0;
    }
    trace.event(c.now(), "heal all; liveness phase");
  }

  // Every fault of the run: the network's, this nemesis's, and the writes
  // the cluster's crashes threw away.
  template <typename Cluster>
  FaultCounts faults(const Cluster& c) const {
    FaultCounts f = c.network().faults();
    f.crashes = crashes_;
    f.restarts = restarts_;
    f.partitions = partitions_;
    f.lost_writes = c.lost_writes();
    f.torn_writes = c.torn_writes();
    f.bit_flips = bit_flips_;
    f.corruptions_detected = c.corruptions_detected();
    return f;
  }

  std::uint64_t crashes() const { return crashes_; }
  std::uint64_t restarts() const { return restarts_; }
  std::uint64_t partitions() const { return partitions_; }

 private:
  template <typename Cluster>
  void partition(Cluster& c, Trace& trace, std::uint32_t n, std::uint64_t now) {
    ++partitions_;
    heal_at_ = now + prng_.range(options_.partition_min_ticks, options_.partition_max_ticks);
    if (prng_.chance(500'000)) {
      // Symmetric: a random side against the rest.
      std::vector<bool> side(n + 1);
      std::string desc;
      for (std::uint32_t i = 1; i <= n; ++i) {
        side[i] = prng_.chance(500'000);
        if (side[i]) desc += std::to_string(i);
      }
      for (std::uint32_t a = 1; a <= n; ++a) {
        for (std::uint32_t b = 1; b <= n; ++b) {
          if (side[a] != side[b]) c.network().cut(NodeId{a}, NodeId{b});
        }
      }
      trace.event(now, "partition {" + desc + "} | rest");
      return;
    }
    // One-way: a replica stops hearing some others (its own sends still go).
    NodeId deaf{static_cast<std::uint32_t>(prng_.range(1, n))};
    std::string desc;
    for (std::uint32_t a = 1; a <= n; ++a) {
      if (a != deaf.value() && prng_.chance(600'000)) {
        c.network().cut(NodeId{a}, deaf);
        desc += std::to_string(a);
      }
    }
    trace.event(now, "one-way partition: " + deaf.to_string() + " deaf to {" + desc + "}");
  }

  NemesisOptions options_;
  Prng prng_;
  std::uint64_t restart_at_[kMaxNodes + 1] = {};
  std::uint64_t heal_at_ = 0;
  std::uint64_t crashes_ = 0;
  std::uint64_t restarts_ = 0;
  std::uint64_t partitions_ = 0;
  std::uint64_t bit_flips_ = 0;
};

}  // namespace quorum::sim
