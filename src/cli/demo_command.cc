// `quorum demo` (DESIGN.md section 5): a real 3-replica cluster of `quorum
// start` processes on loopback, a recorded client workload, kill -9 of the
// leader, fail-over, the killed replica restarted and catching up, and the
// linearizability check of everything the clients saw. About 30 s. Exit 0
// only if every step checked out.
//
// `quorum demo --simulated` is the narrated single-decree Paxos run in the
// simulator (cli/paxos_demo.cc).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/paxos_demo.h"
#include "cluster/history_client.h"
#include "cluster/local_cluster.h"
#include "cluster/nemesis.h"

namespace quorum::cli {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct DemoFlags {
  bool simulated = false;
  bool keep_dirs = false;
  std::size_t clients = 4;
  std::string binary;  // empty: this executable
  std::string protocol = "multipaxos";
};

// The script, in wall time. Together with start-up, fail-over, catch-up and
// the check it comes to about 30 s.
constexpr milliseconds kBeforeKill{8'000};
constexpr milliseconds kAfterKill{8'000};  // from the kill to the restart
constexpr milliseconds kAfterCatchUp{6'000};
constexpr milliseconds kProgressEvery{1'000};
constexpr milliseconds kPoll{100};
// Bounds on the steps that wait for the cluster.
constexpr milliseconds kLeaderTimeout{15'000};
constexpr milliseconds kCatchUpTimeout{20'000};
constexpr milliseconds kConvergeTimeout{15'000};
constexpr milliseconds kFinalReadTimeout{20'000};
// The clients stop on their own after this, whatever happens to the script.
constexpr milliseconds kWorkloadCap{120'000};

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "/proc/self/exe";
  return std::string(buf, static_cast<std::size_t>(n));
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double seconds_ns(lincheck::Time ns) { return static_cast<double>(ns) / 1e9; }

class RealDemo {
 public:
  explicit RealDemo(const DemoFlags& flags) : flags_(flags) {}

  int run() {
    try {
      return script();
    } catch (const cluster::ClusterError& e) {
      say(fmt::format("\nFAILED: {}\n", e.what()));
      return 1;
    }
  }

 private:
  void say(const std::string& text) {
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  }
  void line(const std::string& text) { say(fmt::format("[{:5.1f}s] {}\n", seconds(Clock::now() - t0_), text)); }

  // One progress line: throughput since the previous line and who leads.
  void progress() {
    const auto now = Clock::now();
    const cluster::HistoryClientStats s = workload_->stats();
    const double dt = std::max(seconds(now - last_progress_), 1e-3);
    const std::optional<std::uint32_t> leader = cluster_->leader();
    if (leader && (leaders_.empty() || leaders_.back() != *leader)) leaders_.push_back(*leader);
    line(fmt::format("{:5.0f} ops/s ({:4.0f} writes/s)  ok {:6}  unknown {:3}  failed {:3}  leader {}",
                     static_cast<double>(s.ops() - last_stats_.ops()) / dt,
                     static_cast<double>(s.writes_ok - last_stats_.writes_ok) / dt, s.ok, s.unknown, s.failed,
                     leader ? "replica " + std::to_string(*leader) : std::string("none")));
    last_stats_ = s;
    last_progress_ = now;
  }

  // Prints progress lines until `until`, or until `done` (polled every kPoll)
  // returns true. Returns whether `done` did.
  template <typename Done>
  bool wait(Clock::time_point until, Done done) {
    while (Clock::now() < until) {
      if (done()) return true;
      if (Clock::now() - last_progress_ >= kProgressEvery) progress();
      std::this_thread::sleep_for(kPoll);
    }
    return done();
  }
  void run_for(milliseconds d) {
    wait(Clock::now() + d, [] { return false; });
  }

  int script() {
    cluster::LocalClusterOptions o;
    o.binary = flags_.binary.empty() ? self_exe() : flags_.binary;
    o.replicas = 3;
    o.protocol = flags_.protocol;
    o.keep_dirs = flags_.keep_dirs;
    // Below the clients' 3 s timeout: a replica that cannot commit says so
    // (-NOQUORUM) before the client gives up on it.
    o.extra_args = {"--request-timeout-ms", "2000"};
    cluster::LocalCluster cluster(o);
    cluster_ = &cluster;
    t0_ = Clock::now();

    say(fmt::format("quorum demo: a real 3-replica {} cluster on loopback, a recorded client\n",
                    flags_.protocol == "vsr" ? "Viewstamped Replication" : "Multi-Paxos"));
    say("workload, kill -9 of the leader, fail-over, restart and catch-up, and a\n"
        "linearizability check of every reply the clients got.\n\n");
    cluster.start();
    say(fmt::format("  directory {}\n", cluster.base_dir()));
    for (std::uint32_t id = 1; id <= cluster.size(); ++id) {
      say(fmt::format("  replica {}: pid {:<7} client port {:<5} (redis-cli -p {})  admin http://127.0.0.1:{}/status\n",
                      id, cluster.pid(id), cluster.client_port(id), cluster.client_port(id), cluster.admin_port(id)));
    }
    say("\n");

    const auto first = cluster.wait_for_leader(kLeaderTimeout);
    if (!first) {
      line("no leader elected within 15 s");
      return 1;
    }
    leaders_.push_back(*first);
    line(fmt::format("replica {} is the leader", *first));

    cluster::HistoryClientOptions wo;
    wo.clients = flags_.clients;
    wo.seed = 42;
    cluster::HistoryClient workload(cluster, wo);
    workload_ = &workload;
    const auto keys = workload.keys();
    line(
        fmt::format("workload: {} clients, one per connection, round robin over the replicas; GET/SET on "
                    "{} and GET/INCR on {}; every call and reply recorded with its time",
                    wo.clients, fmt::join(keys.begin(), keys.begin() + static_cast<long>(wo.registers), " "),
                    fmt::join(keys.begin() + static_cast<long>(wo.registers), keys.end(), " ")));
    workload.start(kWorkloadCap);
    last_progress_ = Clock::now();
    run_for(kBeforeKill);

    // ---- kill -9 the leader
    const std::optional<std::uint32_t> victim = cluster.leader();
    if (!victim) {
      line("no leader to kill");
      return 1;
    }
    if (leaders_.empty() || leaders_.back() != *victim) leaders_.push_back(*victim);
    line(fmt::format(">>> kill -9 replica {}, the leader (pid {})", *victim, cluster.pid(*victim)));
    const lincheck::Time kill_ns = workload.now();
    const auto kill_at = Clock::now();
    cluster.kill(*victim);

    std::optional<std::uint32_t> successor;
    const bool elected = wait(kill_at + kLeaderTimeout, [&] {
      successor = cluster.leader();
      return successor && *successor != *victim;
    });
    std::optional<double> failover_s;
    if (!elected) {
      line("no new leader within 15 s of the kill");
    } else {
      failover_s = seconds(Clock::now() - kill_at);
      if (leaders_.back() != *successor) leaders_.push_back(*successor);
      line(fmt::format(">>> replica {} took over as leader, {:.2f} s after the kill", *successor, *failover_s));
    }
    wait(kill_at + kAfterKill, [] { return false; });

    // ---- restart it and watch it catch up
    line(fmt::format(">>> restarting replica {} (same data directory and ports)", *victim));
    const auto restart_at = Clock::now();
    cluster.restart(*victim);
    const auto up_at = Clock::now();
    std::uint64_t behind_at_start = 0;
    {
      const auto a = cluster::applied_index(cluster, *victim);
      const auto l = cluster.leader();
      const auto b = l ? cluster::applied_index(cluster, *l) : std::nullopt;
      if (a && b && *b > *a) behind_at_start = *b - *a;
      line(fmt::format("replica {} is up (pid {}) after {:.2f} s: applied_index {}, the leader's {}", *victim,
                       cluster.pid(*victim), seconds(up_at - restart_at), a ? std::to_string(*a) : "?",
                       b ? std::to_string(*b) : "?"));
    }
    std::optional<std::uint64_t> previous_leader_applied;
    std::uint64_t caught_up_index = 0;
    const bool caught_up = wait(up_at + kCatchUpTimeout, [&] {
      // Caught up: it has applied what the leader had applied one poll ago
      // (the leader keeps moving under load).
      const auto l = cluster.leader();
      const auto lead = l && *l != *victim ? cluster::applied_index(cluster, *l) : std::nullopt;
      const auto mine = cluster::applied_index(cluster, *victim);
      const bool ok = mine && previous_leader_applied && *mine >= *previous_leader_applied;
      if (ok) caught_up_index = *mine;
      if (lead) previous_leader_applied = lead;
      return ok;
    });
    std::optional<double> catch_up_s;
    if (!caught_up) {
      line(fmt::format("replica {} did not catch up within 20 s", *victim));
    } else {
      catch_up_s = seconds(Clock::now() - up_at);
      line(
          fmt::format(">>> replica {} caught up: applied_index {} ({} slots behind at restart), {:.2f} s after it "
                      "came up",
                      *victim, caught_up_index, behind_at_start, *catch_up_s));
    }
    run_for(kAfterCatchUp);

    // ---- stop and check
    progress();
    line("stopping the workload");
    workload.stop();
    const bool converged = cluster::wait_until_converged(cluster, kConvergeTimeout);
    line(converged ? "every replica has applied the leader's last commit"
                   : "the replicas did not converge within 15 s");
    line("reading every key at every replica");
    const cluster::FinalReadReport reads = workload.final_reads(kFinalReadTimeout);
    const std::vector<cluster::RecordedOp>& ops = workload.ops();
    line(fmt::format("checking linearizability of {} operations", ops.size()));
    const cluster::RunVerdict verdict = cluster::verify(ops);
    const auto end = Clock::now();

    // Writes resumed: the first acknowledged write invoked after the kill.
    std::optional<double> writes_resumed_s;
    for (const auto& op : ops) {
      if (op.status == lincheck::OpStatus::Ok && op.kind != lincheck::OpKind::Get && op.invoke_time > kill_ns &&
          (!writes_resumed_s || seconds_ns(op.return_time - kill_ns) < *writes_resumed_s)) {
        writes_resumed_s = seconds_ns(op.return_time - kill_ns);
      }
    }
    std::size_t ok = 0, unknown = 0, failed = 0;
    for (const auto& op : ops) {
      if (op.final_read) continue;
      if (op.status == lincheck::OpStatus::Ok) {
        ++ok;
      } else if (op.status == lincheck::OpStatus::Failed) {
        ++failed;
      } else {
        ++unknown;
      }
    }
    std::string leaders;
    for (auto id : leaders_) leaders += (leaders.empty() ? "" : " -> ") + std::to_string(id);

    const bool pass = elected && caught_up && converged && reads.complete() && verdict.ok();
    say("\nSummary\n");
    say(
        fmt::format("  operations    {} ok, {} unknown, {} failed  (unknown: timed out or cut off, may or may not "
                    "have taken effect; failed: refused)\n",
                    ok, unknown, failed));
    say(fmt::format("  leaders seen  {}\n", leaders));
    say(fmt::format("  fail-over     {}\n",
                    failover_s ? fmt::format("new leader {:.2f} s after kill -9; first write acknowledged {:.2f} s "
                                             "after the kill",
                                             *failover_s, writes_resumed_s.value_or(-1.0))
                               : std::string("NO new leader")));
    say(fmt::format("  catch-up      {}\n",
                    catch_up_s ? fmt::format("replica {} restarted in {:.2f} s and caught up {:.2f} s later", *victim,
                                             seconds(up_at - restart_at), *catch_up_s)
                               : std::string("NOT caught up")));
    say(fmt::format("  final reads   {} of {} (replica, key) pairs answered{}\n", reads.reads_ok,
                    cluster.size() * keys.size(),
                    reads.disagreements.empty() ? ", all replicas agree" : ", replicas disagree on some keys"));
    for (const auto& u : reads.unread) say("                unanswered: " + u + "\n");
    say(fmt::format("  lost writes   {}\n",
                    verdict.lost_writes.empty() && verdict.unchecked_keys.empty()
                        ? std::string("none (every acknowledged SET and INCR is in the final reads)")
                        : fmt::format("{} problems", verdict.lost_writes.size() + verdict.unchecked_keys.size())));
    for (const auto& l : verdict.lost_writes) say("                " + l + "\n");
    say(fmt::format("  linearizable  {}: {} operations on {} keys checked in {:.0f} ms\n",
                    verdict.lincheck.linearizable() ? "yes" : "NO", verdict.lincheck.ops_checked, verdict.lincheck.keys,
                    std::chrono::duration<double, std::milli>(verdict.lincheck.elapsed).count()));
    if (!verdict.lincheck.linearizable()) say(verdict.lincheck.explanation() + "\n");
    say(fmt::format("  result        {} in {:.1f} s\n\n", pass ? "PASS" : "FAIL", seconds(end - t0_)));
    if (!pass || flags_.keep_dirs) say(fmt::format("  replica logs: {}/replica-N.log\n", cluster.base_dir()));

    workload_ = nullptr;
    cluster.stop();
    cluster_ = nullptr;
    return pass ? 0 : 1;
  }

  DemoFlags flags_;
  cluster::LocalCluster* cluster_ = nullptr;
  cluster::HistoryClient* workload_ = nullptr;
  Clock::time_point t0_ = Clock::now();
  Clock::time_point last_progress_ = Clock::now();
  cluster::HistoryClientStats last_stats_;
  std::vector<std::uint32_t> leaders_;
};

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* cmd =
      app.add_subcommand("demo",
                         "3 real replicas on loopback: workload, kill -9 of the leader, fail-over, catch-up, "
                         "linearizability check (about 30 s)");
  cmd->add_flag("--simulated", flags->simulated, "the narrated single-decree Paxos run in the simulator instead");
  cmd->add_flag("--keep-dirs", flags->keep_dirs, "keep the replicas' data directories and logs");
  cmd->add_option("--clients", flags->clients, "concurrent clients")->check(CLI::Range(1, 64));
  cmd->add_option("--protocol", flags->protocol, "replication protocol of the cluster")
      ->check(CLI::IsMember({"multipaxos", "vsr"}));
  cmd->add_option("--binary", flags->binary, "the quorum executable to start replicas with (default: this one)");
  cmd->callback([flags, &exit_code] {
    if (flags->simulated) {
      exit_code = run_paxos_demo();
      return;
    }
    RealDemo demo(*flags);
    exit_code = demo.run();
  });
}

}  // namespace quorum::cli
