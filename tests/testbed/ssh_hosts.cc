#include "tests/testbed/ssh_hosts.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace flightcheck::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kSshd = "/usr/sbin/sshd";
constexpr const char* kSsh = "/usr/bin/ssh";
constexpr const char* kSshKeygen = "/usr/bin/ssh-keygen";
constexpr const char* kUnshare = "/usr/bin/unshare";
constexpr const char* kNsenter = "/usr/bin/nsenter";
constexpr const char* kTimeout = "/usr/bin/timeout";

// "mnt:[4026531841]" for a live process; "" when it is gone or a zombie.
std::string MountNamespaceOf(pid_t pid) {
  char buffer[64];
  const std::string link = fmt::format("/proc/{}/ns/mnt", pid);
  const ssize_t n = ::readlink(link.c_str(), buffer, sizeof buffer - 1);
  if (n <= 0) return "";
  return std::string(buffer, static_cast<size_t>(n));
}

std::vector<pid_t> ProcessesInNamespace(const std::string& ns) {
  std::vector<pid_t> pids;
  if (ns.empty()) return pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return pids;
  while (const dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    if (MountNamespaceOf(static_cast<pid_t>(pid)) == ns) pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return pids;
}

// SIGKILLs every process in mount namespace ns until none is left (or timeout passes), then waits
// until each has exited. Each process is addressed through a pidfd whose namespace is checked
// after opening it, so a recycled pid is never hit.
bool KillNamespace(const std::string& ns, milliseconds timeout) {
  if (ns.empty() || ns == MountNamespaceOf(::getpid())) return ns.empty();
  std::map<pid_t, int> killed;  // pid -> pidfd
  const auto until = Clock::now() + timeout;
  bool empty = false;
  while (true) {
    const std::vector<pid_t> pids = ProcessesInNamespace(ns);
    empty = pids.empty();
    if (empty || Clock::now() >= until) break;
    for (const pid_t pid : pids) {
      auto it = killed.find(pid);
      if (it == killed.end()) {
        const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        if (fd < 0) continue;  // already gone
        it = killed.emplace(pid, fd).first;
      }
      if (MountNamespaceOf(pid) == ns) {
        ::syscall(SYS_pidfd_send_signal, it->second, SIGKILL, nullptr, 0);
      }
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  for (const auto& [pid, fd] : killed) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};  // readable once the process has exited
    ::poll(&p, 1, 2000);
    ::close(fd);
  }
  return empty;
}

// Runs argv (absolute program path) with stdin from /dev/null and returns its exit code and its
// stdout + stderr. Output is read until EOF or until timeout plus a grace period passes, so a
// background process that keeps the pipe open cannot hang the test.
SshHosts::CommandResult Capture(const std::vector<std::string>& argv,
                                std::chrono::seconds timeout) {
  SshHosts::CommandResult result{-1, ""};
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return result;
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    if (null >= 0) ::close(null);
    result.output = "fork failed";
    return result;
  }
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    if (null >= 0) ::dup2(null, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  if (null >= 0) ::close(null);
  const auto until = Clock::now() + timeout + std::chrono::seconds(5);
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{.fd = fds[0], .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == 0) {
    // Still running after the deadline (timeout(1) itself hung): end it.
    const auto reap_until = Clock::now() + std::chrono::seconds(3);
    while (::waitpid(pid, &status, WNOHANG) == 0 && Clock::now() < reap_until) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    if (::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  return result;
}

// timeout(1) around argv: TERM at timeout, KILL two seconds later; exit code 124 on timeout.
std::vector<std::string> Bounded(std::chrono::seconds timeout, std::vector<std::string> argv) {
  std::vector<std::string> out = {kTimeout, "-k", "2", std::to_string(timeout.count())};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace

SshHosts::SshHosts(int count, int first_octet, int port)
    : count_(count), first_octet_(first_octet), port_(port), hosts_(count > 0 ? count : 0) {}

SshHosts::~SshHosts() {
  for (int i = 1; i <= count_; ++i) StopHost(i);
}

std::string SshHosts::address(int i) const {
  return fmt::format("127.0.0.{}", first_octet_ + i - 1);
}

std::vector<std::string> SshHosts::addresses() const {
  std::vector<std::string> out;
  for (int i = 1; i <= count_; ++i) out.push_back(address(i));
  return out;
}

std::filesystem::path SshHosts::user_key() const { return dir_.path() / "user_key"; }

std::filesystem::path SshHosts::known_hosts() const { return dir_.path() / "known_hosts"; }

std::filesystem::path SshHosts::HostKey(int i) const {
  return dir_.path() / fmt::format("hostkey_{}", i);
}

std::string SshHosts::Log(int i) const {
  return ReadTextFile(dir_.path() / fmt::format("sshd_{}.log", i));
}

std::string GenerateSshKey(const std::filesystem::path& path,
                           const std::vector<std::string>& options) {
  // ssh-keygen asks before overwriting: remove any old pair first.
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::filesystem::remove(path.string() + ".pub", ec);
  std::vector<std::string> argv = {kSshKeygen, "-q"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), {"-f", path.string()});
  const SshHosts::CommandResult keygen =
      Capture(Bounded(std::chrono::seconds(20), argv), std::chrono::seconds(20));
  if (keygen.exit_code == 0) return "";
  return fmt::format("ssh-keygen for {} failed ({}): {}", path.string(), keygen.exit_code,
                     keygen.output);
}

bool SshHosts::GenerateKey(const std::filesystem::path& path, const std::string& comment) {
  std::string error = GenerateSshKey(path, {"-t", "ed25519", "-N", "", "-C", comment});
  if (error.empty()) return true;
  error_ = std::move(error);
  return false;
}

void SshHosts::WriteConfig(int i) {
  const std::string config = fmt::format(
      "ListenAddress {address}\n"
      "Port {port}\n"
      "HostKey {dir}/hostkey_{i}\n"
      "PidFile {dir}/sshd_{i}.pid\n"
      "AuthorizedKeysFile {dir}/authorized_keys\n"
      "PermitRootLogin prohibit-password\n"
      "PasswordAuthentication no\n"
      "KbdInteractiveAuthentication no\n"
      "UsePAM no\n"
      "StrictModes no\n"
      "MaxStartups 200\n"
      "MaxSessions 100\n"
      "LogLevel ERROR\n"
      "Subsystem sftp internal-sftp\n",
      fmt::arg("address", address(i)), fmt::arg("port", port_),
      fmt::arg("dir", dir_.path().string()), fmt::arg("i", i));
  dir_.WriteFile(fmt::format("sshd_{}.conf", i), config);
}

void SshHosts::AddUser(const std::string& name, bool passwordless_sudo) {
  users_.emplace_back(name, passwordless_sudo);
}

bool SshHosts::WriteUserFiles() {
  std::string passwd = ReadTextFile("/etc/passwd");
  std::string group = ReadTextFile("/etc/group");
  std::string shadow = ReadTextFile("/etc/shadow");
  std::string sudoers;
  int id = 4200;
  for (const auto& [name, sudo] : users_) {
    ++id;
    passwd += fmt::format("{0}:x:{1}:{1}:flightcheck test user:/tmp:/bin/sh\n", name, id);
    group += fmt::format("{}:x:{}:\n", name, id);
    // PAM's account check (sudo) wants an entry; '*' allows no password login.
    shadow += fmt::format("{}:*:20000:0:99999:7:::\n", name);
    // SSH_CONNECTION kept: it is how a test's ip-detect tells the hosts apart (they share the
    // machine's network).
    if (sudo) {
      sudoers += fmt::format(
          "Defaults:{0} env_keep += \"SSH_CONNECTION\"\n{0} ALL=(ALL) NOPASSWD: ALL\n", name);
    }
  }
  dir_.WriteFile("etc/passwd", passwd);
  dir_.WriteFile("etc/group", group);
  std::error_code ec;
  // The machine's password hashes are in the copy: root only, like the original.
  std::filesystem::permissions(
      dir_.WriteFile("etc/shadow", shadow),
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  std::filesystem::create_directories(dir_.path() / "etc" / "sudoers.d", ec);
  const auto rules = dir_.WriteFile("etc/sudoers.d/flightcheck-test", sudoers);
  std::filesystem::permissions(
      rules, std::filesystem::perms::owner_read | std::filesystem::perms::group_read, ec);
  // sshd reads authorized_keys as the user: the directory must be traversable (not listable)
  // and the file readable by others.
  std::filesystem::permissions(dir_.path(),
                               std::filesystem::perms::owner_all |
                                   std::filesystem::perms::group_exec |
                                   std::filesystem::perms::others_exec,
                               ec);
  if (!ec) {
    std::filesystem::permissions(
        dir_.path() / "authorized_keys",
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
            std::filesystem::perms::group_read | std::filesystem::perms::others_read,
        ec);
  }
  if (ec) {
    error_ = "cannot write the test users' files: " + ec.message();
    return false;
  }
  return true;
}

bool SshHosts::LaunchHost(int i) {
  if (WaitForTcp(address(i), port_, milliseconds(1))) {
    error_ = fmt::format("{}:{} is already in use", address(i), port_);
    return false;
  }
  const std::string config = (dir_.path() / fmt::format("sshd_{}.conf", i)).string();
  std::string mounts = "mount -t tmpfs -o mode=0755 tmpfs /opt";
  if (!users_.empty()) {
    for (const char* file : {"passwd", "group", "shadow", "sudoers.d"}) {
      mounts +=
          fmt::format(" && mount --bind '{}' /etc/{}", (dir_.path() / "etc" / file).string(), file);
    }
  }
  const std::string script = fmt::format("{} && exec {} -D -e -f '{}'", mounts, kSshd, config);
  const std::vector<std::string> argv = {kUnshare,  "-m", "--propagation", "private",
                                         "/bin/sh", "-c", script};
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string log_path = (dir_.path() / fmt::format("sshd_{}.log", i)).string();
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];
  if (log < 0 || null < 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    if (log >= 0) ::close(log);
    if (null >= 0) ::close(null);
    error_ = fmt::format("cannot open {} or a pipe", log_path);
    return false;
  }
  const pid_t reaper = ::fork();
  if (reaper == 0) {
    // The reaper: only async-signal-safe calls from here on (the test process has threads).
    ::setpgid(0, 0);
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGCHLD, SIG_DFL);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    const pid_t sshd = ::fork();
    if (sshd == 0) {
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    (void)!::write(report[1], &sshd, sizeof sshd);
    ::close(report[1]);
    // Reap sshd, its sessions and every orphan of the host until none is left.
    while (::waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
    }
    ::_exit(0);
  }
  ::close(report[1]);
  ::close(log);
  ::close(null);
  if (reaper < 0) {
    ::close(report[0]);
    error_ = "fork failed";
    return false;
  }
  pid_t sshd = -1;
  const ssize_t n = ::read(report[0], &sshd, sizeof sshd);
  ::close(report[0]);
  Host& host = hosts_[i - 1];
  host.reaper = reaper;
  host.sshd = n == sizeof sshd ? sshd : -1;
  host.sshd_pidfd = host.sshd > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, host.sshd, 0)) : -1;
  host.mount_ns.clear();
  if (host.sshd_pidfd < 0) {
    error_ = fmt::format("cannot start sshd for host {}; log:\n{}", i, Log(i));
    StopHost(i);
    return false;
  }
  return true;
}

bool SshHosts::WaitForHost(int i, milliseconds timeout) {
  Host& host = hosts_[i - 1];
  const auto until = Clock::now() + timeout;
  while (true) {
    int status = 0;
    if (host.reaper <= 0 || ::waitpid(host.reaper, &status, WNOHANG) != 0) {
      host.reaper = -1;  // reaped: sshd exited, and with it the reaper
      error_ =
          fmt::format("sshd for host {} ({}:{}) exited; log:\n{}", i, address(i), port_, Log(i));
      return false;
    }
    if (WaitForTcp(address(i), port_, milliseconds(1))) break;
    if (Clock::now() >= until) {
      error_ = fmt::format("sshd for host {} did not listen on {}:{} within {} ms; log:\n{}", i,
                           address(i), port_, timeout.count(), Log(i));
      return false;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  // sshd listens, so unshare and mount are done: its namespace is the host's. Never adopt our own
  // namespace, or StopHost would kill everything on the machine.
  const std::string ns = MountNamespaceOf(host.sshd);
  if (ns.empty() || ns == MountNamespaceOf(::getpid())) {
    error_ = fmt::format("sshd for host {} is not in a private mount namespace ({})", i, ns);
    return false;
  }
  host.mount_ns = ns;
  return true;
}

bool SshHosts::Start(milliseconds timeout) {
  if (!IsRoot()) {
    error_ = "SshHosts needs root (port 22, mount namespaces, root login)";
    return false;
  }
  if (count_ < 1 || first_octet_ < 1 || first_octet_ + count_ - 1 > 254) {
    error_ = fmt::format("bad host range: {} hosts from 127.0.0.{}", count_, first_octet_);
    return false;
  }
  for (const char* binary : {kSshd, kSsh, kSshKeygen, kUnshare, kNsenter, kTimeout}) {
    if (::access(binary, X_OK) != 0) {
      error_ = fmt::format(
          "{} is missing: apt-get install -y openssh-server openssh-client "
          "util-linux coreutils",
          binary);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::create_directories("/run/sshd", ec);  // sshd's privilege separation directory
  if (ec) {
    error_ = "cannot create /run/sshd: " + ec.message();
    return false;
  }
  if (!GenerateKey(user_key(), "flightcheck-test-user")) return false;
  dir_.WriteFile("authorized_keys", ReadTextFile(user_key().string() + ".pub"));
  std::string known;
  for (int i = 1; i <= count_; ++i) {
    if (!GenerateKey(HostKey(i), fmt::format("flightcheck-test-host-{}", i))) return false;
    std::istringstream pub(ReadTextFile(HostKey(i).string() + ".pub"));
    std::string type, key;
    pub >> type >> key;
    const std::string name = port_ == 22 ? address(i) : fmt::format("[{}]:{}", address(i), port_);
    known += fmt::format("{} {} {}\n", name, type, key);
    WriteConfig(i);
  }
  dir_.WriteFile("known_hosts", known);
  if (!users_.empty() && !WriteUserFiles()) return false;

  bool ok = true;
  for (int i = 1; i <= count_ && ok; ++i) ok = LaunchHost(i);
  for (int i = 1; i <= count_ && ok; ++i) ok = WaitForHost(i, timeout);
  if (!ok) {
    for (int i = 1; i <= count_; ++i) StopHost(i);
  }
  return ok;
}

void SshHosts::StopHost(int i) {
  if (!ValidIndex(i)) return;
  Host& host = hosts_[i - 1];
  std::string ns = host.mount_ns;
  if (host.sshd_pidfd >= 0) {
    if (ns.empty()) ns = MountNamespaceOf(host.sshd);
    // sshd first, so no new session starts; then give it a moment to exit on its own.
    ::syscall(SYS_pidfd_send_signal, host.sshd_pidfd, SIGTERM, nullptr, 0);
    pollfd p{.fd = host.sshd_pidfd, .events = POLLIN, .revents = 0};
    ::poll(&p, 1, 2000);
    ::close(host.sshd_pidfd);
    host.sshd_pidfd = -1;
  }
  host.sshd = -1;
  if (ns == MountNamespaceOf(::getpid())) ns.clear();  // sshd had not unshared yet: never ours
  // Sessions and whatever they detached live in other sessions and process groups: the namespace
  // is what they all share.
  if (KillNamespace(ns, milliseconds(10000))) {
    host.mount_ns.clear();  // an empty namespace is freed and its id may be reused
  } else {
    host.mount_ns = ns;
  }
  if (host.reaper > 0) {
    // With its host empty the reaper has reaped everything and exits; wait for that.
    const auto until = Clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(host.reaper, &status, WNOHANG) == 0) {
      if (Clock::now() >= until) {
        ::kill(-host.reaper, SIGKILL);
        ::waitpid(host.reaper, &status, 0);
        break;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
    host.reaper = -1;
  }
}

bool SshHosts::RestartWithNewHostKey(int i, milliseconds timeout) {
  if (!ValidIndex(i)) {
    error_ = fmt::format("no host {}", i);
    return false;
  }
  StopHost(i);
  if (!GenerateKey(HostKey(i), fmt::format("flightcheck-test-host-{}-new", i))) return false;
  if (!LaunchHost(i) || !WaitForHost(i, timeout)) {
    StopHost(i);
    return false;
  }
  return true;
}

std::vector<pid_t> SshHosts::ProcessesInHost(int i) const {
  if (!ValidIndex(i)) return {};
  return ProcessesInNamespace(hosts_[i - 1].mount_ns);
}

SshHosts::CommandResult SshHosts::Run(int i, const std::string& command,
                                      std::chrono::seconds timeout) const {
  if (!ValidIndex(i)) return {-1, fmt::format("no host {}", i)};
  return Capture(Bounded(timeout, {kSsh,
                                   "-F",
                                   "/dev/null",
                                   "-o",
                                   "BatchMode=yes",
                                   "-o",
                                   "StrictHostKeyChecking=yes",
                                   "-o",
                                   "UserKnownHostsFile=" + known_hosts().string(),
                                   "-o",
                                   "GlobalKnownHostsFile=/dev/null",
                                   "-o",
                                   "IdentitiesOnly=yes",
                                   "-i",
                                   user_key().string(),
                                   "-o",
                                   "ConnectTimeout=5",
                                   "-p",
                                   std::to_string(port_),
                                   "root@" + address(i),
                                   "--",
                                   command}),
                 timeout);
}

SshHosts::CommandResult SshHosts::RunInNamespace(int i, const std::string& command,
                                                 std::chrono::seconds timeout) const {
  if (!ValidIndex(i) || hosts_[i - 1].sshd_pidfd < 0 || hosts_[i - 1].mount_ns.empty()) {
    return {-1, fmt::format("host {} is not running", i)};
  }
  return Capture(Bounded(timeout, {kNsenter, "-t", std::to_string(hosts_[i - 1].sshd), "-m", "--",
                                   "/bin/sh", "-c", command}),
                 timeout);
}

}  // namespace flightcheck::testing
