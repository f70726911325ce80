// Helpers for test harnesses that run real services: start a background process and record its
// pid, wait for a TCP port or a file, stop exactly what was started.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace flightcheck::testing {

// A child process started by a test. The destructor kills it (SIGTERM, then SIGKILL after a grace
// period) and reaps it, so nothing outlives the fixture even when an assertion fails.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Stop(); }
  ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv in its own process group with stdout and stderr appended to log_path.
  // Returns false (and leaves the object empty) when the program cannot be started.
  bool Start(const std::vector<std::string>& argv, const std::filesystem::path& log_path);

  bool running() const;
  pid_t pid() const { return pid_; }

  // SIGTERM to the process group, wait up to grace, then SIGKILL; reaps. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // SIGKILL to the process group at once (a crash, as a test wants it); reaps.
  void Kill();

 private:
  pid_t pid_ = -1;
};

// Polls until a TCP connect to host:port succeeds or timeout passes.
bool WaitForTcp(const std::string& host, int port, std::chrono::milliseconds timeout);

// Polls until path exists or timeout passes.
bool WaitForPath(const std::filesystem::path& path, std::chrono::milliseconds timeout);

// True when the current process is root (tests that need root fail loudly otherwise).
bool IsRoot();

}  // namespace flightcheck::testing
