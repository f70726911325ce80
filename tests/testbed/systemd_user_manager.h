// SystemdUserManager: a real systemd user manager and a real systemd-journald for tests, as in
// TESTBED.md ("systemd (a real unit manager) and journald").
//
// Both run inside one private mount namespace (`unshare -m --propagation private`) with a tmpfs
// on /run, so that /run/systemd and /run/log of the machine are neither seen nor touched. The
// manager's XDG_RUNTIME_DIR is a mode-0700 directory under a fresh /tmp/fcsd-XXXXXX (its private
// bus socket is <runtime>/systemd/private, reachable from outside the namespace); journald's
// /run/log/journal is a bind mount of <dir>/journal, so the journal files it writes are readable
// by the test process at journal_directory(). Units log to that journald, and so does the manager
// itself (--log-target=journal), as on a real host. Needs root.
//
// Stop() (and the destructor) end the manager, journald and every process left in their mount
// namespace (unit processes the manager did not reap), by pid, and the destructor removes the
// directory. Not thread-safe: one test thread drives an instance.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testbed/process.h"

namespace flightcheck::testing {

class SystemdUserManager {
 public:
  SystemdUserManager();  // creates the directories; aborts the test binary if it cannot
  ~SystemdUserManager();
  SystemdUserManager(const SystemdUserManager&) = delete;
  SystemdUserManager& operator=(const SystemdUserManager&) = delete;

  // Starts journald and the manager and waits until the manager answers on its bus and the
  // journal directory exists. "" on success, otherwise what went wrong with the end of the log
  // (everything started is stopped again).
  std::string Start(std::chrono::milliseconds timeout = std::chrono::seconds(15));

  // Ends the manager (SIGTERM: it stops its units), journald and any process still in their
  // namespace (SIGKILL after a grace period). Idempotent.
  void Stop();

  // Writes <runtime>/systemd/user/<name> (the manager sees it after DaemonReload()).
  void WriteUnit(const std::string& name, const std::string& contents) const;

  // Runs `systemctl --user <args>` against this manager; returns its exit code and puts its
  // stdout and stderr in *output when given.
  int Systemctl(const std::vector<std::string>& args, std::string* output = nullptr) const;

  // `systemctl --user show -p <property> --value <unit>`, trimmed; "" when it fails.
  std::string Property(const std::string& unit, const std::string& property) const;

  // Polls Property(unit, property) until it equals value or timeout passes.
  bool WaitForProperty(const std::string& unit, const std::string& property,
                       const std::string& value,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  bool running() const { return process_.running(); }
  pid_t pid() const { return process_.pid(); }
  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& runtime_dir() const { return runtime_dir_; }
  // "unix:path=<runtime>/systemd/private": HostContext::systemd_bus.
  std::string bus_address() const;
  // The directory journald writes its files to: HostContext::journal_directory.
  std::filesystem::path journal_directory() const;
  std::string log() const;  // stdout and stderr of the namespace's shell, journald and manager

  // Pids of the live processes in the manager's mount namespace: what Stop() must leave empty.
  std::vector<pid_t> ProcessesInNamespace() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path runtime_dir_;
  // readlink of /proc/<pid>/ns/mnt, "" before Start(); kept after Stop() so that
  // ProcessesInNamespace() can show that nothing is left.
  std::string namespace_id_;
  ChildProcess process_;
};

}  // namespace flightcheck::testing
