#include "client/latency_histogram.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/prng.h"

namespace quorum::client {
namespace {

// The nearest-rank percentile of the data, the definition the histogram
// documents: the value of rank ceil(q/100 * n), rank 1 for q = 0.
std::uint64_t exact_percentile(std::vector<std::uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  const double exact = q / 100.0 * static_cast<double>(v.size());
  auto rank = static_cast<std::size_t>(std::ceil(exact - 1e-9));
  rank = std::clamp<std::size_t>(rank, 1, v.size());
  return v[rank - 1];
}

double relative_error(std::uint64_t got, std::uint64_t want) {
  if (want == 0) return got == 0 ? 0.0 : 1.0;
  return std::abs(static_cast<double>(got) - static_cast<double>(want)) / static_cast<double>(want);
}

const std::vector<double> kPercentiles = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100};

TEST(LatencyHistogram, EmptyReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.value_at_percentile(50), 0u);
  EXPECT_EQ(h.value_at_percentile(100), 0u);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  std::vector<std::uint64_t> data;
  for (std::uint64_t v = 0; v < LatencyHistogram::kSubBuckets; ++v) {
    for (std::uint64_t k = 0; k <= v % 3; ++k) {
      h.record(v);
      data.push_back(v);
    }
  }
  for (double q : kPercentiles) EXPECT_EQ(h.value_at_percentile(q), exact_percentile(data, q)) << "q=" << q;
}

TEST(LatencyHistogram, NearestRankOnATinyKnownSet) {
  LatencyHistogram h;
  for (std::uint64_t v : {15, 20, 35, 40, 50}) h.record(v);
  EXPECT_EQ(h.value_at_percentile(5), 15u);
  EXPECT_EQ(h.value_at_percentile(30), 20u);
  EXPECT_EQ(h.value_at_percentile(40), 20u);
  EXPECT_EQ(h.value_at_percentile(50), 35u);
  EXPECT_EQ(h.value_at_percentile(100), 50u);
  EXPECT_EQ(h.min(), 15u);
  EXPECT_EQ(h.max(), 50u);
  EXPECT_DOUBLE_EQ(h.mean(), 32.0);
}

TEST(LatencyHistogram, BucketsTileTheRangeWithBoundedWidth) {
  std::size_t last = LatencyHistogram::bucket_of(0);
  EXPECT_EQ(last, 0u);
  for (std::size_t b = 0;; ++b) {
    const std::uint64_t low = LatencyHistogram::bucket_low(b);
    const std::uint64_t high = LatencyHistogram::bucket_high(b);
    ASSERT_LE(low, high);
    EXPECT_EQ(LatencyHistogram::bucket_of(low), b);
    if (high > LatencyHistogram::kMaxValueUs) break;
    EXPECT_EQ(LatencyHistogram::bucket_of(high), b);
    EXPECT_EQ(LatencyHistogram::bucket_low(b + 1), high + 1) << "gap after bucket " << b;
    // The width of a bucket is at most 1/128 of its lower bound: what keeps
    // the midpoint within 1/256 of every value in it.
    if (low >= LatencyHistogram::kSubBuckets) {
      EXPECT_LE((high - low + 1) * LatencyHistogram::kSubBuckets, low) << "bucket " << b;
    }
  }
}

TEST(LatencyHistogram, UniformDataWithinOnePercent) {
  LatencyHistogram h;
  std::vector<std::uint64_t> data;
  for (std::uint64_t v = 1; v <= 100'000; ++v) {
    h.record(v);
    data.push_back(v);
  }
  for (double q : kPercentiles) {
    const auto want = exact_percentile(data, q);
    EXPECT_LT(relative_error(h.value_at_percentile(q), want), 0.01) << "q=" << q << " want " << want;
  }
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100'000u);
  EXPECT_DOUBLE_EQ(h.mean(), 50'000.5);
}

TEST(LatencyHistogram, LogUniformDataFromOneMicrosecondToOneMinuteWithinOnePercent) {
  Prng prng(42);
  LatencyHistogram h;
  std::vector<std::uint64_t> data;
  for (int i = 0; i < 200'000; ++i) {
    const double exponent = static_cast<double>(prng.range(0, 1'000'000)) / 1'000'000.0 * std::log(6e7);
    const auto v = static_cast<std::uint64_t>(std::exp(exponent));
    h.record(v);
    data.push_back(v);
  }
  for (double q : kPercentiles) {
    const auto want = exact_percentile(data, q);
    EXPECT_LT(relative_error(h.value_at_percentile(q), want), 0.01) << "q=" << q << " want " << want;
  }
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  Prng prng(7);
  LatencyHistogram a, b, all;
  for (int i = 0; i < 10'000; ++i) {
    const std::uint64_t v = prng.range(0, 2'000'000);
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  LatencyHistogram merged;
  merged.merge(a);
  merged.merge(LatencyHistogram{});
  merged.merge(b);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double q : kPercentiles) EXPECT_EQ(merged.value_at_percentile(q), all.value_at_percentile(q)) << q;
}

TEST(LatencyHistogram, ValuesAboveTheRangeSaturateButMaxStaysExact) {
  LatencyHistogram h;
  h.record(10);
  h.record(LatencyHistogram::kMaxValueUs * 10);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.saturated(), 1u);
  EXPECT_EQ(h.max(), LatencyHistogram::kMaxValueUs * 10);
  EXPECT_LE(h.value_at_percentile(100), h.max());
  EXPECT_GE(h.value_at_percentile(100), LatencyHistogram::kMaxValueUs * 99 / 100);
  EXPECT_EQ(h.value_at_percentile(50), 10u);
}

TEST(LatencyHistogram, PercentileArgumentIsClamped) {
  LatencyHistogram h;
  for (std::uint64_t v : {100, 200, 300}) h.record(v);
  EXPECT_EQ(h.value_at_percentile(-5), 100u);
  EXPECT_EQ(h.value_at_percentile(250), 300u);
  EXPECT_EQ(h.value_at_percentile(std::nan("")), 100u);
}

RC_GTEST_PROP(LatencyHistogramProperty, EveryPercentileWithinOnePercentOfTheExactOne,
              (const std::vector<std::uint32_t>& raw, std::uint8_t q_byte)) {
  RC_PRE(!raw.empty());
  LatencyHistogram h;
  std::vector<std::uint64_t> data;
  for (auto r : raw) {
    const std::uint64_t v = r % (LatencyHistogram::kMaxValueUs + 1);
    h.record(v);
    data.push_back(v);
  }
  const double q = static_cast<double>(q_byte) * 100.0 / 255.0;
  const auto want = exact_percentile(data, q);
  const auto got = h.value_at_percentile(q);
  RC_ASSERT(relative_error(got, want) < 0.01);
  RC_ASSERT(got >= h.min());
  RC_ASSERT(got <= h.max());
}

}  // namespace
}  // namespace quorum::client
