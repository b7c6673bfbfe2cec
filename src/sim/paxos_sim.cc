#include "sim/paxos_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "sim/nemesis.h"
#include "sim/swarm.h"
#include "sim/paxos_cluster.h"

namespace quorum::sim {
namespace {

struct Client {
  NodeId node;
  Value value;
  std::uint64_t start_tick;
  bool started = false;
};

// Everything the seed decides before the run starts.
struct Plan {
  PaxosClusterOptions cluster;
  std::vector<Client> clients;
  NemesisOptions nemesis;
  Swarm swarm;
  bool swarmed = false;
};

Plan make_plan(Prng& prng, const paxos::Bugs& bugs, paxos::LearnerRule learner, bool swarm) {
  Plan p;
  p.cluster.nodes = prng.chance(500'000) ? 3 : 5;
  p.cluster.bugs = bugs;
  p.cluster.learner = learner;
  p.cluster.network.drop_ppm = static_cast<std::uint32_t>(prng.range(0, 200'000));
  p.cluster.network.duplicate_ppm = static_cast<std::uint32_t>(prng.range(0, 100'000));
  p.cluster.network.delay_min_ticks = 1;
  p.cluster.network.delay_max_ticks = static_cast<std::uint32_t>(prng.range(1, 12));
  p.cluster.storage = draw_storage_options(prng, 6, /*disk_faults=*/true);
  p.nemesis.crash_ppm = static_cast<std::uint32_t>(prng.range(0, 4000));
  p.nemesis.partition_ppm = static_cast<std::uint32_t>(prng.range(0, 4000));
  p.nemesis.bit_flip_ppm = 20'000;

  // 2..n proposers on distinct nodes, each with its own value; often all at
  // once, to make them duel.
  std::vector<std::uint32_t> ids;
  for (std::uint32_t i = 1; i <= p.cluster.nodes; ++i) ids.push_back(i);
  for (std::size_t i = ids.size() - 1; i > 0; --i) {
    std::swap(ids[i], ids[prng.range(0, i)]);
  }
  auto proposers = prng.range(2, p.cluster.nodes);
  bool together = prng.chance(500'000);
  for (std::uint64_t i = 0; i < proposers; ++i) {
    std::uint64_t start = together ? 1 : prng.range(1, 120);
    p.clients.push_back(Client{NodeId{ids[i]}, "v" + std::to_string(ids[i]), start});
    // Only proposers own ballots, so the consecutive learner's numbering
    // has no gaps at nodes that never propose.
    p.cluster.proposers.insert(NodeId{ids[i]});
  }
  if (swarm) {
    // Drawn last, so the draws above are the same with and without it.
    Prng swarm_prng(prng.fork());
    p.swarm = draw_swarm(swarm_prng, /*scenarios=*/false);
    p.swarmed = true;
    FaultRates r{p.cluster.network.drop_ppm,
                 p.cluster.network.duplicate_ppm,
                 p.cluster.network.delay_max_ticks,
                 p.nemesis.crash_ppm,
                 p.nemesis.partition_ppm,
                 true,
                 true,
                 p.cluster.storage.sync_latency_max_ticks,
                 p.cluster.storage.disk.torn_write_per_million,
                 p.nemesis.bit_flip_ppm};
    apply_swarm(p.swarm, r);
    p.cluster.network.drop_ppm = r.drop_ppm;
    p.cluster.network.duplicate_ppm = r.duplicate_ppm;
    p.cluster.network.delay_max_ticks = r.delay_max_ticks;
    p.nemesis.crash_ppm = r.crash_ppm;
    p.nemesis.partition_ppm = r.partition_ppm;
    p.nemesis.symmetric_partitions = r.symmetric_partitions;
    p.nemesis.one_way_partitions = r.one_way_partitions;
    p.cluster.storage.sync_latency_max_ticks = r.sync_latency_max_ticks;
    p.cluster.storage.disk.torn_write_per_million = r.torn_write_per_million;
    p.nemesis.bit_flip_ppm = r.bit_flip_ppm;
  }
  return p;
}

std::string describe_plan(const Plan& p) {
  std::string proposers;
  for (const Client& c : p.clients) proposers += fmt::format(" {}@{}", c.node.value(), c.start_tick);
  return fmt::format(
      "nodes={} drop={:.1f}% dup={:.1f}% delay=1..{} sync=0..{} torn={:.0f}% crash/tick={}ppm "
      "partition/tick={}ppm proposers:{}",
      p.cluster.nodes, p.cluster.network.drop_ppm / 1e4, p.cluster.network.duplicate_ppm / 1e4,
      p.cluster.network.delay_max_ticks, p.cluster.storage.sync_latency_max_ticks,
      p.cluster.storage.disk.torn_write_per_million / 1e4, p.nemesis.crash_ppm,
      p.nemesis.partition_ppm, proposers) +
         (p.swarmed ? " " + p.swarm.describe() : "");
}

// Clients (re)submit their value to their node whenever it is up and has not
// learned: a restarted node forgot the request, so its client retries.
void drive_clients(std::vector<Client>& clients, PaxosCluster& c) {
  for (Client& cl : clients) {
    if (cl.start_tick > c.now() || !c.is_up(cl.node)) continue;
    const paxos::Node* n = c.node(cl.node);
    if (n->learned() || n->proposer().has_value()) continue;
    c.propose(cl.node, cl.value);
    cl.started = true;
  }
}

}  // namespace

RunResult run_paxos(std::uint64_t seed, const PaxosSimOptions& options) {
  RunResult r;
  r.seed = seed;
  Prng prng(seed);
  Plan plan = make_plan(prng, options.bugs, options.learner, options.swarm);
  r.parameters = describe_plan(plan);
  if (plan.swarmed) r.fault_kinds = plan.swarm.kinds_on();
  Trace trace(options.keep_trace);
  trace.event(0, "seed " + std::to_string(seed) + ": " + r.parameters);

  ScopedInvariantHandler handler(&throwing_invariant_handler);
  PaxosCluster cluster(plan.cluster, prng.fork(), &trace);
  Nemesis nemesis(plan.nemesis, prng.fork());
  try {
    while (cluster.now() < options.safety_ticks) {
      nemesis.step(cluster, trace);
      drive_clients(plan.clients, cluster);
      cluster.tick();
    }
    nemesis.heal(cluster, trace);
    NetworkOptions calm = plan.cluster.network;
    calm.drop_ppm = 0;
    calm.duplicate_ppm = 0;
    cluster.network().set_options(calm);
    std::uint64_t deadline = cluster.now() + options.liveness_ticks;
    while (!cluster.all_up_nodes_learned() && cluster.now() < deadline) {
      drive_clients(plan.clients, cluster);
      cluster.tick();
    }
    if (!cluster.all_up_nodes_learned()) {
      std::string missing;
      for (std::uint32_t i = 1; i <= cluster.size(); ++i) {
        if (!cluster.node(NodeId{i})->learned()) missing += " " + std::to_string(i);
      }
      throw InvariantFailure{"Liveness",
                             "after " + std::to_string(options.liveness_ticks) +
                                 " fault-free ticks these nodes had not learned:" + missing,
                             "sim"};
    }
  } catch (const InvariantFailure& f) {
    r.violation = Violation{f.property, f.message, cluster.now()};
    trace.event(cluster.now(), "VIOLATION " + f.property + ": " + f.message);
  }

  for (const Client& cl : plan.clients) {
    if (cl.started && cluster.is_up(cl.node) && cluster.node(cl.node)->learned()) ++r.ops_completed;
  }
  r.decision_tick = cluster.first_decision_tick();
  r.proposal_ballots = cluster.proposal_ballots();
  r.ticks = cluster.now();
  r.messages_delivered = cluster.delivered();
  r.faults = nemesis.faults(cluster);
  r.trace_hash = trace.hash();
  r.trace = trace.lines();
  return r;
}

}  // namespace quorum::sim
