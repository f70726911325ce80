#include "checks/install_record.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(InstallRecordTest, ParsesTheLinesInstallShWrites) {
  Result<std::optional<InstallRecord>> record = ParseInstallRecord(
      "artifact=flightcheck-0123\nconfig_hash=aaa\ncluster_hash=ccc\nrole=master\nfuture=x\n");
  ASSERT_TRUE(record) << record.error().ToString();
  ASSERT_TRUE(*record);
  EXPECT_EQ((*record)->artifact, "flightcheck-0123");
  EXPECT_EQ((*record)->config_hash, "aaa");
  EXPECT_EQ((*record)->cluster_hash, "ccc");
  EXPECT_EQ((*record)->role, "master");
  EXPECT_EQ((*record)->installed_at, "");
  Result<std::optional<InstallRecord>> with_time = ParseInstallRecord(
      "# written by install.sh\n\nartifact=flightcheck-0123\ninstalled_at=2026-01-02T03:04:05Z\n");
  ASSERT_TRUE(with_time && *with_time);
  EXPECT_EQ((*with_time)->installed_at, "2026-01-02T03:04:05Z");
}

TEST(InstallRecordTest, NoRecordAndBrokenRecords) {
  Result<std::optional<InstallRecord>> empty = ParseInstallRecord("");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty);
  Result<std::optional<InstallRecord>> blank = ParseInstallRecord(" \n\n");
  ASSERT_TRUE(blank);
  EXPECT_FALSE(*blank);
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"role=master\n", "parse error: no artifact= line: not a complete install record"},
      {"artifact=\nrole=master\n", "parse error: no artifact= line: not a complete install record"},
      {"artifact=flightcheck-0123\ngarbage\n",
       "parse error: line 2: expected key=value, got 'garbage'"},
      {"artifact=a\n=value\n", "parse error: line 2: expected key=value, got '=value'"},
      {std::string(kMaxInstallRecordBytes + 1, '='),
       "parse error: larger than 65536 bytes: not an install record"},
  };
  for (const Case& c : cases) {
    Result<std::optional<InstallRecord>> record = ParseInstallRecord(c.text);
    ASSERT_FALSE(record) << c.text.substr(0, 40);
    EXPECT_EQ(record.error().ToString(), c.error);
  }
}

TEST(InstalledProbeTest, NoRecordIsNotInstalled) {
  testing::ScopedTempDir root;
  Result<Facts> facts = testing::CallProbe("installed", Params::object(), root.path());
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ(*facts, Facts({{"installed", false},
                           {"role", ""},
                           {"artifact", ""},
                           {"config_hash", ""},
                           {"cluster_hash", ""},
                           {"installed_at", ""}}));
}

TEST(InstalledProbeTest, RecordUnderRootWithItsModificationTime) {
  testing::ScopedTempDir root;
  const std::filesystem::path record = root.WriteFile(
      "opt/mesosphere/.flightcheck-installed",
      "artifact=flightcheck-0123\nconfig_hash=aaa\ncluster_hash=ccc\nrole=agent_public\n");
  const timespec times[2] = {{1767322800, 0}, {1767322800, 0}};  // 2026-01-02T03:00:00Z
  ASSERT_EQ(::utimensat(AT_FDCWD, record.c_str(), times, 0), 0);
  Result<Facts> facts = testing::CallProbe("installed", Params::object(), root.path());
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ(*facts, Facts({{"installed", true},
                           {"role", "agent_public"},
                           {"artifact", "flightcheck-0123"},
                           {"config_hash", "aaa"},
                           {"cluster_hash", "ccc"},
                           {"installed_at", "2026-01-02T03:00:00Z"}}));
}

TEST(InstalledProbeTest, OtherPrefixAndRecordedTime) {
  testing::ScopedTempDir root;
  root.WriteFile("srv/fc/.flightcheck-installed",
                 "artifact=flightcheck-9\nrole=master\ninstalled_at=2026-03-04T05:06:07Z\n");
  Result<Facts> facts = testing::CallProbe("installed", {{"prefix", "/srv/fc/"}}, root.path());
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["installed"], true);
  EXPECT_EQ((*facts)["role"], "master");
  EXPECT_EQ((*facts)["installed_at"], "2026-03-04T05:06:07Z");
  Result<Facts> default_prefix = testing::CallProbe("installed", Params::object(), root.path());
  ASSERT_TRUE(default_prefix);
  EXPECT_EQ((*default_prefix)["installed"], false);
}

TEST(InstalledProbeTest, MalformedRecordIsAnErrorNamingFileAndLine) {
  testing::ScopedTempDir root;
  root.WriteFile("opt/mesosphere/.flightcheck-installed", "artifact=flightcheck-0123\n<<<\n");
  Result<Facts> facts = testing::CallProbe("installed", Params::object(), root.path());
  ASSERT_FALSE(facts) << facts->dump();
  EXPECT_EQ(facts.error().ToString(),
            "parse error: /opt/mesosphere/.flightcheck-installed: line 2: expected key=value, got "
            "'<<<'");
  root.WriteFile("opt/mesosphere/.flightcheck-installed", "");
  Result<Facts> empty = testing::CallProbe("installed", Params::object(), root.path());
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().ToString(),
            "parse error: /opt/mesosphere/.flightcheck-installed: empty: not a complete install "
            "record");
  Result<Facts> relative = testing::CallProbe("installed", {{"prefix", "opt"}}, root.path());
  ASSERT_FALSE(relative);
  EXPECT_EQ(relative.error().code(), ErrorCode::kInvalidArgument);
}

TEST(InstalledProbeTest, UnreadableRecordIsAnError) {
  testing::ScopedTempDir root;
  std::filesystem::create_directories(root.path() / "opt/mesosphere/.flightcheck-installed");
  Result<Facts> facts = testing::CallProbe("installed", Params::object(), root.path());
  ASSERT_FALSE(facts) << facts->dump();
  EXPECT_NE(facts.error().message().find("/opt/mesosphere/.flightcheck-installed"),
            std::string::npos);
}

}  // namespace
}  // namespace flightcheck
