// The peer wire codec: one frame per message.
//
// Frame layout (little-endian):
//   offset size field
//   0      4    magic "QRMP"
//   4      1    version (kWireVersion)
//   5      3    reserved, zero
//   8      4    body length in bytes (<= the decoder's limit)
//   12     4    CRC-32 (zlib polynomial) of bytes [0, 12) followed by the body
//   16     n    body: a quorum.wire.Envelope protobuf (core/proto/wire.proto)
//
// The header is checked before the body is read, so a peer announcing a huge
// frame is refused without buffering it. The body schema is protobuf so that
// fields can be added without breaking older replicas. Decoding validates
// every field a core relies on (node ids in range, bounded values), so a core
// never sees a malformed message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/limits.h"
#include "core/message.h"
#include "core/result.h"

namespace quorum {

inline constexpr std::uint8_t kWireVersion = 1;
inline constexpr std::size_t kFrameHeaderBytes = 16;

enum class DecodeErrorKind {
  kNeedMore,     // not an error on a stream: wait for more bytes
  kBadMagic,     // not a quorum peer, or the stream lost sync
  kBadVersion,   // a peer speaking a version this binary does not know
  kTooLarge,     // announced body larger than the limit
  kBadChecksum,  // bytes corrupted in flight or on disk
  kMalformed,    // the body does not parse
  kInvalid,      // parses, but a field is out of range or missing
};

struct DecodeError {
  DecodeErrorKind kind;
  std::string message;
};

struct DecodedFrame {
  Envelope envelope;
  std::size_t frame_bytes;  // bytes consumed from the input
};

const char* decode_error_name(DecodeErrorKind kind);

// Encodes one frame. The envelope must satisfy the same limits the decoder
// checks (asserted): quorum never sends what it would refuse to receive.
std::string encode_frame(const Envelope& envelope);

// Decodes the frame at the start of `bytes`.
Result<DecodedFrame, DecodeError> decode_frame(
    std::string_view bytes, std::size_t max_body_bytes = limits::kMaxFrameBodyBytes);

}  // namespace quorum
