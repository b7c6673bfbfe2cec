// The simulated network: what each fault does and that every fault is
// counted exactly as it happens (the counts are reported as faults{...}, and
// a count that lies would make a "0 violations under N faults" claim hollow).
#include "sim/network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace quorum::sim {
namespace {

NodeId N(std::uint32_t id) { return NodeId{id}; }

// A message tagged with `tag`, so deliveries can be told apart.
Envelope msg(std::uint32_t from, std::uint32_t to, std::uint64_t tag = 0) {
  return Envelope{N(from), N(to), paxos::Prepare{Ballot{tag, N(from)}}};
}
std::uint64_t tag_of(const Envelope& e) { return std::get<paxos::Prepare>(e.payload).ballot.round; }

// Everything due by `until`, stepping time one tick at a time.
std::vector<Envelope> drain(Network& net, std::uint64_t from, std::uint64_t until) {
  std::vector<Envelope> out;
  for (std::uint64_t now = from; now <= until; ++now) {
    while (auto e = net.next_due(now)) out.push_back(*e);
  }
  return out;
}

NetworkOptions opts(std::uint32_t drop_ppm, std::uint32_t dup_ppm, std::uint32_t dmin = 1,
                    std::uint32_t dmax = 1) {
  return NetworkOptions{drop_ppm, dup_ppm, dmin, dmax};
}

TEST(SimNetwork, OneWayCutDropsOnlyThatDirection) {
  Network net(3, opts(0, 0), 1);
  net.cut(N(1), N(2));
  EXPECT_TRUE(net.is_cut(N(1), N(2)));
  EXPECT_FALSE(net.is_cut(N(2), N(1)));
  net.send(0, msg(1, 2));
  net.send(0, msg(2, 1));
  net.send(0, msg(1, 3));
  auto got = drain(net, 0, 5);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].from, N(2));
  EXPECT_EQ(got[0].to, N(1));
  EXPECT_EQ(got[1].to, N(3));
  EXPECT_EQ(net.faults().partition_drops, 1u);
  EXPECT_EQ(net.faults().drops, 0u) << "a partition loss is not a random drop";
}

// The cut is checked on arrival: a message sent before the cut, arriving
// during it, is lost; one arriving after the heal gets through.
TEST(SimNetwork, CutAppliesWhenTheMessageArrives) {
  Network net(2, opts(0, 0, 3, 3), 1);
  net.send(0, msg(1, 2, 1));
  net.cut(N(1), N(2));
  EXPECT_TRUE(drain(net, 0, 3).empty());
  EXPECT_EQ(net.faults().partition_drops, 1u);
  net.send(3, msg(1, 2, 2));
  net.heal_all();
  EXPECT_FALSE(net.any_cut());
  auto got = drain(net, 4, 6);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(tag_of(got[0]), 2u);
}

TEST(SimNetwork, SelfMessagesAreNeverLostDuplicatedOrCut) {
  Network net(2, opts(1'000'000, 1'000'000, 5, 9), 1);  // every remote message dropped
  net.cut(N(1), N(1));
  net.cut(N(1), N(2));
  net.cut(N(2), N(1));
  for (std::uint64_t i = 0; i < 20; ++i) net.send(0, msg(1, 1, i));
  auto got = drain(net, 0, 0);  // and they need no time on the wire
  ASSERT_EQ(got.size(), 20u);
  for (std::uint64_t i = 0; i < 20; ++i) EXPECT_EQ(tag_of(got[i]), i) << "self messages reordered";
  EXPECT_EQ(net.faults().drops, 0u);
  EXPECT_EQ(net.faults().duplicates, 0u);
  EXPECT_EQ(net.faults().partition_drops, 0u);
}

TEST(SimNetwork, RandomDropsAreCounted) {
  Network net(2, opts(1'000'000, 0), 1);
  for (int i = 0; i < 10; ++i) net.send(0, msg(1, 2));
  EXPECT_TRUE(drain(net, 0, 5).empty());
  EXPECT_EQ(net.faults().drops, 10u);
}

TEST(SimNetwork, DuplicatesAreDeliveredAndCounted) {
  Network net(2, opts(0, 1'000'000), 1);
  for (std::uint64_t i = 0; i < 10; ++i) net.send(0, msg(1, 2, i));
  auto got = drain(net, 0, 5);
  EXPECT_EQ(got.size(), 20u);
  EXPECT_EQ(net.faults().duplicates, 10u);
  for (std::uint64_t i = 0; i < 10; ++i) {
    EXPECT_EQ(std::count_if(got.begin(), got.end(), [&](const Envelope& e) { return tag_of(e) == i; }),
              2)
        << "message " << i;
  }
}

TEST(SimNetwork, PartialRatesDropAndDuplicateSomeButNotAll) {
  Network net(2, opts(300'000, 300'000), 7);
  for (int i = 0; i < 1000; ++i) net.send(0, msg(1, 2));
  auto got = drain(net, 0, 5);
  const FaultCounts& f = net.faults();
  EXPECT_GT(f.drops, 200u);
  EXPECT_LT(f.drops, 400u);
  EXPECT_GT(f.duplicates, 100u);
  EXPECT_EQ(got.size(), 1000 - f.drops + f.duplicates) << "deliveries do not add up";
}

TEST(SimNetwork, MessagesArriveAfterTheirDelayAndTiesKeepSendOrder) {
  Network net(2, opts(0, 0, 5, 5), 1);
  net.send(10, msg(1, 2, 1));
  net.send(10, msg(1, 2, 2));
  EXPECT_FALSE(net.next_due(14).has_value());
  EXPECT_EQ(net.in_flight(), 2u);
  auto got = drain(net, 15, 15);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(tag_of(got[0]), 1u);
  EXPECT_EQ(tag_of(got[1]), 2u);
  EXPECT_EQ(net.faults().reorders, 0u);
}

// A reorder is counted for each delivery that overtook an earlier send on
// its link: recount that from the delivery order and compare.
TEST(SimNetwork, ReordersAreCountedExactly) {
  Network net(3, opts(0, 0, 1, 30), 3);
  for (std::uint64_t i = 1; i <= 300; ++i) net.send(i / 3, msg(1 + i % 2, 3, i));
  auto got = drain(net, 0, 200);
  ASSERT_EQ(got.size(), 300u);
  std::uint64_t newest[3] = {0, 0, 0};  // per sender: highest tag delivered so far
  std::uint64_t overtaken = 0;
  for (const Envelope& e : got) {
    std::uint64_t& n = newest[e.from.value()];
    if (tag_of(e) < n) ++overtaken;
    n = std::max(n, tag_of(e));
  }
  EXPECT_GT(overtaken, 0u) << "delays of 1..30 ticks never reordered anything";
  EXPECT_EQ(net.faults().reorders, overtaken);
}

TEST(SimNetwork, SameSeedSameDeliveries) {
  auto run = [](std::uint64_t seed) {
    Network net(3, opts(200'000, 200'000, 1, 10), seed);
    for (std::uint64_t i = 0; i < 200; ++i) net.send(i / 4, msg(1 + i % 3, 1 + (i + 1) % 3, i));
    std::vector<std::uint64_t> tags;
    for (const Envelope& e : drain(net, 0, 100)) tags.push_back(tag_of(e));
    return tags;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

}  // namespace
}  // namespace quorum::sim
