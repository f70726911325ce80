// Whole-file reads and atomic writes, shared by every layer that keeps files a user relies on
// (reports, install artifacts, state files).
//
// Pure functions over the filesystem; thread-safe for distinct paths.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "checks/scoped_fd.h"
#include "checks/status.h"

namespace flightcheck {

// Opens path for reading if it is a regular file, following symbolic links. Anything else is
// refused from stat(2), before it is opened, so a FIFO cannot block the caller and a device's
// open(2) side effects (a watchdog arms, a tape rewinds) cannot happen: InvalidArgument
// "<name> is a FIFO, not a regular file" (a socket, a character device, a block device, a
// directory). The open itself does not block either (O_NONBLOCK, cleared once fstat(2) confirms a
// regular file, which also catches a swap between the stat and the open), does not make a
// terminal the controlling one, and is not inherited by children. /proc and /sys files are regular
// files. name is how messages call the file, quoted as it should appear: "'/etc/os-release'" (the
// host path under --root, not the local one), "payload '/srv/p.tar'". Errors from the system are
// "cannot read <name>: <strerror>" with Status::FromErrno's code (NotFound, PermissionDenied, ...).
Result<ScopedFd> OpenRegularFile(const std::filesystem::path& path, std::string_view name);

// Reads fd, opened by OpenRegularFile, to its end. More than max_bytes is InvalidArgument
// "<name> is larger than <max_bytes> bytes" rather than a silent truncation or an unbounded read;
// a file whose st_size already says so is refused before reading, except on procfs and sysfs,
// whose st_size (0 or 4096) says nothing of what a read returns.
Result<std::string> ReadOpenedFile(const ScopedFd& fd, std::string_view name, size_t max_bytes);

// An unnamed file in directory, open for reading and writing (O_TMPFILE; where the filesystem
// lacks it, a file unlinked as soon as it is made): a spool that nothing can see and that is gone
// however the process ends. Errors are "cannot write in '<directory>': <strerror>".
Result<ScopedFd> OpenUnnamedFile(const std::filesystem::path& directory);

// A lock file, opened and flock(2)ed exclusively without waiting: the lock lasts as long as fd
// and the kernel releases it however the process ends. When another process holds it,
// held_elsewhere is true and fd is open but not locked (for reading what the holder wrote).
struct FileLock {
  ScopedFd fd{};
  bool held_elsewhere = false;
};
// Creates path with mode when missing, never through a symlink (O_NOFOLLOW: a link planted as the
// lock must not make root create or write a file elsewhere). Errors: "cannot open the lock file
// '<path>': <strerror>", "cannot lock '<path>': <strerror>".
Result<FileLock> TryLockFile(const std::filesystem::path& path, mode_t mode);

// Writes all of data to fd, through short writes and EINTR. Errors are "cannot write '<path>':
// <strerror>" (path only names it).
Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path);

// OpenRegularFile then ReadOpenedFile, naming the file '<path>': what every read of a whole file
// that a user or a host supplies goes through.
Result<std::string> ReadWholeFile(const std::filesystem::path& path,
                                  size_t max_bytes = size_t{256} << 20);

// Writes contents to a temporary file next to path, fsyncs it, sets mode and renames it over path,
// so a reader sees the old file or the new one, never half of either. On failure nothing is left
// behind and path is untouched. The temporary file is a PendingFile (below).
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents,
                           mode_t mode = 0644);

// Writes contents where a user asked for output (--output PATH): a regular file, or a path that
// does not exist yet, is written with WriteFileAtomically; anything else that exists, and any
// symlink, is written through and never replaced, so /dev/null stays a device and a symlink keeps
// pointing where it did. /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N are written to
// the descriptor they name, as a shell does (reopening would truncate a `>> log` the caller
// appends to). Written through means opened without O_CREAT, truncated, written: a symlink whose
// target is missing is NotFound ("... is a symlink to 'T', which does not exist"), a socket is
// InvalidArgument, and a FIFO that no process is reading fails at once (Unavailable: "... is a
// FIFO that nothing is reading; start the reader first or write to a file") instead of waiting
// for one. Blocks while a reader of a FIFO or a terminal is slow, as a shell redirection would.
Status WriteOutputFile(const std::filesystem::path& path, std::string_view contents,
                       mode_t mode = 0644);

// A file being written that is to take the place of path atomically. The data goes to an unnamed
// file in path's directory (O_TMPFILE), so however the process ends before Commit (SIGKILL
// included) the kernel drops it; on filesystems without O_TMPFILE it goes to
// ".<name>.tmp-<pid>-<n>" there instead, which the destructor removes unless the process dies
// first (RemoveLeftoverTemporaries clears those). Commit fsyncs, sets the mode and renames the file
// over path; until then path is untouched.
//
// Ownership: owns the descriptor and the temporary name; move-only. Thread-compatible.
class PendingFile {
 public:
  // Creates the temporary file; errors are "cannot write '<path>': <strerror>".
  static Result<PendingFile> Create(const std::filesystem::path& path);

  PendingFile(PendingFile&& other) noexcept;
  PendingFile& operator=(PendingFile&& other) noexcept;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile();  // not committed: closes and removes the temporary file

  // The descriptor to write to (for streaming writers); -1 after Commit.
  int fd() const { return fd_; }
  Status Write(std::string_view data);
  // On failure the temporary file is removed and path is untouched. With replace false, a path
  // that exists by then is not replaced: the error is "cannot write '<path>': File exists".
  Status Commit(mode_t mode, bool replace = true);

 private:
  PendingFile(std::filesystem::path path, int fd, std::string temp_name);
  void Discard();

  std::filesystem::path path_;
  int fd_ = -1;
  std::string temp_name_;  // empty while the file is unnamed
};

// Removes what PendingFiles for targets in directory left behind when their process died: names
// ".<target>.tmp-*" where target matches target_pattern (an fnmatch(3) glob: "artifact.json",
// "flightcheck-*.tar.gz"). A live writer's temporary file matches too, so the caller must know
// that no other process is writing those targets (it holds the directory's lock). Errors name the
// file that could not be removed.
Status RemoveLeftoverTemporaries(const std::filesystem::path& directory,
                                 std::string_view target_pattern);

}  // namespace flightcheck
