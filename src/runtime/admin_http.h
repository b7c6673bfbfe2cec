// The admin port of a replica: a deliberately small HTTP/1.1 server for
// /metrics (Prometheus text) and /status (JSON). Operators and scrapers talk
// to it, so it must survive anything a TCP peer can send; it need not be fast.
//
//   HttpRequest / HttpResponse   what the handler sees and returns
//   AdminServer                  the listener, on the caller's io_context
//   AdminServerOptions           every limit, named
//   parse_http_request           the pure request parser (tests, fuzzing)
//   percent_decode               %XX (and '+' in queries) decoding
//
// One request per connection: the server reads a request line, headers and a
// Content-Length body, calls the handler, answers with `Connection: close`,
// half-closes and drains what the client still sends until it closes (so a
// client still writing an oversized body reads the 413 instead of a reset).
// A Transfer-Encoding (chunked bodies) gets 501, and `Expect: 100-continue`
// is not answered (clients send the body after their own short wait; admin
// bodies are small). Methods other than GET, POST, PUT and DELETE get 405;
// a malformed request 400; a head over the limit 431; a body over the limit
// 413; a response the handler got wrong (bad status, CR/LF in the content
// type) or an exception from the handler 500. Unknown paths are the
// handler's business (404).
//
// Bounds: each connection lives at most `connection_timeout` from accept to
// close (slowloris, slow readers); at most `max_connections` are open, and a
// connection beyond that is closed as soon as it is accepted.
//
// Single-threaded: the server, its handler and every callback run on the
// io_context's thread.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace quorum::runtime {

struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT" or "DELETE"
  std::string path;    // percent-decoded, starts with '/'
  // Percent- and '+'-decoded; a key given twice keeps its last value.
  std::map<std::string, std::string> query;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct HttpLimits {
  // Request line plus headers plus the blank line that ends them.
  std::size_t max_head_bytes = 8 << 10;
  std::size_t max_body_bytes = 64 << 10;
};

struct AdminServerOptions {
  HttpLimits limits;
  std::size_t max_connections = 64;
  // From accept to close, whatever the connection is doing.
  std::chrono::milliseconds connection_timeout{5000};
};

struct AdminServerStats {
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;    // over max_connections
  std::uint64_t requests = 0;   // handed to the handler
  std::uint64_t rejected = 0;   // answered 4xx/5xx by the server itself
  std::uint64_t timed_out = 0;  // closed by connection_timeout
};

class AdminServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Listens on `at` (port 0: an ephemeral port, see port()) and starts
  // accepting. Throws std::system_error naming the address if it cannot bind.
  AdminServer(asio::io_context& io, const asio::ip::tcp::endpoint& at, Handler handler,
              AdminServerOptions options = {});
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  std::uint16_t port() const;
  // Closes the listener and every connection; the handler is not called
  // again. Idempotent; safe to call from inside the handler.
  void stop();

  std::size_t open_connections() const;
  const AdminServerStats& stats() const;

 private:
  class Impl;
  // Shared with pending Asio callbacks, which may outlive this object.
  std::shared_ptr<Impl> impl_;
};

// Parsing -------------------------------------------------------------------

struct HttpIncomplete {};  // valid so far; more bytes needed
struct HttpError {
  int status;  // 400, 405, 413, 431, 501 or 505
  std::string reason;
};
using HttpParseResult = std::variant<HttpIncomplete, HttpRequest, HttpError>;

// Parses one request from the start of `bytes` (anything after its body is
// ignored). The outcome depends only on the bytes, not on how they arrived:
// a prefix of a request is HttpIncomplete or already the error the whole
// request would get. Lines may end in CRLF or a bare LF.
HttpParseResult parse_http_request(std::string_view bytes, const HttpLimits& limits = {});

// Decodes %XX escapes (and '+' as a space if `plus_is_space`); nullopt on a
// malformed escape or a decoded NUL byte.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace quorum::runtime
