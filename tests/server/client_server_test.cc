// The RESP client port of a one-replica cluster, over a real socket: the
// replies Redis clients expect, in order under pipelining; local commands;
// and bad input — malformed RESP, an oversized argument, an unknown command,
// wrong arity — answered with an error while the server stays up.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <asio.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cluster/local_cluster.h"
#include "runtime/metrics.h"
#include "runtime/replica_host.h"
#include "server/client_server.h"
#include "server/local_commands.h"
#include "server/resp.h"

namespace quorum::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::uint16_t free_port() { return cluster::pick_free_ports(1).front(); }

class OneReplica : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/quorum-server-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl.data());
    runtime::HostOptions o;
    o.self = NodeId{1};
    o.peers[NodeId{1}] = runtime::PeerAddress{"127.0.0.1", free_port()};
    o.data_dir = dir_ + "/r1";
    o.tick = 2ms;
    host_ = runtime::make_replica_host(io_, o, metrics_);
    host_->start();
    ClientServerOptions co;
    co.resp.max_bulk_bytes = 2 << 20;
    server_ = std::make_unique<ClientServer>(io_, *host_, co, [] { return std::string("role:leader\r\n"); });
    server_->listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto end = Clock::now() + 10s;
    while (!host_->is_leader() && Clock::now() < end) io_.run_for(5ms);
    ASSERT_TRUE(host_->is_leader());
  }
  void TearDown() override {
    server_.reset();
    host_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Sends `bytes` on a fresh connection and collects `n` replies (or fewer
  // if the server closes); `closed` tells whether it did.
  std::vector<smr::Reply> exchange(const std::string& bytes, std::size_t n, bool* closed = nullptr) {
    asio::ip::tcp::socket s(io_);
    s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    asio::async_write(s, asio::buffer(bytes), [](std::error_code, std::size_t) {});
    ReplyParser parser;
    std::vector<smr::Reply> replies;
    bool eof = false;
    std::vector<char> buf(64 << 10);
    std::function<void()> read = [&] {
      s.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t got) {
        if (ec) {
          eof = true;
          return;
        }
        parser.feed(std::string_view(buf.data(), got));
        for (auto r = parser.next(); std::holds_alternative<smr::Reply>(r); r = parser.next()) {
          replies.push_back(std::get<smr::Reply>(r));
        }
        read();
      });
    };
    read();
    const auto end = Clock::now() + 10s;
    while (replies.size() < n && !eof && Clock::now() < end) io_.run_for(5ms);
    if (closed != nullptr) {
      const auto grace = Clock::now() + 2s;
      while (!eof && Clock::now() < grace) io_.run_for(5ms);
      *closed = eof;
    }
    return replies;
  }

  asio::io_context io_;
  std::string dir_;
  runtime::Registry metrics_;
  std::unique_ptr<runtime::ReplicaHost> host_;
  std::unique_ptr<ClientServer> server_;
};

TEST_F(OneReplica, PipelinedCommandsAreAnsweredInOrder) {
  std::string in;
  in += encode_command({"SET", "k", "v"});
  in += encode_command({"PING"});
  in += encode_command({"GET", "k"});
  in += encode_command({"INCR", "n"});
  in += encode_command({"INCR", "n"});
  in += "EXISTS k missing\r\n";  // inline, as telnet sends it
  in += encode_command({"MGET", "k", "missing"});
  in += encode_command({"DEL", "k"});
  in += encode_command({"GET", "k"});
  auto r = exchange(in, 9);
  ASSERT_EQ(r.size(), 9u);
  EXPECT_EQ(r[0], smr::Reply::ok());
  EXPECT_EQ(r[1], smr::Reply::status("PONG"));
  EXPECT_EQ(r[2], smr::Reply::bulk("v"));
  EXPECT_EQ(r[3], smr::Reply::integer(1));
  EXPECT_EQ(r[4], smr::Reply::integer(2));
  EXPECT_EQ(r[5], smr::Reply::integer(1));
  EXPECT_EQ(r[6], smr::Reply::array({smr::Reply::bulk("v"), smr::Reply::nil()}));
  EXPECT_EQ(r[7], smr::Reply::integer(1));
  EXPECT_EQ(r[8], smr::Reply::nil());
}

TEST_F(OneReplica, ManyPipelinedWritesAllCommit) {
  std::string in;
  for (int i = 0; i < 3000; ++i) in += encode_command({"INCR", "counter"});
  auto r = exchange(in, 3000);
  ASSERT_EQ(r.size(), 3000u);
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(r[i], smr::Reply::integer(i + 1)) << i;
}

TEST_F(OneReplica, BadCommandsGetErrorsAndTheConnectionStaysUsable) {
  std::string in;
  in += encode_command({"FLUSHALL"});
  in += encode_command({"GET"});
  in += encode_command({"SET", std::string(200 << 10, 'k'), std::string(limits::kMaxValueBytes, 'x')});
  in += encode_command({"SELECT", "3"});
  in += encode_command({"PING", "still", "here"});
  in += encode_command({"ECHO", "alive"});
  auto r = exchange(in, 6);
  ASSERT_EQ(r.size(), 6u);
  EXPECT_TRUE(r[0].is_error() && r[0].str().rfind("ERR unknown command 'FLUSHALL'", 0) == 0) << r[0].to_string();
  EXPECT_EQ(r[1], smr::Reply::error("ERR wrong number of arguments for 'get' command"));
  EXPECT_TRUE(r[2].is_error() && r[2].str().rfind("ERR command too large", 0) == 0) << r[2].to_string();
  EXPECT_TRUE(r[3].is_error());
  EXPECT_TRUE(r[4].is_error());
  EXPECT_EQ(r[5], smr::Reply::bulk("alive"));
}

TEST_F(OneReplica, MalformedRespIsAnsweredThenClosedAndTheServerStaysUp) {
  bool closed = false;
  auto r = exchange(encode_command({"SET", "a", "1"}) + "*2\r\n$3\r\nGET\r\n:5\r\n", 2, &closed);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], smr::Reply::ok());
  EXPECT_TRUE(r[1].is_error() && r[1].str().rfind("ERR Protocol error", 0) == 0) << r[1].to_string();
  EXPECT_TRUE(closed);
  // An oversized bulk header is refused before its body arrives.
  closed = false;
  r = exchange("*2\r\n$3\r\nGET\r\n$999999999\r\n", 1, &closed);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].is_error());
  EXPECT_TRUE(closed);
  // Truncated input just waits; a new connection still works.
  auto ok = exchange(encode_command({"GET", "a"}), 1);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0], smr::Reply::bulk("1"));
}

TEST_F(OneReplica, QuitAnswersOkAndCloses) {
  bool closed = false;
  auto r = exchange(encode_command({"QUIT"}) + encode_command({"PING"}), 2, &closed);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], smr::Reply::ok());
  EXPECT_TRUE(closed);
}

TEST(LocalCommands, ClassifyAndArity) {
  EXPECT_EQ(classify({"set", "k", "v"}), CommandKind::kReplicated);
  EXPECT_EQ(classify({"Ping"}), CommandKind::kLocal);
  EXPECT_EQ(classify({"quit"}), CommandKind::kQuit);
  EXPECT_EQ(classify({"FLUSHDB"}), CommandKind::kLocal);
  EXPECT_FALSE(reject_before_log({"SET", "k", "v", "NX"}).has_value());
  EXPECT_TRUE(reject_before_log({"INCR", "a", "b"}).has_value());
  EXPECT_TRUE(reject_before_log({"MGET"}).has_value());
  EXPECT_EQ(local_reply({"INFO"}, "x:1\r\n"), smr::Reply::bulk("x:1\r\n"));
  const std::string info = "# Server\r\nid:1\r\n\r\n# Replication\r\nrole:leader\r\n\r\n# Stats\r\nn:2\r\n";
  EXPECT_EQ(local_reply({"INFO", "replication"}, info), smr::Reply::bulk("# Replication\r\nrole:leader\r\n"));
  EXPECT_EQ(local_reply({"INFO", "SERVER", "stats"}, info),
            smr::Reply::bulk("# Server\r\nid:1\r\n\r\n# Stats\r\nn:2\r\n"));
  EXPECT_EQ(local_reply({"INFO", "all"}, info), smr::Reply::bulk(info));
  EXPECT_EQ(local_reply({"INFO", "nosuch"}, info), smr::Reply::bulk(""));
  EXPECT_EQ(local_reply({"COMMAND", "DOCS"}, ""), smr::Reply::array({}));
  EXPECT_EQ(local_reply({"CONFIG", "GET", "save"}, ""), smr::Reply::array({}));
}

}  // namespace
}  // namespace quorum::server
