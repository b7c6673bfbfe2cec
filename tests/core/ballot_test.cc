#include "core/ballot.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "printers.h"

namespace quorum {
namespace {

Ballot B(std::uint64_t round, std::uint32_t node) { return Ballot{round, NodeId{node}}; }

struct OrderCase {
  Ballot lo;
  Ballot hi;
};

// Each pair is strictly ordered lo < hi; the round decides before the node.
const OrderCase kOrder[] = {
    {B(0, 0), B(0, 1)},   // zero is below the smallest owned ballot
    {B(0, 0), B(1, 64)},  //
    {B(1, 1), B(1, 2)},   // same round: node breaks the tie
    {B(1, 64), B(2, 1)},  // higher round wins over any node id
    {B(7, 3), B(8, 2)},   //
    {B(41, 9), B(UINT64_MAX, 1)},
};

TEST(Ballot, OrderIsRoundThenNode) {
  for (const auto& c : kOrder) {
    SCOPED_TRACE(c.lo.to_string() + " < " + c.hi.to_string());
    EXPECT_LT(c.lo, c.hi);
    EXPECT_GT(c.hi, c.lo);
    EXPECT_NE(c.lo, c.hi);
    EXPECT_FALSE(c.hi < c.lo);
  }
}

TEST(Ballot, EqualityNeedsBothFields) {
  EXPECT_EQ(B(3, 2), B(3, 2));
  EXPECT_NE(B(3, 2), B(3, 1));
  EXPECT_NE(B(3, 2), B(2, 2));
}

TEST(Ballot, ZeroIsBelowEveryOwnedBallot) {
  EXPECT_TRUE(Ballot::zero().is_zero());
  EXPECT_EQ(Ballot::zero(), Ballot{});
  for (std::uint32_t node = 1; node <= 64; ++node) {
    EXPECT_LT(Ballot::zero(), B(0, node));
    EXPECT_FALSE(B(0, node).is_zero());
  }
  EXPECT_FALSE(B(1, 0).is_zero());  // a round without a node is not the zero ballot
}

struct SuccessorCase {
  Ballot from;
  std::uint32_t owner;
  Ballot expected;
};

const SuccessorCase kSuccessor[] = {
    {B(0, 0), 1, B(0, 1)},  // from zero, round 0 is already higher
    {B(0, 0), 5, B(0, 5)},
    {B(3, 2), 5, B(3, 5)},  // a higher id wins within the same round
    {B(3, 5), 2, B(4, 2)},  // a lower id must move to the next round
    {B(3, 5), 5, B(4, 5)},  // an owner never reuses its own ballot
    {B(9, 64), 64, B(10, 64)},
    {B(9, 63), 64, B(9, 64)},
};

TEST(Ballot, SuccessorTable) {
  for (const auto& c : kSuccessor) {
    SCOPED_TRACE(c.from.to_string() + " succ " + std::to_string(c.owner));
    EXPECT_EQ(c.from.successor(NodeId{c.owner}), c.expected);
  }
}

// The definition, checked by brute force: among all ballots `owner` owns, the
// successor is the least one above `from`.
TEST(Ballot, SuccessorIsSmallestOwnedBallotAbove) {
  for (std::uint64_t round = 0; round <= 3; ++round) {
    for (std::uint32_t node = 0; node <= 6; ++node) {
      for (std::uint32_t owner = 1; owner <= 6; ++owner) {
        const Ballot from = B(round, node);
        std::optional<Ballot> least;
        for (std::uint64_t r = 0; r <= round + 1; ++r) {
          const Ballot candidate = B(r, owner);
          if (candidate > from && (!least || candidate < *least)) least = candidate;
        }
        ASSERT_TRUE(least.has_value());
        const Ballot s = from.successor(NodeId{owner});
        EXPECT_EQ(s, *least) << from.to_string() << " owner " << owner;
        EXPECT_EQ(s.node, NodeId{owner});
      }
    }
  }
}

TEST(Ballot, ToString) {
  EXPECT_EQ(B(12, 3).to_string(), "12.3");
  EXPECT_EQ(Ballot::zero().to_string(), "0.0");
}

}  // namespace
}  // namespace quorum
