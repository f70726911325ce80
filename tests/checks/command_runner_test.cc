#include "checks/command_runner.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

Result<CommandResult> RunShell(const std::string& script,
                               Deadline deadline = Deadline::In(seconds(10)),
                               size_t cap = 1 << 20) {
  return LocalCommandRunner().Run({"/bin/sh", "-c", script}, deadline, cap);
}

// Gone, or a zombie waiting for init: either way it runs no more.
bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  const std::string stat = testing::ReadTextFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] == 'Z';
}

std::vector<pid_t> ReadPids(const std::string& path) {
  std::ifstream in(path);
  std::vector<pid_t> pids;
  for (pid_t pid; in >> pid;) pids.push_back(pid);
  return pids;
}

TEST(CommandRunnerTest, ExitCodesAndSignals) {
  struct Case {
    std::string script;
    int exit_code;
    int term_signal;
  };
  const Case cases[] = {
      {"exit 0", 0, 0},
      {"exit 1", 1, 0},
      {"exit 255", 255, 0},
      {"kill -INT $$", -1, SIGINT},
      {"kill -KILL $$", -1, SIGKILL},
      {"kill -SEGV $$", -1, SIGSEGV},
  };
  for (const Case& c : cases) {
    Result<CommandResult> result = RunShell(c.script);
    ASSERT_TRUE(result) << c.script << ": " << result.error().ToString();
    EXPECT_EQ(result->exit_code, c.exit_code) << c.script;
    EXPECT_EQ(result->term_signal, c.term_signal) << c.script;
  }
}

TEST(CommandRunnerTest, CapturesBothStreamsSeparately) {
  Result<CommandResult> result = RunShell("echo out; echo err >&2; echo more");
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->stdout_text, "out\nmore\n");
  EXPECT_EQ(result->stderr_text, "err\n");
  EXPECT_FALSE(result->output_truncated);
  EXPECT_GE(result->seconds, 0);
}

TEST(CommandRunnerTest, SearchesPathAndStdinIsEmpty) {
  Result<CommandResult> result =
      LocalCommandRunner().Run({"cat"}, Deadline::In(seconds(5)));  // would hang on a tty
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->stdout_text, "");
}

// Both pipes fill beyond their kernel buffer (64 KiB): the runner must drain them together.
TEST(CommandRunnerTest, LargeOutputOnBothStreamsDoesNotDeadlock) {
  Result<CommandResult> result = RunShell(
      "head -c 300000 /dev/zero | tr '\\0' o; head -c 300000 /dev/zero | tr '\\0' e >&2; "
      "head -c 300000 /dev/zero | tr '\\0' O",
      Deadline::In(seconds(10)));
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->stdout_text, std::string(300000, 'o') + std::string(300000, 'O'));
  EXPECT_EQ(result->stderr_text, std::string(300000, 'e'));
  EXPECT_FALSE(result->output_truncated);
}

TEST(CommandRunnerTest, OutputCapKeepsTheStartAndDrainsTheRest) {
  Result<CommandResult> result =
      RunShell("seq 1 100000; echo finished >&2; exit 4", Deadline::In(seconds(10)), 10);
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->stdout_text, "1\n2\n3\n4\n5\n");
  EXPECT_EQ(result->stderr_text, "finished\n");
  EXPECT_TRUE(result->output_truncated);
  EXPECT_EQ(result->exit_code, 4);  // the command was not cut off by a full pipe
}

TEST(CommandRunnerTest, MissingProgramIsNotFound) {
  for (const std::string program : {"flightcheck-no-such-program", "/nonexistent/bin/tool"}) {
    Result<CommandResult> result = LocalCommandRunner().Run({program}, Deadline::In(seconds(5)));
    ASSERT_FALSE(result) << program;
    EXPECT_EQ(result.error().code(), ErrorCode::kNotFound) << result.error().ToString();
    EXPECT_TRUE(Contains(result.error().message(), program)) << result.error().message();
  }
}

TEST(CommandRunnerTest, NotExecutableIsPermissionDenied) {
  testing::ScopedTempDir dir;
  const std::string script = dir.WriteFile("script.sh", "#!/bin/sh\nexit 0\n").string();
  Result<CommandResult> result = LocalCommandRunner().Run({script}, Deadline::In(seconds(5)));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kPermissionDenied) << result.error().ToString();
}

TEST(CommandRunnerTest, EmptyArgvIsInvalid) {
  Result<CommandResult> result = LocalCommandRunner().Run({}, Deadline::In(seconds(5)));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
}

TEST(CommandRunnerTest, TimeoutKillsTheWholeProcessGroup) {
  testing::ScopedTempDir dir;
  const std::string pids = (dir.path() / "pids").string();
  const auto started = std::chrono::steady_clock::now();
  Result<CommandResult> result =
      RunShell("echo $$ > " + pids + "; sleep 30 & echo $! >> " + pids + "; sleep 30",
               Deadline::In(milliseconds(300)));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kTimeout);
  EXPECT_TRUE(Contains(result.error().message(), "did not finish within"))
      << result.error().message();
  EXPECT_TRUE(Contains(result.error().message(), "its process group was killed"));
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, seconds(2));
  const std::vector<pid_t> started_pids = ReadPids(pids);
  ASSERT_EQ(started_pids.size(), 2u);
  // The runner returns only when the whole group is gone, so no polling here.
  for (pid_t pid : started_pids) {
    EXPECT_TRUE(ProcessGone(pid)) << "pid " << pid << " survived the timeout";
    if (!ProcessGone(pid)) ::kill(pid, SIGKILL);
  }
}

// A background child that keeps the output pipes open must not hold the runner once the
// command itself has exited.
TEST(CommandRunnerTest, BackgroundChildDoesNotHoldTheRunner) {
  testing::ScopedTempDir dir;
  const std::string pids = (dir.path() / "pids").string();
  const auto started = std::chrono::steady_clock::now();
  Result<CommandResult> result =
      RunShell("sleep 30 & echo $! > " + pids + "; echo done", Deadline::In(seconds(10)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->stdout_text, "done\n");
  for (pid_t pid : ReadPids(pids)) ::kill(pid, SIGKILL);  // the test stops what it started
}

// Processes (not zombies) whose argv is exactly argv, from /proc: a pattern match would also find
// the shell that started them, whose command line contains the same words.
std::vector<pid_t> ProcessesRunning(const std::vector<std::string>& argv) {
  std::string wanted;
  for (const std::string& arg : argv) wanted += arg + '\0';
  std::vector<pid_t> found;
  for (const std::filesystem::directory_entry& entry :
       std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    // A zombie's cmdline is empty, so it never matches.
    if (testing::ReadTextFile(entry.path() / "cmdline") == wanted) found.push_back(pid);
  }
  return found;
}

// An ip-detect script that leaves `sleep 100 &` behind must not leave it running after the check:
// the runner kills the rest of the command's process group once the command has exited.
TEST(CommandRunnerTest, BackgroundChildrenAreKilledOnceTheCommandExits) {
  const std::vector<std::string> sleeper = {"sleep", "97.5"};
  ASSERT_TRUE(ProcessesRunning(sleeper).empty()) << "a 'sleep 97.5' is already running";
  Result<CommandResult> result =
      LocalCommandRunner().Run({"sh", "-c", "sleep 97.5 & echo hi"}, Deadline::In(seconds(10)));
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->stdout_text, "hi\n");
  const std::vector<pid_t> left = ProcessesRunning(sleeper);
  EXPECT_TRUE(left.empty()) << "'sleep 97.5' still runs as pid " << left.front();
  for (pid_t pid : left) ::kill(pid, SIGKILL);
}

TEST(CommandRunnerTest, ConcurrentRuns) {
  std::vector<std::string> outputs(6);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<CommandResult> result = RunShell("sleep 0.1; echo " + std::to_string(i));
      outputs[i] = result ? result->stdout_text : result.error().ToString();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < outputs.size(); ++i) EXPECT_EQ(outputs[i], std::to_string(i) + "\n");
}

TEST(CommandRunnerTest, QuoteArgv) {
  EXPECT_EQ(QuoteArgv({"sleep", "30"}), "sleep 30");
  EXPECT_EQ(QuoteArgv({"sh", "-c", "echo 'hi'"}), "sh -c 'echo '\\''hi'\\'''");
  EXPECT_EQ(QuoteArgv({"printf", ""}), "printf ''");
}

}  // namespace
}  // namespace flightcheck
