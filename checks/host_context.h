// HostContext: the only way a probe touches the host.
//
// It names the root directory that host paths are read under (`--root`, "/" on a live host, a
// fixture tree in tests, an image's mount point for offline inspection), the command runner, and
// the daemon endpoints (Docker socket, systemd bus, journal directory). Probes never open
// "/etc/..." directly: they call ReadFile("/etc/..."), or LocalPath("/etc/...") for what ReadFile
// does not do (stat, statvfs, running a program of the root). Both resolve symbolic links under the
// root, so that an image's absolute link (/opt -> /data/opt) names the image's /data/opt and
// nothing is read from the host this process runs on.
//
// Ownership: the context does not own the CommandRunner; the caller keeps it alive for the run.
// Thread-safety: const methods are safe to call concurrently.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/command_runner.h"
#include "checks/status.h"

namespace flightcheck {

struct HostContext {
  std::filesystem::path root = "/";
  std::string docker_socket = "/var/run/docker.sock";
  // The systemd manager's D-Bus address (sd_bus_set_address form): the system bus by default, a
  // user manager's private socket ("unix:path=$XDG_RUNTIME_DIR/systemd/private") in tests.
  std::string systemd_bus = "unix:path=/run/systemd/private";
  // Where journal probes read: "" means the host's journal (system and runtime files); otherwise
  // a directory of journal files (sd_journal_open_directory).
  std::string journal_directory{};
  const CommandRunner* commands = nullptr;  // not owned; must be set before probes run

  // True when probes look at the live host this process runs on: root is "/" (lexically, "//"
  // and "/." too). Some facts (syscalls such as adjtimex, NSS, getifaddrs, bind tests) only exist
  // for the live host. A root that names "/" by another path (a symlink to it) counts as a root
  // other than "/" unless it was passed through LiveRootAsSlash.
  bool IsLiveRoot() const;

  // "/" when root is the live root by any name (same device and inode), root itself otherwise.
  // For roots given by a user (--root).
  static std::filesystem::path LiveRootAsSlash(const std::filesystem::path& root);

  // Maps an absolute host path to the path under root lexically: "/etc/os-release" →
  // root/etc/os-release. Symbolic links are not resolved, so under a root other than "/" the
  // result must not be opened or stat'ed (the kernel would follow an absolute link out of the
  // root): use LocalPath for that.
  std::filesystem::path HostPath(std::string_view absolute_path) const;

  // Resolves the symbolic links in an absolute host path under root the way the host itself
  // would, every component: an absolute link target starts again at the root, ".." stops at the
  // root. With follow_last false a link in the last component is kept, as lstat(2) would.
  // Components after the first that does not exist are kept as written. Returns the resolved host
  // path; after 40 links InvalidArgument "resolving <path>: Too many levels of symbolic links",
  // other errors as readlink(2) reports them ("resolving <component>: <strerror>").
  Result<std::string> ResolvePath(std::string_view absolute_path, bool follow_last = true) const;

  // The local path to open or stat for an absolute host path: HostPath of ResolvePath under a
  // root other than "/" (so that nothing outside the root is reached), the path itself on the live
  // root (the kernel resolves it as the host does). Errors as ResolvePath.
  Result<std::filesystem::path> LocalPath(std::string_view absolute_path,
                                          bool follow_last = true) const;

  // Reads a host file (under root, links resolved by LocalPath) whole, up to max_bytes, through
  // OpenRegularFile and ReadOpenedFile (checks/file_io.h): never blocks on a FIFO nor opens a
  // device. NotFound when absent, PermissionDenied when unreadable, InvalidArgument when it is
  // not a regular file ("'/etc/os-release' is a FIFO, not a regular file"; /proc and /sys files
  // are regular files), when larger than max_bytes ("'/etc/group' is larger than N bytes") or when
  // its path loops. Messages name absolute_path, never the local path.
  Result<std::string> ReadFile(std::string_view absolute_path, size_t max_bytes = 1 << 20) const;

  // Looks name up in the standard system PATH directories under root (not the caller's $PATH,
  // which describes this process, not the host). Returns the host path ("/usr/bin/curl"), nullopt
  // when no directory has an executable regular file of that name. A directory that is absent is
  // skipped; one that cannot be searched (EACCES, a symlink loop) is an error ("searching /usr/bin
  // for 'curl': ..."), since the program may be in it.
  Result<std::optional<std::string>> SearchSystemPath(std::string_view name) const;

  // SearchSystemPath for callers that only want a hint: an error counts as not found.
  std::optional<std::string> FindExecutable(std::string_view name) const;

  // The directories FindExecutable searches, in order.
  static const std::vector<std::string>& SystemPath();
};

}  // namespace flightcheck
