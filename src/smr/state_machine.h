// The replicated state machine interface: what every protocol's committed log
// is applied to (DESIGN.md section 1, smr/ layer).
//
// A StateMachine must be deterministic and pure: no clocks, randomness, I/O or
// dependence on addresses or hash-table iteration order. Every replica that
// applies the same commands in the same order reaches byte-identical state,
// byte-identical snapshots and equal digests.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.h"
#include "smr/command.h"
#include "smr/reply.h"

namespace quorum::smr {

// restore() succeeds with no value, or fails with a readable reason.
using RestoreResult = Result<std::monostate, std::string>;

class StateMachine {
 public:
  virtual ~StateMachine() = default;

  // Applies one command and returns its reply. Errors in the command (unknown
  // name, wrong arity, bad argument) are error replies, never exceptions or
  // crashes: the log may contain anything a client sent.
  virtual Reply apply(const Command& command) = 0;

  // The whole state as bytes (versioned and checksummed by the implementation).
  virtual std::string snapshot() const = 0;

  // Replaces the whole state with a snapshot. On any error (corruption,
  // truncation, unknown version) the state is left unchanged.
  virtual RestoreResult restore(std::string_view snapshot) = 0;

  // An independent copy of the whole state (the model checker copies
  // replicas along with their state machines).
  virtual std::unique_ptr<StateMachine> clone() const = 0;

  // A deterministic 64-bit hash of the whole state: equal states have equal
  // digests on every platform, so the simulator can compare replicas cheaply.
  virtual std::uint64_t digest() const = 0;
};

}  // namespace quorum::smr
