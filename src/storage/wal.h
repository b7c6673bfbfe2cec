// Wal: a segmented write-ahead log of opaque, typed records over a Disk
// (DESIGN.md section 3). Protocol cores never see it: the harness appends the
// records a core emits, calls sync(), and acknowledges durable_lsn() back to
// the core. In the real runtime a GroupCommitter (storage/group_commit.h)
// owns the Wal on its own thread and turns many appends into one fdatasync.
//
// The log stores records; it does not interpret them. Replay returns every
// record in LSN order and the caller rebuilds its state from them (later
// records supersede earlier ones). After a snapshot, truncate_prefix() drops
// whole segments the snapshot made unnecessary.
//
// ============================================================================
// On-disk format, version 1. All integers are little-endian.
// ============================================================================
//
// The log is a sequence of segment files in the Disk's directory, named
//
//     wal-<first LSN, 16 lowercase hex digits>.log    e.g. wal-0000000000000001.log
//
// Other names are ignored (snapshots may share the directory). LSNs (log
// sequence numbers) start at 1 and grow by one per record across segments;
// the first LSN of each segment is one past the last LSN of the segment
// before it. Each segment is extended with zeros to options.segment_bytes when
// created (default 64 MiB) and holds:
//
//   Segment header, kSegmentHeaderBytes = 32:
//     [0, 8)    magic "quorumWL"
//     [8, 12)   format version (1)
//     [12, 16)  CRC-32 (zlib) of header bytes [0, 12) followed by [16, 32)
//     [16, 24)  first LSN, equal to the one in the file name
//     [24, 32)  reserved, zero
//   Frames, back to back from offset 32, then zeros to the preallocated end.
//
//   Frame, kFrameHeaderBytes = 25, then the payload:
//     [0, 4)    length  payload bytes, <= kMaxRecordBytes
//     [4, 5)    type    chosen by the caller, opaque to the log
//     [5, 9)    crc     CRC-32 (zlib) of frame bytes [0, 5) followed by
//                       [9, 25 + length): every byte of the frame but itself
//     [9, 17)   lsn     this record's LSN
//     [17, 25)  synced  the log's durable LSN when the frame was encoded: every
//                       record up to `synced` had been fdatasync'ed before this
//                       frame was written (always < lsn)
//     [25, 25 + length) payload
//
// A frame is valid iff its length is within the limit, it fits in the file,
// its CRC matches, its lsn is the next expected one and synced < lsn. An
// all-zero frame header is never valid (lsn >= 1): zeros mark the end of what
// was written.
//
// ============================================================================
// Writing
// ============================================================================
//
// append() encodes a frame in memory; nothing touches the disk, the record is
// volatile. sync() writes every appended frame, per segment as ONE contiguous
// write followed by one fdatasync. When the next frame does not fit in the
// current segment (roll-over), the bytes for the current segment are written
// and fdatasync'ed FIRST; only then is the next segment created, extended
// with zeros, written (header and frames in a single write), fdatasync'ed,
// and the directory synced. Consequences recovery relies on:
//   - every segment but the last is complete and durable;
//   - the last segment holds unsynced writes only at its tail, after its
//     synced header.
// write() is the first half of sync(): the same writes (and the same
// fdatasyncs at a roll-over, plus one of the new segment with its header)
// but none for the final write to the last segment, which stays unsynced
// until sync(). Several write()s may precede a sync(); a crash may then lose
// or tear them as one unsynced tail (cases b, c).
// A failed write or fdatasync leaves the Wal failed: every later call returns
// kFailed. (After a failed fdatasync the kernel may have dropped the dirty
// pages and a retry can report success; the only safe course is to reopen
// and let recovery decide what is on disk.)
//
// ============================================================================
// Recovery (Wal::open) and every crash case
// ============================================================================
//
// Segments are scanned in LSN order, frames in offset order. At the first
// offset X of a segment where no valid frame starts (or at a bad segment
// header), the rest of that segment is searched for any valid frame with a
// later LSN (at every byte offset, skipping zeros), and the case is decided:
//
//   a. Clean end. X holds an all-zero header and nothing valid follows: the
//      preallocated zero tail. Normal in every segment.
//   b. Torn tail. X is in the LAST segment, holds something non-zero but
//      invalid (a partial frame, garbage, a torn header) and nothing valid
//      follows: a crash interrupted the last write. The bytes from X on are
//      treated as never written: open() cuts the segment at X, extends it
//      with zeros again and syncs it, so appends overwrite the tail. Those
//      records were never acknowledged (their sync() had not returned).
//   c. Hole in the unsynced tail. X is in the LAST segment and is all zeros,
//      valid frames follow, and every one of them has synced < the LSN
//      expected at X: they belong to the same unsynced write as the hole (the
//      crash persisted its pages out of order). Handled as b.
//   d. Corruption, everything else: a non-zero invalid frame with a valid
//      frame after it (a bit flip, a misdirected write); a zero hole followed
//      by a frame written after the hole's record had been synced (a lost
//      write); any invalid frame or header in a segment that is not the last;
//      segments whose LSNs are not contiguous. open() refuses with
//      kCorruption and names the file and byte offset, e.g.
//          "wal-0000000000000001.log at offset 1234: checksum mismatch"
//      Nothing is ever skipped silently.
//   e. Crash during roll-over. The new segment may be missing (its create
//      never became durable), empty, hold a partial header, or a header with
//      a torn first write. The previous segment was synced before the new one
//      was created, so the new one is just the last segment with a torn tail
//      (b). If its header is missing or torn (and nothing valid follows it) it
//      is an empty segment: open() re-initialises it in place; its first LSN
//      comes from its name, which must follow the previous segment.
//   f. A segment file that exists but is empty: as e.
//   g. Crash during truncate_prefix(). Segments are removed oldest first, then
//      the directory is synced; a crash may bring back some of the removed
//      segments (a prefix, on a file system that commits directory changes in
//      order). They are complete and contiguous, so they are replayed again;
//      the caller skips what its snapshot covers.
//   h. Crash during open() itself: open() only cuts the tail of the last
//      segment and re-extends it; redoing that is harmless.
//
// Limits of detection (inherent in per-record checksums without redundant
// copies): a corrupted LAST record, or a zeroed (lost) write inside the last
// written batch, looks exactly like a torn write and is dropped as in b / c.
//
// Records replayed before open() detects corruption further on came from a
// log that cannot be opened: the caller must discard them (the overload that
// returns a vector does so for you).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "storage/disk.h"

namespace quorum::storage {

// Log sequence number: 1-based, one per record; Lsn{0} means "none".
using Lsn = StrongId<struct LsnTag, std::uint64_t>;

inline constexpr std::size_t kSegmentHeaderBytes = 32;
inline constexpr std::size_t kFrameHeaderBytes = 25;
inline constexpr std::uint32_t kWalFormatVersion = 1;
// Largest record payload the format allows; a longer frame is invalid.
inline constexpr std::size_t kMaxRecordBytes = 8 << 20;
inline constexpr std::uint64_t kDefaultSegmentBytes = 64ULL << 20;
// Appended but not yet synced bytes a Wal buffers before append() says kFull.
inline constexpr std::size_t kDefaultMaxUnsyncedBytes = 64 << 20;

struct WalOptions {
  // Size each segment is preallocated to. Must hold the header and the
  // largest record: segment_bytes >= 32 + 25 + max_record_bytes.
  std::uint64_t segment_bytes = kDefaultSegmentBytes;
  // Largest payload append() accepts (<= kMaxRecordBytes).
  std::size_t max_record_bytes = kMaxRecordBytes;
  std::size_t max_unsynced_bytes = kDefaultMaxUnsyncedBytes;
};

struct WalRecord {
  Lsn lsn;
  std::uint8_t type = 0;
  std::string payload;

  bool operator==(const WalRecord&) const = default;
};

// What open() found.
struct WalRecoveryInfo {
  std::size_t segments = 0;        // segment files scanned
  std::uint64_t records = 0;       // records replayed
  Lsn first_lsn;                   // first record replayed (0 if none)
  Lsn last_lsn;                    // last record replayed (0 if none)
  std::uint64_t discarded_tail_bytes = 0;  // cut from the last segment (cases b, c)
  std::string tail_note;           // what was cut and why; empty on a clean end
};

struct WalStats {
  std::uint64_t appends = 0;
  std::uint64_t bytes_appended = 0;   // frame bytes, headers included
  std::uint64_t syncs = 0;            // sync() calls that wrote something
  std::uint64_t file_syncs = 0;       // fdatasync calls on segments
  std::uint64_t dir_syncs = 0;
  std::uint64_t segments_created = 0;
  std::uint64_t segments_removed = 0;
};

class Wal {
 public:
  using ReplayFn = std::function<void(Lsn lsn, std::uint8_t type, std::string_view payload)>;

  struct Opened;

  // Recovers the log in `disk` (an empty directory is an empty log), calling
  // `replay` for every record in LSN order, and returns it ready to append.
  // `info`, if given, receives what recovery found. `disk` must outlive the Wal.
  static StorageResult<Wal> open(Disk& disk, const WalOptions& options, const ReplayFn& replay,
                                 WalRecoveryInfo* info = nullptr);
  // Same, collecting the records.
  static StorageResult<Opened> open(Disk& disk, const WalOptions& options);

  Wal(Wal&&) noexcept = default;
  Wal& operator=(Wal&&) noexcept = default;
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Buffers a record (volatile until sync()) and returns its LSN.
  // kInvalidArgument if the payload exceeds max_record_bytes, kFull beyond
  // max_unsynced_bytes, kFailed after an I/O error.
  StorageResult<Lsn> append(std::uint8_t type, std::string_view payload);
  // Makes every appended record durable: one write and one fdatasync per
  // segment touched (plus a directory sync after a roll-over).
  Status sync();
  // The first half of sync(): writes the appended records to the last
  // segment without fdatasync (a roll-over still syncs the segment it
  // leaves, and the new one with its header). They are not durable and may be torn by a crash until sync().
  // The simulator uses the gap between the two to crash mid-write.
  Status write();
  // Removes whole segments all of whose records are below `lsn` (never the
  // last segment, which receives appends), then syncs the directory.
  Status truncate_prefix(Lsn lsn);

  Lsn durable_lsn() const { return Lsn{durable_lsn_}; }  // last record known durable
  Lsn written_lsn() const { return Lsn{written_lsn_}; }  // last record handed to the disk
  Lsn last_lsn() const { return Lsn{next_lsn_ - 1}; }     // last record appended
  Lsn first_lsn() const;  // oldest record still stored (next LSN when there is none)
  bool failed() const { return failed_; }
  const WalStats& stats() const { return stats_; }
  const WalOptions& options() const { return options_; }
  std::vector<std::string> segment_names() const;

  static std::string segment_name(std::uint64_t first_lsn);
  // The first LSN in a segment file name; false if `name` is not one.
  static bool parse_segment_name(std::string_view name, std::uint64_t* first_lsn);

 private:
  struct Segment {
    std::uint64_t first_lsn = 0;
    std::string name;
    std::uint64_t end = 0;  // bytes in use (header + frames); appends go here
  };

  Wal(Disk& disk, const WalOptions& options) : disk_(&disk), options_(options) {}

  Status write_segment(Segment& seg, std::string_view bytes, bool sync_it);
  Status fail(Error e);

  Disk* disk_;
  WalOptions options_;
  std::vector<Segment> segments_;  // oldest first; back() is the current one
  std::string pending_;            // encoded frames appended since the last sync()
  std::uint64_t next_lsn_ = 1;
  std::uint64_t durable_lsn_ = 0;
  std::uint64_t written_lsn_ = 0;  // written to the disk, durable or not
  bool tail_dirty_ = false;        // the last segment has writes not yet fdatasync'ed
  bool failed_ = false;
  WalStats stats_;
};

struct Wal::Opened {
  Wal wal;
  std::vector<WalRecord> records;
  WalRecoveryInfo info;
};

}  // namespace quorum::storage
