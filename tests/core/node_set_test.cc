#include "core/node_set.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/assert.h"

namespace quorum {
namespace {

NodeSet S(std::initializer_list<std::uint32_t> ids) {
  NodeSet s;
  for (std::uint32_t id : ids) s.insert(NodeId{id});
  return s;
}

std::vector<std::uint32_t> ids(const NodeSet& s) {
  std::vector<std::uint32_t> out;
  for (NodeId id : s.to_vector()) out.push_back(id.value());
  return out;
}

TEST(NodeSet, StartsEmpty) {
  NodeSet s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.to_vector().empty());
  EXPECT_EQ(s.to_string(), "{}");
}

TEST(NodeSet, InsertIsIdempotent) {
  NodeSet s;
  s.insert(NodeId{3});
  s.insert(NodeId{3});
  s.insert(NodeId{3});
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s, S({3}));
  // A vote counted twice must not make a quorum.
  NodeSet votes = S({1, 1, 2, 2, 2});
  EXPECT_EQ(votes.size(), 2u);
}

TEST(NodeSet, ContainsAndErase) {
  NodeSet s = S({1, 5, 64});
  EXPECT_TRUE(s.contains(NodeId{1}));
  EXPECT_TRUE(s.contains(NodeId{64}));
  EXPECT_FALSE(s.contains(NodeId{2}));
  s.erase(NodeId{5});
  s.erase(NodeId{5});
  EXPECT_EQ(ids(s), (std::vector<std::uint32_t>{1, 64}));
  s.clear();
  EXPECT_TRUE(s.empty());
}

struct SetCase {
  std::vector<std::uint32_t> a;
  std::vector<std::uint32_t> b;
  std::vector<std::uint32_t> intersection;
  std::vector<std::uint32_t> union_;
};

const SetCase kSets[] = {
    {{}, {}, {}, {}},
    {{1, 2, 3}, {}, {}, {1, 2, 3}},
    {{1, 2, 3}, {2, 3, 4}, {2, 3}, {1, 2, 3, 4}},
    {{1, 3, 5}, {2, 4, 6}, {}, {1, 2, 3, 4, 5, 6}},
    {{64, 1, 32}, {32, 33, 64}, {32, 64}, {1, 32, 33, 64}},
};

NodeSet from(const std::vector<std::uint32_t>& v) {
  NodeSet s;
  for (std::uint32_t id : v) s.insert(NodeId{id});
  return s;
}

TEST(NodeSet, IntersectAndUnite) {
  for (const auto& c : kSets) {
    SCOPED_TRACE(from(c.a).to_string() + " " + from(c.b).to_string());
    EXPECT_EQ(ids(from(c.a).intersect(from(c.b))), c.intersection);
    EXPECT_EQ(ids(from(c.b).intersect(from(c.a))), c.intersection);
    EXPECT_EQ(ids(from(c.a).unite(from(c.b))), c.union_);
    EXPECT_EQ(from(c.a).intersect(from(c.b)).size(), c.intersection.size());
  }
}

TEST(NodeSet, ToVectorIsAscendingWhateverTheInsertOrder) {
  EXPECT_EQ(ids(S({9, 2, 64, 1, 33})), (std::vector<std::uint32_t>{1, 2, 9, 33, 64}));
  EXPECT_EQ(S({9, 2, 64, 1}).to_string(), "{1,2,9,64}");
}

TEST(NodeSet, FirstN) {
  EXPECT_TRUE(NodeSet::first_n(0).empty());
  EXPECT_EQ(ids(NodeSet::first_n(3)), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(NodeSet::first_n(64).size(), 64u);
  EXPECT_EQ(NodeSet::first_n(64).bits(), ~std::uint64_t{0});
}

TEST(NodeSet, InitializerList) {
  NodeSet s{NodeId{4}, NodeId{2}, NodeId{4}};
  EXPECT_EQ(ids(s), (std::vector<std::uint32_t>{2, 4}));
}

TEST(NodeSet, OutOfRangeIdsAreNeverMembers) {
  NodeSet all = NodeSet::first_n(64);
  EXPECT_FALSE(all.contains(NodeId{0}));
  EXPECT_FALSE(all.contains(NodeId{65}));
  EXPECT_FALSE(all.contains(NodeId{UINT32_MAX}));
}

TEST(NodeSet, InsertingAnOutOfRangeIdIsAnAssertion) {
  ScopedInvariantHandler throwing(&throwing_invariant_handler);
  for (std::uint32_t bad : {0u, 65u, 1000u, UINT32_MAX}) {
    NodeSet s;
    EXPECT_THROW(s.insert(NodeId{bad}), InvariantFailure) << bad;
    EXPECT_THROW(s.erase(NodeId{bad}), InvariantFailure) << bad;
    EXPECT_TRUE(s.empty());
  }
}

}  // namespace
}  // namespace quorum
