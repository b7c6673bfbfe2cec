// Runs a protocol's simulation over a range of seeds (in parallel; results
// are combined in seed order, so the report does not depend on scheduling)
// and aggregates what `quorum sim` reports.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/result.h"

namespace quorum::sim {

// Runs one seed; keep_trace asks for the event lines.
using RunFn = std::function<RunResult(std::uint64_t seed, bool keep_trace)>;

// Knobs `quorum sim` passes to every protocol.
struct SimSettings {
  std::string break_name;               // empty: the correct protocol
  std::uint32_t max_batch_commands = 64;  // log protocols: commands per slot
  std::uint32_t window_slots = 0;         // log protocols: 0 = the protocol default
  std::uint32_t clients = 0;              // 0 = the seed decides
  bool no_faults = false;                 // no network, crash or disk faults
  std::string learner = "classic";        // paxos: classic | consecutive
  bool swarm = true;                      // each seed picks its fault kinds and a scenario (sim/swarm.h)
};

struct Protocol {
  std::string name;
  std::vector<std::string> breaks;  // names accepted by --break
  // Returns nullopt when settings.break_name is not one of `breaks`.
  std::function<std::optional<RunFn>(const SimSettings& settings)> make;
};

const std::vector<Protocol>& protocols();
const Protocol* find_protocol(const std::string& name);

struct BatchReport {
  std::uint64_t seeds = 0;
  std::uint64_t start_seed = 0;
  std::uint64_t violations = 0;
  std::uint64_t ops_completed = 0;
  std::uint64_t trace_hash = 0;  // combines every seed's hash, in seed order
  std::uint64_t ticks = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t commands_committed = 0;
  std::uint64_t leader_changes = 0;
  std::uint64_t snapshots_taken = 0;
  std::uint64_t snapshots_installed = 0;
  std::uint64_t histories_checked = 0;  // runs whose client history was proven linearizable
  std::uint64_t history_ops = 0;
  FaultCounts faults;
  std::map<std::string, std::uint64_t> scenarios;    // swarm: seeds that ran each scenario
  std::map<std::string, std::uint64_t> fault_kinds;  // swarm: seeds with each fault kind on
  // Single-decree Paxos: the tick of each run's first decision, over all
  // runs that decided, and over those where two or more ballots reached
  // phase 2 (a leader change: where the consecutive learner can help).
  std::vector<std::uint64_t> decision_ticks;
  std::vector<std::uint64_t> contended_decision_ticks;
  std::vector<RunResult> failures;  // runs with a violation (no trace)
  double elapsed_seconds = 0;
};

// With stop_at_first_failure the batch ends at the first seed (in seed
// order) that fails: `seeds` in the report is how many ran up to it.
BatchReport run_batch(const RunFn& run, std::uint64_t start_seed, std::uint64_t seeds,
                      unsigned jobs, bool stop_at_first_failure = false);

}  // namespace quorum::sim
