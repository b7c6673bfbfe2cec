#include "core/wire_convert.h"

#include "core/ids.h"
#include "core/node_set.h"
#include "core/limits.h"

namespace quorum::wire_convert {

bool valid_node(std::uint32_t id) { return id >= 1 && id <= kMaxNodes; }

void to_wire(const Ballot& b, wire::Ballot* out) {
  out->set_round(b.round);
  out->set_node(b.node.value());
}

void to_wire(const log::Batch& b, wire::MpBatch* out) {
  for (const Value& c : b.commands) out->add_commands(c);
}

void to_wire(const log::SlotValue& e, wire::MpSlotValue* out) {
  out->set_slot(e.slot.value());
  to_wire(e.value, out->mutable_value());
}

void to_wire(const multipaxos::SlotVote& v, wire::MpSlotVote* out) {
  out->set_slot(v.slot.value());
  to_wire(v.ballot, out->mutable_ballot());
  to_wire(v.value, out->mutable_value());
}

Ballot from_wire(const wire::Ballot& b) {
  // Node 0 is only valid in the zero ballot.
  if (b.node() == 0 && b.round() != 0) throw Invalid{"ballot with round but no node"};
  if (b.node() != 0 && !valid_node(b.node())) throw Invalid{"ballot node id out of range"};
  return Ballot{b.round(), NodeId{b.node()}};
}

Value value_from_wire(const std::string& v) {
  if (v.size() > limits::kMaxValueBytes) throw Invalid{"value larger than the limit"};
  return v;
}

log::Batch batch_from_wire(const wire::MpBatch& b) {
  if (b.commands_size() > kMaxCommandsPerBatch) throw Invalid{"batch has too many commands"};
  log::Batch out;
  out.commands.reserve(static_cast<std::size_t>(b.commands_size()));
  for (const std::string& c : b.commands()) out.commands.push_back(value_from_wire(c));
  return out;
}

std::vector<log::SlotValue> slot_values_from_wire(
    const google::protobuf::RepeatedPtrField<wire::MpSlotValue>& r) {
  check_count(r);
  std::vector<log::SlotValue> out;
  for (const auto& e : r) out.push_back({Slot{e.slot()}, batch_from_wire(e.value())});
  return out;
}

std::vector<multipaxos::SlotVote> slot_votes_from_wire(
    const google::protobuf::RepeatedPtrField<wire::MpSlotVote>& r) {
  check_count(r);
  std::vector<multipaxos::SlotVote> out;
  for (const auto& v : r) out.push_back({Slot{v.slot()}, from_wire(v.ballot()), batch_from_wire(v.value())});
  return out;
}

Slot consecutive_from(Slot base, const std::vector<log::SlotValue>& entries, const char* what) {
  Slot last = base;
  for (const auto& e : entries) {
    if (last.value() == UINT64_MAX || e.slot.value() != last.value() + 1) {
      throw Invalid{std::string(what) + ": not consecutive ops after " + base.to_string()};
    }
    last = e.slot;
  }
  return last;
}

}  // namespace quorum::wire_convert
