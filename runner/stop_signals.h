// StopSignals: SIGTERM, SIGINT and SIGHUP as a stop request, for a run that should end cleanly
// (report what finished, mark the rest "stopped") rather than die mid-write.
//
// While an instance lives, the first of those signals requests stop on its stop_source and is
// remembered; the process carries on, and whoever holds token() winds down (RunRules ends within a
// watchdog tick; commands under a stoppable Deadline are killed at their next check). A second
// signal means the user insists: running command groups are killed and the process dies of that
// signal, as it does without an instance (KillCommandsOnTermination). The handler only writes
// to a pipe; a watcher thread does the rest, so nothing unsafe runs in signal context.
//
// With an on_reload callback (a daemon), SIGHUP is not a stop: each one calls on_reload on the
// watcher thread, as daemons reload their configuration on SIGHUP.
//
// One instance at a time per process; the destructor restores the previous handlers and joins the
// watcher. Thread-safety: token() and signal() may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <stop_token>
#include <thread>

namespace flightcheck {

class StopSignals {
 public:
  StopSignals();
  explicit StopSignals(std::function<void()> on_reload);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  std::stop_token token() const { return source_.get_token(); }
  // The signal that requested the stop; 0 while none has.
  int signal() const { return signal_.load(); }
  // The exit status a command stopped this way should return: 128 + the signal (130 for
  // SIGINT, 143 for SIGTERM).
  int ExitCode() const { return 128 + signal(); }

 private:
  void Watch();

  std::function<void()> on_reload_;
  std::stop_source source_;
  std::atomic<int> signal_{0};
  int pipe_[2] = {-1, -1};
  std::jthread watcher_;
};

}  // namespace flightcheck
