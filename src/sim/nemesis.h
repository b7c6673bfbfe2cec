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
#include "sim/swarm.h"
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
  // Which partitions the nemesis starts (swarm testing turns each on or off).
  bool symmetric_partitions = true;
  bool one_way_partitions = true;
  // A targeted scenario (log clusters only: it needs to know the leader).
  Scenario scenario = Scenario::kNone;
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
    if constexpr (requires(Cluster& cc) {
                    cc.leader();
                    cc.writes_pending(NodeId{});
                  }) {
      if (options_.scenario != Scenario::kNone) scenario_step(c, trace, n, now);
    }
  }

  // Ends every fault: the liveness phase starts from a healthy cluster.
  template <typename Cluster>
  void heal(Cluster& c, Trace& trace) {
    c.network().heal_all();
    heal_at_ = 0;
    isolated_ = kNoNode;
    scenario_at_ = 0;
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
    const bool symmetric = prng_.chance(500'000);
    if (!(symmetric ? options_.symmetric_partitions : options_.one_way_partitions)) return;
    ++partitions_;
    heal_at_ = now + prng_.range(options_.partition_min_ticks, options_.partition_max_ticks);
    if (symmetric) {
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

  // Cuts `id` off from every other replica, both ways (its clients, which
  // talk to it directly, still reach it).
  template <typename Cluster>
  void isolate(Cluster& c, Trace& trace, NodeId id, std::uint32_t n, std::uint64_t now, const char* why) {
    for (std::uint32_t a = 1; a <= n; ++a) {
      if (a == id.value()) continue;
      c.network().cut(NodeId{a}, id);
      c.network().cut(id, NodeId{a});
    }
    isolated_ = id;
    ++partitions_;
    trace.event(now, std::string(why) + ": isolate " + id.to_string());
  }

  template <typename Cluster>
  void end_isolation(Cluster& c, Trace& trace, std::uint64_t now) {
    c.network().heal_all();
    trace.event(now, "heal " + isolated_.to_string());
    isolated_ = kNoNode;
  }

  // One step of the targeted scenario: each acts when scenario_at_ comes.
  template <typename Cluster>
  void scenario_step(Cluster& c, Trace& trace, std::uint32_t n, std::uint64_t now) {
    if (now < scenario_at_) return;
    const NodeId leader = c.leader();
    switch (options_.scenario) {
      case Scenario::kNone:
      case Scenario::kElectionStorm:  // the cluster's timers do it
        return;
      case Scenario::kLeaderChurn:
        return churn(c, trace, leader, n, now);
      case Scenario::kLongPartitionThenChurn:
        if (!long_partition_done_) {
          if (leader == kNoNode) return;
          long_partition_done_ = true;
          isolate(c, trace, leader, n, now, "long partition");
          scenario_at_ = now + prng_.range(400, 1200);
          return;
        }
        return churn(c, trace, leader, n, now);
      case Scenario::kSameLeader:
        if (leader != kNoNode && c.is_up(leader)) {
          c.crash(leader);
          ++crashes_;
          restart_at_[leader.value()] = now + prng_.range(1, 10);
          trace.event(now, "same-leader: crash and restart " + leader.to_string());
        }
        scenario_at_ = now + prng_.range(40, 200);
        return;
      case Scenario::kStaleLongerLog:
        if (isolated_ == kNoNode) {
          if (leader == kNoNode) return;
          // The leader keeps its clients and its log grows while the others
          // move on without it.
          stale_ = leader;
          isolate(c, trace, leader, n, now, "stale-longer-log");
          scenario_at_ = now + prng_.range(100, 400);
        } else if (isolated_ == stale_) {
          end_isolation(c, trace, now);
          // Right away, before the stale replica catches up: the new leader
          // goes, so the next election counts the stale replica's log.
          if (leader != kNoNode && leader != stale_) {
            isolate(c, trace, leader, n, now, "stale-longer-log");
            scenario_at_ = now + prng_.range(100, 300);
          } else {
            scenario_at_ = now + prng_.range(50, 200);
          }
        } else {
          end_isolation(c, trace, now);
          scenario_at_ = now + prng_.range(50, 300);
        }
        return;
      case Scenario::kCrashBeforeDurable: {
        // A replica with a write on its way to the disk: what it was about to
        // promise, vote or acknowledge is lost with the write.
        std::uint32_t down = 0;
        for (std::uint32_t i = 1; i <= n; ++i) down += c.is_up(NodeId{i}) ? 0 : 1;
        if (down >= options_.max_down) return;
        for (std::uint32_t k = 0; k < n; ++k) {
          const NodeId id{static_cast<std::uint32_t>(prng_.range(1, n))};
          if (!c.is_up(id) || !c.writes_pending(id)) continue;
          c.crash(id);
          ++crashes_;
          restart_at_[id.value()] = now + prng_.range(options_.restart_min_ticks, options_.restart_max_ticks);
          trace.event(now, "crash-before-durable: crash " + id.to_string());
          break;
        }
        scenario_at_ = now + prng_.range(20, 150);
        return;
      }
    }
  }

  template <typename Cluster>
  void churn(Cluster& c, Trace& trace, NodeId leader, std::uint32_t n, std::uint64_t now) {
    if (isolated_ != kNoNode) {
      end_isolation(c, trace, now);
      scenario_at_ = now + prng_.range(30, 150);
    } else if (leader != kNoNode) {
      isolate(c, trace, leader, n, now, "leader-churn");
      scenario_at_ = now + prng_.range(10, 60);
    }
  }

  NemesisOptions options_;
  Prng prng_;
  std::uint64_t restart_at_[kMaxNodes + 1] = {};
  std::uint64_t heal_at_ = 0;
  std::uint64_t crashes_ = 0;
  std::uint64_t restarts_ = 0;
  std::uint64_t partitions_ = 0;
  std::uint64_t bit_flips_ = 0;
  // The targeted scenario's state.
  std::uint64_t scenario_at_ = 0;
  NodeId isolated_ = kNoNode;
  NodeId stale_ = kNoNode;
  bool long_partition_done_ = false;
};

}  // namespace quorum::sim
