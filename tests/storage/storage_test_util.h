// Helpers shared by the storage tests: a temporary directory under /tmp, a
// Disk wrapper that loses power after a chosen number of operations, and
// deterministic payloads.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>

#include "core/prng.h"
#include "storage/disk.h"
#include "storage/sim_disk.h"

namespace quorum::storage::testing {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/quorum-storage-test-XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    if (p == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Forwards to a SimDisk until `ops_left` operations have been performed;
// from then on every operation fails as if the power had gone (the test then
// calls SimDisk::crash()). ops_left < 0: never fails. Optionally sleeps in
// sync() to model a slow device (group commit tests).
class PowerCutDisk final : public Disk {
 public:
  explicit PowerCutDisk(SimDisk& sim, std::int64_t ops_left = -1) : sim_(sim), ops_left_(ops_left) {}

  void set_sync_delay(std::chrono::microseconds d) { sync_delay_ = d; }
  // Power fails after `ops_left` more operations (< 0: never).
  void arm(std::int64_t ops_left) { ops_left_ = ops_left; }
  bool power_lost() const { return ops_left_ == 0; }

  Status create(std::string_view name) override {
    if (auto st = tick(); !st) return st;
    return sim_.create(name);
  }
  Status write(std::string_view name, std::uint64_t offset, std::string_view data) override {
    if (auto st = tick(); !st) return st;
    return sim_.write(name, offset, data);
  }
  StorageResult<std::string> read(std::string_view name, std::uint64_t offset,
                                  std::uint64_t length) override {
    if (auto st = tick(); !st) return st.error();
    return sim_.read(name, offset, length);
  }
  StorageResult<std::uint64_t> size(std::string_view name) override {
    if (auto st = tick(); !st) return st.error();
    return sim_.size(name);
  }
  Status sync(std::string_view name) override {
    if (auto st = tick(); !st) return st;
    if (sync_delay_.count() > 0) std::this_thread::sleep_for(sync_delay_);
    return sim_.sync(name);
  }
  Status truncate(std::string_view name, std::uint64_t size) override {
    if (auto st = tick(); !st) return st;
    return sim_.truncate(name, size);
  }
  Status allocate(std::string_view name, std::uint64_t size) override {
    if (auto st = tick(); !st) return st;
    return sim_.allocate(name, size);
  }
  Status rename(std::string_view from, std::string_view to) override {
    if (auto st = tick(); !st) return st;
    return sim_.rename(from, to);
  }
  Status remove(std::string_view name) override {
    if (auto st = tick(); !st) return st;
    return sim_.remove(name);
  }
  StorageResult<std::vector<std::string>> list() override {
    if (auto st = tick(); !st) return st.error();
    return sim_.list();
  }
  Status sync_dir() override {
    if (auto st = tick(); !st) return st;
    if (sync_delay_.count() > 0) std::this_thread::sleep_for(sync_delay_);
    return sim_.sync_dir();
  }

 private:
  Status tick() {
    if (ops_left_ == 0) return make_error(ErrorKind::kIo, "power lost");
    if (ops_left_ > 0) --ops_left_;
    return ok_status();
  }

  SimDisk& sim_;
  std::int64_t ops_left_;
  std::chrono::microseconds sync_delay_{0};
};

// `n` deterministic pseudo-random bytes.
inline std::string random_bytes(Prng& prng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(prng.next());
  return s;
}

}  // namespace quorum::storage::testing
