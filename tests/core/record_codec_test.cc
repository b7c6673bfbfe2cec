// The durable record codec: every record round-trips; damaged or hostile
// payloads are refused with a reason, never replayed.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "core/record_codec.h"
#include "generators.h"
#include "printers.h"

namespace quorum {
namespace {

Ballot B(std::uint64_t round, std::uint32_t node) { return Ballot{round, NodeId{node}}; }

RC_GTEST_PROP(RecordCodec, PaxosHardStateRoundTrips, (const Ballot& promised, std::uint64_t round)) {
  paxos::HardState s{promised, std::nullopt, round};
  if (*rc::gen::arbitrary<bool>()) {
    s.accepted = Proposal{std::min(promised, *rc::gen::arbitrary<Ballot>()), *rc::gen::arbitrary<std::string>()};
  }
  auto back = decode_paxos_record(encode_record(s));
  RC_ASSERT(back.ok());
  RC_ASSERT(back.value() == s);
}

RC_GTEST_PROP(RecordCodec, MultiPaxosRecordsRoundTrip, ()) {
  const Ballot b = *rc::gen::arbitrary<Ballot>();
  const auto entries = *test::small_vector(rc::gen::arbitrary<log::SlotValue>());
  const auto kind = *rc::gen::inRange(0, 3);
  multipaxos::Record r;
  if (kind == 0) {
    r = multipaxos::PromiseRecord{b};
  } else if (kind == 1) {
    r = multipaxos::AcceptRecord{b, entries};
  } else {
    const Slot compacted{*rc::gen::inRange<std::uint64_t>(0, 1000)};
    multipaxos::CompactRecord c{b, compacted, {}};
    for (const auto& e : entries) {
      c.votes.push_back({Slot{compacted.value() + 1 + e.slot.value() % 1000}, std::min(b, B(1, 1)), e.value});
    }
    r = c;
  }
  auto back = decode_multipaxos_record(encode_record(r));
  RC_ASSERT(back.ok());
  RC_ASSERT(back.value() == r);
}

RC_GTEST_PROP(RecordCodec, VsrRecordsRoundTrip, ()) {
  const vsr::Record r = *test::gen_vsr_record();
  RC_TAG(r.index());
  auto back = decode_vsr_record(encode_record(r));
  if (!back.ok()) RC_FAIL("decode failed: " + back.error());
  RC_ASSERT(back.value() == r);
}

TEST(RecordCodec, RefusesGarbageAndInconsistentRecords) {
  EXPECT_FALSE(decode_multipaxos_record("\xff\xff\xff garbage").ok());
  EXPECT_FALSE(decode_paxos_record("\xff\xff\xff garbage").ok());
  // An empty payload parses as a record of no known type.
  auto empty = decode_multipaxos_record("");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().find("unknown type"), std::string::npos);
  // A vote at a compacted slot, a vote above the promise, an accept above the promise.
  EXPECT_FALSE(decode_multipaxos_record(encode_record(multipaxos::Record{
                   multipaxos::CompactRecord{B(3, 1), Slot{5}, {{Slot{5}, B(2, 1), {}}}}}))
                   .ok());
  EXPECT_FALSE(decode_multipaxos_record(encode_record(multipaxos::Record{
                   multipaxos::CompactRecord{B(3, 1), Slot{5}, {{Slot{6}, B(4, 1), {}}}}}))
                   .ok());
  EXPECT_FALSE(decode_paxos_record(encode_record(paxos::HardState{B(1, 1), Proposal{B(2, 1), "v"}, 0})).ok());
  // A ballot naming node 0 with a round is refused like on the wire.
  auto bad = decode_multipaxos_record(encode_record(multipaxos::Record{multipaxos::PromiseRecord{Ballot{3, NodeId{0}}}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("ballot"), std::string::npos);
}

vsr::View V(std::uint64_t v) { return vsr::View{v}; }
std::vector<vsr::SlotValue> ops(std::initializer_list<std::uint64_t> slots) {
  std::vector<vsr::SlotValue> out;
  for (std::uint64_t s : slots) out.push_back({Slot{s}, {{"c" + std::to_string(s)}}});
  return out;
}
std::string vsr_error(const vsr::Record& r) {
  auto back = decode_vsr_record(encode_record(r));
  return back.ok() ? "decoded" : back.error();
}

TEST(RecordCodec, RefusesGarbageAndInconsistentVsrRecords) {
  EXPECT_FALSE(decode_vsr_record("\xff\xff\xff garbage").ok());
  auto empty = decode_vsr_record("");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().find("unknown type"), std::string::npos);
  // A node that was normal in a view it has not reached.
  EXPECT_NE(vsr_error(vsr::ViewRecord{V(3), V(4)}).find("log view"), std::string::npos);
  // A log with a hole, one that does not start right above its base, a repeated op.
  EXPECT_NE(vsr_error(vsr::LogRecord{V(2), Slot{4}, ops({5, 7}), Slot{4}}).find("consecutive"), std::string::npos);
  EXPECT_NE(vsr_error(vsr::LogRecord{V(2), Slot{4}, ops({6, 7}), Slot{4}}).find("consecutive"), std::string::npos);
  EXPECT_NE(vsr_error(vsr::LogRecord{V(2), Slot{4}, ops({5, 5}), Slot{4}}).find("consecutive"), std::string::npos);
  // Ops cannot wrap past the largest op number.
  EXPECT_NE(vsr_error(vsr::LogRecord{V(2), Slot{UINT64_MAX}, ops({0}), Slot{0}}).find("consecutive"),
            std::string::npos);
  // A compaction that keeps a compacted op, or keeps ops with a hole.
  EXPECT_NE(vsr_error(vsr::CompactRecord{V(2), V(2), Slot{5}, Slot{5}, ops({5, 6})}).find("compacted op"),
            std::string::npos);
  EXPECT_NE(vsr_error(vsr::CompactRecord{V(2), V(2), Slot{5}, Slot{5}, ops({7, 9})}).find("consecutive"),
            std::string::npos);
}

// The edges of the rules above are legal.
TEST(RecordCodec, VsrBoundaryRecordsAreAccepted) {
  const std::vector<vsr::Record> good = {
      vsr::ViewRecord{V(4), V(4)},
      vsr::ViewRecord{V(0), V(0)},
      vsr::LogRecord{V(1), Slot{9}, {}, Slot{3}},                                   // truncate above 9
      vsr::LogRecord{V(1), Slot{UINT64_MAX - 2}, ops({UINT64_MAX - 1, UINT64_MAX}), Slot{0}},
      vsr::CompactRecord{V(5), V(3), Slot{5}, Slot{8}, {}},
      vsr::CompactRecord{V(5), V(3), Slot{5}, Slot{8}, ops({6, 7})},
      vsr::CompactRecord{V(5), V(3), Slot{5}, Slot{8}, ops({20, 21})},  // a later record of a split compaction
  };
  for (const auto& r : good) {
    auto back = decode_vsr_record(encode_record(r));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(back.value(), r);
  }
}

}  // namespace
}  // namespace quorum
