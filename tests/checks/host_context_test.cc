#include "checks/host_context.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(HostContextTest, PathsAreUnderTheRoot) {
  testing::ScopedTempDir root;
  HostContext host{.root = root.path()};
  EXPECT_EQ(host.HostPath("/etc/os-release"), root.path() / "etc/os-release");
  EXPECT_EQ(host.HostPath("etc/x"), root.path() / "etc/x");
  EXPECT_FALSE(host.IsLiveRoot());
  EXPECT_TRUE(HostContext{}.IsLiveRoot());
}

TEST(HostContextTest, ReadFileDistinguishesAbsentFromUnreadableAndTooLarge) {
  testing::ScopedTempDir root;
  root.WriteFile("etc/small", "abc");
  root.WriteFile("etc/large", std::string(100, 'x'));
  HostContext host{.root = root.path()};
  EXPECT_EQ(*host.ReadFile("/etc/small"), "abc");
  EXPECT_TRUE(host.ReadFile("/etc/absent").error().IsNotFound());
  EXPECT_EQ(host.ReadFile("/etc/large", 10).error().ToString(),
            "invalid argument: '/etc/large' is larger than 10 bytes");
  EXPECT_EQ(host.ReadFile("/etc").error().ToString(),
            "invalid argument: '/etc' is a directory, not a regular file");
}

TEST(HostContextTest, FindExecutableSearchesTheSystemPathUnderRoot) {
  testing::ScopedTempDir root;
  const auto tool = root.WriteFile("usr/sbin/ipset", "#!/bin/sh\n");
  ::chmod(tool.c_str(), 0755);
  root.WriteFile("usr/bin/notexec", "data");
  HostContext host{.root = root.path()};
  for (const auto& [name, expected] :
       std::vector<std::pair<std::string, std::optional<std::string>>>{
           {"ipset", "/usr/sbin/ipset"},
           {"notexec", std::nullopt},
           {"missing", std::nullopt},
           {"../etc/passwd", std::nullopt}}) {
    Result<std::optional<std::string>> found = host.SearchSystemPath(name);
    ASSERT_TRUE(found) << name << ": " << found.error().ToString();
    EXPECT_EQ(*found, expected) << name;
    EXPECT_EQ(host.FindExecutable(name), expected) << name;
  }
}

}  // namespace
}  // namespace flightcheck
