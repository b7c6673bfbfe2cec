#include "cluster/local_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "server/resp.h"

namespace quorum::cluster {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// An HTTP answer from the admin port larger than this is not a status page.
constexpr std::size_t kMaxHttpReplyBytes = 1 << 20;
// How often readiness and leadership are polled.
constexpr milliseconds kPollInterval{50};
// One PING attempt while waiting for a replica to come up.
constexpr milliseconds kPingTimeout{250};
// stop(): SIGTERM, then SIGKILL after this.
constexpr milliseconds kTermGrace{3'000};
// A SIGKILLed process that has not been reaped after this is reported.
constexpr milliseconds kKillReapTimeout{5'000};
// The child reports a failed execv through a pipe; it gets this long.
constexpr milliseconds kExecReportTimeout{5'000};
// Inherited descriptors are marked close-on-exec up to here when the kernel
// lacks close_range(2).
constexpr int kMaxInheritedFd = 4096;

std::string errno_text(int err) { return std::strerror(err); }

[[noreturn]] void throw_errno(const std::string& what, int err = errno) {
  throw ClusterError(what + ": " + errno_text(err));
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_fd(int fd, short events, Clock::time_point deadline, const std::string& what) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) throw_errno(what + ": poll");
  }
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

Fd connect_loopback(std::uint16_t port, Clock::time_point deadline, const std::string& what) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) throw_errno(what + ": socket");
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const sockaddr_in a = loopback(port);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    if (errno != EINPROGRESS) throw_errno(what + ": connect to 127.0.0.1:" + std::to_string(port));
    if (!wait_fd(fd.get(), POLLOUT, deadline, what)) {
      throw ClusterError(what + ": connect to 127.0.0.1:" + std::to_string(port) + " timed out");
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) throw_errno(what + ": getsockopt");
    if (err != 0) throw_errno(what + ": connect to 127.0.0.1:" + std::to_string(port), err);
  }
  return fd;
}

void send_all(int fd, std::string_view data, Clock::time_point deadline, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(fd, POLLOUT, deadline, what)) throw ClusterError(what + ": send timed out");
      continue;
    }
    throw_errno(what + ": send");
  }
}

// Reads what is available (after waiting for it); 0 bytes means end of stream.
std::size_t recv_some(int fd, char* buf, std::size_t cap, Clock::time_point deadline, const std::string& what) {
  for (;;) {
    const ssize_t n = ::recv(fd, buf, cap, 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_fd(fd, POLLIN, deadline, what)) throw ClusterError(what + ": no answer in time");
      continue;
    }
    throw_errno(what + ": recv");
  }
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + ::strsignal(WTERMSIG(status));
  return "changed state " + std::to_string(status);
}

}  // namespace

// ---------------------------------------------------------------------------
// Blocking helpers

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       milliseconds timeout) {
  const std::string what = method + " http://127.0.0.1:" + std::to_string(port) + target;
  const auto deadline = Clock::now() + timeout;
  Fd fd = connect_loopback(port, deadline, what);
  const std::string request = method + " " + target + " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(port) +
                              "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  send_all(fd.get(), request, deadline, what);
  std::string response;
  char buf[4096];
  for (;;) {
    const std::size_t n = recv_some(fd.get(), buf, sizeof buf, deadline, what);
    if (n == 0) break;
    response.append(buf, n);
    if (response.size() > kMaxHttpReplyBytes) throw ClusterError(what + ": answer larger than 1 MiB");
  }
  // "HTTP/1.x SSS reason\r\n" headers "\r\n\r\n" body
  const auto head_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12 || head_end == std::string::npos) {
    throw ClusterError(what + ": not an HTTP response: " + response.substr(0, 80));
  }
  HttpReply reply;
  try {
    reply.status = std::stoi(response.substr(9, 3));
  } catch (const std::exception&) {
    throw ClusterError(what + ": bad status line: " + response.substr(0, response.find("\r\n")));
  }
  reply.body = response.substr(head_end + 4);
  return reply;
}

smr::Reply resp_command(std::uint16_t port, const smr::Command& argv, milliseconds timeout) {
  const std::string what = "RESP " + (argv.empty() ? std::string("?") : argv[0]) + " to 127.0.0.1:" +
                           std::to_string(port);
  const auto deadline = Clock::now() + timeout;
  Fd fd = connect_loopback(port, deadline, what);
  send_all(fd.get(), server::encode_command(argv), deadline, what);
  server::ReplyParser parser;
  char buf[4096];
  for (;;) {
    auto parsed = parser.next();
    if (auto* reply = std::get_if<smr::Reply>(&parsed)) return std::move(*reply);
    if (auto* error = std::get_if<server::ProtocolError>(&parsed)) {
      throw ClusterError(what + ": bad reply: " + error->message);
    }
    const std::size_t n = recv_some(fd.get(), buf, sizeof buf, deadline, what);
    if (n == 0) throw ClusterError(what + ": connection closed before the reply");
    parser.feed(std::string_view(buf, n));
  }
}

std::vector<std::uint16_t> pick_free_ports(std::size_t count) {
  // All sockets stay bound until every port is read, so the ports differ.
  std::vector<Fd> held;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < count; ++i) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) throw_errno("picking a free port: socket");
    const sockaddr_in a = loopback(0);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      throw_errno("picking a free port: bind 127.0.0.1:0");
    }
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
      throw_errno("picking a free port: getsockname");
    }
    ports.push_back(ntohs(bound.sin_port));
    held.push_back(std::move(fd));
  }
  return ports;
}

// ---------------------------------------------------------------------------
// LocalCluster

LocalCluster::LocalCluster(LocalClusterOptions options) : options_(std::move(options)) {}

LocalCluster::~LocalCluster() {
  try {
    stop();
  } catch (const std::exception&) {
    // A destructor cannot report; stop() already tried SIGKILL on everything.
  }
  if (made_base_dir_ && !options_.keep_dirs) {
    std::error_code ignored;
    std::filesystem::remove_all(base_dir_, ignored);
  }
}

LocalCluster::Replica& LocalCluster::at(std::uint32_t id) {
  if (id == 0 || id > replicas_.size()) {
    throw ClusterError("no replica " + std::to_string(id) + " (the cluster has " + std::to_string(replicas_.size()) +
                       ")");
  }
  return replicas_[id - 1];
}

const LocalCluster::Replica& LocalCluster::at(std::uint32_t id) const {
  return const_cast<LocalCluster*>(this)->at(id);
}

std::string LocalCluster::data_dir(std::uint32_t id) const {
  at(id);
  return base_dir_ + "/replica-" + std::to_string(id);
}

std::string LocalCluster::log_path(std::uint32_t id) const {
  at(id);
  return base_dir_ + "/replica-" + std::to_string(id) + ".log";
}

std::string LocalCluster::log_tail(std::uint32_t id, std::size_t max_bytes) const {
  std::ifstream in(log_path(id), std::ios::binary);
  if (!in) return "(no log)";
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0));
  const std::size_t from = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string tail(size - from, '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  tail.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return tail;
}

pid_t LocalCluster::pid(std::uint32_t id) const { return at(id).pid; }
bool LocalCluster::is_paused(std::uint32_t id) const { return at(id).paused; }
std::uint16_t LocalCluster::client_port(std::uint32_t id) const { return at(id).client_port; }
std::uint16_t LocalCluster::admin_port(std::uint32_t id) const { return at(id).admin_port; }
std::uint16_t LocalCluster::peer_port(std::uint32_t id) const { return at(id).peer_port; }

bool LocalCluster::is_running(std::uint32_t id) {
  Replica& r = at(id);
  if (r.pid == 0) return false;
  int status = 0;
  const pid_t got = ::waitpid(r.pid, &status, WNOHANG);
  if (got == 0) return true;
  if (got < 0 && errno != ECHILD) throw_errno("waitpid for replica " + std::to_string(id));
  r.pid = 0;
  r.paused = false;
  return false;
}

std::vector<std::string> LocalCluster::argv_for(const Replica& r) const {
  std::string peers;
  for (const auto& p : replicas_) {
    if (!peers.empty()) peers += ",";
    peers += std::to_string(p.id) + "=127.0.0.1:" + std::to_string(p.peer_port);
  }
  std::vector<std::string> argv = {options_.binary,
                                   "start",
                                   "--id",
                                   std::to_string(r.id),
                                   "--peers",
                                   peers,
                                   "--data-dir",
                                   data_dir(r.id),
                                   "--client-port",
                                   std::to_string(r.client_port),
                                   "--admin-port",
                                   std::to_string(r.admin_port),
                                   "--protocol",
                                   options_.protocol,
                                   "--host",
                                   "127.0.0.1"};
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  return argv;
}

void LocalCluster::spawn(Replica& r) {
  const std::string who = "starting replica " + std::to_string(r.id);
  // Everything the child needs is prepared here: between fork and exec only
  // async-signal-safe calls are allowed.
  const std::vector<std::string> args = argv_for(r);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string log = log_path(r.id);
  const pid_t parent = ::getpid();

  // The child writes its errno here if execv fails; a successful exec closes
  // the pipe (O_CLOEXEC), which the parent sees as end of file.
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw_errno(who + ": pipe2");
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);

  const pid_t pid = ::fork();
  if (pid < 0) throw_errno(who + ": fork");
  if (pid == 0) {
    const int wfd = write_end.get();
    auto die = [wfd](int err) {
      [[maybe_unused]] const ssize_t ignored = ::write(wfd, &err, sizeof err);
      ::_exit(127);
    };
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die(errno);
    if (::getppid() != parent) ::_exit(1);  // the parent is already gone
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out < 0) die(errno);
    const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0) die(errno);
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) die(errno);
    // Sockets and files of the parent (a test's, a bench's) must not leak
    // into the replica and keep ports or files open after the parent closes
    // them.
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < kMaxInheritedFd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    ::execv(argv[0], argv.data());
    die(errno);
  }
  write_end.reset();
  r.pid = pid;
  r.paused = false;

  int child_errno = 0;
  const auto deadline = Clock::now() + kExecReportTimeout;
  if (!wait_fd(read_end.get(), POLLIN, deadline, who)) {
    throw ClusterError(who + ": the child neither ran " + options_.binary + " nor failed within 5 s");
  }
  ssize_t n;
  do {
    n = ::read(read_end.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    reap(r, kKillReapTimeout);
    throw ClusterError(who + ": cannot run " + options_.binary + ": " + errno_text(child_errno));
  }
}

void LocalCluster::reap(Replica& r, milliseconds timeout) {
  if (r.pid == 0) return;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t got = ::waitpid(r.pid, &status, WNOHANG);
    if (got == r.pid || (got < 0 && errno == ECHILD)) {
      r.pid = 0;
      r.paused = false;
      return;
    }
    if (got < 0 && errno != EINTR) throw_errno("waitpid for replica " + std::to_string(r.id));
    if (Clock::now() >= deadline) {
      throw ClusterError("replica " + std::to_string(r.id) + " (pid " + std::to_string(r.pid) +
                         ") did not exit within " + std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
}

void LocalCluster::wait_ready(Replica& r) {
  const auto deadline = Clock::now() + options_.ready_timeout;
  std::string last_error = "no attempt";
  for (;;) {
    int status = 0;
    const pid_t got = ::waitpid(r.pid, &status, WNOHANG);
    if (got == r.pid) {
      r.pid = 0;
      throw ClusterError("replica " + std::to_string(r.id) + " " + describe_exit(status) +
                         " before answering PING; end of " + log_path(r.id) + ":\n" + log_tail(r.id));
    }
    try {
      const smr::Reply reply = resp_command(r.client_port, {"PING"}, kPingTimeout);
      if (reply.is_status() && reply.str() == "PONG") return;
      last_error = "PING answered " + reply.to_string();
    } catch (const ClusterError& e) {
      last_error = e.what();
    }
    if (Clock::now() >= deadline) {
      throw ClusterError("replica " + std::to_string(r.id) + " (pid " + std::to_string(r.pid) +
                         ") did not answer PING within " + std::to_string(options_.ready_timeout.count()) +
                         " ms (" + last_error + "); end of " + log_path(r.id) + ":\n" + log_tail(r.id));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void LocalCluster::start() {
  for (const auto& r : replicas_) {
    if (r.pid != 0) throw ClusterError("start(): the cluster is already running");
  }
  if (options_.replicas < 1 || options_.replicas > kMaxLocalReplicas) {
    throw ClusterError("a local cluster has 1.." + std::to_string(kMaxLocalReplicas) + " replicas, not " +
                       std::to_string(options_.replicas));
  }
  if (::access(options_.binary.c_str(), X_OK) != 0) throw_errno("the quorum binary '" + options_.binary + "'");

  if (base_dir_.empty()) {
    if (options_.base_dir.empty()) {
      std::string templ = "/tmp/quorum-cluster-XXXXXX";
      if (::mkdtemp(templ.data()) == nullptr) throw_errno("mkdtemp " + templ);
      base_dir_ = templ;
      made_base_dir_ = true;
    } else {
      base_dir_ = options_.base_dir;
      std::error_code ec;
      std::filesystem::create_directories(base_dir_, ec);
      if (ec) throw ClusterError("creating " + base_dir_ + ": " + ec.message());
    }
  }

  const std::vector<std::uint16_t> ports = pick_free_ports(3 * options_.replicas);
  replicas_.clear();
  for (std::size_t i = 0; i < options_.replicas; ++i) {
    Replica r;
    r.id = static_cast<std::uint32_t>(i + 1);
    r.peer_port = ports[3 * i];
    r.client_port = ports[3 * i + 1];
    r.admin_port = ports[3 * i + 2];
    replicas_.push_back(r);
  }
  try {
    for (auto& r : replicas_) {
      const std::string dir = data_dir(r.id);
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("creating " + dir);
      spawn(r);
    }
    for (auto& r : replicas_) wait_ready(r);
  } catch (...) {
    try {
      stop();
    } catch (const std::exception&) {
      // The first error is the one worth reporting.
    }
    throw;
  }
}

void LocalCluster::stop() {
  for (auto& r : replicas_) {
    if (r.pid == 0) continue;
    if (r.paused) ::kill(r.pid, SIGCONT);  // a stopped process cannot act on SIGTERM
    if (::kill(r.pid, SIGTERM) != 0 && errno != ESRCH) throw_errno("SIGTERM to replica " + std::to_string(r.id));
  }
  const auto deadline = Clock::now() + kTermGrace;
  for (;;) {
    bool any = false;
    for (auto& r : replicas_) any = is_running(r.id) || any;
    if (!any || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  std::string failures;
  for (auto& r : replicas_) {
    if (r.pid == 0) continue;
    try {
      kill(r.id);
    } catch (const ClusterError& e) {
      failures += std::string(failures.empty() ? "" : "; ") + e.what();
    }
  }
  if (!failures.empty()) throw ClusterError("stopping the cluster: " + failures);
}

void LocalCluster::kill(std::uint32_t id) {
  Replica& r = at(id);
  if (r.pid == 0) throw ClusterError("kill: replica " + std::to_string(id) + " is not running");
  if (::kill(r.pid, SIGKILL) != 0 && errno != ESRCH) throw_errno("SIGKILL to replica " + std::to_string(id));
  reap(r, kKillReapTimeout);
}

void LocalCluster::pause(std::uint32_t id) {
  Replica& r = at(id);
  if (r.pid == 0) throw ClusterError("pause: replica " + std::to_string(id) + " is not running");
  if (::kill(r.pid, SIGSTOP) != 0) throw_errno("SIGSTOP to replica " + std::to_string(id));
  r.paused = true;
}

void LocalCluster::resume(std::uint32_t id) {
  Replica& r = at(id);
  if (r.pid == 0) throw ClusterError("resume: replica " + std::to_string(id) + " is not running");
  if (::kill(r.pid, SIGCONT) != 0) throw_errno("SIGCONT to replica " + std::to_string(id));
  r.paused = false;
}

void LocalCluster::restart(std::uint32_t id) {
  Replica& r = at(id);
  if (is_running(id)) kill(id);
  spawn(r);
  try {
    wait_ready(r);
  } catch (...) {
    if (r.pid != 0) {
      ::kill(r.pid, SIGKILL);
      try {
        reap(r, kKillReapTimeout);
      } catch (const ClusterError&) {
        // Reported below through the original error.
      }
    }
    throw;
  }
}

std::optional<ReplicaStatus> LocalCluster::status(std::uint32_t id, milliseconds timeout) {
  const Replica& r = at(id);
  HttpReply reply;
  try {
    reply = http_request(r.admin_port, "GET", "/status", timeout);
  } catch (const ClusterError&) {
    return std::nullopt;
  }
  if (reply.status != 200) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(reply.body);
    ReplicaStatus s;
    s.id = j.at("id").get<std::uint32_t>();
    s.role = j.at("role").get<std::string>();
    s.leader = j.value("leader", std::uint32_t{0});
    s.commit_index = j.value("commit_index", std::uint64_t{0});
    s.json = reply.body;
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw ClusterError("replica " + std::to_string(id) + ": GET /status is not the expected JSON (" + e.what() +
                       "): " + reply.body.substr(0, 200));
  }
}

std::optional<std::uint32_t> LocalCluster::leader() {
  std::vector<ReplicaStatus> seen;
  for (auto& r : replicas_) {
    if (r.paused || !is_running(r.id)) continue;
    if (auto s = status(r.id)) seen.push_back(std::move(*s));
  }
  std::vector<std::uint32_t> claimants;
  for (const auto& s : seen) {
    if (s.role == "leader") claimants.push_back(s.id);
  }
  if (claimants.size() <= 1) {
    return claimants.empty() ? std::nullopt : std::optional<std::uint32_t>(claimants.front());
  }
  std::map<std::uint32_t, std::size_t> votes;
  for (const auto& s : seen) {
    if (std::find(claimants.begin(), claimants.end(), s.leader) != claimants.end()) ++votes[s.leader];
  }
  std::optional<std::uint32_t> best;
  std::size_t best_votes = 0;
  bool tie = false;
  for (const auto& [id, n] : votes) {
    if (n > best_votes) {
      best = id;
      best_votes = n;
      tie = false;
    } else if (n == best_votes) {
      tie = true;
    }
  }
  return tie ? std::nullopt : best;
}

std::optional<std::uint32_t> LocalCluster::wait_for_leader(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto id = leader()) return id;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

void LocalCluster::partition(std::uint32_t id, const std::vector<std::uint32_t>& peers) {
  std::string list;
  for (auto p : peers) {
    if (!list.empty()) list += ",";
    list += std::to_string(p);
  }
  const HttpReply reply = http_request(at(id).admin_port, "POST", "/fault/partition?peers=" + list, milliseconds(2'000));
  if (reply.status != 200) {
    throw ClusterError("partition of replica " + std::to_string(id) + " from {" + list + "} refused: HTTP " +
                       std::to_string(reply.status) + " " + reply.body);
  }
}

void LocalCluster::heal(std::uint32_t id) {
  const HttpReply reply = http_request(at(id).admin_port, "POST", "/fault/heal", milliseconds(2'000));
  if (reply.status != 200) {
    throw ClusterError("heal of replica " + std::to_string(id) + " refused: HTTP " + std::to_string(reply.status) +
                       " " + reply.body);
  }
}

smr::Reply LocalCluster::command(std::uint32_t id, const smr::Command& argv, milliseconds timeout) {
  return resp_command(at(id).client_port, argv, timeout);
}

}  // namespace quorum::cluster
