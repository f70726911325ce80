#include "checks/file.h"
#include "checks/text.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(FileParseTest, Utf8) {
  struct Case {
    std::string_view text;
    bool valid;
  };
  const Case cases[] = {
      {"", true},
      {"plain ascii\n", true},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", true},  // é € 😀
      {"\xff\xfe", false},
      {"\xc0\xaf", false},          // overlong '/'
      {"\xe0\x80\xaf", false},      // overlong, three bytes
      {"\xed\xa0\x80", false},      // surrogate U+D800
      {"\xf4\x90\x80\x80", false},  // past U+10FFFF
      {"\xe2\x82", false},          // truncated
      {std::string_view("nul\0inside", 10), true},
  };
  for (const Case& c : cases) EXPECT_EQ(IsValidUtf8(c.text), c.valid) << c.text;
}

TEST(FileParseTest, LinesAndMode) {
  struct Case {
    std::string_view text;
    int64_t lines;
  };
  const Case cases[] = {{"", 0}, {"\n", 1}, {"a", 1}, {"a\nb", 2}, {"a\nb\n", 2}, {"\n\n\n", 3}};
  for (const Case& c : cases) EXPECT_EQ(CountLines(c.text), c.lines) << c.text;
  EXPECT_EQ(FormatMode(S_IFREG | 0644), "0644");
  EXPECT_EQ(FormatMode(S_IFREG | 04755), "4755");
  EXPECT_EQ(FormatMode(S_IFDIR | 01777), "1777");
  EXPECT_EQ(FormatMode(0), "0000");
}

Result<Facts> RunFile(const std::filesystem::path& root, std::string_view path) {
  return testing::CallProbeWithValidParams("file", {{"path", path}}, root, std::chrono::seconds(5));
}

class FileProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto text = root_.WriteFile("etc/app/config", "hello\nworld\n");
    ASSERT_EQ(::chmod(text.c_str(), 0640), 0);
    root_.WriteFile("etc/app/empty", "");
    root_.WriteFile("etc/app/big", std::string(100 * 1024, 'a'));
    root_.WriteFile("etc/app/binary", std::string_view("\xff\xfe\x00"
                                                       "binary",
                                                       9));
    const auto huge = root_.WriteFile("var/huge.img", "");
    ASSERT_EQ(::truncate(huge.c_str(), (16 << 20) + 1), 0);  // sparse: nothing is read
    std::filesystem::create_symlink("/etc/app/config", root_.path() / "etc/link");
    std::filesystem::create_symlink("/etc/app/missing", root_.path() / "etc/dangling");
    std::filesystem::create_directory_symlink("app", root_.path() / "etc/app-dir");
    ASSERT_EQ(::mkfifo((root_.path() / "etc/fifo").c_str(), 0600), 0);
  }
  testing::ScopedTempDir root_;
};

TEST_F(FileProbeTest, Types) {
  struct Case {
    const char* path;
    bool exists;
    const char* type;
    bool is_symlink;
    Facts entries;
  };
  const Case cases[] = {
      {"/etc/app/config", true, "file", false, nullptr},
      {"/etc/app", true, "directory", false, 4},
      {"/etc/app/", true, "directory", false, 4},
      {"/etc/app-dir", true, "directory", true, 4},
      {"/etc/link", true, "file", true, nullptr},
      {"/etc/dangling", true, "symlink", true, nullptr},
      {"/etc/fifo", true, "other", false, nullptr},
      {"/etc/absent", false, "", false, nullptr},
      {"/etc/app/config/below-a-file", false, "", false, nullptr},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunFile(root_.path(), c.path);
    ASSERT_TRUE(facts) << facts.error().ToString();
    EXPECT_EQ((*facts)["exists"], c.exists) << c.path;
    EXPECT_EQ((*facts)["type"], c.type) << c.path;
    EXPECT_EQ((*facts)["is_symlink"], c.is_symlink) << c.path;
    EXPECT_EQ((*facts)["entries"], c.entries) << c.path;
    EXPECT_EQ((*facts).size(), 11u) << (*facts).dump();
  }
}

TEST_F(FileProbeTest, RegularFileFacts) {
  Result<Facts> facts = RunFile(root_.path(), "/etc/app/config");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["mode"], "0640");
  EXPECT_EQ((*facts)["uid"], static_cast<int64_t>(::getuid()));
  EXPECT_EQ((*facts)["gid"], static_cast<int64_t>(::getgid()));
  EXPECT_EQ((*facts)["size"], 12);
  EXPECT_EQ((*facts)["sha256"], "4a1e67f2fe1d1cc7b31d0ca2ec441da4778203a036a77da10344c85e24ff0f92");
  EXPECT_EQ((*facts)["contents"], "hello\nworld\n");
  EXPECT_EQ((*facts)["lines"], 2);

  // Through an absolute link, resolved inside the root: the target's facts.
  Result<Facts> link = RunFile(root_.path(), "/etc/link");
  ASSERT_TRUE(link) << link.error().ToString();
  EXPECT_EQ((*link)["contents"], "hello\nworld\n");
  EXPECT_EQ((*link)["mode"], "0640");
}

TEST_F(FileProbeTest, SizeLimits) {
  struct Case {
    const char* path;
    Facts sha256;
    bool has_contents;
    Facts lines;
  };
  const Case cases[] = {
      {"/etc/app/empty", kEmptySha256, true, 0},
      {"/etc/app/big", "4c3e1e462b642a6229bc69c0e89572ec69b37fb53078f9512dd811426261070c", false,
       nullptr},
      {"/etc/app/binary", "7558fff372a1af85660fee0328c00bbde492dd07e83a8ef18d7f0a5ba199e6c3", false,
       nullptr},
      {"/var/huge.img", nullptr, false, nullptr},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunFile(root_.path(), c.path);
    ASSERT_TRUE(facts) << facts.error().ToString();
    EXPECT_EQ((*facts)["sha256"], c.sha256) << c.path;
    EXPECT_EQ((*facts)["contents"].is_string(), c.has_contents) << c.path;
    EXPECT_EQ((*facts)["lines"], c.lines) << c.path;
  }
  Result<Facts> huge = RunFile(root_.path(), "/var/huge.img");
  ASSERT_TRUE(huge);
  EXPECT_EQ((*huge)["size"], (16 << 20) + 1);
}

TEST_F(FileProbeTest, DanglingLinkDescribesTheLink) {
  Result<Facts> facts = RunFile(root_.path(), "/etc/dangling");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["mode"], "0777");
  EXPECT_EQ((*facts)["size"], std::string("/etc/app/missing").size());
  EXPECT_TRUE((*facts)["sha256"].is_null());
}

TEST_F(FileProbeTest, FixtureAndLiveRoots) {
  Result<Facts> fixture = RunFile(testing::FixturePath("hosts/centos7"), "/etc/os-release");
  ASSERT_TRUE(fixture) << fixture.error().ToString();
  EXPECT_EQ((*fixture)["sha256"],
            "a092269c803ca89688bd7fd65ebefae55b4bf2effed67ba279339102fb1998c6");
  EXPECT_EQ((*fixture)["lines"], 10);

  // /proc files report size 0 but have contents: the probe reads until end of file.
  Result<Facts> live = RunFile("/", "/proc/sys/kernel/ostype");
  ASSERT_TRUE(live) << live.error().ToString();
  EXPECT_EQ((*live)["contents"], "Linux\n");
  EXPECT_EQ((*live)["lines"], 1);
}

TEST_F(FileProbeTest, RelativePathIsAnError) {
  Result<Facts> facts = RunFile(root_.path(), "etc/passwd");
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(facts.error().message().find("must be an absolute path, got 'etc/passwd'"),
            std::string::npos);
}

TEST_F(FileProbeTest, SymlinkLoopIsAnError) {
  std::filesystem::create_symlink("/etc/loop-b", root_.path() / "etc/loop-a");
  std::filesystem::create_symlink("/etc/loop-a", root_.path() / "etc/loop-b");
  Result<Facts> facts = RunFile(root_.path(), "/etc/loop-a");
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().ToString(),
            "invalid argument: resolving /etc/loop-a: Too many levels of symbolic links");
}

}  // namespace
}  // namespace flightcheck
