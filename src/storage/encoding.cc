#include "storage/encoding.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace quorum::storage::encoding {

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  return static_cast<std::uint32_t>(
      ::crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

bool all_zero(std::string_view bytes) {
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    if (w != 0) return false;
  }
  return std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(i), bytes.end(),
                     [](char c) { return c == 0; });
}

}  // namespace quorum::storage::encoding
