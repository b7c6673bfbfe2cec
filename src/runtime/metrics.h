// Metrics of one replica, served on the admin port as Prometheus text
// (exposition format 0.0.4) and summarised in the RESP INFO reply.
//
//   Counter    monotonically increasing count            (any thread)
//   Gauge      a value that goes up and down             (event-loop thread)
//   Histogram  fixed buckets + sum, with quantile()      (any thread)
//   Registry   owns the metrics by name; render_prometheus()
//   latency_buckets()  the default bounds for latencies, in seconds
//
// Threading. The event-loop thread owns the Registry: it registers metrics,
// sets gauges and renders. Counter and Histogram updates are relaxed atomics,
// so another thread (the fsync thread observing fsync latency) may update a
// metric it was handed after registration without a lock. A reader racing an
// update sees every observation either wholly counted in the buckets or not
// at all; only _sum may briefly include or miss an observation the buckets
// do not. Gauges are plain doubles: they mirror event-loop state.
//
// Registering a name again returns the metric already registered (so modules
// need not coordinate); asking for it as another type, or a histogram with
// other bounds, is a programming error and fails QUORUM_ASSERT. References
// returned by the registry stay valid for the registry's lifetime.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace quorum::runtime {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_ = v; }
  void add(double delta) { value_ += delta; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

class Histogram {
 public:
  // `upper_bounds`: finite, strictly increasing, at least one (asserted).
  // The +Inf bucket is implicit.
  explicit Histogram(std::vector<double> upper_bounds);

  // Counts `v` in the first bucket whose bound is >= v (Prometheus `le`).
  // NaN is dropped: it would turn _sum into NaN for the life of the process.
  void observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  std::uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  // Cumulative counts, one per bound plus the +Inf bucket last (== count).
  std::vector<std::uint64_t> cumulative_counts() const;

  // Estimate of the q-quantile (q clamped to [0, 1]), interpolating linearly
  // inside the bucket that holds the rank, as Prometheus' histogram_quantile
  // does: the first bucket starts at 0 if its bound is positive, and a rank
  // in the +Inf bucket reports the largest finite bound. 0 when empty.
  double quantile(double q) const;

 private:
  std::vector<double> bounds_;
  // Per-bucket (not cumulative) counts, bounds_.size() + 1 of them; the
  // cumulative view and the count are derived from one pass over these, so
  // a render always has _count == the +Inf bucket.
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

class Registry {
 public:
  // Names must match [a-zA-Z_:][a-zA-Z0-9_:]* (asserted). The help text of
  // the first registration wins.
  Counter& counter(std::string_view name, std::string_view help);
  Gauge& gauge(std::string_view name, std::string_view help);
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds);

  // Prometheus text exposition format 0.0.4, metrics sorted by name, every
  // line ending in '\n'. Deterministic: same values, same bytes.
  std::string render_prometheus() const;

  std::size_t size() const { return metrics_.size(); }

 private:
  struct Entry {
    std::string help;
    std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>> metric;
  };

  Entry* find_or_null(std::string_view name);
  Entry& insert(std::string_view name, std::string_view help);

  std::map<std::string, Entry, std::less<>> metrics_;
};

// Default latency bounds in seconds: 50us, 100us, 250us, 500us, 1ms, 2.5ms,
// 5ms, 10ms, 25ms, 50ms, 100ms, 250ms, 500ms, 1s, 2.5s, 5s, 10s.
std::vector<double> latency_buckets();

// Exposed for tests and for other text outputs (INFO): a metric name check,
// and a number the way the exposition format spells it ("+Inf", "NaN", "0.25",
// "5e-05": the shortest text that reads back as the same double).
bool is_valid_metric_name(std::string_view name);
std::string format_metric_value(double v);

}  // namespace quorum::runtime
