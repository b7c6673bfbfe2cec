// The configurations `quorum check` runs: one per protocol, with the bounds
// that make its state space finite, and the --break variants it accepts.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "check/explorer.h"

namespace quorum::check {

struct CheckSettings {
  std::string break_name;         // empty: the correct protocol
  std::string learner = "classic";  // paxos: classic | consecutive
  // Overrides of the protocol's default bounds (nullopt: the default).
  std::optional<std::uint32_t> ballots;   // paxos
  std::optional<std::uint32_t> rounds;    // multipaxos: election rounds
  std::optional<std::uint32_t> views;     // vsr: views 0..views-1
  std::optional<std::uint32_t> commands;  // multipaxos, vsr: client commands
  std::optional<std::uint32_t> crashes;
  ExploreLimits limits;
  std::optional<SearchOrder> order;  // nullopt: the configuration's default
};

// One search over one configuration.
struct CheckPhase {
  std::string configuration;  // the bounds and the search, for humans and the JSON report
  std::function<ExploreReport()> run;
};

// What `quorum check` runs: one phase, or, by default for the log protocols,
// a complete bounded search followed by random walks over a larger
// configuration (deeper than any breadth-first bound the CI budget allows).
// The phases run in order and stop at the first violation.
struct CheckRun {
  std::string learner;  // paxos: the learning rule in use
  std::vector<CheckPhase> phases;
};

struct CheckProtocol {
  std::string name;
  std::vector<std::string> breaks;
  // nullopt with a reason when the settings are not valid for this protocol.
  std::function<std::optional<CheckRun>(const CheckSettings&, std::string& error)> make;
};

// Runs the phases in order until one finds a violation; returns that
// phase's report, or the last one's.
ExploreReport run_phases(const CheckRun& run);

const std::vector<CheckProtocol>& check_protocols();
const CheckProtocol* find_check_protocol(const std::string& name);

}  // namespace quorum::check
