#include "sim/log_sim.h"

#include <fmt/format.h>

#include "lincheck/checker.h"
#include "sim/log_cluster.h"
#include "sim/nemesis.h"
#include "sim/swarm.h"
#include "sim/workload.h"

namespace quorum::sim {
namespace {

template <class P>
struct Plan {
  LogClusterOptions<P> cluster;
  WorkloadOptions workload;
  NemesisOptions nemesis;
  Swarm swarm;
  bool swarmed = false;
};

// The fault rates of a plan, and back, for apply_swarm.
template <class P>
FaultRates rates_of(const Plan<P>& p) {
  return {p.cluster.network.drop_ppm,   p.cluster.network.duplicate_ppm,
          p.cluster.network.delay_max_ticks, p.nemesis.crash_ppm,
          p.nemesis.partition_ppm,      p.nemesis.symmetric_partitions,
          p.nemesis.one_way_partitions, p.cluster.storage.sync_latency_max_ticks,
          p.cluster.storage.disk.torn_write_per_million, p.nemesis.bit_flip_ppm};
}

template <class P>
void set_rates(Plan<P>& p, const FaultRates& r) {
  p.cluster.network.drop_ppm = r.drop_ppm;
  p.workload.reply_drop_ppm = r.drop_ppm;
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

// What a targeted scenario changes in the cluster itself.
template <class P>
void apply_scenario(Plan<P>& p, Prng& prng) {
  p.nemesis.scenario = p.swarm.scenario;
  switch (p.swarm.scenario) {
    case Scenario::kCrashBeforeDurable:
      // Writes wait long enough on their way to the disk to be crashed under.
      p.cluster.storage.sync_latency_min_ticks = static_cast<std::uint32_t>(prng.range(2, 5));
      p.cluster.storage.sync_latency_max_ticks = static_cast<std::uint32_t>(prng.range(6, 30));
      break;
    case Scenario::kElectionStorm: {
      // Timeouts only a little above the round trip: elections or view
      // changes follow one another. Delays stay short so that a healed
      // cluster still settles (the liveness phase runs with these timers).
      log::Timing& t = p.cluster.timing;
      t.heartbeat_ticks = 3;
      t.election_timeout_min_ticks = static_cast<std::uint32_t>(prng.range(12, 20));
      t.election_timeout_max_ticks = t.election_timeout_min_ticks + static_cast<std::uint32_t>(prng.range(4, 16));
      t.leader_lease_ticks = t.election_timeout_min_ticks - 2;
      t.phase1_timeout_ticks = t.election_timeout_min_ticks;
      p.cluster.network.delay_max_ticks = std::min<std::uint32_t>(p.cluster.network.delay_max_ticks, 3);
      break;
    }
    default:
      break;
  }
}

template <class P>
Plan<P> make_plan(Prng& prng, const LogSimOptions<typename P::Bugs>& o) {
  Plan<P> p;
  p.cluster.replicas = prng.chance(600'000) ? 3 : 5;
  p.cluster.bugs = o.bugs;
  p.cluster.limits.max_batch_commands = o.max_batch_commands;
  p.cluster.network.drop_ppm = static_cast<std::uint32_t>(prng.range(0, 100'000));
  p.cluster.network.duplicate_ppm = static_cast<std::uint32_t>(prng.range(0, 50'000));
  p.cluster.network.delay_min_ticks = 1;
  p.cluster.network.delay_max_ticks = static_cast<std::uint32_t>(prng.range(1, 8));
  p.workload.clients = static_cast<std::uint32_t>(prng.range(2, 8));
  p.workload.keys = static_cast<std::uint32_t>(prng.range(2, 6));
  p.workload.reply_drop_ppm = p.cluster.network.drop_ppm;
  p.nemesis.crash_ppm = static_cast<std::uint32_t>(prng.range(0, 3000));
  p.nemesis.partition_ppm = static_cast<std::uint32_t>(prng.range(0, 3000));
  p.cluster.storage = draw_storage_options(prng, 10, /*disk_faults=*/true);
  p.nemesis.bit_flip_ppm = 20'000;
  p.cluster.snapshot_every_slots = prng.range(4, 64);
  p.cluster.snapshot_every_bytes = prng.chance(500'000) ? prng.range(512, 16'384) : 0;
  p.cluster.limits.snapshot_chunk_bytes = static_cast<std::uint32_t>(prng.range(64, 4096));
  // Overrides come after every draw, so they change nothing else the seed decides.
  if (o.window_slots != 0) p.cluster.limits.window_slots = o.window_slots;
  if (o.clients != 0) {
    // Keep contention per key about as it is by default: the history check
    // is exponential in the number of operations concurrent on one key.
    p.workload.clients = o.clients;
    p.workload.keys = std::max(p.workload.keys, o.clients);
  }
  if (o.swarm && !o.no_faults) {
    // Drawn after everything above, so the base draws are the same with and
    // without swarm testing.
    Prng swarm_prng(prng.fork());
    p.swarm = draw_swarm(swarm_prng, /*scenarios=*/true);
    p.swarmed = true;
    FaultRates r = rates_of(p);
    apply_swarm(p.swarm, r);
    set_rates(p, r);
    if (!p.swarm.snapshots) p.cluster.snapshot_every_slots = p.cluster.snapshot_every_bytes = 0;
    apply_scenario(p, swarm_prng);
  }
  if (o.no_faults) {
    p.cluster.network.drop_ppm = 0;
    p.cluster.network.duplicate_ppm = 0;
    p.workload.reply_drop_ppm = 0;
    p.nemesis.crash_ppm = 0;
    p.nemesis.partition_ppm = 0;
    p.cluster.storage.disk.torn_write_per_million = 0;
    p.nemesis.bit_flip_ppm = 0;
  }
  return p;
}

template <class P>
std::string describe_plan(const Plan<P>& p) {
  return fmt::format(
      "replicas={} clients={} keys={} drop={:.1f}% dup={:.1f}% delay=1..{} sync=0..{} torn={:.0f}% "
      "crash/tick={}ppm partition/tick={}ppm batch<={} window={} snapshot every {} slots/{} bytes "
      "chunk={}",
      p.cluster.replicas, p.workload.clients, p.workload.keys, p.cluster.network.drop_ppm / 1e4,
      p.cluster.network.duplicate_ppm / 1e4, p.cluster.network.delay_max_ticks,
      p.cluster.storage.sync_latency_max_ticks, p.cluster.storage.disk.torn_write_per_million / 1e4,
      p.nemesis.crash_ppm, p.nemesis.partition_ppm, p.cluster.limits.max_batch_commands,
      p.cluster.limits.window_slots, p.cluster.snapshot_every_slots, p.cluster.snapshot_every_bytes,
      p.cluster.limits.snapshot_chunk_bytes) +
         (p.swarmed ? " " + p.swarm.describe() : "");
}

template <class P>
class Port final : public ClientPort {
 public:
  explicit Port(LogCluster<P>& c) : c_(c) {}
  std::uint32_t replicas() const override { return c_.size(); }
  log::SubmitResult submit(NodeId replica, const smr::ClientRequest& request) override {
    return c_.submit(replica, request);
  }

 private:
  LogCluster<P>& c_;
};

template <class P>
RunResult run_log(std::uint64_t seed, const LogSimOptions<typename P::Bugs>& options) {
  RunResult r;
  r.seed = seed;
  Prng prng(seed);
  Plan<P> plan = make_plan<P>(prng, options);
  r.parameters = describe_plan(plan);
  if (plan.swarmed) {
    r.scenario = scenario_name(plan.swarm.scenario);
    r.fault_kinds = plan.swarm.kinds_on();
  }
  Trace trace(options.keep_trace);
  trace.event(0, "seed " + std::to_string(seed) + ": " + r.parameters);

  ScopedInvariantHandler handler(&throwing_invariant_handler);
  LogCluster<P> cluster(plan.cluster, prng.fork(), &trace);
  Workload workload(plan.workload, prng.fork());
  Nemesis nemesis(plan.nemesis, prng.fork());
  Port<P> port(cluster);
  cluster.set_on_reply([&](NodeId, const smr::ClientRequest& req, const smr::Reply& reply) {
    workload.on_reply(req, reply, cluster.now());
  });
  cluster.set_on_dropped([&](NodeId, const smr::ClientRequest& req) { workload.on_dropped(req); });

  auto run_until = [&](std::uint64_t deadline, auto done) {
    while (!done() && cluster.now() < deadline) {
      workload.tick(cluster.now(), port);
      cluster.tick();
    }
    return done();
  };

  try {
    while (cluster.now() < options.safety_ticks) {
      nemesis.step(cluster, trace);
      workload.tick(cluster.now(), port);
      cluster.tick();
    }
    nemesis.heal(cluster, trace);
    NetworkOptions calm = plan.cluster.network;
    calm.drop_ppm = 0;
    calm.duplicate_ppm = 0;
    cluster.network().set_options(calm);
    workload.stop_new();
    std::uint64_t given_up_before = workload.given_up();
    std::uint64_t deadline = cluster.now() + options.liveness_ticks;
    if (!run_until(deadline, [&] { return workload.idle(); })) {
      throw InvariantFailure{"Liveness", "client operations still pending after the faults healed", "sim"};
    }
    workload.final_reads(cluster.now());
    if (!run_until(deadline, [&] { return workload.idle(); })) {
      throw InvariantFailure{"Liveness", "the final reads did not complete after the faults healed", "sim"};
    }
    if (workload.given_up() != given_up_before) {
      throw InvariantFailure{"Liveness", "a client gave up on an operation after the faults healed", "sim"};
    }
    if (!run_until(deadline, [&] { return cluster.converged(); })) {
      throw InvariantFailure{"Liveness", "replicas did not converge to the same log after the faults healed", "sim"};
    }
    lincheck::CheckResult check = lincheck::check(workload.history());
    trace.event(cluster.now(), "history: " + std::to_string(check.ops_checked) + " ops on " +
                                   std::to_string(check.keys) + " keys, " +
                                   std::string(lincheck::to_string(check.verdict)));
    if (check.verdict == lincheck::Verdict::NotLinearizable) {
      throw InvariantFailure{"Linearizability", check.explanation(), "lincheck"};
    }
    if (check.verdict == lincheck::Verdict::Unknown) {
      throw InvariantFailure{"LinearizabilityUnchecked",
                             "the checker ran out of budget: " + check.explanation(), "lincheck"};
    }
    r.history_checked = true;
    r.history_ops = check.ops_checked;
  } catch (const InvariantFailure& f) {
    r.violation = Violation{f.property, f.message, cluster.now()};
    trace.event(cluster.now(), "VIOLATION " + f.property + ": " + f.message);
  }

  r.ops_completed = workload.completed();
  r.ticks = cluster.now();
  r.messages_delivered = cluster.delivered();
  r.commands_committed = cluster.commands_committed();
  r.leader_changes = cluster.leader_changes();
  r.snapshots_taken = cluster.snapshots_taken();
  r.snapshots_installed = cluster.snapshots_installed();
  r.faults = nemesis.faults(cluster);
  r.trace_hash = trace.hash();
  r.trace = trace.lines();
  return r;
}

}  // namespace

RunResult run_multipaxos(std::uint64_t seed, const MultiPaxosSimOptions& options) {
  return run_log<multipaxos::Protocol>(seed, options);
}

RunResult run_vsr(std::uint64_t seed, const VsrSimOptions& options) { return run_log<vsr::Protocol>(seed, options); }

}  // namespace quorum::sim
