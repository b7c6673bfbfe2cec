// Invariant checks that stay on in every build. A failed check names the
// property it protects; by default it prints and aborts (never limp on), but a
// harness (the simulator, the model checker) may install a handler that turns
// it into a reported violation with a replayable seed.
#pragma once

#include <string>
#include <string_view>

namespace quorum {

struct InvariantFailure {
  std::string property;
  std::string message;
  std::string location;
};

// Called on a failed check. Must not return (throw or abort).
using InvariantHandler = void (*)(const InvariantFailure&);

[[noreturn]] void invariant_failed(std::string_view property, std::string message,
                                   const char* file, int line);

// Installs `h` for the current thread until the guard is destroyed.
class ScopedInvariantHandler {
 public:
  explicit ScopedInvariantHandler(InvariantHandler h);
  ~ScopedInvariantHandler();
  ScopedInvariantHandler(const ScopedInvariantHandler&) = delete;
  ScopedInvariantHandler& operator=(const ScopedInvariantHandler&) = delete;

 private:
  InvariantHandler previous_;
};

// A handler that throws InvariantFailure (for harnesses that catch it).
void throwing_invariant_handler(const InvariantFailure& f);

}  // namespace quorum

// QUORUM_INVARIANT(property, condition, message): a protocol invariant.
#define QUORUM_INVARIANT(property, cond, msg)                                  \
  do {                                                                          \
    if (!(cond)) [[unlikely]]                                                   \
      ::quorum::invariant_failed((property), (msg), __FILE__, __LINE__);        \
  } while (0)

// QUORUM_ASSERT(condition, message): a programming error.
#define QUORUM_ASSERT(cond, msg) QUORUM_INVARIANT("Assertion: " #cond, cond, msg)
