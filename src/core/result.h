// A value or an error, for operations that fail on bad input (decoding,
// parsing) where an exception would hide the error path.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/assert.h"

namespace quorum {

template <typename T, typename E>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(E error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& {
    QUORUM_ASSERT(ok(), "value() on an error result");
    return std::get<0>(v_);
  }
  T&& value() && {
    QUORUM_ASSERT(ok(), "value() on an error result");
    return std::get<0>(std::move(v_));
  }
  const E& error() const {
    QUORUM_ASSERT(!ok(), "error() on an ok result");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, E> v_;
};

}  // namespace quorum
