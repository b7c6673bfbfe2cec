// How the decoder treats bytes that are not a valid frame. Hostile frames are
// built by hand (frame_builder.h) so that each case breaks exactly one thing.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/assert.h"
#include "core/codec.h"
#include "core/limits.h"
#include "frame_builder.h"
#include "printers.h"

namespace quorum {
namespace {

using K = DecodeErrorKind;

Ballot B(std::uint64_t round, std::uint32_t node) { return Ballot{round, NodeId{node}}; }
vsr::View V(std::uint64_t v) { return vsr::View{v}; }

// VSR entries at the given ops, each one command.
std::vector<vsr::SlotValue> ops(std::initializer_list<std::uint64_t> slots) {
  std::vector<vsr::SlotValue> out;
  for (std::uint64_t s : slots) out.push_back({Slot{s}, {{"op" + std::to_string(s)}}});
  return out;
}

// Small valid envelopes: every single-decree type, and the Multi-Paxos and
// VSR ones with nested repeated fields.
std::vector<Envelope> sample_envelopes() {
  const NodeId a{1}, b{64};
  return {
      {a, b, paxos::Prepare{B(1, 1)}},
      {b, a, paxos::Promise{B(2, 1), std::nullopt}},
      {a, b, paxos::Promise{B(9, 3), Proposal{B(4, 2), "x=1"}}},
      {a, b, paxos::Accept{B(3, 1), std::string("bin\0ary", 7)}},
      {a, b, paxos::Accepted{B(UINT64_MAX, 64), ""}},
      {a, b, paxos::Nack{B(1, 1), B(5, 7)}},
      {a, a, paxos::LearnQuery{}},
      {b, b, paxos::Decided{std::string(300, 'v')}},
      {a, b, multipaxos::Accept{B(2, 1), {{Slot{6}, {{"put k v", ""}}}, {Slot{7}, {}}}, Slot{5}}},
      {b, a, multipaxos::Promise{B(2, 1), Slot{3}, {{Slot{4}, {{"c"}}}}, {{Slot{5}, B(1, 2), {}}}, Slot{2}}},
      {a, b, multipaxos::Accepted{B(2, 1), {Slot{6}, Slot{1ull << 40}}, Slot{5}}},
      {a, b, vsr::Prepare{V(3), ops({5, 6}), Slot{4}}},
      {b, a, vsr::DoViewChange{V(4), V(3), Slot{6}, Slot{4}, ops({5, 6})}},
      {a, b, vsr::NewState{V(4), Slot{2}, ops({3, 4}), Slot{4}, Slot{4}, true}},
  };
}

K decode_kind(std::string_view bytes, std::size_t max_body = limits::kMaxFrameBodyBytes) {
  auto r = decode_frame(bytes, max_body);
  if (r.ok()) {
    ADD_FAILURE() << "decoded a message it should have rejected: " << describe(r.value().envelope);
    return K::kNeedMore;  // any value; the failure is already recorded
  }
  return r.error().kind;
}

wire::Envelope wire_prepare(std::uint32_t from, std::uint32_t to) {
  wire::Envelope w;
  w.set_from(from);
  w.set_to(to);
  w.mutable_paxos_prepare()->mutable_ballot()->set_round(1);
  w.mutable_paxos_prepare()->mutable_ballot()->set_node(from);
  return w;
}

TEST(CodecErrors, EveryStrictPrefixNeedsMore) {
  auto envelopes = sample_envelopes();
  envelopes.push_back({NodeId{2}, NodeId{3}, paxos::Accept{B(1, 2), std::string(5000, 'z')}});
  for (const Envelope& e : envelopes) {
    const std::string frame = encode_frame(e);
    for (std::size_t len = 0; len < frame.size(); ++len) {
      auto r = decode_frame(std::string_view(frame).substr(0, len));
      ASSERT_FALSE(r.ok()) << describe(e) << " prefix " << len;
      ASSERT_EQ(r.error().kind, K::kNeedMore) << describe(e) << " prefix " << len;
    }
    EXPECT_TRUE(decode_frame(frame).ok()) << describe(e);
  }
}

TEST(CodecErrors, BadMagic) {
  const std::string body = wire_prepare(1, 2).SerializeAsString();
  for (const char* magic : {"QRMQ", "qrmp", "PMRQ", "\0\0\0\0"}) {
    test::RawHeader h;
    std::copy(magic, magic + 4, h.magic.begin());
    EXPECT_EQ(decode_kind(test::build_frame(body, h)), K::kBadMagic) << magic;
  }
  // Someone speaking HTTP (or a stream that lost sync) to the peer port.
  EXPECT_EQ(decode_kind("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), K::kBadMagic);
}

TEST(CodecErrors, BadVersion) {
  const std::string body = wire_prepare(1, 2).SerializeAsString();
  for (int version : {0, 2, 0x81, 255}) {
    test::RawHeader h;
    h.version = static_cast<std::uint8_t>(version);
    EXPECT_EQ(decode_kind(test::build_frame(body, h)), K::kBadVersion) << version;
  }
}

// Reserved bytes belong to some future version; a frame using them is one
// this binary does not understand, even though its checksum is right.
TEST(CodecErrors, NonzeroReservedBytes) {
  const std::string body = wire_prepare(1, 2).SerializeAsString();
  for (std::size_t i = 0; i < 3; ++i) {
    for (int v : {1, 0x80, 0xff}) {
      test::RawHeader h;
      h.reserved[i] = static_cast<std::uint8_t>(v);
      EXPECT_EQ(decode_kind(test::build_frame(body, h)), K::kBadVersion)
          << "reserved byte " << i << " = " << v;
    }
  }
}

// The length is judged from the 16 header bytes alone: a peer announcing a
// huge frame is refused before anyone waits for (or buffers) its body.
TEST(CodecErrors, OversizedBodyIsRefusedFromTheHeaderAlone) {
  for (std::uint32_t len : {static_cast<std::uint32_t>(limits::kMaxFrameBodyBytes + 1),
                            std::uint32_t{1} << 31, UINT32_MAX}) {
    test::RawHeader h;
    h.length = len;
    const std::string header_only = test::build_frame("", h);
    ASSERT_EQ(header_only.size(), kFrameHeaderBytes);
    EXPECT_EQ(decode_kind(header_only), K::kTooLarge) << len;
  }
  // Exactly at the limit is allowed: the decoder waits for the body.
  test::RawHeader at_limit;
  at_limit.length = static_cast<std::uint32_t>(limits::kMaxFrameBodyBytes);
  EXPECT_EQ(decode_kind(test::build_frame("", at_limit)), K::kNeedMore);
}

TEST(CodecErrors, CallerChosenBodyLimit) {
  const std::string frame = encode_frame({NodeId{1}, NodeId{2}, paxos::Decided{"0123456789"}});
  const std::size_t body = frame.size() - kFrameHeaderBytes;
  EXPECT_EQ(decode_kind(frame, body - 1), K::kTooLarge);
  EXPECT_EQ(decode_kind(std::string_view(frame).substr(0, kFrameHeaderBytes), body - 1),
            K::kTooLarge);
  EXPECT_TRUE(decode_frame(frame, body).ok());
}

// What a single flipped bit must produce, given where it landed.
K expected_for_flip(const std::string& flipped, std::size_t byte) {
  if (byte < 4) return K::kBadMagic;
  if (byte < 8) return K::kBadVersion;  // version or reserved
  if (byte < 12) {
    const std::uint32_t len = test::read_le32(flipped, 8);
    if (len > limits::kMaxFrameBodyBytes) return K::kTooLarge;
    if (kFrameHeaderBytes + len > flipped.size()) return K::kNeedMore;
  }
  return K::kBadChecksum;  // checksum field, a shrunken length, or the body
}

TEST(CodecErrors, EverySingleBitFlipIsRejected) {
  for (const Envelope& e : sample_envelopes()) {
    const std::string frame = encode_frame(e);
    for (std::size_t bit = 0; bit < frame.size() * 8; ++bit) {
      std::string flipped = frame;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      auto r = decode_frame(flipped);
      ASSERT_FALSE(r.ok()) << describe(e) << " bit " << bit << " decoded as "
                           << describe(r.value().envelope);
      EXPECT_EQ(r.error().kind, expected_for_flip(flipped, bit / 8))
          << describe(e) << " bit " << bit;
    }
  }
}

TEST(CodecErrors, GarbageBodyWithGoodChecksumIsMalformed) {
  const std::vector<std::string> bodies = {
      std::string("\xff\xff\xff", 3),          // a varint that never ends
      std::string("\x0f", 1),                  // field 1 with wire type 7, which does not exist
      std::string("\x52\x10", 2),              // Prepare announcing 16 bytes that are absent
      std::string("\x52\x03\x0a\x05\x08", 5),  // nested length runs past its parent
      std::string("\x08", 1),                  // a tag with no value
      std::string("\x00", 1),                  // field number 0 is illegal
  };
  for (const std::string& body : bodies) {
    EXPECT_EQ(decode_kind(test::build_frame(body)), K::kMalformed)
        << "body bytes: " << testing::PrintToString(body);
  }
}

struct InvalidCase {
  const char* name;
  std::function<void(wire::Envelope&)> corrupt;
};

void set_value(std::string* v, std::size_t n) { v->assign(n, 'v'); }

// Appends empty batches at the given ops to a repeated VSR entries field.
void add_ops(google::protobuf::RepeatedPtrField<wire::MpSlotValue>* entries,
             std::initializer_list<std::uint64_t> slots) {
  for (std::uint64_t s : slots) entries->Add()->set_slot(s);
}

const std::size_t kTooBig = limits::kMaxValueBytes + 1;
// Per-message element bound in core/codec.cc (not exported, so stated here).
constexpr int kMaxCount = 1 << 16;

const InvalidCase kInvalid[] = {
    {"from 0", [](wire::Envelope& w) { w.set_from(0); }},
    {"to 0", [](wire::Envelope& w) { w.set_to(0); }},
    {"from 65", [](wire::Envelope& w) { w.set_from(65); }},
    {"to 65", [](wire::Envelope& w) { w.set_to(65); }},
    {"to 2^32-1", [](wire::Envelope& w) { w.set_to(UINT32_MAX); }},
    {"no payload", [](wire::Envelope& w) { w.clear_payload(); }},
    {"prepare ballot node 65",
     [](wire::Envelope& w) { w.mutable_paxos_prepare()->mutable_ballot()->set_node(65); }},
    {"prepare ballot with a round but node 0",
     [](wire::Envelope& w) { w.mutable_paxos_prepare()->mutable_ballot()->set_node(0); }},
    {"promise accepted ballot node 65",
     [](wire::Envelope& w) {
       w.mutable_paxos_promise()->mutable_accepted()->mutable_ballot()->set_node(65);
     }},
    {"nack promised node 65",
     [](wire::Envelope& w) { w.mutable_paxos_nack()->mutable_promised()->set_node(65); }},
    {"accept value over the limit",
     [](wire::Envelope& w) { set_value(w.mutable_paxos_accept()->mutable_value(), kTooBig); }},
    {"accepted value over the limit",
     [](wire::Envelope& w) { set_value(w.mutable_paxos_accepted()->mutable_value(), kTooBig); }},
    {"decided value over the limit",
     [](wire::Envelope& w) { set_value(w.mutable_paxos_decided()->mutable_value(), kTooBig); }},
    {"promise accepted value over the limit",
     [](wire::Envelope& w) {
       set_value(w.mutable_paxos_promise()->mutable_accepted()->mutable_value(), kTooBig);
     }},
    // Multi-Paxos: the same limits inside batches and votes, plus element
    // counts (the frame size bounds bytes, not how many entries a core walks).
    {"mp accept command over the limit",
     [](wire::Envelope& w) {
       set_value(w.mutable_mp_accept()->add_entries()->mutable_value()->add_commands(), kTooBig);
     }},
    {"mp promise vote ballot node 65",
     [](wire::Envelope& w) {
       w.mutable_mp_promise()->add_votes()->mutable_ballot()->set_node(65);
     }},
    {"mp batch with one command too many",
     [](wire::Envelope& w) {
       auto* batch = w.mutable_mp_accept()->add_entries()->mutable_value();
       for (int i = 0; i < kMaxCount + 1; ++i) batch->add_commands();
     }},
    {"mp accepted with one slot too many",
     [](wire::Envelope& w) {
       for (int i = 0; i < kMaxCount + 1; ++i) w.mutable_mp_accepted()->add_slots(1);
     }},
    {"mp catch-up reply with one entry too many",
     [](wire::Envelope& w) {
       for (int i = 0; i < kMaxCount + 1; ++i) w.mutable_mp_catch_up_reply()->add_chosen();
     }},
    {"mp promise with one vote too many",
     [](wire::Envelope& w) {
       for (int i = 0; i < kMaxCount + 1; ++i) w.mutable_mp_promise()->add_votes();
     }},
    // VSR: a core replaces its log with the runs these carry, so a run with a
    // gap, or one that disagrees with the op and commit numbers beside it,
    // never reaches it.
    {"vsr prepare with no ops", [](wire::Envelope& w) { w.mutable_vsr_prepare()->set_view(1); }},
    {"vsr prepare of op 0", [](wire::Envelope& w) { add_ops(w.mutable_vsr_prepare()->mutable_entries(), {0, 1}); }},
    {"vsr prepare with a gap",
     [](wire::Envelope& w) { add_ops(w.mutable_vsr_prepare()->mutable_entries(), {5, 7}); }},
    {"vsr prepare with a repeated op",
     [](wire::Envelope& w) { add_ops(w.mutable_vsr_prepare()->mutable_entries(), {5, 5}); }},
    {"vsr prepare with ops out of order",
     [](wire::Envelope& w) { add_ops(w.mutable_vsr_prepare()->mutable_entries(), {6, 5}); }},
    {"vsr prepare wrapping past the largest op",
     [](wire::Envelope& w) { add_ops(w.mutable_vsr_prepare()->mutable_entries(), {UINT64_MAX, 0}); }},
    {"vsr prepare with one entry too many",
     [](wire::Envelope& w) {
       auto* entries = w.mutable_vsr_prepare()->mutable_entries();
       for (int i = 0; i < kMaxCount + 1; ++i) entries->Add()->set_slot(static_cast<std::uint64_t>(i) + 1);
     }},
    {"vsr do-view-change log view above its view",
     [](wire::Envelope& w) {
       w.mutable_vsr_do_view_change()->set_view(3);
       w.mutable_vsr_do_view_change()->set_log_view(4);
     }},
    {"vsr do-view-change commit above its op",
     [](wire::Envelope& w) {
       w.mutable_vsr_do_view_change()->set_op(4);
       w.mutable_vsr_do_view_change()->set_commit(5);
     }},
    {"vsr do-view-change without the ops above commit",
     [](wire::Envelope& w) {
       w.mutable_vsr_do_view_change()->set_op(5);
       w.mutable_vsr_do_view_change()->set_commit(4);
     }},
    {"vsr do-view-change suffix short of its op",
     [](wire::Envelope& w) {
       auto* m = w.mutable_vsr_do_view_change();
       m->set_op(6);
       m->set_commit(4);
       add_ops(m->mutable_suffix(), {5});
     }},
    {"vsr do-view-change suffix not right above commit",
     [](wire::Envelope& w) {
       auto* m = w.mutable_vsr_do_view_change();
       m->set_op(6);
       m->set_commit(4);
       add_ops(m->mutable_suffix(), {6});
     }},
    {"vsr do-view-change suffix past its op",
     [](wire::Envelope& w) {
       auto* m = w.mutable_vsr_do_view_change();
       m->set_op(5);
       m->set_commit(4);
       add_ops(m->mutable_suffix(), {5, 6});
     }},
    {"vsr start-view commit above its op",
     [](wire::Envelope& w) {
       w.mutable_vsr_start_view()->set_op(4);
       w.mutable_vsr_start_view()->set_base(4);
       w.mutable_vsr_start_view()->set_commit(5);
     }},
    {"vsr start-view base above its op",
     [](wire::Envelope& w) {
       w.mutable_vsr_start_view()->set_op(4);
       w.mutable_vsr_start_view()->set_base(5);
     }},
    {"vsr start-view entries short of its op",
     [](wire::Envelope& w) {
       auto* m = w.mutable_vsr_start_view();
       m->set_base(4);
       m->set_op(6);
       add_ops(m->mutable_entries(), {5});
     }},
    {"vsr start-view entries with a gap",
     [](wire::Envelope& w) {
       auto* m = w.mutable_vsr_start_view();
       m->set_base(4);
       m->set_op(7);
       add_ops(m->mutable_entries(), {5, 7});
     }},
    {"vsr new-state entries not right above base",
     [](wire::Envelope& w) {
       auto* m = w.mutable_vsr_new_state();
       m->set_base(4);
       m->set_op(6);
       add_ops(m->mutable_entries(), {6});
     }},
    {"vsr new-state entries with a gap",
     [](wire::Envelope& w) {
       auto* m = w.mutable_vsr_new_state();
       m->set_base(4);
       m->set_op(7);
       add_ops(m->mutable_entries(), {5, 7});
     }},
    {"vsr new-state commit above its op",
     [](wire::Envelope& w) {
       w.mutable_vsr_new_state()->set_op(4);
       w.mutable_vsr_new_state()->set_commit(5);
     }},
    {"vsr new-state with an op above its op",
     [](wire::Envelope& w) {
       auto* m = w.mutable_vsr_new_state();
       m->set_base(4);
       m->set_op(5);
       add_ops(m->mutable_entries(), {5, 6});
     }},
    {"vsr committed-only new-state with an op above its commit",
     [](wire::Envelope& w) {
       auto* m = w.mutable_vsr_new_state();
       m->set_base(4);
       m->set_op(9);
       m->set_commit(5);
       m->set_committed_only(true);
       add_ops(m->mutable_entries(), {5, 6});
     }},
};

TEST(CodecErrors, OutOfRangeFieldsAreInvalid) {
  for (const auto& c : kInvalid) {
    wire::Envelope w = wire_prepare(3, 4);
    c.corrupt(w);
    EXPECT_EQ(decode_kind(test::build_frame(w)), K::kInvalid) << c.name;
  }
}

// The boundaries themselves are legal, so the checks above are not rejecting
// everything near the edge.
TEST(CodecErrors, BoundaryValuesAreAccepted) {
  wire::Envelope w;
  w.set_from(1);
  w.set_to(64);
  w.mutable_paxos_accept()->mutable_ballot()->set_round(UINT64_MAX);
  w.mutable_paxos_accept()->mutable_ballot()->set_node(64);
  set_value(w.mutable_paxos_accept()->mutable_value(), limits::kMaxValueBytes);
  auto r = decode_frame(test::build_frame(w));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& accept = std::get<paxos::Accept>(r.value().envelope.payload);
  EXPECT_EQ(accept.ballot, B(UINT64_MAX, 64));
  EXPECT_EQ(accept.value.size(), limits::kMaxValueBytes);

  // Element counts exactly at the bound are accepted.
  wire::Envelope mp;
  mp.set_from(1);
  mp.set_to(2);
  auto* batch = mp.mutable_mp_accept()->add_entries()->mutable_value();
  for (int i = 0; i < kMaxCount; ++i) batch->add_commands();
  auto m = decode_frame(test::build_frame(mp));
  ASSERT_TRUE(m.ok()) << m.error().message;
  const auto& mp_accept = std::get<multipaxos::Accept>(m.value().envelope.payload);
  EXPECT_EQ(mp_accept.entries.at(0).value.commands.size(), static_cast<std::size_t>(kMaxCount));

  // A ballot left unset on the wire is the zero ballot, which is legal.
  wire::Envelope nack;
  nack.set_from(2);
  nack.set_to(3);
  nack.mutable_paxos_nack();
  auto n = decode_frame(test::build_frame(nack));
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n.value().envelope.payload, Payload(paxos::Nack{Ballot::zero(), Ballot::zero()}));
}

// The edges of the VSR run rules are legal: empty runs where the numbers
// allow them, runs ending at the largest op, a state transfer answering an
// asker that is ahead. encode_frame asserts what the decoder accepts, so
// encoding alone would already fail on a rejected one.
TEST(CodecErrors, VsrBoundaryValuesAreAccepted) {
  constexpr std::uint64_t kTop = UINT64_MAX;
  const std::vector<Payload> good = {
      vsr::Prepare{V(1), ops({1}), Slot{0}},
      vsr::Prepare{V(1), ops({kTop - 1, kTop}), Slot{kTop}},
      vsr::DoViewChange{V(3), V(3), Slot{4}, Slot{4}, {}},
      vsr::DoViewChange{V(3), V(0), Slot{kTop}, Slot{kTop}, {}},
      vsr::DoViewChange{V(3), V(2), Slot{kTop}, Slot{kTop - 1}, ops({kTop})},
      vsr::StartView{V(2), Slot{7}, {}, Slot{7}, Slot{7}},
      vsr::StartView{V(2), Slot{kTop}, {}, Slot{kTop}, Slot{0}},
      vsr::StartView{V(2), Slot{0}, ops({1, 2}), Slot{2}, Slot{2}},
      vsr::NewState{V(2), Slot{9}, {}, Slot{3}, Slot{3}, false},
      vsr::NewState{V(2), Slot{9}, {}, Slot{3}, Slot{1}, true},
      vsr::NewState{V(2), Slot{4}, ops({5, 6}), Slot{6}, Slot{2}, false},
      vsr::NewState{V(2), Slot{4}, ops({5, 6}), Slot{9}, Slot{6}, true},
      vsr::NewState{V(2), Slot{kTop - 1}, ops({kTop}), Slot{kTop}, Slot{kTop}, true},
  };
  for (const Payload& p : good) {
    const Envelope e{NodeId{1}, NodeId{2}, p};
    auto r = decode_frame(encode_frame(e));
    ASSERT_TRUE(r.ok()) << describe(e) << ": " << r.error().message;
    EXPECT_EQ(r.value().envelope, e);
  }
}

// Schema evolution: a newer peer may add fields this binary has never heard
// of; they are skipped, not treated as corruption.
TEST(CodecErrors, UnknownFieldsAreIgnored) {
  std::string body = wire_prepare(5, 6).SerializeAsString();
  body += std::string("\x98\x06\x2a", 3);  // field 99, varint 42
  auto r = decode_frame(test::build_frame(body));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().envelope, (Envelope{NodeId{5}, NodeId{6}, paxos::Prepare{B(1, 5)}}));
}

TEST(CodecFraming, BackToBackFramesDecodeOneAtATime) {
  const Envelope first{NodeId{1}, NodeId{2}, paxos::Accept{B(4, 1), "first"}};
  const Envelope second{NodeId{2}, NodeId{1}, paxos::Decided{std::string(1000, 's')}};
  const std::string f1 = encode_frame(first);
  const std::string f2 = encode_frame(second);
  const std::string f3 = encode_frame({NodeId{3}, NodeId{1}, paxos::LearnQuery{}});
  std::string stream = f1 + f2 + f3.substr(0, f3.size() - 1);  // the third is still arriving

  std::string_view rest = stream;
  auto r1 = decode_frame(rest);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1.value().envelope, first);
  EXPECT_EQ(r1.value().frame_bytes, f1.size());
  rest.remove_prefix(r1.value().frame_bytes);

  auto r2 = decode_frame(rest);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2.value().envelope, second);
  EXPECT_EQ(r2.value().frame_bytes, f2.size());
  rest.remove_prefix(r2.value().frame_bytes);

  auto r3 = decode_frame(rest);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().kind, K::kNeedMore);
}

// The hand-built frames above are only meaningful if the builder agrees with
// the real encoder byte for byte.
TEST(CodecFraming, FrameBuilderMatchesEncoder) {
  wire::Envelope w = wire_prepare(7, 8);
  EXPECT_EQ(test::build_frame(w),
            encode_frame({NodeId{7}, NodeId{8}, paxos::Prepare{B(1, 7)}}));
}

// "quorum never sends what it would refuse to receive" (core/codec.h): the
// encoder asserts the decoder's limits instead of emitting an invalid frame.
TEST(CodecEncode, RefusesEnvelopesTheDecoderWouldReject) {
  ScopedInvariantHandler throwing(&throwing_invariant_handler);
  const std::vector<std::pair<const char*, Envelope>> bad = {
      {"from 0", {NodeId{0}, NodeId{1}, paxos::LearnQuery{}}},
      {"to 65", {NodeId{1}, NodeId{65}, paxos::LearnQuery{}}},
      {"ballot node 65", {NodeId{1}, NodeId{2}, paxos::Prepare{B(1, 65)}}},
      {"round without node", {NodeId{1}, NodeId{2}, paxos::Nack{B(1, 1), B(3, 0)}}},
      {"value over the limit",
       {NodeId{1}, NodeId{2}, paxos::Accepted{B(1, 1), std::string(kTooBig, 'v')}}},
      {"mp ballot node 65", {NodeId{1}, NodeId{2}, multipaxos::Heartbeat{B(2, 65), Slot{1}}}},
      {"mp command over the limit",
       {NodeId{1}, NodeId{2},
        multipaxos::Accept{B(1, 1), {{Slot{1}, {{std::string(kTooBig, 'v')}}}}, Slot{0}}}},
      {"vsr prepare with a gap", {NodeId{1}, NodeId{2}, vsr::Prepare{V(1), ops({5, 7}), Slot{4}}}},
      {"vsr log view above view",
       {NodeId{1}, NodeId{2}, vsr::DoViewChange{V(2), V(3), Slot{4}, Slot{4}, {}}}},
      {"vsr committed-only above commit",
       {NodeId{1}, NodeId{2}, vsr::NewState{V(2), Slot{4}, ops({5, 6}), Slot{9}, Slot{5}, true}}},
  };
  for (const auto& [name, e] : bad) {
    EXPECT_THROW((void)encode_frame(e), InvariantFailure) << name;
  }
}

}  // namespace
}  // namespace quorum
