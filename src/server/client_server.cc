#include "server/client_server.h"

#include <deque>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "server/local_commands.h"

namespace quorum::server {

namespace {
constexpr std::size_t kReadChunk = 16 << 10;
}

class ClientServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ClientServer& server, asio::ip::tcp::socket socket)
      : server_(server), socket_(std::move(socket)), parser_(server.options_.resp), chunk_(kReadChunk) {}

  void start() { pump(); }
  void close() {
    std::error_code ignored;
    socket_.close(ignored);
    closed_ = true;
  }

 private:
  // One reply slot per command, filled in any order, written in order.
  struct Slot {
    std::optional<smr::Reply> reply;
  };

  bool may_read() const {
    return !closed_ && !closing_ && slots_.size() < server_.options_.max_in_flight &&
           out_.size() < server_.options_.max_output_bytes;
  }

  // Parses what is buffered, then reads more, while the limits allow. After a
  // pause for back-pressure the parser may still hold whole commands the
  // client sent long ago: those must run before waiting for new bytes.
  void pump() {
    if (pumping_) return;
    pumping_ = true;
    parse();
    pumping_ = false;
    read();
  }

  void read() {
    if (reading_ || !may_read()) return;
    reading_ = true;
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this(), alive = server_.alive_](
                                                      std::error_code ec, std::size_t n) {
      if (!*alive) return;
      self->reading_ = false;
      if (ec) return self->finish();
      self->parser_.feed(std::string_view(self->chunk_.data(), n));
      self->pump();
    });
  }

  void parse() {
    while (may_read()) {
      auto next = parser_.next();
      if (std::holds_alternative<NeedMore>(next)) return;
      if (auto* err = std::get_if<ProtocolError>(&next)) {
        ++server_.stats_.protocol_errors;
        push_ready(protocol_error_reply(err->message));
        closing_ = true;
        write();
        return;
      }
      handle(std::get<smr::Command>(std::move(next)));
    }
  }

  void handle(smr::Command argv) {
    ++server_.stats_.commands;
    switch (classify(argv)) {
      case CommandKind::kQuit:
        push_ready(smr::Reply::ok());
        closing_ = true;
        break;
      case CommandKind::kLocal:
        push_ready(local_reply(argv, server_.info_ ? server_.info_() : std::string()));
        break;
      case CommandKind::kReplicated: {
        if (auto rejected = reject_before_log(argv)) {
          push_ready(std::move(*rejected));
          break;
        }
        const std::uint64_t index = base_ + slots_.size();
        slots_.push_back(Slot{});
        std::weak_ptr<Session> weak = weak_from_this();
        server_.host_.submit(std::move(argv), std::chrono::steady_clock::now() + server_.options_.request_timeout,
                             [weak, index, alive = server_.alive_](const smr::Reply& reply) {
                               if (!*alive) return;
                               if (auto self = weak.lock()) self->fill(index, reply);
                             });
        break;
      }
    }
    write();
  }

  void push_ready(smr::Reply r) {
    slots_.push_back(Slot{std::move(r)});
  }

  void fill(std::uint64_t index, const smr::Reply& reply) {
    if (closed_ || index < base_) return;
    slots_[index - base_].reply = reply;
    write();
  }

  void write() {
    // Move the answered prefix to the output buffer.
    while (!slots_.empty() && slots_.front().reply) {
      server::encode_reply(*slots_.front().reply, out_);
      slots_.pop_front();
      ++base_;
    }
    if (writing_ || closed_) return;
    if (out_.empty()) {
      if (closing_ && slots_.empty()) return finish();
      return pump();
    }
    // Replies reach us one at a time as slots apply; a send per reply would
    // cost a system call, the client's TCP receive path and a wake-up each.
    // Posting the flush behind the handlers already ready lets everything
    // this loop turn answers leave in one send.
    if (flush_posted_) return;
    flush_posted_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this(), alive = server_.alive_] {
      if (!*alive) return;
      self->flush_posted_ = false;
      self->flush();
    });
  }

  void flush() {
    if (writing_ || closed_ || out_.empty()) return;
    writing_ = true;
    sending_.swap(out_);
    out_.clear();
    asio::async_write(socket_, asio::buffer(sending_),
                      [self = shared_from_this(), alive = server_.alive_](std::error_code ec, std::size_t) {
                        if (!*alive) return;
                        self->writing_ = false;
                        self->sending_.clear();
                        if (ec) return self->finish();
                        self->write();
                        self->pump();
                      });
  }

  void finish() {
    if (closed_) return;
    close();
    server_.sessions_.erase(shared_from_this());
  }

  ClientServer& server_;
  asio::ip::tcp::socket socket_;
  RequestParser parser_;
  std::vector<char> chunk_;
  std::deque<Slot> slots_;
  std::uint64_t base_ = 0;  // index of slots_.front()
  std::string out_;
  std::string sending_;
  bool reading_ = false;
  bool pumping_ = false;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool closing_ = false;  // after QUIT or a protocol error: flush, then close
  bool closed_ = false;
};

ClientServer::ClientServer(asio::io_context& io, runtime::ReplicaHost& host, ClientServerOptions options, InfoFn info)
    : host_(host), options_(options), info_(std::move(info)), acceptor_(io) {}

ClientServer::~ClientServer() {
  *alive_ = false;
  stop();
}

void ClientServer::listen(const asio::ip::tcp::endpoint& at) {
  std::error_code ec;
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::system_error(ec, "cannot listen for clients on " + at.address().to_string() + ":" +
                                    std::to_string(at.port()));
  }
  accept();
}

std::uint16_t ClientServer::port() const {
  std::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void ClientServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  std::error_code ec;
  acceptor_.close(ec);
  for (const auto& s : sessions_) s->close();
  sessions_.clear();
}

void ClientServer::accept() {
  acceptor_.async_accept([this, alive = alive_](std::error_code ec, asio::ip::tcp::socket socket) {
    if (!*alive || stopped_) return;
    if (!ec) {
      if (sessions_.size() >= options_.max_connections) {
        ++stats_.connections_refused;
        std::string refusal;
        server::encode_reply(smr::Reply::error("ERR max number of clients reached"), refusal);
        std::error_code ignored;
        asio::write(socket, asio::buffer(refusal), ignored);
        socket.close(ignored);
      } else {
        ++stats_.connections_accepted;
        std::error_code ignored;
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        auto s = std::make_shared<Session>(*this, std::move(socket));
        sessions_.insert(s);
        s->start();
      }
    }
    accept();
  });
}

}  // namespace quorum::server
