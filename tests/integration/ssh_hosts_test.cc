// The SshHosts test bed itself (TESTBED.md, "Several hosts"): three real sshd hosts, each in its
// own mount namespace with a private /opt, reached over real ssh with strict host-key checking;
// stopped and re-keyed hosts are refused; nothing started inside a host outlives the harness.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/testbed/process.h"
#include "tests/testbed/ssh_hosts.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

constexpr int kHosts = 3;

std::set<std::string> ListDir(const std::filesystem::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

// Output of `pgrep -f pattern`: the pids of processes whose command line mentions pattern.
std::string Pgrep(const std::string& pattern) {
  std::string out;
  FILE* pipe = ::popen(fmt::format("exec pgrep -f '{}'", pattern).c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  ::pclose(pipe);
  return out;
}

// A live (not zombie) process with this pid exists.
bool Alive(pid_t pid) {
  const std::string stat = testing::ReadTextFile(fmt::format("/proc/{}/stat", pid));
  if (stat.empty()) return false;
  const size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

class SshHostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::IsRoot()) << "SshHosts runs sshd on port 22 in mount namespaces: run as "
                                      "root";
    opt_before_ = ListDir("/opt");
    hosts_ = std::make_unique<testing::SshHosts>(kHosts);
    dir_ = hosts_->dir().string();
    ASSERT_TRUE(hosts_->Start()) << hosts_->error();
  }

  void TearDown() override {
    DestroyHosts();
    EXPECT_EQ(ListDir("/opt"), opt_before_) << "the machine's own /opt changed";
  }

  // Destroys the harness and checks that no sshd of it remains and its directory is gone.
  void DestroyHosts() {
    if (!hosts_) return;
    hosts_.reset();
    if (dir_.empty()) return;
    EXPECT_EQ(Pgrep(dir_), "") << "processes of " << dir_ << " survived the harness";
    EXPECT_FALSE(std::filesystem::exists(dir_));
  }

  std::string Diagnostics(int i) const {
    return fmt::format("\nsshd {} log:\n{}", i, hosts_ ? hosts_->Log(i) : "");
  }

  std::set<std::string> opt_before_;
  std::unique_ptr<testing::SshHosts> hosts_;
  std::string dir_;
};

TEST_F(SshHostsTest, StrictSshReachesEveryHostInItsOwnNamespace) {
  EXPECT_EQ(hosts_->addresses(),
            std::vector<std::string>({"127.0.0.11", "127.0.0.12", "127.0.0.13"}));
  struct stat key {};
  ASSERT_EQ(::stat(hosts_->user_key().c_str(), &key), 0);
  EXPECT_EQ(key.st_mode & 0777, 0600u);
  const std::string known = testing::ReadTextFile(hosts_->known_hosts());
  for (int i = 1; i <= kHosts; ++i) {
    EXPECT_NE(known.find(hosts_->address(i) + " ssh-ed25519 AAAA"), std::string::npos) << known;
  }
  EXPECT_EQ(std::count(known.begin(), known.end(), '\n'), kHosts) << known;

  for (int i = 1; i <= kHosts; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const testing::SshHosts::CommandResult ssh =
        hosts_->Run(i, "echo reached; id -u; readlink /proc/self/ns/mnt");
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    ASSERT_EQ(ssh.exit_code, 0) << ssh.output << Diagnostics(i);
    EXPECT_TRUE(ssh.output.starts_with("reached\n0\n")) << ssh.output;
    std::printf("host %d: ssh round trip %lld ms\n", i, static_cast<long long>(elapsed.count()));

    // The ssh session runs in the host's namespace, which is not ours.
    const testing::SshHosts::CommandResult local =
        hosts_->RunInNamespace(i, "readlink /proc/self/ns/mnt");
    ASSERT_EQ(local.exit_code, 0) << local.output;
    EXPECT_NE(ssh.output.find(Trimmed(local.output)), std::string::npos)
        << ssh.output << " vs " << local.output;
    EXPECT_NE(Trimmed(local.output), std::filesystem::read_symlink("/proc/self/ns/mnt").string());
  }
}

TEST_F(SshHostsTest, OptIsPrivateToEachHost) {
  const std::string marker = fmt::format("flightcheck-marker-{}", ::getpid());
  const testing::SshHosts::CommandResult write =
      hosts_->Run(1, fmt::format("echo host1 > /opt/{0} && cat /opt/{0}", marker));
  ASSERT_EQ(write.exit_code, 0) << write.output << Diagnostics(1);
  EXPECT_EQ(write.output, "host1\n");

  const testing::SshHosts::CommandResult same = hosts_->RunInNamespace(1, "cat /opt/" + marker);
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_EQ(same.output, "host1\n");

  const testing::SshHosts::CommandResult other = hosts_->Run(2, "ls -A /opt");
  EXPECT_EQ(other.exit_code, 0) << other.output << Diagnostics(2);
  EXPECT_EQ(other.output, "") << "host 2's /opt is not empty";
  EXPECT_NE(hosts_->RunInNamespace(2, "test -e /opt/" + marker).exit_code, 0);
  EXPECT_NE(hosts_->RunInNamespace(3, "test -e /opt/" + marker).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists("/opt/" + marker)) << "leaked into the machine's /opt";
}

TEST_F(SshHostsTest, StoppedHostRefusesConnectionsAndLeavesNothingBehind) {
  const testing::SshHosts::CommandResult detached =
      hosts_->Run(2, "setsid sleep 1000 >/dev/null 2>&1 </dev/null & echo $!");
  ASSERT_EQ(detached.exit_code, 0) << detached.output << Diagnostics(2);
  const pid_t sleeper = std::stoi(detached.output);
  ASSERT_TRUE(Alive(sleeper));
  EXPECT_NE(
      std::find(hosts_->ProcessesInHost(2).begin(), hosts_->ProcessesInHost(2).end(), sleeper),
      hosts_->ProcessesInHost(2).end());

  hosts_->StopHost(2);
  EXPECT_EQ(hosts_->ProcessesInHost(2), std::vector<pid_t>());
  EXPECT_FALSE(Alive(sleeper));

  const testing::SshHosts::CommandResult refused = hosts_->Run(2, "true");
  EXPECT_EQ(refused.exit_code, 255) << refused.output;
  EXPECT_NE(refused.output.find("Connection refused"), std::string::npos) << refused.output;
  EXPECT_EQ(hosts_->RunInNamespace(2, "true").exit_code, -1);

  for (const int i : {1, 3}) {
    const testing::SshHosts::CommandResult ok = hosts_->Run(i, "true");
    EXPECT_EQ(ok.exit_code, 0) << ok.output << Diagnostics(i);
  }
}

TEST_F(SshHostsTest, NewHostKeyIsRefusedByStrictClients) {
  ASSERT_TRUE(hosts_->RestartWithNewHostKey(3)) << hosts_->error();
  const testing::SshHosts::CommandResult changed = hosts_->Run(3, "echo should-not-run");
  EXPECT_EQ(changed.exit_code, 255) << changed.output;
  EXPECT_NE(changed.output.find("REMOTE HOST IDENTIFICATION HAS CHANGED"), std::string::npos)
      << changed.output;
  EXPECT_EQ(changed.output.find("should-not-run"), std::string::npos) << changed.output;

  // The re-keyed host is up (a fresh namespace), and the others are unaffected.
  EXPECT_EQ(hosts_->RunInNamespace(3, "ls -A /opt").output, "");
  const testing::SshHosts::CommandResult ok = hosts_->Run(1, "true");
  EXPECT_EQ(ok.exit_code, 0) << ok.output << Diagnostics(1);
}

TEST_F(SshHostsTest, DetachedProcessDiesWithTheHarness) {
  std::vector<pid_t> sleepers;
  for (int i = 1; i <= kHosts; ++i) {
    const testing::SshHosts::CommandResult detached =
        hosts_->Run(i, "setsid sleep 1000 >/dev/null 2>&1 </dev/null & echo $!");
    ASSERT_EQ(detached.exit_code, 0) << detached.output << Diagnostics(i);
    sleepers.push_back(std::stoi(detached.output));
    const std::vector<pid_t> inside = hosts_->ProcessesInHost(i);
    EXPECT_NE(std::find(inside.begin(), inside.end(), sleepers.back()), inside.end());
  }
  // One more started without ssh, straight in the namespace, in its own session. Its orphan goes
  // to PID 1, not to the host's reaper, so it may linger briefly as a zombie.
  const testing::SshHosts::CommandResult direct =
      hosts_->RunInNamespace(1, "setsid sleep 1000 >/dev/null 2>&1 </dev/null & echo $!");
  ASSERT_EQ(direct.exit_code, 0) << direct.output;
  const pid_t direct_sleeper = std::stoi(direct.output);
  EXPECT_TRUE(Alive(direct_sleeper));
  for (const pid_t pid : sleepers) EXPECT_TRUE(Alive(pid)) << pid;

  DestroyHosts();
  EXPECT_FALSE(Alive(direct_sleeper)) << direct_sleeper << " outlived the harness";
  for (const pid_t pid : sleepers) {
    EXPECT_FALSE(Alive(pid)) << pid << " outlived the harness";
    EXPECT_FALSE(std::filesystem::exists(fmt::format("/proc/{}", pid))) << pid << " was not reaped";
  }
}

TEST_F(SshHostsTest, TakenAddressFailsCleanly) {
  testing::SshHosts second(1, 12);  // host 2 of the fixture's harness already listens there
  EXPECT_FALSE(second.Start());
  EXPECT_NE(second.error().find("127.0.0.12:22 is already in use"), std::string::npos)
      << second.error();
  EXPECT_EQ(second.ProcessesInHost(1), std::vector<pid_t>());
  const testing::SshHosts::CommandResult ok = hosts_->Run(2, "true");
  EXPECT_EQ(ok.exit_code, 0) << ok.output << Diagnostics(2);
}

}  // namespace
}  // namespace flightcheck
