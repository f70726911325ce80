#include "collector/bundle_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/testbed/shell.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunShell;
using testing::ShellQuoted;

// Writes text in pieces, as a source streaming a log would.
ItemProducer Text(std::string text, Status end = Status::Ok()) {
  return [text = std::move(text), end](ItemSink& sink) -> Status {
    for (size_t at = 0; at < text.size(); at += 5) {
      if (Status status = sink.Write(std::string_view(text).substr(at, 5)); !status.ok()) {
        return status;
      }
    }
    return end;
  };
}

class BundleWriterTest : public ::testing::Test {
 protected:
  // Unpacks the bundle with unzip and returns the directory.
  fs::path Unpack(const fs::path& bundle) {
    const fs::path out = dir_.path() / "unpacked";
    fs::remove_all(out);
    fs::create_directories(out);
    const testing::ShellResult unzip =
        RunShell("unzip -q " + ShellQuoted(bundle) + " -d " + ShellQuoted(out));
    EXPECT_EQ(unzip.exit_code, 0) << unzip.output;
    return out;
  }
  static nlohmann::json Manifest(const fs::path& unpacked) {
    return nlohmann::json::parse(RunShell("cat " + ShellQuoted(unpacked / "manifest.json")).output);
  }

  testing::ScopedTempDir dir_;
};

constexpr char kHash[] = "$6$rounds=5000$plantedsalt$PlantedHashValue0123";

TEST_F(BundleWriterTest, PlantedSecretsAreGoneAndCountedAndTheManifestChecksOut) {
  const fs::path bundle = dir_.path() / "bundle.zip";
  Result<std::unique_ptr<BundleWriter>> writer =
      BundleWriter::Create(bundle, {.known_secrets = {kHash}});
  ASSERT_TRUE(writer) << writer.error().ToString();
  ASSERT_TRUE(
      (*writer)
          ->Add("file:/etc/app.yaml", "10.0.0.1_master/files/etc/app.yaml", false,
                Text("db:\n  password: PlantedPassword1\nsuperuser: " + std::string(kHash) + "\n"))
          .ok());
  ASSERT_TRUE((*writer)
                  ->Add("cmd:env", "10.0.0.1_master/commands/env", false,
                        Text("HOME=/root\nAPI_TOKEN=PlantedToken22\nproxy=http://u:PlantedUrl@p/\n"
                             "-----BEGIN RSA PRIVATE KEY-----\nPlantedKeyBody\n"
                             "-----END RSA PRIVATE KEY-----\nAuthorization: Bearer "
                             "PlantedBearer333\n"))
                  .ok());
  ASSERT_TRUE((*writer)->Commit().ok());

  const fs::path out = Unpack(bundle);
  const testing::ShellResult grep = RunShell("grep -r Planted " + ShellQuoted(out));
  EXPECT_EQ(grep.exit_code, 1) << "a planted secret is in the bundle:\n" << grep.output;
  EXPECT_EQ(RunShell("cat " + ShellQuoted(out / "10.0.0.1_master/files/etc/app.yaml")).output,
            "db:\n  password: [REDACTED]\nsuperuser: [REDACTED]\n");

  const nlohmann::json manifest = Manifest(out);
  EXPECT_EQ(manifest["schema"], "flightcheck/bundle-manifest/v1");
  EXPECT_EQ(manifest["redacted"], true);
  ASSERT_EQ(manifest["items"].size(), 2u);
  for (const nlohmann::json& item : manifest["items"]) {
    const std::string file = (out / item["path"].get<std::string>()).string();
    EXPECT_EQ(RunShell("sha256sum " + ShellQuoted(file) + " | cut -d' ' -f1").output,
              item["sha256"].get<std::string>() + "\n");
    EXPECT_EQ(fs::file_size(file), item["bytes"].get<uint64_t>());
    EXPECT_TRUE(item["error"].is_null());
  }
  std::map<std::string, int> counts;
  for (const nlohmann::json& r : manifest["redactions"]) {
    counts[r["rule"].get<std::string>()] += r["count"].get<int>();
  }
  EXPECT_EQ(counts, (std::map<std::string, int>{{"authorization", 1},
                                                {"known-secret", 1},
                                                {"private-key", 1},
                                                {"secret-value", 2},
                                                {"url-credentials", 1}}));
  EXPECT_THAT(manifest.dump(), Not(HasSubstr("Planted")));
}

TEST_F(BundleWriterTest, FailuresTruncationAndNoRedact) {
  const fs::path bundle = dir_.path() / "b.zip";
  Result<std::unique_ptr<BundleWriter>> writer =
      BundleWriter::Create(bundle, {.redact = false, .max_item_bytes = 10});
  ASSERT_TRUE(writer);
  BundleWriter& w = **writer;
  ASSERT_TRUE(w.Add("cmd:long", "long.txt", false, Text("0123456789abcdef password=kept")).ok());
  ASSERT_TRUE(w.Add("cmd:hang", "hang.txt", false,
                    Text("partial", Status::Timeout("killed at its timeout of 1s")))
                  .ok());
  ASSERT_TRUE(
      w.Add("journal:x.service", "x.log", true, Text("", Status::Unavailable("no journal"))).ok());
  ASSERT_TRUE(w.Commit().ok());
  const fs::path out = Unpack(bundle);
  EXPECT_EQ(RunShell("cat " + ShellQuoted(out / "long.txt")).output, "0123456789");
  EXPECT_EQ(RunShell("cat " + ShellQuoted(out / "hang.txt")).output,
            "partial\nflightcheck: timeout: killed at its timeout of 1s\n");
  EXPECT_FALSE(fs::exists(out / "x.log"));  // a required item that failed has no entry
  EXPECT_EQ(RunShell("cat " + ShellQuoted(out / "summaryErrorsReport.txt")).output,
            "journal:x.service: unavailable: no journal\n");
  const nlohmann::json manifest = Manifest(out);
  EXPECT_EQ(manifest["redacted"], false);
  EXPECT_EQ(manifest["items"][0]["truncated"], true);
  EXPECT_EQ(manifest["items"][1]["error"], "timeout: killed at its timeout of 1s");
  EXPECT_EQ(manifest["errors"].size(), 2u);
}

TEST_F(BundleWriterTest, EntryNamesThatEscapeAreRefused) {
  for (const char* name : {"../x", "/etc/passwd", "a/../../b", "a//b", "./a", "a\\b", ""}) {
    EXPECT_EQ(CheckEntryName(name).code(), ErrorCode::kInvalidArgument) << name;
  }
  EXPECT_THAT(CheckEntryName("../x").message(),
              HasSubstr("entry name '../x' has an empty, '.' or '..' part"));
  EXPECT_THAT(CheckEntryName(std::string("a\0b", 3)).message(), HasSubstr("NUL"));
  EXPECT_TRUE(CheckEntryName("10.0.0.1_master/files/etc/hosts").ok());

  const fs::path bundle = dir_.path() / "escape.zip";
  Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(bundle, {});
  ASSERT_TRUE(writer);
  EXPECT_FALSE((*writer)->Add("x", "../../etc/cron.d/x", false, Text("boom")).ok());
  EXPECT_FALSE((*writer)->Commit().ok());  // abandoned
  writer->reset();
  EXPECT_FALSE(fs::exists(bundle));
}

// The disk fills mid-bundle (a file size limit stands in for it: the same write(2) error): the
// bundle says so and nothing is left, neither the bundle nor a temporary or spool file.
TEST_F(BundleWriterTest, AFullOutputLeavesNoPartialBundle) {
  const fs::path bundle = dir_.path() / "full.zip";
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto* previous = ::signal(SIGXFSZ, SIG_IGN);
  Status status;
  {
    Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(bundle, {});
    ASSERT_TRUE(writer);
    const rlimit small{.rlim_cur = 256 << 10, .rlim_max = old.rlim_max};
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    std::string log;
    for (int i = 0; i < 40000; ++i) log += fmt::format("line {} of a big journal\n", i * 7919);
    status = (*writer)->Add("journal:big.service", "big.log", false, Text(log));
    if (status.ok()) status = (*writer)->Commit();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, previous);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("File too large")) << status.ToString();
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator()), 0);
}

// AddAll runs jobs producers at once (each waits until all four run: sequential collection
// would time out here) and the archive still lists the items in the order given.
TEST_F(BundleWriterTest, AddAllCollectsAtOnceAndKeepsTheOrder) {
  const fs::path bundle = dir_.path() / "concurrent.zip";
  Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(bundle, {});
  ASSERT_TRUE(writer);
  std::mutex mutex;
  std::condition_variable changed;
  int running = 0, most = 0;
  std::vector<ItemRequest> requests;
  for (int i = 0; i < 12; ++i) {
    requests.push_back({.source = fmt::format("cmd.{}", i),
                        .path = fmt::format("n/commands/{:02}.txt", i),
                        .producer = [&, i](ItemSink& sink) -> Status {
                          std::unique_lock lock(mutex);
                          most = std::max(most, ++running);
                          changed.notify_all();
                          // The first four meet; the later ones run while others are still running.
                          if (i < 4)
                            changed.wait_for(lock, std::chrono::seconds(10),
                                             [&] { return most >= 4; });
                          --running;
                          lock.unlock();
                          return sink.Write(fmt::format("item {}\n", i));
                        }});
  }
  std::vector<std::string> announced;
  ASSERT_TRUE((*writer)
                  ->AddAll(std::move(requests), 4, {},
                           [&](size_t done, size_t total, const std::string& path) {
                             EXPECT_EQ(total, 12u);
                             EXPECT_EQ(done, announced.size());
                             announced.push_back(path);
                           })
                  .ok());
  EXPECT_EQ(most, 4);
  ASSERT_EQ(announced.size(), 12u);
  ASSERT_TRUE((*writer)->Commit().ok());
  ASSERT_EQ((*writer)->items().size(), 12u);
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_EQ((*writer)->items()[i].path, fmt::format("n/commands/{:02}.txt", i));
  }
  const testing::ShellResult listing = RunShell("unzip -Z1 " + ShellQuoted(bundle));
  std::string expected;
  for (int i = 0; i < 12; ++i) expected += fmt::format("n/commands/{:02}.txt\n", i);
  EXPECT_EQ(listing.output, expected + "manifest.json\n");
  const fs::path unpacked = Unpack(bundle);
  EXPECT_EQ(RunShell("cat " + ShellQuoted(unpacked / "n/commands/07.txt")).output, "item 7\n");
}

// A stop ends AddAll while a producer still runs: no later item is started, the running one is
// waited for (its producer sees the stop), and nothing is committed.
TEST_F(BundleWriterTest, AddAllStopsWhenAsked) {
  const fs::path bundle = dir_.path() / "stopped.zip";
  std::atomic<int> started = 0;
  std::stop_source stop;
  Status status;
  {
    Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(bundle, {});
    ASSERT_TRUE(writer);
    std::vector<ItemRequest> requests;
    for (int i = 0; i < 6; ++i) {
      requests.push_back({.source = "cmd.hang",
                          .path = fmt::format("n/{}.txt", i),
                          .producer = [&](ItemSink&) -> Status {
                            ++started;
                            while (!stop.stop_requested()) {
                              std::this_thread::sleep_for(std::chrono::milliseconds(5));
                            }
                            return Status::Unavailable("stopped");
                          }});
    }
    std::jthread stopper([&] {
      while (started < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      stop.request_stop();
    });
    status = (*writer)->AddAll(std::move(requests), 2, stop.get_token(), nullptr);
  }
  EXPECT_EQ(status.ToString(), Status::Unavailable("stopped").ToString());
  EXPECT_EQ(started, 2);
  EXPECT_FALSE(fs::exists(bundle));
}

// An item that fails the bundle (a name that escapes) ends AddAll with its error, whatever ran
// beside it; the bundle cannot be committed.
TEST_F(BundleWriterTest, AddAllEndsAtTheFirstBundleFailure) {
  const fs::path bundle = dir_.path() / "failed.zip";
  Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(bundle, {});
  ASSERT_TRUE(writer);
  std::vector<ItemRequest> requests;
  for (int i = 0; i < 20; ++i) {
    requests.push_back({.source = "cmd",
                        .path = i == 3 ? "../escape" : fmt::format("n/{}.txt", i),
                        .producer = Text("text\n")});
  }
  const Status status = (*writer)->AddAll(std::move(requests), 3, {}, nullptr);
  EXPECT_THAT(status.message(), HasSubstr("'../escape'"));
  EXPECT_EQ((*writer)->items().size(), 3u);
  EXPECT_FALSE((*writer)->Commit().ok());
  writer->reset();
  EXPECT_FALSE(fs::exists(bundle));
}

}  // namespace
}  // namespace flightcheck
