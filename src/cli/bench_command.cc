// quorum bench: closed-loop RESP load against servers it is pointed at
// (--target, any Redis-protocol server) or against a local cluster of real
// `quorum start` processes it starts itself (DESIGN.md section 5).
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "client/load_generator.h"
#include "cluster/local_cluster.h"

namespace quorum::cli {

namespace {

struct BenchFlags {
  std::vector<std::string> targets;
  std::size_t replicas = 3;
  std::string protocol = "multipaxos";
  int clients = 50;
  int pipeline = 1;
  std::size_t value_bytes = 16;
  double read_ratio = 0.0;
  std::size_t keys = 100'000;
  double duration_s = 10;
  double warmup_s = 1;
  int threads = 1;
  std::uint64_t seed = 1;
  double request_timeout_s = 5;
  bool no_fsync = false;
  bool keep_dirs = false;
  bool json = false;
};

// How long a freshly started cluster gets to elect its first leader.
constexpr std::chrono::milliseconds kLeaderTimeout{15'000};

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

std::string self_binary() {
  // The path, not /proc/self/exe itself, so messages and logs name it.
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw cluster::ClusterError(std::string("readlink /proc/self/exe: ") + std::strerror(errno));
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

// What is being measured, for the report.
struct Setup {
  std::size_t replicas = 0;
  std::string target;  // host:port[,host:port...]
  bool local = false;
  std::uint32_t leader = 0;
};

void print_text(const BenchFlags& f, const Setup& s, const client::LoadResult& r) {
  if (s.local) {
    std::cout << fmt::format("quorum bench: {} local replicas ({}, fsync {}), leader {} at {}\n", s.replicas,
                             f.protocol, f.no_fsync ? "off" : "on", s.leader, s.target);
  } else {
    std::cout << fmt::format("quorum bench: {}\n", s.target);
  }
  std::cout << fmt::format(
      "  clients {}, pipeline {}, value {} B, read ratio {:.2f}, keys {}, {:.1f} s after {:.1f} s warm-up\n\n",
      f.clients, f.pipeline, f.value_bytes, f.read_ratio, f.keys, f.duration_s, f.warmup_s);
  const auto& h = r.latency;
  std::cout << fmt::format("  {:<12} {} (SET {}, GET {})\n", "ops", r.ops, r.writes, r.reads);
  std::cout << fmt::format("  {:<12} {:.0f} ops/s\n", "throughput", r.ops_per_sec());
  std::cout << fmt::format("  {:<12} p50 {}  p99 {}  p99.9 {}  max {}  mean {:.0f}\n", "latency (us)",
                           h.value_at_percentile(50), h.value_at_percentile(99), h.value_at_percentile(99.9), h.max(),
                           h.mean());
  std::string errors;
  for (const auto& [kind, n] : r.errors) errors += fmt::format("{}{} {}", errors.empty() ? "" : ", ", kind, n);
  std::cout << fmt::format("  {:<12} {}\n", "errors", errors.empty() ? "none" : errors);
  std::cout << fmt::format("  {:<12} {} reconnects, {} failed connects, {} lost requests, {} timeouts\n",
                           "connections", r.reconnects, r.connect_failures, r.lost_requests, r.timeouts);
}

void print_json(const BenchFlags& f, const Setup& s, const client::LoadResult& r) {
  const auto& h = r.latency;
  nlohmann::json j;
  j["ops_per_sec"] = r.ops_per_sec();
  j["p50_us"] = h.value_at_percentile(50);
  j["p99_us"] = h.value_at_percentile(99);
  j["p999_us"] = h.value_at_percentile(99.9);
  j["max_us"] = h.max();
  j["mean_us"] = h.mean();
  j["replicas"] = s.replicas;
  if (s.local) {
    j["protocol"] = f.protocol;
    j["leader"] = s.leader;
  } else {
    j["target"] = s.target;
  }
  j["fsync"] = !f.no_fsync;
  j["clients"] = f.clients;
  j["value_bytes"] = f.value_bytes;
  j["pipeline"] = f.pipeline;
  j["read_ratio"] = f.read_ratio;
  j["keys"] = f.keys;
  j["duration_s"] = f.duration_s;
  j["warmup_s"] = f.warmup_s;
  j["ops"] = r.ops;
  j["reads"] = r.reads;
  j["writes"] = r.writes;
  j["errors"] = nlohmann::json::object();
  for (const auto& [kind, n] : r.errors) j["errors"][kind] = n;
  j["reconnects"] = r.reconnects;
  j["connect_failures"] = r.connect_failures;
  j["lost_requests"] = r.lost_requests;
  j["timeouts"] = r.timeouts;
  std::cout << j.dump() << "\n";
}

int run_bench(const BenchFlags& f) {
  client::LoadOptions o;
  o.clients = f.clients;
  o.pipeline = f.pipeline;
  o.value_bytes = f.value_bytes;
  o.read_ratio = f.read_ratio;
  o.keys = f.keys;
  o.duration = to_ms(f.duration_s);
  o.warmup = to_ms(f.warmup_s);
  o.threads = f.threads;
  o.seed = f.seed;
  o.request_timeout = to_ms(f.request_timeout_s);

  Setup setup;
  std::unique_ptr<cluster::LocalCluster> local;
  try {
    if (!f.targets.empty()) {
      for (const auto& t : f.targets) o.targets.push_back(client::parse_endpoint(t));
      setup.replicas = o.targets.size();
      setup.target = join(f.targets, ",");
    } else {
      cluster::LocalClusterOptions co;
      co.binary = self_binary();
      co.replicas = f.replicas;
      co.protocol = f.protocol;
      co.keep_dirs = f.keep_dirs;
      if (f.no_fsync) co.extra_args.push_back("--no-fsync");
      local = std::make_unique<cluster::LocalCluster>(co);
      std::cerr << fmt::format("quorum bench: starting {} replicas ...\n", f.replicas);
      local->start();
      const auto leader = local->wait_for_leader(kLeaderTimeout);
      if (!leader) {
        std::cerr << fmt::format("quorum bench: no leader within {} s; logs in {}\n", kLeaderTimeout.count() / 1000,
                                 local->base_dir());
        for (std::uint32_t id = 1; id <= local->size(); ++id) {
          std::cerr << "--- replica " << id << ":\n" << local->log_tail(id, 1024) << "\n";
        }
        return 1;
      }
      setup.local = true;
      setup.replicas = f.replicas;
      setup.leader = *leader;
      setup.target = fmt::format("127.0.0.1:{}", local->client_port(*leader));
      o.targets.push_back(client::Endpoint{"127.0.0.1", local->client_port(*leader)});
      std::cerr << fmt::format("quorum bench: leader is replica {} ({}); data and logs in {}\n", *leader,
                               setup.target, local->base_dir());
    }
    if (auto problem = client::validate(o); !problem.empty()) {
      std::cerr << "quorum bench: " << problem << "\n";
      return 2;
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "quorum bench: " << e.what() << "\n";
    return 2;
  } catch (const cluster::ClusterError& e) {
    std::cerr << "quorum bench: " << e.what() << "\n";
    return 1;
  }

  client::LoadResult result;
  try {
    result = client::run_load(o);
  } catch (const std::exception& e) {
    std::cerr << "quorum bench: " << e.what() << "\n";
    return 1;
  }
  if (local) {
    try {
      local->stop();
    } catch (const cluster::ClusterError& e) {
      std::cerr << "quorum bench: " << e.what() << "\n";
    }
  }
  if (f.json) {
    print_json(f, setup, result);
  } else {
    print_text(f, setup, result);
  }
  if (result.ops == 0) {
    std::cerr << "quorum bench: no request succeeded\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "closed-loop RESP load test against --target servers, or a local cluster it starts");
  cmd->add_option("--target", f->targets, "host:port of a RESP server (repeatable; any Redis-protocol server)");
  cmd->add_option("--replicas", f->replicas, "replicas of the local cluster (without --target)")
      ->check(CLI::Range(std::size_t{1}, cluster::kMaxLocalReplicas));
  cmd->add_option("--protocol", f->protocol, "protocol of the local cluster")
      ->check(CLI::IsMember({"multipaxos", "vsr"}));
  cmd->add_option("--clients", f->clients, "connections, each with --pipeline requests in flight")
      ->check(CLI::Range(1, client::kMaxClients));
  cmd->add_option("--pipeline", f->pipeline, "requests in flight per connection")
      ->check(CLI::Range(1, client::kMaxPipeline));
  cmd->add_option("--value-bytes", f->value_bytes, "size of each SET value")
      ->check(CLI::Range(std::size_t{0}, client::kMaxBenchValueBytes));
  cmd->add_option("--read-ratio", f->read_ratio, "fraction of requests that are GETs")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--keys", f->keys, "distinct keys (key:0 .. key:N-1, uniform)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000'000}));
  cmd->add_option("--duration", f->duration_s, "seconds measured")->check(CLI::Range(0.001, 86'400.0));
  cmd->add_option("--warmup", f->warmup_s, "seconds of load before measuring")->check(CLI::Range(0.0, 3'600.0));
  cmd->add_option("--threads", f->threads, "client threads")->check(CLI::Range(1, client::kMaxThreads));
  cmd->add_option("--seed", f->seed, "seed of the key and operation choices");
  cmd->add_option("--request-timeout", f->request_timeout_s, "seconds before a silent connection is reopened")
      ->check(CLI::Range(0.001, 600.0));
  cmd->add_flag("--no-fsync", f->no_fsync,
                "local cluster: replicas skip fdatasync (unsafe). With --target it only labels the "
                "result (\"fsync\": false)");
  cmd->add_flag("--keep-dirs", f->keep_dirs, "keep the local cluster's data and logs");
  cmd->add_flag("--json", f->json, "print one JSON object on stdout");
  cmd->callback([f, &exit_code] { exit_code = run_bench(*f); });
}

}  // namespace quorum::cli
