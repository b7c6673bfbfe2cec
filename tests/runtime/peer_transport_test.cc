// PeerTransport over loopback: messages arrive (also to self), a link that
// was down is redialled, and bad input from the network — garbage, a frame
// announcing a huge body, a corrupted checksum, a sender that is not a
// member — closes that connection with the frame counted as rejected, never
// crashing or buffering without bound. The fault switch drops both ways.
#include <gtest/gtest.h>

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cluster/local_cluster.h"
#include "core/codec.h"
#include "runtime/peer_transport.h"

namespace quorum::runtime {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::uint16_t free_port() { return cluster::pick_free_ports(1).front(); }

Envelope heartbeat(std::uint32_t from, std::uint32_t to, std::uint64_t commit) {
  return Envelope{NodeId{from}, NodeId{to}, multipaxos::Heartbeat{Ballot{1, NodeId{from}}, Slot{commit}}};
}

struct Fixture {
  asio::io_context io;
  std::map<NodeId, PeerAddress> peers{{NodeId{1}, {"127.0.0.1", free_port()}},
                                      {NodeId{2}, {"127.0.0.1", free_port()}}};
  std::vector<Envelope> got1, got2;
  PeerTransport t1{io, NodeId{1}, peers, [this](Envelope e) { got1.push_back(std::move(e)); }};
  PeerTransport t2{io, NodeId{2}, peers, [this](Envelope e) { got2.push_back(std::move(e)); }};

  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
    const auto end = Clock::now() + timeout;
    while (!pred()) {
      if (Clock::now() > end) return false;
      io.run_for(2ms);
    }
    return true;
  }
  bool connected(PeerTransport& t) {
    for (const auto& l : t.links()) {
      if (!l.connected) return false;
    }
    return true;
  }
  // A raw connection to replica 2's peer port that sends `bytes` and reports
  // whether the transport closed it.
  bool raw_send_is_closed(const std::string& bytes) {
    asio::ip::tcp::socket s(io);
    s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), peers.at(NodeId{2}).port));
    asio::write(s, asio::buffer(bytes));
    bool closed = false;
    char buf[16];
    s.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t) { closed = ec == asio::error::eof || ec; });
    return run_until([&] { return closed; });
  }
};

TEST(PeerTransport, DeliversBothWaysAndToSelf) {
  Fixture f;
  f.t1.start();
  f.t2.start();
  ASSERT_TRUE(f.run_until([&] { return f.connected(f.t1) && f.connected(f.t2); }));
  f.t1.send(heartbeat(1, 2, 7));
  f.t2.send(heartbeat(2, 1, 8));
  f.t1.send(heartbeat(1, 1, 9));
  ASSERT_TRUE(f.run_until([&] { return f.got2.size() == 1 && f.got1.size() == 2; }));
  EXPECT_EQ(f.got2[0], heartbeat(1, 2, 7));
}

TEST(PeerTransport, RedialsAPeerThatStartsLater) {
  Fixture f;
  f.t1.start();
  f.io.run_for(200ms);  // 1 dials 2 in vain, backing off
  f.t2.start();
  ASSERT_TRUE(f.run_until([&] { return f.connected(f.t1); }, 5s));
  f.t1.send(heartbeat(1, 2, 1));
  EXPECT_TRUE(f.run_until([&] { return f.got2.size() == 1; }));
}

TEST(PeerTransport, AFrameFromAPeerEndsTheBackoffTowardsIt) {
  // Replica 1 backs off for a minute after its first failed dial; replica 2
  // starts later and talks first. 1 must answer at once, not a minute later.
  Fixture f;
  PeerTransportOptions slow;
  slow.min_backoff = 60s;
  slow.max_backoff = 60s;
  std::vector<Envelope> got1, got2;
  PeerTransport t1{f.io, NodeId{1}, f.peers, [&](Envelope e) { got1.push_back(std::move(e)); }, slow};
  t1.start();
  f.io.run_for(100ms);  // the dial to 2 fails: 1 now waits out its backoff
  ASSERT_FALSE(f.connected(t1));
  PeerTransport t2{f.io, NodeId{2}, f.peers, [&](Envelope e) { got2.push_back(std::move(e)); }, slow};
  t2.start();
  ASSERT_TRUE(f.run_until([&] { return f.connected(t2); }));
  t2.send(heartbeat(2, 1, 1));
  ASSERT_TRUE(f.run_until([&] { return got1.size() == 1; }));
  EXPECT_TRUE(f.run_until([&] { return f.connected(t1); }, 10s)) << "1 still waits out its backoff";
  t1.send(heartbeat(1, 2, 2));
  EXPECT_TRUE(f.run_until([&] { return got2.size() == 1; }));
}

TEST(PeerTransport, GarbageClosesTheConnection) {
  Fixture f;
  f.t2.start();
  EXPECT_TRUE(f.raw_send_is_closed("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(f.t2.stats().rejected_frames, 1u);
  EXPECT_TRUE(f.got2.empty());
}

TEST(PeerTransport, HugeAnnouncedFrameIsRefusedFromTheHeader) {
  Fixture f;
  f.t2.start();
  std::string frame = encode_frame(heartbeat(1, 2, 1));
  // Announce a 1 GiB body; send only the header.
  const std::uint32_t huge = 1u << 30;
  std::memcpy(frame.data() + 8, &huge, 4);
  EXPECT_TRUE(f.raw_send_is_closed(frame.substr(0, kFrameHeaderBytes)));
  EXPECT_EQ(f.t2.stats().rejected_frames, 1u);
}

TEST(PeerTransport, CorruptedFrameAndUnknownSenderAreRejected) {
  Fixture f;
  f.t2.start();
  std::string frame = encode_frame(heartbeat(1, 2, 1));
  frame.back() ^= 0x40;
  EXPECT_TRUE(f.raw_send_is_closed(frame));
  EXPECT_TRUE(f.raw_send_is_closed(encode_frame(heartbeat(3, 2, 1))));  // 3 is not a member
  EXPECT_TRUE(f.raw_send_is_closed(encode_frame(heartbeat(1, 1, 1))));  // not for replica 2
  EXPECT_EQ(f.t2.stats().rejected_frames, 3u);
  EXPECT_TRUE(f.got2.empty());
}

TEST(PeerTransport, BlockedPeersAreCutBothWaysUntilHealed) {
  Fixture f;
  f.t1.start();
  f.t2.start();
  ASSERT_TRUE(f.run_until([&] { return f.connected(f.t1) && f.connected(f.t2); }));
  f.t2.block({NodeId{1}});
  f.t1.send(heartbeat(1, 2, 1));  // dropped on arrival at 2
  f.t2.send(heartbeat(2, 1, 1));  // dropped before sending
  f.io.run_for(200ms);
  EXPECT_TRUE(f.got1.empty());
  EXPECT_TRUE(f.got2.empty());
  f.t2.heal();
  f.t1.send(heartbeat(1, 2, 2));
  ASSERT_TRUE(f.run_until([&] { return f.got2.size() == 1; }));
  EXPECT_EQ(f.got2[0], heartbeat(1, 2, 2));
}

}  // namespace
}  // namespace quorum::runtime
