// `flightcheck check --output PATH` on paths that are not plain files: devices, symlinks, FIFOs.
// A regular file is replaced through a temporary file and a rename; anything else is written
// through and left as it was (issue 8: as root, the rename used to turn /dev/null into a file).
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/scoped_fd.h"
#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/process.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;
using ::testing::HasSubstr;
using testing::ReadTextFile;
using testing::RunFlightcheck;
using testing::ScopedTempDir;

// One passing rule over a fixture root: the JSON report is small (well under a pipe's buffer).
class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.WriteFile("etc/marker", "hello\n");
    dir_.WriteFile("rules.yaml", R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: marker.exists
    title: Marker file exists
    probe: {file: {path: /etc/marker}}
    expect: {exists: true}
)");
  }

  CliRun CheckTo(const std::string& output) const {
    return RunFlightcheck({"check", "--rules", "rules.yaml", "--root", root_.path().string(),
                           "--format", "json", "--output", output},
                          dir_.path());
  }

  // Names in dir_ that look like temporary files.
  std::vector<std::string> Leftovers() const {
    std::vector<std::string> names;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir_.path())) {
      const std::string name = entry.path().filename().string();
      if (name.find(".tmp-") != std::string::npos) names.push_back(name);
    }
    return names;
  }

  static bool IsJsonReport(const std::string& text) {
    const nlohmann::json report = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    return report.is_object() && report["summary"]["total"] == 1;
  }

  ScopedTempDir root_;
  ScopedTempDir dir_;
};

TEST_F(OutputFileTest, ACharacterDeviceStaysADevice) {
  ASSERT_TRUE(testing::IsRoot()) << "making a device node needs root";
  // A null device of the test's own first, so a regression cannot replace the host's /dev/null.
  const fs::path device = dir_.path() / "null";
  ASSERT_EQ(::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0) << strerror(errno);
  CliRun run = CheckTo(device.string());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  struct stat st;
  ASSERT_EQ(::lstat(device.c_str(), &st), 0);
  ASSERT_TRUE(S_ISCHR(st.st_mode)) << "the device node was replaced by a file";
  EXPECT_EQ(st.st_rdev, makedev(1, 3));

  run = CheckTo("/dev/null");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(::lstat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/null is no longer a device";
  EXPECT_THAT(Leftovers(), ::testing::IsEmpty());
}

TEST_F(OutputFileTest, DevStdoutReachesTheCallersStdout) {
  const CliRun run = CheckTo("/dev/stdout");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(IsJsonReport(run.out)) << run.out;
  struct stat st;
  ASSERT_EQ(::lstat("/dev/stdout", &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

// /dev/stdout is written through the descriptor flightcheck has, as a shell would: reopening it
// would truncate a log the caller appends to.
TEST_F(OutputFileTest, DevStdoutAppendsWhereTheCallerAppends) {
  dir_.WriteFile("log.txt", "earlier line\n");
  const CliRun run = testing::RunFlightcheckScript(
      "\"$0\" check --rules rules.yaml --root '" + root_.path().string() +
          "' --format json --output /dev/stdout >> log.txt",
      dir_.path());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const std::string log = ReadTextFile(dir_.path() / "log.txt");
  ASSERT_TRUE(log.starts_with("earlier line\n")) << log;
  EXPECT_TRUE(IsJsonReport(log.substr(13))) << log;
}

TEST_F(OutputFileTest, ASymlinkStaysAndItsTargetGetsTheReport) {
  dir_.WriteFile("reports/latest.json", "old report\n");
  fs::create_symlink("reports/latest.json", dir_.path() / "report.json");
  const CliRun run = CheckTo("report.json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(fs::is_symlink(dir_.path() / "report.json")) << "the symlink was replaced";
  EXPECT_EQ(fs::read_symlink(dir_.path() / "report.json"), "reports/latest.json");
  EXPECT_TRUE(IsJsonReport(ReadTextFile(dir_.path() / "reports/latest.json")));
  EXPECT_THAT(Leftovers(), ::testing::IsEmpty());
}

TEST_F(OutputFileTest, ASymlinkToNothingIsAnError) {
  fs::create_symlink("reports/missing.json", dir_.path() / "report.json");
  const CliRun run = CheckTo("report.json");
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_EQ(run.err,
            "flightcheck: error: cannot write 'report.json': it is a symlink to "
            "'reports/missing.json', which does not exist\n");
  EXPECT_FALSE(fs::exists(dir_.path() / "reports/missing.json"));
}

TEST_F(OutputFileTest, ARegularFileIsReplacedWhole) {
  dir_.WriteFile("report.json", std::string(100000, 'x'));
  const CliRun run = CheckTo("report.json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(IsJsonReport(ReadTextFile(dir_.path() / "report.json")));
  EXPECT_THAT(Leftovers(), ::testing::IsEmpty());
}

TEST_F(OutputFileTest, AFifoWithNoReaderFailsAtOnce) {
  const fs::path fifo = dir_.path() / "report.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0) << strerror(errno);
  const auto started = std::chrono::steady_clock::now();
  const CliRun run = CheckTo("report.fifo");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_EQ(run.err,
            "flightcheck: error: cannot write 'report.fifo': it is a FIFO that nothing is "
            "reading; start the reader first or write to a file\n");
  struct stat st;
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_THAT(Leftovers(), ::testing::IsEmpty());
}

TEST_F(OutputFileTest, AFifoWithAReaderGetsTheReport) {
  const fs::path fifo = dir_.path() / "report.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0) << strerror(errno);
  // Opened before flightcheck starts, so the reader is there when it opens the FIFO. Non-blocking
  // because a blocking open would wait for the writer.
  const ScopedFd reader(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  ASSERT_TRUE(reader.valid()) << strerror(errno);
  std::string received;
  std::atomic<bool> run_over{false};
  std::thread read_all([&] {
    // A FIFO shows no POLLHUP before a writer has come and gone, so this waits for flightcheck's
    // writer, or gives up once flightcheck has exited without one.
    while (true) {
      pollfd poll_fd = {reader.get(), POLLIN, 0};
      const int ready = ::poll(&poll_fd, 1, 100);
      if (ready == 0 && run_over) break;
      if (ready <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(reader.get(), buffer, sizeof buffer);
      if (n > 0) received.append(buffer, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
    }
  });
  const CliRun run = CheckTo("report.fifo");
  run_over = true;
  read_all.join();
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(IsJsonReport(received)) << received;
}

}  // namespace
}  // namespace flightcheck
