// CommandRunner: spawns host commands with a deadline.
//
// LocalCommandRunner starts each command in its own process group and kills the whole group with
// SIGKILL when the deadline passes, so a hung command (or anything it forked) cannot hang a run,
// and again once the command has exited and its output is drained, so nothing it left running in
// the background outlives the call. Output is captured up to a cap per stream; the rest is drained
// and dropped.
//
// Thread-safety: Run may be called concurrently from several threads.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "checks/deadline.h"
#include "checks/status.h"

namespace flightcheck {

struct CommandResult {
  int exit_code = -1;   // exit status, or -1 when killed by a signal
  int term_signal = 0;  // the signal that ended it, 0 if it exited
  std::string stdout_text;
  std::string stderr_text;
  bool output_truncated = false;
  double seconds = 0;
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;

  // Runs argv[0] (searched in $PATH when it has no slash) with argv, stdin from /dev/null.
  // Returns the result when the command ended by itself, whatever its exit code (its background
  // children are killed: a command that must leave a daemon running detaches it with setsid);
  // NotFound when the program does not exist; Timeout (naming the command) when the deadline
  // passed, after the process group was killed.
  virtual Result<CommandResult> Run(const std::vector<std::string>& argv, Deadline deadline,
                                    size_t output_cap = 1 << 20) const = 0;
};

class LocalCommandRunner : public CommandRunner {
 public:
  // A process-wide instance (stateless), for hosts whose probe calls may outlive the caller's
  // scope: an abandoned call still holds the pointer (runner/scheduler.h).
  static const LocalCommandRunner& Shared();

  Result<CommandResult> Run(const std::vector<std::string>& argv, Deadline deadline,
                            size_t output_cap = 1 << 20) const override;
};

// Starts argv[0] (searched in $PATH) in a new process group of its own, with default signal
// dispositions and an empty signal mask, stdin opened from stdin_path and stdout/stderr on the
// given descriptors (which the caller still owns and should close after the call). Returns the
// pid, which is also the process group id; NotFound or another errno status when it cannot start.
Result<pid_t> SpawnInOwnGroup(const std::vector<std::string>& argv, const std::string& stdin_path,
                              int stdout_fd, int stderr_fd);

// SpawnInOwnGroup records each group it starts until ForgetCommandGroup (called once the command
// is reaped). KillRunningCommandGroups SIGKILLs every recorded group; it is async-signal-safe.
// KillCommandsOnTermination installs handlers for SIGTERM, SIGINT and SIGHUP that do that and then
// die of the signal: commands live in groups of their own, so without it a flightcheck killed at
// a timeout (or by Ctrl-C) would leave them running.
void ForgetCommandGroup(pid_t group);
void KillRunningCommandGroups();
void KillCommandsOnTermination();

// Joins argv for messages: "sh -c 'sleep 10'".
std::string QuoteArgv(const std::vector<std::string>& argv);

}  // namespace flightcheck
