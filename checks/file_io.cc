#include "checks/file_io.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "checks/scoped_fd.h"
#include "checks/text.h"

namespace flightcheck {

namespace {

// "a FIFO", "a directory", ...: what a path that is not a regular file is, for messages.
std::string_view FileTypeName(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "of an unknown type";
}

Status NotRegular(std::string_view name, mode_t mode) {
  return Status::InvalidArgument(
      fmt::format("{} is {}, not a regular file", name, FileTypeName(mode)));
}

Status CannotRead(std::string_view name, int error) {
  return Status::FromErrno(fmt::format("cannot read {}", name), error);
}

// procfs and sysfs files report an st_size (0, or 4096 for sysfs) unrelated to their contents.
bool SizeIsMeaningful(int fd) {
  struct statfs info {};
  if (::fstatfs(fd, &info) != 0) return false;
  return info.f_type != PROC_SUPER_MAGIC && info.f_type != SYSFS_MAGIC;
}

}  // namespace

Result<ScopedFd> OpenUnnamedFile(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return ScopedFd(fd);
  std::string name = (directory / ".flightcheck-spool-XXXXXX").string();
  const int named = ::mkostemp(name.data(), O_CLOEXEC);
  if (named < 0) {
    return Status::FromErrno(fmt::format("cannot write in '{}'", directory.string()), errno);
  }
  ::unlink(name.c_str());
  return ScopedFd(named);
}

Result<ScopedFd> OpenRegularFile(const std::filesystem::path& path, std::string_view name) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return CannotRead(name, errno);
  if (!S_ISREG(st.st_mode)) return NotRegular(name, st.st_mode);
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) return CannotRead(name, errno);
  if (::fstat(fd.get(), &st) != 0) return CannotRead(name, errno);
  if (!S_ISREG(st.st_mode)) return NotRegular(name, st.st_mode);
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return CannotRead(name, errno);
  }
  return fd;
}

Result<std::string> ReadOpenedFile(const ScopedFd& fd, std::string_view name, size_t max_bytes) {
  const auto too_large = [&] {
    return Status::InvalidArgument(fmt::format("{} is larger than {} bytes", name, max_bytes));
  };
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return CannotRead(name, errno);
  if (static_cast<uintmax_t>(st.st_size) > max_bytes && SizeIsMeaningful(fd.get())) {
    return too_large();
  }
  std::string contents;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return CannotRead(name, errno);
    }
    if (n == 0) break;
    if (contents.size() + static_cast<size_t>(n) > max_bytes) return too_large();
    contents.append(buffer, static_cast<size_t>(n));
  }
  return contents;
}

Result<std::string> ReadWholeFile(const std::filesystem::path& path, size_t max_bytes) {
  const std::string name = fmt::format("'{}'", path.string());
  Result<ScopedFd> fd = OpenRegularFile(path, name);
  if (!fd) return fd.error();
  return ReadOpenedFile(*fd, name, max_bytes);
}

namespace {

namespace fs = std::filesystem;

std::string CannotWrite(const fs::path& path) {
  return fmt::format("cannot write '{}'", path.string());
}

Status NoLongerOpen(const fs::path& path) {
  return Status::Internal(CannotWrite(path) +
                          ": its temporary file is no longer open (committed, or a write failed)");
}

// ".<name>.tmp-<pid>-<n>" next to path: unique among this process's files, and the pid tells a
// person whose it was. A name a dead process with the same pid left is taken as used (EEXIST) and
// the next one tried.
std::string TemporaryName(const fs::path& path) {
  static std::atomic<uint64_t> counter{0};
  return (path.parent_path() /
          fmt::format(".{}.tmp-{}-{}", path.filename().string(), ::getpid(), counter++))
      .string();
}

// The descriptor /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N names. Such a path is
// written through the descriptor this process already has, as a shell does: reopening it would
// truncate a file the caller opened for appending (`>> log`) and start at its beginning.
std::optional<int> OwnDescriptor(const fs::path& path) {
  const std::string text = path.lexically_normal().string();
  if (text == "/dev/stdout") return STDOUT_FILENO;
  if (text == "/dev/stderr") return STDERR_FILENO;
  for (std::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    if (!text.starts_with(prefix)) continue;
    const std::optional<int64_t> fd = ParseInt64(std::string_view(text).substr(prefix.size()));
    if (fd && *fd >= 0 && *fd <= INT32_MAX) return static_cast<int>(*fd);
  }
  return std::nullopt;
}

// Opens path (which exists and is not a regular file, or is a symlink) for writing without
// creating or replacing anything.
Status WriteThrough(const fs::path& path, std::string_view contents, bool symlink) {
  const std::string what = CannotWrite(path);
  // O_NONBLOCK so that a FIFO nobody reads fails with ENXIO now instead of waiting for a reader.
  ScopedFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    const int error = errno;
    struct stat st;
    const bool exists = ::stat(path.c_str(), &st) == 0;
    if (error == ENXIO && exists && S_ISFIFO(st.st_mode)) {
      return Status::Unavailable(what +
                                 ": it is a FIFO that nothing is reading; start the reader "
                                 "first or write to a file");
    }
    if (error == ENXIO && exists && S_ISSOCK(st.st_mode)) {
      return Status::InvalidArgument(what + ": it is a socket; give a file, a FIFO or a device");
    }
    if (error == ENOENT && symlink) {
      std::error_code ignored;
      return Status::NotFound(fmt::format("{}: it is a symlink to '{}', which does not exist", what,
                                          fs::read_symlink(path, ignored).string()));
    }
    return Status::FromErrno(what, error);
  }
  // Writes block as they would through a shell redirection: a reader that is there may be slow.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return Status::FromErrno(what, errno);
  }
  if (Status status = WriteAll(fd.get(), contents, path); !status.ok()) return status;
  if (::close(fd.release()) != 0) return Status::FromErrno(what, errno);
  return Status::Ok();
}

}  // namespace

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(CannotWrite(path), errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

PendingFile::PendingFile(fs::path path, int fd, std::string temp_name)
    : path_(std::move(path)), fd_(fd), temp_name_(std::move(temp_name)) {}

PendingFile::PendingFile(PendingFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      temp_name_(std::exchange(other.temp_name_, {})) {}

PendingFile& PendingFile::operator=(PendingFile&& other) noexcept {
  if (this != &other) {
    Discard();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    temp_name_ = std::exchange(other.temp_name_, {});
  }
  return *this;
}

PendingFile::~PendingFile() { Discard(); }

void PendingFile::Discard() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  if (!temp_name_.empty()) ::unlink(std::exchange(temp_name_, {}).c_str());
}

Result<PendingFile> PendingFile::Create(const fs::path& path) {
  const fs::path directory = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  int fd = ::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) return PendingFile(path, fd, "");
  // EOPNOTSUPP: the filesystem has no O_TMPFILE; EISDIR: the kernel does not know the flag.
  if (errno != EOPNOTSUPP && errno != EISDIR) return Status::FromErrno(CannotWrite(path), errno);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string temp_name = TemporaryName(path);
    fd = ::open(temp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) return PendingFile(path, fd, std::move(temp_name));
    if (errno != EEXIST) return Status::FromErrno(CannotWrite(path), errno);
  }
  return Status::Internal(CannotWrite(path) + ": no unused temporary name after 100 tries");
}

Status PendingFile::Write(std::string_view data) {
  if (fd_ < 0) return NoLongerOpen(path_);
  Status status = WriteAll(fd_, data, path_);
  if (!status.ok()) Discard();
  return status;
}

Status PendingFile::Commit(mode_t mode, bool replace) {
  if (fd_ < 0) return NoLongerOpen(path_);
  auto fail = [this](int error) {
    Discard();
    return Status::FromErrno(CannotWrite(path_), error);
  };
  if (::fchmod(fd_, mode) != 0 || ::fsync(fd_) != 0) return fail(errno);
  // An unnamed file gets a name first: linkat cannot replace an existing path, rename can.
  for (int attempt = 0; temp_name_.empty(); ++attempt) {
    std::string temp_name = TemporaryName(path_);
    const std::string self = fmt::format("/proc/self/fd/{}", fd_);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, temp_name.c_str(), AT_SYMLINK_FOLLOW) == 0 ||
        (errno != EEXIST && ::linkat(fd_, "", AT_FDCWD, temp_name.c_str(), AT_EMPTY_PATH) == 0)) {
      temp_name_ = std::move(temp_name);
    } else if (errno != EEXIST || attempt == 100) {
      return fail(errno);
    }
  }
  if (::close(std::exchange(fd_, -1)) != 0) return fail(errno);
  if (::renameat2(AT_FDCWD, temp_name_.c_str(), AT_FDCWD, path_.c_str(),
                  replace ? 0 : RENAME_NOREPLACE) != 0) {
    return fail(errno);
  }
  temp_name_.clear();
  return Status::Ok();
}

Status WriteFileAtomically(const fs::path& path, std::string_view contents, mode_t mode) {
  Result<PendingFile> file = PendingFile::Create(path);
  if (!file) return file.error();
  if (Status status = file->Write(contents); !status.ok()) return status;
  return file->Commit(mode);
}

Status WriteOutputFile(const fs::path& path, std::string_view contents, mode_t mode) {
  if (const std::optional<int> fd = OwnDescriptor(path)) {
    if (::fcntl(*fd, F_GETFD) < 0) return Status::FromErrno(CannotWrite(path), errno);
    return WriteAll(*fd, contents, path);
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::FromErrno(CannotWrite(path), errno);
    return WriteFileAtomically(path, contents, mode);
  }
  if (S_ISREG(st.st_mode)) return WriteFileAtomically(path, contents, mode);
  return WriteThrough(path, contents, S_ISLNK(st.st_mode));
}

Status RemoveLeftoverTemporaries(const fs::path& directory, std::string_view target_pattern) {
  const std::string pattern = fmt::format(".{}.tmp-*", target_pattern);
  std::error_code error;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    if (::unlink(it->path().c_str()) != 0 && errno != ENOENT) {
      return Status::FromErrno(
          fmt::format("cannot remove the leftover temporary file '{}'", it->path().string()),
          errno);
    }
  }
  if (error && error != std::errc::no_such_file_or_directory) {
    return Status::FromErrno(fmt::format("cannot list '{}'", directory.string()), error.value());
  }
  return Status::Ok();
}

Result<FileLock> TryLockFile(const std::filesystem::path& path, mode_t mode) {
  FileLock lock;
  lock.fd = ScopedFd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!lock.fd.valid()) {
    return Status::FromErrno(fmt::format("cannot open the lock file '{}'", path.string()), errno);
  }
  int locked;
  while ((locked = ::flock(lock.fd.get(), LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (locked != 0) {
    if (errno != EWOULDBLOCK) {
      return Status::FromErrno(fmt::format("cannot lock '{}'", path.string()), errno);
    }
    lock.held_elsewhere = true;
  }
  return lock;
}

}  // namespace flightcheck
