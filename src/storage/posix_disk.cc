#include "storage/posix_disk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace quorum::storage {

namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

// Runs `call` (which returns -1 and sets errno on failure) until it is not
// interrupted. Returns 0 on success or the errno value.
template <typename F>
int retry_eintr(F&& call) {
  for (;;) {
    if (call() != -1) return 0;
    if (errno != EINTR) return errno;
  }
}

}  // namespace

StorageResult<std::unique_ptr<PosixDisk>> PosixDisk::open(const std::string& path,
                                                          bool create_dir) {
  if (path.empty()) return make_error(ErrorKind::kInvalidArgument, "empty directory path");
  if (create_dir && ::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    const int err = errno;
    return make_error(err == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo,
                      path + ": mkdir: " + errno_text(err));
  }
  int fd = -1;
  if (const int err = retry_eintr([&] {
        fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd;
      })) {
    return make_error(err == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo,
                      path + ": open directory: " + errno_text(err));
  }
  return std::unique_ptr<PosixDisk>(new PosixDisk(path, fd));
}

PosixDisk::~PosixDisk() {
  for (auto& [name, fd] : fds_) ::close(fd);
  ::close(dir_fd_);
}

Error PosixDisk::os_error(std::string_view op, std::string_view name, int err) const {
  std::string msg = path_ + "/" + std::string(name) + ": " + std::string(op) + ": " + errno_text(err);
  ErrorKind kind = ErrorKind::kIo;
  if (err == ENOENT) kind = ErrorKind::kNotFound;
  if (err == EEXIST) kind = ErrorKind::kExists;
  return Error{kind, std::move(msg)};
}

StorageResult<int> PosixDisk::fd_for(std::string_view name) {
  if (!valid_file_name(name)) {
    return make_error(ErrorKind::kInvalidArgument, "bad file name '" + std::string(name) + "'");
  }
  if (auto it = fds_.find(name); it != fds_.end()) return it->second;
  if (fds_.size() >= kMaxCachedFiles) {
    ::close(fds_.begin()->second);
    fds_.erase(fds_.begin());
  }
  const std::string n(name);
  int fd = -1;
  if (const int err = retry_eintr([&] {
        fd = ::openat(dir_fd_, n.c_str(), O_RDWR | O_CLOEXEC);
        return fd;
      })) {
    return os_error("open", name, err);
  }
  fds_.emplace(n, fd);
  return fd;
}

void PosixDisk::forget(std::string_view name) {
  if (auto it = fds_.find(name); it != fds_.end()) {
    ::close(it->second);
    fds_.erase(it);
  }
}

Status PosixDisk::create(std::string_view name) {
  if (!valid_file_name(name)) {
    return make_error(ErrorKind::kInvalidArgument, "bad file name '" + std::string(name) + "'");
  }
  const std::string n(name);
  int fd = -1;
  if (const int err = retry_eintr([&] {
        fd = ::openat(dir_fd_, n.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        return fd;
      })) {
    return os_error("create", name, err);
  }
  forget(name);
  if (fds_.size() >= kMaxCachedFiles) {
    ::close(fds_.begin()->second);
    fds_.erase(fds_.begin());
  }
  fds_.emplace(n, fd);
  return ok_status();
}

Status PosixDisk::write(std::string_view name, std::uint64_t offset, std::string_view data) {
  auto fd = fd_for(name);
  if (!fd) return fd.error();
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::pwrite(fd.value(), p, left, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error("pwrite", name, errno);
    }
    if (n == 0) return os_error("pwrite", name, EIO);  // no progress: give up rather than spin
    p += n;
    left -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return ok_status();
}

StorageResult<std::string> PosixDisk::read(std::string_view name, std::uint64_t offset,
                                           std::uint64_t length) {
  auto fd = fd_for(name);
  if (!fd) return fd.error();
  auto sz = size(name);
  if (!sz) return sz.error();
  const std::uint64_t avail = offset >= sz.value() ? 0 : sz.value() - offset;
  std::string out(static_cast<std::size_t>(std::min(avail, length)), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::pread(fd.value(), out.data() + got, out.size() - got,
                              static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error("pread", name, errno);
    }
    if (n == 0) break;  // the file shrank under us
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

StorageResult<std::uint64_t> PosixDisk::size(std::string_view name) {
  auto fd = fd_for(name);
  if (!fd) return fd.error();
  struct stat st {};
  if (const int err = retry_eintr([&] { return ::fstat(fd.value(), &st); })) {
    return os_error("fstat", name, err);
  }
  return static_cast<std::uint64_t>(st.st_size);
}

Status PosixDisk::sync(std::string_view name) {
  auto fd = fd_for(name);
  if (!fd) return fd.error();
  if (const int err = retry_eintr([&] { return ::fdatasync(fd.value()); })) {
    return os_error("fdatasync", name, err);
  }
  return ok_status();
}

Status PosixDisk::truncate(std::string_view name, std::uint64_t new_size) {
  auto fd = fd_for(name);
  if (!fd) return fd.error();
  if (const int err =
          retry_eintr([&] { return ::ftruncate(fd.value(), static_cast<off_t>(new_size)); })) {
    return os_error("ftruncate", name, err);
  }
  return ok_status();
}

Status PosixDisk::allocate(std::string_view name, std::uint64_t new_size) {
  auto fd = fd_for(name);
  if (!fd) return fd.error();
  auto cur = size(name);
  if (!cur) return cur.error();
  if (cur.value() >= new_size) return ok_status();
  int err = 0;
  do {
    err = ::posix_fallocate(fd.value(), 0, static_cast<off_t>(new_size));
  } while (err == EINTR);
  if (err == EOPNOTSUPP || err == EINVAL) {  // file system without fallocate: a sparse extension
    return truncate(name, new_size);
  }
  if (err != 0) return os_error("posix_fallocate", name, err);
  return ok_status();
}

Status PosixDisk::rename(std::string_view from, std::string_view to) {
  if (!valid_file_name(from) || !valid_file_name(to)) {
    return make_error(ErrorKind::kInvalidArgument,
                      "bad file name '" + std::string(from) + "' or '" + std::string(to) + "'");
  }
  const std::string f(from), t(to);
  if (const int err = retry_eintr([&] { return ::renameat(dir_fd_, f.c_str(), dir_fd_, t.c_str()); })) {
    return os_error("rename to " + t, from, err);
  }
  forget(to);
  if (auto it = fds_.find(from); it != fds_.end()) {
    const int fd = it->second;
    fds_.erase(it);
    fds_.emplace(t, fd);
  }
  return ok_status();
}

Status PosixDisk::remove(std::string_view name) {
  if (!valid_file_name(name)) {
    return make_error(ErrorKind::kInvalidArgument, "bad file name '" + std::string(name) + "'");
  }
  forget(name);
  const std::string n(name);
  if (const int err = retry_eintr([&] { return ::unlinkat(dir_fd_, n.c_str(), 0); })) {
    return os_error("unlink", name, err);
  }
  return ok_status();
}

StorageResult<std::vector<std::string>> PosixDisk::list() {
  int fd = -1;
  if (const int err = retry_eintr([&] {
        fd = ::openat(dir_fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd;
      })) {
    return os_error("open directory", ".", err);
  }
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    const int err = errno;
    ::close(fd);
    return os_error("fdopendir", ".", err);
  }
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(dir);
    if (e == nullptr) {
      if (errno != 0) {
        const int err = errno;
        ::closedir(dir);
        return os_error("readdir", ".", err);
      }
      break;
    }
    const std::string_view n(e->d_name);
    if (n == "." || n == "..") continue;
    bool regular = e->d_type == DT_REG;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      regular = ::fstatat(dir_fd_, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    }
    if (regular) names.emplace_back(n);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

Status PosixDisk::sync_dir() {
  if (const int err = retry_eintr([&] { return ::fsync(dir_fd_); })) {
    return os_error("fsync directory", ".", err);
  }
  return ok_status();
}

}  // namespace quorum::storage
