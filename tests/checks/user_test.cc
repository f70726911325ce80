#include "checks/user.h"

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(UserParseTest, FindPasswdEntry) {
  constexpr std::string_view kPasswd =
      "root:x:0:0:root:/root:/bin/bash\n"
      "dcos_exhibitor:x:996:994::/opt/mesosphere:\n"
      "+nisuser::::::\n"
      "short:x:1:1:/home/short:/bin/sh\n"
      "badid:x:one:1::/:/bin/sh\n";
  struct Case {
    std::string_view name;
    bool ok;
    bool exists;
    int64_t uid;
    int64_t gid;
    std::string home;
    std::string shell;
  };
  const Case cases[] = {
      {"root", true, true, 0, 0, "/root", "/bin/bash"},
      {"dcos_exhibitor", true, true, 996, 994, "/opt/mesosphere", ""},
      {"dcos", true, false, 0, 0, "", ""},
      {"nobody", true, false, 0, 0, "", ""},
      {"short", false, false, 0, 0, "", ""},
      {"badid", false, false, 0, 0, "", ""},
  };
  for (const Case& c : cases) {
    Result<std::optional<PasswdEntry>> entry = FindPasswdEntry(kPasswd, c.name);
    ASSERT_EQ(entry.has_value(), c.ok) << c.name;
    if (!c.ok) {
      EXPECT_NE(entry.error().message().find("is not 'name:password:uid:gid:gecos:home:shell'"),
                std::string::npos);
      continue;
    }
    ASSERT_EQ(entry->has_value(), c.exists) << c.name;
    if (!c.exists) continue;
    EXPECT_EQ((*entry)->uid, c.uid) << c.name;
    EXPECT_EQ((*entry)->gid, c.gid) << c.name;
    EXPECT_EQ((*entry)->home, c.home) << c.name;
    EXPECT_EQ((*entry)->shell, c.shell) << c.name;
  }
}

Result<Facts> RunUser(const std::filesystem::path& root, std::string_view name) {
  return testing::CallProbeWithValidParams("user", {{"name", name}}, root, std::chrono::seconds(5));
}

TEST(UserProbeTest, FixtureRootReadsEtcPasswd) {
  Result<Facts> facts = RunUser(testing::FixturePath("hosts/centos7"), "centos");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ(*facts, Facts({{"exists", true},
                           {"uid", 1000},
                           {"gid", 1000},
                           {"home", "/home/centos"},
                           {"shell", "/bin/bash"}}));
  Result<Facts> missing = RunUser(testing::FixturePath("hosts/centos7"), "dcos_mesos");
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_EQ(
      *missing,
      Facts({{"exists", false}, {"uid", nullptr}, {"gid", nullptr}, {"home", ""}, {"shell", ""}}));
}

TEST(UserProbeTest, LiveHostUsesNss) {
  Result<Facts> root = RunUser("/", "root");
  ASSERT_TRUE(root) << root.error().ToString();
  EXPECT_EQ((*root)["exists"], true);
  EXPECT_EQ((*root)["uid"], 0);
  EXPECT_EQ((*root)["gid"], 0);
  EXPECT_EQ((*root)["home"], "/root");
  EXPECT_FALSE((*root)["shell"].get<std::string>().empty());
  Result<Facts> missing = RunUser("/", "flightcheck-no-such-user");
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_EQ((*missing)["exists"], false);
  EXPECT_TRUE((*missing)["uid"].is_null());
}

TEST(UserProbeTest, Errors) {
  Result<Facts> broken = RunUser(testing::FixturePath("hosts/centos7"), "broken");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code(), ErrorCode::kParseError);
  EXPECT_NE(broken.error().message().find("line 'broken:x:12:' is not"), std::string::npos)
      << broken.error().message();
  Result<Facts> bad_name = RunUser("/", "");
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace flightcheck
