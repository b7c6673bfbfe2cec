// A local cluster of real `quorum start` processes on loopback, for
// `quorum demo`, `quorum bench` and end-to-end fault tests (DESIGN.md
// section 4, level 5).
//
// Each replica is a child process with its own data directory and log file:
//
//   <base_dir>/replica-N/       --data-dir
//   <base_dir>/replica-N.log    its stdout and stderr
//
// Ports: three per replica (peer, client, admin), chosen by binding
// 127.0.0.1:0 and releasing the socket just before the replicas start. Another
// process could take one in between; start() then reports which replica did
// not come up and the end of its log. A restarted replica keeps its ports and
// its data directory.
//
// Faults: kill() is kill -9 (memory lost, disk kept), pause()/resume() are
// SIGSTOP/SIGCONT (a replica that looks alive to the kernel but answers
// nothing), partition()/heal() use the replica's admin endpoints
// (POST /fault/partition?peers=..., POST /fault/heal).
//
// Process hygiene: only processes this object started are ever signalled, by
// their pid. Children ask the kernel for SIGKILL when the thread that started
// them exits (PR_SET_PDEATHSIG), so a test or bench that crashes leaves no
// replica behind; create and destroy a LocalCluster on the same thread.
//
// Errors: every failed system call, every replica that does not come up in
// time and every refused admin request throws ClusterError with a message
// that says what was being done. Waiting for an event that may legitimately
// not happen (a leader) returns std::optional instead. Every wait is bounded.
//
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "smr/command.h"
#include "smr/reply.h"

namespace quorum::cluster {

class ClusterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LocalClusterOptions {
  std::string binary;  // the quorum executable
  std::size_t replicas = 3;
  std::string protocol = "multipaxos";
  std::vector<std::string> extra_args;  // appended to every `quorum start`
  // Empty: a fresh mkdtemp directory under /tmp, removed by the destructor
  // unless keep_dirs. A given directory is created if missing and never
  // removed.
  std::string base_dir;
  bool keep_dirs = false;
  // For each replica to answer PING, in start() and restart().
  std::chrono::milliseconds ready_timeout{15'000};
};

inline constexpr std::size_t kMaxLocalReplicas = 9;

// What GET /status said, reduced to what the cluster logic needs.
struct ReplicaStatus {
  std::uint32_t id = 0;
  std::string role;         // leader | follower | candidate
  std::uint32_t leader = 0;  // 0: none known
  std::uint64_t commit_index = 0;
  std::string json;  // the whole body
};

class LocalCluster {
 public:
  explicit LocalCluster(LocalClusterOptions options);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // Chooses ports, creates the directories, starts every replica and waits
  // until each answers PING. On failure everything started is stopped again
  // before the exception leaves.
  void start();
  // SIGTERM to every running replica (SIGCONT first if paused), SIGKILL to
  // those still alive after 3 s; reaps them all.
  void stop();

  void kill(std::uint32_t id);     // SIGKILL + reap
  void pause(std::uint32_t id);    // SIGSTOP
  void resume(std::uint32_t id);   // SIGCONT
  // Kills the replica if it runs, starts it again with the same ports and
  // data directory, and waits until it answers PING.
  void restart(std::uint32_t id);

  std::size_t size() const { return replicas_.size(); }
  bool is_running(std::uint32_t id);  // reaps it if it exited by itself
  bool is_paused(std::uint32_t id) const;
  pid_t pid(std::uint32_t id) const;  // 0 when not running
  std::uint16_t client_port(std::uint32_t id) const;
  std::uint16_t admin_port(std::uint32_t id) const;
  std::uint16_t peer_port(std::uint32_t id) const;
  const std::string& base_dir() const { return base_dir_; }
  std::string data_dir(std::uint32_t id) const;
  std::string log_path(std::uint32_t id) const;
  // The last `max_bytes` of the replica's log, for error messages.
  std::string log_tail(std::uint32_t id, std::size_t max_bytes = 2048) const;

  // GET /status of one replica; nullopt if it does not answer in `timeout`.
  std::optional<ReplicaStatus> status(std::uint32_t id,
                                      std::chrono::milliseconds timeout = std::chrono::milliseconds(500));
  // The leader according to every running, unpaused replica that answers:
  // the replica that says it leads. If several do (a deposed leader that has
  // not heard yet), the one the most replicas name as leader, or nullopt on a
  // tie.
  std::optional<std::uint32_t> leader();
  std::optional<std::uint32_t> wait_for_leader(std::chrono::milliseconds timeout);

  // POST /fault/partition?peers=...: replica `id` drops all peer traffic
  // to and from `peers`. heal(): POST /fault/heal.
  void partition(std::uint32_t id, const std::vector<std::uint32_t>& peers);
  void heal(std::uint32_t id);

  // One RESP command to replica `id`'s client port.
  smr::Reply command(std::uint32_t id, const smr::Command& argv,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(5'000));

 private:
  struct Replica {
    std::uint32_t id = 0;
    std::uint16_t peer_port = 0;
    std::uint16_t client_port = 0;
    std::uint16_t admin_port = 0;
    pid_t pid = 0;
    bool paused = false;
  };

  Replica& at(std::uint32_t id);
  const Replica& at(std::uint32_t id) const;
  void spawn(Replica& r);
  void wait_ready(Replica& r);
  void reap(Replica& r, std::chrono::milliseconds timeout);
  std::vector<std::string> argv_for(const Replica& r) const;

  LocalClusterOptions options_;
  std::string base_dir_;
  bool made_base_dir_ = false;
  std::vector<Replica> replicas_;  // replicas_[i] has id i + 1
};

// Small blocking clients with a deadline, for the cluster and for tests.
// Both throw ClusterError on a system-call failure, a timeout or a malformed
// answer.

struct HttpReply {
  int status = 0;
  std::string body;
};
// HTTP/1.0 request to 127.0.0.1:port; the whole exchange within `timeout`.
HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       std::chrono::milliseconds timeout);
// One RESP command to 127.0.0.1:port; the reply within `timeout`.
smr::Reply resp_command(std::uint16_t port, const smr::Command& argv, std::chrono::milliseconds timeout);

// `count` distinct free loopback ports (see the header comment for the race).
std::vector<std::uint16_t> pick_free_ports(std::size_t count);

}  // namespace quorum::cluster
