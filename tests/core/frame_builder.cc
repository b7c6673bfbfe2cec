#include "frame_builder.h"

#include <zlib.h>

namespace quorum::test {
namespace {

void append_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t crc_of(std::uint32_t crc, std::string_view bytes) {
  return static_cast<std::uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

}  // namespace

std::uint32_t frame_checksum(std::string_view header12, std::string_view body) {
  return crc_of(crc_of(0, header12.substr(0, 12)), body);
}

std::uint32_t read_le32(std::string_view bytes, std::size_t offset) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    v |= std::uint32_t{static_cast<unsigned char>(bytes.at(offset + i))} << (8 * i);
  }
  return v;
}

std::string build_frame(std::string_view body, const RawHeader& header) {
  std::string frame(header.magic.data(), header.magic.size());
  frame.push_back(static_cast<char>(header.version));
  for (std::uint8_t r : header.reserved) frame.push_back(static_cast<char>(r));
  append_le32(frame, header.length.value_or(static_cast<std::uint32_t>(body.size())));
  append_le32(frame, header.crc.value_or(frame_checksum(frame, body)));
  frame.append(body);
  return frame;
}

std::string build_frame(const wire::Envelope& envelope, const RawHeader& header) {
  return build_frame(envelope.SerializeAsString(), header);
}

}  // namespace quorum::test
