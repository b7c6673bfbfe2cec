// A redis-server child process for tests: a real RESP server to aim the load
// generator and `quorum bench` at. Persistence off, loopback only, a free port
// unless one is given; killed by its pid (never by name) when the object goes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace quorum::testing {

class RedisProcess {
 public:
  // Starts redis-server and waits (at most 10 s) until it answers PING;
  // throws std::runtime_error otherwise, with the end of its log.
  explicit RedisProcess(std::uint16_t port = 0, std::vector<std::string> extra_args = {});
  ~RedisProcess();
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGKILL and reap; a no-op once it is gone.
  void kill();

 private:
  std::uint16_t port_ = 0;
  pid_t pid_ = 0;
  std::string dir_;
};

}  // namespace quorum::testing
