#include "smr/reply.h"

#include <ostream>
#include <utility>

#include "core/assert.h"
#include "smr/bytes.h"

namespace quorum::smr {
namespace {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

void render_bulk(const std::string& s, std::string& out) {
  constexpr std::size_t kMaxShown = 64;
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  const std::size_t shown = s.size() < kMaxShown ? s.size() : kMaxShown;
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  if (shown < s.size()) out += "...(" + std::to_string(s.size()) + " bytes)";
}

void render(const Reply& r, std::string& out) {
  switch (r.kind()) {
    case Reply::Kind::kStatus:
      out += r.str();
      return;
    case Reply::Kind::kError:
      out += "(error) " + r.str();
      return;
    case Reply::Kind::kInteger:
      out += "(integer) " + std::to_string(r.integer_value());
      return;
    case Reply::Kind::kBulk:
      render_bulk(r.str(), out);
      return;
    case Reply::Kind::kNil:
      out += "(nil)";
      return;
    case Reply::Kind::kArray: {
      constexpr std::size_t kMaxShown = 16;
      const auto& el = r.elements();
      if (el.empty()) {
        out += "(empty array)";
        return;
      }
      out.push_back('[');
      for (std::size_t i = 0; i < el.size() && i < kMaxShown; ++i) {
        if (i > 0) out += ", ";
        render(el[i], out);
      }
      if (el.size() > kMaxShown) out += ", ...(" + std::to_string(el.size()) + " elements)";
      out.push_back(']');
      return;
    }
  }
  QUORUM_ASSERT(false, "unknown reply kind");
}

int depth_of(const Reply& r) {
  if (!r.is_array()) return 0;
  int d = 0;
  for (const auto& e : r.elements()) {
    const int ed = depth_of(e);
    if (ed > d) d = ed;
  }
  return d + 1;
}

void encode_unchecked(const Reply& r, std::string& out) {
  bytes::put_u8(out, static_cast<std::uint8_t>(r.kind()));
  switch (r.kind()) {
    case Reply::Kind::kStatus:
    case Reply::Kind::kError:
    case Reply::Kind::kBulk:
      bytes::put_string(out, r.str());
      return;
    case Reply::Kind::kInteger: {
      const auto v = static_cast<std::uint64_t>(r.integer_value());
      // zigzag: small negative numbers stay small.
      bytes::put_varint(out, (v << 1) ^ (r.integer_value() < 0 ? ~std::uint64_t{0} : 0));
      return;
    }
    case Reply::Kind::kNil:
      return;
    case Reply::Kind::kArray:
      bytes::put_varint(out, r.elements().size());
      for (const auto& e : r.elements()) encode_unchecked(e, out);
      return;
  }
  QUORUM_ASSERT(false, "unknown reply kind");
}

bool decode_at_depth(bytes::Reader& in, Reply& out, int depth) {
  std::uint8_t kind = 0;
  if (!in.u8(kind)) return false;
  switch (static_cast<Reply::Kind>(kind)) {
    case Reply::Kind::kStatus:
    case Reply::Kind::kError:
    case Reply::Kind::kBulk: {
      std::string_view s;
      if (!in.string(in.remaining(), s)) return false;
      if (kind == static_cast<std::uint8_t>(Reply::Kind::kBulk)) {
        out = Reply::bulk(std::string(s));
        return true;
      }
      if (has_line_break(s)) return false;
      out = kind == static_cast<std::uint8_t>(Reply::Kind::kStatus) ? Reply::status(std::string(s))
                                                                     : Reply::error(std::string(s));
      return true;
    }
    case Reply::Kind::kInteger: {
      std::uint64_t z = 0;
      if (!in.varint(z)) return false;
      const std::uint64_t v = (z >> 1) ^ (~(z & 1) + 1);
      out = Reply::integer(static_cast<std::int64_t>(v));
      return true;
    }
    case Reply::Kind::kNil:
      out = Reply::nil();
      return true;
    case Reply::Kind::kArray: {
      if (depth >= kMaxReplyDepth) return false;
      std::uint64_t n = 0;
      // Every element takes at least one byte.
      if (!in.varint(n) || n > in.remaining()) return false;
      std::vector<Reply> elements;
      elements.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        Reply e;
        if (!decode_at_depth(in, e, depth + 1)) return false;
        elements.push_back(std::move(e));
      }
      out = Reply::array(std::move(elements));
      return true;
    }
  }
  return false;  // unknown kind byte
}

}  // namespace

Reply Reply::status(std::string text) {
  Reply r;
  r.kind_ = Kind::kStatus;
  r.str_ = one_line(std::move(text));
  return r;
}

Reply Reply::error(std::string text) {
  Reply r;
  r.kind_ = Kind::kError;
  r.str_ = one_line(std::move(text));
  return r;
}

Reply Reply::integer(std::int64_t v) {
  Reply r;
  r.kind_ = Kind::kInteger;
  r.int_ = v;
  return r;
}

Reply Reply::bulk(std::string data) {
  Reply r;
  r.kind_ = Kind::kBulk;
  r.str_ = std::move(data);
  return r;
}

Reply Reply::array(std::vector<Reply> elements) {
  Reply r;
  r.kind_ = Kind::kArray;
  r.elements_ = std::move(elements);
  return r;
}

const std::string& Reply::str() const {
  QUORUM_ASSERT(is_status() || is_error() || is_bulk(), "str() on a reply without text");
  return str_;
}

std::int64_t Reply::integer_value() const {
  QUORUM_ASSERT(is_integer(), "integer_value() on a non-integer reply");
  return int_;
}

const std::vector<Reply>& Reply::elements() const {
  QUORUM_ASSERT(is_array(), "elements() on a non-array reply");
  return elements_;
}

bool operator==(const Reply& a, const Reply& b) {
  return a.kind_ == b.kind_ && a.int_ == b.int_ && a.str_ == b.str_ && a.elements_ == b.elements_;
}

std::string Reply::to_string() const {
  std::string out;
  render(*this, out);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Reply& r) { return os << r.to_string(); }
void PrintTo(const Reply& r, std::ostream* os) { *os << r.to_string(); }

const char* kind_name(Reply::Kind kind) {
  switch (kind) {
    case Reply::Kind::kStatus: return "status";
    case Reply::Kind::kError: return "error";
    case Reply::Kind::kInteger: return "integer";
    case Reply::Kind::kBulk: return "bulk";
    case Reply::Kind::kNil: return "nil";
    case Reply::Kind::kArray: return "array";
  }
  return "unknown";
}

void encode_reply(const Reply& r, std::string& out) {
  QUORUM_ASSERT(depth_of(r) <= kMaxReplyDepth, "reply nests deeper than kMaxReplyDepth");
  encode_unchecked(r, out);
}

bool decode_reply(bytes::Reader& in, Reply& out) { return decode_at_depth(in, out, 0); }

}  // namespace quorum::smr
