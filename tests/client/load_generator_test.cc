// The load generator against a real redis-server (started by the test on a
// free loopback port) and against small fake servers that answer errors,
// garbage or nothing at all. Every run is bounded: each test also checks that
// run_load() returns soon after warmup + duration, whatever the server does.
#include "client/load_generator.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <asio.hpp>
#include <atomic>
#include <memory>
#include <thread>

#include "cluster/local_cluster.h"
#include "redis_process.h"
#include "server/resp.h"

namespace quorum::client {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// How far past warmup + duration a run may end: closing sockets and joining.
constexpr milliseconds kShutdownSlack{3'000};

LoadOptions options_for(std::uint16_t port) {
  LoadOptions o;
  o.targets = {Endpoint{"127.0.0.1", port}};
  o.clients = 10;
  o.duration = milliseconds(2'000);
  o.warmup = milliseconds(200);
  o.keys = 1'000;
  return o;
}

LoadResult timed_run(const LoadOptions& o) {
  const auto start = Clock::now();
  LoadResult r = run_load(o);
  const auto took = Clock::now() - start;
  EXPECT_LT(took, o.warmup + o.duration + kShutdownSlack) << "run_load overran its deadline";
  return r;
}

std::string describe(const LoadResult& r) {
  std::string s = "ops=" + std::to_string(r.ops) + " reconnects=" + std::to_string(r.reconnects) +
                  " disconnects=" + std::to_string(r.disconnects) +
                  " connect_failures=" + std::to_string(r.connect_failures) +
                  " lost=" + std::to_string(r.lost_requests) + " timeouts=" + std::to_string(r.timeouts) + " errors={";
  for (const auto& [k, n] : r.errors) s += k + ":" + std::to_string(n) + " ";
  return s + "}";
}

// A RESP server on its own thread that parses commands and answers each with
// `reply` verbatim, or never answers when `reply` is empty.
class FakeServer {
 public:
  explicit FakeServer(std::string reply)
      : reply_(std::move(reply)), acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeServer() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int commands() const { return commands_.load(); }

 private:
  struct Session {
    explicit Session(asio::ip::tcp::socket s) : socket(std::move(s)) {}
    asio::ip::tcp::socket socket;
    server::RequestParser parser;
    std::array<char, 4096> buf{};
    std::string out;
  };

  void accept() {
    acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket s) {
      if (ec) return;
      auto session = std::make_shared<Session>(std::move(s));
      read(session);
      accept();
    });
  }

  void read(const std::shared_ptr<Session>& s) {
    s->socket.async_read_some(asio::buffer(s->buf), [this, s](const asio::error_code& ec, std::size_t n) {
      if (ec) return;
      s->parser.feed(std::string_view(s->buf.data(), n));
      std::string out;
      for (;;) {
        auto parsed = s->parser.next();
        if (!std::holds_alternative<smr::Command>(parsed)) break;
        ++commands_;
        out += reply_;
      }
      if (out.empty()) {
        read(s);
        return;
      }
      s->out = std::move(out);
      asio::async_write(s->socket, asio::buffer(s->out), [this, s](const asio::error_code& wec, std::size_t) {
        if (!wec) read(s);
      });
    });
  }

  std::string reply_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<int> commands_{0};
};

TEST(ParseEndpoint, AcceptsHostPortAndBracketedV6) {
  const Endpoint a = parse_endpoint("127.0.0.1:6379");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 6379);
  const Endpoint b = parse_endpoint("localhost:1");
  EXPECT_EQ(b.host, "localhost");
  const Endpoint c = parse_endpoint("[::1]:7000");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(a.to_string(), "127.0.0.1:6379");
}

TEST(ParseEndpoint, RejectsMalformedAddresses) {
  for (const char* bad : {"", "127.0.0.1", ":6379", "host:", "host:0", "host:65536", "host:12x", "::1:80",
                          "[::1]", "[::1]80"}) {
    EXPECT_THROW(parse_endpoint(bad), std::invalid_argument) << bad;
  }
}

TEST(LoadOptionsValidate, NamesTheProblem) {
  LoadOptions o = options_for(1);
  EXPECT_EQ(validate(o), "");
  o.clients = 0;
  EXPECT_NE(validate(o).find("clients"), std::string::npos);
  o = options_for(1);
  o.pipeline = kMaxPipeline + 1;
  EXPECT_NE(validate(o).find("pipeline"), std::string::npos);
  o = options_for(1);
  o.read_ratio = 1.5;
  EXPECT_NE(validate(o).find("read ratio"), std::string::npos);
  o = options_for(1);
  o.targets.clear();
  EXPECT_NE(validate(o).find("target"), std::string::npos);
  EXPECT_THROW(run_load(o), std::invalid_argument);
}

TEST(LoadGenerator, SetsAgainstRedisWithoutErrors) {
  testing::RedisProcess redis;
  const LoadResult r = timed_run(options_for(redis.port()));
  EXPECT_GT(r.ops, 0u) << describe(r);
  EXPECT_EQ(r.error_count(), 0u) << describe(r);
  EXPECT_EQ(r.writes, r.ops);
  EXPECT_EQ(r.reads, 0u);
  EXPECT_EQ(r.reconnects + r.disconnects + r.connect_failures + r.lost_requests + r.timeouts, 0u) << describe(r);
  EXPECT_EQ(r.connections, 10u);
  EXPECT_EQ(r.latency.count(), r.ops);
  EXPECT_GT(r.ops_per_sec(), 0.0);
  EXPECT_NEAR(r.window_s, 2.0, 1e-9);
  EXPECT_LE(r.latency.value_at_percentile(50), r.latency.value_at_percentile(99));
  EXPECT_LE(r.latency.value_at_percentile(99.9), r.latency.max());

  // What was written is there: every key is key:<n> with n < keys.
  const smr::Reply dbsize = cluster::resp_command(redis.port(), {"DBSIZE"}, milliseconds(2'000));
  ASSERT_TRUE(dbsize.is_integer());
  EXPECT_GT(dbsize.integer_value(), 0);
  EXPECT_LE(dbsize.integer_value(), 1'000);
  const smr::Reply value = cluster::resp_command(redis.port(), {"RANDOMKEY"}, milliseconds(2'000));
  ASSERT_TRUE(value.is_bulk());
  EXPECT_EQ(value.str().rfind("key:", 0), 0u) << value.str();
}

TEST(LoadGenerator, Pipeline16WithReadsAndSeveralThreads) {
  testing::RedisProcess redis;
  LoadOptions o = options_for(redis.port());
  o.clients = 8;
  o.pipeline = 16;
  o.threads = 2;
  o.read_ratio = 0.5;
  o.value_bytes = 100;
  o.duration = milliseconds(1'000);
  const LoadResult r = timed_run(o);
  EXPECT_EQ(r.error_count(), 0u) << describe(r);
  EXPECT_GT(r.reads, 0u) << describe(r);
  EXPECT_GT(r.writes, 0u) << describe(r);
  EXPECT_EQ(r.reads + r.writes, r.ops);
  EXPECT_EQ(r.timeouts + r.disconnects, 0u) << describe(r);
  // Each connection had its whole pipeline in flight at the end.
  EXPECT_LE(r.unfinished, 8u * 16u);
  const double read_share = static_cast<double>(r.reads) / static_cast<double>(r.ops);
  EXPECT_NEAR(read_share, 0.5, 0.1);
}

TEST(LoadGenerator, KeysStayWithinTheKeySpace) {
  // keys = 5: every SET writes one of key:0 .. key:4, and a few hundred of
  // them hit all five.
  testing::RedisProcess redis;
  LoadOptions o = options_for(redis.port());
  o.clients = 1;
  o.keys = 5;
  o.duration = milliseconds(300);
  o.warmup = milliseconds(0);
  const LoadResult r = timed_run(o);
  EXPECT_GT(r.ops, 0u);
  const smr::Reply dbsize = cluster::resp_command(redis.port(), {"DBSIZE"}, milliseconds(2'000));
  ASSERT_TRUE(dbsize.is_integer());
  EXPECT_EQ(dbsize.integer_value(), 5);
}

TEST(LoadGenerator, SurvivesTheServerBeingKilledAndComingBack) {
  auto redis = std::make_unique<testing::RedisProcess>();
  const std::uint16_t port = redis->port();
  LoadOptions o = options_for(port);
  o.clients = 4;
  o.warmup = milliseconds(0);
  o.duration = milliseconds(3'000);
  o.reconnect_backoff_max = milliseconds(100);
  std::atomic<bool> restarted{false};
  std::atomic<bool> done{false};
  std::string restart_error;
  // Only the pid this test started is signalled: RedisProcess::kill().
  std::thread chaos([&] {
    std::this_thread::sleep_for(milliseconds(800));
    redis->kill();
    std::this_thread::sleep_for(milliseconds(700));
    try {
      redis = std::make_unique<testing::RedisProcess>(port);
      restarted = true;
    } catch (const std::exception& e) {
      restart_error = e.what();
    }
    // The new redis-server dies with the thread that forked it
    // (PR_SET_PDEATHSIG), so this thread lives until the run is over.
    for (int i = 0; i < 1'000 && !done; ++i) std::this_thread::sleep_for(milliseconds(10));
  });
  const LoadResult r = timed_run(o);
  done = true;
  chaos.join();
  ASSERT_TRUE(restarted) << restart_error;
  EXPECT_GT(r.ops, 0u) << describe(r);
  EXPECT_GE(r.disconnects, 1u) << describe(r);
  EXPECT_GE(r.connect_failures, 1u) << describe(r);
  EXPECT_GE(r.reconnects, 1u) << describe(r);
  EXPECT_EQ(r.errors.count("NOQUORUM"), 0u);
  EXPECT_GE(r.connections, 5u) << describe(r);
}

TEST(LoadGenerator, NothingListeningMeansConnectFailuresNotAHang) {
  const std::uint16_t port = cluster::pick_free_ports(1).front();
  LoadOptions o = options_for(port);
  o.clients = 3;
  o.warmup = milliseconds(0);
  o.duration = milliseconds(500);
  const LoadResult r = timed_run(o);
  EXPECT_EQ(r.ops, 0u);
  EXPECT_GE(r.connect_failures, 3u) << describe(r);
  EXPECT_EQ(r.connections, 0u);
}

TEST(LoadGenerator, ErrorRepliesAreCountedByTheirFirstWord) {
  FakeServer server("-NOQUORUM no quorum answered in time\r\n");
  LoadOptions o = options_for(server.port());
  o.clients = 2;
  o.pipeline = 4;
  o.warmup = milliseconds(0);
  o.duration = milliseconds(500);
  const LoadResult r = timed_run(o);
  EXPECT_EQ(r.ops, 0u);
  ASSERT_EQ(r.errors.size(), 1u) << describe(r);
  EXPECT_GT(r.errors.at("NOQUORUM"), 0u);
  EXPECT_EQ(r.disconnects, 0u) << "an error reply is not a reason to reconnect";
  EXPECT_GT(server.commands(), 0);
}

TEST(LoadGenerator, WrongReplyTypeIsUnexpected) {
  FakeServer server(":1\r\n");
  LoadOptions o = options_for(server.port());
  o.clients = 1;
  o.warmup = milliseconds(0);
  o.duration = milliseconds(300);
  const LoadResult r = timed_run(o);
  EXPECT_EQ(r.ops, 0u);
  EXPECT_GT(r.errors.count("UNEXPECTED"), 0u) << describe(r);
}

TEST(LoadGenerator, GarbageClosesTheConnectionAndCountsProtocolErrors) {
  FakeServer server("%what\r\n");
  LoadOptions o = options_for(server.port());
  o.clients = 1;
  o.warmup = milliseconds(0);
  o.duration = milliseconds(500);
  o.reconnect_backoff_max = milliseconds(50);
  const LoadResult r = timed_run(o);
  EXPECT_EQ(r.ops, 0u);
  EXPECT_GT(r.errors.count("PROTOCOL"), 0u) << describe(r);
  EXPECT_GE(r.disconnects, 1u) << describe(r);
  EXPECT_GE(r.reconnects, 1u) << describe(r);
}

TEST(LoadGenerator, SilentServerHitsTheRequestTimeout) {
  FakeServer server("");
  LoadOptions o = options_for(server.port());
  o.clients = 2;
  o.warmup = milliseconds(0);
  o.duration = milliseconds(1'000);
  o.request_timeout = milliseconds(200);
  const LoadResult r = timed_run(o);
  EXPECT_EQ(r.ops, 0u);
  EXPECT_GE(r.timeouts, 2u) << describe(r);
  EXPECT_GE(r.lost_requests, 2u) << describe(r);
  EXPECT_GE(r.reconnects, 1u) << describe(r);
}

TEST(LoadGenerator, PausedServerDoesNotHangTheRun) {
  testing::RedisProcess redis;
  LoadOptions o = options_for(redis.port());
  o.clients = 2;
  o.warmup = milliseconds(0);
  o.duration = milliseconds(1'000);
  o.request_timeout = milliseconds(300);
  ASSERT_EQ(::kill(redis.pid(), SIGSTOP), 0);
  const LoadResult r = timed_run(o);
  ASSERT_EQ(::kill(redis.pid(), SIGCONT), 0);
  EXPECT_EQ(r.ops, 0u);
  EXPECT_GE(r.timeouts, 1u) << describe(r);
}

}  // namespace
}  // namespace quorum::client
