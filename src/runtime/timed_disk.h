// TimedDisk: a Disk that forwards to another and times every sync (for the
// fsync latency histogram). With `fsync` off it skips file and directory
// syncs altogether: only for comparisons with systems run the same way; a
// replica running like that may lose acknowledged writes on a power failure.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/disk.h"

namespace quorum::runtime {

class TimedDisk final : public storage::Disk {
 public:
  // `observe` receives each sync's duration in seconds; it runs on whatever
  // thread syncs (the group-commit thread).
  TimedDisk(storage::Disk& inner, bool fsync, std::function<void(double)> observe)
      : inner_(inner), fsync_(fsync), observe_(std::move(observe)) {}

  storage::Status create(std::string_view name) override { return inner_.create(name); }
  storage::Status write(std::string_view name, std::uint64_t offset, std::string_view data) override {
    return inner_.write(name, offset, data);
  }
  storage::StorageResult<std::string> read(std::string_view name, std::uint64_t offset,
                                           std::uint64_t length) override {
    return inner_.read(name, offset, length);
  }
  storage::StorageResult<std::uint64_t> size(std::string_view name) override { return inner_.size(name); }
  storage::Status sync(std::string_view name) override {
    if (!fsync_) return storage::ok_status();
    const auto start = std::chrono::steady_clock::now();
    storage::Status s = inner_.sync(name);
    observe_(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return s;
  }
  storage::Status truncate(std::string_view name, std::uint64_t size) override { return inner_.truncate(name, size); }
  storage::Status allocate(std::string_view name, std::uint64_t size) override { return inner_.allocate(name, size); }
  storage::Status rename(std::string_view from, std::string_view to) override { return inner_.rename(from, to); }
  storage::Status remove(std::string_view name) override { return inner_.remove(name); }
  storage::StorageResult<std::vector<std::string>> list() override { return inner_.list(); }
  storage::Status sync_dir() override { return fsync_ ? inner_.sync_dir() : storage::ok_status(); }

 private:
  storage::Disk& inner_;
  const bool fsync_;
  std::function<void(double)> observe_;
};

}  // namespace quorum::runtime
