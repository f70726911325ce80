#include "checks/host_context.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "checks/scoped_fd.h"
#include "checks/text.h"

namespace flightcheck {

// Lexical, because probes ask on every path: two stat(2) calls per question were a tenth of a
// file probe's time. Callers that take a root from a user map the live root to "/" first
// (LiveRootAsSlash).
bool HostContext::IsLiveRoot() const {
  const std::string& text = root.native();
  if (text.empty() || text.front() != '/') return false;
  // Every component empty, "." or ".." (which stays at the root): "/", "//", "/.", "/..".
  for (size_t start = 1; start <= text.size();) {
    size_t end = text.find('/', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view component(text.data() + start, end - start);
    if (!component.empty() && component != "." && component != "..") return false;
    start = end + 1;
  }
  return true;
}

std::filesystem::path HostContext::LiveRootAsSlash(const std::filesystem::path& root) {
  std::error_code ec;
  return std::filesystem::equivalent(root, "/", ec) ? std::filesystem::path("/") : root;
}

std::filesystem::path HostContext::HostPath(std::string_view absolute_path) const {
  std::string_view relative = absolute_path;
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  return root / std::filesystem::path(relative);
}

Result<std::filesystem::path> HostContext::LocalPath(std::string_view absolute_path,
                                                     bool follow_last) const {
  if (IsLiveRoot()) return HostPath(absolute_path);
  Result<std::string> resolved = ResolvePath(absolute_path, follow_last);
  if (!resolved) return resolved.error();
  return HostPath(*resolved);
}

Result<std::string> HostContext::ReadFile(std::string_view absolute_path, size_t max_bytes) const {
  Result<std::filesystem::path> local = LocalPath(absolute_path);
  if (!local) return local.error();
  const std::string name = fmt::format("'{}'", absolute_path);
  Result<ScopedFd> fd = OpenRegularFile(*local, name);
  if (!fd) return fd.error();
  return ReadOpenedFile(*fd, name, max_bytes);
}

const std::vector<std::string>& HostContext::SystemPath() {
  static const std::vector<std::string> kPath = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                                 "/usr/bin",        "/sbin",          "/bin"};
  return kPath;
}

Result<std::optional<std::string>> HostContext::SearchSystemPath(std::string_view name) const {
  if (name.empty() || name.find('/') != std::string_view::npos) return std::optional<std::string>();
  for (const std::string& dir : SystemPath()) {
    const std::string host_path = dir + "/" + std::string(name);
    const std::string searching = fmt::format("searching {} for '{}'", dir, name);
    Result<std::filesystem::path> local = LocalPath(host_path);
    if (!local) return local.error().WithContext(searching);
    struct stat st {};
    if (::stat(local->c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      return Status::FromErrno(searching, errno);
    }
    if (S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0) return std::optional(host_path);
  }
  return std::optional<std::string>();
}

std::optional<std::string> HostContext::FindExecutable(std::string_view name) const {
  Result<std::optional<std::string>> found = SearchSystemPath(name);
  return found ? *found : std::nullopt;
}

namespace {

void PushComponents(std::string_view path, std::vector<std::string>& stack) {
  const std::vector<std::string_view> parts = SplitFields(path, "/");
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) stack.emplace_back(*it);
}

// The file HostPath(host_path) names, by concatenation: this runs for every component of every path
// a probe resolves, and std::filesystem::path splits its text into components on every operation.
std::string LocalString(const std::string& root, std::string_view host_path) {
  std::string local = root;
  while (local.size() > 1 && local.back() == '/') local.pop_back();
  while (!host_path.empty() && host_path.front() == '/') host_path.remove_prefix(1);
  if (local != "/") local += '/';
  local += host_path;
  return local;
}

std::string JoinComponents(const std::vector<std::string>& parts) {
  std::string path;
  for (const std::string& part : parts) path += "/" + part;
  return path.empty() ? "/" : path;
}

}  // namespace

Result<std::string> HostContext::ResolvePath(std::string_view path, bool follow_last) const {
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
    if (missing || (pending.empty() && !follow_last)) continue;
    const std::string host_path = JoinComponents(resolved);
    const std::string local = LocalString(root.native(), host_path);
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
    // The kernel's own limit (MAXSYMLINKS), and its message: a loop is ELOOP wherever it is met.
    if (++links > 40) return Status::FromErrno(fmt::format("resolving {}", path), ELOOP);
    resolved.pop_back();
    const std::string_view link(target, static_cast<size_t>(n));
    if (StartsWith(link, "/")) resolved.clear();
    PushComponents(link, pending);
  }
  return JoinComponents(resolved);
}

}  // namespace flightcheck
