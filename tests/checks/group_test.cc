#include "checks/group.h"

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(GroupParseTest, FindGroupEntry) {
  constexpr std::string_view kGroup =
      "root:x:0:\ndocker:x:994:alice,bob\ndocker2:x:995:\n+nis::::\nbad:x::\nshort:x\n";
  struct Case {
    std::string_view name;
    bool ok;
    std::optional<int64_t> gid;
  };
  const Case cases[] = {
      {"root", true, 0},
      {"docker", true, 994},
      {"docker2", true, 995},
      {"dock", true, std::nullopt},
      {"nobody", true, std::nullopt},
      {"bad", false, std::nullopt},
      {"short", false, std::nullopt},
  };
  for (const Case& c : cases) {
    Result<std::optional<GroupEntry>> entry = FindGroupEntry(kGroup, c.name);
    ASSERT_EQ(entry.has_value(), c.ok) << c.name;
    if (!c.ok) {
      EXPECT_NE(entry.error().message().find("has no numeric group id"), std::string::npos);
      continue;
    }
    EXPECT_EQ(entry->has_value(), c.gid.has_value()) << c.name;
    if (c.gid) {
      EXPECT_EQ((*entry)->gid, *c.gid) << c.name;
    }
  }
}

Result<Facts> RunGroup(const std::filesystem::path& root, std::string_view name) {
  return testing::CallProbeWithValidParams("group", {{"name", name}}, root,
                                           std::chrono::seconds(5));
}

TEST(GroupProbeTest, FixtureRootReadsEtcGroup) {
  struct Case {
    const char* name;
    bool exists;
    Facts gid;
  };
  const Case cases[] = {
      {"docker", true, 994},
      {"root", true, 0},
      {"nogroup", true, 65534},
      {"nixbld", false, nullptr},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunGroup(testing::FixturePath("hosts/centos7"), c.name);
    ASSERT_TRUE(facts) << facts.error().ToString();
    EXPECT_EQ((*facts)["exists"], c.exists) << c.name;
    EXPECT_EQ((*facts)["gid"], c.gid) << c.name;
  }
}

TEST(GroupProbeTest, RootWithoutEtcGroupHasNoGroups) {
  testing::ScopedTempDir root;
  Result<Facts> facts = RunGroup(root.path(), "docker");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["exists"], false);
}

TEST(GroupProbeTest, LiveHostUsesNss) {
  Result<Facts> root = RunGroup("/", "root");
  ASSERT_TRUE(root) << root.error().ToString();
  EXPECT_EQ((*root)["exists"], true);
  EXPECT_EQ((*root)["gid"], 0);
  Result<Facts> missing = RunGroup("/", "flightcheck-no-such-group");
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_EQ((*missing)["exists"], false);
  EXPECT_TRUE((*missing)["gid"].is_null());
}

TEST(GroupProbeTest, Errors) {
  Result<Facts> broken = RunGroup(testing::FixturePath("hosts/centos7"), "broken");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code(), ErrorCode::kParseError);
  EXPECT_NE(broken.error().message().find("'broken:x:notanumber:' has no numeric group id"),
            std::string::npos)
      << broken.error().message();
  Result<Facts> bad_name = RunGroup("/", "a:b");
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_name.error().message().find("'a:b' is not a group name"), std::string::npos);
}

}  // namespace
}  // namespace flightcheck
