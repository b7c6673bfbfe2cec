// Timers and size limits of a replicated-log replica, the same knobs for
// every log protocol so a harness (and an operator) tunes them alike. Each
// protocol's config.h says how it reads them.
#pragma once

#include <cstdint>

#include "core/limits.h"

namespace quorum::log {

// In logical ticks.
struct Timing {
  std::uint32_t heartbeat_ticks = 10;
  // A follower that hears no leader for a random time in [min, max] starts an
  // election (Multi-Paxos) or a view change (VSR).
  std::uint32_t election_timeout_min_ticks = 60;
  std::uint32_t election_timeout_max_ticks = 120;
  // A candidate that has no phase-1 quorum by then gives up and waits.
  std::uint32_t phase1_timeout_ticks = 40;
  // A leader that heard from no quorum within this window steps down.
  std::uint32_t leader_lease_ticks = 50;
  // Entries not yet acknowledged by everyone are sent again this often.
  std::uint32_t accept_retry_ticks = 30;
  // A replica behind a peer asks it for what it lacks this often.
  std::uint32_t catchup_retry_ticks = 15;
};

struct Limits {
  std::uint32_t window_slots = 32;          // positions proposed but not yet committed
  std::uint32_t max_batch_commands = 64;    // commands in one position
  std::uint32_t max_batch_bytes = 1 << 20;  // bytes of commands in one position
  std::uint32_t max_pending_commands = 8192;   // queued on the leader
  std::uint64_t max_pending_bytes = 64 << 20;  // bytes of commands queued on the leader
  std::uint32_t max_entries_per_message = 64;  // positions in one message or record
  // Bytes of entries (as wire_bytes() counts them) in one message or record;
  // one entry always fits. With window_bytes this keeps every message well
  // under the peer frame limit (limits::kMaxFrameBodyBytes) whatever the
  // clients send.
  std::uint32_t max_message_bytes = 1 << 20;
  // The leader opens no new position while those in flight hold this many
  // bytes, so what a view change or phase 1 must report stays bounded too.
  std::uint32_t window_bytes = 1 << 20;
  // Multi-Paxos: a Promise larger than this is declined (the candidate lags
  // too far to take over; it is sent chosen slots instead). Declining is
  // always safe.
  std::uint32_t max_promise_bytes = 3 << 20;
  // false: submit() only queues, and the driver calls propose() once per turn
  // of its event loop, so every command that arrived in that turn shares a
  // position instead of each taking one while the window has room.
  bool propose_on_submit = true;
  std::uint32_t snapshot_chunk_bytes = limits::kMaxSnapshotChunkBytes;  // snapshot bytes in one message
};

}  // namespace quorum::log
