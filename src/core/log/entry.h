// The entries of a replicated log, shared by every log protocol (Multi-Paxos
// slots, VSR op numbers): a position holds a batch of opaque client commands.
// Both logs feed the same state machine through these types, so nothing here
// names a protocol.
#pragma once

#include <cstddef>
#include <vector>

#include "core/ids.h"
#include "core/paxos_messages.h"

namespace quorum::log {

// The value of one log position: a batch of opaque client commands. An empty
// batch is the no-op a new leader uses to fill holes.
struct Batch {
  std::vector<Value> commands;
  bool is_noop() const { return commands.empty(); }
  bool operator==(const Batch&) const = default;
};

// Per-command and per-batch overhead that wire_bytes() adds: generous bounds
// on what the peer codec and the record codec spend around the command bytes.
inline constexpr std::size_t kBatchOverheadBytes = 64;
inline constexpr std::size_t kCommandOverheadBytes = 16;

// An upper bound of a batch's encoded size in a peer message or a log record
// (the commands plus generous per-field overhead), for byte-bounded batching.
inline std::size_t wire_bytes(const Batch& b) {
  std::size_t n = kBatchOverheadBytes;
  for (const Value& v : b.commands) n += v.size() + kCommandOverheadBytes;
  return n;
}

// A log position and its batch.
struct SlotValue {
  Slot slot;
  Batch value;
  bool operator==(const SlotValue&) const = default;
};

}  // namespace quorum::log
