// AsyncProcess and RunBounded with real child processes: output, exit codes, stdin, timeouts that
// kill the whole process group, bounded parallelism.
#include "runner/async_process.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "checks/text.h"
#include "runner/fleet.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// Runs one command to completion on a fresh io_context.
Result<ProcessOutcome> RunToEnd(std::vector<std::string> argv, milliseconds timeout,
                                std::string stdin_path = "/dev/null", int stdout_fd = -1) {
  asio::io_context io;
  ProcessReaper reaper(io);
  std::optional<Result<ProcessOutcome>> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        result = co_await RunProcess(reaper, argv, timeout, stdin_path, stdout_fd);
      },
      asio::detached);
  io.run();
  return std::move(*result);
}

TEST(AsyncProcessTest, CapturesBothStreamsAndTheExitCode) {
  Result<ProcessOutcome> outcome =
      RunToEnd({"sh", "-c", "echo out; echo err >&2; exit 7"}, milliseconds(5000));
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->exit_code, 7);
  EXPECT_EQ(outcome->stdout_text, "out\n");
  EXPECT_EQ(outcome->stderr_text, "err\n");
  EXPECT_FALSE(outcome->timed_out);
}

TEST(AsyncProcessTest, ReadsStdinFromAFileAndLargeOutputWithoutDeadlock) {
  testing::ScopedTempDir dir;
  std::string big(3 << 20, 'x');
  dir.WriteFile("input", big);
  Result<ProcessOutcome> outcome =
      RunToEnd({"sh", "-c", "cat; cat >&2 /dev/null; head -c 1000000 /dev/zero >&2"},
               milliseconds(10000), (dir.path() / "input").string());
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->stdout_text.size(), big.size());
  EXPECT_EQ(outcome->stderr_text.size(), 1000000u);
  EXPECT_EQ(outcome->exit_code, 0);
}

TEST(AsyncProcessTest, StdoutToAFileIsWholeBeyondTheCap) {
  testing::ScopedTempDir dir;
  const std::string path = (dir.path() / "out").string();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  // 20 MiB: more than the 16 MiB kept of a stream in memory.
  Result<ProcessOutcome> outcome =
      RunToEnd({"sh", "-c", "head -c 20971520 /dev/zero; echo done >&2"}, milliseconds(20000),
               "/dev/null", fd);
  ::close(fd);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(outcome->stdout_text, "");
  EXPECT_FALSE(outcome->stdout_truncated);
  EXPECT_EQ(outcome->stderr_text, "done\n");
  EXPECT_EQ(std::filesystem::file_size(path), 20971520u);
}

TEST(AsyncProcessTest, TimeoutKillsTheWholeProcessGroup) {
  testing::ScopedTempDir dir;
  const auto pid_file = dir.path() / "child.pid";
  const auto started = std::chrono::steady_clock::now();
  Result<ProcessOutcome> outcome = RunToEnd(
      {"sh", "-c", "sleep 100 & echo $! > " + pid_file.string() + "; wait"}, milliseconds(300));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->timed_out);
  EXPECT_EQ(outcome->term_signal, SIGKILL);
  EXPECT_LT(seconds, 5.0);
  std::ifstream pid_in(pid_file);
  std::string pid_text;
  std::getline(pid_in, pid_text);
  std::optional<int64_t> child = ParseInt64(Trim(pid_text));
  ASSERT_TRUE(child.has_value()) << pid_text;
  // The background sleep was in the group: it is gone, or a zombie waiting for init to reap it
  // (init here reaps orphans lazily).
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(*child) + "/stat");
    std::string pid_field, name, state;
    gone = !(stat >> pid_field >> name >> state) || state == "Z";
    if (!gone) std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(gone) << "pid " << *child << " survived the timeout";
}

TEST(AsyncProcessTest, ABackgroundChildHoldingThePipeDoesNotHoldTheCaller) {
  const auto started = std::chrono::steady_clock::now();
  Result<ProcessOutcome> outcome =
      RunToEnd({"sh", "-c", "echo done; (sleep 3; echo late) & exit 0"}, milliseconds(10000));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(outcome->stdout_text, "done\n");
  EXPECT_LT(seconds, 2.0);
}

TEST(AsyncProcessTest, DestroyingAProcessWithAReadCompletionQueuedIsSafe) {
  // Both pipes are always readable: one run_one() performs both reads and runs one handler, so
  // the other completion is queued when the object goes (AddressSanitizer catches a regression).
  asio::io_context io;
  ProcessReaper reaper(io);
  for (int round = 0; round < 20; ++round) {
    Result<std::unique_ptr<AsyncProcess>> process =
        AsyncProcess::Start(reaper, {"sh", "-c", "yes & yes >&2; wait"});
    ASSERT_TRUE(process.has_value());
    io.run_one();
    process->reset();
    io.restart();
    io.poll();
  }
}

TEST(AsyncProcessTest, AMissingProgramIsAnErrorNamingIt) {
  Result<ProcessOutcome> outcome = RunToEnd({"/nonexistent/program"}, milliseconds(1000));
  ASSERT_FALSE(outcome.has_value());
  EXPECT_NE(outcome.error().message().find("/nonexistent/program"), std::string::npos)
      << outcome.error().message();
}

TEST(RunBoundedTest, NeverRunsMoreThanParallelismAtOnceAndRunsEveryTask) {
  asio::io_context io;
  ProcessReaper reaper(io);
  int running = 0, peak = 0, done = 0;
  std::vector<int> exit_codes(12, -1);
  RunBounded(io, exit_codes.size(), 4, [&](size_t i) -> asio::awaitable<void> {
    ++running;
    peak = std::max(peak, running);
    std::vector<std::string> argv = {"sh", "-c", "sleep 0.05; exit " + std::to_string(i)};
    Result<ProcessOutcome> outcome = co_await RunProcess(reaper, argv, milliseconds(5000));
    exit_codes[i] = outcome.has_value() ? outcome->exit_code : -2;
    --running;
    ++done;
  });
  EXPECT_EQ(done, 12);
  EXPECT_EQ(peak, 4);
  for (size_t i = 0; i < exit_codes.size(); ++i) EXPECT_EQ(exit_codes[i], static_cast<int>(i));
}

}  // namespace
}  // namespace flightcheck
