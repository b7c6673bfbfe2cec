// libFuzzer target for the peer frame decoder, the first code that touches
// bytes from the network. Beyond "no crash, no sanitizer report", it checks
// that whatever the decoder accepts is something quorum itself could have
// sent: re-encoding it succeeds, decodes to the same envelope, and the
// encoding is a fixed point (so two replicas never disagree about a message).
//
// Input: one mode byte, then the frame. Random mutations almost never keep the
// CRC right, so without help the fuzzer would only ever exercise the header
// checks; the mode byte lets it ask for the length and/or CRC to be repaired
// first, which carries mutated bodies through to the protobuf parser and the
// field validation. Mode 0 feeds the frame untouched.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "core/codec.h"

namespace {

constexpr std::uint8_t kFixLength = 1;
constexpr std::uint8_t kFixChecksum = 2;

void put_le32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint32_t get_le32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

// Repairs header fields as the mode asks; anything it cannot repair (a
// length pointing past the input) is left for the decoder to reject.
void repair(char* frame, std::size_t size, std::uint8_t mode) {
  if (size < quorum::kFrameHeaderBytes) return;
  const std::size_t available = size - quorum::kFrameHeaderBytes;
  if (mode & kFixLength) put_le32(frame + 8, static_cast<std::uint32_t>(available));
  const std::uint32_t len = get_le32(frame + 8);
  if ((mode & kFixChecksum) && len <= available) {
    const auto* bytes = reinterpret_cast<const Bytef*>(frame);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, bytes, 12);
    crc = crc32(crc, bytes + quorum::kFrameHeaderBytes, static_cast<uInt>(len));
    put_le32(frame + 12, static_cast<std::uint32_t>(crc));
  }
}

[[noreturn]] void fail(const char* what, const quorum::Envelope& e) {
  std::fprintf(stderr, "codec_fuzz: %s: %s\n", what, quorum::describe(e).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // An exactly sized heap copy (not a std::string, whose spare capacity ASan
  // does not poison), so any read past the frame is reported.
  const std::size_t frame_size = size - 1;
  auto frame = std::make_unique<char[]>(frame_size);
  std::memcpy(frame.get(), data + 1, frame_size);
  repair(frame.get(), frame_size, data[0]);
  const std::string_view input(frame.get(), frame_size);

  auto first = quorum::decode_frame(input);
  if (!first.ok()) return 0;
  const quorum::Envelope& envelope = first.value().envelope;
  const std::size_t consumed = first.value().frame_bytes;
  if (consumed < quorum::kFrameHeaderBytes || consumed > input.size()) {
    fail("frame_bytes outside the input", envelope);
  }

  // encode_frame asserts its own limits; an abort there means the decoder
  // let through an envelope the encoder considers invalid.
  const std::string again = quorum::encode_frame(envelope);
  auto second = quorum::decode_frame(again);
  if (!second.ok()) fail("re-encoded frame does not decode", envelope);
  if (!(second.value().envelope == envelope)) fail("round trip changed the envelope", envelope);
  if (second.value().frame_bytes != again.size()) {
    fail("re-encoded frame not fully consumed", envelope);
  }
  if (quorum::encode_frame(second.value().envelope) != again) {
    fail("encoding is not a fixed point", envelope);
  }
  return 0;
}
