// What a replicated-log core (multipaxos::Replica, vsr::Replica) hands its
// host, and what the host hands back. Both cores share these so one host
// (host/replica_host.h) drives either, in the simulator, the model checker
// and the server.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/log/entry.h"
#include "core/message.h"

namespace quorum::log {

// A snapshot received from a peer: the harness restores its state machine
// from `bytes` (the state after every slot <= index), makes it durable, and
// then calls compact(index, bytes).
struct SnapshotInstall {
  Slot index;
  std::shared_ptr<const std::string> bytes;
};

// A snapshot this replica already has (from its own disk at restart).
struct RecoveredSnapshot {
  Slot index{0};
  std::shared_ptr<const std::string> bytes;
};

template <class Write>
struct Output {
  std::vector<Write> writes;                 // append in order; on_durable(seq) when done
  std::optional<SnapshotInstall> snapshot;   // apply before `committed`
  std::vector<Envelope> messages;            // safe to send now
  std::vector<SlotValue> committed;    // apply in this order
  std::vector<Value> dropped;  // queued commands a deposed leader never proposed
  bool became_leader = false;
  bool stepped_down = false;
};

// kAccepted also when the same command is already queued or in flight.
enum class SubmitStatus { kAccepted, kNotLeader, kBusy };
struct SubmitResult {
  SubmitStatus status;
  NodeId leader_hint;  // with kNotLeader: who this replica believes leads (or 0)
};

}  // namespace quorum::log
