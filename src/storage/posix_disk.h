// PosixDisk: Disk over real files in one directory (openat/pwrite/pread/
// fdatasync/renameat on a directory descriptor). Every system call is retried
// on EINTR; every failure comes back as an Error carrying the path and the
// errno text, never as an exception or an abort.
//
// File descriptors are opened on first use and cached (at most
// kMaxCachedFiles; an evicted descriptor is simply closed, which loses no
// durability: fdatasync through a later descriptor flushes the same inode).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "storage/disk.h"

namespace quorum::storage {

class PosixDisk final : public Disk {
 public:
  static constexpr std::size_t kMaxCachedFiles = 64;

  // Opens directory `path`, creating it (not its parents) when `create_dir`.
  static StorageResult<std::unique_ptr<PosixDisk>> open(const std::string& path,
                                                        bool create_dir = true);
  ~PosixDisk() override;
  PosixDisk(const PosixDisk&) = delete;
  PosixDisk& operator=(const PosixDisk&) = delete;

  Status create(std::string_view name) override;
  Status write(std::string_view name, std::uint64_t offset, std::string_view data) override;
  StorageResult<std::string> read(std::string_view name, std::uint64_t offset,
                                  std::uint64_t length) override;
  StorageResult<std::uint64_t> size(std::string_view name) override;
  Status sync(std::string_view name) override;
  Status truncate(std::string_view name, std::uint64_t size) override;
  Status allocate(std::string_view name, std::uint64_t size) override;
  Status rename(std::string_view from, std::string_view to) override;
  Status remove(std::string_view name) override;
  StorageResult<std::vector<std::string>> list() override;
  Status sync_dir() override;

  const std::string& path() const { return path_; }

 private:
  PosixDisk(std::string path, int dir_fd) : path_(std::move(path)), dir_fd_(dir_fd) {}

  // The cached descriptor of `name`, opening it if needed.
  StorageResult<int> fd_for(std::string_view name);
  void forget(std::string_view name);  // closes and drops a cached descriptor
  Error os_error(std::string_view op, std::string_view name, int err) const;

  std::string path_;
  int dir_fd_;
  std::map<std::string, int, std::less<>> fds_;
};

}  // namespace quorum::storage
