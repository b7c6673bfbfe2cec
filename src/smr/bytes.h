// Byte-level helpers shared by the smr encodings (commands, batches, replies,
// snapshots): LEB128 varints, a bounds-checked reader, CRC-32 and a 64-bit
// digest hash. Everything here is deterministic and platform-independent
// (explicit little-endian, no host byte order, no std::hash).
//
// Varints are canonical: the decoder rejects over-long encodings (a trailing
// zero byte) and values above 2^64 - 1, so every byte string that decodes
// re-encodes to exactly itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace quorum::smr::bytes {

void put_u8(std::string& out, std::uint8_t v);
void put_u32le(std::string& out, std::uint32_t v);
void put_varint(std::string& out, std::uint64_t v);
// A varint length followed by the bytes.
void put_string(std::string& out, std::string_view s);
std::size_t varint_size(std::uint64_t v);

// Reads from a borrowed buffer; every read checks the remaining length and
// returns false (consuming nothing useful) when the input is too short or
// malformed. Callers turn false into a specific error message.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool u8(std::uint8_t& v);
  bool u32le(std::uint32_t& v);
  bool varint(std::uint64_t& v);
  // A varint length (<= max_len and <= remaining()) followed by the bytes.
  bool string(std::size_t max_len, std::string_view& v);
  bool raw(std::size_t n, std::string_view& v);

  std::size_t remaining() const { return in_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

// zlib CRC-32 of `data`.
std::uint32_t crc32(std::string_view data);

// Appends the CRC-32 of everything in `out` so far (4 bytes, little-endian).
void seal(std::string& out);
// Checks a buffer produced by seal(); on success `body` is the part before the
// checksum.
bool unseal(std::string_view sealed, std::string_view& body);

// 64-bit digests: eight bytes at a time (little-endian words, the tail
// zero-padded after a length prefix), each folded in with a multiply and a
// shift, finished with the splitmix64 mixer. Not cryptographic; used only to
// compare replicas cheaply, but on every write, so it must be fast.
std::uint64_t mix64(std::uint64_t x);
class Hasher {
 public:
  Hasher& bytes(std::string_view s);  // length-prefixed, so fields never run together
  Hasher& u64(std::uint64_t v);
  std::uint64_t finish() const { return mix64(h_); }

 private:
  void word(std::uint64_t w);
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace quorum::smr::bytes
