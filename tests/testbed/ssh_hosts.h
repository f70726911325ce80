// SshHosts: N fake hosts on one machine, as in TESTBED.md ("Several hosts"). Host i (1-based) is a
// real OpenSSH sshd listening on 127.0.0.(first_octet + i - 1):port, running in its own mount
// namespace with a private tmpfs on /opt, so every host has its own, initially empty /opt. Each
// host has its own ed25519 host key; one user key logs in as root on every host; a private
// known_hosts lists every host key, so clients keep strict host-key checking on.
//
// Everything (keys, configs, pid files, logs) lives in a temporary directory. The destructor, also
// when a test fails, stops every sshd it started (SIGTERM through a pidfd of its recorded pid) and
// then SIGKILLs every process whose mount namespace is a host's, however it was started (ssh
// sessions, `setsid cmd &` detached over ssh, nsenter): nothing started inside a host outlives the
// harness.
//
// Each sshd runs under a small reaper process of the harness (a child subreaper), so sessions and
// whatever they detach are re-parented to it and reaped as soon as they die; the reaper exits once
// its host is empty. Needs root (port 22, mount namespaces, root login).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testbed/process.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck::testing {

// Runs `ssh-keygen -q <options> -f path` (options such as {"-t", "ed25519", "-N", ""}), replacing
// any old pair at path. Needs no root. "" on success, otherwise what went wrong with ssh-keygen's
// output.
std::string GenerateSshKey(const std::filesystem::path& path,
                           const std::vector<std::string>& options);

class SshHosts {
 public:
  struct CommandResult {
    int exit_code;  // the command's exit code; 128 + n when killed by signal n; -1 when not run
    std::string output;  // stdout and stderr combined
  };

  // count hosts on 127.0.0.(first_octet) .. 127.0.0.(first_octet + count - 1), all on port.
  explicit SshHosts(int count, int first_octet = 11, int port = 22);
  ~SshHosts();
  SshHosts(const SshHosts&) = delete;
  SshHosts& operator=(const SshHosts&) = delete;

  // Creates /run/sshd, the user key, every host key, sshd configs, authorized_keys and
  // known_hosts, starts every sshd and waits until each accepts TCP connections. Returns false,
  // with the reason in error(), when not root, a binary is missing, an address:port is taken, or
  // an sshd does not come up (everything started so far is stopped again).
  bool Start(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

  int count() const { return count_; }
  int port() const { return port_; }
  std::string address(int i) const;  // "127.0.0.11" for host 1 with the defaults
  std::vector<std::string> addresses() const;
  std::filesystem::path user_key() const;  // private key (mode 0600); user_key() + ".pub" too
  // One line per host: "127.0.0.11 ssh-ed25519 AAAA..." ("[127.0.0.11]:2222 ..." off port 22).
  // Written once by Start(): RestartWithNewHostKey() leaves the old key in it.
  std::filesystem::path known_hosts() const;
  std::filesystem::path dir() const { return dir_.path(); }

  // Runs command with sh on host i as root over real ssh (BatchMode, StrictHostKeyChecking=yes,
  // UserKnownHostsFile=known_hosts(), -i user_key(), ConnectTimeout=5, no user ssh config), bounded
  // by timeout. exit_code is ssh's: 255 for connection or host-key failures, 124 on timeout. A
  // command that leaves a background process must redirect its output (`cmd >/dev/null 2>&1 &`),
  // or ssh waits for it until the timeout.
  CommandResult Run(int i, const std::string& command,
                    std::chrono::seconds timeout = std::chrono::seconds(20)) const;

  // Runs command with sh directly inside host i's mount namespace (nsenter -t <sshd pid> -m), no
  // ssh: fast assertions such as listing /opt. exit_code -1 when host i is not running. A process
  // it leaves behind is killed with the host too, but is not a descendant of the host's reaper: it
  // may stay a zombie of PID 1 for a while.
  CommandResult RunInNamespace(int i, const std::string& command,
                               std::chrono::seconds timeout = std::chrono::seconds(20)) const;

  // Before Start: a login user (logging in with user_key()) on every host, with or without a
  // passwordless sudo rule (which keeps SSH_CONNECTION). The harness bind-mounts private copies of
  // /etc/passwd, /etc/group, /etc/shadow and /etc/sudoers.d into each host's namespace; the
  // machine's own files are never changed.
  void AddUser(const std::string& name, bool passwordless_sudo);

  // Stops host i's sshd (new connections are refused) and kills every process in its namespace;
  // the namespace and its /opt are gone. Idempotent.
  void StopHost(int i);

  // Stops host i, generates a new host key and starts it again (in a fresh namespace: /opt is
  // empty again). known_hosts() keeps the OLD key, so strict clients must refuse the host.
  bool RestartWithNewHostKey(int i,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

  // Pids of the live processes in host i's mount namespace, including its sshd while it runs.
  // Empty once the host is stopped (zombies do not count: they have left every namespace).
  std::vector<pid_t> ProcessesInHost(int i) const;

  std::string Log(int i) const;  // sshd -e output (LogLevel ERROR), across restarts
  const std::string& error() const { return error_; }

 private:
  struct Host {
    pid_t reaper = -1;     // our child, its own process group; parent of sshd and of orphans
    pid_t sshd = -1;       // the reaper's child
    int sshd_pidfd = -1;   // addresses exactly that sshd, even after its pid is reused
    std::string mount_ns;  // "mnt:[4026...]" while processes may be in it; "" otherwise
  };

  bool ValidIndex(int i) const { return i >= 1 && i <= count_; }
  std::filesystem::path HostKey(int i) const;
  bool GenerateKey(const std::filesystem::path& path, const std::string& comment);
  void WriteConfig(int i);
  bool WriteUserFiles();                                       // for AddUser's users
  bool LaunchHost(int i);                                      // starts sshd, does not wait
  bool WaitForHost(int i, std::chrono::milliseconds timeout);  // listening + namespace recorded

  int count_;
  int first_octet_;
  int port_;
  ScopedTempDir dir_;        // declared before hosts_: removed after every host is stopped
  std::vector<Host> hosts_;  // index i - 1
  std::vector<std::pair<std::string, bool>> users_;  // AddUser: name, passwordless sudo
  std::string error_;
};

}  // namespace flightcheck::testing
