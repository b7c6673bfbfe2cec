#include "client/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/assert.h"

namespace quorum::client {

std::size_t LatencyHistogram::bucket_of(std::uint64_t value_us) {
  const std::uint64_t v = std::min(value_us, kMaxValueUs);
  if (v < kSubBuckets) return static_cast<std::size_t>(v);
  const int top = std::bit_width(v) - 1;  // kSubBucketBits <= top <= kTopBit
  const int shift = top - kSubBucketBits;
  const std::uint64_t sub = (v >> shift) - kSubBuckets;  // drop the leading 1
  return static_cast<std::size_t>(kSubBuckets + static_cast<std::uint64_t>(shift) * kSubBuckets + sub);
}

std::uint64_t LatencyHistogram::bucket_low(std::size_t bucket) {
  QUORUM_ASSERT(bucket < kBuckets, "histogram bucket out of range");
  if (bucket < kSubBuckets) return bucket;
  const std::size_t shift = (bucket - kSubBuckets) / kSubBuckets;
  const std::uint64_t sub = (bucket - kSubBuckets) % kSubBuckets;
  return (kSubBuckets + sub) << shift;
}

std::uint64_t LatencyHistogram::bucket_high(std::size_t bucket) {
  QUORUM_ASSERT(bucket < kBuckets, "histogram bucket out of range");
  if (bucket < kSubBuckets) return bucket;
  const std::size_t shift = (bucket - kSubBuckets) / kSubBuckets;
  return bucket_low(bucket) + (std::uint64_t{1} << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t value_us) {
  if (value_us > kMaxValueUs) ++saturated_;
  ++counts_[bucket_of(value_us)];
  min_ = count_ == 0 ? value_us : std::min(min_, value_us);
  max_ = std::max(max_, value_us);
  sum_ += value_us;
  ++count_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
  saturated_ += other.saturated_;
}

std::uint64_t LatencyHistogram::value_at_percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(std::isnan(q) ? 0.0 : q, 0.0, 100.0);
  // Nearest rank; the epsilon keeps e.g. 99.9 % of 1000 at rank 999 despite
  // 99.9 / 100 * 1000 being 999.0000000000001 in binary floating point.
  const double exact = q / 100.0 * static_cast<double>(count_);
  auto rank = static_cast<std::uint64_t>(std::ceil(exact - 1e-9));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t low = bucket_low(i);
      const std::uint64_t mid = low + (bucket_high(i) - low) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  QUORUM_ASSERT(false, "histogram counts do not add up to count()");
  return max_;
}

}  // namespace quorum::client
