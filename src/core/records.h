// What each protocol core must remember across a crash, as the records it
// hands to durable storage (DESIGN.md section 3: "persist before you
// promise"). The cores emit them; a harness appends them to the write-ahead
// log (core/record_codec.h gives their bytes) and replays them on restart.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "core/ballot.h"
#include "core/multipaxos_messages.h"
#include "core/paxos_messages.h"

namespace quorum::paxos {

// Single-decree Paxos: the whole state, written on every change (it is tiny);
// the newest record supersedes every earlier one.
struct HardState {
  Ballot promised;                   // acceptor: never accept or promise below this
  std::optional<Proposal> accepted;  // acceptor: highest-ballot proposal accepted
  // proposer: highest round this node has used, so a restarted proposer never
  // reuses a ballot (which could carry a different value).
  std::uint64_t proposer_round = 0;
  bool operator==(const HardState&) const = default;
};

}  // namespace quorum::paxos

namespace quorum::multipaxos {

// Multi-Paxos: a log of changes, replayed in order (multipaxos/records.h).
struct PromiseRecord {
  Ballot ballot;
  bool operator==(const PromiseRecord&) const = default;
};
// Accepting also raises the promise to `ballot`.
struct AcceptRecord {
  Ballot ballot;
  std::vector<SlotValue> entries;
  bool operator==(const AcceptRecord&) const = default;
};
// Written after a snapshot covering every slot <= `compacted` is durable:
// votes at those slots are no longer needed (the slots are chosen and in the
// snapshot). It repeats the promise and the votes above `compacted`, so every
// record before the first CompactRecord of a compaction can be truncated from
// the log once the last one is durable. A large compaction is split over
// several records; replaying any prefix of them is safe (each only drops
// votes the snapshot covers and re-states votes that are still current).
struct CompactRecord {
  Ballot promised;
  Slot compacted;
  std::vector<SlotVote> votes;  // all, or a part, of the votes above `compacted`
  bool operator==(const CompactRecord&) const = default;
};
using Record = std::variant<PromiseRecord, AcceptRecord, CompactRecord>;

}  // namespace quorum::multipaxos
