// A seeded fault schedule over a LocalCluster of real processes, for the
// end-to-end tests (DESIGN.md section 4, level 5); the real-process
// counterpart of sim/nemesis.h.
//
// Faults, each on one replica and each undone after a random hold time:
//
//   kill       kill -9: memory lost, disk kept; undone by restarting it with
//              the same data directory and ports
//   pause      SIGSTOP: alive to the kernel (connections are accepted into
//              the backlog) but silent; undone by SIGCONT
//   partition  the replica drops all peer traffic to and from every other
//              replica, and every reachable other replica drops it too (the
//              admin switch, both sides); undone by healing both sides
//
// At most max_faulty replicas are faulty at once (a minority by default), so
// a quorum of healthy replicas always exists and the cluster must stay live
// as well as safe. Targets are drawn from the healthy replicas; with
// probability prefer_leader_ppm the current leader is picked, because most
// of the protocol's hard cases start with a leader that goes away.
//
// Every decision comes from one Prng seeded by the caller, so a schedule is
// reproducible in what it does; when it does it depends on the wall clock and
// on how fast replicas restart. Every action is logged with its time since the
// Nemesis was built.
//
// Threads: the Nemesis drives the LocalCluster, which is not thread-safe; run
// it on the thread that owns the cluster and touch the cluster from nowhere
// else meanwhile (HistoryClient only uses the ports).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/local_cluster.h"
#include "core/prng.h"

namespace quorum::cluster {

struct NemesisOptions {
  std::uint64_t seed = 1;
  bool kill = true;
  bool pause = true;
  bool partition = true;
  // How long a fault is held before it is undone.
  std::chrono::milliseconds hold_min{800};
  std::chrono::milliseconds hold_max{3'000};
  // Between the start of one fault and the start of the next (if the
  // max_faulty budget allows).
  std::chrono::milliseconds gap_min{300};
  std::chrono::milliseconds gap_max{2'000};
  // 0: a minority, (replicas - 1) / 2.
  std::size_t max_faulty = 0;
  std::uint32_t prefer_leader_ppm = 500'000;
};

// kExited is not an action but a finding: a replica died without being
// killed (it is then restarted like a killed one).
enum class NemesisAction : std::uint8_t { kKill, kRestart, kPause, kResume, kPartition, kHeal, kExited };
const char* to_string(NemesisAction a);

struct NemesisEvent {
  std::chrono::milliseconds at{0};  // since the Nemesis was built
  NemesisAction action = NemesisAction::kKill;
  std::uint32_t replica = 0;
  bool was_leader = false;
  bool ok = true;      // false: the action failed (see detail); it is retried
  std::string detail;  // for failures and partial partitions
  std::string to_string() const;
};

struct NemesisCounts {
  std::uint64_t kills = 0, restarts = 0, pauses = 0, resumes = 0, partitions = 0, heals = 0;
  std::uint64_t failures = 0;          // actions that failed (retried)
  std::uint64_t unexpected_exits = 0;  // replicas that died on their own
};

class Nemesis {
 public:
  using Log = std::function<void(const NemesisEvent&)>;

  Nemesis(LocalCluster& cluster, NemesisOptions options, Log log = {});

  // Injects and undoes faults until `duration` has passed, then returns with
  // the faults of that moment still in place (heal_all() undoes them).
  void run_for(std::chrono::milliseconds duration);
  // One scheduling pass at the current time: undoes faults whose hold time is
  // over, starts a new one if one is due. Returns when the next is due.
  std::chrono::steady_clock::time_point step();

  // Resumes paused, restarts killed and heals partitioned replicas, retrying
  // failed restarts until `timeout`. Throws ClusterError if a replica stays
  // down.
  void heal_all(std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000));

  std::size_t faulty() const;
  const std::vector<NemesisEvent>& events() const { return events_; }
  const NemesisCounts& counts() const { return counts_; }

 private:
  enum class Fault : std::uint8_t { kNone, kKilled, kPaused, kPartitioned };
  struct State {
    Fault fault = Fault::kNone;
    std::chrono::steady_clock::time_point until{};
  };

  void record(NemesisAction action, std::uint32_t replica, bool was_leader, bool ok, std::string detail);
  void start_fault(std::chrono::steady_clock::time_point now);
  bool undo(std::uint32_t id);
  // Pushes replica `id`'s wanted drop set (every partitioned other replica,
  // or everyone if it is partitioned itself) to its admin switch.
  bool sync_blocks(std::uint32_t id, std::string& error);
  std::set<std::uint32_t> wanted_blocks(std::uint32_t id) const;
  bool reachable(std::uint32_t id) const;

  LocalCluster& cluster_;
  NemesisOptions options_;
  Log log_;
  Prng prng_;
  std::chrono::steady_clock::time_point epoch_;
  std::chrono::steady_clock::time_point next_fault_;
  std::vector<State> state_;  // state_[i]: replica i + 1
  std::vector<NemesisEvent> events_;
  NemesisCounts counts_;
};

// Cluster health after the faults, for tests and the demo.
//
// A replica's applied_index from GET /status; nullopt if it does not answer.
std::optional<std::uint64_t> applied_index(LocalCluster& cluster, std::uint32_t id);
// Waits until one leader is agreed on and every replica's applied_index has
// reached the leader's commit index (sampled once the leader is known);
// false on timeout.
bool wait_until_converged(LocalCluster& cluster, std::chrono::milliseconds timeout);

}  // namespace quorum::cluster
