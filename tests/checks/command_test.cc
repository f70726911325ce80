#include <signal.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The command probe through the registry, with params validated as the runner does.
Result<Facts> RunCommand(const Params& params, Deadline deadline = Deadline::In(seconds(10))) {
  return testing::CallProbe("command", params, "/", deadline);
}

// Gone, or a zombie waiting for init: either way it runs no more.
bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  const std::string stat = testing::ReadTextFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] == 'Z';
}

bool GoneWithin(pid_t pid, milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!ProcessGone(pid)) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

TEST(CommandProbeTest, ExitCodeOutputAndLines) {
  Result<Facts> facts =
      RunCommand({{"argv", {"/bin/sh", "-c", "echo one; echo two; echo oops >&2; exit 3"}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["exit_code"], 3);
  EXPECT_EQ((*facts)["signal"], 0);
  EXPECT_EQ((*facts)["stdout"], "one\ntwo\n");
  EXPECT_EQ((*facts)["stderr"], "oops\n");
  EXPECT_EQ((*facts)["stdout_lines"], Facts::array({"one", "two"}));
  EXPECT_EQ((*facts)["truncated"], false);
  EXPECT_GE((*facts)["duration"].get<double>(), 0);
  EXPECT_LT((*facts)["duration"].get<double>(), 5);
}

TEST(CommandProbeTest, ShellExitStatusesAndSignals) {
  struct Case {
    std::string shell;
    int exit_code;
    int signal;
  };
  const Case cases[] = {
      {"true", 0, 0},
      {"exit 7", 7, 0},
      {"kill -TERM $$", -1, SIGTERM},
      {"kill -KILL $$", -1, SIGKILL},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunCommand({{"shell", c.shell}});
    ASSERT_TRUE(facts) << c.shell << ": " << facts.error().ToString();
    EXPECT_EQ((*facts)["exit_code"], c.exit_code) << c.shell;
    EXPECT_EQ((*facts)["signal"], c.signal) << c.shell;
  }
}

TEST(CommandProbeTest, OutputIsCappedAt64KiB) {
  Result<Facts> facts =
      RunCommand({{"shell", "head -c 200000 /dev/zero | tr '\\0' x; echo done >&2"}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["exit_code"], 0);
  EXPECT_EQ((*facts)["stdout"], std::string(64 * 1024, 'x'));
  EXPECT_EQ((*facts)["stderr"], "done\n");
  EXPECT_EQ((*facts)["truncated"], true);
}

TEST(CommandProbeTest, BinaryOutputBecomesValidUtf8) {
  Result<Facts> facts = RunCommand({{"shell", "printf 'a\\377b\\n'"}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["stdout"],
            "a\xEF\xBF\xBD"
            "b\n");
  EXPECT_NO_THROW((void)facts->dump());
}

TEST(CommandProbeTest, ExactlyOneOfArgvAndShell) {
  const Params cases[] = {
      Params::object(),
      {{"argv", {"true"}}, {"shell", "true"}},
  };
  for (const Params& params : cases) {
    Result<Facts> facts = RunCommand(params);
    ASSERT_FALSE(facts) << params;
    EXPECT_EQ(facts.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(Contains(facts.error().message(), "'argv'")) << facts.error().message();
    EXPECT_TRUE(Contains(facts.error().message(), "'shell'")) << facts.error().message();
  }
  Result<Facts> empty = RunCommand({{"argv", Facts::array()}});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(empty.error().message(), "'argv' must name a program"));
}

TEST(CommandProbeTest, MissingProgramIsAnError) {
  Result<Facts> facts = RunCommand({{"argv", {"flightcheck-no-such-program", "--version"}}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kNotFound) << facts.error().ToString();
  EXPECT_TRUE(Contains(facts.error().message(), "flightcheck-no-such-program"))
      << facts.error().message();
}

TEST(CommandProbeTest, HungCommandTimesOut) {
  const auto started = std::chrono::steady_clock::now();
  Result<Facts> facts = RunCommand({{"argv", {"sleep", "30"}}}, Deadline::In(milliseconds(300)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kTimeout);
  EXPECT_TRUE(Contains(facts.error().message(), "'sleep 30' did not finish within"))
      << facts.error().message();
  EXPECT_TRUE(Contains(facts.error().message(), "process group was killed"))
      << facts.error().message();
}

// The shell and its background child are both killed: the whole process group goes.
TEST(CommandProbeTest, TimeoutKillsTheProcessGroup) {
  testing::ScopedTempDir dir;
  const std::string pids = (dir.path() / "pids").string();
  const auto started = std::chrono::steady_clock::now();
  Result<Facts> facts = RunCommand(
      {{"shell", "echo $$ > " + pids + "; sleep 30 & echo $! >> " + pids + "; sleep 30"}},
      Deadline::In(milliseconds(300)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kTimeout);
  EXPECT_TRUE(Contains(facts.error().message(), "process group was killed"));

  std::ifstream in(pids);
  std::vector<pid_t> started_pids;
  for (pid_t pid; in >> pid;) started_pids.push_back(pid);
  ASSERT_EQ(started_pids.size(), 2u) << testing::ReadTextFile(pids);
  for (pid_t pid : started_pids) {
    EXPECT_TRUE(GoneWithin(pid, milliseconds(1000))) << "pid " << pid << " survived";
    if (!ProcessGone(pid)) ::kill(pid, SIGKILL);
  }
}

TEST(CommandProbeTest, DescriptorDeclaresEveryFact) {
  const ProbeEntry* probe = ProbeRegistry::Global().Find("command");
  ASSERT_NE(probe, nullptr);
  Result<Facts> facts = RunCommand({{"argv", {"true"}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  for (const auto& [name, value] : facts->items()) {
    EXPECT_NE(probe->descriptor.FindFact(name), nullptr) << name;
  }
  EXPECT_EQ(facts->size(), probe->descriptor.facts.size());
}

}  // namespace
}  // namespace flightcheck
