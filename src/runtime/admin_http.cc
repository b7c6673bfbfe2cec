#include "runtime/admin_http.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <exception>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "core/assert.h"

namespace quorum::runtime {

namespace {

constexpr std::size_t kReadChunkBytes = 4096;
// How long to wait before accepting again after an accept error such as
// EMFILE, which would otherwise fail again at once, in a loop.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
constexpr std::string_view kAllowedMethods = "GET, POST, PUT, DELETE";

// RFC 9110 section 5.6.2.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Control characters other than HTAB are never valid in a field value.
bool is_field_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 0x20 || u == '\t') && u != 0x7f;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpError bad_request(std::string reason) { return HttpError{400, std::move(reason)}; }

// The head of a request, parsed; the body is still to come.
struct ParsedHead {
  HttpRequest request;  // body empty
  std::size_t head_bytes = 0;
  std::size_t content_length = 0;
};
using HeadResult = std::variant<HttpIncomplete, ParsedHead, HttpError>;

std::optional<HttpError> parse_query(std::string_view query, std::map<std::string, std::string>& out) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) return bad_request("bad escape in query");
    out[std::move(*key)] = std::move(*value);
  }
  return std::nullopt;
}

// "METHOD SP request-target SP HTTP/x.y" (RFC 9112 section 3).
std::optional<HttpError> parse_request_line(std::string_view line, HttpRequest& req) {
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return bad_request("malformed request line");
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);

  if (!is_token(method)) return bad_request("malformed method");
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return bad_request("malformed HTTP version");
  }
  if (version[5] != '1') return HttpError{505, "only HTTP/1.x is supported"};
  if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE") {
    return HttpError{405, fmt::format("method {} not allowed", method)};
  }

  const auto visible = [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > ' ' && u < 0x7f;
  };
  if (target.empty() || !std::all_of(target.begin(), target.end(), visible)) {
    return bad_request("malformed request target");
  }
  // Absolute form (RFC 9112 section 3.2.2), which servers must accept: keep
  // only the path and query.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (starts_with_icase(target, scheme)) {
      const std::size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  if (target.front() != '/') return bad_request("request target must start with '/'");
  target = target.substr(0, target.find('#'));  // a fragment is never sent; ignore one if it is

  const std::size_t qmark = target.find('?');
  auto path = percent_decode(target.substr(0, qmark), false);
  if (!path) return bad_request("bad escape in path");
  if (qmark != std::string_view::npos) {
    if (auto err = parse_query(target.substr(qmark + 1), req.query)) return err;
  }
  req.method = std::string(method);
  req.path = std::move(*path);
  return std::nullopt;
}

struct HeaderState {
  std::optional<std::size_t> content_length;
};

std::optional<HttpError> parse_header_line(std::string_view line, const HttpLimits& limits, HeaderState& state) {
  if (line.front() == ' ' || line.front() == '\t') return bad_request("obsolete header line folding");
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bad_request("header line without ':'");
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trim_ows(line.substr(colon + 1));
  if (!is_token(name)) return bad_request("malformed header name");
  if (!std::all_of(value.begin(), value.end(), is_field_value_char)) {
    return bad_request("control character in header value");
  }

  if (iequals(name, "Transfer-Encoding")) return HttpError{501, "Transfer-Encoding is not supported"};
  if (iequals(name, "Content-Length")) {
    if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad_request("malformed Content-Length");
    }
    // Compared digit by digit, so a length that overflows any integer is
    // still "too large" rather than a parse failure.
    std::size_t length = 0;
    for (char c : value) {
      length = length * 10 + static_cast<std::size_t>(c - '0');
      if (length > limits.max_body_bytes) {
        return HttpError{413, fmt::format("body over {} bytes", limits.max_body_bytes)};
      }
    }
    if (state.content_length && *state.content_length != length) return bad_request("conflicting Content-Length");
    state.content_length = length;
  }
  return std::nullopt;
}

// Lines are validated as soon as they are complete, and only inside the
// first max_head_bytes, so a prefix of the input can only be incomplete or
// end in the same verdict as the whole input.
HeadResult parse_head(std::string_view bytes, const HttpLimits& limits) {
  const std::string_view window = bytes.substr(0, limits.max_head_bytes);
  HttpRequest req;
  HeaderState headers;
  bool first = true;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t nl = window.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (bytes.size() >= limits.max_head_bytes) {
        return HttpError{431, fmt::format("request head over {} bytes", limits.max_head_bytes)};
      }
      return HttpIncomplete{};
    }
    std::string_view line = window.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos) {
      return bad_request("stray CR or NUL in request head");
    }
    if (first) {
      if (auto err = parse_request_line(line, req)) return *err;
      first = false;
      continue;
    }
    if (line.empty()) return ParsedHead{std::move(req), pos, headers.content_length.value_or(0)};
    if (auto err = parse_header_line(line, limits, headers)) return *err;
  }
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

HttpResponse error_response(const HttpError& e) {
  return HttpResponse{e.status, "text/plain; charset=utf-8", e.reason + "\n"};
}

std::string serialize(HttpResponse r) {
  const bool bad_status = r.status < 200 || r.status > 599;
  const bool bad_type = !std::all_of(r.content_type.begin(), r.content_type.end(), is_field_value_char);
  if (bad_status || bad_type) {
    r = HttpResponse{500, "text/plain; charset=utf-8",
                     bad_status ? fmt::format("handler returned status {}\n", r.status)
                                : std::string("handler returned a malformed content type\n")};
  }
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nConnection: close\r\n", r.status, reason_phrase(r.status));
  if (r.status == 405) out += fmt::format("Allow: {}\r\n", kAllowedMethods);
  // These two must not carry a body (RFC 9110 sections 15.3.5, 15.4.5).
  if (r.status != 204 && r.status != 304) {
    out += fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n\r\n", r.content_type, r.body.size());
    out += r.body;
  } else {
    out += "\r\n";
  }
  return out;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out += c;
  }
  return out;
}

HttpParseResult parse_http_request(std::string_view bytes, const HttpLimits& limits) {
  HeadResult head = parse_head(bytes, limits);
  if (auto* err = std::get_if<HttpError>(&head)) return std::move(*err);
  auto* parsed = std::get_if<ParsedHead>(&head);
  if (parsed == nullptr) return HttpIncomplete{};
  if (bytes.size() - parsed->head_bytes < parsed->content_length) return HttpIncomplete{};
  parsed->request.body = std::string(bytes.substr(parsed->head_bytes, parsed->content_length));
  return std::move(parsed->request);
}

// Server ----------------------------------------------------------------------

class AdminServer::Impl : public std::enable_shared_from_this<AdminServer::Impl> {
 public:
  Impl(asio::io_context& io, Handler handler, AdminServerOptions options)
      : io_(io), handler_(std::move(handler)), options_(options), acceptor_(io), accept_retry_(io) {}

  void listen(const asio::ip::tcp::endpoint& at);
  void accept();
  void stop();

  std::uint16_t port = 0;
  AdminServerStats stats;
  std::size_t open_connections() const { return connections_.size(); }
  bool has_handler() const { return static_cast<bool>(handler_); }

 private:
  struct Connection {
    Connection(asio::io_context& io, asio::ip::tcp::socket s) : socket(std::move(s)), deadline(io) {}
    asio::ip::tcp::socket socket;
    asio::steady_timer deadline;
    bool closed = false;
    std::string in;
    std::optional<ParsedHead> head;
    std::array<char, kReadChunkBytes> chunk{};
    std::string out;
  };
  using ConnectionPtr = std::shared_ptr<Connection>;

  void start(asio::ip::tcp::socket socket);
  void read(const ConnectionPtr& c);
  void on_read(const ConnectionPtr& c, std::size_t n);
  void drain(const ConnectionPtr& c);
  void respond(const ConnectionPtr& c, HttpResponse r);
  void reject(const ConnectionPtr& c, const HttpError& e);
  void close(const ConnectionPtr& c);

  asio::io_context& io_;
  Handler handler_;
  const AdminServerOptions options_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::set<ConnectionPtr> connections_;
  bool stopped_ = false;
};

void AdminServer::Impl::listen(const asio::ip::tcp::endpoint& at) {
  auto fail = [&](const std::error_code& ec, std::string_view step) {
    std::error_code ignored;
    acceptor_.close(ignored);
    const std::string host = at.address().is_v6() ? "[" + at.address().to_string() + "]" : at.address().to_string();
    throw std::system_error(ec, fmt::format("admin HTTP: cannot {} {}:{}", step, host, at.port()));
  };
  std::error_code ec;
  acceptor_.open(at.protocol(), ec);
  if (ec) fail(ec, "open a socket for");
  // Lets a restarted replica rebind while old connections sit in TIME_WAIT;
  // on Linux it does not let two live listeners share the port.
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) fail(ec, "set SO_REUSEADDR on");
  acceptor_.bind(at, ec);
  if (ec) fail(ec, "listen on");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail(ec, "listen on");
  port = acceptor_.local_endpoint().port();
}

void AdminServer::Impl::accept() {
  acceptor_.async_accept([self = shared_from_this()](std::error_code ec, asio::ip::tcp::socket socket) {
    if (self->stopped_) return;
    if (!ec) {
      self->start(std::move(socket));
      self->accept();
    } else if (ec == asio::error::connection_aborted) {
      self->accept();  // the client gave up before we accepted; nothing is wrong here
    } else if (ec != asio::error::operation_aborted) {
      self->accept_retry_.expires_after(kAcceptRetryDelay);
      self->accept_retry_.async_wait([self](std::error_code wait_ec) {
        if (!wait_ec && !self->stopped_) self->accept();
      });
    }
  });
}

void AdminServer::Impl::start(asio::ip::tcp::socket socket) {
  if (connections_.size() >= options_.max_connections) {
    ++stats.refused;
    std::error_code ignored;
    socket.close(ignored);
    return;
  }
  ++stats.accepted;
  auto c = std::make_shared<Connection>(io_, std::move(socket));
  connections_.insert(c);
  c->deadline.expires_after(options_.connection_timeout);
  c->deadline.async_wait([self = shared_from_this(), c](std::error_code ec) {
    if (ec || c->closed) return;
    ++self->stats.timed_out;
    self->close(c);
  });
  read(c);
}

void AdminServer::Impl::read(const ConnectionPtr& c) {
  c->socket.async_read_some(asio::buffer(c->chunk), [self = shared_from_this(), c](std::error_code ec, std::size_t n) {
    if (self->stopped_ || c->closed) return;
    if (!ec) {
      self->on_read(c, n);
    } else if (ec == asio::error::eof && !c->in.empty()) {
      // The client half-closed in the middle of a request; it may still be
      // reading, so say why nothing will happen.
      self->reject(c, bad_request("connection closed before the request was complete"));
    } else {
      self->close(c);
    }
  });
}

void AdminServer::Impl::on_read(const ConnectionPtr& c, std::size_t n) {
  const std::string_view fresh(c->chunk.data(), n);
  c->in.append(fresh);
  if (!c->head) {
    // The parse can only change its verdict at a line end or at the limit;
    // skipping it otherwise keeps a byte-at-a-time client from costing
    // quadratic time.
    if (fresh.find('\n') == std::string_view::npos && c->in.size() < options_.limits.max_head_bytes) {
      read(c);
      return;
    }
    HeadResult head = parse_head(c->in, options_.limits);
    if (auto* err = std::get_if<HttpError>(&head)) {
      reject(c, *err);
      return;
    }
    if (auto* parsed = std::get_if<ParsedHead>(&head)) c->head = std::move(*parsed);
  }
  if (!c->head || c->in.size() - c->head->head_bytes < c->head->content_length) {
    read(c);
    return;
  }

  HttpRequest req = std::move(c->head->request);
  req.body = c->in.substr(c->head->head_bytes, c->head->content_length);
  c->in.clear();
  ++stats.requests;
  HttpResponse r;
  try {
    r = handler_(req);
  } catch (const std::exception& e) {
    r = HttpResponse{500, "text/plain; charset=utf-8", fmt::format("handler failed: {}\n", e.what())};
  } catch (...) {
    r = HttpResponse{500, "text/plain; charset=utf-8", "handler failed\n"};
  }
  if (stopped_ || c->closed) return;  // the handler stopped the server
  respond(c, std::move(r));
}

void AdminServer::Impl::reject(const ConnectionPtr& c, const HttpError& e) {
  ++stats.rejected;
  respond(c, error_response(e));
}

void AdminServer::Impl::respond(const ConnectionPtr& c, HttpResponse r) {
  c->out = serialize(std::move(r));
  asio::async_write(c->socket, asio::buffer(c->out), [self = shared_from_this(), c](std::error_code ec, std::size_t) {
    if (self->stopped_ || c->closed) return;
    if (ec) {
      self->close(c);
      return;
    }
    // FIN tells the client the response is complete; we close once it has
    // closed too (or the deadline passes), because closing with its unread
    // bytes in our receive buffer would send a reset that can destroy the
    // response before the client reads it.
    std::error_code ignored;
    c->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    c->in.clear();
    c->in.shrink_to_fit();
    self->drain(c);
  });
}

void AdminServer::Impl::drain(const ConnectionPtr& c) {
  c->socket.async_read_some(asio::buffer(c->chunk), [self = shared_from_this(), c](std::error_code ec, std::size_t) {
    if (self->stopped_ || c->closed) return;
    if (ec) {
      self->close(c);
    } else {
      self->drain(c);
    }
  });
}

void AdminServer::Impl::close(const ConnectionPtr& c) {
  if (c->closed) return;
  c->closed = true;
  std::error_code ignored;
  c->socket.close(ignored);
  c->deadline.cancel();
  connections_.erase(c);
}

void AdminServer::Impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  std::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  // close() erases from the set, so walk a copy.
  const std::vector<ConnectionPtr> open(connections_.begin(), connections_.end());
  for (const ConnectionPtr& c : open) close(c);
}

AdminServer::AdminServer(asio::io_context& io, const asio::ip::tcp::endpoint& at, Handler handler,
                         AdminServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(handler), options)) {
  QUORUM_ASSERT(options.max_connections > 0, "admin server needs room for a connection");
  QUORUM_ASSERT(impl_->has_handler(), "admin server needs a handler");
  impl_->listen(at);
  impl_->accept();
}

AdminServer::~AdminServer() { impl_->stop(); }

std::uint16_t AdminServer::port() const { return impl_->port; }
void AdminServer::stop() { impl_->stop(); }
std::size_t AdminServer::open_connections() const { return impl_->open_connections(); }
const AdminServerStats& AdminServer::stats() const { return impl_->stats; }

}  // namespace quorum::runtime
