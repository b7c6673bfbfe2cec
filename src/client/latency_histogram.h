// Latency histogram for `quorum bench`: microsecond latencies from 0 to 60 s
// in a fixed 20 KiB table, with every reported value within 0.4 % of a value
// that was recorded (the idea of HdrHistogram, Gil Tene).
//
// Layout (log-linear): values below 2^kSubBucketBits are counted exactly, one
// bucket each. Above, every power-of-two range [2^m, 2^(m+1)) is split into
// 2^kSubBucketBits equal buckets, so a bucket is at most 1/128 of its lower
// bound wide; percentiles report a bucket's midpoint, hence at most 1/256
// relative error. Values above kMaxValueUs are counted in the last bucket
// (and counted as saturated) while min/max/mean stay exact.
//
// Percentiles follow the nearest-rank definition: value_at_percentile(q) is
// the value of rank ceil(q/100 * count) in sorted order (rank 1 for q = 0),
// which is what the tests compare against.
//
// Not thread-safe: each load-generator thread fills its own and merge()s.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace quorum::client {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;
  static constexpr std::uint64_t kMaxValueUs = 60'000'000;  // 60 s

  void record(std::uint64_t value_us);
  void merge(const LatencyHistogram& other);
  void reset() { *this = LatencyHistogram(); }

  std::uint64_t count() const { return count_; }
  // Values above kMaxValueUs, recorded as kMaxValueUs in the buckets.
  std::uint64_t saturated() const { return saturated_; }
  // Exact; 0 when empty.
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_); }
  // q in [0, 100] (clamped); 0 when empty. Never below min() or above max().
  std::uint64_t value_at_percentile(double q) const;

  // The bucket arithmetic, public for the tests.
  static std::size_t bucket_of(std::uint64_t value_us);
  static std::uint64_t bucket_low(std::size_t bucket);   // smallest value in it
  static std::uint64_t bucket_high(std::size_t bucket);  // largest value in it

 private:
  static constexpr int kTopBit = 25;  // 2^25 <= kMaxValueUs < 2^26
  static_assert((std::uint64_t{1} << kTopBit) <= kMaxValueUs && kMaxValueUs < (std::uint64_t{1} << (kTopBit + 1)));
  static constexpr std::size_t kBuckets = kSubBuckets + (kTopBit - kSubBucketBits + 1) * kSubBuckets;

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t saturated_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t sum_ = 0;  // exact values; 60 s x 3e11 samples before it wraps
};

}  // namespace quorum::client
