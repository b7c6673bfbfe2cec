// `quorum sim`: many seeded simulations of one protocol; exit 0 only if
// every check passed. On a failure: the seed, the violated property, the end
// of the trace and a one-line command that replays it.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/commands.h"
#include "sim/runner.h"
#include "sim/trace.h"

namespace quorum::cli {
namespace {

struct SimArgs {
  std::string protocol;
  std::uint64_t seeds = 100;
  std::uint64_t start_seed = 1;
  std::string break_name;
  std::uint32_t max_batch = 64;
  std::uint32_t window = 0;
  std::uint32_t clients = 0;
  bool no_faults = false;
  bool no_swarm = false;
  std::string learner = "classic";
  bool json = false;
  bool trace = false;
  bool fail_fast = false;
  unsigned jobs = 0;
  std::string program;
};

std::string replay_command(const SimArgs& a, std::uint64_t seed) {
  std::string cmd = fmt::format("{} sim --protocol {} --seeds 1 --start-seed {}", a.program,
                                a.protocol, seed);
  if (!a.break_name.empty()) cmd += " --break " + a.break_name;
  if (a.max_batch != 64) cmd += " --max-batch " + std::to_string(a.max_batch);
  if (a.window != 0) cmd += " --window " + std::to_string(a.window);
  if (a.clients != 0) cmd += " --clients " + std::to_string(a.clients);
  if (a.no_faults) cmd += " --no-faults";
  if (a.no_swarm) cmd += " --no-swarm";
  if (a.learner != "classic") cmd += " --learner " + a.learner;
  return cmd + " --trace";
}

nlohmann::json faults_json(const sim::FaultCounts& f) {
  return {{"drops", f.drops},           {"partition_drops", f.partition_drops},
          {"duplicates", f.duplicates}, {"reorders", f.reorders},
          {"partitions", f.partitions}, {"crashes", f.crashes},
          {"restarts", f.restarts},     {"lost_writes", f.lost_writes},
          {"torn_writes", f.torn_writes}, {"bit_flips", f.bit_flips},
          {"corruptions_detected", f.corruptions_detected}};
}

double median(std::vector<std::uint64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? static_cast<double>(v[m]) : (static_cast<double>(v[m - 1]) + static_cast<double>(v[m])) / 2;
}

double mean(const std::vector<std::uint64_t>& v) {
  if (v.empty()) return 0;
  double sum = 0;
  for (std::uint64_t x : v) sum += static_cast<double>(x);
  return sum / static_cast<double>(v.size());
}

// When the runs first decided (single-decree Paxos): all of them, and those
// with a leader change (two or more ballots in phase 2).
nlohmann::json decisions_json(const sim::BatchReport& b) {
  if (b.decision_ticks.empty()) return nullptr;
  return {{"runs", b.decision_ticks.size()},
          {"median_tick", median(b.decision_ticks)},
          {"mean_tick", mean(b.decision_ticks)},
          {"contended_runs", b.contended_decision_ticks.size()},
          {"contended_median_tick", median(b.contended_decision_ticks)},
          {"contended_mean_tick", mean(b.contended_decision_ticks)}};
}

// The end of a failing seed's trace: runs are deterministic, so the seed is
// simply run again with the trace kept.
void print_failure(std::ostream& os, const SimArgs& a, const sim::RunFn& run,
                   const sim::RunResult& failed, std::size_t tail_lines) {
  sim::RunResult r = run(failed.seed, true);
  os << fmt::format("\nseed {}: VIOLATION {} at tick {}: {}\n", failed.seed,
                    failed.violation->property, failed.violation->tick,
                    failed.violation->message);
  os << "  run: " << failed.parameters << "\n";
  std::size_t from = r.trace.size() > tail_lines ? r.trace.size() - tail_lines : 0;
  os << fmt::format("  trace (last {} of {} events):\n", r.trace.size() - from, r.trace.size());
  for (std::size_t i = from; i < r.trace.size(); ++i) os << "    " << r.trace[i] << "\n";
  os << "  replay: " << replay_command(a, failed.seed) << "\n";
}

int run_sim(const SimArgs& a) {
  const sim::Protocol* proto = sim::find_protocol(a.protocol);
  if (proto == nullptr) {
    std::string known;
    for (const auto& p : sim::protocols()) known += " " + p.name;
    std::cerr << "quorum sim: unknown protocol '" << a.protocol << "' (known:" << known << ")\n";
    return 2;
  }
  if (a.learner != "classic" && a.protocol != "paxos") {
    std::cerr << "quorum sim: --learner is for --protocol paxos\n";
    return 2;
  }
  if (a.learner != "classic" && a.learner != "consecutive") {
    std::cerr << "quorum sim: unknown --learner '" << a.learner << "' (classic, consecutive)\n";
    return 2;
  }
  auto run = proto->make(
      sim::SimSettings{a.break_name, a.max_batch, a.window, a.clients, a.no_faults, a.learner, !a.no_swarm});
  if (!run) {
    std::string known;
    for (const auto& b : proto->breaks) known += " " + b;
    std::cerr << "quorum sim: unknown --break '" << a.break_name << "' for " << a.protocol
              << " (known:" << known << ")\n";
    return 2;
  }

  if (a.trace && a.seeds == 1) {
    sim::RunResult r = (*run)(a.start_seed, true);
    std::ostream& os = a.json ? std::cerr : std::cout;
    for (const auto& line : r.trace) os << line << "\n";
  }

  unsigned jobs = a.jobs != 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  sim::BatchReport b = sim::run_batch(*run, a.start_seed, a.seeds, jobs, a.fail_fast);

  std::ostream& human = a.json ? std::cerr : std::cout;
  constexpr std::size_t kFailuresShown = 3;
  for (std::size_t i = 0; i < b.failures.size() && i < kFailuresShown; ++i) {
    print_failure(human, a, *run, b.failures[i], a.trace ? 100'000 : 40);
  }

  double seeds_per_sec = b.elapsed_seconds > 0 ? static_cast<double>(b.seeds) / b.elapsed_seconds : 0;
  if (a.json) {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : b.failures) {
      failures.push_back({{"seed", f.seed},
                          {"property", f.violation->property},
                          {"message", f.violation->message},
                          {"tick", f.violation->tick},
                          {"replay", replay_command(a, f.seed)}});
    }
    nlohmann::json j = {
        {"protocol", a.protocol},
        {"break", a.break_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.break_name)},
        {"seeds", b.seeds},
        {"start_seed", b.start_seed},
        {"violations", b.violations},
        {"ops_completed", b.ops_completed},
        {"trace_hash", sim::hex64(b.trace_hash)},
        {"faults", faults_json(b.faults)},
        {"ticks", b.ticks},
        {"messages_delivered", b.messages_delivered},
        {"commands_committed", b.commands_committed},
        {"messages_per_command",
         b.commands_committed == 0 ? 0.0
                                   : static_cast<double>(b.messages_delivered) /
                                         static_cast<double>(b.commands_committed)},
        {"leader_changes", b.leader_changes},
        {"snapshots_taken", b.snapshots_taken},
        {"snapshots_installed", b.snapshots_installed},
        {"histories_checked", b.histories_checked},
        {"history_ops", b.history_ops},
        {"max_batch", a.max_batch},
        {"elapsed_seconds", b.elapsed_seconds},
        {"seeds_per_second", seeds_per_sec},
        {"failures", failures},
        {"decisions", decisions_json(b)},
        {"swarm", {{"enabled", !a.no_swarm && !a.no_faults}, {"scenarios", b.scenarios}, {"faults_on", b.fault_kinds}}},
    };
    std::cout << j.dump() << "\n";
  } else {
    const sim::FaultCounts& f = b.faults;
    std::cout << fmt::format(
        "\nquorum sim: protocol={} break={} seeds={}..{}\n"
        "  {}: {} violations in {} seeds, {} ops completed, {} messages delivered\n",
        a.protocol, a.break_name.empty() ? "none" : a.break_name, b.start_seed,
        b.start_seed + b.seeds - 1, b.violations == 0 ? "ok" : "FAILED", b.violations, b.seeds,
        b.ops_completed, b.messages_delivered);
    if (!b.decision_ticks.empty()) {
      std::cout << fmt::format(
          "  {} learner: first decision at tick {:.0f} (median of {} runs); {:.0f} in the {} runs "
          "with a leader change\n",
          a.break_name == "consecutive-with-gaps" ? "consecutive (broken)" : a.learner,
          median(b.decision_ticks), b.decision_ticks.size(),
          median(b.contended_decision_ticks), b.contended_decision_ticks.size());
    }
    if (b.commands_committed > 0) {
      std::cout << fmt::format(
          "  {} client histories proven linearizable ({} operations); {} commands committed, "
          "{:.2f} messages per command; {} leader changes; {} snapshots taken, {} installed "
          "from a peer\n",
          b.histories_checked, b.history_ops, b.commands_committed,
          static_cast<double>(b.messages_delivered) / static_cast<double>(b.commands_committed),
          b.leader_changes, b.snapshots_taken, b.snapshots_installed);
    }
    std::cout << fmt::format(
        "  faults: {} dropped, {} lost to partitions, {} duplicated, {} reordered, "
        "{} partitions, {} crashes, {} restarts, {} unsynced records lost, {} torn writes, "
        "{} bit flips ({} refused at restart)\n"
        "  trace_hash={}  {:.2f}s ({:.0f} seeds/s, {} jobs)\n",
        f.drops, f.partition_drops, f.duplicates, f.reorders, f.partitions, f.crashes, f.restarts,
        f.lost_writes, f.torn_writes, f.bit_flips, f.corruptions_detected, sim::hex64(b.trace_hash), b.elapsed_seconds, seeds_per_sec, jobs);
  }
  return b.violations == 0 ? 0 : 1;
}

}  // namespace

void add_sim_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* cmd = app.add_subcommand("sim", "Run seeded simulations with fault injection");
  cmd->add_option("--protocol", args->protocol, "Protocol to simulate (paxos, multipaxos, vsr)")->required();
  cmd->add_option("--seeds", args->seeds, "Number of seeds to run")->check(CLI::Range(1, 100'000'000));
  cmd->add_option("--start-seed", args->start_seed, "First seed");
  cmd->add_option("--break", args->break_name,
                  "Run a deliberately broken variant (e.g. minority-quorum)");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->add_flag("--trace", args->trace,
                "Print the whole event trace (of the seed, with --seeds 1; of failures otherwise)");
  cmd->add_option("--jobs", args->jobs, "Worker threads (default: all cores)");
  cmd->add_flag("--fail-fast", args->fail_fast,
                "Stop at the first seed (in seed order) that fails; `seeds` reports how many ran");
  cmd->add_option("--max-batch", args->max_batch, "Log protocols: most client commands per slot")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--window", args->window, "Log protocols: most slots in flight (default 32)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--clients", args->clients, "Simulated clients (default: the seed decides)")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--no-faults", args->no_faults, "No network, crash or disk faults");
  cmd->add_flag("--no-swarm", args->no_swarm,
                "Every fault kind in every seed, no targeted scenario (the seed still draws the rates)");
  cmd->add_option("--learner", args->learner,
                  "paxos: classic, or consecutive (learn over consecutive ballots)");
  cmd->callback([args, &app, &exit_code] {
    args->program = app.get_name().empty() ? "quorum" : app.get_name();
    exit_code = run_sim(*args);
  });
}

}  // namespace quorum::cli
