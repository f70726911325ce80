// Support bundles against a real journald (TESTBED.md: a systemd user manager and its journald in
// a mount namespace): a unit logs planted secrets, the bundle holds its journal, and none of the
// secrets is anywhere in the unpacked bundle, each counted in the redaction report.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "checks/journal_reader.h"
#include "collector/bundle_writer.h"
#include "collector/sources.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/systemd_user_manager.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr char kSecretsUnit[] =
    "[Unit]\nDescription=logs secrets\n[Service]\nType=oneshot\n"
    "ExecStart=/bin/sh -c 'echo password=PlantedJournalPw; echo \"Authorization: Bearer "
    "PlantedJournalBearer\"; echo -----BEGIN OPENSSH PRIVATE KEY-----; echo PlantedJournalKey; "
    "echo -----END OPENSSH PRIVATE KEY-----; echo superuser PlantedHash6salt; echo "
    "fcb-last-line; sleep 0.3'\n";

TEST(BundleIntegrationTest, AJournalWithPlantedSecretsLeavesNoneInTheBundle) {
  SystemdUserManager manager;
  ASSERT_EQ(manager.Start(), "");
  manager.WriteUnit("fcb-secrets.service", kSecretsUnit);
  ASSERT_EQ(manager.Systemctl({"daemon-reload"}), 0);
  ASSERT_EQ(manager.Systemctl({"start", "fcb-secrets.service"}), 0) << manager.log();
  HostContext host;
  host.journal_directory = manager.journal_directory().string();
  // journald writes asynchronously: wait for the unit's last line.
  bool logged = false;
  for (auto until = std::chrono::steady_clock::now() + milliseconds(10000);
       !logged && std::chrono::steady_clock::now() < until;) {
    Result<std::vector<JournalEntry>> entries = ReadUnitJournal(
        host,
        {.unit = "fcb-secrets.service", .max_lines = 100, .since_realtime_usec = std::nullopt},
        Deadline::In(milliseconds(2000)));
    for (const JournalEntry& entry : entries ? *entries : std::vector<JournalEntry>{}) {
      logged = logged || entry.message == "fcb-last-line";
    }
    if (!logged) std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(logged) << manager.log();

  ScopedTempDir dir;
  const fs::path bundle = dir.path() / "bundle.zip";
  Result<std::unique_ptr<BundleWriter>> writer =
      BundleWriter::Create(bundle, {.known_secrets = {"PlantedHash6salt"}});
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)
                  ->Add("journal:fcb-secrets.service", "127.0.0.1_master/journal/fcb-secrets.log",
                        true,
                        UnitJournal(host, "fcb-secrets.service", std::nullopt, milliseconds(10000)))
                  .ok());
  // The same journal capped: the walk stops and the item says it was cut.
  ASSERT_TRUE((*writer)
                  ->Add("journal:fcb-secrets.service", "127.0.0.1_master/journal/capped.log", false,
                        UnitJournal(host, "fcb-secrets.service", std::nullopt, milliseconds(10000)),
                        200)
                  .ok());
  ASSERT_TRUE((*writer)->Commit().ok());

  const fs::path out = dir.path() / "unpacked";
  fs::create_directories(out);
  ASSERT_EQ(RunShell("unzip -q " + ShellQuoted(bundle) + " -d " + ShellQuoted(out)).exit_code, 0);
  const ShellResult grep = RunShell("grep -r Planted " + ShellQuoted(out));
  EXPECT_EQ(grep.exit_code, 1) << grep.output;
  const std::string log =
      RunShell("cat " + ShellQuoted(out / "127.0.0.1_master/journal/fcb-secrets.log")).output;
  EXPECT_THAT(log, HasSubstr("password=[REDACTED]"));
  EXPECT_THAT(log, HasSubstr("fcb-last-line"));
  const nlohmann::json manifest =
      nlohmann::json::parse(RunShell("cat " + ShellQuoted(out / "manifest.json")).output);
  std::map<std::string, int> counts;
  for (const nlohmann::json& r : manifest["redactions"]) {
    if (r["path"] == "127.0.0.1_master/journal/fcb-secrets.log") {
      counts[r["rule"].get<std::string>()] += r["count"].get<int>();
    }
  }
  EXPECT_EQ(
      counts,
      (std::map<std::string, int>{
          {"authorization", 1}, {"known-secret", 1}, {"private-key", 1}, {"secret-value", 1}}))
      << manifest.dump(2);
  EXPECT_EQ(manifest["items"][0]["error"], nullptr);
  EXPECT_EQ(manifest["items"][0]["truncated"], false);
  EXPECT_EQ(manifest["items"][1]["truncated"], true);
  EXPECT_EQ(manifest["items"][1]["bytes"], 200);

  // `bundle create` with a journal source: its glob and plain names select among the units the
  // journal holds (no manager asked), a unit that never logged has no file.
  dir.WriteFile("sources.yaml",
                "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                "  - id: journal.fcb\n    journal: {units: [\"fcb-*.service\", "
                "fcb-never-logged.service]}\n");
  fs::create_directories(dir.path() / "cli");
  const ShellResult run =
      RunShell(ShellQuoted(FLIGHTCHECK_BINARY) + " bundle create --role master --ip 127.0.0.1 " +
               "--no-builtin-sources --sources " + ShellQuoted(dir.path() / "sources.yaml") +
               " --journal-dir " + ShellQuoted(host.journal_directory) +
               " --systemd-bus unix:path=/none" + " --output " + ShellQuoted(dir.path() / "cli"));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const std::string listing =
      RunShell("unzip -Z1 " + ShellQuoted(dir.path() / "cli") + "/bundle-*.zip").output;
  EXPECT_THAT(listing, HasSubstr("127.0.0.1_master/journal/fcb-secrets.service.log\n"));
  EXPECT_THAT(listing, ::testing::Not(HasSubstr("fcb-never-logged")));
  EXPECT_NE(RunShell("unzip -p " + ShellQuoted(dir.path() / "cli") +
                     "/bundle-*.zip | grep -q PlantedJournalPw")
                .exit_code,
            0);
}

// A full filesystem mid-bundle (a real 1 MiB tmpfs as the output directory, a source far larger):
// `bundle create` says so and leaves no partial archive, not even a temporary file.
TEST(BundleIntegrationTest, AFullFilesystemMidBundleLeavesNoPartialArchive) {
  ASSERT_EQ(::geteuid(), 0u) << "mounting a tmpfs needs root";
  ScopedTempDir dir;
  const fs::path out = dir.path() / "small";
  fs::create_directories(out);
  ASSERT_EQ(RunShell("mount -t tmpfs -o size=1m tmpfs " + ShellQuoted(out)).exit_code, 0);
  dir.WriteFile("sources.yaml",
                "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                "  - id: file.small\n    file: {path: /etc/hostname}\n"
                "  - id: cmd.big\n    command: {argv: [sh, -c, \"head -c 8000000 /dev/urandom | "
                "base64\"]}\n");
  const ShellResult run = RunShell(
      ShellQuoted(FLIGHTCHECK_BINARY) + " bundle create --role agent --no-builtin-sources " +
      "--sources " + ShellQuoted(dir.path() / "sources.yaml") + " --output " + ShellQuoted(out));
  const std::string listing = RunShell("ls -A " + ShellQuoted(out)).output;
  const ShellResult unmounted = RunShell("umount " + ShellQuoted(out));
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr("no bundle was written"));
  EXPECT_THAT(run.output, HasSubstr("No space left on device"));
  EXPECT_EQ(listing, "") << "something was left on the full filesystem";
  EXPECT_EQ(unmounted.exit_code, 0) << unmounted.output;
}

}  // namespace
}  // namespace flightcheck::testing
