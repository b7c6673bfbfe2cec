#include "cluster/history_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include "cluster/local_cluster.h"
#include "core/prng.h"
#include "server/resp.h"
#include "smr/reply_output.h"

namespace quorum::cluster {

namespace {

using Clock = std::chrono::steady_clock;
using lincheck::OpKind;
using lincheck::OpStatus;
using lincheck::Output;

// Client ids of the final readers: above any workload client.
constexpr lincheck::ClientId kFinalReaderBase = 1'000;
// A final read that found its replica refusing connections retries after this.
constexpr std::chrono::milliseconds kFinalReadRetry{100};
// One recv() at most; replies here are small (a value, an integer).
constexpr std::size_t kRecvChunk = 4096;

int poll_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// false on timeout; errors other than EINTR count as "ready" so that the
// following send/recv reports them.
bool wait_ready(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, poll_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;
  }
}

enum class CallStatus { kReply, kTimeout, kLost };

struct CallResult {
  CallStatus status = CallStatus::kLost;
  smr::Reply reply;
  std::string error;
};

// One blocking RESP connection with deadlines. After anything but a reply the
// caller must close it: a late reply would be read as the next one's.
class Connection {
 public:
  Connection() = default;
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool is_open() const { return fd_ >= 0; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // false (with the reason) if the replica did not accept by the deadline.
  bool open(std::uint16_t port, Clock::time_point deadline, std::string& error) {
    close();
    parser_ = server::ReplyParser{};
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) {
      error = std::string("socket: ") + std::strerror(errno);
      return false;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      if (errno != EINPROGRESS) {
        error = std::string("connect: ") + std::strerror(errno);
        close();
        return false;
      }
      if (!wait_ready(fd_, POLLOUT, deadline)) {
        error = "connect: timed out";
        close();
        return false;
      }
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        error = std::string("connect: ") + std::strerror(err != 0 ? err : errno);
        close();
        return false;
      }
    }
    return true;
  }

  CallResult call(const smr::Command& argv, Clock::time_point deadline) {
    CallResult r;
    const std::string bytes = server::encode_command(argv);
    std::string_view rest = bytes;
    while (!rest.empty()) {
      const ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n > 0) {
        rest.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait_ready(fd_, POLLOUT, deadline)) return timeout(r, "send");
        continue;
      }
      return lost(r, std::string("send: ") + std::strerror(errno));
    }
    char buf[kRecvChunk];
    for (;;) {
      auto parsed = parser_.next();
      if (auto* reply = std::get_if<smr::Reply>(&parsed)) {
        r.status = CallStatus::kReply;
        r.reply = std::move(*reply);
        return r;
      }
      if (auto* bad = std::get_if<server::ProtocolError>(&parsed)) return lost(r, "garbled reply: " + bad->message);
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        parser_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        continue;
      }
      if (n == 0) return lost(r, "connection closed before the reply");
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_ready(fd_, POLLIN, deadline)) return timeout(r, "reply");
        continue;
      }
      return lost(r, std::string("recv: ") + std::strerror(errno));
    }
  }

 private:
  static CallResult& timeout(CallResult& r, const char* what) {
    r.status = CallStatus::kTimeout;
    r.error = std::string("no ") + what + " before the request timeout";
    return r;
  }
  static CallResult& lost(CallResult& r, std::string why) {
    r.status = CallStatus::kLost;
    r.error = std::move(why);
    return r;
  }

  int fd_ = -1;
  server::ReplyParser parser_;
};

std::string first_word(const std::string& text) { return text.substr(0, text.find(' ')); }

bool is_register(const std::string& key) { return !key.empty() && key[0] == 'r'; }
bool is_counter(const std::string& key) { return !key.empty() && key[0] == 'n'; }

std::optional<std::int64_t> parse_int(const std::string& s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool by_invocation(const RecordedOp& a, const RecordedOp& b) {
  if (a.invoke_time != b.invoke_time) return a.invoke_time < b.invoke_time;
  return a.client < b.client;
}

std::string render_time_ms(lincheck::Time t) {
  if (t == lincheck::kInfinity) return "inf";
  return std::to_string(t / 1'000'000) + "." + std::to_string(t / 100'000 % 10) + "ms";
}

}  // namespace

// ---------------------------------------------------------------------------
// Checking

lincheck::History to_history(const std::vector<RecordedOp>& ops) {
  std::vector<RecordedOp> sorted = ops;
  std::stable_sort(sorted.begin(), sorted.end(), by_invocation);
  lincheck::History h;
  for (const RecordedOp& op : sorted) {
    const std::string value = op.kind == OpKind::Set ? op.value : std::string();
    switch (op.status) {
      case OpStatus::Ok:
        h.add_ok(op.client, op.kind, op.key, value, op.output, op.invoke_time, op.return_time);
        break;
      case OpStatus::Pending:
      case OpStatus::Unknown:
        h.add_unknown(op.client, op.kind, op.key, value, op.invoke_time);
        break;
      case OpStatus::Failed:
        h.failed(h.invoke(op.client, op.kind, op.key, value, op.invoke_time));
        break;
    }
  }
  return h;
}

namespace {

void check_counter(const std::string& key, const std::vector<const RecordedOp*>& ops, std::vector<std::string>& lost) {
  std::int64_t acked = 0;
  std::int64_t maybe = 0;
  for (const RecordedOp* op : ops) {
    if (op->kind != OpKind::Incr || op->final_read) continue;
    if (op->status == OpStatus::Ok && op->output.type() == Output::Type::Integer) ++acked;
    if (op->status == OpStatus::Unknown || op->status == OpStatus::Pending) ++maybe;
  }
  for (const RecordedOp* op : ops) {
    if (!op->final_read || op->status != OpStatus::Ok) continue;
    std::optional<std::int64_t> v = std::int64_t{0};
    if (op->output.type() == Output::Type::Value) v = parse_int(op->output.text());
    const std::string where = "final read of " + key + " at replica " + std::to_string(op->replica);
    if (!v) {
      lost.push_back(where + " returned " + lincheck::quote(op->output.text()) + ", not a count");
    } else if (*v < acked) {
      lost.push_back(where + " returned " + std::to_string(*v) + " but " + std::to_string(acked) +
                     " INCRs were acknowledged: " + std::to_string(acked - *v) + " lost");
    } else if (*v > acked + maybe) {
      lost.push_back(where + " returned " + std::to_string(*v) + " but only " + std::to_string(acked) +
                     " INCRs were acknowledged and " + std::to_string(maybe) + " unknown");
    }
  }
}

void check_register(const std::string& key, const std::vector<const RecordedOp*>& ops, std::vector<std::string>& lost) {
  std::map<std::string, const RecordedOp*> writer;  // values are unique per write
  std::vector<const RecordedOp*> acked_sets;
  for (const RecordedOp* op : ops) {
    if (op->kind != OpKind::Set) continue;
    writer[op->value] = op;
    if (op->status == OpStatus::Ok) acked_sets.push_back(op);
  }
  for (const RecordedOp* op : ops) {
    if (!op->final_read || op->status != OpStatus::Ok) continue;
    const std::string where = "final read of " + key + " at replica " + std::to_string(op->replica);
    if (op->output.type() == Output::Type::Nil) {
      if (!acked_sets.empty()) {
        lost.push_back(where + " returned nil but " + std::to_string(acked_sets.size()) +
                       " SETs were acknowledged, e.g. " + lincheck::quote(acked_sets.back()->value));
      }
      continue;
    }
    auto it = writer.find(op->output.text());
    if (it == writer.end() || it->second->status == OpStatus::Failed) {
      lost.push_back(where + " returned " + lincheck::quote(op->output.text()) + ", which no SET wrote");
      continue;
    }
    const RecordedOp* w = it->second;
    for (const RecordedOp* later : acked_sets) {
      if (later->invoke_time > w->return_time) {
        lost.push_back(where + " returned " + lincheck::quote(w->value) + ", but the acknowledged SET " +
                       lincheck::quote(later->value) + " (client " + std::to_string(later->client) +
                       ") started after that write had returned: it was lost");
        break;
      }
    }
  }
}

}  // namespace

RunVerdict verify(const std::vector<RecordedOp>& ops, const lincheck::CheckOptions& options) {
  RunVerdict v;
  v.lincheck = lincheck::check(to_history(ops), options);
  std::map<std::string, std::vector<const RecordedOp*>> by_key;
  for (const RecordedOp& op : ops) {
    by_key[op.key].push_back(&op);
    if (op.error.rfind("unexpected reply", 0) == 0) {
      v.lost_writes.push_back("client " + std::to_string(op.client) + " at replica " + std::to_string(op.replica) +
                              ": " + op.error);
    }
  }
  for (const auto& [key, key_ops] : by_key) {
    const bool read = std::any_of(key_ops.begin(), key_ops.end(),
                                  [](const RecordedOp* op) { return op->final_read && op->status == OpStatus::Ok; });
    if (!read) {
      v.unchecked_keys.push_back(key);
      continue;
    }
    if (is_counter(key)) check_counter(key, key_ops, v.lost_writes);
    if (is_register(key)) check_register(key, key_ops, v.lost_writes);
  }
  return v;
}

std::string RunVerdict::summary() const {
  std::string out = lincheck.explanation();
  if (!out.empty() && out.back() != '\n') out += "\n";
  if (lost_writes.empty()) {
    out += "no acknowledged write lost\n";
  } else {
    for (const auto& l : lost_writes) out += "LOST: " + l + "\n";
  }
  for (const auto& k : unchecked_keys) out += "UNCHECKED: no final read of " + k + " succeeded\n";
  return out;
}

std::string dump(const std::vector<RecordedOp>& ops) {
  std::vector<RecordedOp> sorted = ops;
  std::stable_sort(sorted.begin(), sorted.end(), by_invocation);
  const lincheck::History h = to_history(sorted);
  std::string out;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const RecordedOp& op = sorted[i];
    out += h.render(lincheck::OpId{static_cast<std::uint32_t>(i)});
    out += "  @r" + std::to_string(op.replica) + " " + render_time_ms(op.invoke_time) + ".." +
           render_time_ms(op.return_time);
    if (op.final_read) out += " final";
    if (!op.error.empty()) out += "  (" + op.error + ")";
    out += "\n";
  }
  return out;
}

// ---------------------------------------------------------------------------
// HistoryClient

struct HistoryClient::Worker {
  lincheck::ClientId id = 0;
  Prng prng{0};
  std::uint32_t replica = 1;  // where it connects next
  std::vector<RecordedOp> records;
};

HistoryClient::HistoryClient(LocalCluster& cluster, HistoryClientOptions options)
    : options_(options), epoch_(Clock::now()) {
  if (options_.clients == 0 || options_.clients > kMaxHistoryClients) {
    throw std::invalid_argument("HistoryClient: 1.." + std::to_string(kMaxHistoryClients) + " clients, not " +
                                std::to_string(options_.clients));
  }
  if (options_.registers + options_.counters == 0) throw std::invalid_argument("HistoryClient: no keys");
  for (std::uint32_t id = 1; id <= cluster.size(); ++id) ports_.push_back(cluster.client_port(id));
}

HistoryClient::~HistoryClient() { stop(); }

lincheck::Time HistoryClient::now() const {
  return static_cast<lincheck::Time>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - epoch_).count());
}

std::vector<std::string> HistoryClient::keys() const {
  std::vector<std::string> k;
  for (std::size_t i = 0; i < options_.registers; ++i) k.push_back("r" + std::to_string(i));
  for (std::size_t i = 0; i < options_.counters; ++i) k.push_back("n" + std::to_string(i));
  return k;
}

void HistoryClient::start(std::chrono::milliseconds duration) {
  if (!threads_.empty() || merged_) throw std::logic_error("HistoryClient::start: already started");
  deadline_ = Clock::now() + std::min(duration, options_.max_duration);
  stop_ = false;
  Prng seeds(options_.seed);
  for (std::size_t i = 0; i < options_.clients; ++i) {
    auto w = std::make_unique<Worker>();
    w->id = i + 1;
    w->prng = Prng(seeds.fork());
    w->replica = static_cast<std::uint32_t>(i % ports_.size()) + 1;
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) threads_.emplace_back([this, worker = w.get()] { run_client(*worker); });
}

void HistoryClient::stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
  merge();
}

void HistoryClient::merge() {
  if (merged_ || workers_.empty()) return;
  for (auto& w : workers_) {
    for (auto& r : w->records) ops_.push_back(std::move(r));
    w->records.clear();
  }
  std::stable_sort(ops_.begin(), ops_.end(), by_invocation);
  merged_ = true;
}

const std::vector<RecordedOp>& HistoryClient::ops() {
  if (!threads_.empty()) throw std::logic_error("HistoryClient::ops: stop() first");
  merge();
  return ops_;
}

HistoryClientStats HistoryClient::stats() const {
  HistoryClientStats s;
  s.ok = counters_.ok;
  s.unknown = counters_.unknown;
  s.failed = counters_.failed;
  s.writes_ok = counters_.writes_ok;
  s.noquorum = counters_.noquorum;
  s.timeouts = counters_.timeouts;
  s.lost_connections = counters_.lost_connections;
  s.connects = counters_.connects;
  s.connect_failures = counters_.connect_failures;
  return s;
}

void HistoryClient::run_client(Worker& w) {
  const std::vector<std::string> all_keys = keys();
  const auto n = static_cast<std::uint32_t>(ports_.size());
  auto next_replica = [n](std::uint32_t r) { return r % n + 1; };
  Connection conn;
  std::uint32_t refused_in_a_row = 0;
  std::uint64_t seq = 0;
  while (!stop_ && Clock::now() < deadline_ && seq < options_.max_ops_per_client) {
    if (!conn.is_open()) {
      std::string error;
      if (!conn.open(ports_[w.replica - 1], Clock::now() + options_.connect_timeout, error)) {
        ++counters_.connect_failures;
        w.replica = next_replica(w.replica);
        if (++refused_in_a_row >= n) {
          refused_in_a_row = 0;
          std::this_thread::sleep_for(options_.all_down_backoff);
        }
        continue;
      }
      ++counters_.connects;
      refused_in_a_row = 0;
    }

    ++seq;
    RecordedOp op;
    op.client = w.id;
    op.replica = w.replica;
    op.key = all_keys[w.prng.range(0, all_keys.size() - 1)];
    const bool write = w.prng.chance(500'000);
    smr::Command cmd;
    if (!write) {
      op.kind = OpKind::Get;
      cmd = {"GET", op.key};
    } else if (is_counter(op.key)) {
      op.kind = OpKind::Incr;
      cmd = {"INCR", op.key};
    } else {
      op.kind = OpKind::Set;
      op.value = "c" + std::to_string(w.id) + "-" + std::to_string(seq);
      cmd = {"SET", op.key, op.value};
    }

    op.invoke_time = now();
    CallResult r = conn.call(cmd, Clock::now() + options_.request_timeout);
    const lincheck::Time returned = now();
    bool give_up_on_replica = false;
    if (r.status == CallStatus::kTimeout) {
      op.status = OpStatus::Unknown;
      op.error = r.error;
      ++counters_.timeouts;
      give_up_on_replica = true;
    } else if (r.status == CallStatus::kLost) {
      op.status = OpStatus::Unknown;
      op.error = r.error;
      ++counters_.lost_connections;
      give_up_on_replica = true;
    } else if (r.reply.is_error() && first_word(r.reply.str()) == "NOQUORUM") {
      op.status = OpStatus::Unknown;
      op.error = r.reply.str();
      ++counters_.noquorum;
      give_up_on_replica = true;
    } else if (auto out = smr::reply_output(op.kind, r.reply)) {
      op.status = OpStatus::Ok;
      op.output = std::move(*out);
      op.return_time = std::max(returned, op.invoke_time);
    } else if (r.reply.is_error()) {
      // BUSY and ERR are answered before the command enters the log.
      op.status = OpStatus::Failed;
      op.error = r.reply.str();
    } else {
      // Not a reply this command can have: the checker cannot use it, so it
      // is kept as unknown and verify() reports it as a failure on its own.
      op.status = OpStatus::Unknown;
      op.error = "unexpected reply " + r.reply.to_string();
      give_up_on_replica = true;
    }
    switch (op.status) {
      case OpStatus::Ok:
        ++counters_.ok;
        if (op.kind != OpKind::Get) ++counters_.writes_ok;
        break;
      case OpStatus::Failed:
        ++counters_.failed;
        break;
      default:
        ++counters_.unknown;
        break;
    }
    w.records.push_back(std::move(op));
    if (give_up_on_replica) {
      conn.close();
      w.replica = next_replica(w.replica);
    }
    if (options_.think_max.count() > 0) {
      std::this_thread::sleep_for(
          std::chrono::microseconds(w.prng.range(0, static_cast<std::uint64_t>(options_.think_max.count()))));
    }
  }
}

FinalReadReport HistoryClient::final_reads(std::chrono::milliseconds timeout) {
  if (!threads_.empty()) throw std::logic_error("HistoryClient::final_reads: stop() first");
  merge();
  merged_ = true;
  FinalReadReport report;
  const auto deadline = Clock::now() + timeout;
  const std::vector<std::string> all_keys = keys();
  std::map<std::string, std::set<std::string>> seen;  // key -> rendered values
  for (std::uint32_t replica = 1; replica <= ports_.size(); ++replica) {
    Connection conn;
    for (const std::string& key : all_keys) {
      bool done = false;
      // Bounded by the deadline: every pass either sleeps or spends at least
      // one round trip.
      while (!done && Clock::now() < deadline) {
        if (!conn.is_open()) {
          std::string error;
          if (!conn.open(ports_[replica - 1], std::min(deadline, Clock::now() + options_.connect_timeout), error)) {
            std::this_thread::sleep_for(kFinalReadRetry);
            continue;
          }
        }
        RecordedOp op;
        op.client = kFinalReaderBase + replica;
        op.replica = replica;
        op.kind = OpKind::Get;
        op.key = key;
        op.final_read = true;
        op.invoke_time = now();
        CallResult r = conn.call({"GET", key}, std::min(deadline, Clock::now() + options_.request_timeout));
        const lincheck::Time returned = now();
        std::optional<Output> out;
        if (r.status == CallStatus::kReply) out = smr::reply_output(OpKind::Get, r.reply);
        if (out) {
          op.status = OpStatus::Ok;
          op.output = std::move(*out);
          op.return_time = std::max(returned, op.invoke_time);
          seen[key].insert(op.output.type() == Output::Type::Nil ? "(nil)" : lincheck::quote(op.output.text()));
          ++report.reads_ok;
          done = true;
        } else {
          // A GET that did not answer changes nothing; it is still recorded,
          // as an unknown read, so the history shows every request sent.
          op.status = OpStatus::Unknown;
          op.error = r.status == CallStatus::kReply ? r.reply.to_string() : r.error;
          conn.close();
          std::this_thread::sleep_for(kFinalReadRetry);
        }
        ops_.push_back(std::move(op));
      }
      if (!done) report.unread.push_back("replica " + std::to_string(replica) + " key " + key);
    }
  }
  for (const auto& [key, values] : seen) {
    if (values.size() > 1) {
      std::string line = key + ":";
      for (const auto& v : values) line += " " + v;
      report.disagreements.push_back(line);
    }
  }
  std::stable_sort(ops_.begin(), ops_.end(), by_invocation);
  return report;
}

}  // namespace quorum::cluster
