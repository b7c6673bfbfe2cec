// What a Paxos node must remember across a crash. Written whole on every
// change (it is tiny); a message that depends on it leaves only once the
// write carrying it is durable (see Node).
#pragma once

#include <cstdint>
#include <optional>

#include "core/ballot.h"
#include "core/paxos_messages.h"

namespace quorum::paxos {

struct HardState {
  Ballot promised;                   // acceptor: never accept or promise below this
  std::optional<Proposal> accepted;  // acceptor: highest-ballot proposal accepted
  // proposer: highest round this node has used, so a restarted proposer never
  // reuses a ballot (which could carry a different value).
  std::uint64_t proposer_round = 0;
  bool operator==(const HardState&) const = default;
};

}  // namespace quorum::paxos
