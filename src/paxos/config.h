// Configuration of one single-decree Paxos node: who it is, the quorum system,
// its timers (in logical ticks) and any deliberately broken behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/quorum.h"

namespace quorum::paxos {

struct Timing {
  // A phase that has not reached a quorum by then is abandoned.
  std::uint32_t phase_timeout_ticks = 20;
  // Randomised exponential backoff before retrying with a higher ballot.
  std::uint32_t backoff_min_ticks = 4;
  std::uint32_t backoff_max_ticks = 64;
  // A node that has not learned asks its peers after this many ticks, backing
  // off to the maximum while the cluster is idle.
  std::uint32_t learn_query_ticks = 30;
  std::uint32_t learn_query_max_ticks = 480;
};

// Deliberately broken variants (quorum sim --break NAME). Each removes one
// thing Paxos needs, so the checkers can be shown to catch it.
struct Bugs {
  bool accept_without_promise = false;  // acceptor accepts below its promise
  bool no_value_adoption = false;       // proposer ignores values reported in phase 1
  bool minority_quorum = false;         // quorums of f instead of f+1 (set on the QuorumSystem)
};

// Parses a --break name; nullopt if unknown.
std::optional<Bugs> bugs_from_name(std::string_view name);
const std::vector<std::string>& bug_names();
// The quorum system a node uses, honouring Bugs::minority_quorum.
QuorumSystem quorum_system_for(NodeSet members, const Bugs& bugs);

struct Config {
  NodeId self;
  QuorumSystem quorums;
  Timing timing;
  Bugs bugs;
  std::uint64_t seed = 0;  // for backoff jitter; derived from the run's seed
};

}  // namespace quorum::paxos
