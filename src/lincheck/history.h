// A history of client operations on a key-value store, as seen by the clients:
// when each operation was invoked, when (and whether) it returned, and what it
// returned. It is the input of the linearizability checker (checker.h).
//
// Every operation touches exactly ONE key. A caller that issues a multi-key
// command (MGET, DEL k1 k2, EXISTS k1 k2) records one operation per key: MGET
// becomes one Get per key with the same invoke and return time; a multi-key
// DEL/EXISTS becomes one Del/Exists per key (each output 0/1, which is only
// possible when the caller knows the per-key answers; otherwise record the
// parts as unknown).
//
// Outcomes (Herlihy & Wing 1990; the "unknown" case follows Knossos/Porcupine):
//   ok       the operation returned at `return_time` with `output`.
//   unknown  the client gave up (timeout, lost connection): the operation may
//            or may not have taken effect, at any time after its invocation.
//            The checker treats it as returning at +infinity with any output.
//   failed   the operation is known NOT to have taken effect (e.g. the server
//            answered with an error before executing it): excluded from checks.
//   pending  still open; when the history is checked it counts as unknown.
//
// Times are opaque uint64 values: simulator ticks or wall-clock nanoseconds,
// as long as one history uses one clock. Two operations whose intervals only
// touch (one returns at t, the other is invoked at t) are concurrent.
//
// The recorder API (invoke / ok / unknown / failed) suits a simulator with many
// concurrent clients: invoke() hands out an OpId that the client keeps until
// its reply arrives. A client may have several operations open at once
// (pipelining). History is not thread-safe: a multi-threaded harness wraps it
// in its own mutex.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quorum::lincheck {

using Time = std::uint64_t;
using ClientId = std::uint64_t;

// The return time of an operation that never returned (unknown or pending).
inline constexpr Time kInfinity = std::numeric_limits<Time>::max();

// Index of an operation in its History (0-based, in invocation-record order).
struct OpId {
  std::uint32_t value = 0;
  constexpr auto operator<=>(const OpId&) const = default;
};

enum class OpKind : std::uint8_t { Get, Set, Del, Incr, Exists };

enum class OpStatus : std::uint8_t { Pending, Ok, Unknown, Failed };

// "GET", "SET", "DEL", "INCR", "EXISTS".
std::string_view to_string(OpKind kind);
// "pending", "ok", "unknown", "failed".
std::string_view to_string(OpStatus status);

// What an operation returned. Which types are valid depends on the kind:
//   Get     nil() or value(v)
//   Set     none()
//   Del     integer(0 | 1)      (1 if the key existed)
//   Exists  integer(0 | 1)
//   Incr    integer(n) (the new value) or error(msg) (the value is not an
//           integer, or the increment would overflow); any error message
//           matches any error.
class Output {
 public:
  enum class Type : std::uint8_t { None, Nil, Value, Integer, Error };

  Output() = default;
  static Output none() { return Output(); }
  static Output nil() { return Output(Type::Nil, 0, {}); }
  static Output value(std::string v) { return Output(Type::Value, 0, std::move(v)); }
  static Output integer(std::int64_t n) { return Output(Type::Integer, n, {}); }
  static Output error(std::string message) { return Output(Type::Error, 0, std::move(message)); }
  // A GET reply: nullopt is nil.
  static Output from_optional(std::optional<std::string> v) {
    return v ? value(std::move(*v)) : nil();
  }

  Type type() const { return type_; }
  // The value (Type::Value) or the error message (Type::Error).
  const std::string& text() const { return text_; }
  std::int64_t integer_value() const { return integer_; }

  bool operator==(const Output&) const = default;

 private:
  Output(Type t, std::int64_t n, std::string s) : type_(t), integer_(n), text_(std::move(s)) {}
  Type type_ = Type::None;
  std::int64_t integer_ = 0;
  std::string text_;
};

// Whether `output` is a well-typed reply for an operation of `kind`.
bool output_fits(OpKind kind, const Output& output);

struct Operation {
  OpId id;
  ClientId client = 0;
  OpKind kind = OpKind::Get;
  std::string key;
  std::string value;  // input value: Set only, empty otherwise
  Time invoke_time = 0;
  Time return_time = kInfinity;  // kInfinity unless status == Ok
  OpStatus status = OpStatus::Pending;
  Output output;  // meaningful only when status == Ok

  // Pending and unknown operations may take effect at any time after their
  // invocation, or never.
  bool maybe_applied_late() const {
    return status == OpStatus::Pending || status == OpStatus::Unknown;
  }
};

// One line, for error messages, e.g.
//   #12 c3 SET k1 "v7" -> OK [10, 14]
//   #13 c1 GET k1 -> nil [11, 15]
//   #14 c2 INCR n -> ? [12, inf)          (unknown)
//   #15 c2 DEL k1 -> failed [16, 17]      (pending: "-> ... [16, open)")
// Keys are printed bare when they are plain (letters, digits, "_-.:/"), values
// are always quoted; non-printable bytes are escaped and long strings
// shortened, so a line stays a line.
std::string render(const Operation& op);
// A string quoted and escaped as render() prints it (at most `max_chars` of it).
std::string quote(std::string_view s, std::size_t max_chars = 48);

class History {
 public:
  // ---- recorder API ----
  // A client starts an operation at `time`. `value` is the input of Set and is
  // ignored (must be empty) for the other kinds.
  OpId invoke(ClientId client, OpKind kind, std::string key, std::string value, Time time);
  OpId invoke(ClientId client, OpKind kind, std::string key, Time time) {
    return invoke(client, kind, std::move(key), std::string(), time);
  }
  // The operation returned `output` at `time` (>= its invoke time).
  void ok(OpId id, Output output, Time time);
  // The client gave up: the operation may or may not take effect.
  void unknown(OpId id);
  // The operation is known not to have taken effect.
  void failed(OpId id);

  // ---- whole operations at once (tests, histories parsed from logs) ----
  OpId add_ok(ClientId client, OpKind kind, std::string key, std::string value, Output output,
              Time invoke_time, Time return_time);
  OpId add_unknown(ClientId client, OpKind kind, std::string key, std::string value,
                   Time invoke_time);

  // ---- access ----
  const std::vector<Operation>& ops() const { return ops_; }
  const Operation& operator[](OpId id) const { return ops_.at(id.value); }
  std::size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  // Operations neither ok, unknown nor failed yet (they check as unknown).
  std::size_t pending_count() const { return pending_; }
  std::string render(OpId id) const { return lincheck::render((*this)[id]); }

 private:
  Operation& open_op(OpId id, const char* what);

  std::vector<Operation> ops_;
  std::size_t pending_ = 0;
};

}  // namespace quorum::lincheck
