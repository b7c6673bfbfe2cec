// Configuration of one Multi-Paxos replica: identity, quorums, timers (in
// logical ticks), size limits, and the deliberately broken variants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/log/config.h"
#include "core/quorum.h"

namespace quorum::multipaxos {

// The shared log knobs (core/log/config.h); Multi-Paxos reads every one.
using log::Limits;
using log::Timing;

// Deliberately broken variants (quorum sim --break NAME).
struct Bugs {
  bool skip_phase1_on_takeover = false;  // a new leader proposes without phase 1
  bool commit_before_quorum = false;     // a slot counts as chosen after one vote
  bool apply_out_of_order = false;       // slots are applied as soon as chosen
};

std::optional<Bugs> bugs_from_name(std::string_view name);
const std::vector<std::string>& bug_names();

struct Config {
  NodeId self;
  QuorumSystem quorums;
  Timing timing;
  Limits limits;
  Bugs bugs;
  std::uint64_t seed = 0;  // election-timeout jitter
};

}  // namespace quorum::multipaxos
