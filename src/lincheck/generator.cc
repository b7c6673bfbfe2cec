#include "lincheck/generator.h"

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace quorum::lincheck {

namespace {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : x_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (x_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi].
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) { return lo + next() % (hi - lo + 1); }
  bool permille(std::uint32_t p) { return next() % 1000 < p; }

 private:
  std::uint64_t x_;
};

struct PlannedOp {
  ClientId client = 0;
  OpKind kind = OpKind::Get;
  std::string key;
  std::string value;
  Time invoke = 0;
  Time ret = 0;
  Time effect = 0;  // the instant it takes effect (if it does)
  bool applies = true;
  OpStatus status = OpStatus::Ok;
  Output output;
};

// The sequential store: applies `op` and records its output.
void apply(std::map<std::string, std::string>& store, PlannedOp& op) {
  const auto it = store.find(op.key);
  switch (op.kind) {
    case OpKind::Get:
      op.output = it == store.end() ? Output::nil() : Output::value(it->second);
      return;
    case OpKind::Set:
      store[op.key] = op.value;
      op.output = Output::none();
      return;
    case OpKind::Del:
      op.output = Output::integer(it == store.end() ? 0 : 1);
      if (it != store.end()) store.erase(it);
      return;
    case OpKind::Exists:
      op.output = Output::integer(it == store.end() ? 0 : 1);
      return;
    case OpKind::Incr: {
      if (it == store.end()) {
        store[op.key] = "1";
        op.output = Output::integer(1);
        return;
      }
      // The generator only writes canonical integers or "v<n>" values.
      const std::string& v = it->second;
      const bool integer = !v.empty() && v[0] != 'v';
      if (!integer) {
        op.output = Output::error("ERR value is not an integer or out of range");
        return;
      }
      const std::int64_t n = std::stoll(v) + 1;
      it->second = std::to_string(n);
      op.output = Output::integer(n);
      return;
    }
  }
}

}  // namespace

History generate_linearizable_history(const GeneratorOptions& o) {
  if (o.clients == 0 || o.keys == 0 || o.max_think == 0 || o.max_latency == 0)
    throw std::invalid_argument("lincheck generator: clients, keys and times must be positive");
  Rng rng(o.seed);
  std::vector<Time> client_free(o.clients, 0);
  std::vector<PlannedOp> plan;
  plan.reserve(o.ops);
  for (std::size_t i = 0; i < o.ops; ++i) {
    // The client that becomes free first issues the next op.
    const auto c = static_cast<std::size_t>(
        std::min_element(client_free.begin(), client_free.end()) - client_free.begin());
    PlannedOp op;
    op.client = c + 1;
    op.key = "k" + std::to_string(rng.next() % o.keys);
    const std::uint64_t k = rng.next() % 1000;
    std::uint64_t edge = o.set_permille;
    if (k < edge) {
      op.kind = OpKind::Set;
      op.value = rng.permille(o.integer_value_permille) ? std::to_string(rng.range(0, 20))
                                                        : "v" + std::to_string(i);
    } else if (k < (edge += o.del_permille)) {
      op.kind = OpKind::Del;
    } else if (k < (edge += o.incr_permille)) {
      op.kind = OpKind::Incr;
    } else if (k < (edge += o.exists_permille)) {
      op.kind = OpKind::Exists;
    } else {
      op.kind = OpKind::Get;
    }
    op.invoke = client_free[c] + rng.range(1, o.max_think);
    const Time latency = rng.range(1, o.max_latency);
    op.ret = op.invoke + latency;
    op.effect = rng.range(op.invoke, op.ret);
    if (rng.permille(o.unknown_permille)) {
      op.status = OpStatus::Unknown;
      op.applies = rng.permille(500);
      op.effect = rng.range(op.invoke, op.invoke + 3 * o.max_latency);
    } else if (rng.permille(o.failed_permille)) {
      op.status = OpStatus::Failed;
      op.applies = false;
    }
    client_free[c] = op.ret;
    plan.push_back(std::move(op));
  }

  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < plan.size(); ++i)
    if (plan[i].applies) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return plan[a].effect < plan[b].effect; });
  std::map<std::string, std::string> store;
  for (const std::size_t i : order) apply(store, plan[i]);

  History h;
  for (PlannedOp& op : plan) {
    const OpId id = h.invoke(op.client, op.kind, op.key, op.value, op.invoke);
    switch (op.status) {
      case OpStatus::Ok:
        h.ok(id, std::move(op.output), op.ret);
        break;
      case OpStatus::Unknown:
        h.unknown(id);
        break;
      default:
        h.failed(id);
        break;
    }
  }
  return h;
}

}  // namespace quorum::lincheck
