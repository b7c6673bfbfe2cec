// Closed-loop simulated clients of the replicated KV store. Each client has
// one request outstanding: it records the invocation in the history, sends
// the request to the replica it believes leads, follows redirects, retries on
// timeouts (with the same request number, so the client table keeps the
// execution at-most-once), gives up after a bounded number of attempts (the
// operation is then 'unknown'), and records the reply.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/prng.h"
#include "lincheck/history.h"
#include "multipaxos/replica.h"
#include "smr/command.h"
#include "smr/reply.h"

namespace quorum::sim {

struct WorkloadOptions {
  std::uint32_t clients = 4;
  std::uint32_t keys = 4;
  std::uint32_t timeout_ticks = 80;
  std::uint32_t max_attempts = 40;
  std::uint32_t think_max_ticks = 5;
  std::uint32_t reply_drop_ppm = 0;
  std::uint32_t reply_delay_max_ticks = 3;
};

// The replica side, as the clients see it.
class ClientPort {
 public:
  virtual ~ClientPort() = default;
  virtual std::uint32_t replicas() const = 0;
  virtual multipaxos::SubmitResult submit(NodeId replica, const smr::ClientRequest& request) = 0;
};

class Workload {
 public:
  Workload(const WorkloadOptions& options, std::uint64_t seed);

  // Starts, retries and times out requests at `now`.
  void tick(std::uint64_t now, ClientPort& port);
  // A replica answered (the reply reaches the client after a delay, or is lost).
  void on_reply(const smr::ClientRequest& request, const smr::Reply& reply, std::uint64_t now);
  // A deposed leader dropped the request without proposing it: retry at once.
  void on_dropped(const smr::ClientRequest& request);

  // Stop starting new operations (the outstanding ones go on), and give each
  // outstanding one a fresh attempt budget: it must now complete.
  void stop_new();
  // Queue a read of every key by a fresh client (after the faults healed).
  void final_reads(std::uint64_t now);
  bool idle() const;
  // Operations given up on as unknown since `since`... (liveness checks)
  std::uint64_t given_up() const { return given_up_; }
  std::uint64_t completed() const { return completed_; }
  std::uint64_t retries() const { return retries_; }
  lincheck::History& history() { return history_; }

 private:
  struct Attempt {
    smr::ClientRequest request;
    std::vector<lincheck::OpId> ops;  // one per key touched
    std::vector<lincheck::OpKind> kinds;
    bool array_reply = false;  // MGET: one array element per op
    std::uint64_t deadline = 0;
    std::uint32_t attempts = 0;
    std::uint64_t retry_at = 0;  // resend at this tick (0: waiting for a reply)
  };
  struct Client {
    std::uint64_t id;
    std::uint64_t next_request_no = 1;
    bool has_session = false;  // a request of this client id got a reply
    NodeId target{1};
    std::optional<Attempt> current;
    std::uint64_t start_at = 0;
    std::deque<smr::Command> script;  // commands to run before random ones
    bool random_ops = true;
  };
  struct PendingReply {
    std::uint64_t due;
    smr::ClientRequest request;
    smr::Reply reply;
  };

  smr::Command random_command(Client& c);
  void start(Client& c, smr::Command cmd, std::uint64_t now);
  void send(Client& c, std::uint64_t now, ClientPort& port);
  void complete(Client& c, const smr::Reply& reply, std::uint64_t now);
  Client* find(std::uint64_t id);

  WorkloadOptions options_;
  Prng prng_;
  std::vector<Client> clients_;
  std::vector<PendingReply> replies_;
  lincheck::History history_;
  bool accepting_new_ = true;
  std::uint64_t given_up_ = 0;
  std::uint64_t next_fresh_id_ = 1'000'000;  // client ids taken after a lost first request
  std::uint64_t completed_ = 0;
  std::uint64_t retries_ = 0;
};

}  // namespace quorum::sim
