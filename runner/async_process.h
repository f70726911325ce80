// Child processes driven by a Boost.Asio io_context: the building block of the SSH fan-out, where
// hundreds of ssh clients run at once from one thread.
//
// Every child runs in a process group of its own; a timeout kills the whole group, so nothing a
// command forked outlives it. Exits are collected by a ProcessReaper that listens for SIGCHLD on
// the io_context and reaps only the pids it started, so it coexists with code that waits for its
// own children (LocalCommandRunner).
//
// Thread-safety: a ProcessReaper and everything started through it belong to one io_context that
// runs on one thread; none of it may be touched from another thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "checks/status.h"

namespace flightcheck {

class AsyncProcess;

// Reaps the children started through it. Must outlive them; one per io_context.
class ProcessReaper {
 public:
  explicit ProcessReaper(boost::asio::io_context& io);
  ~ProcessReaper();
  ProcessReaper(const ProcessReaper&) = delete;
  ProcessReaper& operator=(const ProcessReaper&) = delete;

  boost::asio::io_context& io() { return io_; }

 private:
  friend class AsyncProcess;
  void Watch(pid_t pid, AsyncProcess* process);
  void Forget(pid_t pid);
  void Arm();
  void Sweep();

  boost::asio::io_context& io_;
  boost::asio::signal_set sigchld_;
  std::map<pid_t, AsyncProcess*> children_;
  bool armed_ = false;
};

struct ProcessOutcome {
  int exit_code = -1;  // exit status; -1 when ended by a signal (then term_signal is set)
  int term_signal = 0;
  bool timed_out = false;  // the timeout passed and the process group was killed
  std::string stdout_text;
  std::string stderr_text;
  bool stdout_truncated = false;  // more than output_cap was written; the rest was dropped
  bool stderr_truncated = false;
  double seconds = 0;
};

// One running child. Destroying it kills its process group if it is still running.
class AsyncProcess {
 public:
  // Starts argv with stdin from stdin_path ("/dev/null" by default), and its stdout into
  // stdout_fd when that is not -1 (a file the caller owns: output of any size, never held in
  // memory; stdout_text is then empty). Output beyond output_cap per
  // stream is read and dropped. The spawn error (program missing...) is returned at once.
  static Result<std::unique_ptr<AsyncProcess>> Start(ProcessReaper& reaper,
                                                     const std::vector<std::string>& argv,
                                                     const std::string& stdin_path = "/dev/null",
                                                     size_t output_cap = size_t{16} << 20,
                                                     int stdout_fd = -1);
  ~AsyncProcess();
  AsyncProcess(const AsyncProcess&) = delete;
  AsyncProcess& operator=(const AsyncProcess&) = delete;

  // Waits until the process exited and its output is read (or, once it exited, until anything
  // it left in the background stops writing briefly); kills the group at timeout. Call once.
  boost::asio::awaitable<ProcessOutcome> Wait(std::chrono::milliseconds timeout);

  // SIGKILLs the process group now (a no-op once it has been reaped and the group is gone).
  void KillGroup();

  bool exited() const { return exited_; }
  pid_t pid() const { return pid_; }

 private:
  AsyncProcess(ProcessReaper& reaper, pid_t pid, int out_fd, int err_fd, size_t output_cap);
  friend class ProcessReaper;
  void OnExit(int wait_status);
  void ReadStream(bool is_stdout);
  void OnRead(bool is_stdout, const boost::system::error_code& error, size_t bytes);
  void Wake();

  ProcessReaper& reaper_;
  pid_t pid_;
  // The pipes and their buffers. Shared with the pending reads, whose handlers may run after this
  // object is gone (a read that completed just before the destructor closed the pipes): they
  // find owner null and touch nothing else.
  struct Pipes;
  std::shared_ptr<Pipes> pipes_;
  size_t output_cap_;
  bool exited_ = false;
  int open_streams_ = 2;
  ProcessOutcome outcome_;
  std::chrono::steady_clock::time_point started_;
  boost::asio::steady_timer wake_;  // cancelled on every event a waiter cares about
};

// Runs argv to completion: Start + Wait. A spawn failure is returned as the error.
boost::asio::awaitable<Result<ProcessOutcome>> RunProcess(ProcessReaper& reaper,
                                                          std::vector<std::string> argv,
                                                          std::chrono::milliseconds timeout,
                                                          std::string stdin_path = "/dev/null",
                                                          int stdout_fd = -1);

}  // namespace flightcheck
