// PeerTransport: replica-to-replica messages over TCP (Asio), one frame per
// message (core/codec.h).
//
// Each replica dials every peer and sends only on the connection it dialled;
// it receives on the connections its peers dialled. So each direction of a
// link is one TCP stream with one owner, and a reconnect never races another.
//
//  - Outgoing: per peer a bounded queue of encoded frames. While a link is
//    down, messages to it are dropped (consensus tolerates loss; replaying a
//    stale backlog after a long outage would only delay the fresh traffic).
//    Dialling retries with exponential backoff (50 ms doubling to 400 ms,
//    well under an election timeout, so a returning peer hears from the
//    leader before it gives up on it), and at once when a frame arrives
//    from a peer we cannot reach.
//  - Incoming: bytes are decoded incrementally; the frame header is checked
//    before its body is buffered, so a frame over max_frame_body_bytes is
//    refused without reading it. A bad frame (magic, version, checksum,
//    malformed or out-of-range fields, a sender that is not a configured
//    peer, or a message addressed to someone else) closes that connection
//    with a logged reason; the peer redials.
//  - Messages to self are delivered through the event loop, never inline, so
//    a core is never re-entered from inside its own output.
//  - Fault switch (admin port, for fault tests): block(ids) drops every
//    message to and from those peers until heal().
//
// Single-threaded: every method runs on the io_context's thread.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/limits.h"
#include "core/message.h"

namespace quorum::runtime {

struct PeerAddress {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

struct PeerTransportOptions {
  std::size_t max_queued_bytes = 64 << 20;  // per peer; beyond it messages are dropped
  std::size_t max_frame_body_bytes = limits::kMaxFrameBodyBytes;
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{400};
};

struct PeerLinkStatus {
  NodeId id;
  PeerAddress address;
  bool connected = false;  // our outgoing link is up
  bool blocked = false;    // by the fault switch
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t dropped = 0;  // link down, queue full or blocked
};

struct PeerTransportStats {
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t dropped = 0;
  std::uint64_t rejected_frames = 0;  // bad frames from the network
  std::uint64_t connects = 0;
};

class PeerTransport {
 public:
  using Handler = std::function<void(Envelope)>;

  // `peers` includes self (its address is where we listen).
  PeerTransport(asio::io_context& io, NodeId self, std::map<NodeId, PeerAddress> peers, Handler on_message,
                PeerTransportOptions options = {});
  ~PeerTransport();
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Binds the listening socket (throws std::system_error naming the address
  // if it cannot) and starts dialling every peer.
  void start();
  void stop();

  void send(Envelope e);

  void block(std::set<NodeId> peers);
  void heal() { block({}); }
  const std::set<NodeId>& blocked() const { return blocked_; }

  std::vector<PeerLinkStatus> links() const;
  const PeerTransportStats& stats() const { return stats_; }

 private:
  struct Outgoing;
  struct Incoming;

  void accept();
  void dial(NodeId peer);
  void schedule_redial(NodeId peer);
  void redial_now(NodeId peer);
  void flush(NodeId peer);
  void read(const std::shared_ptr<Incoming>& in);
  void on_bytes(const std::shared_ptr<Incoming>& in, std::size_t n);
  void reject(const std::shared_ptr<Incoming>& in, const std::string& why);
  void deliver_local(Envelope e);

  asio::io_context& io_;
  const NodeId self_;
  const std::map<NodeId, PeerAddress> peers_;
  Handler on_message_;
  const PeerTransportOptions options_;
  asio::ip::tcp::acceptor acceptor_;
  std::map<NodeId, std::unique_ptr<Outgoing>> out_;
  std::set<std::shared_ptr<Incoming>> in_;
  std::set<NodeId> blocked_;
  std::map<NodeId, std::uint64_t> received_from_;
  PeerTransportStats stats_;
  bool stopped_ = false;
  // Guards callbacks that outlive the transport (timers, pending handlers).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace quorum::runtime
