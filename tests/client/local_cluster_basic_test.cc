// LocalCluster's process control, without the real replica: the "binary" is a
// shell script that takes `quorum start`'s arguments and serves RESP on the
// client port with redis-server. Ports, directories, logs, kill -9, restart,
// SIGSTOP/SIGCONT, readiness and every failure message can be checked that
// way; leadership and admin endpoints need the real thing
// (local_cluster_test.cc).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "cluster/local_cluster.h"

#ifndef QUORUM_REDIS_SERVER
#define QUORUM_REDIS_SERVER "/usr/bin/redis-server"
#endif

namespace quorum::cluster {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A temporary directory holding one executable script.
class FakeBinary {
 public:
  explicit FakeBinary(const std::string& body) {
    std::string templ = "/tmp/quorum-fake-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = templ;
    path_ = dir_ + "/quorum";
    std::ofstream(path_) << "#!/bin/sh\n" << body;
    ::chmod(path_.c_str(), 0755);
  }
  ~FakeBinary() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

// `quorum start ... --client-port P --data-dir D ...` -> redis-server on P.
const char* const kRedisReplica =
    "port=\n"
    "dir=\n"
    "while [ $# -gt 0 ]; do\n"
    "  case \"$1\" in\n"
    "  --client-port) port=$2; shift ;;\n"
    "  --data-dir) dir=$2; shift ;;\n"
    "  esac\n"
    "  shift\n"
    "done\n"
    "echo \"fake replica on port $port\"\n"
    "exec " QUORUM_REDIS_SERVER " --port \"$port\" --bind 127.0.0.1 --save '' --appendonly no --dir \"$dir\"\n";

LocalClusterOptions options_for(const FakeBinary& bin) {
  LocalClusterOptions o;
  o.binary = bin.path();
  o.ready_timeout = milliseconds(10'000);
  return o;
}

bool pings(LocalCluster& c, std::uint32_t id, milliseconds timeout = milliseconds(1'000)) {
  try {
    const smr::Reply r = c.command(id, {"PING"}, timeout);
    return r.is_status() && r.str() == "PONG";
  } catch (const ClusterError&) {
    return false;
  }
}

TEST(LocalClusterBasic, StartsEveryReplicaOnItsOwnPortsAndStops) {
  FakeBinary bin(kRedisReplica);
  std::string base;
  {
    LocalCluster c(options_for(bin));
    c.start();
    base = c.base_dir();
    EXPECT_EQ(base.rfind("/tmp/quorum-cluster-", 0), 0u) << base;
    ASSERT_EQ(c.size(), 3u);
    std::set<std::uint16_t> ports;
    for (std::uint32_t id = 1; id <= 3; ++id) {
      EXPECT_TRUE(c.is_running(id));
      EXPECT_GT(c.pid(id), 0);
      EXPECT_TRUE(pings(c, id));
      ports.insert(c.client_port(id));
      ports.insert(c.admin_port(id));
      ports.insert(c.peer_port(id));
      EXPECT_TRUE(std::filesystem::is_directory(c.data_dir(id)));
      EXPECT_NE(c.log_tail(id).find("fake replica on port " + std::to_string(c.client_port(id))),
                std::string::npos)
          << c.log_tail(id);
    }
    EXPECT_EQ(ports.size(), 9u) << "three distinct ports per replica";

    // Each replica got the whole peer list and its own id.
    const smr::Reply set = c.command(2, {"SET", "k", "v"});
    EXPECT_EQ(set, smr::Reply::ok());
    EXPECT_EQ(c.command(2, {"GET", "k"}), smr::Reply::bulk("v"));
    EXPECT_TRUE(c.command(1, {"GET", "k"}).is_nil()) << "separate servers";

    c.stop();
    for (std::uint32_t id = 1; id <= 3; ++id) {
      EXPECT_FALSE(c.is_running(id));
      EXPECT_EQ(c.pid(id), 0);
      EXPECT_FALSE(pings(c, id, milliseconds(200)));
    }
    c.stop();  // idempotent
  }
  EXPECT_FALSE(std::filesystem::exists(base)) << "the temporary directory is removed";
}

TEST(LocalClusterBasic, KillThenRestartKeepsPortsAndDirectory) {
  FakeBinary bin(kRedisReplica);
  LocalCluster c(options_for(bin));
  c.start();
  const auto port = c.client_port(2);
  const auto old_pid = c.pid(2);
  c.kill(2);
  EXPECT_FALSE(c.is_running(2));
  EXPECT_FALSE(pings(c, 2, milliseconds(200)));
  EXPECT_TRUE(pings(c, 1));
  EXPECT_THROW(c.kill(2), ClusterError);

  c.restart(2);
  EXPECT_TRUE(c.is_running(2));
  EXPECT_NE(c.pid(2), old_pid);
  EXPECT_EQ(c.client_port(2), port);
  EXPECT_TRUE(pings(c, 2));
  // The log is appended to, so both incarnations are in it.
  const std::string log = c.log_tail(2, 1 << 20);
  const auto first = log.find("fake replica on port");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(log.find("fake replica on port", first + 1), std::string::npos);

  // restart() of a running replica kills it first.
  const auto pid_before = c.pid(3);
  c.restart(3);
  EXPECT_NE(c.pid(3), pid_before);
  EXPECT_TRUE(pings(c, 3));
}

TEST(LocalClusterBasic, PausedReplicaAnswersNothingUntilResumed) {
  FakeBinary bin(kRedisReplica);
  LocalCluster c(options_for(bin));
  c.start();
  c.pause(1);
  EXPECT_TRUE(c.is_paused(1));
  EXPECT_TRUE(c.is_running(1));
  const auto before = Clock::now();
  EXPECT_FALSE(pings(c, 1, milliseconds(300)));
  EXPECT_LT(Clock::now() - before, milliseconds(2'000)) << "the timeout bounds the call";
  c.resume(1);
  EXPECT_FALSE(c.is_paused(1));
  EXPECT_TRUE(pings(c, 1));

  // A paused replica can still be killed, and stop() handles paused ones.
  c.pause(2);
  c.kill(2);
  EXPECT_FALSE(c.is_running(2));
  c.pause(3);
  c.stop();
  EXPECT_FALSE(c.is_running(3));
}

TEST(LocalClusterBasic, NoAdminPortMeansNoLeaderWithinTheTimeout) {
  FakeBinary bin(kRedisReplica);
  LocalClusterOptions o = options_for(bin);
  o.replicas = 1;
  LocalCluster c(o);
  c.start();
  EXPECT_FALSE(c.status(1, milliseconds(200)).has_value());
  EXPECT_FALSE(c.leader().has_value());
  const auto before = Clock::now();
  EXPECT_FALSE(c.wait_for_leader(milliseconds(300)).has_value());
  EXPECT_LT(Clock::now() - before, milliseconds(3'000));
  EXPECT_THROW(c.partition(1, {2}), ClusterError);
  EXPECT_THROW(c.heal(1), ClusterError);
}

TEST(LocalClusterBasic, ReplicaThatExitsIsReportedWithItsLog) {
  FakeBinary bin("echo 'cannot open the write-ahead log' >&2\nexit 3\n");
  LocalCluster c(options_for(bin));
  try {
    c.start();
    FAIL() << "start() succeeded";
  } catch (const ClusterError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("exited with status 3"), std::string::npos) << what;
    EXPECT_NE(what.find("cannot open the write-ahead log"), std::string::npos) << what;
  }
  for (std::uint32_t id = 1; id <= c.size(); ++id) EXPECT_EQ(c.pid(id), 0) << id;
}

TEST(LocalClusterBasic, ReplicaThatNeverAnswersTimesOutAndIsStopped) {
  FakeBinary bin("echo 'stuck'\nexec sleep 60\n");
  LocalClusterOptions o = options_for(bin);
  o.ready_timeout = milliseconds(500);
  LocalCluster c(o);
  const auto before = Clock::now();
  try {
    c.start();
    FAIL() << "start() succeeded";
  } catch (const ClusterError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("replica 1"), std::string::npos) << what;
    EXPECT_NE(what.find("did not answer PING within 500 ms"), std::string::npos) << what;
    EXPECT_NE(what.find("stuck"), std::string::npos) << what;
  }
  EXPECT_LT(Clock::now() - before, milliseconds(6'000));
  for (std::uint32_t id = 1; id <= c.size(); ++id) EXPECT_FALSE(c.is_running(id)) << id;
}

TEST(LocalClusterBasic, MissingBinaryIsAClearError) {
  LocalClusterOptions o;
  o.binary = "/nonexistent/quorum";
  LocalCluster c(o);
  try {
    c.start();
    FAIL() << "start() succeeded";
  } catch (const ClusterError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/quorum"), std::string::npos) << e.what();
  }
}

TEST(LocalClusterBasic, ExecFailureIsReported) {
  // Executable, but not something the kernel can run.
  FakeBinary bin("");
  const std::string bad = bin.path() + ".bin";
  std::ofstream(bad) << "\x7f" "ELFgarbage";
  ::chmod(bad.c_str(), 0755);
  LocalClusterOptions o;
  o.binary = bad;
  LocalCluster c(o);
  try {
    c.start();
    FAIL() << "start() succeeded";
  } catch (const ClusterError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run"), std::string::npos) << e.what();
  }
  std::filesystem::remove(bad);
}

TEST(LocalClusterBasic, KeepDirsAndAGivenBaseDirAreLeftInPlace) {
  FakeBinary bin(kRedisReplica);
  std::string kept;
  {
    LocalClusterOptions o = options_for(bin);
    o.replicas = 1;
    o.keep_dirs = true;
    LocalCluster c(o);
    c.start();
    kept = c.base_dir();
  }
  EXPECT_TRUE(std::filesystem::exists(kept + "/replica-1.log"));
  std::filesystem::remove_all(kept);

  const std::string given = "/tmp/quorum-given-" + std::to_string(::getpid());
  {
    LocalClusterOptions o = options_for(bin);
    o.replicas = 1;
    o.base_dir = given;
    LocalCluster c(o);
    c.start();
    EXPECT_EQ(c.base_dir(), given);
    EXPECT_EQ(c.data_dir(1), given + "/replica-1");
  }
  EXPECT_TRUE(std::filesystem::exists(given + "/replica-1"));
  std::filesystem::remove_all(given);
}

TEST(LocalClusterBasic, BadIdsAndSizesAreErrors) {
  FakeBinary bin(kRedisReplica);
  LocalClusterOptions o = options_for(bin);
  o.replicas = 0;
  EXPECT_THROW(LocalCluster(o).start(), ClusterError);
  o.replicas = kMaxLocalReplicas + 1;
  EXPECT_THROW(LocalCluster(o).start(), ClusterError);
  LocalCluster c(options_for(bin));
  EXPECT_THROW(c.client_port(1), ClusterError) << "not started";
  EXPECT_THROW(c.kill(4), ClusterError);
}

TEST(PickFreePorts, DistinctAndBindable) {
  const auto ports = pick_free_ports(20);
  std::set<std::uint16_t> unique(ports.begin(), ports.end());
  EXPECT_EQ(unique.size(), 20u);
  for (auto p : ports) EXPECT_GT(p, 0);
}

TEST(BlockingClients, TimeOutOnASilentListener) {
  // A listening socket nobody accepts from: the kernel completes the
  // handshake, then nothing ever answers.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::uint16_t port = ntohs(a.sin_port);
  const auto before = Clock::now();
  EXPECT_THROW(resp_command(port, {"PING"}, milliseconds(200)), ClusterError);
  EXPECT_THROW(http_request(port, "GET", "/status", milliseconds(200)), ClusterError);
  EXPECT_LT(Clock::now() - before, milliseconds(2'000));
  ::close(fd);
}

}  // namespace
}  // namespace quorum::cluster
