// One host reached with the OpenSSH client: a ControlMaster connection opened once and reused by
// every command and copy of a run.
//
// Using the system's ssh (not a library) honours the user's ssh_config, agents and jump hosts.
// Host keys are checked strictly against the known_hosts file the caller names; accepting new keys
// is an explicit option, and a changed key is always refused. Remote commands run under the remote
// `timeout` as well as a local one, so a hung command is killed on the host and not merely
// abandoned; with a user other than root they run through `sudo -n`, which fails rather than
// prompting.
//
// Thread-safety: like AsyncProcess, everything runs on the io_context of the ProcessReaper.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "checks/status.h"
#include "runner/async_process.h"

namespace flightcheck {

struct SshOptions {
  std::string user = "root";
  int port = 22;
  std::filesystem::path identity_file;  // empty: ssh's own defaults (agent, ~/.ssh)
  std::filesystem::path known_hosts;    // empty: ssh's defaults, still strict
  bool accept_new_host_keys = false;    // StrictHostKeyChecking=accept-new instead of yes
  std::chrono::seconds connect_timeout{10};
  std::vector<std::string> extra_options;  // appended to every ssh command line
  std::filesystem::path control_dir;       // where control sockets live; short path (sun_path)
  std::string ssh_program = "ssh";
};

// Why a host could not be reached: the host is "unreachable", which is not "failed".
enum class ConnectFailure { kNone, kUnreachable, kHostKeyChanged, kHostKeyUnknown, kAuthFailed };

struct ConnectResult {
  ConnectFailure failure = ConnectFailure::kNone;
  std::string message;  // for people: what happened and what to do
  bool ok() const { return failure == ConnectFailure::kNone; }
};

struct RemoteResult {
  int exit_code = -1;      // of the remote command; 255 is ssh's own failure
  bool timed_out = false;  // killed at the command timeout, here and on the host
  std::string stdout_text;
  std::string stderr_text;
  double seconds = 0;
};

class SshConnection {
 public:
  SshConnection(ProcessReaper& reaper, SshOptions options, std::string address);
  ~SshConnection();  // closes the master connection
  SshConnection(const SshConnection&) = delete;
  SshConnection& operator=(const SshConnection&) = delete;

  const std::string& address() const { return address_; }

  // Opens the master connection; waits at most connect_timeout plus a margin for the handshake.
  boost::asio::awaitable<ConnectResult> Connect();

  // Runs a shell command line on the host through the master (as root via `sudo -n` for other
  // users), with stdin from stdin_path. The command is killed on the host and here when timeout
  // passes. Requires a successful Connect.
  boost::asio::awaitable<RemoteResult> Run(const std::string& command,
                                           std::chrono::milliseconds timeout,
                                           const std::string& stdin_path = "/dev/null");

  // The argv Run would execute, for logs and for tests of quoting.
  std::vector<std::string> CommandArgv(const std::string& command,
                                       std::chrono::milliseconds timeout) const;

  // Stops the master connection now (also done by the destructor).
  void Close();

 private:
  std::vector<std::string> BaseArgv() const;

  ProcessReaper& reaper_;
  SshOptions options_;
  std::string address_;
  std::filesystem::path control_path_;
  std::unique_ptr<AsyncProcess> master_;
};

// Classifies a failed connection from ssh's exit code and stderr, with the message a person sees.
ConnectResult ClassifyConnectFailure(const std::string& address, const std::string& ssh_stderr,
                                     const std::filesystem::path& known_hosts);

}  // namespace flightcheck
