// ReplicaServer: one replica as users run it (`quorum start`): the
// ReplicaHost (consensus, log, state machine), the RESP client port, and the
// admin HTTP port, all on one event-loop thread.
//
// Admin endpoints:
//   GET  /metrics                     Prometheus text (runtime/metrics.h)
//   GET  /status                      JSON: role, leader, ballot, indexes, peers
//   POST /fault/partition?peers=2,3   drop all peer traffic to and from 2 and 3
//   POST /fault/heal                  end that
// The fault switch exists for fault-injection tests on loopback, where
// network namespaces are not available to every user.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "runtime/replica_host.h"
#include "server/client_server.h"

namespace quorum::server {

struct ReplicaServerOptions {
  runtime::HostOptions host;
  std::string client_host = "127.0.0.1";
  std::uint16_t client_port = 6379;
  std::string admin_host = "127.0.0.1";
  std::uint16_t admin_port = 0;  // 0: no admin port
  ClientServerOptions clients;
};

// Runs until SIGINT or SIGTERM. Returns the process exit code; a replica that
// must not start (corruption, a port in use) prints why and returns 1.
int run_replica(const ReplicaServerOptions& options);

// INFO's text and /status's JSON, from a status snapshot (exposed for tests).
std::string info_text(const runtime::HostStatus& s, const runtime::Registry& metrics);
std::string status_json(const runtime::HostStatus& s);

}  // namespace quorum::server
