// Little-endian fixed-width integers and CRC-32 for the storage formats.
// Internal to storage/ (wal.cc, snapshot_file.cc) and its tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace quorum::storage::encoding {

inline void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void store_u32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline void store_u64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// zlib's CRC-32, continued from `crc` (0 to start).
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

// True if every byte of `bytes` is zero.
bool all_zero(std::string_view bytes);

// File names of the form <prefix><16 lower-case hex digits><suffix>, so that
// names sort in numeric order (WAL segments, snapshot files).
std::string hex_file_name(std::string_view prefix, std::uint64_t value, std::string_view suffix);
// Parses such a name; false if `name` does not have exactly that form.
bool parse_hex_file_name(std::string_view name, std::string_view prefix, std::string_view suffix,
                         std::uint64_t* value);

}  // namespace quorum::storage::encoding
