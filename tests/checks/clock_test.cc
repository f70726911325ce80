#include "checks/clock.h"

#include <thread>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/process.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(ClockParseTest, InterpretAdjtimex) {
  struct Case {
    const char* what;
    int adjtimex_return;
    int status;
    long maxerror;  // microseconds
    long esterror;
    bool synchronized;
    double max_error;  // seconds
    double est_error;
  };
  const Case cases[] = {
      {"synced", TIME_OK, STA_PLL, 100000, 250, true, 0.1, 0.00025},
      {"synced, nanosecond mode does not change the error units", TIME_OK, STA_PLL | STA_NANO,
       100000, 1000, true, 0.1, 0.001},
      {"leap second pending is still synced", TIME_INS, STA_PLL | STA_INS, 5000, 0, true, 0.005, 0},
      {"STA_UNSYNC", TIME_OK, STA_UNSYNC, 16000000, 16000000, false, 16.0, 16.0},
      {"TIME_ERROR without STA_UNSYNC", TIME_ERROR, STA_PLL, 3000, 0, false, 0.003, 0},
  };
  for (const Case& c : cases) {
    struct timex tx {};
    tx.status = c.status;
    tx.maxerror = c.maxerror;
    tx.esterror = c.esterror;
    Result<ClockState> state = InterpretAdjtimex(c.adjtimex_return, tx);
    ASSERT_TRUE(state) << c.what;
    EXPECT_EQ(state->synchronized, c.synchronized) << c.what;
    EXPECT_DOUBLE_EQ(state->max_error, c.max_error) << c.what;
    EXPECT_DOUBLE_EQ(state->est_error, c.est_error) << c.what;
  }
  // DC/OS compared maxerror (microseconds) with a nanosecond bound; 100000 µs is 0.1 s.
  struct timex tx {};
  tx.maxerror = 100000;
  EXPECT_DOUBLE_EQ(InterpretAdjtimex(TIME_OK, tx)->max_error, 0.1);

  Result<ClockState> failed = InterpretAdjtimex(-1, tx);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message().find("adjtimex returned -1"), std::string::npos);
}

TEST(ClockParseTest, PickNtpService) {
  struct Case {
    std::vector<std::string> comms;
    std::string service;
  };
  const Case cases[] = {
      {{}, ""},
      {{"bash", "sshd"}, ""},
      {{"systemd-timesyn"}, "systemd-timesyncd"},
      {{"ntpd", "chronyd"}, "chronyd"},
      {{"openntpd", "ntpd"}, "ntpd"},
      {{"openntpd"}, "openntpd"},
      {{"chrony"}, ""},
  };
  for (const Case& c : cases) EXPECT_EQ(PickNtpService(c.comms), c.service);
}

Result<Facts> RunClock(const std::filesystem::path& root) {
  return testing::CallProbe("clock", Params::object(), root, std::chrono::seconds(2));
}

TEST(ClockProbeTest, LiveHostFactsHaveTheirTypes) {
  Result<Facts> facts = RunClock("/");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_TRUE((*facts)["synchronized"].is_boolean()) << facts->dump();
  EXPECT_TRUE((*facts)["max_error"].is_number_float()) << facts->dump();
  EXPECT_GE((*facts)["max_error"].get<double>(), 0);
  EXPECT_TRUE((*facts)["est_error"].is_number_float()) << facts->dump();
  EXPECT_TRUE((*facts)["ntp_service"].is_string()) << facts->dump();
  EXPECT_EQ(facts->size(), 4u);
}

TEST(ClockProbeTest, FindsARunningDaemonByCommandName) {
  // A copy of sleep named chronyd has comm "chronyd"; chronyd ranks first, so whatever else runs
  // here, the probe must name it.
  testing::ScopedTempDir dir;
  const std::filesystem::path fake = dir.path() / "chronyd";
  std::filesystem::copy_file("/bin/sleep", fake);
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  testing::ChildProcess daemon;
  ASSERT_TRUE(daemon.Start({fake.string(), "30"}, dir.path() / "chronyd.log"));
  std::string service;
  for (int attempt = 0; attempt < 100 && service != "chronyd"; ++attempt) {
    Result<Facts> facts = RunClock("/");
    ASSERT_TRUE(facts) << facts.error().ToString();
    service = (*facts)["ntp_service"].get<std::string>();
    if (service != "chronyd") std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(service, "chronyd");
  daemon.Kill();
}

TEST(ClockProbeTest, OtherRootsAreUnsupported) {
  Result<Facts> facts = RunClock(testing::FixturePath("hosts/centos7"));
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(facts.error().message().find("clock facts are only available for the live host"),
            std::string::npos)
      << facts.error().message();
}

}  // namespace
}  // namespace flightcheck
