#include "checks/host_context.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck {

bool HostContext::IsLiveRoot() const {
  std::error_code ec;
  return std::filesystem::equivalent(root, "/", ec);
}

std::filesystem::path HostContext::HostPath(std::string_view absolute_path) const {
  std::string_view relative = absolute_path;
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  return root / std::filesystem::path(relative);
}

Result<std::string> HostContext::ReadFile(std::string_view absolute_path, size_t max_bytes) const {
  const std::string path = HostPath(absolute_path).string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(fmt::format("reading {}", absolute_path), errno);
  std::string data;
  char buffer[16384];
  Status status;
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      status = Status::FromErrno(fmt::format("reading {}", absolute_path), errno);
      break;
    }
    if (data.size() + static_cast<size_t>(n) > max_bytes) {
      status = Status::InvalidArgument(
          fmt::format("{} is larger than {} bytes", absolute_path, max_bytes));
      break;
    }
    data.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!status.ok()) return status;
  return data;
}

const std::vector<std::string>& HostContext::SystemPath() {
  static const std::vector<std::string> kPath = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                                 "/usr/bin",        "/sbin",          "/bin"};
  return kPath;
}

std::optional<std::string> HostContext::FindExecutable(std::string_view name) const {
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  for (const std::string& dir : SystemPath()) {
    const std::string host_path = dir + "/" + std::string(name);
    const std::string local = HostPath(host_path).string();
    struct stat st {};
    if (::stat(local.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0) {
      return host_path;
    }
  }
  return std::nullopt;
}

namespace {

void PushComponents(std::string_view path, std::vector<std::string>& stack) {
  const std::vector<std::string_view> parts = SplitFields(path, "/");
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) stack.emplace_back(*it);
}

std::string JoinComponents(const std::vector<std::string>& parts) {
  std::string path;
  for (const std::string& part : parts) path += "/" + part;
  return path.empty() ? "/" : path;
}

}  // namespace

Result<std::string> HostContext::ResolvePath(std::string_view path) const {
  std::vector<std::string> pending;  // components still to walk, next one at the back
  std::vector<std::string> resolved;
  PushComponents(path, pending);
  int links = 0;
  bool missing = false;
  while (!pending.empty()) {
    std::string part = std::move(pending.back());
    pending.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    resolved.push_back(std::move(part));
    if (missing) continue;
    const std::string host_path = JoinComponents(resolved);
    const std::string local = HostPath(host_path).string();
    char target[PATH_MAX];
    const ssize_t n = ::readlink(local.c_str(), target, sizeof target);
    if (n < 0) {
      if (errno == EINVAL) continue;  // not a link
      if (errno == ENOENT || errno == ENOTDIR) {
        missing = true;
        continue;
      }
      return Status::FromErrno(fmt::format("resolving {}", host_path), errno);
    }
    if (++links > 40) {
      return Status::InvalidArgument(fmt::format("too many symbolic links in {}", path));
    }
    resolved.pop_back();
    const std::string_view link(target, static_cast<size_t>(n));
    if (StartsWith(link, "/")) resolved.clear();
    PushComponents(link, pending);
  }
  return JoinComponents(resolved);
}

}  // namespace flightcheck
