// Closed-loop RESP load for `quorum bench` (DESIGN.md section 5), against
// quorum replicas or any Redis-protocol server.
//
// Each of `clients` connections keeps exactly `pipeline` requests
// outstanding: a reply (success or error) immediately sends the next request,
// so the offered load adapts to the server, as in redis-benchmark and YCSB.
// A request is `SET key:<n> <value>` or, with probability read_ratio,
// `GET key:<n>`, n uniform in [0, keys), drawn from a per-client PRNG derived
// from `seed`.
//
// Latency is measured per request from the moment it is queued for sending to
// the moment its reply is parsed, on the steady clock. Only replies that
// arrive in the measurement window [warmup, warmup + duration) count; before
// it the server and the connections warm up.
//
// Failures never stop the run: an error reply is counted by its first word
// (NOQUORUM, ERR, MOVED, ...) and the client goes on; a dropped connection, a
// reply that cannot be parsed, or a request outstanding for longer than
// request_timeout closes the connection, counts what was lost, and reconnects
// after a backoff that doubles from reconnect_backoff_min up to
// reconnect_backoff_max. The run ends at its deadline whatever the servers do.
//
// Threads: `threads` io_contexts, one thread each, clients spread round-robin;
// every thread accumulates its own LoadResult and the results are merged at
// the end, so the hot path takes no locks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "client/latency_histogram.h"
#include "server/resp.h"

namespace quorum::client {

struct Endpoint {
  std::string host;  // a name or an address; resolved once before the run
  std::uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// "host:port" ("[v6]:port" for IPv6 literals); throws std::invalid_argument.
Endpoint parse_endpoint(const std::string& text);

struct LoadOptions {
  std::vector<Endpoint> targets;  // client i talks to targets[i % size]
  int clients = 50;
  int pipeline = 1;
  std::size_t value_bytes = 16;
  double read_ratio = 0.0;  // fraction of GETs, in [0, 1]
  std::size_t keys = 100'000;
  std::chrono::milliseconds duration{10'000};
  std::chrono::milliseconds warmup{1'000};
  std::uint64_t seed = 1;
  int threads = 1;

  std::chrono::milliseconds connect_timeout{1'000};
  std::chrono::milliseconds request_timeout{5'000};
  std::chrono::milliseconds reconnect_backoff_min{10};
  std::chrono::milliseconds reconnect_backoff_max{1'000};
  server::RespLimits reply_limits;
};

// Named bounds on the options, checked by validate().
inline constexpr int kMaxClients = 10'000;
inline constexpr int kMaxPipeline = 1'024;
inline constexpr int kMaxThreads = 64;
inline constexpr std::size_t kMaxBenchValueBytes = 1 << 20;

struct LoadResult {
  std::uint64_t ops = 0;     // successful replies in the window
  std::uint64_t reads = 0;   // of which GETs
  std::uint64_t writes = 0;  // of which SETs
  // Error replies in the window by their first word. Also "PROTOCOL" (a reply
  // that could not be parsed) and "UNEXPECTED" (a well-formed reply of the
  // wrong type, e.g. an integer to SET).
  std::map<std::string, std::uint64_t> errors;
  std::uint64_t connections = 0;       // successful connects, whole run
  std::uint64_t reconnects = 0;        // connects after a lost connection, in the window
  std::uint64_t disconnects = 0;       // connections lost in the window
  std::uint64_t connect_failures = 0;  // refused or timed-out connects, in the window
  std::uint64_t lost_requests = 0;     // outstanding when their connection was lost, in the window
  std::uint64_t timeouts = 0;          // connections closed by request_timeout, in the window
  std::uint64_t unfinished = 0;        // outstanding when the run ended
  double window_s = 0.0;               // length of the measurement window
  LatencyHistogram latency;            // successful requests only

  std::uint64_t error_count() const;
  double ops_per_sec() const { return window_s > 0 ? static_cast<double>(ops) / window_s : 0.0; }
  void merge(const LoadResult& other);
};

// An empty string if the options are usable, else what is wrong.
std::string validate(const LoadOptions& options);

// Runs the load for warmup + duration (plus a bounded shutdown) and returns
// what was measured. Throws std::invalid_argument for invalid options and
// std::runtime_error when a target's name cannot be resolved.
LoadResult run_load(const LoadOptions& options);

}  // namespace quorum::client
