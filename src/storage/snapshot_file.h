// Snapshot files: a state machine snapshot (opaque bytes) with its log
// position (the last included index) and a metadata string (for example the
// configuration or the protocol's hard state), checksummed and written
// atomically (DESIGN.md section 3).
//
// File name: snapshot-<last included index, 16 lowercase hex digits>.snap
// Format, version 1, little-endian:
//   [0, 8)     magic "quorumSN"
//   [8, 12)    format version (1)
//   [12, 16)   metadata length M (<= kMaxSnapshotMetadataBytes)
//   [16, 24)   last included index
//   [24, 32)   data length D (<= kMaxSnapshotBytes)
//   [32, 32+M)         metadata
//   [32+M, 32+M+D)     data
//   [32+M+D, 36+M+D)   CRC-32 (zlib) of every preceding byte
// The file must be exactly 36 + M + D bytes long.
//
// Writing (atomic replace): the bytes go to "<name>.tmp" (a stale one is
// removed first), which is fdatasync'ed, renamed over <name>, and the
// directory is synced. A crash at any point leaves either no new snapshot (a
// stale .tmp is ignored and removed by the next write) or the complete new
// one; never a partial file under a snapshot name. Then all but the newest
// `keep` snapshots (by index) are removed, with stale .tmp files.
//
// Loading (policy): load_latest() tries the snapshots newest first. One that
// does not verify is reported by file name and reason in
// LoadedSnapshot::corrupted and the next older one is tried; no snapshot
// file at all is not an error (nullopt); files that all fail is kCorruption
// naming each. A fallback to an older snapshot is only useful if the log
// still holds what follows it: truncate the write-ahead log only up to what
// the OLDEST kept snapshot covers (keep >= 2), or treat a fallback as "fetch
// a snapshot from a peer". Corrupted files are left in place (evidence) until
// pruned by later writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "storage/disk.h"

namespace quorum::storage {

inline constexpr std::size_t kSnapshotHeaderBytes = 32;
inline constexpr std::size_t kSnapshotTrailerBytes = 4;
inline constexpr std::uint32_t kSnapshotFormatVersion = 1;
inline constexpr std::size_t kMaxSnapshotMetadataBytes = 1 << 20;
// The one snapshot size limit (core/limits.h): what a replica writes, reads
// back and receives from a peer.
using limits::kMaxSnapshotBytes;
inline constexpr std::size_t kDefaultSnapshotsKept = 2;

struct Snapshot {
  std::uint64_t last_included_index = 0;
  std::string metadata;
  std::string data;

  bool operator==(const Snapshot&) const = default;
};

struct LoadedSnapshot {
  std::optional<Snapshot> snapshot;    // nullopt: there is no snapshot file
  std::string file;                    // the file it came from
  std::vector<std::string> corrupted;  // newer files skipped: "<file> at offset N: <reason>"
};

struct SnapshotStoreOptions {
  std::size_t keep = kDefaultSnapshotsKept;  // snapshots kept after a write (>= 1)
};

class SnapshotStore {
 public:
  explicit SnapshotStore(Disk& disk, SnapshotStoreOptions options = {});

  // Writes `snapshot` atomically (see above), then prunes.
  Status write(const Snapshot& snapshot);
  // The newest snapshot that verifies (policy above).
  StorageResult<LoadedSnapshot> load_latest();
  // The snapshot with this index; kNotFound or kCorruption.
  StorageResult<Snapshot> load(std::uint64_t last_included_index);
  // Indexes of the snapshot files present, ascending.
  StorageResult<std::vector<std::uint64_t>> list();

  static std::string file_name(std::uint64_t last_included_index);
  static bool parse_file_name(std::string_view name, std::uint64_t* last_included_index);
  // Verifies and decodes the bytes of a snapshot file named `name`.
  static StorageResult<Snapshot> decode(std::string_view bytes, const std::string& name);

 private:
  Status prune();

  Disk* disk_;
  SnapshotStoreOptions options_;
};

}  // namespace quorum::storage
