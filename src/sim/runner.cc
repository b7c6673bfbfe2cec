#include "sim/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "paxos/config.h"
#include "multipaxos/config.h"
#include "vsr/config.h"
#include "sim/log_sim.h"
#include "sim/paxos_sim.h"

namespace quorum::sim {

namespace {

// Multi-Paxos and VSR take the same simulation settings.
template <class Bugs>
Protocol log_protocol(std::string name, const std::vector<std::string>& bug_names,
                      std::optional<Bugs> (*bugs_from_name)(std::string_view),
                      RunResult (*run)(std::uint64_t, const LogSimOptions<Bugs>&)) {
  return Protocol{std::move(name), bug_names,
                  [bugs_from_name, run](const SimSettings& settings) -> std::optional<RunFn> {
                    Bugs bugs;
                    if (!settings.break_name.empty()) {
                      auto b = bugs_from_name(settings.break_name);
                      if (!b) return std::nullopt;
                      bugs = *b;
                    }
                    return RunFn([bugs, settings, run](std::uint64_t seed, bool keep_trace) {
                      LogSimOptions<Bugs> o;
                      o.bugs = bugs;
                      o.max_batch_commands = settings.max_batch_commands;
                      o.window_slots = settings.window_slots;
                      o.clients = settings.clients;
                      o.no_faults = settings.no_faults;
                      o.swarm = settings.swarm;
                      o.keep_trace = keep_trace;
                      return run(seed, o);
                    });
                  }};
}

}  // namespace

const std::vector<Protocol>& protocols() {
  static const std::vector<Protocol> all = {
      Protocol{"paxos", paxos::bug_names(),
               [](const SimSettings& settings) -> std::optional<RunFn> {
                 paxos::Bugs bugs;
                 if (!settings.break_name.empty()) {
                   auto b = paxos::bugs_from_name(settings.break_name);
                   if (!b) return std::nullopt;
                   bugs = *b;
                 }
                 auto rule = paxos::learner_rule_from_name(settings.learner);
                 if (!rule) return std::nullopt;
                 // The broken learner only exists as a consecutive one.
                 if (bugs.consecutive_with_gaps) rule = paxos::LearnerRule::kConsecutive;
                 return RunFn([bugs, rule, swarm = settings.swarm](std::uint64_t seed, bool keep_trace) {
                   PaxosSimOptions o;
                   o.bugs = bugs;
                   o.learner = *rule;
                   o.swarm = swarm;
                   o.keep_trace = keep_trace;
                   return run_paxos(seed, o);
                 });
               }},
      log_protocol<multipaxos::Bugs>("multipaxos", multipaxos::bug_names(), multipaxos::bugs_from_name,
                                     run_multipaxos),
      log_protocol<vsr::Bugs>("vsr", vsr::bug_names(), vsr::bugs_from_name, run_vsr),
  };
  return all;
}

const Protocol* find_protocol(const std::string& name) {
  for (const Protocol& p : protocols()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

BatchReport run_batch(const RunFn& run, std::uint64_t start_seed, std::uint64_t seeds,
                      unsigned jobs, bool stop_at_first_failure) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<RunResult> results(seeds);
  std::atomic<std::uint64_t> next{0};
  // The index of the first failing seed found so far: with
  // stop_at_first_failure, later seeds are skipped (earlier ones still run,
  // so the first failure in seed order is found whatever the scheduling).
  std::atomic<std::uint64_t> first_failure{seeds};
  auto worker = [&] {
    for (std::uint64_t i = next++; i < seeds; i = next++) {
      if (stop_at_first_failure && i > first_failure.load()) continue;
      results[i] = run(start_seed + i, false);
      if (stop_at_first_failure && results[i].violation) {
        std::uint64_t seen = first_failure.load();
        while (i < seen && !first_failure.compare_exchange_weak(seen, i)) {
        }
      }
    }
  };
  jobs = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(std::max<std::uint64_t>(seeds, 1))));
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (stop_at_first_failure && first_failure.load() < seeds) {
    seeds = first_failure.load() + 1;
    results.resize(seeds);
  }

  BatchReport b;
  b.seeds = seeds;
  b.start_seed = start_seed;
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (RunResult& r : results) {
    for (int i = 0; i < 8; ++i) {
      h ^= (r.trace_hash >> (8 * i)) & 0xff;
      h *= 0x100000001b3ULL;
    }
    b.ops_completed += r.ops_completed;
    b.ticks += r.ticks;
    b.messages_delivered += r.messages_delivered;
    b.commands_committed += r.commands_committed;
    b.leader_changes += r.leader_changes;
    b.snapshots_taken += r.snapshots_taken;
    b.snapshots_installed += r.snapshots_installed;
    b.histories_checked += r.history_checked ? 1 : 0;
    b.history_ops += r.history_ops;
    b.faults += r.faults;
    ++b.scenarios[r.scenario];
    for (const std::string& k : r.fault_kinds) ++b.fault_kinds[k];
    if (r.decision_tick > 0) {
      b.decision_ticks.push_back(r.decision_tick);
      if (r.proposal_ballots >= 2) b.contended_decision_ticks.push_back(r.decision_tick);
    }
    if (r.violation) {
      ++b.violations;
      b.failures.push_back(std::move(r));
    }
  }
  b.trace_hash = h;
  b.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return b;
}

}  // namespace quorum::sim
