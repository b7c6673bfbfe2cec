// Configuration of one VSR replica: identity, the fixed configuration (whose
// order decides the primary of every view), timers in logical ticks, size
// limits, and the deliberately broken variants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/quorum.h"
#include "core/log/config.h"

namespace quorum::vsr {

// The shared log knobs (core/log/config.h). How VSR reads them:
//   heartbeat_ticks            a primary with nothing to prepare sends Commit
//   election_timeout_*_ticks   a backup that hears nothing from its primary
//                              for a random time in [min, max] starts a view
//                              change; a view change that has not completed
//                              by then moves on to the next view
//   accept_retry_ticks         a primary resends ops a backup has not acknowledged
//   catchup_retry_ticks        a replica waiting for state transfer asks again
//   leader_lease_ticks, phase1_timeout_ticks   unused
// Limits: window_slots/window_bytes bound ops prepared but not committed;
// max_batch_* bound one op; max_message_bytes/max_entries_per_message bound
// Prepare, StartView, NewState and DoViewChange; max_pending_* bound the
// primary's queue; snapshot_chunk_bytes as in Multi-Paxos; propose_on_submit as named;
// max_promise_bytes unused.
using log::Limits;
using log::Timing;

// Deliberately broken variants (quorum sim --protocol vsr --break NAME).
struct Bugs {
  bool dvc_single_message = false;  // a new primary starts its view after one DoViewChange
  bool no_log_merge = false;        // a new primary keeps its own log instead of the freshest
  bool accept_gap = false;          // a backup accepts a Prepare past a gap in its log
};

std::optional<Bugs> bugs_from_name(std::string_view name);
const std::vector<std::string>& bug_names();

struct Config {
  NodeId self;
  QuorumSystem quorums;  // majorities of the configured members 1..n
  Timing timing;
  Limits limits;
  Bugs bugs;
  std::uint64_t seed = 0;  // view-change timeout jitter
};

}  // namespace quorum::vsr
