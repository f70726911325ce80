// HostContext: the only way a probe touches the host.
//
// It names the root directory that host paths are read under (`--root`, "/" on a live host, a
// fixture tree in tests, an image's mount point for offline inspection), the command runner, and
// the daemon endpoints (Docker socket, systemd bus, journal directory). Probes never open
// "/etc/..." directly: they call HostPath("/etc/...") or ReadFile("/etc/...").
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

  // True when probes look at the live host this process runs on (root is "/"). Some facts
  // (syscalls such as adjtimex, NSS, getifaddrs, bind tests) only exist for the live host.
  bool IsLiveRoot() const;

  // Maps an absolute host path to the path under root: "/etc/os-release" → root/etc/os-release.
  std::filesystem::path HostPath(std::string_view absolute_path) const;

  // Resolves the symbolic links in an absolute host path under root the way the host itself
  // would: an absolute link target starts again at the root, ".." stops at the root. Components
  // after the first that does not exist are kept as written. Returns the resolved host path;
  // InvalidArgument after 40 links, other errors as readlink(2) reports them.
  Result<std::string> ResolvePath(std::string_view absolute_path) const;

  // Reads a host file (under root) whole, up to max_bytes. NotFound when absent, PermissionDenied
  // when unreadable, InvalidArgument when larger than max_bytes.
  Result<std::string> ReadFile(std::string_view absolute_path, size_t max_bytes = 1 << 20) const;

  // Looks name up in the standard system PATH directories under root (not the caller's $PATH,
  // which describes this process, not the host). Returns the host path ("/usr/bin/curl").
  std::optional<std::string> FindExecutable(std::string_view name) const;

  // The directories FindExecutable searches, in order.
  static const std::vector<std::string>& SystemPath();
};

}  // namespace flightcheck
