// ReplicaHost for real, once per log protocol (Multi-Paxos, VSR): three hosts
// in one process, on one io_context, over
// loopback TCP with their own data directories and real fsyncs. Commands
// submitted at any replica commit and are answered there; a stopped replica
// recovers from its directory and catches up; a leader that is cut off is
// replaced; a replica past its deadline answers NOQUORUM. Every wait is
// bounded by a deadline on the io_context.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <asio.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/local_cluster.h"
#include "runtime/metrics.h"
#include "runtime/replica_host.h"

namespace quorum::runtime {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::uint16_t free_port() { return cluster::pick_free_ports(1).front(); }

class Cluster {
 public:
  Cluster(std::uint32_t n, std::string protocol) : protocol_(std::move(protocol)) {
    std::string tmpl = "/tmp/quorum-host-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl.data());
    for (std::uint32_t i = 1; i <= n; ++i) peers_[NodeId{i}] = PeerAddress{"127.0.0.1", free_port()};
    hosts_.resize(n);
    metrics_.resize(n);
    for (std::uint32_t i = 1; i <= n; ++i) start(i);
  }
  ~Cluster() {
    for (auto& h : hosts_) h.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  HostOptions options(std::uint32_t id) const {
    HostOptions o;
    o.self = NodeId{id};
    o.protocol = protocol_;
    o.peers = peers_;
    o.data_dir = dir_ + "/r" + std::to_string(id);
    o.tick = 5ms;
    o.retry_interval = 200ms;
    o.snapshot_every_slots = 20;
    return o;
  }
  void start(std::uint32_t id) {
    metrics_[id - 1] = std::make_unique<Registry>();
    hosts_[id - 1] = make_replica_host(io_, options(id), *metrics_[id - 1]);
    hosts_[id - 1]->start();
  }
  void stop(std::uint32_t id) { hosts_[id - 1].reset(); }
  ReplicaHost& host(std::uint32_t id) { return *hosts_[id - 1]; }
  bool up(std::uint32_t id) const { return hosts_[id - 1] != nullptr; }

  // Runs the loop until `pred` or the timeout; true if `pred` held.
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
    const auto end = Clock::now() + timeout;
    while (!pred()) {
      if (Clock::now() > end) return false;
      io_.run_for(5ms);
    }
    return true;
  }

  std::optional<std::uint32_t> leader() {
    for (std::uint32_t i = 1; i <= hosts_.size(); ++i) {
      if (up(i) && host(i).is_leader()) return i;
    }
    return std::nullopt;
  }

  // Submits at replica `at` and waits for the reply.
  std::optional<smr::Reply> run(std::uint32_t at, smr::Command cmd, std::chrono::milliseconds deadline = 5s) {
    std::optional<smr::Reply> reply;
    host(at).submit(std::move(cmd), Clock::now() + deadline, [&](const smr::Reply& r) { reply = r; });
    run_until([&] { return reply.has_value(); }, deadline + 2s);
    return reply;
  }

 private:
  std::string protocol_;
  asio::io_context io_;
  std::string dir_;
  std::map<NodeId, PeerAddress> peers_;
  std::vector<std::unique_ptr<Registry>> metrics_;
  std::vector<std::unique_ptr<ReplicaHost>> hosts_;
};

// Every test runs once per log protocol.
class ReplicaHostTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReplicaHostTest, CommandsCommitAndAreAnsweredAtEveryReplica) {
  Cluster c(3, GetParam());
  ASSERT_TRUE(c.run_until([&] { return c.leader().has_value(); })) << "no leader elected";
  for (std::uint32_t at = 1; at <= 3; ++at) {
    auto r = c.run(at, {"SET", "k" + std::to_string(at), "v" + std::to_string(at)});
    ASSERT_TRUE(r.has_value()) << "no reply at replica " << at;
    EXPECT_EQ(*r, smr::Reply::ok()) << r->to_string();
  }
  for (std::uint32_t at = 1; at <= 3; ++at) {
    auto r = c.run(at, {"MGET", "k1", "k2", "k3"});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, smr::Reply::array({smr::Reply::bulk("v1"), smr::Reply::bulk("v2"), smr::Reply::bulk("v3")}));
  }
  auto r = c.run(2, {"INCR", "k1"});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->is_error()) << "INCR of a non-integer is the state machine's error, through the log";
}

TEST_P(ReplicaHostTest, PipelinedCommandsFromOneReplicaAllCommitInOrder) {
  Cluster c(3, GetParam());
  ASSERT_TRUE(c.run_until([&] { return c.leader().has_value(); }));
  const std::uint32_t follower = *c.leader() % 3 + 1;
  std::vector<smr::Reply> replies;
  // 50 waves of 10 in flight: each wave takes at least one slot of its own,
  // so the follower passes the 20-slot snapshot point at least twice.
  for (std::size_t wave = 1; wave <= 50; ++wave) {
    for (int i = 0; i < 10; ++i) {
      c.host(follower).submit({"INCR", "n"}, Clock::now() + 10s, [&](const smr::Reply& r) { replies.push_back(r); });
    }
    ASSERT_TRUE(c.run_until([&] { return replies.size() == wave * 10; }, 20s)) << replies.size() << " replies";
  }
  std::vector<std::int64_t> seen;
  for (const auto& r : replies) {
    ASSERT_TRUE(r.is_integer()) << r.to_string();
    seen.push_back(r.integer_value());
  }
  std::sort(seen.begin(), seen.end());
  for (int i = 0; i < 500; ++i) EXPECT_EQ(seen[i], i + 1) << "every INCR ran exactly once";
  EXPECT_GT(c.host(follower).status().snapshots_taken, 0u) << "snapshots every 20 slots";
}

TEST_P(ReplicaHostTest, StoppedReplicaRecoversFromItsDirectoryAndCatchesUp) {
  Cluster c(3, GetParam());
  ASSERT_TRUE(c.run_until([&] { return c.leader().has_value(); }));
  const std::uint32_t leader = *c.leader();
  const std::uint32_t victim = leader % 3 + 1;
  ASSERT_EQ(c.run(leader, {"SET", "before", "1"}), smr::Reply::ok());
  c.stop(victim);
  for (int i = 0; i < 60; ++i) ASSERT_EQ(c.run(leader, {"SET", "k" + std::to_string(i), "x"}), smr::Reply::ok());
  c.start(victim);
  auto r = c.run(victim, {"GET", "k59"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, smr::Reply::bulk("x"));
  EXPECT_EQ(c.run(victim, {"GET", "before"}), smr::Reply::bulk("1"));
}

TEST_P(ReplicaHostTest, CutOffLeaderIsReplacedAndWritesContinue) {
  Cluster c(3, GetParam());
  ASSERT_TRUE(c.run_until([&] { return c.leader().has_value(); }));
  const std::uint32_t old = *c.leader();
  std::set<NodeId> others;
  for (std::uint32_t i = 1; i <= 3; ++i) {
    if (i != old) others.insert(NodeId{i});
  }
  c.host(old).block_peers(others);
  for (std::uint32_t i = 1; i <= 3; ++i) {
    if (i != old) c.host(i).block_peers({NodeId{old}});
  }
  ASSERT_TRUE(c.run_until([&] {
    for (std::uint32_t i = 1; i <= 3; ++i) {
      if (i != old && c.host(i).is_leader()) return true;
    }
    return false;
  })) << "no new leader among the majority";
  const std::uint32_t survivor = old % 3 + 1;
  EXPECT_EQ(c.run(survivor, {"SET", "after", "yes"}), smr::Reply::ok());
  // The cut-off replica cannot commit: its client gets NOQUORUM at the deadline.
  auto r = c.run(old, {"SET", "lost", "maybe"}, 500ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->is_error() && r->str().rfind("NOQUORUM", 0) == 0) << r->to_string();
  for (std::uint32_t i = 1; i <= 3; ++i) c.host(i).heal();
  auto back = c.run(old, {"GET", "after"}, 10s);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, smr::Reply::bulk("yes"));
}

INSTANTIATE_TEST_SUITE_P(Protocols, ReplicaHostTest, ::testing::Values("multipaxos", "vsr"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace quorum::runtime
