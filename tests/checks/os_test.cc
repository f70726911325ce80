#include "checks/os.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(OsParseTest, OsRelease) {
  struct Case {
    std::string_view text;
    std::string id;
    std::string version_id;
    std::string name;
    std::vector<std::string> id_like;
  };
  const Case cases[] = {
      {"ID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\n"
       "PRETTY_NAME=\"CentOS Linux 7 (Core)\"\n",
       "centos",
       "7",
       "CentOS Linux 7 (Core)",
       {"rhel", "fedora"}},
      {"ID=debian\nVERSION_ID=\"12\"\nNAME=\"Debian GNU/Linux\"\n",
       "debian",
       "12",
       "Debian GNU/Linux",
       {}},
      {"# ID=wrong\nID='alpine'\nID_LIKE=\"\"\n", "alpine", "", "", {}},
      {"", "", "", "", {}},
  };
  for (const Case& c : cases) {
    const OsRelease release = ParseOsRelease(c.text);
    EXPECT_EQ(release.id, c.id) << c.text;
    EXPECT_EQ(release.version_id, c.version_id) << c.text;
    EXPECT_EQ(release.name, c.name) << c.text;
    EXPECT_EQ(release.id_like, c.id_like) << c.text;
  }
}

TEST(OsParseTest, SystemdVersion) {
  struct Case {
    std::string_view text;
    std::optional<int64_t> version;
  };
  const Case cases[] = {
      {"systemd 252 (252.22-1~deb12u1)\n+PAM +AUDIT\n", 252},
      {"systemd 219\n+PAM\n", 219},
      {"systemd 255 (255.4-1ubuntu8)", 255},
      {"systemd\n", std::nullopt},
      {"systemd v252\n", std::nullopt},
      {"\nsystemd 252\n", std::nullopt},
      {"", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseSystemdVersion(c.text), c.version) << c.text;
}

Result<Facts> RunOs(const std::filesystem::path& root) {
  return testing::CallProbe("os", Params::object(), root, std::chrono::seconds(5));
}

TEST(OsProbeTest, Centos7) {
  Result<Facts> facts = RunOs(testing::FixturePath("hosts/centos7"));
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["os_release_found"], true);
  EXPECT_EQ((*facts)["id"], "centos");
  EXPECT_EQ((*facts)["version_id"], "7");
  EXPECT_EQ((*facts)["name"], "CentOS Linux 7 (Core)");
  EXPECT_EQ((*facts)["id_like"], Facts::array({"rhel", "fedora"}));
  EXPECT_EQ((*facts)["kernel_release"], "3.10.0-1160.el7.x86_64");
  EXPECT_EQ((*facts)["kernel_version"], "#1 SMP Mon Oct 19 16:18:59 UTC 2020");
  EXPECT_EQ((*facts)["systemd_installed"], true);
  EXPECT_EQ((*facts)["systemd_version"], 219);
}

TEST(OsProbeTest, Debian12ThroughRelativeSymlink) {
  Result<Facts> facts = RunOs(testing::FixturePath("hosts/debian12"));
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["id"], "debian");
  EXPECT_EQ((*facts)["version_id"], "12");
  EXPECT_EQ((*facts)["name"], "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ((*facts)["id_like"], Facts::array());
  EXPECT_EQ((*facts)["kernel_release"], "6.1.0-18-amd64");
  EXPECT_EQ((*facts)["systemd_version"], 252);
}

TEST(OsProbeTest, NoOsReleaseIsAFactNotAnError) {
  Result<Facts> facts = RunOs(testing::FixturePath("hosts/no-os-release"));
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["os_release_found"], false);
  EXPECT_EQ((*facts)["id"], "");
  EXPECT_EQ((*facts)["name"], "");
  EXPECT_EQ((*facts)["kernel_release"], "5.15.0-custom");
  EXPECT_EQ((*facts)["kernel_version"], "");
  EXPECT_EQ((*facts)["systemd_installed"], false);
  EXPECT_TRUE((*facts)["systemd_version"].is_null());
}

TEST(OsProbeTest, FallsBackToUsrLibOsRelease) {
  testing::ScopedTempDir root;
  root.WriteFile("usr/lib/os-release", "ID=fedora\nVERSION_ID=39\n");
  Result<Facts> facts = RunOs(root.path());
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["os_release_found"], true);
  EXPECT_EQ((*facts)["id"], "fedora");
  EXPECT_EQ((*facts)["version_id"], "39");
}

TEST(OsProbeTest, UnparseableSystemctlOutputIsAnError) {
  testing::ScopedTempDir root;
  const auto script = root.WriteFile("usr/bin/systemctl", "#!/bin/sh\necho 'not systemd'\n");
  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  Result<Facts> facts = RunOs(root.path());
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kParseError);
  EXPECT_NE(facts.error().message().find("printed 'not systemd'"), std::string::npos)
      << facts.error().message();
}

TEST(OsProbeTest, FailingSystemctlIsAnError) {
  testing::ScopedTempDir root;
  const auto script = root.WriteFile("usr/bin/systemctl", "#!/bin/sh\necho broken >&2\nexit 3\n");
  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  Result<Facts> facts = RunOs(root.path());
  ASSERT_FALSE(facts);
  EXPECT_NE(facts.error().message().find("exited with 3: broken"), std::string::npos)
      << facts.error().message();
}

}  // namespace
}  // namespace flightcheck
