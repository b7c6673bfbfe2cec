// Multi-Paxos messages: Paxos run over a log of slots with a stable leader
// (Lamport, "Paxos Made Simple" section 3; van Renesse & Altinbuken, "Paxos
// Made Moderately Complex"). Phase 1 covers every slot from `from_slot` on in
// one round; phase 2 is one Accept per batch. Chosen values travel in
// CatchUp replies, and the commit index is piggybacked on Accept/Heartbeat.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ballot.h"
#include "core/ids.h"
#include "core/paxos_messages.h"

namespace quorum::multipaxos {

// The value of one slot: a batch of opaque client commands. An empty batch is
// the no-op a new leader uses to fill holes.
struct Batch {
  std::vector<Value> commands;
  bool is_noop() const { return commands.empty(); }
  bool operator==(const Batch&) const = default;
};

// An upper bound of a slot's encoded size in a peer message or a log record
// (the commands plus generous per-field overhead), for byte-bounded batching.
inline std::size_t wire_bytes(const Batch& b) {
  std::size_t n = 64;
  for (const Value& v : b.commands) n += v.size() + 16;
  return n;
}

// An acceptor's vote for one slot.
struct SlotVote {
  Slot slot;
  Ballot ballot;
  Batch value;
  bool operator==(const SlotVote&) const = default;
};

struct SlotValue {
  Slot slot;
  Batch value;
  bool operator==(const SlotValue&) const = default;
};

struct Prepare {
  Ballot ballot;
  Slot from_slot;  // the candidate's first unchosen slot
  bool operator==(const Prepare&) const = default;
};
// Everything the sender knows about the slots from `from_slot` on: the values
// it knows are chosen, and its votes in the others. A new leader therefore
// needs nothing else from anyone to take over those slots.
//
// A sender that compacted its log reports only slots above `compacted`: the
// ones at or below are chosen, but their values live in its snapshot. A
// candidate whose commit index is below that cannot take over (it would not
// know those values) and fetches the snapshot instead.
struct Promise {
  Ballot ballot;
  Slot commit;                     // the sender's commit index
  std::vector<SlotValue> chosen;   // slots >= from_slot known chosen
  std::vector<SlotVote> votes;     // other slots >= from_slot the sender voted in
  Slot compacted;                  // the sender's snapshot covers every slot <= this
  bool operator==(const Promise&) const = default;
};
struct Accept {
  Ballot ballot;
  std::vector<SlotValue> entries;
  Slot commit;  // the leader's commit index
  bool operator==(const Accept&) const = default;
};
struct Accepted {
  Ballot ballot;
  std::vector<Slot> slots;
  Slot commit;  // the sender's commit index, so the leader sees who lags
  bool operator==(const Accepted&) const = default;
};
struct Nack {
  Ballot ballot;
  Ballot promised;
  bool operator==(const Nack&) const = default;
};
struct Heartbeat {
  Ballot ballot;
  Slot commit;
  bool operator==(const Heartbeat&) const = default;
};
struct HeartbeatReply {
  Ballot ballot;
  Slot commit;
  bool operator==(const HeartbeatReply&) const = default;
};
struct CatchUpRequest {
  Slot from_slot;  // first chosen slot the sender is missing
  bool operator==(const CatchUpRequest&) const = default;
};
struct CatchUpReply {
  std::vector<SlotValue> chosen;  // contiguous chosen slots from the request's from_slot
  Slot commit;                    // the sender's commit index
  bool operator==(const CatchUpReply&) const = default;
};
// Snapshot transfer, for a replica that needs slots its peer has compacted
// away: the peer answers a CatchUpRequest below its snapshot with the first
// chunk, and the receiver pulls the rest one chunk at a time (so a slow or
// lossy link never has more than one chunk in flight). A peer that has
// moved to a newer snapshot answers with that one from offset 0.
struct SnapshotRequest {
  Slot index;           // the snapshot being fetched (its last included slot)
  std::uint64_t offset; // the first byte still missing
  bool operator==(const SnapshotRequest&) const = default;
};
struct SnapshotChunk {
  Slot index;           // last slot the snapshot covers
  std::uint64_t offset; // of `data` within the snapshot
  std::uint64_t total;  // snapshot size in bytes
  std::string data;
  Slot commit;          // the sender's commit index
  bool operator==(const SnapshotChunk&) const = default;
};

}  // namespace quorum::multipaxos
