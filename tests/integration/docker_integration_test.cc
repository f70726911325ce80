// The docker probe against real Docker daemons (TESTBED.md): overlay2, vfs, and a daemon that
// has been stopped. Needs root and the docker.io package; without root the tests fail, they do
// not skip.
#include <signal.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/dockerd.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/process.h"

namespace flightcheck {
namespace {

using std::chrono::seconds;
using testing::Dockerd;

Result<Facts> ProbeDocker(const std::string& socket) {
  LocalCommandRunner runner;
  HostContext host{.root = "/", .docker_socket = socket, .commands = &runner};
  return testing::CallProbe("docker", Params::object(), host, Deadline::In(seconds(10)));
}

// One overlay2 and one vfs daemon for the whole suite: starting dockerd takes seconds.
class DockerIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::IsRoot()) return;
    overlay2_ = new Dockerd();
    vfs_ = new Dockerd();
    // Both start at once; each waits for its own /_ping.
    std::thread vfs_start([] { vfs_error_ = vfs_->Start("vfs"); });
    overlay2_error_ = overlay2_->Start("overlay2");
    vfs_start.join();
  }
  static void TearDownTestSuite() {
    delete overlay2_;
    delete vfs_;
    overlay2_ = vfs_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(testing::IsRoot()) << "DockerIntegrationTest starts real Docker daemons and "
                                      "needs root (run the integration tests as root)";
  }

  static Dockerd* overlay2_;
  static Dockerd* vfs_;
  static std::string overlay2_error_;
  static std::string vfs_error_;
};

Dockerd* DockerIntegrationTest::overlay2_ = nullptr;
Dockerd* DockerIntegrationTest::vfs_ = nullptr;
std::string DockerIntegrationTest::overlay2_error_;
std::string DockerIntegrationTest::vfs_error_;

TEST_F(DockerIntegrationTest, Overlay2DaemonIsRunning) {
  ASSERT_EQ(overlay2_error_, "");
  Result<Facts> facts = ProbeDocker(overlay2_->socket_path());
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["installed"], true);
  EXPECT_EQ((*facts)["socket"], overlay2_->socket_path());
  EXPECT_EQ((*facts)["running"], true);
  EXPECT_EQ((*facts)["detail"], "");
  EXPECT_EQ((*facts)["storage_driver"], "overlay2");
  const std::string version = (*facts)["server_version"].get<std::string>();
  EXPECT_TRUE(std::regex_search(version, std::regex(R"(^\d+\.\d+\.\d+)"))) << version;
  const std::string api = (*facts)["api_version"].get<std::string>();
  EXPECT_TRUE(std::regex_match(api, std::regex(R"(\d+\.\d+)"))) << api;
  EXPECT_EQ((*facts)["root_dir"], overlay2_->data_root().string());
  const std::string cgroup = (*facts)["cgroup_driver"].get<std::string>();
  EXPECT_TRUE(cgroup == "cgroupfs" || cgroup == "systemd") << cgroup;
  EXPECT_EQ((*facts)["loopback_data_file"], false);
  EXPECT_EQ((*facts)["data_file"], "");
}

TEST_F(DockerIntegrationTest, VfsDaemonIsRunning) {
  ASSERT_EQ(vfs_error_, "");
  Result<Facts> facts = ProbeDocker(vfs_->socket_path());
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["running"], true);
  EXPECT_EQ((*facts)["storage_driver"], "vfs");
  EXPECT_EQ((*facts)["root_dir"], vfs_->data_root().string());
  EXPECT_EQ((*facts)["loopback_data_file"], false);
}

// Probes may run concurrently; each call owns its own connection.
TEST_F(DockerIntegrationTest, ConcurrentProbesOfOneDaemon) {
  ASSERT_EQ(overlay2_error_, "");
  std::vector<std::string> drivers(6);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < drivers.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<Facts> facts = ProbeDocker(overlay2_->socket_path());
      drivers[i] = facts ? (*facts)["storage_driver"].get<std::string>() : facts.error().ToString();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& driver : drivers) EXPECT_EQ(driver, "overlay2");
}

// A daemon that has gone away is a fact (running false, with the reason), not a probe error;
// and stopping it leaves no process and no mount behind.
TEST_F(DockerIntegrationTest, StoppedDaemonIsNotRunning) {
  Dockerd daemon;
  const std::string error = daemon.Start("vfs");
  ASSERT_EQ(error, "");
  Result<Facts> before = ProbeDocker(daemon.socket_path());
  ASSERT_TRUE(before) << before.error().ToString();
  EXPECT_EQ((*before)["running"], true);
  ASSERT_FALSE(daemon.ProcessesUsingDir().empty());  // dockerd and its containerd

  daemon.Stop();
  EXPECT_FALSE(daemon.running());
  EXPECT_EQ(daemon.ProcessesUsingDir(), std::vector<pid_t>{}) << daemon.log();
  EXPECT_EQ(daemon.MountsUnderDir(), std::vector<std::string>{});

  Result<Facts> after = ProbeDocker(daemon.socket_path());
  ASSERT_TRUE(after) << after.error().ToString();
  EXPECT_EQ((*after)["running"], false);
  EXPECT_EQ((*after)["installed"], true);  // dockerd is still on the PATH
  EXPECT_EQ((*after)["storage_driver"], "");
  EXPECT_EQ((*after)["server_version"], "");
  const std::string reason = (*after)["detail"].get<std::string>();
  EXPECT_NE(reason.find(daemon.socket_path()), std::string::npos) << reason;
}

// dockerd killed outright: its containerd goes with it (dockerd starts it with a parent-death
// signal), but the bind mount of the data-root stays, and the socket file the daemon left behind
// answers "connection refused". Stop() must still leave no process and no mount.
TEST_F(DockerIntegrationTest, CrashedDaemonLeavesNothingBehind) {
  Dockerd daemon;
  ASSERT_EQ(daemon.Start("vfs"), "");
  ASSERT_EQ(::kill(daemon.pid(), SIGKILL), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  Result<Facts> facts = ProbeDocker(daemon.socket_path());
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["running"], false);
  EXPECT_EQ((*facts)["detail"], "connecting to " + daemon.socket_path() + ": connection refused");

  EXPECT_EQ(daemon.MountsUnderDir(), std::vector<std::string>{daemon.data_root().string()});
  daemon.Stop();
  EXPECT_EQ(daemon.ProcessesUsingDir(), std::vector<pid_t>{});
  EXPECT_EQ(daemon.MountsUnderDir(), std::vector<std::string>{});
}

}  // namespace
}  // namespace flightcheck
