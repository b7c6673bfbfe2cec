// `quorum check`: model-checks a small configuration of a protocol's real
// core. Exit 0 when no invariant fails (the report says whether the whole
// space was explored); 1 with the violated property and a shortest trace.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "check/checks.h"
#include "cli/commands.h"

namespace quorum::cli {
namespace {

struct CheckArgs {
  std::string protocol;
  check::CheckSettings settings;
  std::uint32_t ballots = 0, crashes = 0, rounds = 0, views = 0, commands = 0;
  bool json = false;
  std::string search;
};

int run_check(CheckArgs& a, const CLI::App& cmd) {
  const check::CheckProtocol* p = check::find_check_protocol(a.protocol);
  if (p == nullptr) {
    std::cerr << "quorum check: unknown protocol " << a.protocol << " (";
    for (const auto& q : check::check_protocols()) std::cerr << " " << q.name;
    std::cerr << " )\n";
    return 2;
  }
  if (a.search == "bfs") a.settings.order = check::SearchOrder::kBreadthFirst;
  if (a.search == "dfs") a.settings.order = check::SearchOrder::kDepthFirst;
  if (a.search == "random") a.settings.order = check::SearchOrder::kRandomWalk;
  if (cmd.count("--ballots") > 0) a.settings.ballots = a.ballots;
  if (cmd.count("--rounds") > 0) a.settings.rounds = a.rounds;
  if (cmd.count("--views") > 0) a.settings.views = a.views;
  if (cmd.count("--commands") > 0) a.settings.commands = a.commands;
  if (cmd.count("--crashes") > 0) a.settings.crashes = a.crashes;
  std::string error;
  auto run = p->make(a.settings, error);
  if (!run) {
    std::cerr << "quorum check: " << error << "\n";
    return 2;
  }
  // The phases run in order and stop at the first violation; the totals sum
  // them (a multi-phase run is never `complete`: its last phase samples).
  check::ExploreReport total;
  total.complete = run->phases.size() == 1;
  total.depth_exhausted = true;
  nlohmann::json phases = nlohmann::json::array();
  for (std::size_t i = 0; i < run->phases.size(); ++i) {
    const check::CheckPhase& phase = run->phases[i];
    if (!a.json) {
      std::cout << "quorum check: " << a.protocol << ": " << phase.configuration
                << (run->phases.size() > 1 ? fmt::format(" (phase {} of {})", i + 1, run->phases.size()) : "")
                << "\n";
    }
    check::ExploreReport r = phase.run();
    total.states += r.states;
    total.transitions += r.transitions;
    total.walks += r.walks;
    total.depth = std::max(total.depth, r.depth);
    total.seconds += r.seconds;
    total.complete = total.complete && r.complete;
    if (i == 0) total.depth_exhausted = r.depth_exhausted;
    phases.push_back({{"configuration", phase.configuration},
                      {"states", r.states},
                      {"transitions", r.transitions},
                      {"depth", r.depth},
                      {"walks", r.walks},
                      {"complete", r.complete},
                      {"depth_exhausted", r.depth_exhausted},
                      {"violations", r.violation ? 1 : 0},
                      {"seconds", r.seconds}});
    if (!a.json) {
      std::cout << fmt::format(
          "  {} states, {} transitions, depth {}, {}, {:.2f}s ({:.0f} states/s)\n", r.states, r.transitions,
          r.depth,
          r.complete            ? std::string("state space exhausted")
          : r.violation         ? std::string("stopped at the first violation")
          : r.walks > 0         ? std::to_string(r.walks) + " random walks (a sample, not exhaustive)"
          : r.depth_exhausted   ? "every run of up to " + std::to_string(r.depth) + " actions explored (bounded)"
                                : std::string("stopped at the state or time limit (incomplete)"),
          r.seconds, r.seconds > 0 ? static_cast<double>(r.states) / r.seconds : 0.0);
    }
    if (r.violation) {
      total.violation = std::move(r.violation);
      break;
    }
  }
  const check::ExploreReport& r = total;
  const auto& v = r.violation;
  if (a.json) {
    nlohmann::json j = {
        {"protocol", a.protocol},
        {"break", a.settings.break_name.empty() ? nlohmann::json(nullptr)
                                                : nlohmann::json(a.settings.break_name)},
        {"learner", run->learner.empty() ? nlohmann::json(nullptr) : nlohmann::json(run->learner)},
        {"configuration", run->phases.front().configuration},
        {"states", r.states},
        {"transitions", r.transitions},
        {"depth", r.depth},
        {"complete", r.complete},
        {"depth_exhausted", r.depth_exhausted},
        {"violations", v ? 1 : 0},
        {"seconds", r.seconds},
        {"states_per_second", r.seconds > 0 ? static_cast<double>(r.states) / r.seconds : 0.0},
        {"phases", phases},
    };
    if (v) {
      j["violation"] = {{"property", v->property}, {"message", v->message}, {"trace", v->trace},
                        {"shortest", v->found_steps == 0}};
    }
    std::cout << j.dump() << "\n";
  } else {
    if (v) {
      std::cout << fmt::format("  VIOLATION {}: {}\n", v->property, v->message);
      if (v->found_steps > 0) {
        std::cout << fmt::format("  trace ({} steps as found, shortened to {}):\n", v->found_steps,
                                 v->trace.size() - 1);
      } else {
        std::cout << fmt::format("  shortest trace ({} steps):\n", v->trace.size() - 1);
      }
      for (const std::string& line : v->trace) std::cout << "    " << line << "\n";
    } else {
      std::cout << "  ok: 0 violations\n";
    }
  }
  return v ? 1 : 0;
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand("check", "Model-check a small cluster of a protocol's real core");
  cmd->add_option("--protocol", args->protocol, "Protocol to check (paxos, multipaxos, vsr)")->required();
  cmd->add_option("--break", args->settings.break_name, "Check a deliberately broken variant");
  cmd->add_option("--learner", args->settings.learner, "paxos: classic or consecutive");
  cmd->add_option("--ballots", args->ballots, "Ballots in play (paxos: 3 = 1.1, 1.2, 2.1)")
      ->check(CLI::Range(1, 8));
  cmd->add_option("--rounds", args->rounds, "multipaxos: election rounds (ballots r.n, r <= this)")
      ->check(CLI::Range(1, 4));
  cmd->add_option("--views", args->views, "vsr: view changes reach views 0..this-1")->check(CLI::Range(1, 4));
  cmd->add_option("--commands", args->commands, "multipaxos, vsr: client commands, each submitted once")
      ->check(CLI::Range(1, 8));
  cmd->add_option("--crashes", args->crashes, "Crash-restarts in a run")->check(CLI::Range(0, 4));
  cmd->add_option("--max-states", args->settings.limits.max_states, "Stop after this many states");
  cmd->add_option("--max-depth", args->settings.limits.max_depth,
                  "Breadth-first: explore every run of up to this many actions (multipaxos default 16, vsr 12)");
  cmd->add_option("--max-seconds", args->settings.limits.max_seconds, "Stop after this long");
  cmd->add_option("--search", args->search,
                  "bfs (the usual default: shortest counterexamples), dfs (memory bounded by depth), or "
                  "random (seeded random walks, for spaces too large to exhaust)")
      ->check(CLI::IsMember({"bfs", "dfs", "random"}));
  cmd->add_option("--seed", args->settings.limits.seed, "Seed of the random walks");
  cmd->add_flag("--json", args->json, "Print one JSON object on stdout");
  cmd->callback([args, cmd, &exit_code] { exit_code = run_check(*args, *cmd); });
}

}  // namespace quorum::cli
