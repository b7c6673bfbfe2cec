#include "smr/bytes.h"

#include <zlib.h>

namespace quorum::smr::bytes {

void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }

void put_u32le(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

bool Reader::u8(std::uint8_t& v) {
  if (remaining() < 1) return false;
  v = static_cast<std::uint8_t>(in_[pos_++]);
  return true;
}

bool Reader::u32le(std::uint32_t& v) {
  if (remaining() < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= std::uint32_t{static_cast<unsigned char>(in_[pos_ + static_cast<std::size_t>(i)])} << (8 * i);
  }
  pos_ += 4;
  return true;
}

bool Reader::varint(std::uint64_t& v) {
  std::uint64_t result = 0;
  std::size_t p = pos_;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= in_.size()) return false;
    const auto b = static_cast<std::uint8_t>(in_[p++]);
    // The 10th byte may only carry the top bit of a 64-bit value.
    if (shift == 63 && b > 1) return false;
    result |= std::uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) {
      // Canonical form: no trailing zero byte (except the value 0 itself).
      if (b == 0 && shift > 0) return false;
      v = result;
      pos_ = p;
      return true;
    }
  }
  return false;
}

bool Reader::raw(std::size_t n, std::string_view& v) {
  if (remaining() < n) return false;
  v = in_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::string(std::size_t max_len, std::string_view& v) {
  const std::size_t start = pos_;
  std::uint64_t len = 0;
  if (!varint(len) || len > max_len || len > remaining()) {
    pos_ = start;
    return false;
  }
  return raw(static_cast<std::size_t>(len), v);
}

std::uint32_t crc32(std::string_view data) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large inputs in chunks.
  while (!data.empty()) {
    const std::size_t n = data.size() < (1u << 30) ? data.size() : (1u << 30);
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<std::uint32_t>(crc);
}

void seal(std::string& out) { put_u32le(out, crc32(out)); }

bool unseal(std::string_view sealed, std::string_view& body) {
  if (sealed.size() < 4) return false;
  body = sealed.substr(0, sealed.size() - 4);
  Reader r(sealed.substr(sealed.size() - 4));
  std::uint32_t want = 0;
  r.u32le(want);
  return crc32(body) == want;
}

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void Hasher::word(std::uint64_t w) {
  h_ ^= w;
  h_ *= 0x9e3779b97f4a7c15ULL;
  h_ ^= h_ >> 29;
}

Hasher& Hasher::u64(std::uint64_t v) {
  word(v);
  return *this;
}

Hasher& Hasher::bytes(std::string_view s) {
  word(s.size());
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w = 0;
    for (int b = 0; b < 8; ++b) w |= std::uint64_t{static_cast<unsigned char>(s[i + b])} << (8 * b);
    word(w);
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    for (int b = 0; i + b < s.size(); ++b) w |= std::uint64_t{static_cast<unsigned char>(s[i + b])} << (8 * b);
    word(w);
  }
  return *this;
}

}  // namespace quorum::smr::bytes
