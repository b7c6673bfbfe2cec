#include "smr/command.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "core/limits.h"
#include "smr_test_util.h"

namespace quorum::smr {
namespace {

using test::gen_request;

RC_GTEST_PROP(CommandCodec, RequestRoundTrips, ()) {
  const ClientRequest request = *gen_request();
  const std::string bytes = encode_request(request);
  RC_ASSERT(bytes.size() == 1 + encoded_size(request));
  const auto back = decode_request(bytes);
  RC_ASSERT(back.ok());
  RC_ASSERT(back.value() == request);
}

RC_GTEST_PROP(CommandCodec, BatchRoundTrips, ()) {
  const auto batch = *rc::gen::resize(40, rc::gen::container<Batch>(gen_request()));
  const std::string bytes = encode_batch(batch);
  std::size_t size = batch_header_size(batch.size());
  for (const auto& r : batch) size += encoded_size(r);
  RC_ASSERT(bytes.size() == size);
  const auto back = decode_batch(bytes);
  RC_ASSERT(back.ok());
  RC_ASSERT(back.value() == batch);
}

// Arbitrary bytes never crash the decoders, and whatever decodes re-encodes to
// exactly the same bytes (the encoding is canonical).
RC_GTEST_PROP(CommandCodec, GarbageNeverCrashesAndDecodedIsCanonical, (const std::string& garbage)) {
  for (const std::string& input : {garbage, std::string("\x01") + garbage}) {
    const auto request = decode_request(input);
    if (request.ok()) RC_ASSERT(encode_request(request.value()) == input);
    const auto batch = decode_batch(input);
    if (batch.ok()) RC_ASSERT(encode_batch(batch.value()) == input);
  }
}

// Single-byte mutations of valid encodings: no crash, canonical if accepted.
RC_GTEST_PROP(CommandCodec, MutatedEncodingsNeverCrash, ()) {
  const auto batch = *rc::gen::resize(10, rc::gen::container<Batch>(gen_request()));
  std::string bytes = encode_batch(batch);
  const auto pos = *rc::gen::inRange<std::size_t>(0, bytes.size());
  bytes[pos] = static_cast<char>(*rc::gen::arbitrary<unsigned char>());
  const auto back = decode_batch(bytes);
  if (back.ok()) RC_ASSERT(encode_batch(back.value()) == bytes);
}

TEST(CommandCodec, EveryTruncationIsRejected) {
  const ClientRequest request{7, 300, {"SET", "key", std::string(200, 'v')}};
  const std::string req = encode_request(request);
  for (std::size_t n = 0; n < req.size(); ++n) {
    EXPECT_FALSE(decode_request(req.substr(0, n)).ok()) << n;
  }
  const std::string batch = encode_batch({request, {0, 0, {"GET", "k"}}});
  for (std::size_t n = 0; n < batch.size(); ++n) {
    EXPECT_FALSE(decode_batch(batch.substr(0, n)).ok()) << n;
  }
}

TEST(CommandCodec, EmptyBatchIsANoOpSlot) {
  const std::string bytes = encode_batch({});
  EXPECT_EQ(bytes, std::string("\x01\x00", 2));
  ASSERT_TRUE(decode_batch(bytes).ok());
  EXPECT_TRUE(decode_batch(bytes).value().empty());
}

TEST(CommandCodec, KnownEncoding) {
  // version, client 1, request 300 (varint ac 02), argc 2, "GET", "k"
  const std::string want("\x01\x01\xac\x02\x02\x03GET\x01k", 11);
  EXPECT_EQ(encode_request({1, 300, {"GET", "k"}}), want);
}

std::string error_of(std::string_view bytes) {
  const auto r = decode_request(bytes);
  return r.ok() ? "<ok>" : r.error();
}

std::string batch_error_of(std::string_view bytes) {
  const auto r = decode_batch(bytes);
  return r.ok() ? "<ok>" : r.error();
}

TEST(CommandCodec, ErrorsNameTheProblem) {
  using std::string;
  EXPECT_EQ(error_of(""), "request: empty request");
  EXPECT_EQ(error_of("\x02"), "request: unknown request encoding version 2");
  EXPECT_EQ(error_of(string("\x01\x01\x01\x00", 4)), "request: empty command");
  EXPECT_EQ(error_of(string("\x01\x01\x01\x81\x08", 5)), "request: argument count 1025 exceeds the limit of 1024");
  EXPECT_EQ(error_of(string("\x01\x01\x01\x05\x00", 5)), "request: argument count 5 exceeds the input");
  EXPECT_EQ(error_of(string("\x01\x01\x01\x01\x05" "ab", 7)), "request: argument 0 at offset 4 is truncated");
  // A length above the value limit is refused before looking at the input.
  EXPECT_EQ(error_of(string("\x01\x01\x01\x01\x81\x80\x40", 7)),
            "request: argument 0 is 1048577 bytes, more than the limit of 1048576");
  EXPECT_EQ(error_of(string("\x01\x01\x01\x01\x01" "ax", 7)), "request: 1 trailing bytes");
  // Over-long varint (0 written as two bytes) and an 11-byte varint.
  EXPECT_EQ(error_of(string("\x01\x80\x00\x01\x01\x01", 6)), "request: truncated or malformed client id");
  EXPECT_EQ(error_of(string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11)),
            "request: truncated or malformed client id");
  EXPECT_EQ(batch_error_of(string("\x01\x81\x08", 3)), "batch: request count 1025 exceeds the limit of 1024");
  EXPECT_EQ(batch_error_of(string("\x01\x80\x08", 3)), "batch: request count 1024 exceeds the input");
  EXPECT_EQ(batch_error_of(string("\x01\x01\x01\x01\x01\x01x\x00\x00\x00", 10)), "batch: 3 trailing bytes");
  EXPECT_EQ(batch_error_of(string("\x01\x02\x01\x01\x01\x01x\x00\x00\x00\x00", 11)),
            "batch: request 1: empty command");
}

TEST(CommandCodec, LargestValuesRoundTrip) {
  ClientRequest request{~std::uint64_t{0}, ~std::uint64_t{0},
                        {"SET", std::string(limits::kMaxValueBytes, 'k'), std::string(limits::kMaxValueBytes, 'v')}};
  const auto back = decode_request(encode_request(request));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back.value(), request);
  Command many(kMaxCommandArgs, "k");
  many[0] = "MGET";
  EXPECT_TRUE(decode_request(encode_request({1, 1, many})).ok());
}

TEST(CommandCodec, LimitErrors) {
  EXPECT_EQ(command_limit_error({}), "empty command");
  EXPECT_EQ(command_limit_error(Command(kMaxCommandArgs + 1, "x")), "too many arguments (1025, the limit is 1024)");
  EXPECT_EQ(command_limit_error({"SET", "k", std::string(limits::kMaxValueBytes + 1, 'v')}),
            "argument too long (1048577 bytes, the limit is 1048576)");
  EXPECT_EQ(command_limit_error({"SET", "k", std::string(limits::kMaxValueBytes, 'v')}), std::nullopt);
}

TEST(Command, ReadOnly) {
  EXPECT_TRUE(is_read_only({"GET", "k"}));
  EXPECT_TRUE(is_read_only({"get", "k"}));
  EXPECT_TRUE(is_read_only({"mGeT", "a", "b"}));
  EXPECT_TRUE(is_read_only({"exists", "a"}));
  EXPECT_TRUE(is_read_only({"GET"}));  // wrong arity, but still cannot write
  EXPECT_FALSE(is_read_only({}));
  EXPECT_FALSE(is_read_only({"SET", "k", "v"}));
  EXPECT_FALSE(is_read_only({"INCR", "k"}));
  EXPECT_FALSE(is_read_only({"DEL", "k"}));
  EXPECT_FALSE(is_read_only({"GETSET", "k", "v"}));
  EXPECT_FALSE(is_read_only({"FOO"}));
}

TEST(Command, NameAndDescribe) {
  EXPECT_EQ(command_name({"sEt", "k"}), "SET");
  EXPECT_EQ(command_name({}), "");
  EXPECT_EQ(describe({7, 3, {"set", "k", std::string("v\0", 2)}}), "7#3 SET \"k\" \"v\\x00\"");
}

}  // namespace
}  // namespace quorum::smr
