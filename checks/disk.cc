#include "checks/disk.h"

#include <limits.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

std::string DecodeMountField(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string_view digits = field.substr(i + 1, 3);
      if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out.push_back(
            static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

Result<std::vector<MountEntry>> ParseMountInfo(std::string_view text) {
  std::vector<MountEntry> mounts;
  int line_number = 0;
  for (std::string_view line : SplitLines(text)) {
    ++line_number;
    if (Trim(line).empty()) continue;
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    const std::vector<std::string_view> fields = SplitFields(line, " ");
    const auto separator = std::find(fields.begin() + std::min<size_t>(fields.size(), 6),
                                     fields.end(), std::string_view("-"));
    if (fields.size() < 6 || separator == fields.end() || fields.end() - separator < 3) {
      return Status::ParseError(
          fmt::format("mountinfo line {}: expected '<id> <parent> <dev> <root> <mount point> "
                      "<options> ... - <fstype> <source> <options>', got '{}'",
                      line_number, line));
    }
    MountEntry entry;
    entry.mount_point = DecodeMountField(fields[4]);
    entry.fstype = DecodeMountField(separator[1]);
    entry.source = DecodeMountField(separator[2]);
    for (std::string_view option : SplitFields(fields[5], ",")) entry.options.emplace_back(option);
    // Superblock options follow, minus rw/ro: the per-mount flag is the one that applies here.
    if (fields.end() - separator > 3) {
      for (std::string_view option : SplitFields(separator[3], ",")) {
        if (option == "rw" || option == "ro") continue;
        if (std::find(entry.options.begin(), entry.options.end(), option) != entry.options.end()) {
          continue;
        }
        entry.options.emplace_back(option);
      }
    }
    mounts.push_back(std::move(entry));
  }
  return mounts;
}

const MountEntry* FindMount(const std::vector<MountEntry>& mounts, std::string_view path) {
  const MountEntry* best = nullptr;
  for (const MountEntry& mount : mounts) {
    std::string_view point = mount.mount_point;
    while (point.size() > 1 && point.back() == '/') point.remove_suffix(1);
    const bool contains =
        point == "/" ||
        (StartsWith(path, point) && (path.size() == point.size() || path[point.size()] == '/'));
    if (!contains) continue;
    if (best == nullptr || point.size() >= std::string_view(best->mount_point).size()) {
      best = &mount;
    }
  }
  return best;
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "disk",
      .summary = "Size, free space and mount of the filesystem holding a path.",
      .params = {{.name = "path",
                  .type = ParamType::kString,
                  .required = true,
                  .default_value = nullptr,
                  .doc = "absolute host path, e.g. /opt or /var/lib/docker; need not exist yet"}},
      .facts =
          {{"exists", FactType::Bool(), "the path itself exists (symbolic links followed)"},
           {"checked_path", FactType::String(),
            "the path measured: path with links resolved, or its nearest existing ancestor"},
           {"total", FactType::Size(), "size of the filesystem holding checked_path (statvfs)"},
           {"available", FactType::Size(), "space available to unprivileged users there (statvfs)"},
           {"mount_point", FactType::String(),
            "mount point of the mount containing path (mountinfo)"},
           {"filesystem", FactType::String(), "filesystem type of that mount (\"xfs\", \"tmpfs\")"},
           {"mount_options", FactType::ListOf(FactKind::kString),
            "per-mount then superblock options of that mount, as findmnt shows them"},
           {"same_filesystem_as_root", FactType::Bool(), "the mount containing path is \"/\""}},
      .default_timeout = Milliseconds(2000),
  };
}

// Returns whether host_path exists under root; errors other than absence are errors.
Result<bool> Exists(const HostContext& host, const std::string& host_path) {
  Result<std::filesystem::path> local = host.LocalPath(host_path);
  if (!local) return local.error();
  struct stat st {};
  if (::stat(local->c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return Status::FromErrno(fmt::format("stat {}", host_path), errno);
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  const std::string path = params["path"].get<std::string>();
  if (!StartsWith(path, "/")) {
    return Status::InvalidArgument(
        fmt::format("parameter 'path' must be an absolute path, got '{}'", path));
  }
  // Links are resolved first: /opt -> /data/opt lives on the mount of /data, not of /.
  Result<std::string> resolved = host.ResolvePath(path);
  if (!resolved) return resolved.error();
  Result<bool> exists = Exists(host, *resolved);
  if (!exists) return exists.error();
  std::filesystem::path checked(*resolved);
  for (bool found = *exists; !found;) {
    checked = checked.parent_path();
    Result<bool> parent_exists = Exists(host, checked.string());
    if (!parent_exists) return parent_exists.error();
    found = *parent_exists;
    if (!found && checked == checked.root_path()) {
      return Status::NotFound(fmt::format("root directory {} does not exist", host.root.string()));
    }
  }

  Result<std::filesystem::path> checked_local = host.LocalPath(checked.string());
  if (!checked_local) return checked_local.error();
  struct statvfs vfs {};
  if (::statvfs(checked_local->c_str(), &vfs) != 0) {
    return Status::FromErrno(fmt::format("statvfs {}", checked.string()), errno);
  }

  Result<std::string> mountinfo_text = host.ReadFile("/proc/self/mountinfo", 16 << 20);
  if (!mountinfo_text) return mountinfo_text.error();
  Result<std::vector<MountEntry>> mounts = ParseMountInfo(*mountinfo_text);
  if (!mounts) return mounts.error();
  // The requested path, not checked_path, picks the mount: a directory that does not exist yet
  // will be created on the mount that contains it.
  const MountEntry* mount = FindMount(*mounts, *resolved);
  if (mount == nullptr) {
    return Status::ParseError(
        fmt::format("no mount in /proc/self/mountinfo contains {}", *resolved));
  }

  Facts facts;
  facts["exists"] = *exists;
  facts["checked_path"] = checked.string();
  facts["total"] = static_cast<int64_t>(vfs.f_blocks) * static_cast<int64_t>(vfs.f_frsize);
  facts["available"] = static_cast<int64_t>(vfs.f_bavail) * static_cast<int64_t>(vfs.f_frsize);
  facts["mount_point"] = mount->mount_point;
  facts["filesystem"] = mount->fstype;
  facts["mount_options"] = mount->options;
  facts["same_filesystem_as_root"] = mount->mount_point == "/";
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
