// Messages stay under the peer frame limit whatever the clients send: large
// commands split Accepts, CatchUpReplies and CompactRecords by bytes, the
// leader's window is bounded in bytes, and a candidate so far behind that its
// Promise would not fit is declined and helped to catch up instead. On the
// log harness (tests/log/harness.h), through the shared host.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/codec.h"
#include "core/record_codec.h"
#include "multipaxos_traits.h"

namespace quorum::logtest {
namespace {

using Harness = MultiPaxosHarness;
using log::SlotValue;
using multipaxos::Accept;
using multipaxos::Accepted;
using multipaxos::CatchUpReply;
using multipaxos::DurableState;

constexpr std::size_t kBig = 400 << 10;  // 400 KiB commands

std::string big(int i) { return std::string(kBig, static_cast<char>('a' + i % 26)) + std::to_string(i); }

// Every message ever sent encodes as a frame the decoder accepts.
void expect_all_frames_fit(const Harness& h) {
  for (const Envelope& e : h.sent_messages(any_msg())) {
    const std::string frame = encode_frame(e);  // asserts the limit itself
    EXPECT_LE(frame.size(), kFrameHeaderBytes + limits::kMaxFrameBodyBytes);
    EXPECT_TRUE(decode_frame(frame).ok()) << describe(e);
  }
}

std::size_t entry_bytes(const std::vector<SlotValue>& entries) {
  std::size_t n = 0;
  for (const SlotValue& e : entries) n += log::wire_bytes(e.value);
  return n;
}

TEST(MultiPaxosMessageBounds, LargeCommandsSplitAcceptsAndBoundTheWindow) {
  MultiPaxosOptions o;
  o.limits.max_batch_commands = 1;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  for (int i = 0; i < 12; ++i) ASSERT_EQ(h.submit(1, big(i)).status, log::SubmitStatus::kAccepted);
  // Nothing acknowledged yet: the window holds about window_bytes, not 12 slots.
  const std::size_t open = h.sent(msgs("Accept").to(2));
  EXPECT_GE(open, 1u);
  EXPECT_LE(open * kBig, o.limits.window_bytes + kBig + (64 << 10)) << open << " Accepts in flight";
  ASSERT_TRUE(h.settle());
  for (int round = 0; round < 50 && h.core(2).commit_index() < S(12); ++round) {
    h.heartbeat(1);
    h.settle();
  }
  EXPECT_EQ(h.core(2).commit_index(), S(12));
  EXPECT_EQ(h.core(3).commit_index(), S(12));
  for (const Envelope& e : h.sent_messages(msgs("Accept"))) {
    const auto& a = std::get<Accept>(e.payload);
    EXPECT_TRUE(a.entries.size() == 1 || entry_bytes(a.entries) <= o.limits.max_message_bytes);
  }
  expect_all_frames_fit(h);
}

TEST(MultiPaxosMessageBounds, CatchUpRepliesAreSplitByBytes) {
  MultiPaxosOptions o;
  o.limits.max_batch_commands = 1;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  h.isolate(3);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(h.commit(1, big(i)));
  h.heal_all();
  for (int round = 0; round < 200 && h.core(3).commit_index() < S(8); ++round) {
    h.heartbeat(1);
    h.tick_all();
    h.sync_all();
    h.settle();
  }
  ASSERT_EQ(h.core(3).commit_index(), S(8));
  ASSERT_GT(h.sent(msgs("CatchUpReply").to(3)), 1u);
  for (const Envelope& e : h.sent_messages(msgs("CatchUpReply"))) {
    const auto& r = std::get<CatchUpReply>(e.payload);
    EXPECT_TRUE(r.chosen.size() <= 1 || entry_bytes(r.chosen) <= o.limits.max_message_bytes);
  }
  expect_all_frames_fit(h);
}

TEST(MultiPaxosMessageBounds, CandidateTooFarBehindIsDeclinedAndHelpedToCatchUp) {
  MultiPaxosOptions o;
  o.limits.max_batch_commands = 1;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  h.isolate(3);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(h.commit(1, big(i)));  // ~4 MiB chosen
  h.heartbeat(1);
  h.drop(any_msg());
  int guard = 0;
  while (h.count(msgs("Prepare").from(3).to(2)) == 0 && guard++ < 1000) {
    h.tick(3);
    h.sync(3);
  }
  ASSERT_GT(h.count(msgs("Prepare").from(3).to(2)), 0u);
  h.heal_all();
  const Ballot before = h.core(2).promised();
  h.deliver(msgs("Prepare").from(3).to(2));
  h.sync(2);
  EXPECT_EQ(h.core(2).promised(), before) << "promised to a candidate whose Promise cannot be sent";
  EXPECT_EQ(h.count(msgs("Promise").from(2)), 0u);
  EXPECT_EQ(h.count(msgs("CatchUpReply").from(2).to(3)), 1u);
  expect_all_frames_fit(h);
}

// 2 holds votes above the slot it will snapshot at, large enough that the
// compaction must restate them over several records.
TEST(MultiPaxosMessageBounds, CompactionRecordsAreSplitByBytes) {
  MultiPaxosOptions o;
  o.limits.max_batch_commands = 1;
  o.snapshots_of[2].every_slots = 1;
  Harness h(o);
  ASSERT_TRUE(h.elect(1));
  // Slot 1 is chosen, but the leader does not know it yet: its Accepteds wait.
  h.submit(1, "small");
  ASSERT_EQ(h.deliver(msgs("Accept").slot(1)), 3u);
  h.sync_all();
  // Votes above the compaction point on 2, never chosen (their Accepteds lost).
  for (int i = 0; i < 6; ++i) h.submit(1, big(i));
  h.deliver(msgs("Accept").to(2));
  h.sync(2);
  h.drop(msgs("Accept"));
  h.drop(msgs("Accepted").where([](const Envelope& e) { return std::get<Accepted>(e.payload).slots.front() > S(1); }));
  const DurableState before = h.durable_state(2);
  const Slot upto = S(1);
  std::map<Slot, multipaxos::SlotVote> above(before.accepted.upper_bound(upto), before.accepted.end());
  ASSERT_GE(above.size(), 2u);
  // The leader learns slot 1 is chosen and announces it: 2 applies it and
  // snapshots.
  ASSERT_EQ(h.deliver(msgs("Accepted").slot(1)), 3u);
  h.end_turn(1);
  ASSERT_EQ(h.deliver(msgs("Heartbeat").to(2)), 1u);
  ASSERT_EQ(h.core(2).compacted(), upto);
  const std::size_t from = h.synced(2).size();
  h.sync(2);
  std::size_t records = 0;
  for (std::size_t i = from; i < h.synced(2).size(); ++i) {
    const auto* c = std::get_if<multipaxos::CompactRecord>(&h.synced(2)[i]);
    if (c == nullptr) continue;
    ++records;
    std::size_t bytes = 0;
    for (const auto& v : c->votes) bytes += log::wire_bytes(v.value);
    EXPECT_TRUE(c->votes.size() <= 1 || bytes <= o.limits.max_message_bytes);
  }
  EXPECT_GE(records, 2u);
  EXPECT_EQ(h.host(2).stats().truncations, 1u);
  EXPECT_EQ(h.replayed_state(2).accepted, above) << "the split records restate every vote";
}

}  // namespace
}  // namespace quorum::logtest
