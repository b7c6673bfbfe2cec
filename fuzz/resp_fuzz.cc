// libFuzzer target for the RESP parsers (server/resp.h): the request parser
// reads bytes from any client that can reach the port, the reply parser bytes
// from whatever quorum's own clients are pointed at. Beyond "no crash, no
// sanitizer report, no runaway allocation", it checks what the module
// promises:
//
//   - split invariance: feeding the input in pseudo-random chunks (draining
//     next() after each) yields the same commands or replies and the same
//     final error as feeding it at once;
//   - round trip: every command re-encodes (encode_command) and every reply
//     re-encodes (encode_reply) to bytes that parse back to the same value;
//   - a protocol error is final.
//
// Input: one mode byte, then the stream. Bit 0 picks the parser (0 requests,
// 1 replies); bit 1 swaps in tiny limits so that every limit is reachable
// within libFuzzer's input sizes; bits 2..7 seed the chunk sizes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/resp.h"

namespace {

using quorum::server::NeedMore;
using quorum::server::Parsed;
using quorum::server::ProtocolError;
using quorum::server::RespLimits;

constexpr std::uint8_t kReplies = 1;
constexpr std::uint8_t kTinyLimits = 2;

RespLimits tiny_limits() {
  RespLimits l;
  l.max_args = 8;
  l.max_bulk_bytes = 64;
  l.max_line_bytes = 48;
  l.max_buffered_bytes = 1024;
  l.max_depth = 3;
  return l;
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "resp_fuzz: %s\n", what);
  std::abort();
}

// Everything the parser produced: the values, then the error if any.
template <typename T>
struct Outcome {
  std::vector<T> values;
  std::string error;
  bool operator==(const Outcome&) const = default;
};

// Drains the parser; returns false once it has failed.
template <typename Parser, typename T>
bool drain(Parser& p, Outcome<T>& out) {
  for (;;) {
    Parsed<T> r = p.next();
    if (std::holds_alternative<NeedMore>(r)) return true;
    if (auto* e = std::get_if<ProtocolError>(&r)) {
      if (e->message.empty()) fail("empty protocol error message");
      if (!p.failed()) fail("error returned but parser not failed");
      out.error = e->message;
      // Final: more input changes nothing.
      p.feed("*1\r\n$4\r\nPING\r\n+OK\r\n");
      Parsed<T> again = p.next();
      auto* e2 = std::get_if<ProtocolError>(&again);
      if (e2 == nullptr || e2->message != e->message) fail("protocol error is not final");
      return false;
    }
    out.values.push_back(std::move(std::get<T>(r)));
  }
}

template <typename Parser, typename T>
Outcome<T> parse_at_once(std::string_view input, const RespLimits& limits) {
  Parser p(limits);
  Outcome<T> out;
  p.feed(input);
  drain(p, out);
  return out;
}

template <typename Parser, typename T>
Outcome<T> parse_in_chunks(std::string_view input, const RespLimits& limits, std::uint32_t seed) {
  Parser p(limits);
  Outcome<T> out;
  std::uint32_t x = seed * 2654435761u + 1;
  std::size_t pos = 0;
  while (pos < input.size()) {
    x = x * 1664525u + 1013904223u;
    const std::size_t n = std::min<std::size_t>(input.size() - pos, 1 + (x >> 28));
    p.feed(input.substr(pos, n));
    pos += n;
    if (!drain(p, out)) break;
  }
  return out;
}

void check_requests(std::string_view input, const RespLimits& limits, std::uint32_t seed) {
  using Cmd = quorum::smr::Command;
  using quorum::server::RequestParser;
  const auto whole = parse_at_once<RequestParser, Cmd>(input, limits);
  if (parse_in_chunks<RequestParser, Cmd>(input, limits, seed) != whole) fail("request parse depends on split");
  for (const Cmd& c : whole.values) {
    if (c.empty()) fail("empty command returned");
    if (c.size() > limits.max_args) fail("command over max_args");
    RequestParser again;
    again.feed(quorum::server::encode_command(c));
    auto r = again.next();
    auto* c2 = std::get_if<Cmd>(&r);
    if (c2 == nullptr || *c2 != c) fail("command does not round-trip");
    if (!std::holds_alternative<NeedMore>(again.next())) fail("re-encoded command not fully consumed");
  }
}

void check_replies(std::string_view input, const RespLimits& limits, std::uint32_t seed) {
  using quorum::smr::Reply;
  using quorum::server::ReplyParser;
  const auto whole = parse_at_once<ReplyParser, Reply>(input, limits);
  if (parse_in_chunks<ReplyParser, Reply>(input, limits, seed) != whole) fail("reply parse depends on split");
  for (const Reply& r : whole.values) {
    // encode_reply asserts the depth limit; an abort there means the parser
    // let through a reply nested deeper than its limit.
    const std::string bytes = quorum::server::encode_reply(r);
    ReplyParser again;
    again.feed(bytes);
    auto p = again.next();
    auto* r2 = std::get_if<Reply>(&p);
    if (r2 == nullptr || *r2 != r) fail("reply does not round-trip");
    if (!std::holds_alternative<NeedMore>(again.next())) fail("re-encoded reply not fully consumed");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  // The parsers copy what they are fed into their own buffer, so reading the
  // fuzzer's bytes in place loses no ASan coverage.
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  const RespLimits limits = (mode & kTinyLimits) ? tiny_limits() : RespLimits{};
  const std::uint32_t seed = mode >> 2;
  if (mode & kReplies) {
    check_replies(input, limits, seed);
  } else {
    check_requests(input, limits, seed);
  }
  return 0;
}
