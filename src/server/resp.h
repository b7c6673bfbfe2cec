// RESP2, the Redis serialization protocol, spoken on the client port
// (DESIGN.md section 5) so that redis-cli, redis-benchmark and every Redis
// client library work unchanged. This module is pure: bytes in, commands or
// replies out; the server owns the sockets.
//
//   RequestParser   server side: client bytes -> commands (argv vectors)
//   encode_reply    server side: smr::Reply -> RESP bytes
//   encode_command  client side: argv -> RESP array of bulk strings
//   ReplyParser     client side: RESP bytes -> smr::Reply (bench, demo)
//
// Both parsers are incremental and read untrusted input, so every length is
// checked against a named limit (RespLimits) before anything is allocated or
// buffered: drained after every feed(), a parser holds at most
// max_buffered_bytes for the message it is assembling (bulk bodies included)
// plus one partial line. The first protocol error is final: the parser keeps
// returning it and ignores further input, because after a framing error
// nothing that follows can be trusted to start at a message boundary. The
// server answers protocol_error_reply() and closes the connection, as Redis
// does.
//
// Every decision depends only on the bytes, never on how they were split into
// feed() calls, so a connection's sequence of commands and its final error are
// the same however the network chunks the stream (the tests check every split
// point).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/limits.h"
#include "smr/command.h"
#include "smr/reply.h"

namespace quorum::server {

struct RespLimits {
  // Elements in one command, and in one array of a reply. Redis allows 1M;
  // the state machine accepts far fewer (smr::kMaxCommandArgs) and answers a
  // longer command with an ordinary error, which needs it parsed first.
  std::size_t max_args = 64 * 1024;
  // One bulk string. Larger than any value quorum stores
  // (limits::kMaxValueBytes), so an oversized SET gets a polite -ERR from the
  // command layer rather than a dropped connection; but rejected from the
  // header alone, before a byte of the body is buffered.
  std::size_t max_bulk_bytes = 16 << 20;
  // An inline command line (without its line end), and the text of a status
  // or error reply. Same as Redis' PROTO_INLINE_MAX_SIZE.
  std::size_t max_line_bytes = 64 << 10;
  // The command or reply being assembled, counting each element at its length
  // plus its in-memory size, so that a flood of empty elements is bounded as
  // well as a few huge ones.
  std::size_t max_buffered_bytes = 32 << 20;
  // Arrays nested inside arrays, in replies (commands are flat). Matches what
  // smr::Reply can hold.
  int max_depth = smr::kMaxReplyDepth;
};
static_assert(RespLimits{}.max_bulk_bytes > limits::kMaxValueBytes);
static_assert(RespLimits{}.max_buffered_bytes > RespLimits{}.max_bulk_bytes);

// What next() found. NeedMore: feed() more bytes, nothing was lost.
// ProtocolError: the message to send after "-ERR Protocol error: ".
struct NeedMore {
  friend bool operator==(const NeedMore&, const NeedMore&) = default;
};
struct ProtocolError {
  std::string message;
  friend bool operator==(const ProtocolError&, const ProtocolError&) = default;
};
template <typename T>
using Parsed = std::variant<NeedMore, T, ProtocolError>;

namespace detail {

// The unparsed bytes of one connection. Consuming advances an offset; the
// consumed prefix is dropped only once it is at least half the buffer, so
// pipelined input costs amortised O(1) per byte instead of one memmove per
// command.
class InputBuffer {
 public:
  void append(std::string_view bytes);
  std::string_view unread() const { return std::string_view(buf_).substr(pos_); }
  void consume(std::size_t n);
  void clear();

  struct Line {
    enum class Status { kFound, kIncomplete, kTooLong } status;
    std::string_view text;  // up to, not including, the '\n' (kFound only)
  };
  // The line at the start of unread(), if its '\n' is within the first
  // max_bytes + 1 bytes. Remembers how far it looked, so a long line arriving
  // a byte at a time is scanned once, not once per byte.
  Line line(std::size_t max_bytes);

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t scanned_ = 0;  // bytes of unread() known to hold no '\n'
};

}  // namespace detail

// Commands from a client connection: RESP arrays of bulk strings
// (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`, what client libraries send) and inline
// commands (`GET k\r\n`, what a person types into telnet; `\n` alone also
// ends the line). Inline lines are split on whitespace with Redis' quoting
// rules (sdssplitargs): "double quotes" take \n \r \t \b \a \\ \" \xHH
// escapes, 'single quotes' only \', and a closing quote must be followed by
// whitespace. Unlike Redis a NUL byte is an ordinary character.
//
// Like Redis, empty inline lines and `*0` / `*-N` arrays are skipped without
// producing a command. Arguments are binary-safe.
//
// Protocol errors (the message text, for protocol_error_reply):
//   "invalid multibulk length"      bad `*` count, or more than max_args
//   "expected '$', got 'x'"         an array element that is not a bulk string
//   "invalid bulk length"           bad `$` length, or more than max_bulk_bytes
//   "expected CRLF after bulk data" the body is not followed by \r\n
//   "too big inline request"        an inline line over max_line_bytes
//   "unbalanced quotes in request"  inline quoting error
//   "too many arguments in request" an inline line with over max_args words
//   "too big request"               the command exceeds max_buffered_bytes
class RequestParser {
 public:
  explicit RequestParser(RespLimits limits = {});

  // Buffers bytes from the connection (ignored after a protocol error). Call
  // next() until it returns NeedMore before feeding again, so at most one
  // partial command stays buffered.
  void feed(std::string_view bytes);
  Parsed<smr::Command> next();

  bool failed() const { return !error_.empty(); }
  // Unparsed bytes held (not counting arguments already assembled).
  std::size_t buffered_bytes() const { return in_.unread().size(); }

 private:
  Parsed<smr::Command> fail(std::string message);
  Parsed<smr::Command> parse_inline();

  RespLimits limits_;
  detail::InputBuffer in_;
  // The array being assembled: remaining_ > 0 elements still to come.
  std::size_t remaining_ = 0;
  bool have_bulk_len_ = false;  // between a `$len` header and its body
  std::size_t bulk_len_ = 0;
  smr::Command argv_;
  std::size_t held_bytes_ = 0;  // argv_ as counted for max_buffered_bytes
  std::string error_;
};

// Replies, written for a client. Status and error texts cannot contain line
// breaks (smr::Reply guarantees it). Asserts that arrays nest at most
// smr::kMaxReplyDepth deep: quorum never writes what ReplyParser refuses.
//
// Named like smr::encode_reply (a different encoding of the same type), so
// argument-dependent lookup finds both: call it qualified, server::encode_reply.
void encode_reply(const smr::Reply& reply, std::string& out);
std::string encode_reply(const smr::Reply& reply);

// A command as clients send it: an array of bulk strings, binary-safe.
void encode_command(const smr::Command& argv, std::string& out);
std::string encode_command(const smr::Command& argv);

// The reply to send before closing a connection whose parser failed:
// `-ERR Protocol error: <message>`.
smr::Reply protocol_error_reply(std::string_view message);

// Replies read back from a server, for quorum's own clients. `*-1` (a null
// array) reads as nil, like `$-1`. Status and error lines must end in \r\n
// and contain no other \r. Accepts exactly what encode_reply writes, so
// encode_reply then ReplyParser gives back the original reply.
//
// Protocol errors:
//   "unexpected byte 'x' at start of reply"
//   "line too long"             status or error text over max_line_bytes
//   "expected CRLF"             a line not ending in \r\n, or with a stray \r
//   "invalid integer"           `:` not a canonical signed 64-bit decimal
//   "invalid bulk length"       below -1, or more than max_bulk_bytes
//   "expected CRLF after bulk data"
//   "invalid array length"      below -1, or more than max_args
//   "array nesting too deep"    more than max_depth nested arrays
//   "too big reply"             the reply exceeds max_buffered_bytes
class ReplyParser {
 public:
  explicit ReplyParser(RespLimits limits = {});

  void feed(std::string_view bytes);
  Parsed<smr::Reply> next();

  bool failed() const { return !error_.empty(); }
  std::size_t buffered_bytes() const { return in_.unread().size(); }

 private:
  Parsed<smr::Reply> fail(std::string message);

  // An array whose elements are still arriving.
  struct OpenArray {
    std::size_t remaining = 0;
    std::vector<smr::Reply> elements;
  };

  RespLimits limits_;
  detail::InputBuffer in_;
  std::vector<OpenArray> open_;  // innermost last; at most max_depth
  bool have_bulk_len_ = false;
  std::size_t bulk_len_ = 0;
  std::size_t held_bytes_ = 0;  // the reply being assembled
  std::string error_;
};

}  // namespace quorum::server
