// Real RESP clients that record a linearizability history, for `quorum demo`
// and the end-to-end fault tests (DESIGN.md section 4, level 5): the wall-clock
// counterpart of sim/workload.h.
//
// Each client is a thread with one blocking connection to one replica and one
// request outstanding. It loops until stop() or its deadline, picking a key
// and an operation from its own seeded PRNG:
//
//   registers r0, r1, ...   GET, or SET to a value no other write uses
//                           ("c3-17": client 3, its 17th operation), so a
//                           read names the write it saw
//   counters  n0, n1, ...   GET or INCR (never SET: see verify())
//
// Every request is invoked in the history just before its bytes are sent and
// completed when its reply is parsed, both on the steady clock (nanoseconds
// since the HistoryClient was built). A request is never retried: a second
// copy could run twice, since the server's at-most-once table is keyed by its
// own per-request sessions, not by our connection. How a reply maps to an
// outcome (lincheck/history.h):
//
//   a normal reply (incl. INCR's "ERR value is not an integer")  ok
//   -NOQUORUM, no reply within request_timeout, the connection
//   closed or broken after the request was sent, a garbled reply unknown
//   -BUSY, any other -ERR (refused before running)               failed
//
// After an unknown outcome or a failed connect the client moves on to the
// next replica (round robin): that replica is dead, paused, cut off or slow,
// and a client that stayed would only pile up unknown operations, each of
// which makes the checker's search wider.
//
// final_reads() then reads every key at every replica, so the check covers
// "no acknowledged write lost": a lost SET or INCR makes a final read
// non-linearizable. verify() runs the checker plus a direct, per-key lost-
// write check that names the write in plain words.
//
// Threads: clients share nothing but atomic counters while they run; each
// keeps its own records, merged (sorted by invocation) when it has stopped.
// Every wait is bounded by a timeout; the client count and per-client
// operation count are bounded (HistoryClientOptions).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lincheck/checker.h"
#include "lincheck/history.h"

namespace quorum::cluster {

class LocalCluster;

inline constexpr std::size_t kMaxHistoryClients = 64;

struct HistoryClientOptions {
  std::size_t clients = 4;
  std::size_t registers = 3;
  std::size_t counters = 2;
  // Per request: no reply by then is an unknown outcome. Keep it above the
  // replicas' --request-timeout-ms so that most give-ups are explicit
  // -NOQUORUM answers rather than silences.
  std::chrono::milliseconds request_timeout{3'000};
  std::chrono::milliseconds connect_timeout{500};
  // A client pauses up to this long between operations (uniformly), so that
  // clients drift in and out of step.
  std::chrono::microseconds think_max{2'000};
  // When every replica refused a connection, wait this long before the next
  // round, so a client does not spin while the cluster restarts.
  std::chrono::milliseconds all_down_backoff{50};
  // Hard bounds on one run, whatever stop() does.
  std::size_t max_ops_per_client = 1'000'000;
  std::chrono::milliseconds max_duration{std::chrono::minutes(30)};
  std::uint64_t seed = 1;
};

// One operation as a client saw it. `replica` is where it was sent.
struct RecordedOp {
  lincheck::ClientId client = 0;
  std::uint32_t replica = 0;
  lincheck::OpKind kind = lincheck::OpKind::Get;
  std::string key;
  std::string value;  // SET's input
  lincheck::Time invoke_time = 0;
  lincheck::Time return_time = lincheck::kInfinity;  // ok only
  lincheck::OpStatus status = lincheck::OpStatus::Pending;
  lincheck::Output output;  // ok only
  std::string error;        // unknown or failed: why (the reply or the socket error)
  bool final_read = false;  // from final_reads()
};

struct HistoryClientStats {
  std::uint64_t ok = 0;
  std::uint64_t unknown = 0;
  std::uint64_t failed = 0;
  std::uint64_t writes_ok = 0;         // SET and INCR among `ok`
  std::uint64_t noquorum = 0;          // among `unknown`
  std::uint64_t timeouts = 0;          // among `unknown`
  std::uint64_t lost_connections = 0;  // among `unknown`: closed, reset, garbled
  std::uint64_t connects = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t ops() const { return ok + unknown + failed; }
};

struct FinalReadReport {
  // One entry per (replica, key) that never got an answer before the deadline.
  std::vector<std::string> unread;
  // Keys whose value differs between replicas (informational: a write that
  // was still in flight when the workload stopped may legitimately land
  // between two reads; the checker decides).
  std::vector<std::string> disagreements;
  std::size_t reads_ok = 0;
  bool complete() const { return unread.empty(); }
};

struct RunVerdict {
  lincheck::CheckResult lincheck;
  // One line per acknowledged write that the final reads do not reflect.
  std::vector<std::string> lost_writes;
  // Keys without an ok final read: the lost-write check could not look at them.
  std::vector<std::string> unchecked_keys;
  bool ok() const { return lincheck.linearizable() && lost_writes.empty() && unchecked_keys.empty(); }
  std::string summary() const;
};

// The history the checker reads: ops in invocation order (OpId i is ops[i]
// after sorting by invoke time, ties by client).
lincheck::History to_history(const std::vector<RecordedOp>& ops);

// The linearizability check of the whole history, plus the direct lost-write
// check on the final reads:
//   counter n: every ok final read lies in [acknowledged INCRs,
//              acknowledged + unknown INCRs];
//   register r: an ok final read of nil needs no acknowledged SET; a value
//              must have been written by some SET, and no acknowledged SET of
//              r may have been invoked after that SET returned.
// Keys are classified by name (r*, n*), as the clients write them.
RunVerdict verify(const std::vector<RecordedOp>& ops, const lincheck::CheckOptions& options = {});

// One line per op, render()'s format plus the replica and, for unknown and
// failed ops, why: for a failing run's artefacts.
std::string dump(const std::vector<RecordedOp>& ops);

class HistoryClient {
 public:
  // Reads the replicas' client ports once: a restarted replica keeps its
  // ports, so the clients never touch the (non-thread-safe) cluster object.
  HistoryClient(LocalCluster& cluster, HistoryClientOptions options);
  ~HistoryClient();  // stop() and join
  HistoryClient(const HistoryClient&) = delete;
  HistoryClient& operator=(const HistoryClient&) = delete;

  // Starts the client threads; they run for at most `duration`.
  void start(std::chrono::milliseconds duration);
  // Asks every client to stop after its current request and joins them (at
  // most request_timeout + connect_timeout later).
  void stop();
  bool running() const { return !threads_.empty(); }

  // Live counters, safe while the clients run.
  HistoryClientStats stats() const;
  // Nanoseconds on the history's clock.
  lincheck::Time now() const;

  // After stop(), and after the faults healed: GET every key at every
  // replica, retrying (each attempt recorded) until it answers or `timeout`
  // passes overall.
  FinalReadReport final_reads(std::chrono::milliseconds timeout);

  // After stop(): every recorded op, sorted by invocation time.
  const std::vector<RecordedOp>& ops();
  std::vector<std::string> keys() const;

 private:
  struct Counters {
    std::atomic<std::uint64_t> ok{0}, unknown{0}, failed{0}, writes_ok{0}, noquorum{0}, timeouts{0},
        lost_connections{0}, connects{0}, connect_failures{0};
  };
  struct Worker;

  void run_client(Worker& w);
  void merge();

  HistoryClientOptions options_;
  std::vector<std::uint16_t> ports_;  // ports_[i]: replica i + 1
  std::chrono::steady_clock::time_point epoch_;
  std::atomic<bool> stop_{false};
  std::chrono::steady_clock::time_point deadline_;
  Counters counters_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::vector<RecordedOp> ops_;  // merged
  bool merged_ = false;
};

}  // namespace quorum::cluster
