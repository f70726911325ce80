#include "checks/selinux.h"

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(SelinuxParseTest, Config) {
  struct Case {
    std::string_view text;
    std::string mode;
    std::string policy;
  };
  const Case cases[] = {
      {"SELINUX=enforcing\nSELINUXTYPE=targeted\n", "enforcing", "targeted"},
      {"# SELINUX=enforcing\nSELINUX=Permissive\n", "permissive", ""},
      {"SELINUX = \"disabled\"\n", "disabled", ""},
      {"", "", ""},
  };
  for (const Case& c : cases) {
    const SelinuxConfig config = ParseSelinuxConfig(c.text);
    EXPECT_EQ(config.mode, c.mode) << c.text;
    EXPECT_EQ(config.policy, c.policy) << c.text;
  }
}

TEST(SelinuxParseTest, Enforce) {
  EXPECT_EQ(ParseSelinuxEnforce("1\n"), "enforcing");
  EXPECT_EQ(ParseSelinuxEnforce("0"), "permissive");
  EXPECT_EQ(ParseSelinuxEnforce("2"), "");
}

Result<Facts> RunSelinux(const std::filesystem::path& root) {
  return testing::CallProbe("selinux", Params::object(), root, std::chrono::seconds(2));
}

TEST(SelinuxProbeTest, FixtureRoots) {
  struct Case {
    const char* root;
    const char* mode;
    const char* config_mode;
  };
  const Case cases[] = {
      {"hosts/centos7-enforcing", "enforcing", "enforcing"},
      {"hosts/permissive", "permissive", "permissive"},
      {"hosts/no-selinux", "disabled", "disabled"},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunSelinux(testing::FixturePath(c.root));
    ASSERT_TRUE(facts) << facts.error().ToString();
    EXPECT_EQ((*facts)["mode"], c.mode) << c.root;
    EXPECT_EQ((*facts)["config_mode"], c.config_mode) << c.root;
  }
}

TEST(SelinuxProbeTest, AbsentEverywhereIsDisabledNotAnError) {
  testing::ScopedTempDir root;
  Result<Facts> facts = RunSelinux(root.path());
  ASSERT_TRUE(facts);
  EXPECT_EQ((*facts)["mode"], "disabled");
  EXPECT_EQ((*facts)["config_mode"], "");
}

TEST(SelinuxProbeTest, GarbledEnforceIsAnError) {
  testing::ScopedTempDir root;
  root.WriteFile("sys/fs/selinux/enforce", "maybe\n");
  Result<Facts> facts = RunSelinux(root.path());
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kParseError);
  EXPECT_NE(facts.error().message().find("maybe"), std::string::npos);
}

}  // namespace
}  // namespace flightcheck
