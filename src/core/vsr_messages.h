// Viewstamped Replication messages (Liskov & Cowling, "Viewstamped
// Replication Revisited", 2012). Op numbers are log positions (Slot); each op
// is a batch of client commands, as in Multi-Paxos, so both logs feed the
// same state machine. Snapshots travel as log::SnapshotRequest /
// log::SnapshotChunk (core/log/), shared with Multi-Paxos.
//
// Departures from the paper, each to bound a message:
//  - Prepare carries a run of consecutive ops, not one.
//  - DoViewChange carries only the ops above the sender's commit number; a
//    new primary that lacks committed ops below the chosen log fetches them
//    (GetState answered with committed ops only) before starting the view.
//  - StartView and NewState carry the log above a `base` op; a replica whose
//    trusted log ends below `base` asks for the rest by state transfer.
#pragma once

#include <cstdint>
#include <vector>

#include "core/ids.h"
#include "core/log/entry.h"
#include "core/log/snapshot_messages.h"

namespace quorum::vsr {

// A view number. The primary of view v is replica (v mod n) + 1 of the fixed
// configuration, never chosen from whoever happens to be reachable.
using View = StrongId<struct ViewTag, std::uint64_t>;

using log::Batch;
using log::SlotValue;
using log::SnapshotChunk;
using log::SnapshotRequest;

// Primary -> backups: ops entries[0].op .. entries.back().op, consecutive.
struct Prepare {
  View view;
  std::vector<SlotValue> entries;
  Slot commit;  // the primary's commit number
  bool operator==(const Prepare&) const = default;
};
// Backup -> primary: every op <= `op` is durably in my log of `view`.
// Also the answer to a Commit heartbeat.
struct PrepareOk {
  View view;
  Slot op;
  bool operator==(const PrepareOk&) const = default;
};
// Primary -> backups when idle: the heartbeat.
struct Commit {
  View view;
  Slot commit;
  bool operator==(const Commit&) const = default;
};
struct StartViewChange {
  View view;
  bool operator==(const StartViewChange&) const = default;
};
struct DoViewChange {
  View view;
  View log_view;                  // the latest view in which the sender was normal
  Slot op;                        // the sender's last op
  Slot commit;                    // the sender's commit number
  std::vector<SlotValue> suffix;  // ops commit+1 .. op
  bool operator==(const DoViewChange&) const = default;
};
struct StartView {
  View view;
  Slot base;                       // entries start at base + 1
  std::vector<SlotValue> entries;  // the new log, base + 1 .. op
  Slot op;
  Slot commit;
  bool operator==(const StartView&) const = default;
};
// "Send me your log after `op`" (state transfer).
struct GetState {
  View view;
  Slot op;
  bool operator==(const GetState&) const = default;
};
struct NewState {
  View view;
  Slot base;                       // entries start at base + 1
  std::vector<SlotValue> entries;  // possibly only a part of what was asked
  Slot op;                         // the sender's last op
  Slot commit;                     // the sender's commit number
  // The sender is not normal in `view`: every entry is committed (<= commit),
  // and nothing is implied about the sender's log beyond them.
  bool committed_only = false;
  bool operator==(const NewState&) const = default;
};

}  // namespace quorum::vsr
