// Disk: the few file operations the write-ahead log (storage/wal.h) and the
// snapshot files (storage/snapshot_file.h) need, on the files of ONE directory,
// addressed by name. Two implementations:
//
//   PosixDisk (storage/posix_disk.h)  real files under a directory, fdatasync
//   SimDisk   (storage/sim_disk.h)    in memory, deterministic, with crashes,
//                                     torn writes and bit flips for the simulator
//
// Durability contract (POSIX, and what SimDisk enforces to the letter):
//   - bytes written to a file (write, truncate, allocate) are volatile until
//     sync(name) of that file returns ok;
//   - a directory change (create, rename, remove) is volatile until sync_dir()
//     returns ok, even if the file itself was synced: a synced file whose
//     create was never followed by sync_dir() may vanish in a crash;
//   - rename() atomically replaces the target: after a crash either the old or
//     the new file is found under the target name, never a mix.
//
// Names are plain file names: non-empty, no '/', not "." or "..". list()
// returns them sorted. An implementation is used by one thread at a time (the
// group-commit thread, the simulator); it is not internally synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/error.h"

namespace quorum::storage {

class Disk {
 public:
  virtual ~Disk() = default;

  // Creates an empty file. kExists if the name is taken.
  virtual Status create(std::string_view name) = 0;
  // Writes all of `data` at `offset`; a file shorter than `offset` is first
  // extended with zeros. kNotFound if the file does not exist.
  virtual Status write(std::string_view name, std::uint64_t offset, std::string_view data) = 0;
  // Reads up to `length` bytes at `offset`; fewer (possibly none) at end of file.
  virtual StorageResult<std::string> read(std::string_view name, std::uint64_t offset,
                                          std::uint64_t length) = 0;
  virtual StorageResult<std::uint64_t> size(std::string_view name) = 0;
  // fdatasync: the file's data and size survive a crash once this returns ok.
  virtual Status sync(std::string_view name) = 0;
  // Sets the size: shrinks, or extends with zeros.
  virtual Status truncate(std::string_view name, std::uint64_t size) = 0;
  // Extends the file with zeros to at least `size` bytes, reserving the blocks
  // when the file system can (posix_fallocate); never shrinks.
  virtual Status allocate(std::string_view name, std::uint64_t size) = 0;
  // Atomically renames `from` to `to`, replacing `to` if it exists.
  virtual Status rename(std::string_view from, std::string_view to) = 0;
  virtual Status remove(std::string_view name) = 0;
  // The names of all regular files, sorted.
  virtual StorageResult<std::vector<std::string>> list() = 0;
  // Makes every create, rename and remove so far durable.
  virtual Status sync_dir() = 0;

  // Helpers on top of the primitives.
  Status append(std::string_view name, std::string_view data);  // write at size()
  StorageResult<std::string> read_all(std::string_view name);
  StorageResult<bool> exists(std::string_view name);
};

// True for a name Disk accepts (non-empty, no '/', no NUL, not "." or "..").
bool valid_file_name(std::string_view name);

}  // namespace quorum::storage
