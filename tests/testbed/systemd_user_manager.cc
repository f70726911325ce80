#include "tests/testbed/systemd_user_manager.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "tests/testbed/temp_dir.h"

namespace flightcheck::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string Quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string NamespaceOf(pid_t pid) {
  std::error_code ec;
  const std::filesystem::path target =
      std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/mnt", ec);
  return ec ? "" : target.string();
}

bool Gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  const std::string stat = ReadTextFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return stat.empty() ||
         (paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] == 'Z');
}

std::string LastLines(const std::string& text, size_t count) {
  size_t start = text.size();
  size_t newlines = 0;
  while (start > 0) {
    if (text[start - 1] == '\n' && start != text.size() && ++newlines == count) break;
    --start;
  }
  return text.substr(start);
}

}  // namespace

SystemdUserManager::SystemdUserManager() {
  std::string pattern = "/tmp/fcsd-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  dir_ = pattern;
  runtime_dir_ = dir_ / "run";
  std::error_code ec;
  std::filesystem::create_directories(runtime_dir_ / "systemd" / "user", ec);
  std::filesystem::create_directories(dir_ / "journal", ec);
  if (ec || ::chmod(runtime_dir_.c_str(), 0700) != 0) std::abort();
}

SystemdUserManager::~SystemdUserManager() {
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string SystemdUserManager::bus_address() const {
  return "unix:path=" + (runtime_dir_ / "systemd" / "private").string();
}

std::filesystem::path SystemdUserManager::journal_directory() const {
  std::string machine_id = Trimmed(ReadTextFile("/etc/machine-id"));
  return dir_ / "journal" / machine_id;
}

std::string SystemdUserManager::log() const { return ReadTextFile(dir_ / "namespace.log"); }

std::string SystemdUserManager::Start(milliseconds timeout) {
  if (!IsRoot()) return "the systemd user manager harness needs root";
  Stop();
  namespace_id_.clear();
  // A tmpfs on /run keeps the machine's /run/systemd and /run/log out of sight and untouched;
  // journald writes to /run/log/journal, which is our directory.
  const std::string script =
      "set -e\n"
      "mount -t tmpfs -o mode=0755 none /run\n"
      "mkdir -p /run/systemd/system /run/systemd/journal /run/log/journal\n"
      "mount --bind " +
      Quote((dir_ / "journal").string()) +
      " /run/log/journal\n"
      "/lib/systemd/systemd-journald &\n"
      "i=0\n"
      "while [ ! -S /run/systemd/journal/stdout ]; do\n"
      "  i=$((i + 1)); [ $i -lt 500 ] || { echo 'journald did not start' >&2; exit 1; }\n"
      "  sleep 0.01\n"
      "done\n"
      "XDG_RUNTIME_DIR=" +
      Quote(runtime_dir_.string()) + " exec /lib/systemd/systemd --user --log-target=journal\n";
  if (!process_.Start({"unshare", "-m", "--propagation", "private", "sh", "-c", script},
                      dir_ / "namespace.log")) {
    return "cannot start unshare";
  }
  const auto until = steady_clock::now() + timeout;
  std::string problem;
  while (problem.empty()) {
    if (namespace_id_.empty()) {
      const std::string own = NamespaceOf(::getpid());
      const std::string child = NamespaceOf(process_.pid());
      if (!child.empty() && child != own) namespace_id_ = child;
    }
    std::string version;
    if (!namespace_id_.empty() && std::filesystem::exists(runtime_dir_ / "systemd" / "private") &&
        Systemctl({"show", "-p", "Version", "--value"}, &version) == 0 &&
        std::filesystem::is_directory(journal_directory())) {
      return "";
    }
    if (!process_.running()) {
      problem = "the namespace's shell or the manager exited during start-up";
    } else if (steady_clock::now() > until) {
      problem = "the user manager did not answer on " + bus_address() + " in time";
    } else {
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  Stop();
  return problem + "; end of the log:\n" + LastLines(log(), 15);
}

void SystemdUserManager::Stop() {
  if (process_.pid() > 0) {
    // SIGTERM to the process group: the manager stops its units and exits, journald exits.
    process_.Stop(std::chrono::seconds(10));
  }
  if (namespace_id_.empty()) return;
  // Whatever is left in the namespace (a unit's stray child, a journald that hung) ends by pid.
  for (int round = 0; round < 2; ++round) {
    const std::vector<pid_t> left = ProcessesInNamespace();
    if (left.empty()) break;
    for (pid_t pid : left) ::kill(pid, round == 0 ? SIGTERM : SIGKILL);
    const auto until = steady_clock::now() + milliseconds(round == 0 ? 3000 : 2000);
    while (steady_clock::now() < until) {
      bool all_gone = true;
      for (pid_t pid : left) all_gone = all_gone && Gone(pid);
      if (all_gone) break;
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
}

std::vector<pid_t> SystemdUserManager::ProcessesInNamespace() const {
  std::vector<pid_t> pids;
  if (namespace_id_.empty()) return pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    if (NamespaceOf(pid) == namespace_id_ && !Gone(pid)) pids.push_back(pid);
  }
  return pids;
}

void SystemdUserManager::WriteUnit(const std::string& name, const std::string& contents) const {
  std::ofstream(runtime_dir_ / "systemd" / "user" / name) << contents;
}

int SystemdUserManager::Systemctl(const std::vector<std::string>& args, std::string* output) const {
  std::string command = "XDG_RUNTIME_DIR=" + Quote(runtime_dir_.string()) + " systemctl --user";
  for (const std::string& arg : args) command += " " + Quote(arg);
  command += " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string text;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, n);
  const int status = ::pclose(pipe);
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string SystemdUserManager::Property(const std::string& unit,
                                         const std::string& property) const {
  std::string value;
  if (Systemctl({"show", "-p", property, "--value", unit}, &value) != 0) return "";
  return Trimmed(value);
}

bool SystemdUserManager::WaitForProperty(const std::string& unit, const std::string& property,
                                         const std::string& value, milliseconds timeout) const {
  const auto until = steady_clock::now() + timeout;
  while (Property(unit, property) != value) {
    if (steady_clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

}  // namespace flightcheck::testing
