#include "core/prng.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

namespace quorum {
namespace {

std::vector<std::uint64_t> draw(Prng& p, int n) {
  std::vector<std::uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(p.next());
  return out;
}

TEST(Prng, SameSeedSameSequence) {
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{42},
                             std::uint64_t{0xdeadbeef}, UINT64_MAX}) {
    Prng a(seed), b(seed);
    EXPECT_EQ(draw(a, 1000), draw(b, 1000)) << seed;
  }
}

TEST(Prng, DifferentSeedsDiverge) {
  Prng a(1), b(2);
  EXPECT_NE(draw(a, 16), draw(b, 16));
}

TEST(Prng, ForkedGeneratorsAreIndependentButReproducible) {
  Prng parent1(7), parent2(7);
  Prng child1(parent1.fork()), child2(parent2.fork());
  EXPECT_EQ(draw(child1, 100), draw(child2, 100));
  Prng parent3(7);
  Prng sibling_a(parent3.fork()), sibling_b(parent3.fork());
  EXPECT_NE(draw(sibling_a, 16), draw(sibling_b, 16));
}

// Pins the seeding to the published splitmix64 reference output (Vigna), so a
// change to the seeding — which would change every simulator seed's run —
// fails here rather than silently.
TEST(Prng, Splitmix64MatchesReference) {
  std::uint64_t x = 0;
  EXPECT_EQ(Prng::splitmix64(x), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(Prng::splitmix64(x), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(Prng::splitmix64(x), 0x06c45d188009454fULL);
}

struct RangeCase {
  std::uint64_t lo, hi;
};

const RangeCase kRanges[] = {
    {5, 5},
    {0, 1},
    {10, 20},
    {0, 999},
    {UINT64_MAX - 3, UINT64_MAX},
    {1, UINT64_MAX},
    {0, UINT64_MAX},  // the whole domain: hi - lo + 1 wraps to zero
};

TEST(Prng, RangeStaysWithinInclusiveBounds) {
  for (const auto& c : kRanges) {
    SCOPED_TRACE(std::to_string(c.lo) + ".." + std::to_string(c.hi));
    Prng p(99);
    std::set<std::uint64_t> seen;
    for (int i = 0; i < 20000; ++i) {
      std::uint64_t v = p.range(c.lo, c.hi);
      ASSERT_GE(v, c.lo);
      ASSERT_LE(v, c.hi);
      if (seen.size() < 2000) seen.insert(v);
    }
    // Small ranges: both ends and everything between actually occur.
    if (c.hi - c.lo < 1000) {
      EXPECT_EQ(seen.size(), c.hi - c.lo + 1);
    }
  }
}

TEST(Prng, ChanceExtremes) {
  Prng p(3);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_FALSE(p.chance(0));
    ASSERT_TRUE(p.chance(1'000'000));
  }
}

TEST(Prng, ChanceIsRoughlyCalibrated) {
  Prng p(11);
  int hits = 0;
  for (int i = 0; i < 100000; ++i) hits += p.chance(250'000) ? 1 : 0;
  EXPECT_NEAR(hits, 25000, 1000);
}

}  // namespace
}  // namespace quorum
