// Random KV histories that are linearizable by construction, for tests and
// benchmarks of the checker (and of anything that consumes histories).
//
// Clients run one operation at a time: think, invoke, wait a random latency,
// return. Every operation that takes effect is applied atomically to a
// sequential KV store at a random instant inside its interval, in the order of
// those instants, and its output is what the store returned then. A few
// operations time out (recorded unknown: they take effect at a random instant
// up to 3 latencies after their invocation, or never) or fail (recorded
// failed: they never take effect).
//
// SET values are unique non-integers ("v<n>", written by exactly one SET) or
// small integers (so INCR both succeeds and errs).
#pragma once

#include <cstdint>

#include "lincheck/history.h"

namespace quorum::lincheck {

struct GeneratorOptions {
  std::uint64_t seed = 1;
  std::size_t ops = 1000;
  std::size_t clients = 16;
  std::size_t keys = 50;
  // Per mille of each kind; GET takes the rest.
  std::uint32_t set_permille = 300;
  std::uint32_t del_permille = 50;
  std::uint32_t incr_permille = 150;
  std::uint32_t exists_permille = 50;
  // Per mille of SET values that are integers (the others are "v<n>").
  std::uint32_t integer_value_permille = 300;
  std::uint32_t unknown_permille = 20;
  std::uint32_t failed_permille = 10;
  // Times: think time between a client's ops and op latency, in [1, max].
  Time max_think = 5;
  Time max_latency = 20;
};

History generate_linearizable_history(const GeneratorOptions& options);

}  // namespace quorum::lincheck
