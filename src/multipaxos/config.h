// Configuration of one Multi-Paxos replica: identity, quorums, timers (in
// logical ticks), size limits, and the deliberately broken variants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/quorum.h"

namespace quorum::multipaxos {

struct Timing {
  std::uint32_t heartbeat_ticks = 10;
  // A follower that hears no leader for a random time in [min, max] campaigns.
  std::uint32_t election_timeout_min_ticks = 60;
  std::uint32_t election_timeout_max_ticks = 120;
  // A candidate that has no phase-1 quorum by then gives up and waits.
  std::uint32_t phase1_timeout_ticks = 40;
  // A leader that heard from no quorum within this window steps down.
  std::uint32_t leader_lease_ticks = 50;
  // Accepts not yet acknowledged by everyone are sent again this often.
  std::uint32_t accept_retry_ticks = 30;
  // A replica behind a peer's commit index asks it for chosen slots this often.
  std::uint32_t catchup_retry_ticks = 15;
};

struct Limits {
  std::uint32_t window_slots = 32;          // slots proposed but not yet chosen
  std::uint32_t max_batch_commands = 64;    // commands in one slot
  std::uint32_t max_batch_bytes = 1 << 20;  // bytes of commands in one slot
  std::uint32_t max_pending_commands = 8192;  // queued on the leader
  std::uint64_t max_pending_bytes = 64 << 20;  // bytes of commands queued on the leader
  std::uint32_t max_entries_per_message = 64;  // slots in one Accept / CatchUpReply
  // Bytes of slots (as wire_bytes() counts them) in one Accept, CatchUpReply
  // or CompactRecord; one slot always fits. With window_bytes this keeps
  // every message well under the peer frame limit (limits::kMaxFrameBodyBytes)
  // whatever the clients send.
  std::uint32_t max_message_bytes = 1 << 20;
  // The leader opens no new slot while the slots in flight hold this many
  // bytes, so the votes a Promise must report stay bounded too.
  std::uint32_t window_bytes = 1 << 20;
  // A Promise larger than this is declined (the candidate lags too far to
  // take over; it is sent chosen slots instead). Declining is always safe.
  std::uint32_t max_promise_bytes = 3 << 20;
  // false: submit() only queues, and the driver calls Replica::propose()
  // once per turn of its event loop, so every command that arrived in that
  // turn shares a slot instead of each taking one while the window has room.
  bool propose_on_submit = true;
  std::uint32_t snapshot_chunk_bytes = 1 << 20;  // snapshot bytes in one message
  std::uint64_t max_snapshot_bytes = 1ULL << 30;  // a larger snapshot is not received
};

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
