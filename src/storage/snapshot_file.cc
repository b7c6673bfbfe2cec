#include "storage/snapshot_file.h"

#include <algorithm>
#include <cstring>

#include "storage/encoding.h"

namespace quorum::storage {

namespace {

constexpr char kSnapshotMagic[8] = {'q', 'u', 'o', 'r', 'u', 'm', 'S', 'N'};
constexpr std::string_view kPrefix = "snapshot-";
constexpr std::string_view kSuffix = ".snap";
constexpr std::string_view kTmpSuffix = ".tmp";

Error corrupt(const std::string& name, std::uint64_t offset, const std::string& what) {
  return make_error(ErrorKind::kCorruption, name + " at offset " + std::to_string(offset) + ": " + what);
}

}  // namespace

SnapshotStore::SnapshotStore(Disk& disk, SnapshotStoreOptions options)
    : disk_(&disk), options_(options) {
  if (options_.keep == 0) options_.keep = 1;
}

std::string SnapshotStore::file_name(std::uint64_t index) {
  return encoding::hex_file_name(kPrefix, index, kSuffix);
}

bool SnapshotStore::parse_file_name(std::string_view name, std::uint64_t* index) {
  return encoding::parse_hex_file_name(name, kPrefix, kSuffix, index);
}

StorageResult<Snapshot> SnapshotStore::decode(std::string_view bytes, const std::string& name) {
  if (bytes.size() < kSnapshotHeaderBytes + kSnapshotTrailerBytes) {
    return corrupt(name, 0, "file of " + std::to_string(bytes.size()) + " bytes is too short");
  }
  const char* p = bytes.data();
  const std::uint64_t meta_len = encoding::get_u32(p + 12);
  const std::uint64_t data_len = encoding::get_u64(p + 24);
  // Verify the checksum first: a wrong length or magic is then corruption,
  // not a format question.
  const std::size_t body = bytes.size() - kSnapshotTrailerBytes;
  if (encoding::crc32(bytes.substr(0, body)) != encoding::get_u32(p + body)) {
    return corrupt(name, body, "checksum mismatch");
  }
  if (std::memcmp(p, kSnapshotMagic, sizeof kSnapshotMagic) != 0) return corrupt(name, 0, "bad magic");
  if (const std::uint32_t v = encoding::get_u32(p + 8); v != kSnapshotFormatVersion) {
    return corrupt(name, 8, "unsupported format version " + std::to_string(v));
  }
  if (meta_len > kMaxSnapshotMetadataBytes) {
    return corrupt(name, 12, "metadata length " + std::to_string(meta_len) + " exceeds the limit");
  }
  if (data_len > kMaxSnapshotBytes) {
    return corrupt(name, 24, "data length " + std::to_string(data_len) + " exceeds the limit");
  }
  if (kSnapshotHeaderBytes + meta_len + data_len + kSnapshotTrailerBytes != bytes.size()) {
    return corrupt(name, 0, "header announces " + std::to_string(meta_len) + " + " +
                                std::to_string(data_len) + " bytes, file has " +
                                std::to_string(bytes.size()));
  }
  Snapshot s;
  s.last_included_index = encoding::get_u64(p + 16);
  s.metadata.assign(bytes.substr(kSnapshotHeaderBytes, meta_len));
  s.data.assign(bytes.substr(kSnapshotHeaderBytes + meta_len, data_len));
  std::uint64_t from_name = 0;
  if (parse_file_name(name, &from_name) && from_name != s.last_included_index) {
    return corrupt(name, 16, "holds index " + std::to_string(s.last_included_index) +
                                 ", its name says " + std::to_string(from_name));
  }
  return s;
}

Status SnapshotStore::write(const Snapshot& snapshot) {
  if (snapshot.metadata.size() > kMaxSnapshotMetadataBytes) {
    return make_error(ErrorKind::kInvalidArgument, "snapshot metadata exceeds kMaxSnapshotMetadataBytes");
  }
  if (snapshot.data.size() > kMaxSnapshotBytes) {
    return make_error(ErrorKind::kInvalidArgument, "snapshot exceeds kMaxSnapshotBytes");
  }
  const std::string name = file_name(snapshot.last_included_index);
  const std::string tmp = name + std::string(kTmpSuffix);

  std::string head(kSnapshotHeaderBytes, '\0');
  std::memcpy(head.data(), kSnapshotMagic, sizeof kSnapshotMagic);
  encoding::store_u32(head.data() + 8, kSnapshotFormatVersion);
  encoding::store_u32(head.data() + 12, static_cast<std::uint32_t>(snapshot.metadata.size()));
  encoding::store_u64(head.data() + 16, snapshot.last_included_index);
  encoding::store_u64(head.data() + 24, snapshot.data.size());
  head += snapshot.metadata;
  std::uint32_t crc = encoding::crc32(snapshot.data, encoding::crc32(head));
  std::string trailer;
  encoding::put_u32(trailer, crc);

  auto exists = disk_->exists(tmp);
  if (!exists) return exists.error();
  if (exists.value()) {
    if (auto st = disk_->remove(tmp); !st) return st;
  }
  if (auto st = disk_->create(tmp); !st) return st;
  if (auto st = disk_->write(tmp, 0, head); !st) return st;
  if (auto st = disk_->write(tmp, head.size(), snapshot.data); !st) return st;
  if (auto st = disk_->write(tmp, head.size() + snapshot.data.size(), trailer); !st) return st;
  if (auto st = disk_->sync(tmp); !st) return st;
  if (auto st = disk_->rename(tmp, name); !st) return st;
  if (auto st = disk_->sync_dir(); !st) return st;
  return prune();
}

Status SnapshotStore::prune() {
  auto names = disk_->list();
  if (!names) return names.error();
  std::vector<std::pair<std::uint64_t, std::string>> snaps;
  bool removed = false;
  for (const auto& n : names.value()) {
    std::uint64_t index = 0;
    if (parse_file_name(n, &index)) {
      snaps.emplace_back(index, n);
    } else if (n.size() > kTmpSuffix.size() &&
               n.substr(n.size() - kTmpSuffix.size()) == kTmpSuffix &&
               parse_file_name(std::string_view(n).substr(0, n.size() - kTmpSuffix.size()), &index)) {
      if (auto st = disk_->remove(n); !st) return st;  // stale: a write a crash interrupted
      removed = true;
    }
  }
  std::sort(snaps.begin(), snaps.end());
  while (snaps.size() > options_.keep) {
    if (auto st = disk_->remove(snaps.front().second); !st) return st;
    snaps.erase(snaps.begin());
    removed = true;
  }
  if (removed) return disk_->sync_dir();
  return ok_status();
}

StorageResult<std::vector<std::uint64_t>> SnapshotStore::list() {
  auto names = disk_->list();
  if (!names) return names.error();
  std::vector<std::uint64_t> out;
  for (const auto& n : names.value()) {
    std::uint64_t index = 0;
    if (parse_file_name(n, &index)) out.push_back(index);
  }
  std::sort(out.begin(), out.end());
  return out;
}

StorageResult<Snapshot> SnapshotStore::load(std::uint64_t index) {
  const std::string name = file_name(index);
  auto bytes = disk_->read_all(name);
  if (!bytes) return bytes.error();
  return decode(bytes.value(), name);
}

StorageResult<LoadedSnapshot> SnapshotStore::load_latest() {
  auto indexes = list();
  if (!indexes) return indexes.error();
  LoadedSnapshot out;
  const auto& v = indexes.value();
  for (auto it = v.rbegin(); it != v.rend(); ++it) {
    auto s = load(*it);
    if (s) {
      out.snapshot = std::move(s).value();
      out.file = file_name(*it);
      return out;
    }
    if (s.error().kind != ErrorKind::kCorruption) return s.error();
    out.corrupted.push_back(s.error().message);
  }
  if (!out.corrupted.empty()) {
    std::string msg = "no valid snapshot:";
    for (const auto& c : out.corrupted) msg += " [" + c + "]";
    return make_error(ErrorKind::kCorruption, msg);
  }
  return out;
}

}  // namespace quorum::storage
