#include <sys/stat.h>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "checks/text.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

Result<Facts> RunBinaries(const std::filesystem::path& root, const Facts& names) {
  return testing::CallProbeWithValidParams("binaries", {{"names", names}}, root,
                                           std::chrono::seconds(2));
}

TEST(BinariesProbeTest, FixtureRoot) {
  testing::ScopedTempDir root;
  for (const char* path : {"usr/bin/curl", "sbin/ipset", "usr/local/bin/curl"}) {
    ASSERT_EQ(::chmod(root.WriteFile(path, "#!/bin/sh\n").c_str(), 0755), 0);
  }
  root.WriteFile("usr/bin/notexec", "");  // mode 0644: not a program
  Result<Facts> facts =
      RunBinaries(root.path(), {"curl", "tar", "ipset", "notexec", "curl", "tar"});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["found"], Facts::array({"curl", "ipset"}));
  EXPECT_EQ((*facts)["missing"], Facts::array({"tar", "notexec"}));
  // /usr/local/bin comes first in the system PATH.
  EXPECT_EQ((*facts)["paths"], Facts({{"curl", "/usr/local/bin/curl"}, {"ipset", "/sbin/ipset"}}));
}

TEST(BinariesProbeTest, CentosFixtureAndLiveHost) {
  Result<Facts> centos = RunBinaries(testing::FixturePath("hosts/centos7"), {"systemctl", "sh"});
  ASSERT_TRUE(centos) << centos.error().ToString();
  EXPECT_EQ((*centos)["found"], Facts::array({"systemctl"}));
  EXPECT_EQ((*centos)["missing"], Facts::array({"sh"}));

  Result<Facts> live = RunBinaries("/", "sh");  // a scalar becomes a one-element list
  ASSERT_TRUE(live) << live.error().ToString();
  EXPECT_EQ((*live)["found"], Facts::array({"sh"}));
  EXPECT_TRUE(StartsWith((*live)["paths"]["sh"].get<std::string>(), "/"));
}

TEST(BinariesProbeTest, PathsAreRejected) {
  Result<Facts> facts = RunBinaries("/", {"sh", "/bin/sh"});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(facts.error().message().find("'/bin/sh' is not a program name"), std::string::npos);
}

}  // namespace
}  // namespace flightcheck
