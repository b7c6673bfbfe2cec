#include "core/quorum.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <utility>

#include "core/assert.h"

namespace quorum {
namespace {

struct MajorityCase {
  std::uint32_t n;
  std::uint32_t quorum;
  std::uint32_t tolerated;
};

const MajorityCase kMajority[] = {
    {1, 1, 0}, {2, 2, 0}, {3, 2, 1}, {4, 3, 1}, {5, 3, 2}, {6, 4, 2}, {7, 4, 3},
};

TEST(QuorumSystem, MajoritySizes) {
  for (const auto& c : kMajority) {
    SCOPED_TRACE("n=" + std::to_string(c.n));
    QuorumSystem q = QuorumSystem::majority(NodeSet::first_n(c.n));
    EXPECT_EQ(q.size(), c.n);
    EXPECT_EQ(q.phase1_size(), c.quorum);
    EXPECT_EQ(q.phase2_size(), c.quorum);
    EXPECT_EQ(q.tolerated_failures(), c.tolerated);
    EXPECT_TRUE(q.is_phase1_quorum(NodeSet::first_n(c.quorum)));
    EXPECT_FALSE(q.is_phase1_quorum(NodeSet::first_n(c.quorum - 1)));
    EXPECT_TRUE(q.is_phase2_quorum(NodeSet::first_n(c.quorum)));
    EXPECT_FALSE(q.is_phase2_quorum(NodeSet::first_n(c.quorum - 1)));
  }
}

// Votes from nodes outside the configuration do not count, however many.
TEST(QuorumSystem, CountsOnlyConfiguredMembers) {
  QuorumSystem q = QuorumSystem::majority(NodeSet{NodeId{2}, NodeId{4}, NodeId{6}});
  EXPECT_EQ(q.phase1_size(), 2u);
  EXPECT_TRUE(q.is_phase1_quorum(NodeSet{NodeId{2}, NodeId{6}}));
  EXPECT_FALSE(q.is_phase1_quorum(NodeSet{NodeId{1}, NodeId{3}, NodeId{5}, NodeId{4}}));
  EXPECT_FALSE(q.is_phase2_quorum(NodeSet::first_n(64).intersect(NodeSet{NodeId{6}})));
}

TEST(QuorumSystem, FlexibleAcceptsIntersectingSizes) {
  QuorumSystem q = QuorumSystem::flexible(NodeSet::first_n(5), 4, 2);
  EXPECT_EQ(q.phase1_size(), 4u);
  EXPECT_EQ(q.phase2_size(), 2u);
  // Phase 1 needs 4 of 5, so only one failure keeps both phases available.
  EXPECT_EQ(q.tolerated_failures(), 1u);
  EXPECT_EQ(q.to_string(), "n=5 q1=4 q2=2");
}

struct BadFlexible {
  std::uint32_t n, q1, q2;
  const char* property;  // expected prefix of the violated property's name
};

const BadFlexible kBadFlexible[] = {
    {3, 1, 2, "QuorumIntersection"},  // q1 + q2 == n: two disjoint quorums exist
    {4, 2, 2, "QuorumIntersection"},
    {7, 3, 3, "QuorumIntersection"},
    {5, 1, 1, "QuorumIntersection"},
    {3, 0, 3, "Assertion"},           // sizes out of range are programming errors
    {3, 4, 3, "Assertion"},
    {3, 3, 4, "Assertion"},
};

TEST(QuorumSystem, FlexibleRejectsNonIntersectingSizes) {
  ScopedInvariantHandler throwing(&throwing_invariant_handler);
  for (const auto& c : kBadFlexible) {
    SCOPED_TRACE("n=" + std::to_string(c.n) + " q1=" + std::to_string(c.q1) +
                 " q2=" + std::to_string(c.q2));
    try {
      QuorumSystem::flexible(NodeSet::first_n(c.n), c.q1, c.q2);
      ADD_FAILURE() << "accepted";
    } catch (const InvariantFailure& f) {
      EXPECT_EQ(f.property.rfind(c.property, 0), 0u) << f.property;
    }
  }
}

TEST(QuorumSystem, MajorityOfNobodyIsAnAssertion) {
  ScopedInvariantHandler throwing(&throwing_invariant_handler);
  EXPECT_THROW(QuorumSystem::majority(NodeSet{}), InvariantFailure);
}

// Finds a phase-1 quorum and a phase-2 quorum with no node in common, by
// trying every pair of subsets of the members.
std::optional<std::pair<NodeSet, NodeSet>> disjoint_quorums(const QuorumSystem& q) {
  const std::uint32_t n = q.size();
  const std::uint64_t subsets = std::uint64_t{1} << n;
  for (std::uint64_t a = 0; a < subsets; ++a) {
    NodeSet p1 = NodeSet::from_bits(a);
    if (!q.is_phase1_quorum(p1)) continue;
    for (std::uint64_t b = 0; b < subsets; ++b) {
      NodeSet p2 = NodeSet::from_bits(b);
      if (q.is_phase2_quorum(p2) && p1.intersect(p2).empty()) return std::pair{p1, p2};
    }
  }
  return std::nullopt;
}

TEST(QuorumSystem, EveryPhase1QuorumMeetsEveryPhase2QuorumExhaustively) {
  for (std::uint32_t n = 1; n <= 7; ++n) {
    const NodeSet members = NodeSet::first_n(n);
    auto found = disjoint_quorums(QuorumSystem::majority(members));
    EXPECT_FALSE(found) << "majority n=" << n << ": " << found->first.to_string() << " vs "
                        << found->second.to_string();
    for (std::uint32_t q1 = 1; q1 <= n; ++q1) {
      for (std::uint32_t q2 = n + 1 - q1; q2 <= n; ++q2) {
        auto f = disjoint_quorums(QuorumSystem::flexible(members, q1, q2));
        EXPECT_FALSE(f) << "n=" << n << " q1=" << q1 << " q2=" << q2 << ": "
                        << f->first.to_string() << " vs " << f->second.to_string();
      }
    }
  }
}

// The exhaustive search above must be able to fail: with q1 + q2 <= n it finds
// the two disjoint quorums that the flexible() check exists to prevent.
TEST(QuorumSystem, ExhaustiveSearchFindsDisjointQuorumsWhenSizesTooSmall) {
  for (std::uint32_t n = 2; n <= 7; ++n) {
    for (std::uint32_t q1 = 1; q1 < n; ++q1) {
      const std::uint32_t q2 = n - q1;
      auto f = disjoint_quorums(QuorumSystem::unchecked(NodeSet::first_n(n), q1, q2));
      ASSERT_TRUE(f) << "n=" << n << " q1=" << q1 << " q2=" << q2;
      EXPECT_TRUE(f->first.intersect(f->second).empty());
      EXPECT_GE(f->first.size(), q1);
      EXPECT_GE(f->second.size(), q2);
    }
  }
}

}  // namespace
}  // namespace quorum
