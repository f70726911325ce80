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
  int exit_code = -1;       // of the remote command; 255 is ssh's own failure
  bool timed_out = false;   // killed at the command timeout, here and on the host
  std::string stdout_text;  // at most kRemoteOutputCap bytes each
  std::string stderr_text;
  bool stdout_truncated = false;  // the host wrote more; the rest was read and dropped
  bool stderr_truncated = false;
  double seconds = 0;
};

// What Run keeps of each stream of a remote command: a report or a log never needs more, and a
// host printing without end must not exhaust the coordinator's memory.
inline constexpr size_t kRemoteOutputCap = size_t{16} << 20;

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
  // users), with stdin from stdin_path and stdout into stdout_fd when that is not -1 (see
  // AsyncProcess::Start). The command is killed on the host and here when timeout
  // passes. Requires a successful Connect.
  boost::asio::awaitable<RemoteResult> Run(const std::string& command,
                                           std::chrono::milliseconds timeout,
                                           const std::string& stdin_path = "/dev/null",
                                           int stdout_fd = -1);

  // The argv Run would execute, for logs and for tests of quoting.
  std::vector<std::string> CommandArgv(const std::string& command,
                                       std::chrono::milliseconds timeout) const;

  // The argv that stops the command Run is running on the host, if any: SIGTERM to its remote
  // `timeout`, which passes it to the command's whole process group there (KILL follows 5 s
  // later), so the pending Run returns soon after. Killing the local ssh client would not do
  // that: without a terminal, sshd does not signal the remote command when the client goes. Run
  // it (through the same ProcessReaper, a few seconds' bound) while the Run is pending; it needs
  // the master connection. An argv rather than a method, so that running it does not depend on
  // this object outliving the Run it stops.
  std::vector<std::string> InterruptArgv() const;

  // Stops the master connection now (also done by the destructor).
  void Close();

 private:
  std::vector<std::string> BaseArgv() const;
  // argv running remote as root (through sudo -n for other users), over the master.
  std::vector<std::string> RemoteArgv(const std::string& remote) const;

  ProcessReaper& reaper_;
  SshOptions options_;
  std::string address_;
  std::filesystem::path control_path_;
  // On the host: where the running command's `timeout` records its pid, for Interrupt. Unique per
  // connection (the control directory's name and the address), so hosts sharing a /tmp do not
  // clash.
  std::string remote_pid_file_;
  std::unique_ptr<AsyncProcess> master_;
};

// Classifies a failed connection from ssh's exit code and stderr, with the message a person sees.
ConnectResult ClassifyConnectFailure(const std::string& address, const std::string& ssh_stderr,
                                     const std::filesystem::path& known_hosts);

}  // namespace flightcheck
