// ScopedFd: sole owner of a POSIX file descriptor, closed when the owner goes away, so that every
// early return of a function that opened something closes it.
//
// Ownership: move-only; a moved-from ScopedFd owns nothing. release() hands the descriptor to the
// caller, who then closes it. -1 (any negative value) means "owns nothing".
//
// Failure behaviour: close(2) errors on destruction and reset() are ignored. That is right for
// descriptors that were only read, or whose writes already failed; a caller that must know whether
// written data reached the file calls ::close(fd.release()) itself and checks the result.
//
// Thread-safety: none of its own; one ScopedFd is used by one thread at a time, like the int it
// wraps.
#pragma once

#include <unistd.h>

#include <utility>

namespace flightcheck {

class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() { reset(); }
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Gives up ownership without closing; returns the descriptor (-1 if none).
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

  // Closes the descriptor owned now (if any) and takes fd.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace flightcheck
