// SimDisk: an in-memory Disk for the deterministic simulator and for tests
// that need crashes. Everything random comes from one Prng seeded by the
// options, so a run is a pure function of (seed, sequence of calls).
//
// Model (the POSIX contract of storage/disk.h, enforced to the letter):
//   - Each file has a volatile image (what reads see) and an undo log of its
//     unsynced operations (writes and resizes, with their pre-images).
//     sync(name) makes the volatile image durable (empties the undo log).
//   - The directory has a volatile name table and a log of unsynced
//     operations (create, rename, remove); sync_dir() makes them durable.
//   - crash() rolls every file back to its durable image: each unsynced write
//     is lost (stats.lost_writes), except that with probability
//     torn_write_per_million the LAST unsynced write of a file is torn
//     instead: a random prefix of it lands, and with probability
//     torn_garbage_per_million the part after the prefix is (partly) random
//     garbage rather than the old bytes (stats.torn_writes). The directory
//     keeps a random prefix of its unsynced operations (a journaling file
//     system commits them in order) or none, per options; a file whose create
//     is lost is gone even if its data was synced.
//   - Bit flips: corrupt(name, offset) flips one bit of stored data now (in
//     the volatile and the durable image); bit_flip_per_million flips a random
//     bit of a write's bytes as it is stored. The layers above must detect
//     them (checksums); stats.bit_flips counts both.
//   - Latency: every operation draws a simulated latency in ticks; SimDisk
//     never sleeps, it adds the latency to a counter the simulator drains
//     with take_latency_ticks() to schedule the completion.
//   - fail_next_syncs(n): the next n sync()/sync_dir() calls fail with an I/O
//     error and make nothing durable.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/prng.h"
#include "storage/disk.h"

namespace quorum::storage {

struct SimDiskOptions {
  std::uint64_t seed = 1;
  std::uint32_t torn_write_per_million = 0;          // crash tears a file's last unsynced write
  std::uint32_t torn_garbage_per_million = 500'000;  // a torn write's lost part is garbage
  std::uint32_t bit_flip_per_million = 0;            // per write: one stored bit flips
  bool keep_unsynced_dir_ops_prefix = true;          // crash keeps a random prefix (else none)
  std::uint32_t io_latency_ticks_min = 0;            // read, write, create, rename, ...
  std::uint32_t io_latency_ticks_max = 0;
  std::uint32_t sync_latency_ticks_min = 0;          // sync, sync_dir
  std::uint32_t sync_latency_ticks_max = 0;
};

struct SimDiskStats {
  std::uint64_t crashes = 0;
  std::uint64_t torn_writes = 0;    // unsynced writes a crash tore (a prefix landed)
  std::uint64_t lost_writes = 0;    // unsynced writes a crash dropped whole
  std::uint64_t lost_dir_ops = 0;   // unsynced create/rename/remove a crash undid
  std::uint64_t bit_flips = 0;      // injected by corrupt() or at the configured rate
  std::uint64_t writes = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t syncs = 0;          // sync() calls that succeeded
  std::uint64_t dir_syncs = 0;      // sync_dir() calls that succeeded
  std::uint64_t failed_syncs = 0;   // injected by fail_next_syncs()
};

class SimDisk final : public Disk {
 public:
  explicit SimDisk(SimDiskOptions options = {});

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

  // Power loss: volatile state is lost as described above.
  void crash();
  // Flips bit `bit` (0..7; a random one if negative) of byte `offset` of `name`.
  Status corrupt(std::string_view name, std::uint64_t offset, int bit = -1);
  // The next `n` sync()/sync_dir() calls fail with an injected I/O error.
  void fail_next_syncs(std::uint32_t n) { failing_syncs_ = n; }
  // Simulated latency of the operations since the last call, in ticks.
  std::uint64_t take_latency_ticks();

  const SimDiskStats& stats() const { return stats_; }
  const SimDiskOptions& options() const { return options_; }
  // Number of unsynced writes and resizes of `name` (0 when all is durable).
  std::uint64_t unsynced_ops(std::string_view name) const;

 private:
  // One unsynced change to a file, with what it replaced: undoing it resizes
  // the file to old_size and writes old_bytes back at offset.
  struct Undo {
    bool is_write = false;
    std::uint64_t offset = 0;
    std::string new_bytes;  // writes only: what was written (needed to tear it)
    std::string old_bytes;
    std::uint64_t old_size = 0;
  };
  struct Inode {
    std::string data;          // the volatile image
    std::vector<Undo> unsynced;
  };
  struct DirOp {
    enum Kind { kCreate, kRename, kRemove } kind;
    std::string name;
    std::string to;            // rename target
    std::uint64_t inode = 0;   // create
  };

  StorageResult<Inode*> find(std::string_view name);
  void resize(Inode& inode, std::uint64_t new_size);  // records an Undo
  void add_latency(std::uint32_t min_ticks, std::uint32_t max_ticks);
  Status take_injected_sync_failure(std::string_view what);
  void collect_garbage();

  SimDiskOptions options_;
  Prng prng_;
  SimDiskStats stats_;
  std::uint64_t next_inode_ = 1;
  std::map<std::uint64_t, Inode> inodes_;
  std::map<std::string, std::uint64_t, std::less<>> dir_;          // volatile names
  std::map<std::string, std::uint64_t, std::less<>> durable_dir_;  // names as of sync_dir()
  std::vector<DirOp> dir_ops_;                                     // since sync_dir()
  std::uint64_t latency_ticks_ = 0;
  std::uint32_t failing_syncs_ = 0;
};

}  // namespace quorum::storage
