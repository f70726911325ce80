// The fan-out library (runner/fan_out.h) on real sshd hosts: a body that throws costs its host
// only; the state and the logs are what the cluster-wide jobs rely on.
#include "runner/fan_out.h"

#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testbed/process.h"
#include "tests/testbed/ssh_hosts.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace asio = boost::asio;

class FanOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::IsRoot()) << "needs root (sshd, mount namespaces)";
    hosts_ = std::make_unique<testing::SshHosts>(3);
    ASSERT_TRUE(hosts_->Start()) << hosts_->error();
  }

  FanOutOptions Options() const {
    FanOutOptions options;
    options.stage = "probe";
    options.base_dir = dir_.path();
    options.state_path = dir_.path() / "state" / "probe.json";
    options.log_dir = "logs/probe";
    options.ssh.identity_file = hosts_->user_key();
    options.ssh.known_hosts = hosts_->known_hosts();
    options.parallelism = 3;
    return options;
  }

  std::unique_ptr<testing::SshHosts> hosts_;
  testing::ScopedTempDir dir_;
};

TEST_F(FanOutTest, ABodyThatThrowsFailsItsHostAndTheOthersFinish) {
  FanOut fan_out(Options(), "hash");
  std::vector<size_t> indexes;
  for (int i = 1; i <= 3; ++i) {
    indexes.push_back(fan_out.AddHost({hosts_->address(i), "agent"}));
  }
  fan_out.Run(indexes, [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
    const RemoteResult result = co_await fan_out.RunStep(host, connection, "hostname", "echo hello",
                                                         std::chrono::seconds(10));
    if (host.address == hosts_->address(2)) {
      // What a bug, or a library meeting a host's garbage, does: the exception leaves the body.
      (void)nlohmann::json::parse("{\"not\": json")["x"].get<int>();
    }
    host.status = result.exit_code == 0 ? HostStatus::kSuccess : HostStatus::kFailed;
  });
  fan_out.Finish();

  const Result<StageState> state = ReadStageState(dir_.path() / "state" / "probe.json");
  ASSERT_TRUE(state) << state.error().ToString();
  EXPECT_NE(state->finished_at, "");
  EXPECT_EQ(state->Find(hosts_->address(1))->status, HostStatus::kSuccess);
  EXPECT_EQ(state->Find(hosts_->address(3))->status, HostStatus::kSuccess);
  const HostState* thrown = state->Find(hosts_->address(2));
  ASSERT_NE(thrown, nullptr);
  EXPECT_EQ(thrown->status, HostStatus::kFailed);
  EXPECT_EQ(thrown->message.rfind("internal error while working on this host (hostname): "
                                  "[json.exception.parse_error",
                                  0),
            0u)
      << thrown->message;
  // The host's log of this run has the step's output, under the run's directory and `latest`.
  const std::string log =
      testing::ReadTextFile(dir_.path() / "logs/probe/latest" / (hosts_->address(1) + ".log"));
  EXPECT_NE(log.find("hostname\n--- stdout\nhello\n"), std::string::npos) << log;
  EXPECT_EQ(std::filesystem::path(state->Find(hosts_->address(1))->log).parent_path().parent_path(),
            "logs/probe");
}

TEST_F(FanOutTest, AStopRequestTerminatesRunningAndUnstartedHosts) {
  std::stop_source stop;
  FanOutOptions options = Options();
  options.stop = stop.get_token();
  options.parallelism = 1;
  FanOut fan_out(std::move(options), "hash");
  std::vector<size_t> indexes;
  for (int i = 1; i <= 2; ++i) indexes.push_back(fan_out.AddHost({hosts_->address(i), "agent"}));
  const auto started = std::chrono::steady_clock::now();
  fan_out.Run(indexes, [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
    // The stop comes from another thread while the remote command runs.
    std::thread([&stop] {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      stop.request_stop();
    }).detach();
    (void)co_await fan_out.RunStep(host, connection, "long wait", "sleep 47.5",
                                   std::chrono::seconds(60));
    host.status = HostStatus::kSuccess;
  });
  fan_out.Finish();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  EXPECT_EQ(fan_out.state().hosts[0].status, HostStatus::kTerminated);
  EXPECT_EQ(fan_out.state().hosts[0].message, "stopped by a stop request during long wait");
  EXPECT_EQ(fan_out.state().hosts[1].status, HostStatus::kTerminated);
  EXPECT_EQ(fan_out.state().hosts[1].message, "not started: stopped by a stop request");
  EXPECT_EQ(hosts_->RunInNamespace(1, "pgrep -f 'sleep 47[.]5' || true").output, "")
      << "the remote command was stopped on the host";
}

}  // namespace
}  // namespace flightcheck
