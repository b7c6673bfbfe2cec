// Model-checker throughput: the whole default single-decree Paxos space
// (3 acceptors, ballots 1.1 and 1.2), in states per second.
#include <benchmark/benchmark.h>

#include "check/explorer.h"
#include "check/paxos_model.h"

namespace quorum::check {
namespace {

void BM_CheckPaxosDefault(benchmark::State& state) {
  std::uint64_t states = 0;
  for (auto _ : state) {
    ExploreReport r = explore(PaxosModel(PaxosModelOptions{}), ExploreLimits{});
    if (!r.complete || r.violation) state.SkipWithError("the default space must be exhausted cleanly");
    states += r.states;
  }
  state.counters["states_per_second"] =
      benchmark::Counter(static_cast<double>(states), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CheckPaxosDefault)->Unit(benchmark::kSecond)->Iterations(3);

}  // namespace
}  // namespace quorum::check
