#include "smr/reply.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "smr/bytes.h"
#include "smr_test_util.h"

namespace quorum::smr {
namespace {

TEST(Reply, KindsAndAccessors) {
  EXPECT_TRUE(Reply::ok().is_status());
  EXPECT_EQ(Reply::ok().str(), "OK");
  EXPECT_TRUE(Reply::error("ERR x").is_error());
  EXPECT_EQ(Reply::integer(-7).integer_value(), -7);
  EXPECT_EQ(Reply::bulk(std::string("a\0b", 3)).str(), std::string("a\0b", 3));
  EXPECT_TRUE(Reply().is_nil());
  EXPECT_TRUE(Reply::nil().is_nil());
  EXPECT_EQ(Reply::array({Reply::nil(), Reply::integer(1)}).elements().size(), 2u);
}

TEST(Reply, Equality) {
  EXPECT_EQ(Reply::ok(), Reply::status("OK"));
  EXPECT_NE(Reply::status("OK"), Reply::bulk("OK"));
  EXPECT_NE(Reply::error("OK"), Reply::status("OK"));
  EXPECT_NE(Reply::integer(0), Reply::nil());
  EXPECT_NE(Reply::bulk(""), Reply::nil());
  EXPECT_EQ(Reply::array({Reply::bulk("a"), Reply::nil()}), Reply::array({Reply::bulk("a"), Reply::nil()}));
  EXPECT_NE(Reply::array({Reply::bulk("a"), Reply::nil()}), Reply::array({Reply::bulk("a")}));
  EXPECT_NE(Reply::array({}), Reply::nil());
}

TEST(Reply, StatusAndErrorAreSingleLines) {
  EXPECT_EQ(Reply::error("ERR a\r\nb").str(), "ERR a  b");
  EXPECT_EQ(Reply::status("x\ny").str(), "x y");
  EXPECT_EQ(Reply::bulk("x\ny").str(), "x\ny");  // bulk strings are binary-safe
}

TEST(Reply, Rendering) {
  EXPECT_EQ(Reply::ok().to_string(), "OK");
  EXPECT_EQ(Reply::error("ERR syntax error").to_string(), "(error) ERR syntax error");
  EXPECT_EQ(Reply::integer(-3).to_string(), "(integer) -3");
  EXPECT_EQ(Reply::bulk("v").to_string(), "\"v\"");
  EXPECT_EQ(Reply::bulk(std::string("a\"\\\n\0\xff", 6)).to_string(), "\"a\\\"\\\\\\n\\x00\\xff\"");
  EXPECT_EQ(Reply::nil().to_string(), "(nil)");
  EXPECT_EQ(Reply::array({}).to_string(), "(empty array)");
  EXPECT_EQ(Reply::array({Reply::bulk("a"), Reply::nil()}).to_string(), "[\"a\", (nil)]");
  EXPECT_EQ(Reply::bulk(std::string(100, 'x')).to_string(), "\"" + std::string(64, 'x') + "\"...(100 bytes)");
}

std::string encode(const Reply& r) {
  std::string out;
  encode_reply(r, out);
  return out;
}

bool decode_all(std::string_view bytes_in, Reply& out) {
  bytes::Reader in(bytes_in);
  return decode_reply(in, out) && in.done();
}

TEST(Reply, EncodingRoundTrips) {
  const Reply cases[] = {
      Reply::ok(),
      Reply::error("ERR x"),
      Reply::integer(0),
      Reply::integer(-1),
      Reply::integer(std::numeric_limits<std::int64_t>::min()),
      Reply::integer(std::numeric_limits<std::int64_t>::max()),
      Reply::bulk(std::string("\0\x01", 2)),
      Reply::nil(),
      Reply::array({}),
      Reply::array({Reply::bulk("a"), Reply::nil(), Reply::array({Reply::integer(5)})}),
  };
  for (const auto& r : cases) {
    Reply back = Reply::bulk("sentinel");
    ASSERT_TRUE(decode_all(encode(r), back)) << r;
    EXPECT_EQ(back, r);
  }
}

TEST(Reply, DecodeRejectsGarbage) {
  Reply r;
  EXPECT_FALSE(decode_all("", r));
  EXPECT_FALSE(decode_all("\x09", r));                           // unknown kind
  EXPECT_FALSE(decode_all(std::string("\x00\x05OK", 4), r));     // truncated text
  EXPECT_FALSE(decode_all(std::string("\x01\x03" "a\nb", 5), r));  // error with a line break
  EXPECT_FALSE(decode_all("\x05\x7f", r));                       // array count beyond the input
  // Every strict prefix of a valid encoding is rejected.
  const std::string full = encode(Reply::array({Reply::bulk("abc"), Reply::integer(300), Reply::nil()}));
  for (std::size_t n = 0; n < full.size(); ++n) EXPECT_FALSE(decode_all(full.substr(0, n), r)) << n;
}

TEST(Reply, NestingDepthIsBounded) {
  Reply deep = Reply::nil();
  for (int i = 0; i < kMaxReplyDepth; ++i) deep = Reply::array({deep});
  Reply back;
  ASSERT_TRUE(decode_all(encode(deep), back));
  EXPECT_EQ(back, deep);
  // One more level than allowed, written by hand: rejected, no deep recursion.
  std::string too_deep;
  for (int i = 0; i <= kMaxReplyDepth; ++i) too_deep += "\x05\x01";
  too_deep += "\x04";
  EXPECT_FALSE(decode_all(too_deep, back));
  std::string very_deep;
  for (int i = 0; i < 100000; ++i) very_deep += "\x05\x01";
  EXPECT_FALSE(decode_all(very_deep, back));
}

}  // namespace
}  // namespace quorum::smr
