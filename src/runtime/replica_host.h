// ReplicaHost: runs one replica of a replicated log (Multi-Paxos or VSR) for
// real. It drives the pure core (multipaxos::Replica or vsr::Replica; see
// runtime/log_host.h) through the same surface the simulator drives:
// messages from PeerTransport, ticks from a steady timer, client commands,
// and durability acknowledgements from the write-ahead log's group-commit
// thread. Committed slots are applied in order to the KV state machine
// behind the client table (smr::Executor).
//
// Threads: everything here runs on the io_context's thread, except the
// GroupCommitter's own thread, which only appends and fsyncs and reports back
// by posting to the io_context (one post per group, not per record).
//
// Client commands: submit() takes a command with a deadline and a
// completion. The leader proposes it; any other replica relays it to the
// leader it knows (Forward). Whichever replica the client is connected to
// answers when *it* applies the command, with the reply its own state machine
// produced — so no reply ever crosses the network, and a client sees its
// write only once it is durable on a quorum and applied where it reads.
// Requests not yet applied are re-sent (same client id and request number, so
// the client table executes them at most once) after a leader change or every
// retry interval; past the deadline the completion gets -NOQUORUM.
//
// Bounds: at most max_waiting requests wait here (the server stops reading
// from clients before that: back-pressure); the leader's own queue is bounded
// by the core (kBusy), the peer queues by PeerTransport, the log queue by the
// GroupCommitter.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "multipaxos/config.h"
#include "runtime/metrics.h"
#include "runtime/peer_transport.h"
#include "smr/client_table.h"
#include "smr/command.h"
#include "smr/reply.h"
#include "storage/group_commit.h"
#include "storage/posix_disk.h"
#include "storage/snapshot_file.h"

namespace quorum::runtime {

struct HostOptions {
  NodeId self;
  std::map<NodeId, PeerAddress> peers;  // every member, self included
  std::string data_dir;
  bool fsync = true;                    // false only for comparisons: loses durability
  std::chrono::milliseconds tick{10};
  std::string protocol = "multipaxos";  // or "vsr"
  log::Timing timing;            // in ticks (VSR reads the same knobs)
  log::Limits limits;
  std::uint64_t snapshot_every_slots = 50'000;
  std::uint64_t snapshot_every_bytes = 64ull << 20;
  std::chrono::milliseconds retry_interval{1000};
  std::size_t max_waiting = 100'000;
  PeerTransportOptions transport;
};

struct HostStatus {
  NodeId id;
  std::string protocol;  // multipaxos | vsr
  std::string role;  // leader | follower | candidate
  NodeId leader;     // kNoNode when unknown
  std::string ballot;  // VSR: the view number
  std::uint64_t commit_index = 0;
  std::uint64_t applied_index = 0;
  std::uint64_t compacted = 0;
  std::uint64_t log_records = 0;  // appended since start
  std::uint64_t log_bytes = 0;
  std::uint64_t waiting = 0;      // client requests not yet applied here
  std::uint64_t snapshots_taken = 0;
  std::uint64_t snapshots_installed = 0;
  std::uint64_t leader_changes = 0;
  std::uint64_t elections_won = 0;
  std::vector<PeerLinkStatus> peers;
  std::map<NodeId, std::uint64_t> peer_commit;  // what each peer last reported
};

class ReplicaHost {
 public:
  using Done = std::function<void(const smr::Reply&)>;

  virtual ~ReplicaHost() = default;

  // Recovers from data_dir (newest snapshot + the log after it), then starts
  // the transport and the timers. Throws std::runtime_error with a clear
  // message (file and offset for corruption) if the replica must not start.
  virtual void start() = 0;
  virtual void stop() = 0;

  // Runs a state-machine command through the log. `done` runs exactly once,
  // on the io_context thread (inline for an immediate error). The host picks
  // the session: one client-table session per request in flight, reused once
  // its request completes, so request numbers of a session never overtake
  // each other however the log reorders retries.
  virtual void submit(smr::Command command, std::chrono::steady_clock::time_point deadline, Done done) = 0;
  virtual std::size_t waiting() const = 0;

  // Fault switch for tests (admin port).
  virtual void block_peers(std::set<NodeId> peers) = 0;
  virtual void heal() = 0;

  virtual HostStatus status() const = 0;
  virtual bool is_leader() const = 0;
};

// A host for options.protocol; nullptr for an unknown protocol.
std::unique_ptr<ReplicaHost> make_replica_host(asio::io_context& io, HostOptions options, Registry& metrics);

}  // namespace quorum::runtime
