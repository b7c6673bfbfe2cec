// Configuration of one single-decree Paxos node: who it is, the quorum system,
// its timers (in logical ticks) and any deliberately broken behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ballot.h"
#include "core/ids.h"
#include "core/node_set.h"
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
  // The consecutive learner adds up acceptors over any set of ballots, not
  // only over a range with no gaps (needs LearnerRule::kConsecutive).
  bool consecutive_with_gaps = false;
};

// When a learner considers a value chosen.
enum class LearnerRule {
  // Classic Paxos: a phase-2 quorum of acceptors accepted it in one ballot.
  kClassic,
  // Consecutive Paxos (Goldweber, Zhang, Kapritsos 2020): for some range of
  // consecutive ballots [lo, hi], every ballot in the range has an acceptor
  // that accepted the value there, and the acceptors over the range form a
  // phase-2 quorum. Safe because every proposal at a ballot >= lo carries the
  // value (docs/consecutive-ballots.md); it decides sooner after a leader
  // change, when the new leader re-proposes the value it adopted.
  kConsecutive,
};

std::optional<LearnerRule> learner_rule_from_name(std::string_view name);
const char* learner_rule_name(LearnerRule rule);

// Parses a --break name; nullopt if unknown.
std::optional<Bugs> bugs_from_name(std::string_view name);
const std::vector<std::string>& bug_names();
// The quorum system a node uses, honouring Bugs::minority_quorum.
QuorumSystem quorum_system_for(NodeSet members, const Bugs& bugs);

struct Config {
  NodeId self;
  QuorumSystem quorums;
  Timing timing;
  LearnerRule learner = LearnerRule::kClassic;
  // The nodes that may propose (every member when empty). Only they own
  // ballots, which the consecutive learner numbers without gaps.
  NodeSet proposers;
  Bugs bugs;
  std::uint64_t seed = 0;  // for backoff jitter; derived from the run's seed

  NodeSet ballot_owners() const { return proposers.empty() ? quorums.members() : proposers; }
};

// Ballots as consecutive integers: the ballots of `owners`, numbered round by
// round in node order, so with owners {1, 2}: 1.1 -> 0, 1.2 -> 1, 2.1 -> 2.
// A ballot of a node outside `owners` (or of round 0) has no number.
std::optional<std::uint64_t> ballot_number(Ballot b, NodeSet owners);

}  // namespace quorum::paxos
