#include "core/assert.h"

#include <cstdio>
#include <cstdlib>

namespace quorum {
namespace {

[[noreturn]] void abort_handler(const InvariantFailure& f) {
  std::fprintf(stderr, "quorum: invariant %s violated at %s: %s\n", f.property.c_str(),
               f.location.c_str(), f.message.c_str());
  std::abort();
}

thread_local InvariantHandler current_handler = &abort_handler;

}  // namespace

void invariant_failed(std::string_view property, std::string message, const char* file,
                      int line) {
  InvariantFailure f{std::string(property), std::move(message),
                     std::string(file) + ":" + std::to_string(line)};
  current_handler(f);
  abort_handler(f);  // a handler that returned is a bug of its own
}

ScopedInvariantHandler::ScopedInvariantHandler(InvariantHandler h)
    : previous_(current_handler) {
  current_handler = h;
}
ScopedInvariantHandler::~ScopedInvariantHandler() { current_handler = previous_; }

void throwing_invariant_handler(const InvariantFailure& f) { throw f; }

}  // namespace quorum
