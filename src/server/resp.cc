#include "server/resp.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>

#include "core/assert.h"

namespace quorum::server {
namespace {

// A `*count`, `$len` or `:int` line: type byte, optional '-', at most 19
// digits, \r. Nothing valid is longer, so a longer line is rejected at once
// instead of being buffered up to max_line_bytes.
constexpr std::size_t kMaxHeaderBytes = 32;
// Consumed bytes are dropped from the front of the buffer only past this.
constexpr std::size_t kCompactMinBytes = 4096;
// An idle connection gives back a buffer grown by one large message.
constexpr std::size_t kKeepCapacityBytes = 1 << 20;
// The announced element count is untrusted: reserve at most this many up
// front and let the vector grow as elements actually arrive.
constexpr std::size_t kMaxReserve = 64;

// Canonical decimal, as Redis' string2ll accepts: no '+', no leading zeros,
// no "-0", fits in int64.
std::optional<std::int64_t> parse_i64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  const std::string_view digits = s[0] == '-' ? s.substr(1) : s;
  if (digits.empty() || (digits[0] == '0' && s.size() != 1)) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

struct Header {
  enum class Status { kOk, kIncomplete, kBad } status;
  std::int64_t value = 0;
  std::size_t bytes = 0;  // the whole line, \r\n included
};

// The number on the header line at the start of `in` (after the type byte).
Header read_header(detail::InputBuffer& in) {
  const auto line = in.line(kMaxHeaderBytes);
  using S = detail::InputBuffer::Line::Status;
  if (line.status == S::kIncomplete) return {Header::Status::kIncomplete};
  if (line.status == S::kTooLong) return {Header::Status::kBad};
  const std::string_view text = line.text;
  if (text.size() < 2 || text.back() != '\r') return {Header::Status::kBad};
  const auto v = parse_i64(text.substr(1, text.size() - 2));
  if (!v) return {Header::Status::kBad};
  return {Header::Status::kOk, *v, text.size() + 1};
}

// A byte for an error message that must stay one printable line.
std::string printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u > 0x20 && u < 0x7f) return std::string(1, c);
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string{'\\', 'x', kHex[u >> 4], kHex[u & 0xf]};
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

enum class SplitError { kNone, kUnbalancedQuotes, kTooManyArgs };

// Redis' sdssplitargs over a length-delimited line (see the RequestParser
// comment for the rules).
SplitError split_inline(std::string_view line, std::size_t max_args, smr::Command& out) {
  std::size_t i = 0;
  const std::size_t n = line.size();
  auto at = [&](std::size_t k) { return k < n ? line[k] : '\0'; };
  for (;;) {
    while (i < n && is_space(line[i])) ++i;
    if (i == n) return SplitError::kNone;
    if (out.size() == max_args) return SplitError::kTooManyArgs;
    std::string word;
    bool in_double = false;
    bool in_single = false;
    for (bool done = false; !done;) {
      if (in_double) {
        if (i == n) return SplitError::kUnbalancedQuotes;
        if (line[i] == '\\' && at(i + 1) == 'x' && i + 3 < n && hex_value(line[i + 2]) >= 0 &&
            hex_value(line[i + 3]) >= 0) {
          word.push_back(static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          switch (line[i]) {
            case 'n': word.push_back('\n'); break;
            case 'r': word.push_back('\r'); break;
            case 't': word.push_back('\t'); break;
            case 'b': word.push_back('\b'); break;
            case 'a': word.push_back('\a'); break;
            default: word.push_back(line[i]); break;
          }
        } else if (line[i] == '"') {
          if (i + 1 < n && !is_space(line[i + 1])) return SplitError::kUnbalancedQuotes;
          done = true;
        } else {
          word.push_back(line[i]);
        }
      } else if (in_single) {
        if (i == n) return SplitError::kUnbalancedQuotes;
        if (line[i] == '\\' && at(i + 1) == '\'') {
          ++i;
          word.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !is_space(line[i + 1])) return SplitError::kUnbalancedQuotes;
          done = true;
        } else {
          word.push_back(line[i]);
        }
      } else if (i == n || is_space(line[i])) {
        done = true;
      } else if (line[i] == '"') {
        in_double = true;
      } else if (line[i] == '\'') {
        in_single = true;
      } else {
        word.push_back(line[i]);
      }
      if (i < n) ++i;
    }
    out.push_back(std::move(word));
  }
}

void append_header(char type, std::int64_t n, std::string& out) {
  out.push_back(type);
  out += std::to_string(n);
  out += "\r\n";
}

void append_bulk(std::string_view data, std::string& out) {
  append_header('$', static_cast<std::int64_t>(data.size()), out);
  out += data;
  out += "\r\n";
}

void encode_at_depth(const smr::Reply& r, int depth, std::string& out) {
  switch (r.kind()) {
    case smr::Reply::Kind::kStatus:
      out.push_back('+');
      out += r.str();
      out += "\r\n";
      return;
    case smr::Reply::Kind::kError:
      out.push_back('-');
      out += r.str();
      out += "\r\n";
      return;
    case smr::Reply::Kind::kInteger:
      append_header(':', r.integer_value(), out);
      return;
    case smr::Reply::Kind::kBulk:
      append_bulk(r.str(), out);
      return;
    case smr::Reply::Kind::kNil:
      out += "$-1\r\n";
      return;
    case smr::Reply::Kind::kArray:
      QUORUM_ASSERT(depth < smr::kMaxReplyDepth, "reply nests deeper than kMaxReplyDepth");
      append_header('*', static_cast<std::int64_t>(r.elements().size()), out);
      for (const auto& e : r.elements()) encode_at_depth(e, depth + 1, out);
      return;
  }
  QUORUM_ASSERT(false, "unknown reply kind");
}

}  // namespace

// --- InputBuffer ---

namespace detail {

void InputBuffer::append(std::string_view bytes) {
  if (pos_ == buf_.size()) {
    clear();
  } else if (pos_ >= kCompactMinBytes && pos_ * 2 >= buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

void InputBuffer::consume(std::size_t n) {
  QUORUM_ASSERT(n <= buf_.size() - pos_, "consuming more than was buffered");
  pos_ += n;
  scanned_ = 0;
}

void InputBuffer::clear() {
  if (buf_.capacity() > kKeepCapacityBytes) {
    std::string().swap(buf_);
  } else {
    buf_.clear();
  }
  pos_ = 0;
  scanned_ = 0;
}

InputBuffer::Line InputBuffer::line(std::size_t max_bytes) {
  const std::string_view in = unread();
  const std::size_t window = std::min(in.size(), max_bytes + 1);
  if (scanned_ < window) {
    const std::size_t nl = in.substr(0, window).find('\n', scanned_);
    if (nl != std::string_view::npos) return {Line::Status::kFound, in.substr(0, nl)};
    scanned_ = window;
  }
  if (in.size() > max_bytes) return {Line::Status::kTooLong, {}};
  return {Line::Status::kIncomplete, {}};
}

}  // namespace detail

// --- RequestParser ---

RequestParser::RequestParser(RespLimits limits) : limits_(limits) {}

void RequestParser::feed(std::string_view bytes) {
  if (!failed()) in_.append(bytes);
}

Parsed<smr::Command> RequestParser::fail(std::string message) {
  QUORUM_ASSERT(!message.empty(), "a protocol error needs a message");
  error_ = std::move(message);
  in_.clear();
  argv_ = {};
  remaining_ = 0;
  held_bytes_ = 0;
  have_bulk_len_ = false;
  return ProtocolError{error_};
}

Parsed<smr::Command> RequestParser::parse_inline() {
  const auto line = in_.line(limits_.max_line_bytes + 1);
  using S = detail::InputBuffer::Line::Status;
  if (line.status == S::kIncomplete) {
    // One byte over the limit is only allowed if it is the CR of a CRLF.
    const std::string_view in = in_.unread();
    if (in.size() > limits_.max_line_bytes && in.back() != '\r') return fail("too big inline request");
    return NeedMore{};
  }
  if (line.status == S::kTooLong) return fail("too big inline request");
  std::string_view text = line.text;
  const std::size_t consumed = text.size() + 1;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.size() > limits_.max_line_bytes) return fail("too big inline request");
  smr::Command words;
  switch (split_inline(text, limits_.max_args, words)) {
    case SplitError::kNone: break;
    case SplitError::kUnbalancedQuotes: return fail("unbalanced quotes in request");
    case SplitError::kTooManyArgs: return fail("too many arguments in request");
  }
  in_.consume(consumed);
  return words;
}

Parsed<smr::Command> RequestParser::next() {
  if (failed()) return ProtocolError{error_};
  for (;;) {
    const std::string_view in = in_.unread();
    if (in.empty()) return NeedMore{};

    if (remaining_ == 0) {
      if (in[0] != '*') {
        auto r = parse_inline();
        if (auto* words = std::get_if<smr::Command>(&r); words != nullptr && words->empty()) continue;
        return r;
      }
      const Header h = read_header(in_);
      if (h.status == Header::Status::kIncomplete) return NeedMore{};
      if (h.status == Header::Status::kBad ||
          (h.value > 0 && static_cast<std::uint64_t>(h.value) > limits_.max_args)) {
        return fail("invalid multibulk length");
      }
      in_.consume(h.bytes);
      if (h.value <= 0) continue;  // Redis ignores empty and null arrays
      remaining_ = static_cast<std::size_t>(h.value);
      argv_.clear();
      argv_.reserve(std::min(remaining_, kMaxReserve));
      held_bytes_ = 0;
      continue;
    }

    if (!have_bulk_len_) {
      if (in[0] != '$') return fail("expected '$', got '" + printable(in[0]) + "'");
      const Header h = read_header(in_);
      if (h.status == Header::Status::kIncomplete) return NeedMore{};
      if (h.status == Header::Status::kBad || h.value < 0 ||
          static_cast<std::uint64_t>(h.value) > limits_.max_bulk_bytes) {
        return fail("invalid bulk length");
      }
      const auto len = static_cast<std::size_t>(h.value);
      if (held_bytes_ + sizeof(std::string) + len > limits_.max_buffered_bytes) {
        return fail("too big request");
      }
      in_.consume(h.bytes);
      have_bulk_len_ = true;
      bulk_len_ = len;
      continue;
    }

    if (in.size() < bulk_len_ + 2) return NeedMore{};
    if (in[bulk_len_] != '\r' || in[bulk_len_ + 1] != '\n') return fail("expected CRLF after bulk data");
    argv_.emplace_back(in.substr(0, bulk_len_));
    held_bytes_ += sizeof(std::string) + bulk_len_;
    in_.consume(bulk_len_ + 2);
    have_bulk_len_ = false;
    if (--remaining_ == 0) {
      held_bytes_ = 0;
      return std::exchange(argv_, {});
    }
  }
}

// --- encoding ---

void encode_reply(const smr::Reply& reply, std::string& out) { encode_at_depth(reply, 0, out); }

std::string encode_reply(const smr::Reply& reply) {
  std::string out;
  server::encode_reply(reply, out);
  return out;
}

void encode_command(const smr::Command& argv, std::string& out) {
  append_header('*', static_cast<std::int64_t>(argv.size()), out);
  for (const auto& arg : argv) append_bulk(arg, out);
}

std::string encode_command(const smr::Command& argv) {
  std::string out;
  encode_command(argv, out);
  return out;
}

smr::Reply protocol_error_reply(std::string_view message) {
  return smr::Reply::error("ERR Protocol error: " + std::string(message));
}

// --- ReplyParser ---

ReplyParser::ReplyParser(RespLimits limits) : limits_(limits) {}

void ReplyParser::feed(std::string_view bytes) {
  if (!failed()) in_.append(bytes);
}

Parsed<smr::Reply> ReplyParser::fail(std::string message) {
  QUORUM_ASSERT(!message.empty(), "a protocol error needs a message");
  error_ = std::move(message);
  in_.clear();
  open_ = {};
  held_bytes_ = 0;
  have_bulk_len_ = false;
  return ProtocolError{error_};
}

Parsed<smr::Reply> ReplyParser::next() {
  if (failed()) return ProtocolError{error_};
  constexpr std::size_t kElementBytes = sizeof(smr::Reply);
  for (;;) {
    const std::string_view in = in_.unread();
    if (in.empty()) return NeedMore{};

    smr::Reply value;
    std::size_t value_bytes = kElementBytes;
    if (have_bulk_len_) {
      if (in.size() < bulk_len_ + 2) return NeedMore{};
      if (in[bulk_len_] != '\r' || in[bulk_len_ + 1] != '\n') return fail("expected CRLF after bulk data");
      value = smr::Reply::bulk(std::string(in.substr(0, bulk_len_)));
      value_bytes += bulk_len_;
      in_.consume(bulk_len_ + 2);
      have_bulk_len_ = false;
    } else {
      switch (in[0]) {
        case '+':
        case '-': {
          // Type byte, text, \r.
          const auto line = in_.line(limits_.max_line_bytes + 2);
          using S = detail::InputBuffer::Line::Status;
          if (line.status == S::kIncomplete) return NeedMore{};
          if (line.status == S::kTooLong) return fail("line too long");
          const std::string_view raw = line.text;
          if (raw.size() < 2 || raw.back() != '\r') return fail("expected CRLF");
          const std::string_view text = raw.substr(1, raw.size() - 2);
          if (text.find('\r') != std::string_view::npos) return fail("expected CRLF");
          if (text.size() > limits_.max_line_bytes) return fail("line too long");
          value = in[0] == '+' ? smr::Reply::status(std::string(text)) : smr::Reply::error(std::string(text));
          value_bytes += text.size();
          in_.consume(raw.size() + 1);
          break;
        }
        case ':': {
          const Header h = read_header(in_);
          if (h.status == Header::Status::kIncomplete) return NeedMore{};
          if (h.status == Header::Status::kBad) return fail("invalid integer");
          value = smr::Reply::integer(h.value);
          in_.consume(h.bytes);
          break;
        }
        case '$': {
          const Header h = read_header(in_);
          if (h.status == Header::Status::kIncomplete) return NeedMore{};
          if (h.status == Header::Status::kBad || h.value < -1 ||
              (h.value > 0 && static_cast<std::uint64_t>(h.value) > limits_.max_bulk_bytes)) {
            return fail("invalid bulk length");
          }
          if (h.value >= 0 &&
              held_bytes_ + kElementBytes + static_cast<std::size_t>(h.value) > limits_.max_buffered_bytes) {
            return fail("too big reply");
          }
          in_.consume(h.bytes);
          if (h.value >= 0) {
            have_bulk_len_ = true;
            bulk_len_ = static_cast<std::size_t>(h.value);
            continue;
          }
          value = smr::Reply::nil();
          break;
        }
        case '*': {
          const Header h = read_header(in_);
          if (h.status == Header::Status::kIncomplete) return NeedMore{};
          if (h.status == Header::Status::kBad || h.value < -1 ||
              (h.value > 0 && static_cast<std::uint64_t>(h.value) > limits_.max_args)) {
            return fail("invalid array length");
          }
          if (h.value >= 0 && open_.size() + 1 > static_cast<std::size_t>(std::max(limits_.max_depth, 0))) {
            return fail("array nesting too deep");
          }
          in_.consume(h.bytes);
          if (h.value > 0) {
            if (held_bytes_ + kElementBytes > limits_.max_buffered_bytes) return fail("too big reply");
            held_bytes_ += kElementBytes;
            OpenArray a;
            a.remaining = static_cast<std::size_t>(h.value);
            a.elements.reserve(std::min(a.remaining, kMaxReserve));
            open_.push_back(std::move(a));
            continue;
          }
          value = h.value == 0 ? smr::Reply::array({}) : smr::Reply::nil();
          break;
        }
        default:
          return fail("unexpected byte '" + printable(in[0]) + "' at start of reply");
      }
    }

    // A complete value: the reply itself, or the next element of the
    // innermost open array, which may complete it and the ones around it.
    if (open_.empty()) return value;
    if (held_bytes_ + value_bytes > limits_.max_buffered_bytes) return fail("too big reply");
    held_bytes_ += value_bytes;
    for (;;) {
      OpenArray& top = open_.back();
      top.elements.push_back(std::move(value));
      if (--top.remaining > 0) break;
      value = smr::Reply::array(std::move(top.elements));
      open_.pop_back();
      if (open_.empty()) {
        held_bytes_ = 0;
        return value;
      }
    }
  }
}

}  // namespace quorum::server
