// The systemd_unit and journal probes against a real systemd user manager and a real journald
// (TESTBED.md; tests/testbed/systemd_user_manager.h): healthy, failed, auto-restarting, finished
// oneshot and unknown units, globs, and the journal those units wrote. Needs root; without it the
// tests fail, they do not skip.
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "checks/probe.h"
#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/process.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/systemd_user_manager.h"

namespace flightcheck {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using testing::SystemdUserManager;

// Every unit of the suite, started once in SetUpTestSuite. Units that print and exit stay for
// 0.3 s after printing: journald learns a line's unit (_SYSTEMD_UNIT) from the cgroup of the
// process that sent it, which it cannot read once that process is gone (the known journald race
// with short-lived processes; a real host has it too), and the probes match by unit.
constexpr char kSleep[] =
    "[Unit]\nDescription=Sleeper: sleeps for the test\n"
    "[Service]\nExecStart=/bin/sleep 1000\n";
constexpr char kFail[] =
    "[Unit]\nDescription=fails at once\n"
    "[Service]\nExecStart=/bin/sh -c 'echo FC-FAIL-MARKER before failing; sleep 1; exec "
    "/bin/false'\n";
constexpr char kFlap[] =
    "[Unit]\nDescription=Flapper: exits and is restarted\nStartLimitIntervalSec=0\n"
    "[Service]\nExecStart=/bin/sh -c 'echo FC-FLAP-MARKER; sleep 0.3; exit 3'\nRestart=always\n"
    "RestartSec=500ms\n";
constexpr char kOneshot[] =
    "[Unit]\nDescription=Oneshot: runs once\n"
    "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo oneshot done'\n";
// What dcos.target is to the product's units: it wants them, so the manager keeps them loaded
// (with their last run's state) after they finish, where it would unload a finished oneshot that
// nothing references.
constexpr char kTarget[] =
    "[Unit]\nDescription=the test's units\nWants=fc-oneshot.service fc-lines.service\n";
constexpr char kLines[] =
    "[Unit]\nDescription=Lines: writes numbered lines\n"
    "[Service]\nType=oneshot\n"
    "ExecStart=/bin/sh -c 'printf \"batch-$${BATCH} line-%%s\\\\n\" 1 2 3 4 5; sleep 0.3'\n";

class SystemdIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::IsRoot()) return;
    manager_ = new SystemdUserManager();
    // journald now and then files a line of a short-lived unit without its unit field (systemd
    // issues #6565, #31800: the sender's cgroup is read after the fact), and then the suite's
    // journal tests would fail for journald's sake. The testbed starts afresh, with an empty
    // journal, once; a second loss fails the suite with what the journal holds.
    for (int attempt = 1; attempt <= 2; ++attempt) {
      start_error_ = StartUnits();
      if (start_error_.empty()) return;
      manager_->Stop();
      std::error_code ec;
      std::filesystem::remove_all(manager_->journal_directory(), ec);
    }
  }
  // Starts the manager and every unit of the suite and waits until their states and journal lines
  // are there; "" or what is missing.
  static std::string StartUnits() {
    std::string problem = manager_->Start();
    if (!problem.empty()) return problem;
    manager_->WriteUnit("fc-sleep.service", kSleep);
    manager_->WriteUnit("fc-fail.service", kFail);
    manager_->WriteUnit("fc-flap.service", kFlap);
    manager_->WriteUnit("fc-oneshot.service", kOneshot);
    manager_->WriteUnit("fc-lines.service", kLines);
    manager_->WriteUnit("fc.target", kTarget);
    std::string output;
    if (manager_->Systemctl({"daemon-reload"}, &output) != 0) return "daemon-reload: " + output;
    (void)manager_->Systemctl({"set-environment", "BATCH=1"});
    for (const char* unit :
         {"fc-sleep.service", "fc-fail.service", "fc-flap.service", "fc.target"}) {
      (void)manager_->Systemctl({"start", unit}, &output);
    }
    if (!manager_->WaitForProperty("fc-sleep.service", "SubState", "running") ||
        !manager_->WaitForProperty("fc-fail.service", "ActiveState", "failed") ||
        !manager_->WaitForProperty("fc-flap.service", "SubState", "auto-restart") ||
        !manager_->WaitForProperty("fc-oneshot.service", "Result", "success") ||
        !manager_->WaitForProperty("fc-lines.service", "Result", "success")) {
      return "the units did not reach their states; log:\n" + manager_->log();
    }
    // journald writes what units and the manager send it asynchronously: wait until the lines
    // the tests look for are in the files.
    for (const auto& [unit, needle] : std::vector<std::pair<std::string, std::string>>{
             {"fc-lines.service", "Finished fc-lines.service"},
             {"fc-lines.service", "batch-1 line-5"},
             {"fc-fail.service", "Failed with result"},
             {"fc-fail.service", "FC-FAIL-MARKER"}}) {
      if (!WaitForJournal(unit, needle)) {
        Result<Facts> facts = Journal({{"unit", unit}});
        const std::string everything =
            testing::RunShell("journalctl --no-pager -o verbose -D " +
                              testing::ShellQuoted(manager_->journal_directory()) +
                              " | tail -n 120")
                .output;
        return "'" + needle + "' did not reach the journal of " + unit + ": " +
               (facts ? facts->dump(2) : facts.error().ToString()) +
               "\nthe whole journal's end:\n" + everything;
      }
    }
    return "";
  }
  // Polls the journal probe until the unit's text contains needle (5 s at most).
  static bool WaitForJournal(const std::string& unit, const std::string& needle) {
    // Generous: on a loaded machine (CI on 2 cores) journald falls seconds behind.
    const auto until = steady_clock::now() + seconds(20);
    while (steady_clock::now() < until) {
      Result<Facts> facts = Journal({{"unit", unit}});
      if (facts && (*facts)["text"].get<std::string>().find(needle) != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }
  static void TearDownTestSuite() {
    delete manager_;
    manager_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(testing::IsRoot()) << "SystemdIntegrationTest starts a systemd user manager in a "
                                      "mount namespace and needs root (run the integration "
                                      "tests as root)";
    ASSERT_EQ(start_error_, "");
  }

  static HostContext Host() {
    HostContext host;
    host.systemd_bus = manager_->bus_address();
    host.journal_directory = manager_->journal_directory().string();
    return host;
  }
  static Result<Facts> Units(const Params& params) {
    return testing::CallProbe("systemd_unit", params, Host(), Deadline::In(seconds(10)));
  }
  static Result<Facts> Journal(const Params& params) {
    return testing::CallProbe("journal", params, Host(), Deadline::In(seconds(10)));
  }
  // The one unit a single-name probe call reports.
  static Facts OnlyUnit(const Facts& facts) {
    EXPECT_EQ(facts["count"], 1) << facts.dump(2);
    EXPECT_EQ(facts["units"].size(), 1u) << facts.dump(2);
    return facts["units"].empty() ? Facts::object() : facts["units"][0];
  }

  static SystemdUserManager* manager_;
  static std::string start_error_;
};

SystemdUserManager* SystemdIntegrationTest::manager_ = nullptr;
std::string SystemdIntegrationTest::start_error_;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(SystemdIntegrationTest, RunningServiceIsHealthy) {
  Result<Facts> facts = Units({{"name", "fc-sleep.service"}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const Facts unit = OnlyUnit(*facts);
  EXPECT_EQ(unit["id"], "fc-sleep.service");
  EXPECT_EQ(unit["name"], "Sleeper");
  EXPECT_EQ(unit["description"], "sleeps for the test");
  EXPECT_EQ(unit["load_state"], "loaded");
  EXPECT_EQ(unit["active_state"], "active");
  EXPECT_EQ(unit["sub_state"], "running");
  EXPECT_EQ(unit["exec_main_status"], 0);
  EXPECT_GT(unit["active_enter_timestamp_monotonic"].get<int64_t>(), 0);
  EXPECT_EQ(std::to_string(unit["active_enter_timestamp_monotonic"].get<int64_t>()),
            manager_->Property("fc-sleep.service", "ActiveEnterTimestampMonotonic"));
  EXPECT_EQ(unit["health"], 0);
  EXPECT_EQ(unit["output"], "");
  EXPECT_EQ((*facts)["unhealthy"], Facts::array());
  EXPECT_EQ((*facts)["all_healthy"], true);
  EXPECT_EQ((*facts)["detail"], "");
}

TEST_F(SystemdIntegrationTest, FailedServiceIsUnhealthyWithItsJournal) {
  Result<Facts> facts = Units({{"name", "fc-fail.service"}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const Facts unit = OnlyUnit(*facts);
  EXPECT_EQ(unit["active_state"], "failed");
  EXPECT_EQ(unit["sub_state"], "failed");
  EXPECT_EQ(unit["exec_main_status"], 1);
  EXPECT_EQ(unit["name"], "fc-fail.service") << "a Description without \": \"";
  EXPECT_EQ(unit["description"], "fails at once");
  EXPECT_EQ(unit["health"], 1);
  const std::string output = unit["output"].get<std::string>();
  EXPECT_TRUE(output.starts_with(
      "fc-fail.service state is not one of the possible states [active inactive activating]. "
      "Current state is [ failed ]."))
      << output;
  // The explanation, a newline, then the journal tail: what the unit printed before failing.
  EXPECT_TRUE(Contains(output, "\n")) << output;
  EXPECT_TRUE(Contains(output, "FC-FAIL-MARKER before failing")) << output;
  EXPECT_EQ((*facts)["unhealthy"], Facts::array({"fc-fail.service"}));
  EXPECT_EQ((*facts)["all_healthy"], false);
  EXPECT_EQ((*facts)["detail"], "1 of 1 unit unhealthy: fc-fail.service (failed/failed)");
}

TEST_F(SystemdIntegrationTest, AutoRestartingServiceIsUnhealthy) {
  // It spends 500 ms in auto-restart and a few ms running between: ask until it has been
  // restarted at least once and is seen waiting for the next restart.
  Facts unit;
  const auto until = steady_clock::now() + seconds(10);
  do {
    Result<Facts> facts = Units({{"name", "fc-flap.service"}});
    ASSERT_TRUE(facts) << facts.error().ToString();
    unit = OnlyUnit(*facts);
    if (unit["sub_state"] == "auto-restart" &&
        manager_->Property("fc-flap.service", "NRestarts") != "0") {
      break;
    }
    std::this_thread::sleep_for(milliseconds(50));
  } while (steady_clock::now() < until);
  EXPECT_EQ(unit["active_state"], "activating");
  EXPECT_EQ(unit["sub_state"], "auto-restart");
  EXPECT_EQ(unit["exec_main_status"], 3);
  EXPECT_EQ(unit["health"], 1);
  const std::string output = unit["output"].get<std::string>();
  EXPECT_TRUE(output.starts_with("ExecMainStatus return failed status 3 for fc-flap.service\n"))
      << output;
  EXPECT_TRUE(Contains(output, "FC-FLAP-MARKER")) << output;
  EXPECT_GT(std::stoi(manager_->Property("fc-flap.service", "NRestarts")), 0);
}

TEST_F(SystemdIntegrationTest, FinishedOneshotIsHealthy) {
  Result<Facts> facts = Units({{"name", "fc-oneshot.service"}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const Facts unit = OnlyUnit(*facts);
  EXPECT_EQ(unit["active_state"], "inactive");
  EXPECT_EQ(unit["sub_state"], "dead");
  EXPECT_EQ(unit["exec_main_status"], 0);
  EXPECT_GT(unit["inactive_enter_timestamp_monotonic"].get<int64_t>(), 0);
  EXPECT_EQ(unit["health"], 0) << "the documented choice for row 7: a oneshot that exited 0";
  EXPECT_EQ(unit["output"], "");
  EXPECT_EQ((*facts)["all_healthy"], true);
}

TEST_F(SystemdIntegrationTest, StoppedDaemonIsUnhealthy) {
  manager_->WriteUnit("fc-stopped.service",
                      "[Unit]\nDescription=Stopped: was stopped\n"
                      "[Service]\nExecStart=/bin/sleep 1000\n");
  ASSERT_EQ(manager_->Systemctl({"daemon-reload"}), 0);
  ASSERT_EQ(manager_->Systemctl({"start", "fc-stopped.service"}), 0);
  ASSERT_EQ(manager_->Systemctl({"stop", "fc-stopped.service"}), 0);
  Result<Facts> facts = Units({{"name", "fc-stopped.service"}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const Facts unit = OnlyUnit(*facts);
  EXPECT_EQ(unit["active_state"], "inactive");
  EXPECT_EQ(unit["health"], 1);
  EXPECT_TRUE(unit["output"].get<std::string>().starts_with("Unit fc-stopped.service is dead\n"))
      << unit["output"];
}

TEST_F(SystemdIntegrationTest, UnknownUnitIsNotFoundAndUnhealthy) {
  Result<Facts> facts = Units({{"name", "fc-missing.service"}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const Facts unit = OnlyUnit(*facts);
  EXPECT_EQ(unit["id"], "fc-missing.service");
  EXPECT_EQ(unit["load_state"], "not-found");
  EXPECT_EQ(unit["exec_main_status"], nullptr);
  EXPECT_EQ(unit["health"], 1);
  EXPECT_TRUE(unit["output"].get<std::string>().starts_with(
      "fc-missing.service is not loaded (LoadState not-found)."))
      << unit["output"];
  EXPECT_EQ((*facts)["unhealthy"], Facts::array({"fc-missing.service"}));
  EXPECT_EQ((*facts)["all_healthy"], false);
}

TEST_F(SystemdIntegrationTest, GlobsAndLists) {
  Result<Facts> all = Units({{"name", "fc-*.service"}});
  ASSERT_TRUE(all) << all.error().ToString();
  std::vector<std::string> ids;
  for (const Facts& unit : (*all)["units"]) ids.push_back(unit["id"]);
  for (const char* id : {"fc-fail.service", "fc-flap.service", "fc-lines.service",
                         "fc-oneshot.service", "fc-sleep.service"}) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id << " in " << all->dump(2);
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ((*all)["count"], ids.size());
  const Facts unhealthy = (*all)["unhealthy"];
  EXPECT_NE(std::find(unhealthy.begin(), unhealthy.end(), "fc-fail.service"), unhealthy.end());
  EXPECT_NE(std::find(unhealthy.begin(), unhealthy.end(), "fc-flap.service"), unhealthy.end());
  EXPECT_EQ(std::find(unhealthy.begin(), unhealthy.end(), "fc-sleep.service"), unhealthy.end());
  EXPECT_EQ((*all)["all_healthy"], false);

  Result<Facts> healthy = Units({{"names", {"fc-s?eep.service", "fc-oneshot.service"}}});
  ASSERT_TRUE(healthy) << healthy.error().ToString();
  EXPECT_EQ((*healthy)["count"], 2);
  EXPECT_EQ((*healthy)["units"][0]["id"], "fc-oneshot.service");
  EXPECT_EQ((*healthy)["units"][1]["id"], "fc-sleep.service");
  EXPECT_EQ((*healthy)["all_healthy"], true);

  Result<Facts> none = Units({{"name", "nothing-here-*.service"}});
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_EQ((*none)["count"], 0);
  EXPECT_EQ((*none)["units"], Facts::array());
  EXPECT_EQ((*none)["all_healthy"], false) << "no unit matched: not all healthy";
  EXPECT_EQ((*none)["detail"], "no unit matches nothing-here-*.service");
}

TEST_F(SystemdIntegrationTest, AbsentBusFailsFastWithinTheDeadline) {
  HostContext host = Host();
  host.systemd_bus = "unix:path=" + (manager_->runtime_dir() / "no-such-socket").string();
  const auto start = steady_clock::now();
  Result<Facts> facts = testing::CallProbe("systemd_unit", {{"name", "fc-sleep.service"}}, host,
                                           Deadline::In(seconds(5)));
  ASSERT_FALSE(facts) << facts->dump();
  EXPECT_EQ(facts.error().code(), ErrorCode::kUnavailable) << facts.error().ToString();
  EXPECT_LT(steady_clock::now() - start, milliseconds(500));
}

// The journal lines of fc-lines.service that its shell printed (the manager's own lines about the
// unit are in the journal too).
std::vector<std::string> ShellLines(const Facts& facts) {
  std::vector<std::string> lines;
  for (const Facts& line : facts["lines"]) {
    const std::string text = line.get<std::string>();
    const size_t colon = text.find("]: batch-");
    if (colon != std::string::npos) lines.push_back(text.substr(colon + 3));
  }
  return lines;
}

TEST_F(SystemdIntegrationTest, JournalOfAUnit) {
  Result<Facts> facts = Journal({{"unit", "fc-lines.service"}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  const std::vector<std::string> expected = {"batch-1 line-1", "batch-1 line-2", "batch-1 line-3",
                                             "batch-1 line-4", "batch-1 line-5"};
  EXPECT_EQ(ShellLines(*facts), expected) << facts->dump(2);
  const Facts& lines = (*facts)["lines"];
  EXPECT_EQ((*facts)["count"], lines.size());
  // The manager's messages about the unit (USER_UNIT=) come with it, as journalctl -u shows them.
  bool manager_line = false;
  std::string text;
  for (const Facts& line : lines) {
    const std::string value = line.get<std::string>();
    // "2026-12-01T16:29:37.123456Z sh[16329]: batch-1 line-1"
    EXPECT_EQ(value.size() > 28 && value[4] == '-' && value[10] == 'T' && value[26] == 'Z' &&
                  value[27] == ' ',
              true)
        << value;
    if (Contains(value, " systemd[")) manager_line = true;
    text += (text.empty() ? "" : "\n") + value;
  }
  EXPECT_TRUE(manager_line) << facts->dump(2);
  EXPECT_EQ((*facts)["text"], text);
  EXPECT_TRUE(Contains(text, "sh[")) << text;

  // `lines` keeps the newest ones, oldest first.
  Result<Facts> last = Journal({{"unit", "fc-lines.service"}, {"lines", 2}});
  ASSERT_TRUE(last) << last.error().ToString();
  EXPECT_EQ((*last)["count"], 2);
  ASSERT_EQ((*last)["lines"].size(), 2u);
  EXPECT_EQ((*last)["lines"][0], lines[lines.size() - 2]);
  EXPECT_EQ((*last)["lines"][1], lines[lines.size() - 1]);

  Result<Facts> other = Journal({{"unit", "fc-sleep.service"}});
  ASSERT_TRUE(other) << other.error().ToString();
  EXPECT_TRUE(ShellLines(*other).empty()) << "another unit's lines are not this one's";
}

TEST_F(SystemdIntegrationTest, JournalSince) {
  // A second batch, well after the first: `since` keeps only it.
  std::this_thread::sleep_for(milliseconds(2100));
  ASSERT_EQ(manager_->Systemctl({"set-environment", "BATCH=2"}), 0);
  ASSERT_EQ(manager_->Systemctl({"start", "fc-lines.service"}), 0);
  ASSERT_TRUE(WaitForJournal("fc-lines.service", "batch-2 line-5"));
  Result<Facts> recent = Journal({{"unit", "fc-lines.service"}, {"since", "2s"}});
  ASSERT_TRUE(recent) << recent.error().ToString();
  const std::vector<std::string> second = {"batch-2 line-1", "batch-2 line-2", "batch-2 line-3",
                                           "batch-2 line-4", "batch-2 line-5"};
  EXPECT_EQ(ShellLines(*recent), second) << recent->dump(2);
  Result<Facts> everything = Journal({{"unit", "fc-lines.service"}, {"since", "1h"}});
  ASSERT_TRUE(everything) << everything.error().ToString();
  const std::vector<std::string> both = ShellLines(*everything);
  ASSERT_EQ(both.size(), 10u) << everything->dump(2);
  EXPECT_EQ(both.front(), "batch-1 line-1");
  EXPECT_EQ(both.back(), "batch-2 line-5");
}

// The built-in health rule end to end: `flightcheck check --phase health` against this manager.
TEST_F(SystemdIntegrationTest, HealthUnitsRuleEndToEnd) {
  const std::vector<std::string> common = {"check",
                                           "--phase",
                                           "health",
                                           "--only",
                                           "health.units",
                                           "--systemd-bus",
                                           manager_->bus_address(),
                                           "--journal-dir",
                                           manager_->journal_directory().string(),
                                           "--format",
                                           "json"};
  std::vector<std::string> healthy = common;
  healthy.insert(healthy.end(), {"--var", "health_units=fc-sleep.service,fc-oneshot.service"});
  testing::CliRun run = testing::RunFlightcheck(healthy);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  nlohmann::json report = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << run.out;
  ASSERT_EQ(report["results"].size(), 1u) << run.out;
  EXPECT_EQ(report["results"][0]["id"], "health.units");
  EXPECT_EQ(report["results"][0]["status"], "pass") << run.out;

  std::vector<std::string> failing = common;
  failing.insert(failing.end(), {"--var", "health_units=fc-*.service"});
  run = testing::RunFlightcheck(failing);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  report = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << run.out;
  ASSERT_EQ(report["results"].size(), 1u) << run.out;
  EXPECT_EQ(report["results"][0]["status"], "fail") << run.out;
  EXPECT_TRUE(Contains(run.out, "FC-FAIL-MARKER")) << "the facts carry the failed unit's journal";
  const std::string detail = report["results"][0].value("detail", "");
  EXPECT_TRUE(Contains(detail, "fc-fail.service (failed/failed)")) << run.out;
}

TEST_F(SystemdIntegrationTest, HarnessLeavesNoProcessBehind) {
  SystemdUserManager second;
  ASSERT_EQ(second.Start(), "");
  second.WriteUnit("fc-child.service",
                   "[Service]\nExecStart=/bin/sh -c '/bin/sleep 1000 & exec /bin/sleep 1000'\n");
  ASSERT_EQ(second.Systemctl({"daemon-reload"}), 0);
  ASSERT_EQ(second.Systemctl({"start", "fc-child.service"}), 0);
  ASSERT_TRUE(second.WaitForProperty("fc-child.service", "SubState", "running"));
  EXPECT_GE(second.ProcessesInNamespace().size(), 4u) << "journald, manager, two sleeps";
  second.Stop();
  EXPECT_EQ(second.ProcessesInNamespace().size(), 0u);
  EXPECT_FALSE(second.running());
}

}  // namespace
}  // namespace flightcheck
