#include "checks/command_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "checks/scoped_fd.h"
#include "checks/text.h"

extern char** environ;

namespace flightcheck {
namespace {

Status MakePipe(ScopedFd* read_end, ScopedFd* write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::FromErrno("pipe2", errno);
  read_end->reset(fds[0]);
  write_end->reset(fds[1]);
  return Status::Ok();
}

// Appends what is readable now; returns false at EOF or error.
bool DrainOnce(int fd, std::string* out, size_t cap, bool* truncated) {
  char buffer[8192];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  const size_t room = out->size() < cap ? cap - out->size() : 0;
  const size_t take = std::min(room, static_cast<size_t>(n));
  out->append(buffer, take);
  if (take < static_cast<size_t>(n)) *truncated = true;
  return true;
}

// SIGKILLs the process group, reaps its leader and returns the leader's wait status once the group
// is gone. The leader must not have been reaped before: until then its pid names the group and
// cannot be reused, so the kill cannot reach a stranger. Signal delivery is asynchronous: the
// leader is reaped here, but the other members (a shell's background jobs) die moments later, and
// a caller told "the process group was killed" may at once reuse what they held (ports, locks,
// files). Orphaned members are reaped by init, so the wait is bounded rather than exact.
int KillGroup(pid_t pid) {
  ::kill(-pid, SIGKILL);
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  const auto give_up = SteadyClock::now() + std::chrono::seconds(1);
  while (::kill(-pid, 0) == 0 && SteadyClock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return wait_status;
}

// Process groups of commands that are running, for KillRunningCommandGroups. Lock-free atomics,
// so a signal handler may read them.
constexpr size_t kMaxTrackedGroups = 1024;
std::atomic<pid_t> g_running_groups[kMaxTrackedGroups];

void TrackGroup(pid_t group) {
  for (std::atomic<pid_t>& slot : g_running_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, group)) return;
  }
}

extern "C" void KillGroupsAndReraise(int signal_number) {
  KillRunningCommandGroups();
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

}  // namespace

void ForgetCommandGroup(pid_t group) {
  for (std::atomic<pid_t>& slot : g_running_groups) {
    pid_t expected = group;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void KillRunningCommandGroups() {
  for (std::atomic<pid_t>& slot : g_running_groups) {
    const pid_t group = slot.load();
    if (group > 0) ::kill(-group, SIGKILL);
  }
}

void KillCommandsOnTermination() {
  struct sigaction action = {};
  action.sa_handler = KillGroupsAndReraise;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(signal_number, &action, nullptr);
}

std::string QuoteArgv(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& arg : argv) {
    if (!text.empty()) text += ' ';
    const bool plain =
        !arg.empty() && arg.find_first_of(" \t\n'\"\\$`;&|<>()*?") == std::string::npos;
    text += plain ? arg : ShellQuote(arg);
  }
  return text;
}

Result<pid_t> SpawnInOwnGroup(const std::vector<std::string>& argv, const std::string& stdin_path,
                              int stdout_fd, int stderr_fd) {
  if (argv.empty()) return Status::InvalidArgument("empty command");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group, so a deadline can kill everything the command started. Default signal
  // dispositions, so a runner that ignores SIGPIPE does not pass that on.
  sigset_t default_signals;
  sigfillset(&default_signals);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> c_argv;
  for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawn_error =
      ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, c_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawn_error != 0) return Status::FromErrno(fmt::format("running '{}'", argv[0]), spawn_error);
  TrackGroup(pid);
  return pid;
}

const LocalCommandRunner& LocalCommandRunner::Shared() {
  static const LocalCommandRunner runner;
  return runner;
}

Result<CommandResult> LocalCommandRunner::Run(const std::vector<std::string>& argv,
                                              Deadline deadline, size_t output_cap) const {
  if (argv.empty()) return Status::InvalidArgument("empty command");
  const auto started = SteadyClock::now();
  ScopedFd out_read, out_write, err_read, err_write;
  if (Status s = MakePipe(&out_read, &out_write); !s.ok()) return s;
  if (Status s = MakePipe(&err_read, &err_write); !s.ok()) return s;

  Result<pid_t> spawned = SpawnInOwnGroup(argv, "/dev/null", out_write.get(), err_write.get());
  if (!spawned) return spawned.error();
  const pid_t pid = *spawned;
  struct Forget {
    pid_t group;
    ~Forget() { ForgetCommandGroup(group); }
  } forget{pid};
  out_write.reset();
  err_write.reset();

  CommandResult result;
  bool out_open = true, err_open = true, exited = false;
  while (true) {
    if (!exited) {
      // WNOWAIT leaves the leader a zombie, whose pid keeps naming the group for KillGroup.
      siginfo_t info = {};
      exited = ::waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
    }
    if (exited && !out_open && !err_open) break;
    if (deadline.expired()) {
      KillGroup(pid);
      return Status::Timeout(fmt::format(
          "'{}' did not finish within {}; its process group was killed", QuoteArgv(argv),
          FormatDuration(std::chrono::duration_cast<Milliseconds>(SteadyClock::now() - started))));
    }
    pollfd fds[2];
    nfds_t count = 0;
    if (out_open) fds[count++] = {out_read.get(), POLLIN, 0};
    if (err_open) fds[count++] = {err_read.get(), POLLIN, 0};
    // After the main process exited, only drain what is already buffered: a background child
    // holding the pipe open must not keep us waiting.
    const int wait_ms =
        exited ? 0 : static_cast<int>(std::min<long long>(deadline.remaining().count(), 50));
    if (count == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait_ms, 5)));
      continue;
    }
    const int ready = ::poll(fds, count, wait_ms);
    if (ready < 0 && errno != EINTR) {
      const int error = errno;
      KillGroup(pid);
      return Status::FromErrno(fmt::format("waiting for '{}'", QuoteArgv(argv)), error);
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      const bool is_out = fds[i].fd == out_read.get();
      const bool open = DrainOnce(fds[i].fd, is_out ? &result.stdout_text : &result.stderr_text,
                                  output_cap, &result.output_truncated);
      if (!open) (is_out ? out_open : err_open) = false;
    }
    if (exited && ready <= 0) break;
  }
  // The command is done, but what it started in the background (an ip-detect script's
  // `sleep 100 &`) is still in its group and would outlive the run.
  const int wait_status = KillGroup(pid);
  if (WIFEXITED(wait_status)) {
    result.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    result.term_signal = WTERMSIG(wait_status);
  }
  result.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  return result;
}

}  // namespace flightcheck
