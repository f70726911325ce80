// Dockerd: a real Docker daemon for tests, as in TESTBED.md.
//
// Each instance runs its own dockerd (and the containerd it starts) with data-root, exec-root,
// pidfile, config file and API socket inside a fresh /tmp/fcd-XXXXXX directory, short because a
// unix socket path is limited to 108 bytes. No iptables, no IP forwarding, no bridge: it touches
// nothing of the machine's network. Needs root.
//
// Stop() (and the destructor) end everything the daemon started: dockerd's process group, and
// containerd, which dockerd starts in a session of its own and so outside that group. They then
// unmount whatever is still mounted under the directory, and the destructor removes it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testbed/process.h"

namespace flightcheck::testing {

class Dockerd {
 public:
  Dockerd();  // creates the directory; aborts the test binary if it cannot
  ~Dockerd();
  Dockerd(const Dockerd&) = delete;
  Dockerd& operator=(const Dockerd&) = delete;

  // Starts dockerd with --storage-driver=storage_driver and waits until GET /_ping on its socket
  // answers OK. Returns "" when it does, otherwise what went wrong followed by the end of the
  // daemon's log (the daemon is then stopped again).
  std::string Start(const std::string& storage_driver,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // SIGTERM to dockerd, which stops containerd and unmounts its data-root; then, whatever was
  // left (after a grace period, or after a crash) is SIGKILLed by pid and unmounted. Idempotent.
  void Stop();

  bool running() const { return process_.running(); }
  pid_t pid() const { return process_.pid(); }
  const std::filesystem::path& dir() const { return dir_; }
  const std::string& socket_path() const { return socket_path_; }
  std::filesystem::path data_root() const { return dir_ / "data"; }
  std::string log() const;  // the daemon's stdout and stderr so far

  // Pids of the live processes whose command line mentions this instance's directory (dockerd,
  // containerd, shims): what Stop() must leave empty.
  std::vector<pid_t> ProcessesUsingDir() const;
  // Mount points at or under the directory, from /proc/self/mountinfo.
  std::vector<std::string> MountsUnderDir() const;

 private:
  std::filesystem::path dir_;
  std::string socket_path_;
  ChildProcess process_;
};

// True when GET /_ping on the unix socket at path answers "OK" within about a second.
bool DockerPing(const std::string& socket_path);

}  // namespace flightcheck::testing
