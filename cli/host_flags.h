// The flags that say which host the probes read (--root, --docker-socket, --systemd-bus,
// --journal-dir), declared once for every subcommand that runs rules (check, serve) so that
// their names, defaults and checks cannot drift apart.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "checks/host_context.h"
#include "checks/status.h"

namespace flightcheck::cli {

struct HostFlags {
  std::string root = "/";
  std::string docker_socket = HostContext().docker_socket;
  std::string systemd_bus = HostContext().systemd_bus;
  std::string journal_directory;  // "": the host's journal
};

void AddHostFlags(CLI::App* command, HostFlags* flags);

// The HostContext the flags describe, commands run on this machine. InvalidArgument
// ("--root: '/x' is not a directory") when --root is not a directory.
Result<HostContext> HostFromFlags(const HostFlags& flags);

}  // namespace flightcheck::cli
