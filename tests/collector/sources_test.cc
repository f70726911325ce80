#include "collector/sources.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <stop_token>
#include <thread>

#include "tests/testbed/http_responder.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using testing::RunShell;
using testing::ShellQuoted;

// Writes one item of producer into a bundle and returns (its text, its manifest item).
class SourcesTest : public ::testing::Test {
 protected:
  std::pair<std::string, BundleItem> Collect(const ItemProducer& producer, uint64_t cap = 1 << 20) {
    const fs::path bundle = dir_.path() / "b.zip";
    fs::remove(bundle);
    Result<std::unique_ptr<BundleWriter>> writer =
        BundleWriter::Create(bundle, {.max_item_bytes = cap});
    EXPECT_TRUE(writer);
    EXPECT_TRUE((*writer)->Add("test", "item.txt", false, producer).ok());
    BundleItem item = (*writer)->items().at(0);
    EXPECT_TRUE((*writer)->Commit().ok());
    return {RunShell("unzip -p " + ShellQuoted(bundle) + " item.txt").output, item};
  }
  testing::ScopedTempDir dir_;
};

TEST_F(SourcesTest, ACommandsOutputRedactedWithItsExitCode) {
  auto [text, item] = Collect(CommandOutput(
      LocalCommandRunner::Shared(), {"sh", "-c", "echo password=PlantedCmd; echo oops >&2; exit 3"},
      milliseconds(5000), 1 << 20));
  EXPECT_EQ(text,
            "password=[REDACTED]\n--- stderr ---\noops\n\nflightcheck: internal error: sh -c 'echo "
            "password=[REDACTED]; echo oops >&2; exit 3' exited with 3\n");
  EXPECT_THAT(item.error, HasSubstr("exited with 3"));
}

// Output past the capture bound is cut by the runner: the item says truncated even though it is
// under its own cap.
TEST_F(SourcesTest, ACommandsOutputCutAtItsCaptureBoundIsMarkedTruncated) {
  auto [text, item] = Collect(CommandOutput(LocalCommandRunner::Shared(),
                                            {"sh", "-c", "head -c 5000 /dev/zero | tr '\\0' x"},
                                            milliseconds(5000), 1000));
  EXPECT_EQ(text, std::string(1000, 'x'));
  EXPECT_TRUE(item.truncated);
  EXPECT_TRUE(item.error.empty()) << item.error;
  auto [whole, whole_item] = Collect(CommandOutput(
      LocalCommandRunner::Shared(), {"sh", "-c", "printf abc"}, milliseconds(5000), 1000));
  EXPECT_EQ(whole, "abc");
  EXPECT_FALSE(whole_item.truncated);
}

// A hanging command is killed at its timeout, with what it started: the item says so and the
// bundle goes on.
TEST_F(SourcesTest, AHangingCommandIsKilledAtItsTimeout) {
  const auto started = std::chrono::steady_clock::now();
  auto [text, item] =
      Collect(CommandOutput(LocalCommandRunner::Shared(), {"sh", "-c", "sleep 31.4159 & wait"},
                            milliseconds(500), 1 << 20));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(5000));
  EXPECT_THAT(item.error, HasSubstr("timeout")) << item.error;
  EXPECT_THAT(text, HasSubstr("flightcheck: timeout"));
  EXPECT_EQ(RunShell("pgrep -f 'sleep 31[.]4159'").exit_code, 1) << "its child survived";
}

TEST_F(SourcesTest, AHostFileUnderTheRootStreamedAndCapped) {
  dir_.WriteFile("root/etc/app.conf", "token = PlantedFileToken\n" + std::string(5000, 'x'));
  HostContext host;
  host.root = dir_.path() / "root";
  auto [text, item] = Collect(HostFile(host, "/etc/app.conf"), 100);
  EXPECT_EQ(text.substr(0, 25), "token = [REDACTED]\nxxxxxx");
  EXPECT_EQ(item.bytes, 100u);
  EXPECT_TRUE(item.truncated);
  EXPECT_EQ(item.error, "");

  ASSERT_EQ(::mkfifo((dir_.path() / "root/etc/fifo").c_str(), 0600), 0);
  auto [fifo_text, fifo_item] = Collect(HostFile(host, "/etc/fifo"));
  EXPECT_THAT(fifo_item.error, HasSubstr("'/etc/fifo'"));
  auto [missing_text, missing] = Collect(HostFile(host, "/etc/none"));
  EXPECT_THAT(missing.error, HasSubstr("not found")) << missing.error;
}

// A local service's endpoint: its answer redacted and capped; an answer other than 2xx kept with
// the error; a service that never answers bounded by the timeout, or by a stop well before it.
TEST_F(SourcesTest, AnHttpEndpointsAnswerRedactedCappedAndBounded) {
  testing::HttpResponder service;
  ASSERT_TRUE(service.ListenTcp());
  service.Start([](const std::string& target) {
    if (target == "/state") {
      return testing::HttpResponder::Answer(
          200, R"({"leader": "m1", "authorization": "Bearer PlantedHttpBearer0123456789"})");
    }
    if (target == "/big") return testing::HttpResponder::Answer(200, std::string(5000, 'y'));
    if (target == "/broken") return testing::HttpResponder::Answer(500, "it broke");
    return testing::HttpResponder::Hang();
  });

  auto [text, item] = Collect(HttpEndpoint(service.url("/state"), milliseconds(5000), 1 << 20));
  EXPECT_THAT(text, HasSubstr(R"("leader": "m1")"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("PlantedHttpBearer")));
  EXPECT_EQ(item.error, "");

  auto [big_text, big] = Collect(HttpEndpoint(service.url("/big"), milliseconds(5000), 100), 100);
  EXPECT_EQ(big_text, std::string(100, 'y'));
  EXPECT_TRUE(big.truncated);
  EXPECT_EQ(big.error, "");

  auto [broken_text, broken] =
      Collect(HttpEndpoint(service.url("/broken"), milliseconds(5000), 1 << 20));
  EXPECT_THAT(broken_text, ::testing::StartsWith("it broke"));
  EXPECT_THAT(broken.error, HasSubstr("answered HTTP 500")) << broken.error;

  auto started = std::chrono::steady_clock::now();
  auto [hung_text, hung] = Collect(HttpEndpoint(service.url("/hang"), milliseconds(500), 1 << 20));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(3000));
  EXPECT_THAT(hung.error, HasSubstr("timeout")) << hung.error;

  std::stop_source stop;
  std::thread stopper([&stop] {
    std::this_thread::sleep_for(milliseconds(300));
    stop.request_stop();
  });
  started = std::chrono::steady_clock::now();
  auto [stopped_text, stopped] =
      Collect(HttpEndpoint(service.url("/hang"), milliseconds(60000), 1 << 20, stop.get_token()));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2500));
  EXPECT_THAT(stopped.error, HasSubstr("stopped")) << stopped.error;

  service.Stop();
  auto [refused_text, refused] =
      Collect(HttpEndpoint(service.url("/state"), milliseconds(2000), 1 << 20));
  EXPECT_NE(refused.error, "");
}

}  // namespace
}  // namespace flightcheck
