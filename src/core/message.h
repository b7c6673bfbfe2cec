// The peer message envelope: every protocol's messages in one closed variant,
// so the codec and every dispatcher are checked for exhaustiveness at compile
// time (adding a message type fails the build until it is handled everywhere).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "core/ids.h"
#include "core/multipaxos_messages.h"
#include "core/paxos_messages.h"
#include "core/vsr_messages.h"

namespace quorum {

// Commands a replica relays, for clients connected to it, to the replica it
// believes leads (every replica accepts every command). Not a protocol
// message: the runtime hands them to its core's submit(); cores ignore it.
struct Forward {
  std::vector<Value> commands;
  bool operator==(const Forward&) const = default;
};

using Payload = std::variant<
    // single-decree Paxos
    paxos::Prepare, paxos::Promise, paxos::Accept, paxos::Accepted, paxos::Nack,
    paxos::LearnQuery, paxos::Decided,
    // Multi-Paxos
    multipaxos::Prepare, multipaxos::Promise, multipaxos::Accept, multipaxos::Accepted,
    multipaxos::Nack, multipaxos::Heartbeat, multipaxos::HeartbeatReply,
    multipaxos::CatchUpRequest, multipaxos::CatchUpReply, multipaxos::SnapshotRequest,
    multipaxos::SnapshotChunk,
    // Viewstamped Replication (snapshots travel as multipaxos::Snapshot*)
    vsr::Prepare, vsr::PrepareOk, vsr::Commit, vsr::StartViewChange, vsr::DoViewChange,
    vsr::StartView, vsr::GetState, vsr::NewState,
    // runtime
    Forward>;

struct Envelope {
  NodeId from;
  NodeId to;
  Payload payload;
  bool operator==(const Envelope&) const = default;
};

// Short human name of a payload type ("Prepare", "Promise", ...).
const char* payload_name(const Payload& p);
// One-line human rendering, used in traces and the demo.
std::string describe(const Envelope& e);

// For std::visit over a closed set of lambdas.
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace quorum
