// Conversions between the core's structs and their protobuf form
// (core/proto/wire.proto), shared by the peer codec (core/codec.h) and the
// durable record codec (core/record_codec.h). Decoding validates every field
// a core relies on and throws Invalid on the first bad one; the public codecs
// turn that into an error result. Internal to core/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ballot.h"
#include "core/multipaxos_messages.h"
#include "core/paxos_messages.h"
#include "core/proto/wire.pb.h"

namespace quorum::wire_convert {

struct Invalid {
  std::string why;
};

// Bounds on repeated fields, so hostile bytes cannot make a core iterate
// over millions of entries (the frame size bounds bytes, not elements).
inline constexpr int kMaxCommandsPerBatch = 1 << 16;
inline constexpr int kMaxEntriesPerMessage = 1 << 16;

bool valid_node(std::uint32_t id);

void to_wire(const Ballot& b, wire::Ballot* out);
void to_wire(const log::Batch& b, wire::MpBatch* out);
void to_wire(const log::SlotValue& e, wire::MpSlotValue* out);
void to_wire(const multipaxos::SlotVote& v, wire::MpSlotVote* out);

Ballot from_wire(const wire::Ballot& b);
Value value_from_wire(const std::string& v);
log::Batch batch_from_wire(const wire::MpBatch& b);
std::vector<log::SlotValue> slot_values_from_wire(
    const google::protobuf::RepeatedPtrField<wire::MpSlotValue>& r);
std::vector<multipaxos::SlotVote> slot_votes_from_wire(
    const google::protobuf::RepeatedPtrField<wire::MpSlotVote>& r);

// Checks that `entries` are the ops base+1, base+2, ... with no gap (none is
// fine) and returns the last one (`base` when there are none). Logs are
// replaced by such runs, so a gap or a repeat would leave a hole a core
// believes filled. Wrapping past 2^64-1 counts as a gap. `what` names the
// field in the error.
Slot consecutive_from(Slot base, const std::vector<log::SlotValue>& entries, const char* what);

template <typename Repeated>
void check_count(const Repeated& r) {
  if (r.size() > kMaxEntriesPerMessage) throw Invalid{"too many entries in one message"};
}

}  // namespace quorum::wire_convert
