#include "redis_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cluster/local_cluster.h"

#ifndef QUORUM_REDIS_SERVER
#define QUORUM_REDIS_SERVER "/usr/bin/redis-server"
#endif

namespace quorum::testing {

namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(10);

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

RedisProcess::RedisProcess(std::uint16_t port, std::vector<std::string> extra_args)
    : port_(port == 0 ? cluster::pick_free_ports(1).front() : port) {
  std::string templ = "/tmp/quorum-redis-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  const std::string log = dir_ + "/redis.log";
  std::vector<std::string> args = {QUORUM_REDIS_SERVER, "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--dir", dir_, "--daemonize", "no"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Dies with the test even if the test crashes before its destructor.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }

  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      throw std::runtime_error("redis-server exited at once; log:\n" + read_file(log));
    }
    try {
      auto reply = cluster::resp_command(port_, {"PING"}, std::chrono::milliseconds(200));
      if (reply.is_status() && reply.str() == "PONG") return;
      last = reply.to_string();
    } catch (const cluster::ClusterError& e) {
      last = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill();
  throw std::runtime_error("redis-server did not answer PING on port " + std::to_string(port_) + " (" + last +
                           "); log:\n" + read_file(log));
}

RedisProcess::~RedisProcess() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void RedisProcess::kill() {
  if (pid_ == 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  // SIGKILL cannot be ignored; the bound only guards against a kernel stall.
  for (int i = 0; i < 500 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = 0;
}

}  // namespace quorum::testing
