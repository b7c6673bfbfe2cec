#include "storage/encoding.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
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

std::string hex_file_name(std::string_view prefix, std::uint64_t value, std::string_view suffix) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return std::string(prefix) + buf + std::string(suffix);
}

bool parse_hex_file_name(std::string_view name, std::string_view prefix, std::string_view suffix,
                         std::uint64_t* value) {
  if (name.size() != prefix.size() + 16 + suffix.size()) return false;
  if (name.substr(0, prefix.size()) != prefix || name.substr(name.size() - suffix.size()) != suffix) {
    return false;
  }
  std::uint64_t v = 0;
  for (const char c : name.substr(prefix.size(), 16)) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  *value = v;
  return true;
}

}  // namespace quorum::storage::encoding
