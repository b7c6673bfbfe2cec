#include "server/resp.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/assert.h"
#include "smr/smr_test_util.h"

namespace quorum::server {
namespace {

using smr::Command;
using smr::Reply;

// Everything a parser produced from a stream: the values in order, then the
// protocol error if it failed ("" if it is still waiting for bytes).
template <typename T>
struct Outcome {
  std::vector<T> values;
  std::string error;
  bool operator==(const Outcome&) const = default;
};

void PrintTo(const Outcome<Command>& o, std::ostream* os) {
  *os << "{";
  for (const auto& c : o.values) *os << ::testing::PrintToString(c) << " ";
  *os << "error=\"" << o.error << "\"}";
}
void PrintTo(const Outcome<Reply>& o, std::ostream* os) {
  *os << "{";
  for (const auto& r : o.values) *os << r.to_string() << " ";
  *os << "error=\"" << o.error << "\"}";
}
template <typename T>
void showValue(const Outcome<T>& o, std::ostream& os) {
  PrintTo(o, &os);
}

// Feeds `input` in chunks of the given sizes (cycled; empty = all at once),
// draining the parser after every chunk as a server would.
template <typename Parser, typename T>
Outcome<T> parse(std::string_view input, const std::vector<std::size_t>& chunks = {},
                 const RespLimits& limits = {}) {
  Parser p(limits);
  Outcome<T> out;
  std::size_t pos = 0;
  std::size_t k = 0;
  do {
    const std::size_t n = chunks.empty() ? input.size() : chunks[k++ % chunks.size()];
    p.feed(input.substr(pos, n));
    pos += std::min(n, input.size() - pos);
    for (;;) {
      auto r = p.next();
      if (std::holds_alternative<NeedMore>(r)) break;
      if (auto* e = std::get_if<ProtocolError>(&r)) {
        out.error = e->message;
        return out;
      }
      out.values.push_back(std::get<T>(std::move(r)));
    }
  } while (pos < input.size());
  return out;
}

Outcome<Command> requests(std::string_view input, const std::vector<std::size_t>& chunks = {},
                          const RespLimits& limits = {}) {
  return parse<RequestParser, Command>(input, chunks, limits);
}
Outcome<Reply> replies(std::string_view input, const std::vector<std::size_t>& chunks = {},
                       const RespLimits& limits = {}) {
  return parse<ReplyParser, Reply>(input, chunks, limits);
}

Outcome<Command> commands(std::vector<Command> c) { return {std::move(c), ""}; }
Outcome<Command> request_error(std::string e, std::vector<Command> before = {}) {
  return {std::move(before), std::move(e)};
}

std::string operator""_b(const char* s, std::size_t n) { return std::string(s, n); }

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// Every way to cut `input` in two, plus one byte at a time, parses the same
// as the whole.
template <typename Parser, typename T>
void expect_split_invariant(const std::string& input, const RespLimits& limits = {}) {
  const auto whole = parse<Parser, T>(input, {}, limits);
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    EXPECT_EQ((parse<Parser, T>(input, {cut, input.size()}, limits)), whole) << "cut at " << cut;
  }
  EXPECT_EQ((parse<Parser, T>(input, {1}, limits)), whole) << "one byte at a time";
}

// ---------------------------------------------------------------- requests

TEST(RequestParser, ArrayOfBulkStrings) {
  EXPECT_EQ(requests("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"), commands({{"SET", "k", "value"}}));
  EXPECT_EQ(requests("*1\r\n$0\r\n\r\n"), commands({{""}}));
}

TEST(RequestParser, ArgumentsAreBinarySafe) {
  const std::string v = "a\0\r\n*1\r\n\xff"_b;
  EXPECT_EQ(requests("*2\r\n$3\r\nGET\r\n$9\r\n" + v + "\r\n"), commands({{"GET", v}}));
}

TEST(RequestParser, PipelinedCommandsInOneBuffer) {
  const std::string in = "*1\r\n$4\r\nPING\r\nGET k\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\nINCR n\n";
  EXPECT_EQ(requests(in), commands({{"PING"}, {"GET", "k"}, {"DEL", "k"}, {"INCR", "n"}}));
  expect_split_invariant<RequestParser, Command>(in);
}

TEST(RequestParser, NeedsMoreUntilTheCommandIsComplete) {
  const std::string in = encode_command({"SET", "key", "value"});
  for (std::size_t n = 0; n < in.size(); ++n) {
    RequestParser p;
    p.feed(in.substr(0, n));
    EXPECT_TRUE(std::holds_alternative<NeedMore>(p.next())) << "prefix " << n;
    EXPECT_FALSE(p.failed());
  }
}

TEST(RequestParser, InlineCommands) {
  EXPECT_EQ(requests("SET a b\r\n"), commands({{"SET", "a", "b"}}));
  EXPECT_EQ(requests("SET a b\n"), commands({{"SET", "a", "b"}}));
  EXPECT_EQ(requests("  GET \t  k  \r\n"), commands({{"GET", "k"}}));
  EXPECT_EQ(requests("PING"), commands({}));  // no line end yet
  // A NUL is an ordinary byte (Redis would end the line there).
  EXPECT_EQ(requests("GET a\0b\r\n"_b), commands({{"GET", "a\0b"_b}}));
}

TEST(RequestParser, EmptyInlineLinesAreSkipped) {
  EXPECT_EQ(requests("\r\n\n   \r\nPING\r\n\r\n"), commands({{"PING"}}));
  // What a client that ends every array with an extra CRLF sends.
  EXPECT_EQ(requests("*1\r\n$4\r\nPING\r\n\r\n*1\r\n$4\r\nPING\r\n"), commands({{"PING"}, {"PING"}}));
}

TEST(RequestParser, InlineQuotingFollowsRedis) {
  EXPECT_EQ(requests("SET \"a b\" 'c d'\r\n"), commands({{"SET", "a b", "c d"}}));
  EXPECT_EQ(requests("SET k \"\\x41\\x7a\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n"),
            commands({{"SET", "k", "Az\n\r\t\b\a\\\"q"}}));
  EXPECT_EQ(requests("SET k 'it\\'s \\n'\r\n"), commands({{"SET", "k", "it's \\n"}}));
  EXPECT_EQ(requests("SET \"\" ''\r\n"), commands({{"SET", "", ""}}));
  EXPECT_EQ(requests("SET a\"b c\"\r\n"), commands({{"SET", "ab c"}}));  // a quote inside a word
  EXPECT_EQ(requests("SET \"\\x4\"\r\n"), commands({{"SET", "x4"}}));      // not a hex escape
}

TEST(RequestParser, InlineQuotingErrors) {
  EXPECT_EQ(requests("SET \"a\r\n"), request_error("unbalanced quotes in request"));
  EXPECT_EQ(requests("SET 'a\r\n"), request_error("unbalanced quotes in request"));
  EXPECT_EQ(requests("SET \"a\"b\r\n"), request_error("unbalanced quotes in request"));
  EXPECT_EQ(requests("SET 'a'b\r\n"), request_error("unbalanced quotes in request"));
  EXPECT_EQ(requests("SET \"a\\\"\r\n"), request_error("unbalanced quotes in request"));
}

TEST(RequestParser, EmptyAndNullArraysYieldNothing) {
  EXPECT_EQ(requests("*0\r\n*-1\r\n*-7\r\n*1\r\n$1\r\nx\r\n"), commands({{"x"}}));
}

struct ErrorCase {
  std::string input;
  std::string error;
};

TEST(RequestParser, MalformedInputIsAProtocolError) {
  const std::vector<ErrorCase> cases = {
      {"*1\r\nx", "expected '$', got 'x'"},
      {"*1\r\n:1\r\n", "expected '$', got ':'"},
      {"*2\r\n$1\r\na\r\n\r\n", "expected '$', got '\\x0d'"},
      {"*1\r\n\x01", "expected '$', got '\\x01'"},
      {"*x\r\n", "invalid multibulk length"},
      {"*\r\n", "invalid multibulk length"},
      {"*1x\r\n", "invalid multibulk length"},
      {"*01\r\n", "invalid multibulk length"},
      {"*-0\r\n", "invalid multibulk length"},
      {"*+1\r\n", "invalid multibulk length"},
      {"* 1\r\n", "invalid multibulk length"},
      {"*1\n", "invalid multibulk length"},           // LF without CR
      {"*1\r\r\n", "invalid multibulk length"},
      {"*9223372036854775808\r\n", "invalid multibulk length"},  // overflows int64
      {"*99999999999999999999999999\r\n", "invalid multibulk length"},
      {"*" + std::string(40, '1'), "invalid multibulk length"},  // too long to wait for
      {"*1\r\n$-1\r\n", "invalid bulk length"},
      {"*1\r\n$x\r\n", "invalid bulk length"},
      {"*1\r\n$\r\n", "invalid bulk length"},
      {"*1\r\n$03\r\nabc\r\n", "invalid bulk length"},
      {"*1\r\n$9223372036854775807\r\n", "invalid bulk length"},
      {"*1\r\n$18446744073709551617\r\n", "invalid bulk length"},
      {"*1\r\n$3\r\nabcd\r\n", "expected CRLF after bulk data"},
      {"*1\r\n$3\r\nabc\n\r", "expected CRLF after bulk data"},
      {"*1\r\n$3\r\nabc\rx", "expected CRLF after bulk data"},
      {"*1\r\n$3\r\nabcXY", "expected CRLF after bulk data"},
      {"*1\r\n$3\r\nab\r\n\r\n", "expected CRLF after bulk data"},  // body one byte short
  };
  for (const auto& c : cases) {
    EXPECT_EQ(requests(c.input), request_error(c.error)) << ::testing::PrintToString(c.input);
    expect_split_invariant<RequestParser, Command>(c.input);
  }
}

TEST(RequestParser, CommandsBeforeAnErrorAreDelivered) {
  EXPECT_EQ(requests("PING\r\n*1\r\n$1\r\nx\r\n*1\r\n%"), request_error("expected '$', got '%'", {{"PING"}, {"x"}}));
}

TEST(RequestParser, AProtocolErrorIsFinal) {
  RequestParser p;
  p.feed("*1\r\n?");
  EXPECT_EQ(p.next(), (Parsed<Command>(ProtocolError{"expected '$', got '?'"})));
  EXPECT_TRUE(p.failed());
  EXPECT_EQ(p.buffered_bytes(), 0u);  // dropped
  p.feed("PING\r\n");
  EXPECT_EQ(p.buffered_bytes(), 0u);  // ignored
  EXPECT_EQ(p.next(), (Parsed<Command>(ProtocolError{"expected '$', got '?'"})));
}

TEST(RequestParser, ProtocolErrorReply) {
  EXPECT_EQ(protocol_error_reply("invalid bulk length"), Reply::error("ERR Protocol error: invalid bulk length"));
  EXPECT_EQ(encode_reply(protocol_error_reply("too big inline request")),
            "-ERR Protocol error: too big inline request\r\n");
}

// ------------------------------------------------------------------ limits

TEST(RequestLimits, Defaults) {
  const RespLimits l;
  EXPECT_EQ(l.max_args, 65536u);
  EXPECT_EQ(l.max_bulk_bytes, 16u << 20);
  EXPECT_EQ(l.max_line_bytes, 64u << 10);
  EXPECT_EQ(l.max_buffered_bytes, 32u << 20);
  EXPECT_EQ(l.max_depth, 8);
}

TEST(RequestLimits, ArgumentCount) {
  EXPECT_EQ(requests("*65537\r\n"), request_error("invalid multibulk length"));
  EXPECT_EQ(requests("*2147483647\r\n"), request_error("invalid multibulk length"));
  RespLimits l;
  l.max_args = 2;
  EXPECT_EQ(requests("*2\r\n$1\r\na\r\n$1\r\nb\r\n*3\r\n", {}, l), request_error("invalid multibulk length", {{"a", "b"}}));
  EXPECT_EQ(requests("a b\r\na b c\r\n", {}, l), request_error("too many arguments in request", {{"a", "b"}}));
}

TEST(RequestLimits, AnnouncedCountsAreNotReserved) {
  // With the count limit out of the way, the announced count must still not
  // be trusted: reserving it would throw or exhaust memory.
  RespLimits l;
  l.max_args = std::numeric_limits<std::size_t>::max();
  RequestParser p(l);
  p.feed("*9223372036854775807\r\n$1\r\na\r\n");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(p.next()));
  EXPECT_FALSE(p.failed());
}

TEST(RequestLimits, BulkLengthIsRejectedBeforeTheBody) {
  RequestParser p;
  p.feed("*1\r\n$16777217\r\n");
  EXPECT_EQ(p.next(), (Parsed<Command>(ProtocolError{"invalid bulk length"})));
  EXPECT_EQ(requests("*1\r\n$999999999\r\n"), request_error("invalid bulk length"));

  // Exactly the limit is fine, and only the body is waited for.
  RespLimits l;
  l.max_bulk_bytes = 10;
  EXPECT_EQ(requests("*1\r\n$10\r\n0123456789\r\n", {}, l), commands({{"0123456789"}}));
  EXPECT_EQ(requests("*1\r\n$11\r\n", {}, l), request_error("invalid bulk length"));
}

TEST(RequestLimits, InlineLineLength) {
  RespLimits l;
  l.max_line_bytes = 8;
  EXPECT_EQ(requests("GET 1234\r\n", {}, l), commands({{"GET", "1234"}}));  // 8 bytes + CRLF
  EXPECT_EQ(requests("GET 1234\n", {}, l), commands({{"GET", "1234"}}));
  EXPECT_EQ(requests("GET 12345\r\n", {}, l), request_error("too big inline request"));
  EXPECT_EQ(requests("GET 12345\n", {}, l), request_error("too big inline request"));
  EXPECT_EQ(requests("GET 123456", {}, l), request_error("too big inline request"));  // no line end needed
  EXPECT_EQ(requests("GET 1234\r", {}, l), commands({}));  // still a full line if LF follows
  EXPECT_EQ(requests("GET 12345", {}, l), request_error("too big inline request"));  // known without LF
  expect_split_invariant<RequestParser, Command>("GET 1234\r\nGET 12345\r\n", l);

  // The default: 64 KiB, without waiting for a line end.
  RequestParser p;
  p.feed(std::string(64 << 10, 'a'));
  EXPECT_TRUE(std::holds_alternative<NeedMore>(p.next()));
  p.feed("a");
  EXPECT_EQ(p.next(), (Parsed<Command>(ProtocolError{"too big inline request"})));
}

TEST(RequestLimits, CommandSize) {
  RespLimits l;
  l.max_buffered_bytes = 3 * (sizeof(std::string) + 4);
  EXPECT_EQ(requests("*3\r\n$4\r\naaaa\r\n$4\r\nbbbb\r\n$4\r\ncccc\r\n", {}, l),
            commands({{"aaaa", "bbbb", "cccc"}}));
  EXPECT_EQ(requests("*3\r\n$4\r\naaaa\r\n$4\r\nbbbb\r\n$5\r\n", {}, l), request_error("too big request"));
  // Empty arguments count too: an argv of empty strings still costs memory.
  l.max_buffered_bytes = 4 * sizeof(std::string);
  EXPECT_EQ(requests("*4\r\n" + repeat("$0\r\n\r\n", 4), {}, l), commands({{"", "", "", ""}}));
  EXPECT_EQ(requests("*5\r\n" + repeat("$0\r\n\r\n", 5), {}, l), request_error("too big request"));
}

TEST(RequestLimits, PipelineOfManyCommandsIsLinear) {
  // 200k commands in one buffer: quadratic consumption would take minutes.
  std::string in;
  const std::string one = encode_command({"INCR", "counter"});
  for (int i = 0; i < 200000; ++i) in += one;
  RequestParser p;
  p.feed(in);
  int n = 0;
  while (std::holds_alternative<Command>(p.next())) ++n;
  EXPECT_EQ(n, 200000);
  EXPECT_EQ(p.buffered_bytes(), 0u);
}

TEST(RequestLimits, SlowLongInlineLineIsScannedOnce) {
  // One byte at a time up to the limit: rescanning the line on every byte
  // would be 2^31 steps.
  RequestParser p;
  const std::string chunk(1, 'a');
  for (std::size_t i = 0; i < (64u << 10); ++i) {
    p.feed(chunk);
    ASSERT_TRUE(std::holds_alternative<NeedMore>(p.next()));
  }
  p.feed("\r\n");
  auto r = p.next();
  ASSERT_TRUE(std::holds_alternative<Command>(r));
  EXPECT_EQ(std::get<Command>(r), Command{std::string(64u << 10, 'a')});
}

// ---------------------------------------------------------------- encoding

TEST(Encode, Replies) {
  EXPECT_EQ(encode_reply(Reply::ok()), "+OK\r\n");
  EXPECT_EQ(encode_reply(Reply::error("ERR no")), "-ERR no\r\n");
  EXPECT_EQ(encode_reply(Reply::integer(-42)), ":-42\r\n");
  EXPECT_EQ(encode_reply(Reply::integer(std::numeric_limits<std::int64_t>::min())), ":-9223372036854775808\r\n");
  EXPECT_EQ(encode_reply(Reply::bulk("a\r\n"_b)), "$3\r\na\r\n\r\n");
  EXPECT_EQ(encode_reply(Reply::bulk("")), "$0\r\n\r\n");
  EXPECT_EQ(encode_reply(Reply::nil()), "$-1\r\n");
  EXPECT_EQ(encode_reply(Reply::array({})), "*0\r\n");
  EXPECT_EQ(encode_reply(Reply::array({Reply::bulk("a"), Reply::nil(), Reply::array({Reply::integer(1)})})),
            "*3\r\n$1\r\na\r\n$-1\r\n*1\r\n:1\r\n");
  std::string out = "x";
  server::encode_reply(Reply::ok(), out);  // appends
  EXPECT_EQ(out, "x+OK\r\n");
}

TEST(Encode, Commands) {
  EXPECT_EQ(encode_command({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  EXPECT_EQ(encode_command({""}), "*1\r\n$0\r\n\r\n");
  std::string out = "x";
  encode_command({"PING"}, out);
  EXPECT_EQ(out, "x*1\r\n$4\r\nPING\r\n");
}

Reply nested(int depth) { return depth == 0 ? Reply::integer(1) : Reply::array({nested(depth - 1)}); }

TEST(Encode, RepliesNestedTooDeepAreRefused) {
  EXPECT_EQ(encode_reply(nested(8)).size(), 8 * 4 + 4u);
  ScopedInvariantHandler throwing(throwing_invariant_handler);
  EXPECT_THROW(encode_reply(nested(9)), InvariantFailure);
}

// ----------------------------------------------------------------- replies

Outcome<Reply> reply_values(std::vector<Reply> r) { return {std::move(r), ""}; }
Outcome<Reply> reply_error(std::string e) { return {{}, std::move(e)}; }

TEST(ReplyParser, EveryKind) {
  EXPECT_EQ(replies("+OK\r\n-ERR x y\r\n:0\r\n:-9223372036854775808\r\n$2\r\n\r\n\r\n$-1\r\n*-1\r\n*0\r\n+\r\n"),
            reply_values({Reply::ok(), Reply::error("ERR x y"), Reply::integer(0),
                          Reply::integer(std::numeric_limits<std::int64_t>::min()), Reply::bulk("\r\n"),
                          Reply::nil(), Reply::nil(), Reply::array({}), Reply::status("")}));
  const std::string in = "*3\r\n*2\r\n:1\r\n$-1\r\n*0\r\n-NOQUORUM\r\n";
  EXPECT_EQ(replies(in),
            reply_values({Reply::array({Reply::array({Reply::integer(1), Reply::nil()}), Reply::array({}),
                                        Reply::error("NOQUORUM")})}));
  expect_split_invariant<ReplyParser, Reply>(in);
}

TEST(ReplyParser, MalformedInputIsAProtocolError) {
  const std::vector<ErrorCase> cases = {
      {"x", "unexpected byte 'x' at start of reply"},
      {"\r\n", "unexpected byte '\\x0d' at start of reply"},
      {"+OK\n", "expected CRLF"},
      {"+O\rK\r\n", "expected CRLF"},
      {"-\n", "expected CRLF"},
      {":\r\n", "invalid integer"},
      {":1.5\r\n", "invalid integer"},
      {":-0\r\n", "invalid integer"},
      {":9223372036854775808\r\n", "invalid integer"},
      {":1\n", "invalid integer"},
      {"$-2\r\n", "invalid bulk length"},
      {"$16777217\r\n", "invalid bulk length"},
      {"$1\r\nabc", "expected CRLF after bulk data"},
      {"*-2\r\n", "invalid array length"},
      {"*65537\r\n", "invalid array length"},
      {"*1\r\n*1\r\n?", "unexpected byte '?' at start of reply"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(replies(c.input), reply_error(c.error)) << ::testing::PrintToString(c.input);
    expect_split_invariant<ReplyParser, Reply>(c.input);
  }
}

TEST(ReplyParser, DepthLimit) {
  EXPECT_EQ(replies(encode_reply(nested(8))), reply_values({nested(8)}));
  EXPECT_EQ(replies(repeat("*1\r\n", 9)), reply_error("array nesting too deep"));
  RespLimits l;
  l.max_depth = 1;
  EXPECT_EQ(replies("*1\r\n*0\r\n", {}, l), reply_error("array nesting too deep"));
  EXPECT_EQ(replies("*1\r\n*-1\r\n", {}, l), reply_values({Reply::array({Reply::nil()})}));
}

TEST(ReplyParser, SizeLimits) {
  RespLimits l;
  l.max_line_bytes = 4;
  EXPECT_EQ(replies("+abcd\r\n", {}, l), reply_values({Reply::status("abcd")}));
  EXPECT_EQ(replies("+abcde\r\n", {}, l), reply_error("line too long"));
  EXPECT_EQ(replies("-abcdefg", {}, l), reply_error("line too long"));  // without waiting for CRLF

  l = {};
  l.max_args = 2;
  EXPECT_EQ(replies("*3\r\n", {}, l), reply_error("invalid array length"));

  l = {};
  l.max_buffered_bytes = sizeof(Reply) * 4;
  EXPECT_EQ(replies("*3\r\n:1\r\n:2\r\n:3\r\n", {}, l),
            reply_values({Reply::array({Reply::integer(1), Reply::integer(2), Reply::integer(3)})}));
  EXPECT_EQ(replies("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n", {}, l), reply_error("too big reply"));
  EXPECT_EQ(replies("*1\r\n$1000\r\n", {}, l), reply_error("too big reply"));
  // A nested flood of empty arrays is counted too.
  EXPECT_EQ(replies("*4\r\n*0\r\n*0\r\n*0\r\n*0\r\n", {}, l), reply_error("too big reply"));
}

TEST(ReplyParser, AnnouncedCountsAreNotReserved) {
  RespLimits l;
  l.max_args = std::numeric_limits<std::size_t>::max();
  ReplyParser p(l);
  p.feed("*9223372036854775807\r\n*9223372036854775807\r\n:1\r\n");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(p.next()));
  EXPECT_FALSE(p.failed());
}

TEST(ReplyParser, AProtocolErrorIsFinal) {
  ReplyParser p;
  p.feed("+OK\r\n!");
  EXPECT_EQ(p.next(), Parsed<Reply>(Reply::ok()));
  EXPECT_EQ(p.next(), Parsed<Reply>(ProtocolError{"unexpected byte '!' at start of reply"}));
  p.feed("+OK\r\n");
  EXPECT_EQ(p.next(), Parsed<Reply>(ProtocolError{"unexpected byte '!' at start of reply"}));
  EXPECT_EQ(p.buffered_bytes(), 0u);
}

// -------------------------------------------------------------- properties

// Any reply, arrays nested at most `depth` deep. Status and error texts are
// arbitrary too: Reply itself folds line breaks into spaces.
rc::Gen<Reply> gen_reply(int depth) {
  using namespace rc;
  auto scalar = gen::oneOf(gen::map(gen::arbitrary<std::string>(), &Reply::status),
                           gen::map(gen::arbitrary<std::string>(), &Reply::error),
                           gen::map(gen::arbitrary<std::int64_t>(), &Reply::integer),
                           gen::map(smr::test::gen_arg(), &Reply::bulk), gen::just(Reply::nil()));
  if (depth == 0) return scalar;
  auto array = gen::map(gen::mapcat(gen::inRange<std::size_t>(0, 5),
                                    [depth](std::size_t n) {
                                      return gen::container<std::vector<Reply>>(n, gen_reply(depth - 1));
                                    }),
                        &Reply::array);
  return gen::weightedOneOf<Reply>({{3, scalar}, {1, array}});
}

rc::Gen<std::vector<std::size_t>> gen_chunks() {
  using namespace rc;
  return gen::nonEmpty(gen::container<std::vector<std::size_t>>(gen::inRange<std::size_t>(1, 20)));
}

rc::Gen<Command> gen_argv() {
  using namespace rc;
  return gen::mapcat(gen::inRange<std::size_t>(1, 8),
                     [](std::size_t n) { return gen::container<Command>(n, smr::test::gen_arg()); });
}

RC_GTEST_PROP(RespProperty, CommandsRoundTrip, ()) {
  const auto cmds = *rc::gen::container<std::vector<Command>>(gen_argv());
  std::string in;
  for (const auto& c : cmds) encode_command(c, in);
  RC_ASSERT(requests(in) == commands(cmds));
  RC_ASSERT(requests(in, *gen_chunks()) == commands(cmds));
}

RC_GTEST_PROP(RespProperty, RepliesRoundTrip, ()) {
  const auto rs = *rc::gen::container<std::vector<Reply>>(gen_reply(smr::kMaxReplyDepth));
  std::string in;
  for (const auto& r : rs) server::encode_reply(r, in);
  RC_ASSERT(replies(in) == reply_values(rs));
  RC_ASSERT(replies(in, *gen_chunks()) == reply_values(rs));
}

TEST(RespProperty, SmallRepliesSplitAnywhere) {
  const std::string in = encode_reply(Reply::array({Reply::bulk("ab\r\n"_b), Reply::error("ERR x"), Reply::nil(),
                                                    Reply::array({Reply::integer(-12), Reply::status("OK")})}));
  expect_split_invariant<ReplyParser, Reply>(in + in);
  EXPECT_EQ(replies(in).values.size(), 1u);
}

// Streams built from valid pieces, plausible mistakes and raw garbage: the
// outcome (including the error) does not depend on how they arrive.
rc::Gen<std::string> gen_stream(bool replies) {
  using namespace rc;
  const std::vector<std::string> request_pieces = {
      "*", "$", "*1\r\n", "*2\r\n", "*0\r\n", "*-1\r\n", "$1\r\n", "$3\r\n", "$0\r\n", "a", "\r\n", "\n", "\r",
      "SET a b", " ", "\"", "'", "\\x41", "-1", "99999999999999999999", "0", "PING\r\n"};
  const std::vector<std::string> reply_pieces = {
      "+", "-", ":", "$", "*", "*1\r\n", "*2\r\n", "*0\r\n", "*-1\r\n", "$-1\r\n", "$1\r\n", "$3\r\n",
      "a", "\r\n", "\n", "\r", "OK", "-1", "1", "0", "99999999999999999999"};
  auto piece = gen::weightedOneOf<std::string>({
      {6, gen::elementOf(replies ? reply_pieces : request_pieces)},
      {1, gen::arbitrary<std::string>()},
  });
  return gen::map(gen::container<std::vector<std::string>>(piece), [](const std::vector<std::string>& ps) {
    std::string s;
    for (const auto& p : ps) s += p;
    return s;
  });
}

RespLimits tiny_limits() {
  RespLimits l;
  l.max_args = 3;
  l.max_bulk_bytes = 8;
  l.max_line_bytes = 12;
  l.max_buffered_bytes = 256;
  l.max_depth = 2;
  return l;
}

RC_GTEST_PROP(RespProperty, RequestOutcomeDoesNotDependOnChunking, ()) {
  const auto in = *gen_stream(false);
  const RespLimits l = *rc::gen::element(RespLimits{}, tiny_limits());
  const auto whole = requests(in, {}, l);
  RC_TAG(whole.error.empty() ? "no error" : "error", whole.values.empty() ? "no command" : "commands");
  RC_ASSERT(requests(in, *gen_chunks(), l) == whole);
  RC_ASSERT(requests(in, {1}, l) == whole);
  for (const auto& c : whole.values) {
    RC_ASSERT(!c.empty());
    RC_ASSERT(requests(encode_command(c)) == commands({c}));
  }
}

RC_GTEST_PROP(RespProperty, ReplyOutcomeDoesNotDependOnChunking, ()) {
  const auto in = *gen_stream(true);
  const RespLimits l = *rc::gen::element(RespLimits{}, tiny_limits());
  const auto whole = replies(in, {}, l);
  RC_TAG(whole.error.empty() ? "no error" : "error", whole.values.empty() ? "no reply" : "replies");
  RC_ASSERT(replies(in, *gen_chunks(), l) == whole);
  RC_ASSERT(replies(in, {1}, l) == whole);
  for (const auto& r : whole.values) RC_ASSERT(replies(encode_reply(r)) == reply_values({r}));
}

}  // namespace
}  // namespace quorum::server
