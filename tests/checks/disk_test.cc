#include "checks/disk.h"

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(DiskParseTest, DecodeMountField) {
  struct Case {
    std::string_view field;
    std::string decoded;
  };
  const Case cases[] = {
      {"/mnt/backup\\040disk", "/mnt/backup disk"},
      {"a\\011b\\012c", "a\tb\nc"},
      {"back\\134slash", "back\\slash"},
      {"/plain", "/plain"},
      {"short\\04", "short\\04"},
      {"not\\999octal", "not\\999octal"},
  };
  for (const Case& c : cases) EXPECT_EQ(DecodeMountField(c.field), c.decoded) << c.field;
}

TEST(DiskParseTest, MountInfoLines) {
  Result<std::vector<MountEntry>> mounts = ParseMountInfo(
      "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
      "37 35 98:1 / /srv/my\\040data ro,nodev - xfs /dev/sdb1 rw,attr2,nodev\n"
      "\n"
      "38 35 0:50 / /run/x rw shared:3 master:4 - tmpfs tmpfs\n");
  ASSERT_TRUE(mounts) << mounts.error().ToString();
  ASSERT_EQ(mounts->size(), 3u);
  EXPECT_EQ((*mounts)[0].mount_point, "/mnt2");
  EXPECT_EQ((*mounts)[0].fstype, "ext3");
  EXPECT_EQ((*mounts)[0].source, "/dev/root");
  EXPECT_EQ((*mounts)[0].options, (std::vector<std::string>{"rw", "noatime", "errors=continue"}));
  EXPECT_EQ((*mounts)[1].mount_point, "/srv/my data");
  // The superblock's "rw" does not contradict the read-only bind; duplicates are dropped.
  EXPECT_EQ((*mounts)[1].options, (std::vector<std::string>{"ro", "nodev", "attr2"}));
  EXPECT_EQ((*mounts)[2].fstype, "tmpfs");
  EXPECT_EQ((*mounts)[2].options, (std::vector<std::string>{"rw"}));
}

TEST(DiskParseTest, MalformedMountInfo) {
  struct Case {
    std::string_view text;
    std::string_view error;
  };
  const Case cases[] = {
      {"36 35 98:0 / / rw\n", "mountinfo line 1: expected"},
      {"26 1 259:2 / / rw - ext4 /dev/a rw\n36 35 98:0 / /x rw - ext4\n", "mountinfo line 2"},
      {"1 2 3 4 - 5 6 7 8\n", "mountinfo line 1"},  // "-" where the options belong
  };
  for (const Case& c : cases) {
    Result<std::vector<MountEntry>> mounts = ParseMountInfo(c.text);
    ASSERT_FALSE(mounts) << c.text;
    EXPECT_EQ(mounts.error().code(), ErrorCode::kParseError);
    EXPECT_NE(mounts.error().message().find(c.error), std::string::npos)
        << mounts.error().message();
  }
}

TEST(DiskParseTest, FindMount) {
  Result<std::vector<MountEntry>> mounts = ParseMountInfo(
      "1 0 8:1 / / rw - ext4 /dev/a rw\n"
      "2 1 8:2 / /opt rw - xfs /dev/b rw\n"
      "3 1 8:3 / /optional rw - ext4 /dev/c rw\n"
      "4 1 0:4 / /tmp rw - tmpfs first rw\n"
      "5 4 0:5 / /tmp rw - tmpfs second rw\n"
      "6 1 8:6 / /var/lib/ rw - ext4 /dev/d rw\n");
  ASSERT_TRUE(mounts);
  struct Case {
    std::string_view path;
    std::string source;
  };
  const Case cases[] = {
      {"/", "/dev/a"},          {"/opt", "/dev/b"},        {"/opt/mesosphere", "/dev/b"},
      {"/optx", "/dev/a"},      {"/optional/x", "/dev/c"}, {"/tmp", "second"},
      {"/var/lib/x", "/dev/d"}, {"/var/libx", "/dev/a"},
  };
  for (const Case& c : cases) {
    const MountEntry* mount = FindMount(*mounts, c.path);
    ASSERT_NE(mount, nullptr) << c.path;
    EXPECT_EQ(mount->source, c.source) << c.path;
  }
  EXPECT_EQ(FindMount({}, "/opt"), nullptr);
}

Result<Facts> RunDisk(const std::filesystem::path& root, std::string_view path) {
  return testing::CallProbeWithValidParams("disk", {{"path", path}}, root, std::chrono::seconds(2));
}

TEST(DiskProbeTest, FixtureRoots) {
  struct Case {
    const char* root;
    const char* path;
    const char* mount_point;
    const char* filesystem;
    bool same_as_root;
    const char* option;  // one of the mount options
  };
  const Case cases[] = {
      {"hosts/centos7", "/opt", "/opt", "xfs", false, "prjquota"},
      {"hosts/centos7", "/opt/mesosphere/bin", "/opt", "xfs", false, "noatime"},
      {"hosts/centos7", "/optional", "/optional", "ext4", false, "data=ordered"},
      {"hosts/centos7", "/var/lib/docker", "/", "xfs", true, "inode64"},
      {"hosts/debian12", "/opt", "/", "ext4", true, "errors=remount-ro"},
      {"hosts/debian12", "/mnt/backup disk/2024", "/mnt/backup disk", "ext4", false, "ro"},
      {"hosts/debian12", "/tmp", "/tmp", "tmpfs", false, "noexec"},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunDisk(testing::FixturePath(c.root), c.path);
    ASSERT_TRUE(facts) << facts.error().ToString();
    EXPECT_EQ((*facts)["exists"], false) << c.path;
    EXPECT_EQ((*facts)["checked_path"], "/") << c.path;
    EXPECT_EQ((*facts)["mount_point"], c.mount_point) << c.path;
    EXPECT_EQ((*facts)["filesystem"], c.filesystem) << c.path;
    EXPECT_EQ((*facts)["same_filesystem_as_root"], c.same_as_root) << c.path;
    const auto& options = (*facts)["mount_options"];
    EXPECT_NE(std::find(options.begin(), options.end(), c.option), options.end())
        << c.path << " " << options.dump();
    EXPECT_GT((*facts)["total"].get<int64_t>(), 0);
    EXPECT_GE((*facts)["available"].get<int64_t>(), 0);
  }
}

TEST(DiskProbeTest, SymlinkedDirectoryIsMeasuredWhereItPoints) {
  testing::ScopedTempDir root;
  root.WriteFile("data/opt/mesosphere/.keep", "");
  root.WriteFile("proc/self/mountinfo",
                 "1 0 8:1 / / rw - ext4 /dev/a rw\n2 1 8:2 / /data rw - xfs /dev/b rw\n");
  // An absolute target is resolved inside the root, not on the machine running the test.
  std::filesystem::create_directory_symlink("/data/opt", root.path() / "opt");
  Result<Facts> facts = RunDisk(root.path(), "/opt/mesosphere");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["exists"], true);
  EXPECT_EQ((*facts)["checked_path"], "/data/opt/mesosphere");
  EXPECT_EQ((*facts)["mount_point"], "/data");
  EXPECT_EQ((*facts)["same_filesystem_as_root"], false);

  Result<Facts> missing = RunDisk(root.path(), "/opt/../opt/new/dir");
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_EQ((*missing)["exists"], false);
  EXPECT_EQ((*missing)["checked_path"], "/data/opt");
}

TEST(DiskProbeTest, LiveRoot) {
  Result<Facts> facts = RunDisk("/", "/");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["exists"], true);
  EXPECT_EQ((*facts)["mount_point"], "/");
  EXPECT_EQ((*facts)["same_filesystem_as_root"], true);
  EXPECT_GT((*facts)["total"].get<int64_t>(), 0);
  EXPECT_FALSE((*facts)["filesystem"].get<std::string>().empty());
}

TEST(DiskProbeTest, Errors) {
  testing::ScopedTempDir root;
  root.WriteFile("proc/self/mountinfo", "garbage line\n");
  struct Case {
    std::filesystem::path root;
    const char* path;
    ErrorCode code;
    std::string_view message;
  };
  const Case cases[] = {
      {root.path(), "opt", ErrorCode::kInvalidArgument, "must be an absolute path, got 'opt'"},
      {root.path(), "/opt", ErrorCode::kParseError, "mountinfo line 1"},
      {root.path() / "nonexistent", "/opt", ErrorCode::kNotFound, "does not exist"},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunDisk(c.root, c.path);
    ASSERT_FALSE(facts) << c.path;
    EXPECT_EQ(facts.error().code(), c.code) << facts.error().ToString();
    EXPECT_NE(facts.error().message().find(c.message), std::string::npos)
        << facts.error().message();
  }
}

}  // namespace
}  // namespace flightcheck
