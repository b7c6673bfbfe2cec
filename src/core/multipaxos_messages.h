// Multi-Paxos messages: Paxos run over a log of slots with a stable leader
// (Lamport, "Paxos Made Simple" section 3; van Renesse & Altinbuken, "Paxos
// Made Moderately Complex"). Phase 1 covers every slot from `from_slot` on in
// one round; phase 2 is one Accept per batch. Chosen values travel in
// CatchUp replies, and the commit index is piggybacked on Accept/Heartbeat.
// Snapshots travel as log::SnapshotRequest / log::SnapshotChunk (core/log/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ballot.h"
#include "core/ids.h"
#include "core/log/entry.h"
#include "core/log/snapshot_messages.h"
#include "core/paxos_messages.h"

namespace quorum::multipaxos {

using log::Batch;
using log::SlotValue;
using log::SnapshotChunk;
using log::SnapshotRequest;
using log::wire_bytes;

// An acceptor's vote for one slot.
struct SlotVote {
  Slot slot;
  Ballot ballot;
  Batch value;
  bool operator==(const SlotVote&) const = default;
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
}  // namespace quorum::multipaxos
