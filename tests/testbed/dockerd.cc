#include "tests/testbed/dockerd.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/testbed/temp_dir.h"

namespace flightcheck::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// The /proc/<pid>/cmdline of a live process with NULs as spaces; "" when it is gone.
std::string CommandLine(pid_t pid) {
  std::string text = ReadTextFile("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

// Gone, or a zombie waiting to be reaped by its parent: either way it runs no more.
bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  const std::string stat = ReadTextFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return stat.empty() ||
         (paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] == 'Z');
}

bool WaitGone(pid_t pid, milliseconds timeout) {
  const auto until = steady_clock::now() + timeout;
  while (!ProcessGone(pid)) {
    if (steady_clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string UnescapeMountPath(const std::string& field) {
  std::string path;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string octal = field.substr(i + 1, 3);
      if (octal.find_first_not_of("01234567") == std::string::npos) {
        path += static_cast<char>(std::strtol(octal.c_str(), nullptr, 8));
        i += 3;
        continue;
      }
    }
    path += field[i];
  }
  return path;
}

std::string LastLines(const std::string& text, size_t count) {
  size_t start = text.size();
  size_t newlines = 0;
  while (start > 0) {
    // A newline ending the text does not start a line.
    if (text[start - 1] == '\n' && start != text.size() && ++newlines == count) break;
    --start;
  }
  return text.substr(start);
}

}  // namespace

bool DockerPing(const std::string& socket_path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    ::close(fd);
    return false;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  timeval timeout{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    // HTTP/1.0: the daemon closes the connection after the answer, so read until EOF.
    const std::string request = "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buffer[1024];
      for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) {
        answer.append(buffer, static_cast<size_t>(n));
      }
    }
  }
  ::close(fd);
  return answer.rfind("HTTP/1.", 0) == 0 && answer.find(" 200 ") != std::string::npos &&
         answer.size() >= 2 && answer.compare(answer.size() - 2, 2, "OK") == 0;
}

Dockerd::Dockerd() {
  std::string pattern = "/tmp/fcd-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  dir_ = pattern;
  socket_path_ = (dir_ / "docker.sock").string();
}

Dockerd::~Dockerd() {
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string Dockerd::log() const { return ReadTextFile(dir_ / "dockerd.log"); }

std::string Dockerd::Start(const std::string& storage_driver, milliseconds timeout) {
  if (!IsRoot()) return "dockerd needs root";
  Stop();
  // An empty config file of our own: /etc/docker/daemon.json on the machine could name another
  // storage driver, which dockerd refuses as a conflict with the flag.
  std::ofstream(dir_ / "daemon.json") << "{}\n";
  const std::vector<std::string> argv = {
      "dockerd",
      "--config-file",
      (dir_ / "daemon.json").string(),
      "--data-root",
      (dir_ / "data").string(),
      "--exec-root",
      (dir_ / "exec").string(),
      "--pidfile",
      (dir_ / "docker.pid").string(),
      "-H",
      "unix://" + socket_path_,
      "--iptables=false",
      "--ip-forward=false",
      "--bridge=none",
      "--storage-driver=" + storage_driver,
  };
  if (!process_.Start(argv, dir_ / "dockerd.log")) return "cannot start dockerd";
  const auto until = steady_clock::now() + timeout;
  std::string problem;
  while (problem.empty()) {
    if (DockerPing(socket_path_)) return "";
    if (!process_.running()) {
      problem = "dockerd exited during start-up";
    } else if (steady_clock::now() > until) {
      problem = "dockerd did not answer GET /_ping on " + socket_path_ + " in time";
    } else {
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  Stop();
  return problem + "; end of its log:\n" + LastLines(log(), 15);
}

void Dockerd::Stop() {
  // containerd's pid file goes away with a clean shutdown, so learn everything first.
  std::vector<pid_t> leftovers = ProcessesUsingDir();
  if (process_.pid() > 0) process_.Stop(std::chrono::seconds(20));
  // After a clean shutdown this finds nothing; after a crash or a hung shutdown it ends
  // containerd and anything else started from our directory, by pid.
  for (pid_t pid : ProcessesUsingDir()) leftovers.push_back(pid);
  for (pid_t pid : leftovers) {
    if (ProcessGone(pid)) continue;
    ::kill(pid, SIGTERM);
    if (!WaitGone(pid, milliseconds(5000))) {
      ::kill(pid, SIGKILL);
      WaitGone(pid, milliseconds(2000));
    }
  }
  // Deepest first, and more than once: mounts may be stacked on one point.
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> mounts = MountsUnderDir();
    if (mounts.empty()) break;
    std::sort(mounts.begin(), mounts.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const std::string& mount : mounts) ::umount2(mount.c_str(), MNT_DETACH);
  }
}

std::vector<pid_t> Dockerd::ProcessesUsingDir() const {
  std::vector<pid_t> pids;
  const std::string needle = dir_.string() + "/";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (pid == ::getpid()) continue;
    if (CommandLine(pid).find(needle) != std::string::npos && !ProcessGone(pid)) {
      pids.push_back(pid);
    }
  }
  return pids;
}

std::vector<std::string> Dockerd::MountsUnderDir() const {
  std::vector<std::string> mounts;
  std::istringstream in(ReadTextFile("/proc/self/mountinfo"));
  const std::string dir = dir_.string();
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point;
    if (!(fields >> id >> parent >> device >> root >> mount_point)) continue;
    const std::string path = UnescapeMountPath(mount_point);
    if (path == dir || path.rfind(dir + "/", 0) == 0) mounts.push_back(path);
  }
  return mounts;
}

}  // namespace flightcheck::testing
