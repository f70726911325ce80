#include "runner/fan_out.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <exception>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "checks/file_io.h"
#include "checks/text.h"
#include "runner/fleet.h"
#include "runner/report.h"

namespace flightcheck {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// 20261201T101500Z: sorts by time, and is a safe file name.
std::string CompactUtcNow() {
  const time_t now = ::time(nullptr);
  struct tm tm = {};
  char text[32] = "run";
  if (::gmtime_r(&now, &tm) != nullptr) std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
  return text;
}

// What a cut stream looks like in a log, so nobody takes the end of it for the end of the output.
std::string Truncated(bool truncated) {
  return truncated ? fmt::format("[output cut at {} MiB]\n", kRemoteOutputCap >> 20) : "";
}

std::string WithNewline(const std::string& text) {
  return text.empty() || text.back() == '\n' ? text : text + "\n";
}

}  // namespace

FanOut::FanOut(FanOutOptions options, std::string config_hash)
    : options_(std::move(options)), reaper_(io_) {
  state_.stage = options_.stage;
  state_.config_hash = std::move(config_hash);
  state_.started_at = NowRfc3339();

  // A second run within the same second gets its own directory: every run's logs are kept.
  const fs::path logs = options_.base_dir / options_.log_dir;
  std::error_code ec;
  fs::create_directories(logs, ec);
  const std::string base = CompactUtcNow();
  run_name_ = base;
  for (int n = 2; !fs::create_directory(logs / run_name_, ec) && n < 1000; ++n) {
    run_name_ = fmt::format("{}-{}", base, n);
  }
  // `latest` is replaced by a rename, so a reader never finds it missing or half-made.
  const fs::path temporary = logs / fmt::format(".latest.{}", ::getpid());
  fs::remove(temporary, ec);
  fs::create_directory_symlink(run_name_, temporary, ec);
  if (!ec) fs::rename(temporary, logs / "latest", ec);
  if (ec) fs::remove(temporary, ec);

  // sun_path holds ~108 bytes: control sockets go to a short directory of their own.
  char control_dir[] = "/tmp/fc-ssh-XXXXXX";
  if (::mkdtemp(control_dir) != nullptr) options_.ssh.control_dir = control_dir;
}

FanOut::~FanOut() {
  std::error_code ignored;
  if (!options_.ssh.control_dir.empty()) fs::remove_all(options_.ssh.control_dir, ignored);
}

std::string FanOut::LogPath(const std::string& address) const {
  return (options_.log_dir / run_name_ / (address + ".log")).string();
}

size_t FanOut::AddHost(const FanOutTarget& target) {
  HostState host;
  host.address = target.address;
  host.role = target.role;
  host.log = LogPath(target.address);
  (void)WriteFileAtomically(options_.base_dir / host.log, "");
  state_.hosts.push_back(std::move(host));
  return state_.hosts.size() - 1;
}

void FanOut::KeepRecord(const HostState& host, HostState record) {
  kept_records_.insert_or_assign(&host, std::move(record));
}

size_t FanOut::KeepHost(HostState record) {
  state_.hosts.push_back(std::move(record));
  return state_.hosts.size() - 1;
}

std::string FanOut::StopCause() const {
  const int signal = options_.stop_signal ? options_.stop_signal() : 0;
  const char* name = signal > 0 ? ::sigabbrev_np(signal) : nullptr;
  return name != nullptr ? fmt::format("SIG{}", name) : "a stop request";
}

void FanOut::Save() {
  if (Status s = WriteStageState(options_.state_path, state_); !s.ok()) {
    fmt::print(options_.err, "flightcheck: warning: {}\n", s.message());
  }
}

void FanOut::Run(const std::vector<size_t>& indexes, const HostBody& body) {
  Save();
  // The stop request comes from another thread (StopSignals' watcher): hand it to the io_context.
  std::stop_callback on_stop(options_.stop, [this] { asio::post(io_, [this] { OnStop(); }); });
  RunBounded(io_, indexes.size(), options_.parallelism, [&](size_t i) -> asio::awaitable<void> {
    co_await RunHost(state_.hosts[indexes[i]], body);
  });
}

void FanOut::OnStop() {
  for (HostState* host : in_step_) {
    interrupted_.insert(host);
    const auto connection = connected_.find(host);
    if (connection == connected_.end()) continue;
    asio::co_spawn(
        io_,
        [](ProcessReaper& reaper, std::vector<std::string> argv) -> asio::awaitable<void> {
          (void)co_await RunProcess(reaper, std::move(argv), std::chrono::seconds(5));
        }(reaper_, connection->second->InterruptArgv()),
        asio::detached);
  }
}

asio::awaitable<void> FanOut::RunHost(HostState& host, const HostBody& body) {
  if (stopping()) {
    host.status = HostStatus::kTerminated;
    host.message = fmt::format("not started: stopped by {}", StopCause());
    Save();
    co_return;
  }
  const auto started = Clock::now();
  host.status = HostStatus::kRunning;
  host.started_at = NowRfc3339();
  host.finished_at.clear();
  host.step = "connect";
  Save();
  Progress();
  SshConnection connection(reaper_, options_.ssh, host.address);
  const ConnectResult connected = co_await connection.Connect();
  if (!connected.ok()) {
    host.status = HostStatus::kUnreachable;
    host.message = connected.message;
    AppendLog(host, fmt::format("== {} connect: {}\n", NowRfc3339(), connected.message));
  } else if (stopping()) {
    interrupted_.insert(&host);
  } else {
    connected_[&host] = &connection;
    std::string failure;
    // A bug in a body, or a host's output it could not handle, costs this host, not the run.
    try {
      co_await body(host, connection);
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown exception";
    }
    connected_.erase(&host);
    if (!failure.empty()) {
      host.status = HostStatus::kFailed;
      host.message = fmt::format("internal error while working on this host ({}): {}", host.step,
                                 EscapeControl(failure));
      AppendLog(host, fmt::format("== {} {}\n", NowRfc3339(), host.message));
    }
  }
  if (interrupted_.contains(&host)) {
    host.status = HostStatus::kTerminated;
    host.message = fmt::format("stopped by {} during {}", StopCause(), host.step);
  } else if (const auto kept = kept_records_.find(&host); kept != kept_records_.end()) {
    host = kept->second;
    Save();
    Progress();
    co_return;
  }
  host.finished_at = NowRfc3339();
  host.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  Save();
  Progress();
}

asio::awaitable<RemoteResult> FanOut::RunStep(HostState& host, SshConnection& connection,
                                              const std::string& step, const std::string& command,
                                              std::chrono::milliseconds timeout,
                                              const std::string& stdin_path, int stdout_fd) {
  if (stopping()) {
    interrupted_.insert(&host);
    RemoteResult stopped;
    stopped.stderr_text = "stopped";
    co_return stopped;
  }
  host.step = step;
  const std::string started = NowRfc3339();
  in_step_.insert(&host);
  RemoteResult result = co_await connection.Run(command, timeout, stdin_path, stdout_fd);
  in_step_.erase(&host);
  std::string stdout_log = result.stdout_text;
  if (stdout_fd >= 0) {
    struct stat written {};
    stdout_log = ::fstat(stdout_fd, &written) == 0
                     ? fmt::format("({} bytes, kept apart)", written.st_size)
                     : "(kept apart)";
  }
  AppendLog(host,
            fmt::format("== {} {}\n--- stdout\n{}{}--- stderr\n{}{}== exit {}{} after {:.1f}s\n",
                        started, step, WithNewline(stdout_log), Truncated(result.stdout_truncated),
                        WithNewline(result.stderr_text), Truncated(result.stderr_truncated),
                        result.exit_code, result.timed_out ? " (timed out)" : "", result.seconds));
  co_return result;
}

asio::awaitable<RemoteResult> FanOut::EnsureRemoteFile(
    HostState& host, SshConnection& connection, const fs::path& local, const std::string& sha256,
    const std::string& remote_dir, const std::string& name, std::chrono::milliseconds timeout) {
  const std::string file = ShellQuote(remote_dir + "/" + name);
  RemoteResult check = co_await RunStep(
      host, connection, "check " + name,
      fmt::format("[ -f {0} ] && [ \"$(sha256sum < {0} | cut -d' ' -f1)\" = {1} ]", file, sha256),
      timeout);
  if (check.exit_code == 0 || stopping()) co_return check;
  RemoteResult copy =
      co_await RunStep(host, connection, "copy " + name,
                       fmt::format("mkdir -p {0} && cat > {1}.part && mv {1}.part {1}",
                                   ShellQuote(remote_dir), file),
                       timeout, local.string());
  if (copy.exit_code != 0 && !copy.timed_out) {
    copy.stderr_text = fmt::format("copying {} failed: {}", name, LastLine(copy.stderr_text));
  }
  co_return copy;
}

void FanOut::AppendLog(const HostState& host, const std::string& text) {
  if (FILE* log = std::fopen((options_.base_dir / host.log).c_str(), "a")) {
    std::fwrite(text.data(), 1, text.size(), log);
    std::fclose(log);
  }
}

void FanOut::Progress() {
  if (!options_.progress) return;
  const int running = state_.Count(HostStatus::kRunning);
  const int done =
      static_cast<int>(state_.hosts.size()) - state_.Count(HostStatus::kUnstarted) - running;
  fmt::print(options_.err, "\r\033[K{}: {}/{} hosts done, {} running, {} failed, {} unreachable",
             state_.stage, done, state_.hosts.size(), running, state_.Count(HostStatus::kFailed),
             state_.Count(HostStatus::kUnreachable));
  std::fflush(options_.err);
}

void FanOut::Finish() {
  for (HostState& host : state_.hosts) {
    if (host.status == HostStatus::kUnstarted && stopping()) {
      host.status = HostStatus::kTerminated;
      host.message = fmt::format("not started: stopped by {}", StopCause());
    } else if (host.status == HostStatus::kRunning) {
      host.status = HostStatus::kTerminated;
      host.message = fmt::format("stopped during {}", host.step);
    }
  }
  state_.finished_at = NowRfc3339();
  Save();
  if (options_.progress) fmt::print(options_.err, "\r\033[K");
}

}  // namespace flightcheck
