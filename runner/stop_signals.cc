#include "runner/stop_signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "checks/command_runner.h"

namespace flightcheck {
namespace {

constexpr int kSignals[] = {SIGTERM, SIGINT, SIGHUP};

// The write end of the live instance's pipe, for the handler; -1 when there is none.
std::atomic<int> g_notify_fd{-1};
std::atomic<bool> g_stopping{false};
std::atomic<bool> g_hangup_reloads{false};

extern "C" void OnStopSignal(int signal_number) {
  const int saved_errno = errno;
  const bool reload = signal_number == SIGHUP && g_hangup_reloads.load();
  if (!reload && g_stopping.exchange(true)) {
    // The second signal: do what the process does without a StopSignals.
    KillRunningCommandGroups();
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
  }
  const int fd = g_notify_fd.load();
  const unsigned char byte = static_cast<unsigned char>(signal_number);
  if (fd >= 0) {
    const ssize_t written = ::write(fd, &byte, 1);
    (void)written;  // nothing to do in a handler if the pipe is full: a stop is already pending
  }
  errno = saved_errno;
}

}  // namespace

StopSignals::StopSignals() : StopSignals(std::function<void()>()) {}

StopSignals::StopSignals(std::function<void()> on_reload) : on_reload_(std::move(on_reload)) {
  if (::pipe2(pipe_, O_CLOEXEC) != 0) return;  // no pipe: signals keep their old meaning
  g_stopping = false;
  g_hangup_reloads = static_cast<bool>(on_reload_);
  g_notify_fd = pipe_[1];
  watcher_ = std::jthread([this] { Watch(); });
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  for (int signal_number : kSignals) ::sigaction(signal_number, &action, nullptr);
}

StopSignals::~StopSignals() {
  if (pipe_[0] < 0) return;
  KillCommandsOnTermination();  // back to killing command groups and dying of the signal
  g_notify_fd = -1;
  g_hangup_reloads = false;
  ::close(pipe_[1]);  // ends the watcher's read
  watcher_.join();
  ::close(pipe_[0]);
}

void StopSignals::Watch() {
  unsigned char byte = 0;
  for (;;) {
    const ssize_t n = ::read(pipe_[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    if (byte == SIGHUP && on_reload_) {
      on_reload_();
      continue;
    }
    int expected = 0;
    signal_.compare_exchange_strong(expected, byte);
    source_.request_stop();
  }
}

}  // namespace flightcheck
