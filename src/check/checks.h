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

struct CheckRun {
  std::string configuration;  // the bounds, for humans and the JSON report
  std::string learner;        // paxos: the learning rule in use
  std::function<ExploreReport()> run;
};

struct CheckProtocol {
  std::string name;
  std::vector<std::string> breaks;
  // nullopt with a reason when the settings are not valid for this protocol.
  std::function<std::optional<CheckRun>(const CheckSettings&, std::string& error)> make;
};

const std::vector<CheckProtocol>& check_protocols();
const CheckProtocol* find_check_protocol(const std::string& name);

}  // namespace quorum::check
