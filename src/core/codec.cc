#include "core/codec.h"

#include <zlib.h>

#include <cstring>

#include "core/node_set.h"
#include "core/proto/wire.pb.h"
#include "core/wire_convert.h"

namespace quorum {
namespace {

using namespace wire_convert;  // NOLINT: the conversions are this file's vocabulary

constexpr char kMagic[4] = {'Q', 'R', 'M', 'P'};

void put_u32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

std::uint32_t frame_crc(const char* header, std::string_view body) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(header), 12);
  // zlib takes uInt lengths; bodies are bounded far below 4 GiB.
  crc = crc32(crc, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
  return static_cast<std::uint32_t>(crc);
}

// ---- struct -> protobuf ----------------------------------------------------

void payload_to_wire(const Payload& payload, wire::Envelope* out) {
  std::visit(Overloaded{
                 [&](const paxos::Prepare& m) { to_wire(m.ballot, out->mutable_paxos_prepare()->mutable_ballot()); },
                 [&](const paxos::Promise& m) {
                   auto* w = out->mutable_paxos_promise();
                   to_wire(m.ballot, w->mutable_ballot());
                   if (m.accepted) {
                     to_wire(m.accepted->ballot, w->mutable_accepted()->mutable_ballot());
                     w->mutable_accepted()->set_value(m.accepted->value);
                   }
                 },
                 [&](const paxos::Accept& m) {
                   auto* w = out->mutable_paxos_accept();
                   to_wire(m.ballot, w->mutable_ballot());
                   w->set_value(m.value);
                 },
                 [&](const paxos::Accepted& m) {
                   auto* w = out->mutable_paxos_accepted();
                   to_wire(m.ballot, w->mutable_ballot());
                   w->set_value(m.value);
                 },
                 [&](const paxos::Nack& m) {
                   auto* w = out->mutable_paxos_nack();
                   to_wire(m.ballot, w->mutable_ballot());
                   to_wire(m.promised, w->mutable_promised());
                 },
                 [&](const paxos::LearnQuery&) { out->mutable_paxos_learn_query(); },
                 [&](const paxos::Decided& m) { out->mutable_paxos_decided()->set_value(m.value); },
                 [&](const multipaxos::Prepare& m) {
                   auto* w = out->mutable_mp_prepare();
                   to_wire(m.ballot, w->mutable_ballot());
                   w->set_from_slot(m.from_slot.value());
                 },
                 [&](const multipaxos::Promise& m) {
                   auto* w = out->mutable_mp_promise();
                   to_wire(m.ballot, w->mutable_ballot());
                   w->set_commit(m.commit.value());
                   for (const auto& e : m.chosen) to_wire(e, w->add_chosen());
                   for (const auto& v : m.votes) to_wire(v, w->add_votes());
                   w->set_compacted(m.compacted.value());
                 },
                 [&](const multipaxos::Accept& m) {
                   auto* w = out->mutable_mp_accept();
                   to_wire(m.ballot, w->mutable_ballot());
                   for (const auto& e : m.entries) to_wire(e, w->add_entries());
                   w->set_commit(m.commit.value());
                 },
                 [&](const multipaxos::Accepted& m) {
                   auto* w = out->mutable_mp_accepted();
                   to_wire(m.ballot, w->mutable_ballot());
                   for (Slot s : m.slots) w->add_slots(s.value());
                   w->set_commit(m.commit.value());
                 },
                 [&](const multipaxos::Nack& m) {
                   auto* w = out->mutable_mp_nack();
                   to_wire(m.ballot, w->mutable_ballot());
                   to_wire(m.promised, w->mutable_promised());
                 },
                 [&](const multipaxos::Heartbeat& m) {
                   auto* w = out->mutable_mp_heartbeat();
                   to_wire(m.ballot, w->mutable_ballot());
                   w->set_commit(m.commit.value());
                 },
                 [&](const multipaxos::HeartbeatReply& m) {
                   auto* w = out->mutable_mp_heartbeat_reply();
                   to_wire(m.ballot, w->mutable_ballot());
                   w->set_commit(m.commit.value());
                 },
                 [&](const multipaxos::CatchUpRequest& m) {
                   out->mutable_mp_catch_up_request()->set_from_slot(m.from_slot.value());
                 },
                 [&](const multipaxos::CatchUpReply& m) {
                   auto* w = out->mutable_mp_catch_up_reply();
                   for (const auto& e : m.chosen) to_wire(e, w->add_chosen());
                   w->set_commit(m.commit.value());
                 },
                 [&](const log::SnapshotRequest& m) {
                   auto* w = out->mutable_mp_snapshot_request();
                   w->set_index(m.index.value());
                   w->set_offset(m.offset);
                 },
                 [&](const log::SnapshotChunk& m) {
                   auto* w = out->mutable_mp_snapshot_chunk();
                   w->set_index(m.index.value());
                   w->set_offset(m.offset);
                   w->set_total(m.total);
                   w->set_data(m.data);
                   w->set_commit(m.commit.value());
                 },
                 [&](const vsr::Prepare& m) {
                   auto* w = out->mutable_vsr_prepare();
                   w->set_view(m.view.value());
                   for (const auto& e : m.entries) to_wire(e, w->add_entries());
                   w->set_commit(m.commit.value());
                 },
                 [&](const vsr::PrepareOk& m) {
                   auto* w = out->mutable_vsr_prepare_ok();
                   w->set_view(m.view.value());
                   w->set_op(m.op.value());
                 },
                 [&](const vsr::Commit& m) {
                   auto* w = out->mutable_vsr_commit();
                   w->set_view(m.view.value());
                   w->set_commit(m.commit.value());
                 },
                 [&](const vsr::StartViewChange& m) { out->mutable_vsr_start_view_change()->set_view(m.view.value()); },
                 [&](const vsr::DoViewChange& m) {
                   auto* w = out->mutable_vsr_do_view_change();
                   w->set_view(m.view.value());
                   w->set_log_view(m.log_view.value());
                   w->set_op(m.op.value());
                   w->set_commit(m.commit.value());
                   for (const auto& e : m.suffix) to_wire(e, w->add_suffix());
                 },
                 [&](const vsr::StartView& m) {
                   auto* w = out->mutable_vsr_start_view();
                   w->set_view(m.view.value());
                   w->set_base(m.base.value());
                   for (const auto& e : m.entries) to_wire(e, w->add_entries());
                   w->set_op(m.op.value());
                   w->set_commit(m.commit.value());
                 },
                 [&](const vsr::GetState& m) {
                   auto* w = out->mutable_vsr_get_state();
                   w->set_view(m.view.value());
                   w->set_op(m.op.value());
                 },
                 [&](const vsr::NewState& m) {
                   auto* w = out->mutable_vsr_new_state();
                   w->set_view(m.view.value());
                   w->set_base(m.base.value());
                   for (const auto& e : m.entries) to_wire(e, w->add_entries());
                   w->set_op(m.op.value());
                   w->set_commit(m.commit.value());
                   w->set_committed_only(m.committed_only);
                 },
                 [&](const Forward& m) {
                   auto* w = out->mutable_forward();
                   for (const Value& c : m.commands) w->add_commands(c);
                 },
             },
             payload);
}

// ---- protobuf -> struct, with validation -------------------------------------

Payload payload_from_wire(const wire::Envelope& w) {
  switch (w.payload_case()) {
    case wire::Envelope::kPaxosPrepare:
      return paxos::Prepare{from_wire(w.paxos_prepare().ballot())};
    case wire::Envelope::kPaxosPromise: {
      const auto& m = w.paxos_promise();
      paxos::Promise p{from_wire(m.ballot()), std::nullopt};
      if (m.has_accepted()) {
        p.accepted = Proposal{from_wire(m.accepted().ballot()), value_from_wire(m.accepted().value())};
      }
      return p;
    }
    case wire::Envelope::kPaxosAccept:
      return paxos::Accept{from_wire(w.paxos_accept().ballot()), value_from_wire(w.paxos_accept().value())};
    case wire::Envelope::kPaxosAccepted:
      return paxos::Accepted{from_wire(w.paxos_accepted().ballot()),
                             value_from_wire(w.paxos_accepted().value())};
    case wire::Envelope::kPaxosNack:
      return paxos::Nack{from_wire(w.paxos_nack().ballot()), from_wire(w.paxos_nack().promised())};
    case wire::Envelope::kPaxosLearnQuery:
      return paxos::LearnQuery{};
    case wire::Envelope::kPaxosDecided:
      return paxos::Decided{value_from_wire(w.paxos_decided().value())};
    case wire::Envelope::kMpPrepare:
      return multipaxos::Prepare{from_wire(w.mp_prepare().ballot()), Slot{w.mp_prepare().from_slot()}};
    case wire::Envelope::kMpPromise: {
      const auto& m = w.mp_promise();
      return multipaxos::Promise{from_wire(m.ballot()), Slot{m.commit()}, slot_values_from_wire(m.chosen()),
                                 slot_votes_from_wire(m.votes()), Slot{m.compacted()}};
    }
    case wire::Envelope::kMpAccept: {
      const auto& m = w.mp_accept();
      return multipaxos::Accept{from_wire(m.ballot()), slot_values_from_wire(m.entries()),
                                Slot{m.commit()}};
    }
    case wire::Envelope::kMpAccepted: {
      const auto& m = w.mp_accepted();
      check_count(m.slots());
      multipaxos::Accepted a{from_wire(m.ballot()), {}, Slot{m.commit()}};
      for (std::uint64_t s : m.slots()) a.slots.push_back(Slot{s});
      return a;
    }
    case wire::Envelope::kMpNack:
      return multipaxos::Nack{from_wire(w.mp_nack().ballot()), from_wire(w.mp_nack().promised())};
    case wire::Envelope::kMpHeartbeat:
      return multipaxos::Heartbeat{from_wire(w.mp_heartbeat().ballot()), Slot{w.mp_heartbeat().commit()}};
    case wire::Envelope::kMpHeartbeatReply:
      return multipaxos::HeartbeatReply{from_wire(w.mp_heartbeat_reply().ballot()),
                                        Slot{w.mp_heartbeat_reply().commit()}};
    case wire::Envelope::kMpCatchUpRequest:
      return multipaxos::CatchUpRequest{Slot{w.mp_catch_up_request().from_slot()}};
    case wire::Envelope::kMpCatchUpReply:
      return multipaxos::CatchUpReply{slot_values_from_wire(w.mp_catch_up_reply().chosen()),
                                      Slot{w.mp_catch_up_reply().commit()}};
    case wire::Envelope::kMpSnapshotRequest:
      return log::SnapshotRequest{Slot{w.mp_snapshot_request().index()},
                                         w.mp_snapshot_request().offset()};
    case wire::Envelope::kMpSnapshotChunk: {
      const auto& m = w.mp_snapshot_chunk();
      if (m.data().size() > limits::kMaxSnapshotChunkBytes) throw Invalid{"snapshot chunk larger than the limit"};
      if (m.total() > limits::kMaxSnapshotBytes) throw Invalid{"snapshot larger than the limit"};
      if (m.offset() > m.total() || m.data().size() > m.total() - m.offset()) {
        throw Invalid{"snapshot chunk outside the snapshot"};
      }
      return log::SnapshotChunk{Slot{m.index()}, m.offset(), m.total(), m.data(), Slot{m.commit()}};
    }
    // VSR: a core replaces its log with the ops a message carries, so each
    // run must be gapless and agree with the op and commit numbers beside it.
    case wire::Envelope::kVsrPrepare: {
      const auto& m = w.vsr_prepare();
      vsr::Prepare p{vsr::View{m.view()}, slot_values_from_wire(m.entries()), Slot{m.commit()}};
      if (p.entries.empty()) throw Invalid{"vsr prepare carries no ops"};
      if (p.entries.front().slot.value() == 0) throw Invalid{"vsr prepare of op 0"};
      consecutive_from(Slot{p.entries.front().slot.value() - 1}, p.entries, "vsr prepare entries");
      return p;
    }
    case wire::Envelope::kVsrPrepareOk:
      return vsr::PrepareOk{vsr::View{w.vsr_prepare_ok().view()}, Slot{w.vsr_prepare_ok().op()}};
    case wire::Envelope::kVsrCommit:
      return vsr::Commit{vsr::View{w.vsr_commit().view()}, Slot{w.vsr_commit().commit()}};
    case wire::Envelope::kVsrStartViewChange:
      return vsr::StartViewChange{vsr::View{w.vsr_start_view_change().view()}};
    case wire::Envelope::kVsrDoViewChange: {
      const auto& m = w.vsr_do_view_change();
      vsr::DoViewChange d{vsr::View{m.view()}, vsr::View{m.log_view()}, Slot{m.op()}, Slot{m.commit()},
                          slot_values_from_wire(m.suffix())};
      if (d.log_view > d.view) throw Invalid{"vsr do-view-change log view above its view"};
      if (d.commit > d.op) throw Invalid{"vsr do-view-change commit above its op"};
      if (consecutive_from(d.commit, d.suffix, "vsr do-view-change suffix") != d.op) {
        throw Invalid{"vsr do-view-change suffix does not end at its op"};
      }
      return d;
    }
    case wire::Envelope::kVsrStartView: {
      const auto& m = w.vsr_start_view();
      vsr::StartView v{vsr::View{m.view()}, Slot{m.base()}, slot_values_from_wire(m.entries()), Slot{m.op()},
                       Slot{m.commit()}};
      if (v.commit > v.op) throw Invalid{"vsr start-view commit above its op"};
      if (v.base > v.op) throw Invalid{"vsr start-view base above its op"};
      if (consecutive_from(v.base, v.entries, "vsr start-view entries") != v.op) {
        throw Invalid{"vsr start-view entries do not end at its op"};
      }
      return v;
    }
    case wire::Envelope::kVsrGetState:
      return vsr::GetState{vsr::View{w.vsr_get_state().view()}, Slot{w.vsr_get_state().op()}};
    case wire::Envelope::kVsrNewState: {
      const auto& m = w.vsr_new_state();
      vsr::NewState n{vsr::View{m.view()}, Slot{m.base()}, slot_values_from_wire(m.entries()), Slot{m.op()},
                      Slot{m.commit()}, m.committed_only()};
      const Slot last = consecutive_from(n.base, n.entries, "vsr new-state entries");
      if (n.commit > n.op) throw Invalid{"vsr new-state commit above its op"};
      // A committed-only answer vouches for nothing uncommitted.
      if (!n.entries.empty() && last > (n.committed_only ? n.commit : n.op)) {
        throw Invalid{n.committed_only ? "vsr committed-only new-state entry above its commit"
                                       : "vsr new-state entry above its op"};
      }
      return n;
    }
    case wire::Envelope::kForward: {
      const auto& m = w.forward();
      if (m.commands_size() > kMaxCommandsPerBatch) throw Invalid{"forward has too many commands"};
      Forward f;
      f.commands.reserve(static_cast<std::size_t>(m.commands_size()));
      for (const auto& c : m.commands()) {
        if (c.size() > limits::kMaxValueBytes) throw Invalid{"value larger than the limit"};
        f.commands.push_back(c);
      }
      return f;
    }
    case wire::Envelope::PAYLOAD_NOT_SET:
      break;
  }
  throw Invalid{"missing or unknown message type"};
}

}  // namespace

const char* decode_error_name(DecodeErrorKind kind) {
  switch (kind) {
    case DecodeErrorKind::kNeedMore: return "need-more";
    case DecodeErrorKind::kBadMagic: return "bad-magic";
    case DecodeErrorKind::kBadVersion: return "bad-version";
    case DecodeErrorKind::kTooLarge: return "too-large";
    case DecodeErrorKind::kBadChecksum: return "bad-checksum";
    case DecodeErrorKind::kMalformed: return "malformed";
    case DecodeErrorKind::kInvalid: return "invalid";
  }
  return "unknown";
}

std::string encode_frame(const Envelope& envelope) {
  wire::Envelope w;
  w.set_from(envelope.from.value());
  w.set_to(envelope.to.value());
  payload_to_wire(envelope.payload, &w);
  // Run the decoder's own field checks, so that what quorum sends and what it
  // accepts cannot drift apart.
  QUORUM_ASSERT(valid_node(w.from()) && valid_node(w.to()),
                "encoding a frame with a node id out of range");
  std::string invalid;
  try {
    (void)payload_from_wire(w);
  } catch (const Invalid& inv) {
    invalid = inv.why;
  }
  QUORUM_ASSERT(invalid.empty(), "encoding an envelope the decoder would reject: " + invalid);
  std::string body = w.SerializeAsString();
  QUORUM_ASSERT(body.size() <= limits::kMaxFrameBodyBytes, "encoding a frame over the limit");

  std::string frame(kFrameHeaderBytes, '\0');
  std::memcpy(frame.data(), kMagic, 4);
  frame[4] = static_cast<char>(kWireVersion);
  put_u32(frame.data() + 8, static_cast<std::uint32_t>(body.size()));
  put_u32(frame.data() + 12, frame_crc(frame.data(), body));
  frame += body;
  return frame;
}

Result<DecodedFrame, DecodeError> decode_frame(std::string_view bytes, std::size_t max_body_bytes) {
  using K = DecodeErrorKind;
  if (bytes.size() < kFrameHeaderBytes) return DecodeError{K::kNeedMore, "incomplete header"};
  if (std::memcmp(bytes.data(), kMagic, 4) != 0) return DecodeError{K::kBadMagic, "bad frame magic"};
  auto version = static_cast<std::uint8_t>(bytes[4]);
  if (version != kWireVersion) {
    return DecodeError{K::kBadVersion, "unsupported wire version " + std::to_string(version)};
  }
  if (bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0) {
    return DecodeError{K::kBadVersion, "reserved header bytes are not zero"};
  }
  std::uint32_t body_len = get_u32(bytes.data() + 8);
  if (body_len > max_body_bytes) {
    return DecodeError{K::kTooLarge, "frame body of " + std::to_string(body_len) +
                                         " bytes exceeds the limit of " +
                                         std::to_string(max_body_bytes)};
  }
  if (bytes.size() < kFrameHeaderBytes + body_len) return DecodeError{K::kNeedMore, "incomplete body"};
  std::string_view body = bytes.substr(kFrameHeaderBytes, body_len);
  if (frame_crc(bytes.data(), body) != get_u32(bytes.data() + 12)) {
    return DecodeError{K::kBadChecksum, "frame checksum mismatch"};
  }

  wire::Envelope w;
  if (!w.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return DecodeError{K::kMalformed, "frame body is not a valid envelope"};
  }
  if (!valid_node(w.from()) || !valid_node(w.to())) {
    return DecodeError{K::kInvalid, "sender or receiver node id out of range"};
  }
  try {
    Envelope e{NodeId{w.from()}, NodeId{w.to()}, payload_from_wire(w)};
    return DecodedFrame{std::move(e), kFrameHeaderBytes + body_len};
  } catch (const Invalid& inv) {
    return DecodeError{K::kInvalid, inv.why};
  }
}

}  // namespace quorum
