// Linearizability checker: time to check generated linearizable KV histories
// (lincheck/generator.h: 16 clients, mixed GET/SET/DEL/INCR/EXISTS, 2% of ops
// time out and 1% fail). Reported in ms per check().
#include <benchmark/benchmark.h>

#include <cstdint>

#include "lincheck/checker.h"
#include "lincheck/generator.h"

namespace {

using quorum::lincheck::CheckResult;
using quorum::lincheck::GeneratorOptions;
using quorum::lincheck::History;
using quorum::lincheck::Verdict;

void run_check(benchmark::State& state, const GeneratorOptions& g) {
  const History h = quorum::lincheck::generate_linearizable_history(g);
  std::uint64_t states = 0;
  for (auto _ : state) {
    const CheckResult r = quorum::lincheck::check(h);
    if (r.verdict != Verdict::Linearizable) {
      state.SkipWithError("generated history not reported linearizable");
      return;
    }
    states = r.states_explored;
    benchmark::DoNotOptimize(states);
  }
  state.counters["ops"] = static_cast<double>(h.size());
  state.counters["states"] = static_cast<double>(states);
  state.counters["ops_per_s"] =
      benchmark::Counter(static_cast<double>(h.size()), benchmark::Counter::kIsIterationInvariantRate);
}

// `ops` operations by 16 clients over `keys` keys.
void BM_LincheckGenerated(benchmark::State& state) {
  GeneratorOptions g;
  g.seed = 42;
  g.ops = static_cast<std::size_t>(state.range(0));
  g.keys = static_cast<std::size_t>(state.range(1));
  g.clients = 16;
  run_check(state, g);
}
BENCHMARK(BM_LincheckGenerated)
    ->ArgNames({"ops", "keys"})
    ->Args({1'000, 50})
    ->Args({10'000, 50})
    ->Args({10'000, 1})  // one hot key: 16 clients contending
    ->Unit(benchmark::kMillisecond);

// The hot key with many timeouts (10% of ops unknown).
void BM_LincheckHotKeyManyTimeouts(benchmark::State& state) {
  GeneratorOptions g;
  g.seed = 7;
  g.ops = static_cast<std::size_t>(state.range(0));
  g.keys = 1;
  g.clients = 16;
  g.unknown_permille = 100;
  run_check(state, g);
}
BENCHMARK(BM_LincheckHotKeyManyTimeouts)->Arg(5'000)->Unit(benchmark::kMillisecond);

}  // namespace
