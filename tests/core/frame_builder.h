// Builds peer frames by hand from the layout documented in core/codec.h,
// independently of the encoder, so tests can make frames the encoder would
// refuse to produce (bad header fields, ids out of range, oversized values,
// bodies that are not protobuf).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/codec.h"
#include "core/proto/wire.pb.h"

namespace quorum::test {

struct RawHeader {
  std::array<char, 4> magic{'Q', 'R', 'M', 'P'};
  std::uint8_t version = kWireVersion;
  std::array<std::uint8_t, 3> reserved{0, 0, 0};
  std::optional<std::uint32_t> length;  // unset: the body's real length
  std::optional<std::uint32_t> crc;     // unset: the correct checksum
};

// Header (with a correct CRC unless overridden) followed by `body`.
std::string build_frame(std::string_view body, const RawHeader& header = {});
std::string build_frame(const wire::Envelope& envelope, const RawHeader& header = {});

// Little-endian u32 at `offset`.
std::uint32_t read_le32(std::string_view bytes, std::size_t offset);

// CRC-32 (zlib) of header bytes [0, 12) followed by the body, as documented.
std::uint32_t frame_checksum(std::string_view header12, std::string_view body);

}  // namespace quorum::test
