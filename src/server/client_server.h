// ClientServer: the RESP client port of a replica (DESIGN.md section 5).
//
// Every connection is a pipeline: commands are read as they come, each one
// either answered here (PING, ECHO, INFO, ... see local_commands.h) or run
// through the log by the ReplicaHost, and replies are written strictly in
// the order the commands arrived, as Redis clients expect.
//
// Back-pressure instead of unbounded memory: a connection stops reading while
// it has max_in_flight commands unanswered or max_output_bytes of replies
// unsent, and resumes when they drain. The parser's own limits bound what one
// command may buffer (server/resp.h); a protocol error is answered with
// "-ERR Protocol error: ..." and the connection is closed, as Redis does.
// At most max_connections clients are served; more are refused with an error.
//
// Single-threaded: runs on the ReplicaHost's io_context thread.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "runtime/replica_host.h"
#include "server/resp.h"

namespace quorum::server {

struct ClientServerOptions {
  std::chrono::milliseconds request_timeout{5000};  // then -NOQUORUM
  std::size_t max_in_flight = 1024;                  // per connection
  std::size_t max_output_bytes = 8 << 20;            // per connection
  std::size_t max_connections = 10'000;
  RespLimits resp;
};

struct ClientServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;
  std::uint64_t commands = 0;
  std::uint64_t protocol_errors = 0;
};

class ClientServer {
 public:
  // Builds INFO's text on demand.
  using InfoFn = std::function<std::string()>;

  ClientServer(asio::io_context& io, runtime::ReplicaHost& host, ClientServerOptions options, InfoFn info);
  ~ClientServer();
  ClientServer(const ClientServer&) = delete;
  ClientServer& operator=(const ClientServer&) = delete;

  // Binds (throws std::system_error naming the address) and starts accepting.
  void listen(const asio::ip::tcp::endpoint& at);
  std::uint16_t port() const;
  void stop();

  std::size_t connections() const { return sessions_.size(); }
  const ClientServerStats& stats() const { return stats_; }

 private:
  class Session;
  friend class Session;
  void accept();

  runtime::ReplicaHost& host_;
  const ClientServerOptions options_;
  InfoFn info_;
  asio::ip::tcp::acceptor acceptor_;
  std::set<std::shared_ptr<Session>> sessions_;
  ClientServerStats stats_;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace quorum::server
