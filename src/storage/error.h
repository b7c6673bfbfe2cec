// Errors of the storage layer. Every I/O failure, corruption or misuse is a
// returned value (Status / StorageResult<T>), never an exception or an abort:
// a disk that fails is an event the runtime must be able to report and survive.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/result.h"

namespace quorum::storage {

enum class ErrorKind {
  kIo,               // the operating system refused an operation (message has errno text)
  kNotFound,         // the named file does not exist
  kExists,           // create() of a name that already exists
  kCorruption,       // stored bytes fail their checksum or do not parse (message names file + offset)
  kInvalidArgument,  // bad name, oversized record, inconsistent options
  kFull,             // a named bound (queue, buffer) would be exceeded
  kFailed,           // the object is unusable after an earlier error; reopen it
  kClosed,           // the object was stopped
};

const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind;
  std::string message;

  std::string to_string() const;  // "<kind>: <message>"
};

template <typename T>
using StorageResult = Result<T, Error>;
using Status = Result<std::monostate, Error>;

inline Status ok_status() { return std::monostate{}; }
inline Error make_error(ErrorKind kind, std::string message) { return Error{kind, std::move(message)}; }

}  // namespace quorum::storage
