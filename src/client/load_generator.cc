#include "client/load_generator.h"

#include <array>
#include <asio.hpp>
#include <cmath>
#include <deque>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

#include "core/prng.h"

namespace quorum::client {

namespace {

using Clock = std::chrono::steady_clock;
using asio::ip::tcp;

// A misbehaving server could send a new error word with every reply; the
// error table keeps this many kinds and counts the rest as "OTHER".
constexpr std::size_t kMaxErrorKinds = 32;
constexpr std::size_t kMaxErrorWordBytes = 32;
// One read from a socket; replies larger than this arrive in several reads.
constexpr std::size_t kReadChunkBytes = 16 << 10;
// How often outstanding requests are checked against request_timeout.
constexpr std::chrono::milliseconds kTimeoutScan{50};
// After the deadline every socket is closed at once; this only bounds the
// handlers still draining, so a wedged handler cannot keep run_load() alive.
constexpr std::chrono::milliseconds kShutdownGrace{2'000};

std::string error_kind(const std::string& text) {
  std::string word = text.substr(0, text.find(' '));
  if (word.empty()) return "(empty)";
  if (word.size() > kMaxErrorWordBytes) word.resize(kMaxErrorWordBytes);
  return word;
}

void count_error(LoadResult& r, const std::string& kind) {
  auto it = r.errors.find(kind);
  if (it != r.errors.end()) {
    ++it->second;
  } else if (r.errors.size() < kMaxErrorKinds) {
    r.errors.emplace(kind, 1);
  } else {
    ++r.errors["OTHER"];
  }
}

struct Worker;

// One client connection and its closed loop. Lives as long as its Worker's
// io_context is run; every asynchronous handler carries the connection's
// generation, so a completion from a socket that was since closed and
// replaced is ignored instead of acting on the new connection.
class Connection {
 public:
  Connection(Worker& w, std::vector<tcp::endpoint> endpoints, std::uint64_t seed);
  void start() { connect(); }
  void stop();
  void check_timeout(Clock::time_point now);
  std::size_t outstanding() const { return outstanding_.size(); }

 private:
  struct Pending {
    Clock::time_point sent;
    bool read;
  };

  void connect();
  void on_connect(std::uint64_t gen, const asio::error_code& ec);
  void schedule_reconnect();
  void send_request();
  void flush();
  void read();
  void on_read(std::uint64_t gen, const asio::error_code& ec, std::size_t n);
  void on_reply(const smr::Reply& reply, Clock::time_point now);
  // Drops the connection (counting what it loses) and reconnects unless the
  // run is over.
  void fail();

  Worker& w_;
  std::vector<tcp::endpoint> endpoints_;
  tcp::socket socket_;
  asio::steady_timer timer_;  // connect timeout, then reconnect backoff
  server::ReplyParser parser_;
  Prng prng_;
  std::deque<Pending> outstanding_;  // at most pipeline
  std::string out_pending_;          // encoded, not yet handed to the socket
  std::string out_writing_;          // the write in flight
  bool writing_ = false;
  std::array<char, kReadChunkBytes> in_{};
  smr::Command set_;  // SET key value, reused: the value is encoded from here
  smr::Command get_;
  std::chrono::milliseconds backoff_;
  std::uint64_t gen_ = 0;
  bool connecting_ = false;
  bool connected_ = false;
  bool ever_connected_ = false;
  bool stopped_ = false;
};

// One io_context and the connections it drives; everything here runs on the
// worker's thread.
struct Worker {
  Worker(const LoadOptions& o, std::string v, Clock::time_point ws, Clock::time_point we)
      : opt(o), value(std::move(v)), window_start(ws), window_end(we), scan(io), deadline(io) {}

  bool in_window(Clock::time_point t) const { return t >= window_start && t < window_end; }
  bool counting() const { return in_window(Clock::now()); }

  void run() {
    for (auto& c : conns) c->start();
    scan_timeouts();
    deadline.expires_at(window_end);
    deadline.async_wait([this](const asio::error_code&) {
      stopping = true;
      scan.cancel();
      for (auto& c : conns) c->stop();
    });
    io.run_until(window_end + kShutdownGrace);
    if (!io.stopped()) io.stop();
    result.window_s = std::chrono::duration<double>(window_end - window_start).count();
  }

  void scan_timeouts() {
    scan.expires_after(kTimeoutScan);
    scan.async_wait([this](const asio::error_code& ec) {
      if (ec || stopping) return;
      const auto now = Clock::now();
      for (auto& c : conns) c->check_timeout(now);
      scan_timeouts();
    });
  }

  // Declared first so it is destroyed last: the connections' sockets and
  // timers must go before the io_context they were made from.
  asio::io_context io;
  const LoadOptions& opt;
  const std::string value;
  const Clock::time_point window_start;
  const Clock::time_point window_end;
  asio::steady_timer scan;
  asio::steady_timer deadline;
  std::vector<std::unique_ptr<Connection>> conns;
  LoadResult result;
  bool stopping = false;
};

Connection::Connection(Worker& w, std::vector<tcp::endpoint> endpoints, std::uint64_t seed)
    : w_(w),
      endpoints_(std::move(endpoints)),
      socket_(w.io),
      timer_(w.io),
      parser_(w.opt.reply_limits),
      prng_(seed),
      set_{"SET", "", w.value},
      get_{"GET", ""},
      backoff_(w.opt.reconnect_backoff_min) {}

void Connection::connect() {
  if (w_.stopping) return;
  const std::uint64_t gen = ++gen_;
  connecting_ = true;
  asio::async_connect(socket_, endpoints_,
                      [this, gen](const asio::error_code& ec, const tcp::endpoint&) { on_connect(gen, ec); });
  timer_.expires_after(w_.opt.connect_timeout);
  timer_.async_wait([this, gen](const asio::error_code& ec) {
    // Closing makes the pending connect complete with operation_aborted.
    if (!ec && gen == gen_ && connecting_) socket_.close();
  });
}

void Connection::on_connect(std::uint64_t gen, const asio::error_code& ec) {
  if (gen != gen_ || stopped_) return;
  connecting_ = false;
  timer_.cancel();
  if (ec) {
    if (w_.counting()) ++w_.result.connect_failures;
    asio::error_code ignored;
    socket_.close(ignored);
    schedule_reconnect();
    return;
  }
  asio::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  connected_ = true;
  ++w_.result.connections;
  if (ever_connected_ && w_.counting()) ++w_.result.reconnects;
  ever_connected_ = true;
  read();
  for (int i = 0; i < w_.opt.pipeline; ++i) send_request();
}

void Connection::schedule_reconnect() {
  if (w_.stopping || stopped_) return;
  const std::uint64_t gen = ++gen_;
  timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, w_.opt.reconnect_backoff_max);
  timer_.async_wait([this, gen](const asio::error_code& ec) {
    if (!ec && gen == gen_) connect();
  });
}

void Connection::send_request() {
  const bool is_read = w_.opt.read_ratio > 0 &&
                       static_cast<double>(prng_.next() >> 11) * 0x1.0p-53 < w_.opt.read_ratio;
  smr::Command& cmd = is_read ? get_ : set_;
  cmd[1] = "key:";
  cmd[1] += std::to_string(prng_.range(0, w_.opt.keys - 1));
  server::encode_command(cmd, out_pending_);
  outstanding_.push_back(Pending{Clock::now(), is_read});
  flush();
}

void Connection::flush() {
  if (writing_ || out_pending_.empty() || !connected_) return;
  out_writing_.swap(out_pending_);
  out_pending_.clear();
  writing_ = true;
  const std::uint64_t gen = gen_;
  asio::async_write(socket_, asio::buffer(out_writing_), [this, gen](const asio::error_code& ec, std::size_t) {
    if (gen != gen_ || stopped_) return;
    writing_ = false;
    if (ec) {
      fail();
      return;
    }
    flush();
  });
}

void Connection::read() {
  const std::uint64_t gen = gen_;
  socket_.async_read_some(asio::buffer(in_),
                          [this, gen](const asio::error_code& ec, std::size_t n) { on_read(gen, ec, n); });
}

void Connection::on_read(std::uint64_t gen, const asio::error_code& ec, std::size_t n) {
  if (gen != gen_ || stopped_) return;
  if (ec) {
    fail();
    return;
  }
  parser_.feed(std::string_view(in_.data(), n));
  const auto now = Clock::now();
  for (;;) {
    auto parsed = parser_.next();
    if (std::holds_alternative<server::NeedMore>(parsed)) break;
    if (std::holds_alternative<server::ProtocolError>(parsed) || outstanding_.empty()) {
      // Garbage, or a reply to nothing: the stream can no longer be matched
      // to requests.
      if (w_.counting()) count_error(w_.result, "PROTOCOL");
      fail();
      return;
    }
    on_reply(std::get<smr::Reply>(parsed), now);
    if (gen != gen_) return;
  }
  read();
}

void Connection::on_reply(const smr::Reply& reply, Clock::time_point now) {
  const Pending p = outstanding_.front();
  outstanding_.pop_front();
  if (w_.in_window(now)) {
    LoadResult& r = w_.result;
    if (reply.is_error()) {
      count_error(r, error_kind(reply.str()));
    } else if (p.read ? (reply.is_bulk() || reply.is_nil()) : reply.is_status()) {
      ++r.ops;
      ++(p.read ? r.reads : r.writes);
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - p.sent).count();
      r.latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(us, 0)));
    } else {
      count_error(r, "UNEXPECTED");
    }
  }
  if (!reply.is_error()) backoff_ = w_.opt.reconnect_backoff_min;
  if (!w_.stopping) send_request();
}

void Connection::check_timeout(Clock::time_point now) {
  if (!connected_ || outstanding_.empty()) return;
  if (now - outstanding_.front().sent < w_.opt.request_timeout) return;
  if (w_.counting()) ++w_.result.timeouts;
  fail();
}

void Connection::fail() {
  ++gen_;
  if (connected_ && w_.counting()) {
    ++w_.result.disconnects;
    w_.result.lost_requests += outstanding_.size();
  }
  connected_ = false;
  connecting_ = false;
  writing_ = false;
  outstanding_.clear();
  out_pending_.clear();
  out_writing_.clear();
  parser_ = server::ReplyParser(w_.opt.reply_limits);
  asio::error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
  schedule_reconnect();
}

void Connection::stop() {
  if (stopped_) return;
  stopped_ = true;
  ++gen_;
  w_.result.unfinished += outstanding_.size();
  asio::error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
}

std::string make_value(std::size_t bytes, std::uint64_t seed) {
  Prng prng(seed ^ 0x76616c7565ULL);
  std::string v(bytes, 'x');
  for (auto& c : v) c = static_cast<char>('a' + prng.range(0, 25));
  return v;
}

}  // namespace

Endpoint parse_endpoint(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw std::invalid_argument("bad address '" + text + "' (want [v6-address]:port)");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      throw std::invalid_argument("bad address '" + text + "' (want host:port)");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned long p = 0;
  try {
    std::size_t used = 0;
    p = std::stoul(port, &used);
    if (used != port.size()) p = 0;
  } catch (const std::exception&) {
    p = 0;
  }
  if (host.empty() || p == 0 || p > 65535) {
    throw std::invalid_argument("bad address '" + text + "' (want host:port, port 1..65535)");
  }
  return Endpoint{host, static_cast<std::uint16_t>(p)};
}

std::uint64_t LoadResult::error_count() const {
  std::uint64_t n = 0;
  for (const auto& [kind, count] : errors) n += count;
  return n;
}

void LoadResult::merge(const LoadResult& o) {
  ops += o.ops;
  reads += o.reads;
  writes += o.writes;
  for (const auto& [kind, count] : o.errors) {
    // Both sides are already capped; the merged table may hold up to twice
    // kMaxErrorKinds, which is still bounded.
    errors[kind] += count;
  }
  connections += o.connections;
  reconnects += o.reconnects;
  disconnects += o.disconnects;
  connect_failures += o.connect_failures;
  lost_requests += o.lost_requests;
  timeouts += o.timeouts;
  unfinished += o.unfinished;
  window_s = std::max(window_s, o.window_s);
  latency.merge(o.latency);
}

std::string validate(const LoadOptions& o) {
  if (o.targets.empty()) return "no target";
  if (o.clients < 1 || o.clients > kMaxClients) return "clients must be 1.." + std::to_string(kMaxClients);
  if (o.pipeline < 1 || o.pipeline > kMaxPipeline) return "pipeline must be 1.." + std::to_string(kMaxPipeline);
  if (o.threads < 1 || o.threads > kMaxThreads) return "threads must be 1.." + std::to_string(kMaxThreads);
  if (o.value_bytes > kMaxBenchValueBytes) return "value size above " + std::to_string(kMaxBenchValueBytes);
  if (!(o.read_ratio >= 0.0 && o.read_ratio <= 1.0)) return "read ratio must be in [0, 1]";
  if (o.keys < 1) return "keys must be at least 1";
  if (o.duration.count() <= 0) return "duration must be positive";
  if (o.warmup.count() < 0) return "warmup must not be negative";
  if (o.connect_timeout.count() <= 0 || o.request_timeout.count() <= 0) return "timeouts must be positive";
  if (o.reconnect_backoff_min.count() <= 0 || o.reconnect_backoff_max < o.reconnect_backoff_min) {
    return "reconnect backoff must satisfy 0 < min <= max";
  }
  for (const auto& t : o.targets) {
    if (t.host.empty() || t.port == 0) return "bad target '" + t.to_string() + "'";
  }
  return {};
}

LoadResult run_load(const LoadOptions& o) {
  if (auto problem = validate(o); !problem.empty()) throw std::invalid_argument(problem);

  std::vector<std::vector<tcp::endpoint>> resolved;
  {
    asio::io_context io;
    tcp::resolver resolver(io);
    for (const auto& t : o.targets) {
      asio::error_code ec;
      auto results = resolver.resolve(t.host, std::to_string(t.port), ec);
      if (ec || results.empty()) {
        throw std::runtime_error("cannot resolve " + t.to_string() + ": " + (ec ? ec.message() : "no address"));
      }
      resolved.emplace_back(results.begin(), results.end());
    }
  }

  const std::string value = make_value(o.value_bytes, o.seed);
  const auto window_start = Clock::now() + o.warmup;
  const auto window_end = window_start + o.duration;
  const int threads = std::min(o.threads, o.clients);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    workers.push_back(std::make_unique<Worker>(o, value, window_start, window_end));
  }
  Prng seeds(o.seed);
  for (int i = 0; i < o.clients; ++i) {
    Worker& w = *workers[static_cast<std::size_t>(i % threads)];
    const auto& eps = resolved[static_cast<std::size_t>(i) % resolved.size()];
    w.conns.push_back(std::make_unique<Connection>(w, eps, seeds.fork()));
  }

  // Worker 0 runs on this thread; a failure on another thread is rethrown
  // here after every thread has been joined.
  std::vector<std::exception_ptr> failures(workers.size());
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < workers.size(); ++t) {
    pool.emplace_back([&, t] {
      try {
        workers[t]->run();
      } catch (...) {
        failures[t] = std::current_exception();
      }
    });
  }
  try {
    workers[0]->run();
  } catch (...) {
    failures[0] = std::current_exception();
  }
  for (auto& th : pool) th.join();
  for (auto& f : failures) {
    if (f) std::rethrow_exception(f);
  }

  LoadResult total;
  for (auto& w : workers) total.merge(w->result);
  return total;
}

}  // namespace quorum::client
