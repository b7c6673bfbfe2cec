#include "lincheck/history.h"

#include <stdexcept>

namespace quorum::lincheck {

namespace {

bool is_plain_key(std::string_view key) {
  if (key.empty() || key.size() > 48) return false;
  for (const char c : key) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || c == '.' || c == ':' || c == '/';
    if (!plain) return false;
  }
  return true;
}

std::string render_output(const Output& out) {
  switch (out.type()) {
    case Output::Type::None:
      return "OK";
    case Output::Type::Nil:
      return "nil";
    case Output::Type::Value:
      return quote(out.text());
    case Output::Type::Integer:
      return std::to_string(out.integer_value());
    case Output::Type::Error:
      return "(error " + quote(out.text(), 32) + ")";
  }
  return "?";
}

std::string render_time(Time t) { return t == kInfinity ? "inf" : std::to_string(t); }

}  // namespace

std::string_view to_string(OpKind kind) {
  switch (kind) {
    case OpKind::Get:
      return "GET";
    case OpKind::Set:
      return "SET";
    case OpKind::Del:
      return "DEL";
    case OpKind::Incr:
      return "INCR";
    case OpKind::Exists:
      return "EXISTS";
  }
  return "?";
}

std::string_view to_string(OpStatus status) {
  switch (status) {
    case OpStatus::Pending:
      return "pending";
    case OpStatus::Ok:
      return "ok";
    case OpStatus::Unknown:
      return "unknown";
    case OpStatus::Failed:
      return "failed";
  }
  return "?";
}

bool output_fits(OpKind kind, const Output& output) {
  using T = Output::Type;
  switch (kind) {
    case OpKind::Get:
      return output.type() == T::Nil || output.type() == T::Value;
    case OpKind::Set:
      return output.type() == T::None;
    case OpKind::Del:
    case OpKind::Exists:
      return output.type() == T::Integer;
    case OpKind::Incr:
      return output.type() == T::Integer || output.type() == T::Error;
  }
  return false;
}

std::string quote(std::string_view s, std::size_t max_chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  const std::size_t shown = s.size() > max_chars ? max_chars : s.size();
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  out += '"';
  if (shown < s.size()) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::string render(const Operation& op) {
  std::string out = "#" + std::to_string(op.id.value) + " c" + std::to_string(op.client) + " ";
  out += to_string(op.kind);
  out += ' ';
  out += is_plain_key(op.key) ? op.key : quote(op.key);
  if (op.kind == OpKind::Set) {
    out += ' ';
    out += quote(op.value);
  }
  out += " -> ";
  switch (op.status) {
    case OpStatus::Ok:
      out += render_output(op.output);
      out += " [" + render_time(op.invoke_time) + ", " + render_time(op.return_time) + "]";
      break;
    case OpStatus::Unknown:
      out += "? [" + render_time(op.invoke_time) + ", inf)";
      break;
    case OpStatus::Pending:
      out += "... [" + render_time(op.invoke_time) + ", open)";
      break;
    case OpStatus::Failed:
      out += "failed [" + render_time(op.invoke_time) + ", " +
             (op.return_time == kInfinity ? std::string("?") : render_time(op.return_time)) + "]";
      break;
  }
  return out;
}

OpId History::invoke(ClientId client, OpKind kind, std::string key, std::string value,
                     Time time) {
  if (time == kInfinity) throw std::invalid_argument("lincheck: invoke time must be finite");
  if (kind != OpKind::Set && !value.empty())
    throw std::invalid_argument("lincheck: only SET takes an input value");
  if (ops_.size() >= std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("lincheck: too many operations in one history");
  Operation op;
  op.id = OpId{static_cast<std::uint32_t>(ops_.size())};
  op.client = client;
  op.kind = kind;
  op.key = std::move(key);
  op.value = std::move(value);
  op.invoke_time = time;
  ops_.push_back(std::move(op));
  ++pending_;
  return ops_.back().id;
}

Operation& History::open_op(OpId id, const char* what) {
  if (id.value >= ops_.size())
    throw std::out_of_range(std::string("lincheck: ") + what + ": no operation #" +
                            std::to_string(id.value));
  Operation& op = ops_[id.value];
  if (op.status != OpStatus::Pending)
    throw std::logic_error(std::string("lincheck: ") + what + ": operation already completed: " +
                           lincheck::render(op));
  return op;
}

void History::ok(OpId id, Output output, Time time) {
  Operation& op = open_op(id, "ok");
  if (!output_fits(op.kind, output))
    throw std::invalid_argument("lincheck: ok: output does not fit " +
                                std::string(to_string(op.kind)) + ": " + lincheck::render(op));
  if (time < op.invoke_time || time == kInfinity)
    throw std::invalid_argument("lincheck: ok: return time " + render_time(time) +
                                " before invocation: " + lincheck::render(op));
  op.output = std::move(output);
  op.return_time = time;
  op.status = OpStatus::Ok;
  --pending_;
}

void History::unknown(OpId id) {
  Operation& op = open_op(id, "unknown");
  op.status = OpStatus::Unknown;
  --pending_;
}

void History::failed(OpId id) {
  Operation& op = open_op(id, "failed");
  op.status = OpStatus::Failed;
  --pending_;
}

OpId History::add_ok(ClientId client, OpKind kind, std::string key, std::string value,
                     Output output, Time invoke_time, Time return_time) {
  const OpId id = invoke(client, kind, std::move(key), std::move(value), invoke_time);
  try {
    ok(id, std::move(output), return_time);
  } catch (...) {
    ops_.pop_back();  // keep the history as it was
    --pending_;
    throw;
  }
  return id;
}

OpId History::add_unknown(ClientId client, OpKind kind, std::string key, std::string value,
                          Time invoke_time) {
  const OpId id = invoke(client, kind, std::move(key), std::move(value), invoke_time);
  unknown(id);
  return id;
}

}  // namespace quorum::lincheck
