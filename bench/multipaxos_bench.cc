// Per-step cost of a Multi-Paxos follower against the size of its uncommitted
// log. A replica restarted with tens of thousands of votes once spent all its
// CPU re-checking every vote after each step (PromiseIntegrity), so it stopped
// answering heartbeats; the check is O(1) now, and this shows the step cost
// does not grow with the votes held.
#include <benchmark/benchmark.h>

#include "multipaxos/replica.h"

namespace quorum::multipaxos {
namespace {

void BM_FollowerHeartbeatWithUncommittedVotes(benchmark::State& state) {
  const Ballot old_leader{1, NodeId{1}};
  DurableState recovered;
  recovered.promised = old_leader;
  for (std::int64_t i = 1; i <= state.range(0); ++i) {
    Slot s{static_cast<std::uint64_t>(i)};
    recovered.accepted[s] = SlotVote{s, old_leader, Batch{{"SET k v"}}};
  }
  Replica follower(Config{NodeId{2}, QuorumSystem::majority(NodeSet::first_n(3)), Timing{},
                          Limits{}, Bugs{}, /*seed=*/7},
                   recovered);
  const Envelope heartbeat{NodeId{3}, NodeId{2}, Heartbeat{Ballot{2, NodeId{3}}, Slot{0}}};
  for (auto _ : state) {
    follower.step(heartbeat);
    Output out = follower.take_output();
    for (const Write& w : out.writes) follower.on_durable(w.seq);
    benchmark::DoNotOptimize(out);
  }
  state.counters["votes"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_FollowerHeartbeatWithUncommittedVotes)->Arg(0)->Arg(1'000)->Arg(30'000);

}  // namespace
}  // namespace quorum::multipaxos
