#include "runtime/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "core/assert.h"

namespace quorum::runtime {

namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// HELP text escapes only backslash and newline (format 0.0.4).
void append_help_escaped(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_header(std::string& out, const std::string& name, const std::string& help, std::string_view type) {
  if (!help.empty()) {
    out += "# HELP ";
    out += name;
    out += ' ';
    append_help_escaped(out, help);
    out += '\n';
  }
  out += "# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void append_sample(std::string& out, const std::string& name, std::string_view suffix, std::string_view value) {
  out += name;
  out += suffix;
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

bool is_valid_metric_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  return std::all_of(name.begin(), name.end(), is_name_char);
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // fmt's default is the shortest round-trip form, switching to an exponent
  // only for very small or very large magnitudes, like Go's strconv that
  // Prometheus itself uses; so bucket labels read "0.001", "2.5", "10".
  return fmt::format("{}", v);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  QUORUM_ASSERT(!bounds_.empty(), "a histogram needs at least one finite bucket bound");
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    QUORUM_ASSERT(std::isfinite(bounds_[i]), "histogram bounds must be finite (+Inf is implicit)");
    QUORUM_ASSERT(i == 0 || bounds_[i - 1] < bounds_[i], "histogram bounds must be strictly increasing");
  }
}

void Histogram::observe(double v) {
  if (std::isnan(v)) return;
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  const auto index = static_cast<std::size_t>(std::distance(bounds_.begin(), at));
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::uint64_t Histogram::count() const {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) total += buckets_[i].load(std::memory_order_relaxed);
  return total;
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

double Histogram::quantile(double q) const {
  q = std::clamp(std::isnan(q) ? 0.0 : q, 0.0, 1.0);
  const std::vector<std::uint64_t> cumulative = cumulative_counts();
  const std::uint64_t total = cumulative.back();
  if (total == 0) return 0;
  const double rank = q * static_cast<double>(total);
  std::uint64_t below = 0;
  for (std::size_t i = 0; i < cumulative.size(); ++i) {
    const std::uint64_t in_bucket = cumulative[i] - below;
    // The first non-empty bucket whose cumulative count reaches the rank;
    // skipping empty ones keeps q = 0 at the lowest observed bucket.
    if (in_bucket > 0 && static_cast<double>(cumulative[i]) >= rank) {
      if (i == bounds_.size()) return bounds_.back();
      const double upper = bounds_[i];
      double lower = i > 0 ? bounds_[i - 1] : 0.0;
      if (i == 0 && upper <= 0) lower = upper;
      const double fraction = (rank - static_cast<double>(below)) / static_cast<double>(in_bucket);
      return lower + (upper - lower) * fraction;
    }
    below = cumulative[i];
  }
  return bounds_.back();  // unreachable: the last non-empty bucket reaches rank <= total
}

Registry::Entry* Registry::find_or_null(std::string_view name) {
  const auto it = metrics_.find(name);
  return it == metrics_.end() ? nullptr : &it->second;
}

Registry::Entry& Registry::insert(std::string_view name, std::string_view help) {
  QUORUM_ASSERT(is_valid_metric_name(name), fmt::format("invalid metric name '{}'", name));
  auto [it, inserted] = metrics_.emplace(std::string(name), Entry{std::string(help), {}});
  QUORUM_ASSERT(inserted, "metric registered twice");
  return it->second;
}

Counter& Registry::counter(std::string_view name, std::string_view help) {
  if (Entry* e = find_or_null(name)) {
    auto* existing = std::get_if<std::unique_ptr<Counter>>(&e->metric);
    QUORUM_ASSERT(existing != nullptr, fmt::format("metric '{}' already registered with another type", name));
    return **existing;
  }
  Entry& e = insert(name, help);
  return *e.metric.emplace<std::unique_ptr<Counter>>(std::make_unique<Counter>());
}

Gauge& Registry::gauge(std::string_view name, std::string_view help) {
  if (Entry* e = find_or_null(name)) {
    auto* existing = std::get_if<std::unique_ptr<Gauge>>(&e->metric);
    QUORUM_ASSERT(existing != nullptr, fmt::format("metric '{}' already registered with another type", name));
    return **existing;
  }
  Entry& e = insert(name, help);
  return *e.metric.emplace<std::unique_ptr<Gauge>>(std::make_unique<Gauge>());
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds) {
  if (Entry* e = find_or_null(name)) {
    auto* existing = std::get_if<std::unique_ptr<Histogram>>(&e->metric);
    QUORUM_ASSERT(existing != nullptr, fmt::format("metric '{}' already registered with another type", name));
    QUORUM_ASSERT((*existing)->bounds() == upper_bounds,
                  fmt::format("histogram '{}' already registered with other bounds", name));
    return **existing;
  }
  // Built before insertion, so a bad bound leaves the registry unchanged.
  auto h = std::make_unique<Histogram>(std::move(upper_bounds));
  Entry& e = insert(name, help);
  return *e.metric.emplace<std::unique_ptr<Histogram>>(std::move(h));
}

std::string Registry::render_prometheus() const {
  std::string out;
  for (const auto& [name, entry] : metrics_) {
    if (const auto* c = std::get_if<std::unique_ptr<Counter>>(&entry.metric)) {
      append_header(out, name, entry.help, "counter");
      append_sample(out, name, "", std::to_string((*c)->value()));
    } else if (const auto* g = std::get_if<std::unique_ptr<Gauge>>(&entry.metric)) {
      append_header(out, name, entry.help, "gauge");
      append_sample(out, name, "", format_metric_value((*g)->value()));
    } else if (const auto* h = std::get_if<std::unique_ptr<Histogram>>(&entry.metric)) {
      const Histogram& hist = **h;
      append_header(out, name, entry.help, "histogram");
      // One snapshot of the buckets feeds the buckets and _count alike.
      const std::vector<std::uint64_t> cumulative = hist.cumulative_counts();
      for (std::size_t i = 0; i < cumulative.size(); ++i) {
        const std::string le = i < hist.bounds().size() ? format_metric_value(hist.bounds()[i]) : "+Inf";
        out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, le, cumulative[i]);
      }
      append_sample(out, name, "_sum", format_metric_value(hist.sum()));
      append_sample(out, name, "_count", std::to_string(cumulative.back()));
    }
  }
  return out;
}

std::vector<double> latency_buckets() {
  return {50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3,
          50e-3, 100e-3, 250e-3, 500e-3, 1.0, 2.5, 5.0, 10.0};
}

}  // namespace quorum::runtime
