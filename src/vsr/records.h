// What a VSR replica must remember across a crash (core/records.h): its view,
// the latest view in which it was normal, its log, and how far a durable
// snapshot lets it forget. Recovery replays the records in order.
#pragma once

#include <cstdint>
#include <map>

#include "core/records.h"
#include "core/state_digest.h"

namespace quorum::vsr {

struct Write {
  std::uint64_t seq;
  Record record;
};

struct DurableState {
  View view;
  View log_view;
  std::map<Slot, Batch> log;  // ops above `compacted` only
  Slot compacted{0};          // a durable snapshot covers every op <= this
  Slot commit{0};             // ops <= commit are known committed
  bool any = false;           // a record was replayed: this is a restart

  void apply(const Record& r);
  // What decides a restart (the model checker's fingerprint of a disk).
  void digest(StateDigest& d) const;
};

}  // namespace quorum::vsr
