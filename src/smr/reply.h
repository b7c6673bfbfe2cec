// Reply: the result of one command, typed like a RESP value (DESIGN.md
// section 5) so the server can write it to a Redis client unchanged:
//
//   status   +OK            simple string, never contains CR or LF
//   error    -ERR ...       text starting with an error word (ERR, NOQUORUM, ...)
//   integer  :42            signed 64-bit
//   bulk     $3 foo         binary-safe string
//   nil      $-1            a missing value (GET of an absent key)
//   array    *2 ...         a list of replies (MGET)
//
// Replies are plain values: comparable, copyable, and deterministic to encode
// (the client table stores the last reply of every session in its snapshot).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace quorum::smr {

namespace bytes {
class Reader;
}

class Reply {
 public:
  enum class Kind : std::uint8_t { kStatus = 0, kError = 1, kInteger = 2, kBulk = 3, kNil = 4, kArray = 5 };

  // A nil reply.
  Reply() = default;

  // Status and error texts are single lines on the wire: CR and LF are
  // replaced by spaces (as Redis does), so a reply can never break framing.
  static Reply status(std::string text);
  static Reply ok() { return status("OK"); }
  static Reply error(std::string text);
  static Reply integer(std::int64_t v);
  static Reply bulk(std::string data);
  static Reply nil() { return Reply(); }
  static Reply array(std::vector<Reply> elements);

  Kind kind() const { return kind_; }
  bool is_status() const { return kind_ == Kind::kStatus; }
  bool is_error() const { return kind_ == Kind::kError; }
  bool is_integer() const { return kind_ == Kind::kInteger; }
  bool is_bulk() const { return kind_ == Kind::kBulk; }
  bool is_nil() const { return kind_ == Kind::kNil; }
  bool is_array() const { return kind_ == Kind::kArray; }

  // The text of a status or error, or the data of a bulk string (asserted).
  const std::string& str() const;
  std::int64_t integer_value() const;          // asserted: is_integer()
  const std::vector<Reply>& elements() const;  // asserted: is_array()

  friend bool operator==(const Reply& a, const Reply& b);
  friend bool operator!=(const Reply& a, const Reply& b) { return !(a == b); }

  // Short one-line rendering in the style of redis-cli:
  //   OK | (error) ERR syntax error | (integer) 3 | "v\x00" | (nil) | ["a", (nil)]
  // Bulk strings are quoted and escaped, and long ones are abbreviated.
  std::string to_string() const;

 private:
  Kind kind_ = Kind::kNil;
  std::int64_t int_ = 0;
  std::string str_;
  std::vector<Reply> elements_;
};

std::ostream& operator<<(std::ostream& os, const Reply& r);
void PrintTo(const Reply& r, std::ostream* os);  // GoogleTest

const char* kind_name(Reply::Kind kind);

// Deterministic binary encoding of a reply (used inside snapshots):
//   u8 kind, then: status/error/bulk -> varint length + bytes;
//   integer -> zigzag varint; nil -> nothing; array -> varint count + elements.
// Arrays nest at most kMaxReplyDepth deep (asserted when encoding, checked when
// decoding); all other lengths are validated against the input.
inline constexpr int kMaxReplyDepth = 8;
void encode_reply(const Reply& r, std::string& out);
// Decodes one reply from the reader. Returns false on malformed or truncated
// input (including a status or error containing CR or LF).
bool decode_reply(bytes::Reader& in, Reply& out);

}  // namespace quorum::smr
