// What a Multi-Paxos replica must remember across a crash, as the records it
// appends to durable storage (core/records.h): its promise, every slot it
// accepted, and how far a durable snapshot lets it forget. Recovery replays
// them in order. (What was chosen and applied need not be durable here: it
// is in the snapshot or learned again from peers.)
#pragma once

#include <cstdint>
#include <map>
#include <variant>
#include <vector>

#include "core/multipaxos_messages.h"
#include "core/records.h"
#include "core/state_digest.h"

namespace quorum::multipaxos {

struct Write {
  std::uint64_t seq;
  Record record;
};

// The acceptor state rebuilt from the records.
struct DurableState {
  Ballot promised;
  std::map<Slot, SlotVote> accepted;  // slots above `compacted` only
  Slot compacted{0};                  // a durable snapshot covers every slot <= this

  void apply(const Record& r);
  // What decides a restart (the model checker's fingerprint of a disk).
  void digest(StateDigest& d) const;
};

}  // namespace quorum::multipaxos
