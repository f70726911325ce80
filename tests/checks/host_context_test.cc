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

TEST(HostContextTest, TheLiveRootByAnotherNameBecomesSlash) {
  testing::ScopedTempDir dir;
  const std::filesystem::path link = dir.path() / "slash";
  std::filesystem::create_directory_symlink("/", link);
  EXPECT_FALSE(HostContext{.root = link}.IsLiveRoot());
  EXPECT_EQ(HostContext::LiveRootAsSlash(link), "/");
  EXPECT_EQ(HostContext::LiveRootAsSlash("/."), "/");
  EXPECT_TRUE(HostContext{.root = "//"}.IsLiveRoot());
  EXPECT_TRUE(HostContext{.root = "/./"}.IsLiveRoot());
  EXPECT_TRUE(HostContext{.root = "/.."}.IsLiveRoot());  // ".." stays at the root
  EXPECT_FALSE(HostContext{.root = "/tmp"}.IsLiveRoot());
  EXPECT_FALSE(HostContext{.root = "."}.IsLiveRoot());
  EXPECT_EQ(HostContext::LiveRootAsSlash(dir.path()), dir.path());
  EXPECT_EQ(HostContext::LiveRootAsSlash(dir.path() / "absent"), dir.path() / "absent");
}

// Links are resolved under the root however the root is spelled (trailing slashes, relative).
TEST(HostContextTest, ResolvePathFollowsLinksUnderTheRoot) {
  testing::ScopedTempDir dir;
  dir.WriteFile("data/opt/file", "x");
  std::filesystem::create_directory_symlink("/data/opt", dir.path() / "opt");     // absolute
  std::filesystem::create_directory_symlink("../data", dir.path() / "etc-data");  // relative
  std::filesystem::create_symlink("loop-b", dir.path() / "loop-a");
  std::filesystem::create_symlink("loop-a", dir.path() / "loop-b");
  const std::filesystem::path relative =
      std::filesystem::relative(dir.path(), std::filesystem::current_path());
  for (const std::filesystem::path& root :
       {dir.path(), std::filesystem::path(dir.path().string() + "//"), relative}) {
    SCOPED_TRACE(root.string());
    const HostContext host{.root = root};
    EXPECT_EQ(*host.ResolvePath("/opt/file"), "/data/opt/file");
    EXPECT_EQ(*host.ResolvePath("/etc-data/opt/file"), "/data/opt/file");
    EXPECT_EQ(*host.ResolvePath("/opt", /*follow_last=*/false), "/opt");
    EXPECT_EQ(*host.ResolvePath("/../../opt/./file"), "/data/opt/file");
    // After a component that does not exist, the rest is kept as written (not followed).
    EXPECT_EQ(*host.ResolvePath("/absent/../opt"), "/opt");
    EXPECT_EQ(host.ResolvePath("/loop-a").error().ToString(),
              "invalid argument: resolving /loop-a: Too many levels of symbolic links");
    EXPECT_EQ(*host.LocalPath("/opt/file"), host.HostPath("/data/opt/file"));
  }
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
