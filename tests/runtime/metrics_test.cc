#include "runtime/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "core/assert.h"

namespace quorum::runtime {
namespace {

TEST(Metrics, ExpositionFormatGolden) {
  Registry r;
  // Registered out of order: the output is sorted by name.
  r.counter("quorum_raw", "").inc(0);
  Gauge& log = r.gauge("quorum_log_size_bytes", "Bytes in the log.\nSecond line \\ backslash.");
  Counter& elections = r.counter("quorum_elections_total", "Elections started.");
  Histogram& commit = r.histogram("quorum_commit_latency_seconds", "Commit latency.", {0.25, 1, 4});

  elections.inc();
  elections.inc(2);
  log.set(3);
  log.add(-1.5);
  for (double v : {0.125, 0.25, 0.5, 2.0, 8.0}) commit.observe(v);

  EXPECT_EQ(r.render_prometheus(),
            "# HELP quorum_commit_latency_seconds Commit latency.\n"
            "# TYPE quorum_commit_latency_seconds histogram\n"
            "quorum_commit_latency_seconds_bucket{le=\"0.25\"} 2\n"
            "quorum_commit_latency_seconds_bucket{le=\"1\"} 3\n"
            "quorum_commit_latency_seconds_bucket{le=\"4\"} 4\n"
            "quorum_commit_latency_seconds_bucket{le=\"+Inf\"} 5\n"
            "quorum_commit_latency_seconds_sum 10.875\n"
            "quorum_commit_latency_seconds_count 5\n"
            "# HELP quorum_elections_total Elections started.\n"
            "# TYPE quorum_elections_total counter\n"
            "quorum_elections_total 3\n"
            "# HELP quorum_log_size_bytes Bytes in the log.\\nSecond line \\\\ backslash.\n"
            "# TYPE quorum_log_size_bytes gauge\n"
            "quorum_log_size_bytes 1.5\n"
            "# TYPE quorum_raw counter\n"
            "quorum_raw 0\n");
  EXPECT_EQ(r.render_prometheus(), r.render_prometheus());
}

TEST(Metrics, EmptyRegistryRendersNothing) { EXPECT_EQ(Registry().render_prometheus(), ""); }

TEST(Metrics, LatencyBucketLabels) {
  Registry r;
  r.histogram("lat", "", latency_buckets());
  const std::string text = r.render_prometheus();
  std::string labels;
  for (std::size_t at = text.find("le=\""); at != std::string::npos; at = text.find("le=\"", at + 1)) {
    labels += text.substr(at + 4, text.find('"', at + 4) - at - 4) + " ";
  }
  EXPECT_EQ(labels, "5e-05 0.0001 0.00025 0.0005 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 +Inf ");
}

TEST(Metrics, ValueFormatting) {
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(-2.5), "-2.5");
  EXPECT_EQ(format_metric_value(123456789), "123456789");
  EXPECT_EQ(format_metric_value(1e21), "1e+21");
  EXPECT_EQ(format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_metric_value(std::nan("")), "NaN");
}

TEST(Metrics, HistogramBucketsAreCumulativeAndInclusive) {
  Histogram h({1, 2, 4});
  for (double v : {0.5, 1.0, 1.5, 3.0, -1.0, 100.0}) h.observe(v);
  h.observe(std::nan(""));  // dropped
  EXPECT_EQ(h.count(), 6u);
  EXPECT_DOUBLE_EQ(h.sum(), 105.0);
  // 1.0 sits on a bound and counts in it (le); -1 in the first bucket.
  EXPECT_EQ(h.cumulative_counts(), (std::vector<std::uint64_t>{3, 4, 5, 6}));
}

TEST(Metrics, HistogramQuantileInterpolatesInsideTheBucket) {
  Histogram h({1, 2, 4});
  EXPECT_EQ(h.quantile(0.5), 0.0);  // empty
  for (double v : {0.5, 1.5, 1.5, 3.0}) h.observe(v);
  // Ranks: q * 4; buckets hold 1 | 2 | 1.
  EXPECT_DOUBLE_EQ(h.quantile(0), 0.0);     // first bucket starts at 0
  EXPECT_DOUBLE_EQ(h.quantile(0.25), 1.0);  // rank 1: top of the first bucket
  EXPECT_DOUBLE_EQ(h.quantile(0.5), 1.5);   // rank 2: half-way through (1, 2]
  EXPECT_DOUBLE_EQ(h.quantile(0.75), 2.0);
  EXPECT_DOUBLE_EQ(h.quantile(1), 4.0);
  EXPECT_DOUBLE_EQ(h.quantile(7), h.quantile(1));
  EXPECT_DOUBLE_EQ(h.quantile(-3), h.quantile(0));

  h.observe(1000);  // +Inf bucket: reported as the largest finite bound
  EXPECT_DOUBLE_EQ(h.quantile(1), 4.0);
}

TEST(Metrics, HistogramQuantileSkipsEmptyBuckets) {
  Histogram h(latency_buckets());
  for (int i = 0; i < 100; ++i) h.observe(0.003);  // all in (2.5ms, 5ms]
  EXPECT_DOUBLE_EQ(h.quantile(0), 0.0025);
  EXPECT_DOUBLE_EQ(h.quantile(0.5), 0.00375);
  EXPECT_DOUBLE_EQ(h.quantile(0.99), 0.0025 + 0.0025 * 0.99);
  EXPECT_DOUBLE_EQ(h.quantile(1), 0.005);
}

TEST(Metrics, SameNameSameObject) {
  Registry r;
  Counter& a = r.counter("quorum_x_total", "first help");
  Counter& b = r.counter("quorum_x_total", "second help");
  EXPECT_EQ(&a, &b);
  Histogram& h1 = r.histogram("quorum_h", "", {1, 2});
  Histogram& h2 = r.histogram("quorum_h", "", {1, 2});
  EXPECT_EQ(&h1, &h2);
  EXPECT_EQ(&r.gauge("quorum_g", ""), &r.gauge("quorum_g", ""));
  EXPECT_EQ(r.size(), 3u);
  EXPECT_NE(r.render_prometheus().find("# HELP quorum_x_total first help\n"), std::string::npos);
}

TEST(Metrics, ReferencesSurviveGrowth) {
  Registry r;
  Counter& first = r.counter("c0", "");
  first.inc(7);
  for (int i = 1; i < 1000; ++i) r.counter("c" + std::to_string(i), "").inc();
  EXPECT_EQ(&r.counter("c0", ""), &first);
  EXPECT_EQ(first.value(), 7u);
}

TEST(Metrics, MisuseFailsLoudly) {
  ScopedInvariantHandler throwing(throwing_invariant_handler);
  Registry r;
  r.counter("quorum_c", "");
  r.histogram("quorum_h", "", {1, 2});
  EXPECT_THROW(r.gauge("quorum_c", ""), InvariantFailure);
  EXPECT_THROW(r.histogram("quorum_c", "", {1}), InvariantFailure);
  EXPECT_THROW(r.histogram("quorum_h", "", {1, 3}), InvariantFailure);
  for (const char* bad : {"", "1abc", "a-b", "a b", "a\n", "é"}) {
    EXPECT_THROW(r.counter(bad, ""), InvariantFailure) << bad;
  }
  EXPECT_THROW(r.histogram("quorum_unsorted", "", {2, 1}), InvariantFailure);
  EXPECT_THROW(r.histogram("quorum_dup", "", {1, 1}), InvariantFailure);
  EXPECT_THROW(r.histogram("quorum_none", "", {}), InvariantFailure);
  EXPECT_THROW(r.histogram("quorum_inf", "", {1, std::numeric_limits<double>::infinity()}), InvariantFailure);
  EXPECT_EQ(r.size(), 2u);  // nothing half-registered
}

TEST(Metrics, NameValidation) {
  for (const char* good : {"a", "_", ":", "quorum_commit_latency_seconds", "a:b_c9", "ABC"}) {
    EXPECT_TRUE(is_valid_metric_name(good)) << good;
  }
  for (const char* bad : {"", "9a", "a-b", "a.b", "a{b}"}) EXPECT_FALSE(is_valid_metric_name(bad)) << bad;
}

// The fsync thread observes while the event loop observes and renders.
TEST(Metrics, ConcurrentUpdatesFromASecondThreadAreAllCounted) {
  Registry r;
  Histogram& h = r.histogram("quorum_fsync_seconds", "", {0.3, 1});
  Counter& c = r.counter("quorum_fsyncs_total", "");
  constexpr int kPerThread = 100'000;

  std::thread other([&] {
    for (int i = 0; i < kPerThread; ++i) {
      h.observe(0.25);
      c.inc();
    }
  });
  std::size_t renders = 0;
  for (int i = 0; i < kPerThread; ++i) {
    h.observe(0.5);
    c.inc();
    if (i % 10'000 == 0) renders += r.render_prometheus().size() > 0 ? 1 : 0;
  }
  other.join();

  EXPECT_EQ(renders, 10u);
  EXPECT_EQ(c.value(), 2u * kPerThread);
  EXPECT_EQ(h.count(), 2u * kPerThread);
  EXPECT_EQ(h.cumulative_counts(), (std::vector<std::uint64_t>{kPerThread, 2 * kPerThread, 2 * kPerThread}));
  // Multiples of 0.25 below 2^50 add exactly, in any order.
  EXPECT_EQ(h.sum(), kPerThread * 0.75);
}

}  // namespace
}  // namespace quorum::runtime
