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
#include "core/vsr_messages.h"

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

namespace quorum::vsr {

// VSR with persisted state (as TigerBeetle does, instead of the paper's
// in-memory replicas and nonce-based recovery): a replica makes these durable
// before it sends anything that depends on them, and a restart resumes from
// them. Replayed in order (vsr/records.h).
//
// The view this replica has moved to, and the latest view in which it was
// normal. Written before a StartViewChange or DoViewChange leaves, so a
// restarted replica never joins an older view.
struct ViewRecord {
  View view;
  View log_view;
  bool operator==(const ViewRecord&) const = default;
};
// The log as of normal view `view`: every op above `base` is replaced by
// `entries` (the ones above the last entry are dropped). Appending a Prepare
// is the case base = last op. Also sets view = log_view = `view`. `commit` is
// a commit number known when it was written (ops <= it are committed), so a
// restarted replica need not relearn how far its own log is committed.
struct LogRecord {
  View view;
  Slot base;
  std::vector<SlotValue> entries;
  Slot commit;
  bool operator==(const LogRecord&) const = default;
};
// Written after a snapshot covering every op <= `compacted` is durable: ops
// at or below it are forgotten. `entries` restate ops above it (overwriting,
// never dropping others), so once the last record of a compaction is durable
// every record before its first can be truncated from the log; a large
// compaction is split over several records, and replaying any prefix of
// them is safe.
struct CompactRecord {
  View view;
  View log_view;
  Slot compacted;
  Slot commit;
  std::vector<SlotValue> entries;
  bool operator==(const CompactRecord&) const = default;
};
using Record = std::variant<ViewRecord, LogRecord, CompactRecord>;

}  // namespace quorum::vsr
