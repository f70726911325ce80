#include "cli/host_flags.h"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "checks/command_runner.h"

namespace flightcheck::cli {

void AddHostFlags(CLI::App* command, HostFlags* flags) {
  command->add_option("--root", flags->root, "Read host files under DIR (default /)");
  command->add_option("--docker-socket", flags->docker_socket,
                      fmt::format("Docker Engine API socket (default {})", flags->docker_socket));
  command->add_option(
      "--systemd-bus", flags->systemd_bus,
      fmt::format("systemd manager D-Bus address (default {})", flags->systemd_bus));
  command->add_option("--journal-dir", flags->journal_directory,
                      "Read journal files from DIR (default: the host's journal)");
}

Result<HostContext> HostFromFlags(const HostFlags& flags) {
  std::error_code ec;
  if (!std::filesystem::is_directory(flags.root, ec)) {
    return Status::InvalidArgument(fmt::format("--root: '{}' is not a directory", flags.root));
  }
  HostContext host;
  host.root = HostContext::LiveRootAsSlash(flags.root);
  host.docker_socket = flags.docker_socket;
  host.systemd_bus = flags.systemd_bus;
  host.journal_directory = flags.journal_directory;
  host.commands = &LocalCommandRunner::Shared();
  return host;
}

}  // namespace flightcheck::cli
