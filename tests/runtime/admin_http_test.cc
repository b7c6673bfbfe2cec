#include "runtime/admin_http.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace quorum::runtime {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// The parser, without sockets.

int error_status(const HttpParseResult& r) {
  const auto* e = std::get_if<HttpError>(&r);
  return e == nullptr ? 0 : e->status;
}

TEST(HttpParse, GetWithQuery) {
  auto r = parse_http_request("GET /a%20b/c+d?x=1&name=hello+world&e=%2F%3F%26&flag&&x=2#frag HTTP/1.1\r\n"
                              "Host: localhost\r\n\r\n");
  ASSERT_TRUE(std::holds_alternative<HttpRequest>(r)) << error_status(r);
  const auto& req = std::get<HttpRequest>(r);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.path, "/a b/c+d");  // '+' is a space only in the query
  EXPECT_EQ(req.query, (std::map<std::string, std::string>{
                           {"x", "2"}, {"name", "hello world"}, {"e", "/?&"}, {"flag", ""}}));
  EXPECT_EQ(req.body, "");
}

TEST(HttpParse, BodyByContentLengthAndBareLineFeeds) {
  const std::string raw = "POST /block HTTP/1.0\nContent-Length: 5\ncontent-length: 5\n\nhello, and more";
  EXPECT_TRUE(std::holds_alternative<HttpIncomplete>(parse_http_request(raw.substr(0, raw.size() - 11))));
  auto r = parse_http_request(raw);
  ASSERT_TRUE(std::holds_alternative<HttpRequest>(r)) << error_status(r);
  EXPECT_EQ(std::get<HttpRequest>(r).body, "hello");
}

TEST(HttpParse, AbsoluteFormTarget) {
  auto r = parse_http_request("GET http://example.com:8080/metrics?a=b HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(std::holds_alternative<HttpRequest>(r));
  EXPECT_EQ(std::get<HttpRequest>(r).path, "/metrics");
  EXPECT_EQ(std::get<HttpRequest>(r).query.at("a"), "b");
}

TEST(HttpParse, ErrorsTable) {
  struct Case {
    std::string raw;
    int status;
  };
  const std::vector<Case> cases = {
      {std::string("\x16\x03\x01\x02\x00\r\n\r\n", 9), 400},
      {"GET\r\n\r\n", 400},
      {"GET / HTTP/1.1 extra\r\n\r\n", 400},
      {"GET  / HTTP/1.1\r\n\r\n", 400},
      {"GET nopath HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTX/1.1\r\n\r\n", 400},
      {"GET / HTTP/2.0\r\n\r\n", 505},
      {"G(T / HTTP/1.1\r\n\r\n", 400},
      {"BREW / HTTP/1.1\r\n\r\n", 405},
      {"get / HTTP/1.1\r\n\r\n", 405},  // methods are case-sensitive
      {"GET /%zz HTTP/1.1\r\n\r\n", 400},
      {"GET /%4 HTTP/1.1\r\n\r\n", 400},
      {"GET /%00 HTTP/1.1\r\n\r\n", 400},
      {"GET /?a=%g0 HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nName : x\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 65537\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999999\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
      {"GET / HTTP/1.1\r\nX-Pad: " + std::string(9000, 'a') + "\r\n\r\n", 431},
      {std::string(9000, 'a'), 431},
  };
  for (const Case& c : cases) EXPECT_EQ(error_status(parse_http_request(c.raw)), c.status) << c.raw.substr(0, 80);
}

TEST(HttpParse, LimitsAreInclusive) {
  const std::string head = "PUT / HTTP/1.1\r\nContent-Length: 3\r\n\r\n";
  const auto parse = [&](std::size_t max_head, std::size_t max_body) {
    return parse_http_request(head + "abc", {.max_head_bytes = max_head, .max_body_bytes = max_body});
  };
  EXPECT_TRUE(std::holds_alternative<HttpRequest>(parse(head.size(), 3)));
  EXPECT_EQ(error_status(parse(head.size() - 1, 3)), 431);
  EXPECT_EQ(error_status(parse(head.size(), 2)), 413);
}

TEST(HttpParse, PercentDecode) {
  EXPECT_EQ(percent_decode("a%2fb%2F+c", false), "a/b/+c");
  EXPECT_EQ(percent_decode("a+b%2B", true), "a b+");
  EXPECT_EQ(percent_decode("%e2%9c%93", false), "\xe2\x9c\x93");
  EXPECT_EQ(percent_decode("", false), "");
  EXPECT_EQ(percent_decode("%", false), std::nullopt);
  EXPECT_EQ(percent_decode("%a", false), std::nullopt);
  EXPECT_EQ(percent_decode("%ag", false), std::nullopt);
  EXPECT_EQ(percent_decode("%00", false), std::nullopt);
}

// Inputs that reach deep into the parser: requests assembled from valid and
// invalid parts, and soups of HTTP-ish pieces.
rc::Gen<std::string> http_ish_bytes() {
  using Strings = std::vector<std::string>;
  // Mostly valid parts, so that a good share of the inputs are requests.
  auto mostly = [](const std::string& good, const Strings& bad) {
    Strings choices(4 * bad.size(), good);
    choices.insert(choices.end(), bad.begin(), bad.end());
    return rc::gen::elementOf(choices);
  };
  static const Strings headers = {"Host: h", "Host: h", "Host: h", "Content-Length: 3", "Content-Length: 3",
                                  "Content-Length: 20", "Content-Length: x", "Transfer-Encoding: chunked",
                                  "Bad Header", " folded", "A: \x01", "X-Pad: " + std::string(30, 'a')};
  auto assembled = rc::gen::apply(
      [](const std::string& method, const std::string& target, const std::string& version, const std::string& eol,
         const Strings& hs, const std::string& body) {
        std::string s = method + " " + target + " " + version + eol;
        for (const auto& h : hs) s += h + eol;
        return s + eol + body;
      },
      mostly("GET", {"POST", "BREW", "", "G T"}),
      mostly("/a%20b?x=1&y", {"/%zz", "nopath", "/?a=%2", "http://h/p?q=+", "/\x7f"}),
      mostly("HTTP/1.1", {"HTTP/1.0", "HTTP/2.0", "HTTX/1.1"}), mostly("\r\n", {"\n", "\r"}),
      rc::gen::resize(4, rc::gen::container<Strings>(rc::gen::elementOf(headers))),
      rc::gen::container<std::string>(rc::gen::elementOf(std::string("ab\r\n"))));
  static const Strings pieces = {
      "GET", "POST", "BREW", " ", "/", "/a%20b", "?a=b&c", "%2", "%zz", "+", "#", "HTTP/1.1", "HTTP/2.0",
      "\r\n", "\n", "\r", std::string(1, '\0'), "Content-Length: 3", "Content-Length: 99", "Transfer-Encoding: x",
      "Host: h", ":", "x", "abc", "\t", "\x7f", "\xff"};
  auto soup = rc::gen::map(rc::gen::container<Strings>(rc::gen::elementOf(pieces)), [](const Strings& v) {
    std::string s;
    for (const auto& p : v) s += p;
    return s;
  });
  return rc::gen::oneOf(assembled, soup);
}

// However the network splits the input, a prefix is either "need more" or
// already the final verdict, so the server may answer as early as it likes.
RC_GTEST_PROP(HttpParse, PrefixIsIncompleteOrFinal, ()) {
  const std::string raw = *http_ish_bytes();
  const HttpLimits limits{.max_head_bytes = 48, .max_body_bytes = 8};
  const HttpParseResult whole = parse_http_request(raw, limits);
  RC_TAG(whole.index());
  for (std::size_t cut = 0; cut <= raw.size(); ++cut) {
    const HttpParseResult part = parse_http_request(std::string_view(raw).substr(0, cut), limits);
    if (std::holds_alternative<HttpIncomplete>(part)) continue;
    RC_ASSERT(part.index() == whole.index());
    if (const auto* e = std::get_if<HttpError>(&part)) RC_ASSERT(e->status == std::get<HttpError>(whole).status);
    if (const auto* req = std::get_if<HttpRequest>(&part)) {
      const auto& w = std::get<HttpRequest>(whole);
      RC_ASSERT(req->method == w.method && req->path == w.path && req->query == w.query && req->body == w.body);
    }
  }
}

// ---------------------------------------------------------------------------
// The server, over real loopback sockets. The io_context runs in the test
// thread, in bounded slices; so the clients are asynchronous too.

struct Client {
  explicit Client(asio::io_context& io) : socket(io) {}
  asio::ip::tcp::socket socket;
  std::list<std::string> outgoing;  // stable storage for pending writes
  std::string received;
  bool done = false;  // the server closed (or reset) the connection
  std::array<char, 4096> buf{};
};
using ClientPtr = std::shared_ptr<Client>;

void read_until_closed(const ClientPtr& c) {
  c->socket.async_read_some(asio::buffer(c->buf), [c](std::error_code ec, std::size_t n) {
    if (ec) {
      c->done = true;
      std::error_code ignored;
      c->socket.close(ignored);
      return;
    }
    c->received.append(c->buf.data(), n);
    read_until_closed(c);
  });
}

void send(const ClientPtr& c, std::string bytes) {
  c->outgoing.push_back(std::move(bytes));
  // Write errors are expected when the server gives up on a client first.
  asio::async_write(c->socket, asio::buffer(c->outgoing.back()), [c](std::error_code, std::size_t) {});
}

class AdminHttp : public ::testing::Test {
 protected:
  void start(AdminServerOptions options = {}) {
    server_ = std::make_unique<AdminServer>(
        io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
        [this](const HttpRequest& req) { return handler_(req); }, options);
    ASSERT_NE(server_->port(), 0);
  }

  // Runs the loop until `done` or the time limit; bounded in time and steps.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = Clock::now() + limit;
    for (int step = 0; step < 100'000 && !done(); ++step) {
      if (Clock::now() >= deadline) return false;
      if (io_.stopped()) io_.restart();
      io_.run_for(2ms);
    }
    return done();
  }

  ClientPtr connect() {
    auto c = std::make_shared<Client>(io_);
    c->socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    read_until_closed(c);
    return c;
  }

  // One request, the whole response (the server closes after it).
  std::string request(std::string raw) {
    ClientPtr c = connect();
    send(c, std::move(raw));
    EXPECT_TRUE(run_until([&] { return c->done; })) << "no response in time";
    return c->received;
  }

  asio::io_context io_;
  std::vector<HttpRequest> seen_;
  std::function<HttpResponse(const HttpRequest&)> handler_ = [this](const HttpRequest& req) {
    seen_.push_back(req);
    return HttpResponse{200, "text/plain; charset=utf-8", req.method + " " + req.path};
  };
  std::unique_ptr<AdminServer> server_;
};

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

TEST_F(AdminHttp, GetDecodesPathAndQuery) {
  start();
  const std::string response = request("GET /st%61tus?verbose=1&who=a+b%21 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(response,
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 11\r\n\r\nGET /status");
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].query, (std::map<std::string, std::string>{{"verbose", "1"}, {"who", "a b!"}}));
  EXPECT_EQ(server_->stats().requests, 1u);
}

TEST_F(AdminHttp, PostBodyArrivingInPieces) {
  start();
  ClientPtr c = connect();
  send(c, "POST /block?peers=2 HTTP/1.1\r\nContent-Le");
  EXPECT_FALSE(run_until([&] { return c->done; }, 50ms));
  send(c, "ngth: 11\r\n\r\nhello");
  EXPECT_FALSE(run_until([&] { return c->done; }, 50ms));
  EXPECT_TRUE(seen_.empty());
  send(c, " world");
  ASSERT_TRUE(run_until([&] { return c->done; }));
  EXPECT_TRUE(starts_with(c->received, "HTTP/1.1 200 OK\r\n")) << c->received;
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].method, "POST");
  EXPECT_EQ(seen_[0].body, "hello world");
}

TEST_F(AdminHttp, HandlerChoosesStatusAndContentType) {
  handler_ = [](const HttpRequest&) { return HttpResponse{404, "application/json", "{}"}; };
  start();
  EXPECT_EQ(request("GET /nope HTTP/1.1\r\n\r\n"),
            "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\n\r\n{}");
}

TEST_F(AdminHttp, HandlerMistakesBecome500) {
  handler_ = [](const HttpRequest& req) -> HttpResponse {
    if (req.path == "/throw") throw std::runtime_error("boom");
    if (req.path == "/status") return HttpResponse{42, "text/plain", ""};
    return HttpResponse{200, "text/plain\r\nSet-Cookie: x", ""};
  };
  start();
  for (const char* path : {"/throw", "/status", "/inject"}) {
    const std::string response = request(std::string("GET ") + path + " HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(starts_with(response, "HTTP/1.1 500 Internal Server Error\r\n")) << response;
    EXPECT_EQ(response.find("Set-Cookie"), std::string::npos);
  }
}

TEST_F(AdminHttp, GarbageGets400AndNeverReachesTheHandler) {
  start();
  for (std::string raw : {std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\n", 12),
                          std::string("hello\r\n\r\n"), std::string("GET /%zz HTTP/1.1\r\n\r\n"),
                          std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n")}) {
    const std::string response = request(raw);
    EXPECT_TRUE(starts_with(response, "HTTP/1.1 400 Bad Request\r\n")) << response;
  }
  // A half-closed partial request is answered too.
  ClientPtr c = connect();
  send(c, "GET / HT");
  ASSERT_TRUE(run_until([&] { return server_->stats().accepted == 5; }));
  EXPECT_FALSE(run_until([&] { return c->done; }, 20ms));
  c->socket.shutdown(asio::ip::tcp::socket::shutdown_send);
  ASSERT_TRUE(run_until([&] { return c->done; }));
  EXPECT_TRUE(starts_with(c->received, "HTTP/1.1 400 Bad Request\r\n")) << c->received;

  EXPECT_TRUE(seen_.empty());
  EXPECT_EQ(server_->stats().rejected, 5u);
}

TEST_F(AdminHttp, UnknownMethodGets405WithAllow) {
  start();
  const std::string response = request("BREW /pot HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(starts_with(response, "HTTP/1.1 405 Method Not Allowed\r\n")) << response;
  EXPECT_NE(response.find("\r\nAllow: GET, POST, PUT, DELETE\r\n"), std::string::npos);
  EXPECT_TRUE(seen_.empty());
}

TEST_F(AdminHttp, OversizedHeadGets431) {
  start();
  const std::string response = request("GET / HTTP/1.1\r\nX-Pad: " + std::string(20'000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(starts_with(response, "HTTP/1.1 431 Request Header Fields Too Large\r\n")) << response;
  EXPECT_TRUE(seen_.empty());
}

TEST_F(AdminHttp, OversizedBodyGets413EvenWhileTheClientKeepsSending) {
  start();
  // The verdict comes from the header; the server drains the rest of the
  // body so that the client can read the answer instead of a reset.
  const std::string body(1 << 20, 'b');
  const std::string response =
      request("POST / HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_TRUE(starts_with(response, "HTTP/1.1 413 Content Too Large\r\n")) << response.substr(0, 100);
  EXPECT_TRUE(seen_.empty());
}

TEST_F(AdminHttp, BodyAtTheLimitIsAccepted) {
  start();
  const std::string body(64 << 10, 'b');
  const std::string response =
      request("PUT /x HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_TRUE(starts_with(response, "HTTP/1.1 200 OK\r\n")) << response.substr(0, 100);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].body, body);
}

TEST_F(AdminHttp, SlowClientIsCutOffByTheTimeout) {
  start({.connection_timeout = 200ms});
  ClientPtr silent = connect();
  ClientPtr slow = connect();
  send(slow, "GET / HTTP/1.1\r\nHost: x\r\n");  // never finishes its head
  const auto began = Clock::now();
  ASSERT_TRUE(run_until([&] { return silent->done && slow->done; }, 3s));
  EXPECT_GE(Clock::now() - began, 150ms);
  EXPECT_EQ(slow->received, "");
  EXPECT_EQ(server_->stats().timed_out, 2u);
  EXPECT_TRUE(run_until([&] { return server_->open_connections() == 0; }, 1s));
  EXPECT_TRUE(seen_.empty());
}

TEST_F(AdminHttp, ConnectionsBeyondTheLimitAreRefused) {
  start();
  constexpr int kClients = 65;
  std::vector<ClientPtr> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(connect());
  ASSERT_TRUE(run_until([&] { return server_->stats().accepted + server_->stats().refused == kClients; }));
  auto closed = [&] {
    int n = 0;
    for (const auto& c : clients) n += c->done ? 1 : 0;
    return n;
  };
  ASSERT_TRUE(run_until([&] { return closed() == 1; }));
  EXPECT_EQ(server_->open_connections(), 64u);
  EXPECT_EQ(server_->stats().refused, 1u);

  // Still full: one more is refused as well, and the held ones still work.
  ClientPtr extra = connect();
  ASSERT_TRUE(run_until([&] { return extra->done; }));
  EXPECT_EQ(extra->received, "");
  ClientPtr held = clients[0]->done ? clients[1] : clients[0];
  send(held, "GET /still-here HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(run_until([&] { return held->done; }));
  EXPECT_TRUE(starts_with(held->received, "HTTP/1.1 200 OK\r\n")) << held->received;

  for (const auto& c : clients) {
    std::error_code ignored;
    c->socket.close(ignored);
  }
  ASSERT_TRUE(run_until([&] { return server_->open_connections() == 0; }));
  EXPECT_TRUE(starts_with(request("GET / HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 OK\r\n"));
}

TEST_F(AdminHttp, PortInUseThrowsNamingTheAddress) {
  start();
  try {
    AdminServer second(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()),
                       [](const HttpRequest&) { return HttpResponse{}; });
    ADD_FAILURE() << "bound a port that is in use";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(server_->port())), std::string::npos)
        << e.what();
    EXPECT_EQ(e.code(), asio::error::address_in_use);
  }
}

TEST_F(AdminHttp, StopClosesEverythingEvenFromInsideTheHandler) {
  handler_ = [this](const HttpRequest&) {
    server_->stop();
    return HttpResponse{};
  };
  start();
  ClientPtr idle = connect();
  ClientPtr asking = connect();
  send(asking, "GET /stop HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(run_until([&] { return idle->done && asking->done; }));
  EXPECT_EQ(asking->received, "");
  EXPECT_EQ(server_->open_connections(), 0u);
  // Destroying the server with callbacks still queued is safe.
  server_.reset();
  io_.restart();
  io_.run_for(20ms);
}

}  // namespace
}  // namespace quorum::runtime
