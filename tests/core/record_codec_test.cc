// The durable record codec: every record round-trips; damaged or hostile
// payloads are refused with a reason, never replayed.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>

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
  const auto entries = *test::small_vector(rc::gen::arbitrary<multipaxos::SlotValue>());
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

}  // namespace
}  // namespace quorum
