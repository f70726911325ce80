#include "checks/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "checks/scoped_fd.h"

namespace flightcheck {

Result<std::string> ReadWholeFile(const std::filesystem::path& path, size_t max_bytes) {
  const ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(fmt::format("cannot read '{}'", path.string()), errno);
  std::string contents;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      return Status::FromErrno(fmt::format("cannot read '{}'", path.string()), saved);
    }
    if (n == 0) break;
    if (contents.size() + static_cast<size_t>(n) > max_bytes) {
      return Status::InvalidArgument(
          fmt::format("'{}' is larger than {} bytes", path.string(), max_bytes));
    }
    contents.append(buffer, static_cast<size_t>(n));
  }
  return contents;
}

Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents,
                           mode_t mode) {
  const std::string what = fmt::format("cannot write '{}'", path.string());
  std::string temp_name =
      (path.parent_path() / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(temp_name.data());
  if (fd < 0) return Status::FromErrno(what, errno);
  auto fail = [&](int error) {
    ::close(fd);
    ::unlink(temp_name.c_str());
    return Status::FromErrno(what, error);
  };
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno);
    }
    written += static_cast<size_t>(n);
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) return fail(errno);
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(temp_name.c_str());
    return Status::FromErrno(what, saved);
  }
  if (::rename(temp_name.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp_name.c_str());
    return Status::FromErrno(what, saved);
  }
  return Status::Ok();
}

}  // namespace flightcheck
