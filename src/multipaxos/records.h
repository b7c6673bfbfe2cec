// What a Multi-Paxos replica must remember across a crash, as the records it
// appends to durable storage: its promise, and every slot it accepted.
// Recovery replays them in order. (What was chosen and applied need not be
// durable here: it is learned again from peers.)
#pragma once

#include <cstdint>
#include <map>
#include <variant>
#include <vector>

#include "core/multipaxos_messages.h"

namespace quorum::multipaxos {

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
using Record = std::variant<PromiseRecord, AcceptRecord>;

struct Write {
  std::uint64_t seq;
  Record record;
};

// The acceptor state rebuilt from the records.
struct DurableState {
  Ballot promised;
  std::map<Slot, SlotVote> accepted;

  void apply(const Record& r);
};

}  // namespace quorum::multipaxos
