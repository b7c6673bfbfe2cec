// Runs a core's invariant check when one of its public entry points returns,
// so no entry point can forget it (TigerBeetle ends every handler the same
// way). Every core opens each public method that can change its state with
//
//   const InvariantGuard guard([this] { check_invariants(); });
//
// The check does not run while an exception unwinds the scope: a harness that
// turned a failed invariant into an exception (core/assert.h) must see that
// failure, not a second one raised from a destructor.
#pragma once

#include <exception>
#include <utility>

namespace quorum {

template <class Check>
class [[nodiscard]] InvariantGuard {
 public:
  explicit InvariantGuard(Check check) : check_(std::move(check)), unwinding_(std::uncaught_exceptions()) {}
  ~InvariantGuard() noexcept(false) {
    if (std::uncaught_exceptions() == unwinding_) check_();
  }
  InvariantGuard(const InvariantGuard&) = delete;
  InvariantGuard& operator=(const InvariantGuard&) = delete;

 private:
  Check check_;
  int unwinding_;
};

}  // namespace quorum
