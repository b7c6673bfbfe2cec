#include "storage/wal.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "storage/encoding.h"

namespace quorum::storage {

namespace {

using encoding::all_zero;
using encoding::get_u32;
using encoding::get_u64;

constexpr char kSegmentMagic[8] = {'q', 'u', 'o', 'r', 'u', 'm', 'W', 'L'};

std::string encode_segment_header(std::uint64_t first_lsn) {
  std::string h(kSegmentHeaderBytes, '\0');
  std::memcpy(h.data(), kSegmentMagic, sizeof kSegmentMagic);
  encoding::store_u32(h.data() + 8, kWalFormatVersion);
  encoding::store_u64(h.data() + 16, first_lsn);
  const std::string_view v(h);
  encoding::store_u32(h.data() + 12, encoding::crc32(v.substr(16), encoding::crc32(v.substr(0, 12))));
  return h;
}

// Why the header at the start of `data` is not a valid header for a segment
// named with `first_lsn`; nullopt if it is.
std::optional<std::string> check_segment_header(std::string_view data, std::uint64_t first_lsn) {
  if (data.size() < kSegmentHeaderBytes) return "segment header missing or truncated";
  const std::string_view h = data.substr(0, kSegmentHeaderBytes);
  const std::uint32_t crc = encoding::crc32(h.substr(16), encoding::crc32(h.substr(0, 12)));
  if (crc != get_u32(h.data() + 12)) return "segment header checksum mismatch";
  if (std::memcmp(h.data(), kSegmentMagic, sizeof kSegmentMagic) != 0) return "bad segment magic";
  if (const std::uint32_t v = get_u32(h.data() + 8); v != kWalFormatVersion) {
    return "unsupported format version " + std::to_string(v);
  }
  if (const std::uint64_t lsn = get_u64(h.data() + 16); lsn != first_lsn) {
    return "header says first LSN " + std::to_string(lsn) + ", file name says " +
           std::to_string(first_lsn);
  }
  return std::nullopt;
}

std::uint32_t frame_crc(std::string_view frame) {
  return encoding::crc32(frame.substr(9), encoding::crc32(frame.substr(0, 5)));
}

struct Frame {
  std::uint8_t type = 0;
  std::uint64_t lsn = 0;
  std::uint64_t synced = 0;
  std::string_view payload;
  std::size_t size = 0;  // header + payload
};

// Parses the frame at `off` expecting LSN `expected`. Returns why it is not
// valid, or nullopt and fills `out`.
std::optional<std::string> check_frame(std::string_view data, std::size_t off,
                                       std::uint64_t expected, Frame* out) {
  if (data.size() - off < kFrameHeaderBytes) return "truncated frame header";
  const char* p = data.data() + off;
  const std::uint32_t length = get_u32(p);
  if (length > kMaxRecordBytes) {
    return "record length " + std::to_string(length) + " exceeds the limit " +
           std::to_string(kMaxRecordBytes);
  }
  if (data.size() - off - kFrameHeaderBytes < length) return "record runs past the end of the file";
  const std::string_view frame = data.substr(off, kFrameHeaderBytes + length);
  if (frame_crc(frame) != get_u32(p + 5)) return "checksum mismatch";
  const std::uint64_t lsn = get_u64(p + 9);
  const std::uint64_t synced = get_u64(p + 17);
  if (lsn != expected) {
    return "LSN " + std::to_string(lsn) + " out of sequence (expected " + std::to_string(expected) + ")";
  }
  if (synced >= lsn) return "sync mark " + std::to_string(synced) + " not below its LSN";
  out->type = static_cast<std::uint8_t>(p[4]);
  out->lsn = lsn;
  out->synced = synced;
  out->payload = frame.substr(kFrameHeaderBytes);
  out->size = frame.size();
  return std::nullopt;
}

// The first non-zero byte at or after `from`, or data.size().
std::size_t next_nonzero(std::string_view data, std::size_t from) {
  std::size_t i = from;
  while (i < data.size() && (i % 8) != 0) {
    if (data[i] != 0) return i;
    ++i;
  }
  for (; i + 8 <= data.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data.data() + i, 8);
    if (w != 0) break;
  }
  while (i < data.size() && data[i] == 0) ++i;
  return i;
}

// Valid frames found after an invalid spot.
struct LaterFrames {
  bool found = false;
  std::size_t offset = 0;          // of the first one found
  std::uint64_t lsn = 0;
  bool written_after_sync = false; // one of them has synced >= `expected`
  std::size_t witness_offset = 0;  // ... that one
  std::uint64_t witness_lsn = 0;
};

// Searches [start, end) for valid frames with an LSN that could follow
// `expected` (at every byte offset; runs of zeros are skipped quickly, and
// the cheap LSN-range test rejects garbage before any checksum is computed).
LaterFrames find_later_frames(std::string_view data, std::size_t start, std::uint64_t expected) {
  LaterFrames r;
  if (start >= data.size()) return r;
  const std::uint64_t lsn_max = expected + (data.size() - start) / kFrameHeaderBytes + 1;
  std::size_t o = start;
  while (o + kFrameHeaderBytes <= data.size()) {
    const std::uint64_t lsn = get_u64(data.data() + o + 9);
    if (lsn == 0) {
      // No frame starts here; the next candidate has a non-zero byte in its
      // LSN field [o'+9, o'+17), which lies at or after o + 17.
      const std::size_t p = next_nonzero(data, o + 17);
      if (p >= data.size()) break;
      o = std::max(o + 1, p - 16);
      continue;
    }
    Frame f;
    if (lsn >= expected && lsn <= lsn_max && get_u64(data.data() + o + 17) < lsn &&
        !check_frame(data, o, lsn, &f)) {
      if (!r.found) {
        r.found = true;
        r.offset = o;
        r.lsn = lsn;
      }
      if (f.synced >= expected && !r.written_after_sync) {
        r.written_after_sync = true;
        r.witness_offset = o;
        r.witness_lsn = lsn;
      }
      o += f.size;
      continue;
    }
    ++o;
  }
  return r;
}

struct SegmentScan {
  std::uint64_t next_lsn = 0;   // one past the last valid record
  std::uint64_t valid_end = 0;  // end of the last valid frame; 0 if the header is bad
  bool header_ok = false;
  bool dirty_tail = false;      // non-zero bytes after valid_end (to be cut)
  std::string tail_note;
};

Error corruption(const std::string& name, std::uint64_t offset, const std::string& what) {
  return make_error(ErrorKind::kCorruption, name + " at offset " + std::to_string(offset) + ": " + what);
}

StorageResult<SegmentScan> scan_segment(const std::string& name, std::string_view data,
                                        std::uint64_t first_lsn, bool is_last,
                                        const Wal::ReplayFn& replay) {
  SegmentScan s;
  s.next_lsn = first_lsn;
  if (auto bad = check_segment_header(data, first_lsn)) {
    const bool zero = all_zero(data.substr(0, kSegmentHeaderBytes));
    const LaterFrames later = find_later_frames(data, 1, first_lsn);
    if (!is_last) return corruption(name, 0, *bad);
    if (later.found && !(zero && !later.written_after_sync)) {
      return corruption(name, 0, *bad + "; valid records follow at offset " + std::to_string(later.offset));
    }
    // Cases e, f: a segment whose creation a crash interrupted.
    s.dirty_tail = !all_zero(data);
    s.tail_note = name + ": " + (data.empty() ? std::string("empty file") : *bad) +
                  "; empty segment re-initialised";
    return s;
  }
  s.header_ok = true;
  std::size_t off = kSegmentHeaderBytes;
  std::uint64_t expected = first_lsn;
  while (off < data.size()) {
    Frame f;
    const auto bad = check_frame(data, off, expected, &f);
    if (!bad) {
      if (replay) replay(Lsn{f.lsn}, f.type, f.payload);
      ++expected;
      off += f.size;
      continue;
    }
    const bool zero = all_zero(data.substr(off, kFrameHeaderBytes));
    const LaterFrames later = find_later_frames(data, off + 1, expected);
    if (zero && !later.found) break;  // case a: the zero-filled end
    const std::string follow = later.found ? "; valid record (LSN " + std::to_string(later.lsn) +
                                                 ") follows at offset " + std::to_string(later.offset)
                                           : std::string();
    if (!is_last) {
      return corruption(name, off, (zero ? std::string("zero-filled record") : *bad) + follow);
    }
    if (later.found && !zero) return corruption(name, off, *bad + follow);
    if (later.found && later.written_after_sync) {
      return corruption(name, off,
                        "zero-filled record where LSN " + std::to_string(expected) +
                            " belongs, but LSN " + std::to_string(later.witness_lsn) + " at offset " +
                            std::to_string(later.witness_offset) +
                            " was written after it had been synced (lost write)");
    }
    // Case b (torn tail) or c (hole inside the unsynced last write).
    s.tail_note = name + " at offset " + std::to_string(off) + ": " +
                  (zero ? "zero-filled hole in the unsynced tail" : *bad) +
                  " (torn tail, discarded)";
    break;
  }
  s.next_lsn = expected;
  s.valid_end = off;
  s.dirty_tail = off < data.size() && !all_zero(data.substr(off));
  return s;
}

}  // namespace

std::string Wal::segment_name(std::uint64_t first_lsn) {
  return encoding::hex_file_name("wal-", first_lsn, ".log");
}

bool Wal::parse_segment_name(std::string_view name, std::uint64_t* first_lsn) {
  std::uint64_t v = 0;
  if (!encoding::parse_hex_file_name(name, "wal-", ".log", &v) || v == 0) return false;
  *first_lsn = v;
  return true;
}

StorageResult<Wal> Wal::open(Disk& disk, const WalOptions& options, const ReplayFn& replay,
                             WalRecoveryInfo* info_out) {
  if (options.max_record_bytes > kMaxRecordBytes) {
    return make_error(ErrorKind::kInvalidArgument,
                      "max_record_bytes " + std::to_string(options.max_record_bytes) +
                          " exceeds the format limit " + std::to_string(kMaxRecordBytes));
  }
  const std::uint64_t largest_frame = kFrameHeaderBytes + options.max_record_bytes;
  if (options.segment_bytes < kSegmentHeaderBytes + largest_frame) {
    return make_error(ErrorKind::kInvalidArgument,
                      "segment_bytes " + std::to_string(options.segment_bytes) +
                          " cannot hold a record of max_record_bytes " +
                          std::to_string(options.max_record_bytes));
  }
  if (options.max_unsynced_bytes < largest_frame) {
    return make_error(ErrorKind::kInvalidArgument, "max_unsynced_bytes is below one record");
  }

  auto names = disk.list();
  if (!names) return names.error();
  std::vector<std::pair<std::uint64_t, std::string>> found;
  for (const auto& n : names.value()) {
    std::uint64_t lsn = 0;
    if (parse_segment_name(n, &lsn)) found.emplace_back(lsn, n);
  }
  std::sort(found.begin(), found.end());

  Wal wal(disk, options);
  WalRecoveryInfo info;
  std::uint64_t expected = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const auto& [first_lsn, name] = found[i];
    const bool is_last = i + 1 == found.size();
    if (i > 0 && first_lsn != expected) {
      return make_error(ErrorKind::kCorruption,
                        name + " at offset 0: starts at LSN " + std::to_string(first_lsn) + " but " +
                            found[i - 1].second + " ends at LSN " + std::to_string(expected - 1) +
                            " (records missing or overlapping)");
    }
    auto data = disk.read_all(name);
    if (!data) return data.error();
    std::uint64_t replayed = 0;
    const ReplayFn count = [&](Lsn lsn, std::uint8_t type, std::string_view payload) {
      if (info.first_lsn == Lsn{0}) info.first_lsn = lsn;
      info.last_lsn = lsn;
      ++replayed;
      if (replay) replay(lsn, type, payload);
    };
    auto scan = scan_segment(name, data.value(), first_lsn, is_last, count);
    if (!scan) return scan.error();
    const SegmentScan& s = scan.value();
    ++info.segments;
    info.records += replayed;
    expected = s.next_lsn;
    Segment seg{first_lsn, name, s.valid_end};

    if (is_last) {
      // Make what was recovered durable and the tail clean (zeros), so later
      // appends overwrite it and a crash during this leaves the same state.
      const std::uint64_t file_size = data.value().size();
      if (!s.tail_note.empty()) info.tail_note = s.tail_note;
      if (!s.header_ok) {
        info.discarded_tail_bytes = s.dirty_tail ? file_size : 0;
        if (auto st = disk.truncate(name, 0); !st) return st.error();
        if (auto st = disk.allocate(name, options.segment_bytes); !st) return st.error();
        if (auto st = disk.write(name, 0, encode_segment_header(first_lsn)); !st) return st.error();
        seg.end = kSegmentHeaderBytes;
      } else {
        if (s.dirty_tail) {
          info.discarded_tail_bytes = file_size - s.valid_end;
          if (auto st = disk.truncate(name, s.valid_end); !st) return st.error();
        }
        if (auto st = disk.allocate(name, std::max(options.segment_bytes, s.valid_end)); !st) {
          return st.error();
        }
      }
      if (auto st = disk.sync(name); !st) return st.error();
      if (auto st = disk.sync_dir(); !st) return st.error();
    }
    wal.segments_.push_back(std::move(seg));
  }
  wal.next_lsn_ = found.empty() ? 1 : expected;
  wal.durable_lsn_ = wal.next_lsn_ - 1;
  wal.written_lsn_ = wal.durable_lsn_;
  if (info_out) *info_out = std::move(info);
  return wal;
}

StorageResult<Wal::Opened> Wal::open(Disk& disk, const WalOptions& options) {
  std::vector<WalRecord> records;
  WalRecoveryInfo info;
  auto wal = open(
      disk, options,
      [&](Lsn lsn, std::uint8_t type, std::string_view payload) {
        records.push_back(WalRecord{lsn, type, std::string(payload)});
      },
      &info);
  if (!wal) return wal.error();
  return Opened{std::move(wal).value(), std::move(records), std::move(info)};
}

Status Wal::fail(Error e) {
  failed_ = true;
  return e;
}

StorageResult<Lsn> Wal::append(std::uint8_t type, std::string_view payload) {
  if (failed_) return make_error(ErrorKind::kFailed, "write-ahead log failed earlier; reopen it");
  if (payload.size() > options_.max_record_bytes) {
    return make_error(ErrorKind::kInvalidArgument,
                      "record of " + std::to_string(payload.size()) + " bytes exceeds max_record_bytes " +
                          std::to_string(options_.max_record_bytes));
  }
  const std::size_t frame_bytes = kFrameHeaderBytes + payload.size();
  if (pending_.size() + frame_bytes > options_.max_unsynced_bytes) {
    return make_error(ErrorKind::kFull, "more than max_unsynced_bytes " +
                                            std::to_string(options_.max_unsynced_bytes) +
                                            " appended without sync()");
  }
  const std::uint64_t lsn = next_lsn_++;
  const std::size_t start = pending_.size();
  encoding::put_u32(pending_, static_cast<std::uint32_t>(payload.size()));
  pending_.push_back(static_cast<char>(type));
  encoding::put_u32(pending_, 0);  // crc, filled in below
  encoding::put_u64(pending_, lsn);
  encoding::put_u64(pending_, durable_lsn_);
  pending_.append(payload);
  const std::string_view frame = std::string_view(pending_).substr(start);
  encoding::store_u32(pending_.data() + start + 5, frame_crc(frame));
  ++stats_.appends;
  stats_.bytes_appended += frame_bytes;
  return Lsn{lsn};
}

Status Wal::write_segment(Segment& seg, std::string_view bytes, bool sync_it) {
  const std::uint64_t offset = seg.end - bytes.size();
  if (auto st = disk_->write(seg.name, offset, bytes); !st) return fail(st.error());
  if (!sync_it) {
    tail_dirty_ = true;
    return ok_status();
  }
  if (auto st = disk_->sync(seg.name); !st) return fail(st.error());
  ++stats_.file_syncs;
  return ok_status();
}

Status Wal::write() {
  if (failed_) return make_error(ErrorKind::kFailed, "write-ahead log failed earlier; reopen it");
  if (pending_.empty()) return ok_status();
  const std::string_view all(pending_);
  std::size_t pos = 0;
  std::size_t batch_start = 0;      // first pending byte not yet written
  bool batch_in_new_segment = false;
  bool created = false;

  // Writes pending_[batch_start, pos) to the current segment (after a fresh
  // header if the segment is new); fdatasyncs it when `sync_it`.
  auto flush = [&](bool sync_it) -> Status {
    Segment& seg = segments_.back();
    const std::string_view frames = all.substr(batch_start, pos - batch_start);
    if (batch_in_new_segment) {
      std::string buf = encode_segment_header(seg.first_lsn);
      buf.append(frames);
      seg.end = buf.size();
      if (auto st = write_segment(seg, buf, sync_it); !st) return st;
    } else {
      seg.end += frames.size();
      if (auto st = write_segment(seg, frames, sync_it); !st) return st;
    }
    batch_start = pos;
    batch_in_new_segment = false;
    return ok_status();
  };

  std::uint64_t last_lsn_in_batch = 0;
  while (pos < all.size()) {
    const std::size_t frame_bytes = kFrameHeaderBytes + get_u32(all.data() + pos);
    const std::uint64_t frame_lsn = get_u64(all.data() + pos + 9);
    const bool fits =
        !segments_.empty() &&
        (batch_in_new_segment ? kSegmentHeaderBytes : segments_.back().end) + (pos - batch_start) +
                frame_bytes <=
            options_.segment_bytes;
    if (!fits) {
      // Roll over: the current segment is made durable before the next one
      // exists, so only the last segment can ever have a torn tail. That
      // includes bytes an earlier write() left unsynced there.
      if (pos > batch_start) {
        if (auto st = flush(true); !st) return st;
        durable_lsn_ = last_lsn_in_batch;
      } else if (tail_dirty_) {
        if (auto st = disk_->sync(segments_.back().name); !st) return fail(st.error());
        ++stats_.file_syncs;
      }
      if (tail_dirty_) durable_lsn_ = std::max(durable_lsn_, written_lsn_);
      tail_dirty_ = false;
      const std::string name = segment_name(frame_lsn);
      if (auto st = disk_->create(name); !st) return fail(st.error());
      if (auto st = disk_->allocate(name, options_.segment_bytes); !st) return fail(st.error());
      segments_.push_back(Segment{frame_lsn, name, 0});
      ++stats_.segments_created;
      batch_in_new_segment = true;
      created = true;
    }
    last_lsn_in_batch = frame_lsn;
    pos += frame_bytes;
  }
  // A new segment's header is synced with its first write: a later write()
  // to it must never be able to land while the header is lost.
  if (auto st = flush(created); !st) return st;
  if (created) durable_lsn_ = last_lsn_in_batch;
  if (created) {
    if (auto st = disk_->sync_dir(); !st) return fail(st.error());
    ++stats_.dir_syncs;
  }
  written_lsn_ = next_lsn_ - 1;
  pending_.clear();
  return ok_status();
}

Status Wal::sync() {
  if (failed_) return make_error(ErrorKind::kFailed, "write-ahead log failed earlier; reopen it");
  if (pending_.empty() && !tail_dirty_) return ok_status();
  if (auto st = write(); !st) return st;
  if (tail_dirty_) {
    if (auto st = disk_->sync(segments_.back().name); !st) return fail(st.error());
    ++stats_.file_syncs;
    tail_dirty_ = false;
  }
  ++stats_.syncs;
  durable_lsn_ = written_lsn_;
  return ok_status();
}

Status Wal::truncate_prefix(Lsn lsn) {
  if (failed_) return make_error(ErrorKind::kFailed, "write-ahead log failed earlier; reopen it");
  std::size_t removed = 0;
  // Oldest first, so a crash part-way leaves a contiguous log (case g).
  while (segments_.size() - removed >= 2 && segments_[removed + 1].first_lsn <= lsn.value()) {
    if (auto st = disk_->remove(segments_[removed].name); !st) {
      segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(removed));
      return st;
    }
    ++removed;
    ++stats_.segments_removed;
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(removed));
  if (removed > 0) {
    if (auto st = disk_->sync_dir(); !st) return st;
    ++stats_.dir_syncs;
  }
  return ok_status();
}

Lsn Wal::first_lsn() const { return Lsn{segments_.empty() ? next_lsn_ : segments_.front().first_lsn}; }

std::vector<std::string> Wal::segment_names() const {
  std::vector<std::string> v;
  for (const auto& s : segments_) v.push_back(s.name);
  return v;
}

}  // namespace quorum::storage
