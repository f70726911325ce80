#include "checks/file.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include <fmt/format.h>

#include "checks/disk.h"
#include "checks/file_io.h"
#include "checks/probe.h"
#include "checks/scoped_fd.h"
#include "checks/sha256.h"
#include "checks/text.h"

namespace flightcheck {

int64_t CountLines(std::string_view text) {
  int64_t lines = 0;
  for (char c : text) lines += c == '\n';
  if (!text.empty() && text.back() != '\n') ++lines;
  return lines;
}

std::string FormatMode(mode_t mode) { return fmt::format("{:04o}", mode & 07777); }

namespace {

constexpr int64_t kMaxHashBytes = 16 << 20;
constexpr int64_t kMaxContentBytes = 64 << 10;

ProbeDescriptor Descriptor() {
  return {
      .name = "file",
      .summary = "Existence, type, ownership, mode, size, digest and contents of a host path.",
      .params = {{.name = "path",
                  .type = ParamType::kString,
                  .required = true,
                  .default_value = nullptr,
                  .doc = "absolute host path"}},
      .facts =
          {{"exists", FactType::Bool(),
            "something is at the path (a dangling symbolic link counts)"},
           {"type", FactType::String(),
            "file, directory, other (device, socket, fifo), symlink (dangling link only), \"\" "
            "when absent; links are followed"},
           {"is_symlink", FactType::Bool(), "the path itself is a symbolic link"},
           {"mode", FactType::String().OrNull(),
            "permission bits as four octal digits, e.g. \"0644\""},
           {"uid", FactType::Int().OrNull(), "owner user id"},
           {"gid", FactType::Int().OrNull(), "owner group id"},
           {"size", FactType::Size().OrNull(), "st_size"},
           {"sha256", FactType::String().OrNull(), "hex SHA-256 of a regular file up to 16 MiB"},
           {"contents", FactType::String().OrNull(), "a regular UTF-8 file's text, up to 64 KiB"},
           {"lines", FactType::Int().OrNull(), "line count of contents"},
           {"entries", FactType::Int().OrNull(), "entries of a directory, without . and .."}},
      .default_timeout = Milliseconds(5000),
  };
}

// Reads a regular file once: hashes all of it and keeps the text when it is small. Decides by the
// bytes read rather than st_size, which is 0 for /proc and /sys files.
Status ReadRegular(const std::string& local, std::string_view path, Facts& facts) {
  // Not a regular file any more (swapped since the stat) is refused rather than read.
  Result<ScopedFd> opened = OpenRegularFile(local, fmt::format("'{}'", path));
  if (!opened) return opened.error();
  const ScopedFd& file = *opened;
  Sha256Hasher hasher;
  if (!hasher.status().ok()) return hasher.status();
  std::string contents;
  int64_t total = 0;
  char buffer[64 << 10];
  for (;;) {
    const ssize_t n = ::read(file.get(), buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(fmt::format("reading {}", path), errno);
    }
    total += n;
    if (total > kMaxHashBytes) break;  // grew past the limit after stat
    if (total <= kMaxContentBytes) contents.append(buffer, static_cast<size_t>(n));
    hasher.Update(std::string_view(buffer, static_cast<size_t>(n)));
  }
  if (total <= kMaxHashBytes) {
    Result<std::string> hex = hasher.FinishHex();
    if (!hex) return hex.error();
    facts["sha256"] = std::move(*hex);
  }
  if (total <= kMaxContentBytes && IsValidUtf8(contents)) {
    facts["lines"] = CountLines(contents);
    facts["contents"] = std::move(contents);
  }
  return Status::Ok();
}

Result<int64_t> CountEntries(const std::string& local, std::string_view path) {
  DIR* dir = ::opendir(local.c_str());
  if (dir == nullptr) return Status::FromErrno(fmt::format("listing {}", path), errno);
  int64_t entries = 0;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") ++entries;
  }
  const int error = errno;
  ::closedir(dir);
  if (error != 0) return Status::FromErrno(fmt::format("listing {}", path), error);
  return entries;
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  const std::string& path = params["path"].get_ref<const std::string&>();
  if (path.empty() || path.front() != '/') {
    return Status::InvalidArgument(
        fmt::format("parameter 'path' must be an absolute path, got '{}'", path));
  }
  // Built as an object_t: nlohmann's initializer-list form builds and converts a two-element
  // array per pair, which was a third of this probe's time.
  nlohmann::json::object_t initial;
  initial.emplace("exists", false);
  initial.emplace("type", "");
  initial.emplace("is_symlink", false);
  for (const char* unknown_yet :
       {"mode", "uid", "gid", "size", "sha256", "contents", "lines", "entries"}) {
    initial.emplace(unknown_yet, nullptr);
  }
  Facts facts(std::move(initial));
  // Every component but the last resolved under the root; the last is lstat'ed, so that
  // is_symlink describes the path itself.
  Result<std::filesystem::path> where = host.LocalPath(path, /*follow_last=*/false);
  if (!where) return where.error();
  std::string local = where->string();
  struct stat st {};
  if (::lstat(local.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return facts;
    return Status::FromErrno(fmt::format("stat {}", path), errno);
  }
  facts["exists"] = true;
  if (S_ISLNK(st.st_mode)) {
    facts["is_symlink"] = true;
    // Resolved under the root: an absolute target names a path of the host being inspected.
    Result<std::string> target = host.ResolvePath(path);
    if (!target) return target.error();
    const std::string target_local = host.HostPath(*target).string();
    struct stat target_st {};
    if (::stat(target_local.c_str(), &target_st) == 0) {
      st = target_st;
      local = target_local;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      return Status::FromErrno(fmt::format("stat {} (target of {})", *target, path), errno);
    }
  }
  facts["mode"] = FormatMode(st.st_mode);
  facts["uid"] = static_cast<int64_t>(st.st_uid);
  facts["gid"] = static_cast<int64_t>(st.st_gid);
  facts["size"] = static_cast<int64_t>(st.st_size);
  if (S_ISREG(st.st_mode)) {
    facts["type"] = "file";
    if (st.st_size <= kMaxHashBytes) {
      if (Status read = ReadRegular(local, path, facts); !read.ok()) return read;
    }
  } else if (S_ISDIR(st.st_mode)) {
    facts["type"] = "directory";
    Result<int64_t> entries = CountEntries(local, path);
    if (!entries) return entries.error();
    facts["entries"] = *entries;
  } else if (S_ISLNK(st.st_mode)) {
    facts["type"] = "symlink";  // still the link itself: its target does not exist
  } else {
    facts["type"] = "other";
  }
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
