// Round-trip properties of the peer codec over generated envelopes.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstddef>
#include <string>
#include <variant>

#include "core/codec.h"
#include "frame_builder.h"
#include "generators.h"
#include "printers.h"

namespace quorum {
namespace {

// decode(encode(e)) == e, consuming exactly the encoded frame, even when more
// bytes follow it on the stream.
void check_round_trip(const Envelope& e) {
  const std::string frame = encode_frame(e);
  RC_ASSERT(frame.size() >= kFrameHeaderBytes);

  auto decoded = decode_frame(frame);
  if (!decoded.ok()) {
    RC_FAIL(std::string("decode failed: ") + decode_error_name(decoded.error().kind) + ": " +
            decoded.error().message);
  }
  RC_ASSERT(decoded.value().envelope == e);
  RC_ASSERT(decoded.value().frame_bytes == frame.size());

  auto followed = decode_frame(frame + "QRMP trailing bytes of the next frame");
  RC_ASSERT(followed.ok());
  RC_ASSERT(followed.value().envelope == e);
  RC_ASSERT(followed.value().frame_bytes == frame.size());
}

RC_GTEST_PROP(CodecRoundTrip, AnyEnvelope, (const Envelope& e)) {
  RC_TAG(payload_name(e.payload));
  check_round_trip(e);
}

// Every message type on its own, so each gets a full run of cases rather than
// a small share of them. The type list is the variant itself, so a new message
// type is covered (and needs a generator) as soon as it joins Payload.
template <typename V>
struct AsTypes;
template <typename... Ts>
struct AsTypes<std::variant<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

template <typename M>
class CodecRoundTripPerType : public ::testing::Test {};

// payload_name() is shared across protocols ("Prepare" twice), so the variant
// index keeps test names unique.
struct PayloadTypeName {
  template <typename M>
  static std::string GetName(int index) {
    return std::string(payload_name(Payload(M{}))) + "_" + std::to_string(index);
  }
};

TYPED_TEST_SUITE(CodecRoundTripPerType, AsTypes<Payload>::type, PayloadTypeName);

TYPED_TEST(CodecRoundTripPerType, DecodeOfEncodeIsIdentity) {
  EXPECT_TRUE(rc::check("decode(encode(e)) == e",
                        [](NodeId from, NodeId to, const TypeParam& m) {
                          check_round_trip(Envelope{from, to, m});
                        }));
}

// The encoder follows the documented header layout byte for byte.
RC_GTEST_PROP(CodecRoundTrip, HeaderMatchesDocumentedLayout, (const Envelope& e)) {
  const std::string frame = encode_frame(e);
  RC_ASSERT(frame.compare(0, 4, "QRMP") == 0);
  RC_ASSERT(static_cast<std::uint8_t>(frame[4]) == kWireVersion);
  RC_ASSERT(frame[5] == 0 && frame[6] == 0 && frame[7] == 0);
  RC_ASSERT(test::read_le32(frame, 8) == frame.size() - kFrameHeaderBytes);
  const std::string_view body = std::string_view(frame).substr(kFrameHeaderBytes);
  RC_ASSERT(test::read_le32(frame, 12) == test::frame_checksum(frame, body));
}

// Encoding is a function of the envelope alone (no stray state, no
// non-deterministic field order): needed for byte-identical simulator traces.
RC_GTEST_PROP(CodecRoundTrip, EncodingIsDeterministic, (const Envelope& e)) {
  const Envelope copy = e;
  RC_ASSERT(encode_frame(e) == encode_frame(copy));
}

// A single flipped bit anywhere in a random frame never yields a message.
RC_GTEST_PROP(CodecRoundTrip, RandomBitFlipIsDetected, (const Envelope& e)) {
  std::string frame = encode_frame(e);
  const auto bit = *rc::gen::inRange<std::size_t>(0, frame.size() * 8);
  frame[bit / 8] = static_cast<char>(frame[bit / 8] ^ (1 << (bit % 8)));
  auto decoded = decode_frame(frame);
  RC_ASSERT_FALSE(decoded.ok());
}

}  // namespace
}  // namespace quorum
