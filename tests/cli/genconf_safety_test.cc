// `flightcheck genconf` when runs are interrupted or overlap (issue 8): a run killed while it
// writes leaves nothing a later run keeps, and of two concurrent runs one is refused, naming the
// other, so artifact.json always names an artifact that exists.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/scoped_fd.h"
#include "checks/text.h"
#include "installer/genconf.h"
#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ReadTextFile;
using testing::RunFlightcheck;
using testing::ScopedTempDir;

constexpr std::chrono::seconds kPatience(60);

std::string Config(std::string_view cluster_name) {
  return fmt::format(R"(cluster_name: {}
bootstrap_url: http://192.0.2.1:8080
master_discovery: static
exhibitor_storage_backend: static
master_list: [10.0.0.1]
agent_list: [10.0.0.2]
ip_detect_filename: genconf/ip-detect
superuser_username: admin
superuser_password_hash: $6$rounds=656000$saltsaltsaltsalt$secrethashvalue
)",
                     cluster_name);
}

// The start time in a refusal, which a test cannot know exactly.
std::string WithoutStartTime(const std::string& text) {
  return std::regex_replace(text,
                            std::regex("started [0-9]{4}-[0-9]{2}-[0-9]{2} "
                                       "[0-9]{2}:[0-9]{2}:[0-9]{2} UTC"),
                            "started <time>");
}

// An install directory with two valid configs that give different artifacts.
class GenconfSafetyTest : public ::testing::Test {
 protected:
  GenconfSafetyTest() {
    dir_.WriteFile("genconf/ip-detect", "#!/bin/sh\necho 10.0.0.1\n");
    dir_.WriteFile("genconf/config.yaml", Config("first"));
    dir_.WriteFile("genconf/other.yaml", Config("second"));
  }

  fs::path GenconfDir() const { return dir_.path() / "genconf"; }
  fs::path Serve() const { return GenconfDir() / "serve"; }

  CliRun Genconf(const std::string& config) const {
    return RunFlightcheck({"genconf", "--config", "genconf/" + config}, dir_.path());
  }

  // Runs genconf on another thread (RunFlightcheck blocks), so the test can act while it writes.
  std::thread GenconfInBackground(const std::string& config, CliRun* run) const {
    return std::thread([this, config, run] { *run = Genconf(config); });
  }

  // The pid a genconf recorded in genconf/.lock when it took the lock; nullopt after kPatience.
  std::optional<pid_t> WaitForLockHolder() const {
    for (const auto give_up = std::chrono::steady_clock::now() + kPatience;
         std::chrono::steady_clock::now() < give_up;
         std::this_thread::sleep_for(std::chrono::milliseconds(1))) {
      const std::string record = ReadTextFile(GenconfDir() / ".lock");
      const std::vector<std::string_view> fields = SplitFields(record, " \n");
      if (fields.size() == 3 && fields[0] == "genconf") {
        if (std::optional<int64_t> pid = ParseInt64(fields[1])) return static_cast<pid_t>(*pid);
      }
    }
    return std::nullopt;
  }

  // True once pid has a file of serve/ open that is not in place yet: an unnamed O_TMPFILE
  // ("serve/#123 (deleted)") or a named temporary file.
  bool WaitUntilWritingTheArtifact(pid_t pid) const {
    const fs::path fds = fs::path("/proc") / std::to_string(pid) / "fd";
    for (const auto give_up = std::chrono::steady_clock::now() + kPatience;
         std::chrono::steady_clock::now() < give_up;) {
      std::error_code error;
      for (fs::directory_iterator it(fds, error), end; !error && it != end; it.increment(error)) {
        const std::string target = fs::read_symlink(it->path(), error).string();
        if (target.starts_with(Serve().string() + "/") &&
            (target.ends_with(" (deleted)") || target.find(".tmp-") != std::string::npos)) {
          return true;
        }
      }
    }
    return false;
  }

  std::vector<std::string> Temporaries() const {
    std::vector<std::string> names;
    for (const fs::directory_entry& entry : fs::directory_iterator(Serve())) {
      const std::string name = entry.path().filename().string();
      if (name.find(".tmp-") != std::string::npos) names.push_back(name);
    }
    return names;
  }

  // artifact.json's name, which must be a file of serve/.
  void ExpectManifestNamesAnExistingArtifact() const {
    const nlohmann::json manifest =
        nlohmann::json::parse(ReadTextFile(Serve() / "artifact.json"), nullptr, false);
    ASSERT_TRUE(manifest.is_object()) << ReadTextFile(Serve() / "artifact.json");
    const std::string name = manifest.value("name", "");
    EXPECT_TRUE(fs::is_regular_file(Serve() / name)) << "artifact.json names " << name;
    EXPECT_EQ(fs::file_size(Serve() / name), manifest.value("size", uint64_t{0}));
  }

  ScopedTempDir dir_;
};

TEST_F(GenconfSafetyTest, AGenconfKilledWhileWritingLeavesNoTemporaryFileAfterTheNextRun) {
  CliRun killed;
  std::thread run = GenconfInBackground("config.yaml", &killed);
  const std::optional<pid_t> pid = WaitForLockHolder();
  const bool writing = pid && WaitUntilWritingTheArtifact(*pid);
  if (pid) ::kill(*pid, SIGTERM);
  run.join();
  ASSERT_TRUE(pid) << "genconf never took the lock: " << killed.err;
  ASSERT_TRUE(writing) << "genconf was not seen writing the artifact: " << killed.err;
  EXPECT_EQ(killed.exit_code, -1) << "genconf was not killed by SIGTERM: " << killed.out;
  EXPECT_FALSE(fs::exists(Serve() / "artifact.json")) << "genconf finished before the signal";
  // Where the filesystem has O_TMPFILE the data went to an unnamed file, so the kill left nothing.
  if (const ScopedFd unnamed(::open(Serve().c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
      unnamed.valid()) {
    EXPECT_THAT(Temporaries(), IsEmpty());
  }

  // What a run killed on a filesystem without O_TMPFILE leaves, named as PendingFile and as
  // earlier versions (mkstemp) named it; and a file of someone else's that must stay.
  for (const char* name : {".flightcheck-0123456789abcdef.tar.gz.tmp-999999-0",
                           ".flightcheck-0123456789abcdef.tar.gz.tmp-Xy12Ab",
                           ".artifact.json.tmp-999999-1", ".notes"}) {
    dir_.WriteFile("genconf/serve/" + std::string(name), "partial");
  }
  const CliRun next = Genconf("config.yaml");
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_THAT(Temporaries(), IsEmpty());
  EXPECT_TRUE(fs::exists(Serve() / ".notes"));
  ExpectManifestNamesAnExistingArtifact();
}

TEST_F(GenconfSafetyTest, OfTwoConcurrentRunsTheSecondIsRefusedNamingTheFirst) {
  CliRun first;
  std::thread run = GenconfInBackground("config.yaml", &first);
  const std::optional<pid_t> pid = WaitForLockHolder();
  const CliRun second = Genconf("other.yaml");
  run.join();
  ASSERT_TRUE(pid) << "the first genconf never took the lock: " << first.err;
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("Generated genconf/serve/flightcheck-"));
  EXPECT_EQ(second.exit_code, 3);
  EXPECT_EQ(second.out, "");
  EXPECT_EQ(WithoutStartTime(second.err),
            fmt::format("flightcheck: error: genconf: another genconf (pid {}, started <time>) is "
                        "running in {}; run this again when it has finished\n",
                        *pid, GenconfDir().string()));
  ExpectManifestNamesAnExistingArtifact();
  EXPECT_THAT(Temporaries(), IsEmpty());
}

// Deterministic: the test holds the lock itself, as the install stages will.
TEST_F(GenconfSafetyTest, GenconfIsRefusedWhileAnotherCommandHoldsTheLock) {
  {
    Result<GenconfLock> lock = GenconfLock::Acquire(GenconfDir(), "preflight");
    ASSERT_TRUE(lock) << lock.error().ToString();
    const CliRun refused = Genconf("config.yaml");
    EXPECT_EQ(refused.exit_code, 3);
    EXPECT_EQ(WithoutStartTime(refused.err),
              fmt::format("flightcheck: error: genconf: another preflight (pid {}, started <time>) "
                          "is running in {}; run this again when it has finished\n",
                          ::getpid(), GenconfDir().string()));
    EXPECT_FALSE(fs::exists(Serve()));

    // flock locks belong to open files, so a second Acquire in this process is refused too.
    Result<GenconfLock> second = GenconfLock::Acquire(GenconfDir(), "deploy");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code(), ErrorCode::kUnavailable);
    EXPECT_THAT(second.error().message(), HasSubstr("another preflight (pid "));
  }
  const CliRun after = Genconf("config.yaml");
  EXPECT_EQ(after.exit_code, 0) << after.err;
  ExpectManifestNamesAnExistingArtifact();
}

TEST_F(GenconfSafetyTest, ALockThatIsASymlinkIsRefused) {
  fs::create_symlink(dir_.path() / "elsewhere", GenconfDir() / ".lock");
  const CliRun run = Genconf("config.yaml");
  EXPECT_EQ(run.exit_code, 65);  // ELOOP is bad input: the install directory needs fixing
  EXPECT_EQ(run.err, fmt::format("flightcheck: error: genconf: cannot open the lock file '{}': "
                                 "Too many levels of symbolic links\n",
                                 (GenconfDir() / ".lock").string()));
  EXPECT_FALSE(fs::exists(dir_.path() / "elsewhere"));
}

}  // namespace
}  // namespace flightcheck
