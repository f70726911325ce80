#include "checks/systemd_unit.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A running, loaded service: healthy by row 8; each case changes what its row looks at.
UnitProperties Running() {
  UnitProperties unit;
  unit.id = "dcos-demo.service";
  unit.description = "Demo: a demo unit";
  unit.load_state = "loaded";
  unit.active_state = "active";
  unit.sub_state = "running";
  unit.exec_main_status = 0;
  unit.active_enter_timestamp_monotonic = 2000;
  unit.inactive_enter_timestamp_monotonic = 1000;
  unit.service_type = "simple";
  return unit;
}

TEST(UnitHealthTest, DecisionTableRowByRow) {
  struct Case {
    std::string name;
    UnitProperties unit;
    int health;
    std::string output;
  };
  std::vector<Case> cases;
  const auto with = [](auto change) {
    UnitProperties unit = Running();
    change(unit);
    return unit;
  };
  cases.push_back({"row 2: not-found", with([](UnitProperties& u) {
                     u.load_state = "not-found";
                     u.active_state = "inactive";
                     u.sub_state = "dead";
                     u.exec_main_status.reset();
                   }),
                   1,
                   "dcos-demo.service is not loaded (LoadState not-found). Please check "
                   "`systemctl show dcos-demo.service` to check current unit status."});
  cases.push_back({"row 2: masked, even if active",
                   with([](UnitProperties& u) { u.load_state = "masked"; }), 1,
                   "dcos-demo.service is not loaded (LoadState masked). Please check `systemctl "
                   "show dcos-demo.service` to check current unit status."});
  cases.push_back({"row 3: failed", with([](UnitProperties& u) {
                     u.active_state = "failed";
                     u.sub_state = "failed";
                     u.exec_main_status = 1;
                   }),
                   1,
                   "dcos-demo.service state is not one of the possible states [active inactive "
                   "activating]. Current state is [ failed ]. Please check `systemctl show "
                   "dcos-demo.service` to check current unit state."});
  cases.push_back({"row 3: deactivating",
                   with([](UnitProperties& u) { u.active_state = "deactivating"; }), 1,
                   "dcos-demo.service state is not one of the possible states [active inactive "
                   "activating]. Current state is [ deactivating ]. Please check `systemctl show "
                   "dcos-demo.service` to check current unit state."});
  cases.push_back({"row 4: active but the last main process failed",
                   with([](UnitProperties& u) { u.exec_main_status = 3; }), 1,
                   "ExecMainStatus return failed status 3 for dcos-demo.service"});
  cases.push_back({"row 4 before row 7: inactive oneshot that exited 2",
                   with([](UnitProperties& u) {
                     u.active_state = "inactive";
                     u.sub_state = "dead";
                     u.service_type = "oneshot";
                     u.exec_main_status = 2;
                     u.exec_main_exit_timestamp_monotonic = 3000;
                   }),
                   1, "ExecMainStatus return failed status 2 for dcos-demo.service"});
  cases.push_back({"row 5: auto-restart, never active", with([](UnitProperties& u) {
                     u.active_state = "activating";
                     u.sub_state = "auto-restart";
                     u.active_enter_timestamp_monotonic = 0;
                   }),
                   1, "unit dcos-demo.service has never entered `active` state"});
  cases.push_back({"row 6: auto-restart, inactive since it was last active",
                   with([](UnitProperties& u) {
                     u.active_state = "activating";
                     u.sub_state = "auto-restart";
                     u.active_enter_timestamp_monotonic = 2000;
                     u.inactive_enter_timestamp_monotonic = 2500;
                   }),
                   1,
                   "unit dcos-demo.service is flapping. Please check `systemctl status "
                   "dcos-demo.service` to check current unit state."});
  cases.push_back({"row 8: auto-restart after being active, not flapping",
                   with([](UnitProperties& u) {
                     u.active_state = "activating";
                     u.sub_state = "auto-restart";
                   }),
                   0, ""});
  cases.push_back({"row 7: a stopped daemon", with([](UnitProperties& u) {
                     u.active_state = "inactive";
                     u.sub_state = "dead";
                     u.exec_main_exit_timestamp_monotonic = 3000;
                   }),
                   1, "Unit dcos-demo.service is dead"});
  cases.push_back({"row 7: a oneshot that never ran", with([](UnitProperties& u) {
                     u.active_state = "inactive";
                     u.sub_state = "dead";
                     u.service_type = "oneshot";
                     u.exec_main_exit_timestamp_monotonic = 0;
                   }),
                   1, "Unit dcos-demo.service is dead"});
  cases.push_back({"row 7: a oneshot that exited 0 is healthy", with([](UnitProperties& u) {
                     u.active_state = "inactive";
                     u.sub_state = "dead";
                     u.service_type = "oneshot";
                     u.exec_main_exit_timestamp_monotonic = 3000;
                   }),
                   0, ""});
  cases.push_back({"row 7: a timer's unit between runs is healthy", with([](UnitProperties& u) {
                     u.active_state = "inactive";
                     u.sub_state = "dead";
                     u.triggered_by = {"dcos-demo.timer"};
                   }),
                   0, ""});
  cases.push_back({"row 7: triggered by a path unit only", with([](UnitProperties& u) {
                     u.active_state = "inactive";
                     u.sub_state = "dead";
                     u.triggered_by = {"dcos-demo.path"};
                   }),
                   1, "Unit dcos-demo.service is dead"});
  cases.push_back({"row 7: an inactive non-service", with([](UnitProperties& u) {
                     u.id = "dcos-demo.socket";
                     u.active_state = "inactive";
                     u.sub_state = "dead";
                     u.exec_main_status.reset();
                     u.service_type = "";
                   }),
                   1, "Unit dcos-demo.socket is dead"});
  cases.push_back({"row 8: running", Running(), 0, ""});
  cases.push_back({"row 8: activating (start-pre)", with([](UnitProperties& u) {
                     u.active_state = "activating";
                     u.sub_state = "start-pre";
                   }),
                   0, ""});
  cases.push_back({"row 8: an active non-service has no ExecMainStatus",
                   with([](UnitProperties& u) {
                     u.id = "dcos-demo.socket";
                     u.sub_state = "listening";
                     u.exec_main_status.reset();
                   }),
                   0, ""});
  for (const Case& c : cases) {
    const UnitHealthVerdict verdict = UnitHealth(c.unit);
    EXPECT_EQ(verdict.health, c.health) << c.name;
    EXPECT_EQ(verdict.output, c.output) << c.name;
  }
}

TEST(UnitHealthTest, PrettyNameSplitsAs3DT) {
  struct Case {
    std::string_view description;
    std::string name;
    std::string text;
  };
  const Case cases[] = {
      {"Mesos Master: distributed systems kernel", "Mesos Master", "distributed systems kernel"},
      {"no separator here", "dcos-x.service", "no separator here"},
      {"a: b: c", "dcos-x.service", "a b c"},
      {"time:12", "dcos-x.service", "time:12"},
      {"", "dcos-x.service", ""},
      {": only a description", "", "only a description"},
  };
  for (const Case& c : cases) {
    const auto [name, text] = UnitPrettyName("dcos-x.service", c.description);
    EXPECT_EQ(name, c.name) << c.description;
    EXPECT_EQ(text, c.text) << c.description;
  }
}

TEST(UnitHealthTest, GlobDetection) {
  EXPECT_TRUE(IsUnitGlob("dcos-*.service"));
  EXPECT_TRUE(IsUnitGlob("dcos-?.service"));
  EXPECT_TRUE(IsUnitGlob("dcos-[ab].service"));
  EXPECT_FALSE(IsUnitGlob("dcos-mesos-master.service"));
  EXPECT_FALSE(IsUnitGlob("getty@tty1.service"));
}

TEST(SystemdUnitProbeTest, NameXorNames) {
  HostContext host;
  host.systemd_bus = "unix:path=/nonexistent/flightcheck/private";
  const Deadline deadline = Deadline::In(milliseconds(2000));
  Result<Facts> neither = testing::CallProbe("systemd_unit", Params::object(), host, deadline);
  ASSERT_FALSE(neither);
  EXPECT_EQ(neither.error().ToString(),
            "invalid argument: give exactly one of the parameters 'name' and 'names'");
  Result<Facts> both = testing::CallProbe(
      "systemd_unit", {{"name", "a.service"}, {"names", {"b.service"}}}, host, deadline);
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().code(), ErrorCode::kInvalidArgument);
}

TEST(SystemdUnitProbeTest, AbsentBusIsAnErrorNotAHealthyUnit) {
  HostContext host;
  host.systemd_bus = "unix:path=/nonexistent/flightcheck/private";
  const auto start = steady_clock::now();
  Result<Facts> facts = testing::CallProbe("systemd_unit", {{"name", "dcos-demo.service"}}, host,
                                           Deadline::In(milliseconds(2000)));
  ASSERT_FALSE(facts) << facts->dump();
  EXPECT_EQ(facts.error().code(), ErrorCode::kUnavailable) << facts.error().ToString();
  EXPECT_NE(facts.error().message().find("unix:path=/nonexistent/flightcheck/private"),
            std::string::npos)
      << facts.error().ToString();
  EXPECT_LT(steady_clock::now() - start, milliseconds(500));
}

TEST(SystemdUnitProbeTest, ExpiredDeadlineIsATimeout) {
  HostContext host;
  host.systemd_bus = "unix:path=/nonexistent/flightcheck/private";
  Result<Facts> facts = testing::CallProbe("systemd_unit", {{"name", "dcos-demo.service"}}, host,
                                           Deadline::In(milliseconds(0)));
  ASSERT_FALSE(facts);
  EXPECT_TRUE(facts.error().IsTimeout()) << facts.error().ToString();
}

TEST(SystemdUnitProbeTest, SilentBusTimesOutAtTheDeadline) {
  // A socket that accepts connections (the backlog) and never says a word: the D-Bus
  // authentication never completes, and the probe must give up at its deadline.
  testing::ScopedTempDir dir;
  const std::string path = (dir.path() / "silent").string();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  HostContext host;
  host.systemd_bus = "unix:path=" + path;
  const auto start = steady_clock::now();
  Result<Facts> facts = testing::CallProbe("systemd_unit", {{"name", "dcos-demo.service"}}, host,
                                           Deadline::In(milliseconds(300)));
  const auto took = steady_clock::now() - start;
  ::close(fd);
  ASSERT_FALSE(facts) << facts->dump();
  EXPECT_TRUE(facts.error().IsTimeout()) << facts.error().ToString();
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(1000));
}

}  // namespace
}  // namespace flightcheck
