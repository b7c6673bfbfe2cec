// End-to-end (DESIGN.md section 4, level 5): three real `quorum start`
// processes on loopback, driven through LocalCluster. A leader is elected,
// every replica serves RESP (followers forward), kill -9 of the leader elects
// another and loses no acknowledged write, a restarted replica catches up,
// and a partitioned leader answers -NOQUORUM instead of hanging or serving
// stale data. Every wait is bounded; the cluster's processes are stopped by
// pid when a test ends, however it ends.
#include <gtest/gtest.h>

#include <thread>

#include "cluster/local_cluster.h"

#ifndef QUORUM_BINARY
#error "QUORUM_BINARY must name the quorum executable"
#endif

namespace quorum::cluster {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kElection{20'000};
constexpr milliseconds kRetryFor{20'000};

LocalClusterOptions options() {
  LocalClusterOptions o;
  o.binary = QUORUM_BINARY;
  o.replicas = 3;
  o.ready_timeout = milliseconds(30'000);  // sanitizer builds start slowly
  return o;
}

// Sends argv to replica `id` until it succeeds (not an error reply, not a
// connection failure) or kRetryFor passes; returns the last answer, or an
// error reply describing the last failure.
smr::Reply until_ok(LocalCluster& c, std::uint32_t id, const smr::Command& argv) {
  const auto deadline = Clock::now() + kRetryFor;
  smr::Reply last = smr::Reply::error("ERR no attempt");
  for (int attempt = 0; attempt < 1'000 && Clock::now() < deadline; ++attempt) {
    try {
      last = c.command(id, argv, milliseconds(6'000));
      if (!last.is_error()) return last;
    } catch (const ClusterError& e) {
      last = smr::Reply::error(std::string("ERR ") + e.what());
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  return last;
}

// A leader other than `not_this`, as every reachable replica sees it.
std::optional<std::uint32_t> wait_for_other_leader(LocalCluster& c, std::uint32_t not_this) {
  const auto deadline = Clock::now() + kElection;
  while (Clock::now() < deadline) {
    if (auto l = c.leader(); l && *l != not_this) return l;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return std::nullopt;
}

std::string logs(const LocalCluster& c) {
  std::string out;
  for (std::uint32_t id = 1; id <= c.size(); ++id) {
    out += "--- replica " + std::to_string(id) + " (" + c.log_path(id) + "):\n" + c.log_tail(id, 1500) + "\n";
  }
  return out;
}

TEST(LocalCluster, ElectsALeaderAndEveryReplicaServesClients) {
  LocalCluster c(options());
  c.start();
  const auto leader = c.wait_for_leader(kElection);
  ASSERT_TRUE(leader.has_value()) << logs(c);

  for (std::uint32_t id = 1; id <= 3; ++id) {
    const auto s = c.status(id, milliseconds(2'000));
    ASSERT_TRUE(s.has_value()) << "replica " << id;
    EXPECT_EQ(s->id, id);
    EXPECT_TRUE(s->role == "leader" || s->role == "follower" || s->role == "candidate") << s->role;
    EXPECT_EQ(s->role == "leader", id == *leader) << s->json;
  }

  const std::uint32_t follower = *leader % 3 + 1;
  EXPECT_EQ(until_ok(c, follower, {"SET", "greeting", "hello"}), smr::Reply::ok()) << logs(c);
  EXPECT_EQ(until_ok(c, *leader, {"INCR", "counter"}), smr::Reply::integer(1));
  for (std::uint32_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(until_ok(c, id, {"GET", "greeting"}), smr::Reply::bulk("hello")) << "replica " << id;
  }
  EXPECT_EQ(until_ok(c, follower, {"INCR", "counter"}), smr::Reply::integer(2));
  const smr::Reply bad = c.command(*leader, {"NOSUCHCOMMAND"});
  ASSERT_TRUE(bad.is_error());
  EXPECT_EQ(bad.str().rfind("ERR", 0), 0u) << bad.str();
}

TEST(LocalCluster, KillingTheLeaderElectsAnotherAndLosesNoAcknowledgedWrite) {
  LocalCluster c(options());
  c.start();
  const auto first = c.wait_for_leader(kElection);
  ASSERT_TRUE(first.has_value()) << logs(c);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(until_ok(c, *first, {"SET", "k" + std::to_string(i), std::to_string(i)}), smr::Reply::ok());
  }

  c.kill(*first);
  EXPECT_FALSE(c.is_running(*first));
  const auto second = wait_for_other_leader(c, *first);
  ASSERT_TRUE(second.has_value()) << logs(c);
  EXPECT_NE(*second, *first);

  EXPECT_EQ(until_ok(c, *second, {"SET", "after", "failover"}), smr::Reply::ok()) << logs(c);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(until_ok(c, *second, {"GET", "k" + std::to_string(i)}), smr::Reply::bulk(std::to_string(i))) << i;
  }

  // Back with its disk: it learns what it missed and serves it.
  c.restart(*first);
  EXPECT_EQ(until_ok(c, *first, {"GET", "after"}), smr::Reply::bulk("failover")) << logs(c);
  EXPECT_EQ(until_ok(c, *first, {"GET", "k7"}), smr::Reply::bulk("7"));
  const auto deadline = Clock::now() + kRetryFor;
  bool caught_up = false;
  while (!caught_up && Clock::now() < deadline) {
    const auto mine = c.status(*first, milliseconds(1'000));
    const auto lead = c.status(*second, milliseconds(1'000));
    caught_up = mine && lead && mine->commit_index >= lead->commit_index && lead->commit_index > 0;
    if (!caught_up) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(caught_up) << logs(c);
}

TEST(LocalCluster, PartitionedLeaderIsReplacedAndAnswersNoQuorum) {
  LocalCluster c(options());
  c.start();
  const auto old = c.wait_for_leader(kElection);
  ASSERT_TRUE(old.has_value()) << logs(c);
  ASSERT_EQ(until_ok(c, *old, {"SET", "before", "1"}), smr::Reply::ok());

  std::vector<std::uint32_t> others;
  for (std::uint32_t id = 1; id <= 3; ++id) {
    if (id != *old) others.push_back(id);
  }
  c.partition(*old, others);
  const auto fresh = wait_for_other_leader(c, *old);
  ASSERT_TRUE(fresh.has_value()) << logs(c);

  // The majority side serves; the isolated old leader must not acknowledge.
  EXPECT_EQ(until_ok(c, *fresh, {"SET", "during", "2"}), smr::Reply::ok());
  const smr::Reply isolated = c.command(*old, {"SET", "lost", "3"}, milliseconds(15'000));
  ASSERT_TRUE(isolated.is_error()) << isolated.to_string();
  EXPECT_EQ(isolated.str().rfind("NOQUORUM", 0), 0u) << isolated.str();

  c.heal(*old);
  EXPECT_EQ(until_ok(c, *old, {"GET", "during"}), smr::Reply::bulk("2")) << logs(c);
  EXPECT_EQ(until_ok(c, *old, {"GET", "before"}), smr::Reply::bulk("1"));
}

TEST(LocalCluster, PausedLeaderIsReplacedAndRejoinsWhenResumed) {
  LocalCluster c(options());
  c.start();
  const auto old = c.wait_for_leader(kElection);
  ASSERT_TRUE(old.has_value()) << logs(c);
  c.pause(*old);
  const auto fresh = wait_for_other_leader(c, *old);
  ASSERT_TRUE(fresh.has_value()) << logs(c);
  EXPECT_EQ(until_ok(c, *fresh, {"SET", "while", "paused"}), smr::Reply::ok());
  c.resume(*old);
  EXPECT_EQ(until_ok(c, *old, {"GET", "while"}), smr::Reply::bulk("paused")) << logs(c);
}

}  // namespace
}  // namespace quorum::cluster
