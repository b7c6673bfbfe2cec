#include "runtime/peer_transport.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <system_error>
#include <utility>

#include "core/codec.h"

namespace quorum::runtime {

namespace {
constexpr std::size_t kReadChunk = 64 << 10;
// One write gathers queued frames up to this many bytes.
constexpr std::size_t kMaxWriteBatch = 4 << 20;
}  // namespace

struct PeerTransport::Outgoing {
  explicit Outgoing(asio::io_context& io) : socket(io), redial(io) {}
  asio::ip::tcp::socket socket;
  asio::steady_timer redial;
  bool connected = false;
  bool connecting = false;
  bool writing = false;
  std::deque<std::string> queue;
  std::size_t queued_bytes = 0;
  std::string writing_buf;
  std::chrono::milliseconds backoff{0};
  std::uint64_t sent = 0;
  std::uint64_t dropped = 0;
};

struct PeerTransport::Incoming {
  explicit Incoming(asio::ip::tcp::socket s) : socket(std::move(s)) {}
  asio::ip::tcp::socket socket;
  std::string buf;        // undecoded bytes
  std::size_t pos = 0;    // start of the next frame in buf
  std::vector<char> chunk = std::vector<char>(kReadChunk);
  std::string remote;
};

PeerTransport::PeerTransport(asio::io_context& io, NodeId self, std::map<NodeId, PeerAddress> peers,
                             Handler on_message, PeerTransportOptions options)
    : io_(io),
      self_(self),
      peers_(std::move(peers)),
      on_message_(std::move(on_message)),
      options_(options),
      acceptor_(io) {
  for (const auto& [id, addr] : peers_) {
    if (id != self_) out_[id] = std::make_unique<Outgoing>(io_);
  }
}

PeerTransport::~PeerTransport() {
  *alive_ = false;
  stop();
}

void PeerTransport::start() {
  const PeerAddress& me = peers_.at(self_);
  asio::ip::tcp::endpoint at(asio::ip::make_address(me.host), me.port);
  std::error_code ec;
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, "cannot listen for peers on " + me.to_string());
  accept();
  for (auto& [id, o] : out_) dial(id);
}

void PeerTransport::stop() {
  if (stopped_) return;
  stopped_ = true;
  std::error_code ec;
  acceptor_.close(ec);
  for (auto& [id, o] : out_) {
    o->redial.cancel();
    o->socket.close(ec);
  }
  for (const auto& in : in_) in->socket.close(ec);
  in_.clear();
}

void PeerTransport::accept() {
  acceptor_.async_accept([this, alive = alive_](std::error_code ec, asio::ip::tcp::socket s) {
    if (!*alive || stopped_) return;
    if (!ec) {
      s.set_option(asio::ip::tcp::no_delay(true), ec);
      auto in = std::make_shared<Incoming>(std::move(s));
      std::error_code ignored;
      auto ep = in->socket.remote_endpoint(ignored);
      in->remote = ep.address().to_string() + ":" + std::to_string(ep.port());
      in_.insert(in);
      read(in);
    }
    accept();
  });
}

void PeerTransport::dial(NodeId peer) {
  Outgoing& o = *out_.at(peer);
  if (stopped_ || o.connected || o.connecting) return;
  o.connecting = true;
  const PeerAddress& addr = peers_.at(peer);
  std::error_code ec;
  asio::ip::tcp::endpoint to(asio::ip::make_address(addr.host, ec), addr.port);
  o.socket = asio::ip::tcp::socket(io_);
  o.socket.async_connect(to, [this, peer, alive = alive_](std::error_code err) {
    if (!*alive || stopped_) return;
    Outgoing& out = *out_.at(peer);
    out.connecting = false;
    if (err) {
      std::error_code ignored;
      out.socket.close(ignored);
      schedule_redial(peer);
      return;
    }
    std::error_code ignored;
    out.socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    out.connected = true;
    out.backoff = std::chrono::milliseconds{0};
    ++stats_.connects;
    flush(peer);
  });
}

void PeerTransport::schedule_redial(NodeId peer) {
  Outgoing& o = *out_.at(peer);
  o.backoff = o.backoff.count() == 0 ? options_.min_backoff : std::min(o.backoff * 2, options_.max_backoff);
  o.redial.expires_after(o.backoff);
  o.redial.async_wait([this, peer, alive = alive_](std::error_code ec) {
    if (!*alive || stopped_ || ec) return;
    dial(peer);
  });
}

void PeerTransport::send(Envelope e) {
  if (stopped_) return;
  if (e.to == self_) return deliver_local(std::move(e));
  auto it = out_.find(e.to);
  if (it == out_.end()) return;  // not a member: the cores never do this
  Outgoing& o = *it->second;
  if (blocked_.count(e.to) != 0 || !o.connected) {
    ++o.dropped;
    ++stats_.dropped;
    return;
  }
  std::string frame = encode_frame(e);
  if (o.queued_bytes + frame.size() > options_.max_queued_bytes) {
    ++o.dropped;
    ++stats_.dropped;
    return;
  }
  o.queued_bytes += frame.size();
  o.queue.push_back(std::move(frame));
  flush(e.to);
}

void PeerTransport::deliver_local(Envelope e) {
  asio::post(io_, [this, alive = alive_, e = std::move(e)]() mutable {
    if (!*alive || stopped_) return;
    on_message_(std::move(e));
  });
}

void PeerTransport::flush(NodeId peer) {
  Outgoing& o = *out_.at(peer);
  if (!o.connected || o.writing || o.queue.empty()) return;
  o.writing_buf.clear();
  std::uint64_t frames = 0;
  while (!o.queue.empty() && (o.writing_buf.empty() || o.writing_buf.size() + o.queue.front().size() <= kMaxWriteBatch)) {
    o.writing_buf += o.queue.front();
    o.queued_bytes -= o.queue.front().size();
    o.queue.pop_front();
    ++frames;
  }
  o.writing = true;
  asio::async_write(o.socket, asio::buffer(o.writing_buf),
                    [this, peer, frames, alive = alive_](std::error_code ec, std::size_t n) {
                      if (!*alive || stopped_) return;
                      Outgoing& out = *out_.at(peer);
                      out.writing = false;
                      if (ec) {
                        std::error_code ignored;
                        out.socket.close(ignored);
                        out.connected = false;
                        out.dropped += out.queue.size() + frames;
                        stats_.dropped += out.queue.size() + frames;
                        out.queue.clear();
                        out.queued_bytes = 0;
                        schedule_redial(peer);
                        return;
                      }
                      out.sent += frames;
                      stats_.frames_sent += frames;
                      stats_.bytes_sent += n;
                      flush(peer);
                    });
}

void PeerTransport::redial_now(NodeId peer) {
  // The peer is up (it just sent us a frame), so a redial waiting out its
  // backoff would only delay our replies to it, long enough on a restarted
  // replica for it to time out the leader it cannot hear from.
  Outgoing& o = *out_.at(peer);
  if (o.connected || o.connecting) return;
  o.redial.cancel();
  o.backoff = std::chrono::milliseconds{0};
  dial(peer);
}

void PeerTransport::read(const std::shared_ptr<Incoming>& in) {
  in->socket.async_read_some(asio::buffer(in->chunk), [this, in, alive = alive_](std::error_code ec, std::size_t n) {
    if (!*alive || stopped_) return;
    if (ec) {
      std::error_code ignored;
      in->socket.close(ignored);
      in_.erase(in);
      return;
    }
    on_bytes(in, n);
  });
}

void PeerTransport::on_bytes(const std::shared_ptr<Incoming>& in, std::size_t n) {
  stats_.bytes_received += n;
  in->buf.append(in->chunk.data(), n);
  while (true) {
    std::string_view rest(in->buf);
    rest.remove_prefix(in->pos);
    if (rest.empty()) break;
    auto decoded = decode_frame(rest, options_.max_frame_body_bytes);
    if (!decoded.ok()) {
      if (decoded.error().kind == DecodeErrorKind::kNeedMore) break;
      return reject(in, std::string(decode_error_name(decoded.error().kind)) + ": " + decoded.error().message);
    }
    in->pos += decoded.value().frame_bytes;
    Envelope e = std::move(decoded).value().envelope;
    if (e.to != self_) return reject(in, "a message for replica " + e.to.to_string());
    if (e.from == self_ || out_.count(e.from) == 0) return reject(in, "a message from unknown replica " + e.from.to_string());
    ++stats_.frames_received;
    ++received_from_[e.from];
    redial_now(e.from);
    if (blocked_.count(e.from) != 0) continue;
    on_message_(std::move(e));
    if (stopped_) return;
  }
  // Drop the consumed prefix once it dominates, so a stream costs amortised
  // O(1) per byte. What stays is at most one partial frame, whose header the
  // decoder has already checked against the size limit.
  if (in->pos > 0 && in->pos * 2 >= in->buf.size()) {
    in->buf.erase(0, in->pos);
    in->pos = 0;
  }
  read(in);
}

void PeerTransport::reject(const std::shared_ptr<Incoming>& in, const std::string& why) {
  ++stats_.rejected_frames;
  std::fprintf(stderr, "quorum: replica %s: closing peer connection from %s: %s\n", self_.to_string().c_str(),
               in->remote.c_str(), why.c_str());
  std::error_code ignored;
  in->socket.close(ignored);
  in_.erase(in);
}

void PeerTransport::block(std::set<NodeId> peers) {
  peers.erase(self_);
  blocked_ = std::move(peers);
  for (NodeId id : blocked_) {
    auto it = out_.find(id);
    if (it == out_.end()) continue;
    it->second->dropped += it->second->queue.size();
    it->second->queue.clear();
    it->second->queued_bytes = 0;
  }
}

std::vector<PeerLinkStatus> PeerTransport::links() const {
  std::vector<PeerLinkStatus> out;
  for (const auto& [id, o] : out_) {
    auto r = received_from_.find(id);
    out.push_back(PeerLinkStatus{id, peers_.at(id), o->connected, blocked_.count(id) != 0, o->sent,
                                 r == received_from_.end() ? 0 : r->second, o->dropped});
  }
  return out;
}

}  // namespace quorum::runtime
