#include "storage/sim_disk.h"

#include <algorithm>
#include <set>

namespace quorum::storage {

namespace {

Error not_found(std::string_view name) {
  return make_error(ErrorKind::kNotFound, "sim:" + std::string(name) + ": no such file");
}

Error bad_name(std::string_view name) {
  return make_error(ErrorKind::kInvalidArgument, "bad file name '" + std::string(name) + "'");
}

// Writes `bytes` at `offset` of `data`, extending it with zeros if needed.
void put(std::string& data, std::uint64_t offset, std::string_view bytes) {
  if (bytes.empty()) return;
  const std::size_t off = static_cast<std::size_t>(offset);
  if (data.size() < off + bytes.size()) data.resize(off + bytes.size(), '\0');
  std::copy(bytes.begin(), bytes.end(), data.begin() + static_cast<std::ptrdiff_t>(off));
}

}  // namespace

SimDisk::SimDisk(SimDiskOptions options) : options_(options), prng_(options.seed) {}

void SimDisk::add_latency(std::uint32_t min_ticks, std::uint32_t max_ticks) {
  if (max_ticks == 0) return;
  latency_ticks_ += prng_.range(min_ticks, max_ticks);
}

std::uint64_t SimDisk::take_latency_ticks() {
  const std::uint64_t t = latency_ticks_;
  latency_ticks_ = 0;
  return t;
}

StorageResult<SimDisk::Inode*> SimDisk::find(std::string_view name) {
  if (!valid_file_name(name)) return bad_name(name);
  auto it = dir_.find(name);
  if (it == dir_.end()) return not_found(name);
  return &inodes_.at(it->second);
}

std::uint64_t SimDisk::unsynced_ops(std::string_view name) const {
  auto it = dir_.find(name);
  return it == dir_.end() ? 0 : inodes_.at(it->second).unsynced.size();
}

Status SimDisk::create(std::string_view name) {
  if (!valid_file_name(name)) return bad_name(name);
  add_latency(options_.io_latency_ticks_min, options_.io_latency_ticks_max);
  if (dir_.count(name) != 0) {
    return make_error(ErrorKind::kExists, "sim:" + std::string(name) + ": file exists");
  }
  const std::uint64_t ino = next_inode_++;
  inodes_.emplace(ino, Inode{});
  dir_.emplace(std::string(name), ino);
  dir_ops_.push_back(DirOp{DirOp::kCreate, std::string(name), {}, ino});
  return ok_status();
}

Status SimDisk::write(std::string_view name, std::uint64_t offset, std::string_view bytes) {
  auto f = find(name);
  if (!f) return f.error();
  Inode& inode = *f.value();
  add_latency(options_.io_latency_ticks_min, options_.io_latency_ticks_max);
  Undo u;
  u.is_write = true;
  u.offset = offset;
  u.new_bytes.assign(bytes);
  u.old_size = inode.data.size();
  if (offset < inode.data.size()) {
    const std::size_t n = std::min<std::size_t>(bytes.size(), inode.data.size() - offset);
    u.old_bytes = inode.data.substr(static_cast<std::size_t>(offset), n);
  }
  if (!bytes.empty() && options_.bit_flip_per_million > 0 &&
      prng_.chance(options_.bit_flip_per_million)) {
    const std::size_t at = static_cast<std::size_t>(prng_.range(0, bytes.size() - 1));
    u.new_bytes[at] = static_cast<char>(u.new_bytes[at] ^ (1 << prng_.range(0, 7)));
    ++stats_.bit_flips;
  }
  put(inode.data, offset, u.new_bytes);
  inode.unsynced.push_back(std::move(u));
  ++stats_.writes;
  stats_.bytes_written += bytes.size();
  return ok_status();
}

StorageResult<std::string> SimDisk::read(std::string_view name, std::uint64_t offset,
                                         std::uint64_t length) {
  auto f = find(name);
  if (!f) return f.error();
  add_latency(options_.io_latency_ticks_min, options_.io_latency_ticks_max);
  const std::string& data = f.value()->data;
  if (offset >= data.size()) return std::string();
  return data.substr(static_cast<std::size_t>(offset),
                     static_cast<std::size_t>(std::min<std::uint64_t>(length, data.size() - offset)));
}

StorageResult<std::uint64_t> SimDisk::size(std::string_view name) {
  auto f = find(name);
  if (!f) return f.error();
  return static_cast<std::uint64_t>(f.value()->data.size());
}

Status SimDisk::take_injected_sync_failure(std::string_view what) {
  if (failing_syncs_ == 0) return ok_status();
  --failing_syncs_;
  ++stats_.failed_syncs;
  return make_error(ErrorKind::kIo, "sim:" + std::string(what) + ": fdatasync: Input/output error (injected)");
}

Status SimDisk::sync(std::string_view name) {
  auto f = find(name);
  if (!f) return f.error();
  add_latency(options_.sync_latency_ticks_min, options_.sync_latency_ticks_max);
  if (auto st = take_injected_sync_failure(name); !st) return st;
  f.value()->unsynced.clear();
  ++stats_.syncs;
  return ok_status();
}

void SimDisk::resize(Inode& inode, std::uint64_t new_size) {
  Undo u;
  u.old_size = inode.data.size();
  u.offset = new_size;
  if (new_size < inode.data.size()) u.old_bytes = inode.data.substr(static_cast<std::size_t>(new_size));
  inode.data.resize(static_cast<std::size_t>(new_size), '\0');
  inode.unsynced.push_back(std::move(u));
}

Status SimDisk::truncate(std::string_view name, std::uint64_t new_size) {
  auto f = find(name);
  if (!f) return f.error();
  add_latency(options_.io_latency_ticks_min, options_.io_latency_ticks_max);
  resize(*f.value(), new_size);
  return ok_status();
}

Status SimDisk::allocate(std::string_view name, std::uint64_t new_size) {
  auto f = find(name);
  if (!f) return f.error();
  add_latency(options_.io_latency_ticks_min, options_.io_latency_ticks_max);
  if (f.value()->data.size() < new_size) resize(*f.value(), new_size);
  return ok_status();
}

Status SimDisk::rename(std::string_view from, std::string_view to) {
  if (!valid_file_name(to)) return bad_name(to);
  auto f = find(from);
  if (!f) return f.error();
  add_latency(options_.io_latency_ticks_min, options_.io_latency_ticks_max);
  if (from == to) return ok_status();
  auto it = dir_.find(from);
  const std::uint64_t ino = it->second;
  dir_.erase(it);
  dir_.insert_or_assign(std::string(to), ino);
  dir_ops_.push_back(DirOp{DirOp::kRename, std::string(from), std::string(to), 0});
  return ok_status();
}

Status SimDisk::remove(std::string_view name) {
  if (!valid_file_name(name)) return bad_name(name);
  add_latency(options_.io_latency_ticks_min, options_.io_latency_ticks_max);
  auto it = dir_.find(name);
  if (it == dir_.end()) return not_found(name);
  dir_.erase(it);
  dir_ops_.push_back(DirOp{DirOp::kRemove, std::string(name), {}, 0});
  return ok_status();
}

StorageResult<std::vector<std::string>> SimDisk::list() {
  add_latency(options_.io_latency_ticks_min, options_.io_latency_ticks_max);
  std::vector<std::string> names;
  names.reserve(dir_.size());
  for (const auto& [name, ino] : dir_) names.push_back(name);
  return names;  // std::map iterates in sorted order
}

Status SimDisk::sync_dir() {
  add_latency(options_.sync_latency_ticks_min, options_.sync_latency_ticks_max);
  if (auto st = take_injected_sync_failure("<dir>"); !st) return st;
  durable_dir_ = dir_;
  dir_ops_.clear();
  ++stats_.dir_syncs;
  collect_garbage();
  return ok_status();
}

void SimDisk::crash() {
  ++stats_.crashes;
  // Directory: a random prefix of the unsynced operations survives.
  std::size_t keep = 0;
  if (options_.keep_unsynced_dir_ops_prefix && !dir_ops_.empty()) {
    keep = static_cast<std::size_t>(prng_.range(0, dir_ops_.size()));
  }
  for (std::size_t i = 0; i < keep; ++i) {
    const DirOp& op = dir_ops_[i];
    switch (op.kind) {
      case DirOp::kCreate: durable_dir_.insert_or_assign(op.name, op.inode); break;
      case DirOp::kRename: {
        auto it = durable_dir_.find(op.name);
        if (it != durable_dir_.end()) {
          const std::uint64_t ino = it->second;
          durable_dir_.erase(it);
          durable_dir_.insert_or_assign(op.to, ino);
        }
        break;
      }
      case DirOp::kRemove: durable_dir_.erase(op.name); break;
    }
  }
  stats_.lost_dir_ops += dir_ops_.size() - keep;
  dir_ops_.clear();
  dir_ = durable_dir_;

  // Files: undo every unsynced operation, maybe tearing the last write.
  for (auto& [ino, inode] : inodes_) {
    if (inode.unsynced.empty()) continue;
    const Undo last = inode.unsynced.back();
    std::uint64_t writes = 0;
    for (auto it = inode.unsynced.rbegin(); it != inode.unsynced.rend(); ++it) {
      if (it->is_write) ++writes;
      inode.data.resize(static_cast<std::size_t>(it->old_size), '\0');
      put(inode.data, it->offset, it->old_bytes);
    }
    inode.unsynced.clear();
    if (last.is_write && !last.new_bytes.empty() && options_.torn_write_per_million > 0 &&
        prng_.chance(options_.torn_write_per_million)) {
      const std::size_t len = last.new_bytes.size();
      const std::size_t prefix = static_cast<std::size_t>(prng_.range(0, len - 1));
      std::string landed = last.new_bytes.substr(0, prefix);
      if (prng_.chance(options_.torn_garbage_per_million)) {
        const std::size_t garbage = static_cast<std::size_t>(prng_.range(1, len - prefix));
        for (std::size_t i = 0; i < garbage; ++i) landed.push_back(static_cast<char>(prng_.next()));
      }
      if (!landed.empty()) {  // nothing landed: an ordinary lost write
        put(inode.data, last.offset, landed);
        ++stats_.torn_writes;
        --writes;
      }
    }
    stats_.lost_writes += writes;
  }
  collect_garbage();
}

void SimDisk::collect_garbage() {
  std::set<std::uint64_t> live;
  for (const auto& [name, ino] : dir_) live.insert(ino);
  for (const auto& [name, ino] : durable_dir_) live.insert(ino);
  for (const auto& op : dir_ops_) {
    if (op.kind == DirOp::kCreate) live.insert(op.inode);
  }
  for (auto it = inodes_.begin(); it != inodes_.end();) {
    it = live.count(it->first) != 0 ? std::next(it) : inodes_.erase(it);
  }
}

Status SimDisk::corrupt(std::string_view name, std::uint64_t offset, int bit) {
  auto f = find(name);
  if (!f) return f.error();
  Inode& inode = *f.value();
  if (offset >= inode.data.size()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "sim:" + std::string(name) + ": corrupt offset " + std::to_string(offset) +
                          " past end of file (" + std::to_string(inode.data.size()) + " bytes)");
  }
  const int b = bit >= 0 ? (bit & 7) : static_cast<int>(prng_.range(0, 7));
  const char mask = static_cast<char>(1 << b);
  inode.data[static_cast<std::size_t>(offset)] ^= mask;
  // The durable image is the volatile one with the undo log applied: flip the
  // pre-images covering this byte too, so the flip survives a crash.
  for (auto& u : inode.unsynced) {
    if (offset >= u.offset && offset < u.offset + u.old_bytes.size()) {
      u.old_bytes[static_cast<std::size_t>(offset - u.offset)] ^= mask;
    }
  }
  ++stats_.bit_flips;
  return ok_status();
}

}  // namespace quorum::storage
