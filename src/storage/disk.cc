#include "storage/disk.h"

#include <algorithm>

namespace quorum::storage {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kIo: return "io error";
    case ErrorKind::kNotFound: return "not found";
    case ErrorKind::kExists: return "exists";
    case ErrorKind::kCorruption: return "corruption";
    case ErrorKind::kInvalidArgument: return "invalid argument";
    case ErrorKind::kFull: return "full";
    case ErrorKind::kFailed: return "failed";
    case ErrorKind::kClosed: return "closed";
  }
  return "unknown";
}

std::string Error::to_string() const { return std::string(storage::to_string(kind)) + ": " + message; }

bool valid_file_name(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::none_of(name.begin(), name.end(), [](char c) { return c == '/' || c == '\0'; });
}

Status Disk::append(std::string_view name, std::string_view data) {
  auto sz = size(name);
  if (!sz) return sz.error();
  return write(name, sz.value(), data);
}

StorageResult<std::string> Disk::read_all(std::string_view name) {
  auto sz = size(name);
  if (!sz) return sz.error();
  return read(name, 0, sz.value());
}

StorageResult<bool> Disk::exists(std::string_view name) {
  auto names = list();
  if (!names) return names.error();
  const auto& v = names.value();
  return std::binary_search(v.begin(), v.end(), std::string(name));
}

}  // namespace quorum::storage
