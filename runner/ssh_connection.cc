#include "runner/ssh_connection.h"

#include <unistd.h>

#include <fmt/format.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "checks/text.h"

namespace flightcheck {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// Exit codes of coreutils' timeout: 124 after its TERM, 137 when it had to KILL.
bool RemoteTimeoutExit(int exit_code) { return exit_code == 124 || exit_code == 137; }

}  // namespace

ConnectResult ClassifyConnectFailure(const std::string& address, const std::string& ssh_stderr,
                                     const std::filesystem::path& known_hosts) {
  const std::string file = known_hosts.empty() ? "~/.ssh/known_hosts" : known_hosts.string();
  if (ssh_stderr.find("REMOTE HOST IDENTIFICATION HAS CHANGED") != std::string::npos) {
    return {ConnectFailure::kHostKeyChanged,
            fmt::format("host key of {} has CHANGED since it was recorded in {}: the host was "
                        "reinstalled, or someone is intercepting the connection. Nothing was run "
                        "there. If the change is expected, remove the old key with `ssh-keygen -R "
                        "{} -f {}` and record the new one.",
                        address, file, address, file)};
  }
  if (ssh_stderr.find("Host key verification failed") != std::string::npos) {
    return {ConnectFailure::kHostKeyUnknown,
            fmt::format("no host key for {} in {}: verify the host's key and add it (ssh-keyscan "
                        "{} >> {}), or set ssh_accept_new_host_keys: true to trust new hosts on "
                        "first use",
                        address, file, address, file)};
  }
  if (ssh_stderr.find("Permission denied") != std::string::npos) {
    return {ConnectFailure::kAuthFailed,
            fmt::format("authentication to {} failed: {}", address, LastLine(ssh_stderr))};
  }
  const std::string why = LastLine(ssh_stderr);
  return {ConnectFailure::kUnreachable,
          fmt::format("{} is unreachable: {}", address, why.empty() ? "ssh failed" : why)};
}

SshConnection::SshConnection(ProcessReaper& reaper, SshOptions options, std::string address)
    : reaper_(reaper),
      options_(std::move(options)),
      address_(std::move(address)),
      control_path_(options_.control_dir / address_),
      remote_pid_file_(fmt::format("/tmp/.flightcheck-{}-{}.pid",
                                   options_.control_dir.filename().string(), address_)) {}

SshConnection::~SshConnection() { Close(); }

void SshConnection::Close() {
  if (!master_) return;
  master_->KillGroup();
  master_.reset();
  std::error_code ignored;
  std::filesystem::remove(control_path_, ignored);
}

std::vector<std::string> SshConnection::BaseArgv() const {
  std::vector<std::string> argv = {
      options_.ssh_program,
      "-o",
      "BatchMode=yes",
      "-o",
      options_.accept_new_host_keys ? "StrictHostKeyChecking=accept-new"
                                    : "StrictHostKeyChecking=yes",
      "-o",
      fmt::format("ConnectTimeout={}", options_.connect_timeout.count()),
      "-o",
      "ServerAliveInterval=10",
      "-o",
      "ServerAliveCountMax=3",
      "-o",
      "ControlPath=" + control_path_.string(),
      "-p",
      std::to_string(options_.port),
      "-l",
      options_.user,
  };
  if (!options_.known_hosts.empty()) {
    argv.insert(argv.end(), {"-o", "UserKnownHostsFile=" + options_.known_hosts.string(), "-o",
                             "GlobalKnownHostsFile=/dev/null"});
  }
  if (!options_.identity_file.empty()) {
    argv.insert(argv.end(), {"-i", options_.identity_file.string(), "-o", "IdentitiesOnly=yes"});
  }
  argv.insert(argv.end(), options_.extra_options.begin(), options_.extra_options.end());
  return argv;
}

asio::awaitable<ConnectResult> SshConnection::Connect() {
  std::vector<std::string> argv = BaseArgv();
  argv.insert(argv.end(),
              {"-o", "ControlMaster=yes", "-o", "ControlPersist=no", "-N", "-T", address_});
  std::error_code ignored;
  std::filesystem::remove(control_path_, ignored);
  Result<std::unique_ptr<AsyncProcess>> master = AsyncProcess::Start(reaper_, argv);
  if (!master) co_return ConnectResult{ConnectFailure::kUnreachable, master.error().message()};
  master_ = std::move(*master);
  // The control socket appears once the connection is authenticated; the master exits if it
  // cannot get there. ConnectTimeout bounds only the TCP connect, so the handshake gets a bound
  // of its own.
  const auto give_up =
      std::chrono::steady_clock::now() + options_.connect_timeout + std::chrono::seconds(10);
  asio::steady_timer poll(reaper_.io());
  while (!master_->exited()) {
    if (std::filesystem::exists(control_path_, ignored)) co_return ConnectResult{};
    if (std::chrono::steady_clock::now() >= give_up) {
      Close();
      co_return ConnectResult{
          ConnectFailure::kUnreachable,
          fmt::format("{} is unreachable: no SSH handshake within {}s", address_,
                      (options_.connect_timeout + std::chrono::seconds(10)).count())};
    }
    poll.expires_after(milliseconds(10));
    boost::system::error_code ec;
    co_await poll.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  const ProcessOutcome outcome = co_await master_->Wait(milliseconds(1000));
  master_.reset();
  co_return ClassifyConnectFailure(address_, outcome.stderr_text, options_.known_hosts);
}

std::vector<std::string> SshConnection::RemoteArgv(const std::string& remote) const {
  std::vector<std::string> argv = BaseArgv();
  const std::string shell = "sh -c " + ShellQuote(remote);
  argv.insert(argv.end(), {"-o", "ControlMaster=no", "-T", address_, "--",
                           options_.user == "root" ? shell : "sudo -n " + shell});
  return argv;
}

std::vector<std::string> SshConnection::CommandArgv(const std::string& command,
                                                    milliseconds timeout) const {
  // The remote timeout kills the command's whole process group on the host (coreutils timeout
  // runs it in a group of its own); KILL follows TERM after 5 s. It runs in the background so
  // that its pid can be recorded for Interrupt; an asynchronous command's stdin would be
  // /dev/null, hence the explicit copy of the session's stdin (the artifact copy reads it).
  return RemoteArgv(fmt::format(
      "exec 3<&0; timeout -k 5 {secs:.3f} sh -c {command} <&3 3<&- & p=$!; echo $p > {pid}; "
      "wait $p; rc=$?; rm -f {pid}; exit $rc",
      fmt::arg("secs", timeout.count() / 1000.0), fmt::arg("command", ShellQuote(command)),
      fmt::arg("pid", ShellQuote(remote_pid_file_))));
}

std::vector<std::string> SshConnection::InterruptArgv() const {
  return RemoteArgv(fmt::format(
      "p=$(cat {pid} 2>/dev/null) && [ -n \"$p\" ] && kill -TERM \"$p\" 2>/dev/null; exit 0",
      fmt::arg("pid", ShellQuote(remote_pid_file_))));
}

asio::awaitable<RemoteResult> SshConnection::Run(const std::string& command, milliseconds timeout,
                                                 const std::string& stdin_path, int stdout_fd) {
  RemoteResult result;
  // The local bound is a backstop for a host that stops answering: the remote timeout fires first.
  Result<ProcessOutcome> outcome =
      co_await RunProcess(reaper_, CommandArgv(command, timeout),
                          timeout + std::chrono::seconds(15), stdin_path, stdout_fd);
  if (!outcome) {
    result.stderr_text = outcome.error().message();
    co_return result;
  }
  result.exit_code = outcome->exit_code;
  result.timed_out =
      outcome->timed_out || (RemoteTimeoutExit(outcome->exit_code) &&
                             outcome->seconds * 1000 >= static_cast<double>(timeout.count()));
  result.stdout_text = std::move(outcome->stdout_text);
  result.stderr_text = std::move(outcome->stderr_text);
  result.stdout_truncated = outcome->stdout_truncated;
  result.stderr_truncated = outcome->stderr_truncated;
  result.seconds = outcome->seconds;
  co_return result;
}

}  // namespace flightcheck
