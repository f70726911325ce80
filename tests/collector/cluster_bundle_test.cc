#include "collector/cluster_bundle.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "checks/scoped_fd.h"
#include "collector/bundle_inspection.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::RunShell;
using testing::ShellQuoted;

ItemProducer Text(std::string text) {
  return [text = std::move(text)](ItemSink& sink) { return sink.Write(text); };
}

class ClusterBundleTest : public ::testing::Test {
 protected:
  // A node's part as its `bundle create` writes it: entries under <ip>_<role>/, its manifest.
  fs::path NodePart(const std::string& directory, const std::string& secret_line) {
    const fs::path path = dir_.path() / (directory + ".tar.zst");
    Result<std::unique_ptr<BundleWriter>> writer =
        BundleWriter::Create(path, {.format = ArchiveFormat::kTarZst});
    EXPECT_TRUE(writer);
    EXPECT_TRUE(
        (*writer)->Add("cmd.a", directory + "/commands/a.txt", false, Text("alpha\n")).ok());
    EXPECT_TRUE(
        (*writer)->Add("cmd.b", directory + "/commands/b.txt", false, Text(secret_line)).ok());
    EXPECT_TRUE((*writer)->Commit().ok());
    return path;
  }
  // A tar made by python's tarfile with exactly these member names (and a link when asked).
  fs::path CraftedPart(const std::vector<std::string>& names, bool with_link = false) {
    const fs::path path = dir_.path() / "crafted.tar";
    std::string script = "import io,tarfile\nt=tarfile.open('" + path.string() + "','w')\n";
    for (const std::string& name : names) {
      script += "i=tarfile.TarInfo('" + name + "');i.size=3;t.addfile(i,io.BytesIO(b'abc'))\n";
    }
    if (with_link) {
      script +=
          "i=tarfile.TarInfo('10.0.0.9_agent/link');i.type=tarfile.SYMTYPE;"
          "i.linkname='/etc/shadow';t.addfile(i)\n";
    }
    script += "t.close()\n";
    dir_.WriteFile("craft.py", script);
    EXPECT_EQ(RunShell("python3 " + ShellQuoted(dir_.path() / "craft.py")).exit_code, 0);
    return path;
  }
  static ScopedFd Open(const fs::path& path) { return ScopedFd(::open(path.c_str(), O_RDONLY)); }

  testing::ScopedTempDir dir_;
};

TEST_F(ClusterBundleTest, PartsAreMergedUnderTheirNodeAndTheBundleVerifies) {
  const fs::path bundle = dir_.path() / "cluster.zip";
  Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(bundle, {});
  ASSERT_TRUE(writer);
  ClusterBundle cluster(**writer);
  ScopedFd one = Open(NodePart("10.0.0.1_master", "token=PlantedPartTok\n"));
  ScopedFd two = Open(NodePart("10.0.0.2_agent", "nothing\n"));
  ASSERT_TRUE(cluster.AddPart("10.0.0.1", "master", one.get()).ok());
  ASSERT_TRUE(cluster.AddPart("10.0.0.2", "agent", two.get()).ok());
  ASSERT_TRUE(cluster
                  .Finish({{.address = "10.0.0.1", .role = "master", .status = "success"},
                           {.address = "10.0.0.2", .role = "agent", .status = "success"},
                           {.address = "10.0.0.3",
                            .role = "agent",
                            .status = "unreachable",
                            .message = "connection refused"}})
                  .ok());

  Result<BundleContents> contents = ReadBundle(bundle);
  ASSERT_TRUE(contents) << contents.error().message();
  EXPECT_THAT(contents->problems, ::testing::IsEmpty());
  std::vector<std::string> paths;
  for (const nlohmann::json& item : contents->manifest["items"]) paths.push_back(item["path"]);
  EXPECT_THAT(paths,
              ::testing::ElementsAre(
                  "10.0.0.1_master/commands/a.txt", "10.0.0.1_master/commands/b.txt",
                  "10.0.0.1_master/manifest.json", "10.0.0.2_agent/commands/a.txt",
                  "10.0.0.2_agent/commands/b.txt", "10.0.0.2_agent/manifest.json", "report.json"));
  EXPECT_EQ(contents->report["collected"], 2);
  EXPECT_EQ(contents->report["missing"], 1);
  EXPECT_EQ(contents->report["nodes"][0]["entries"], 3);
  EXPECT_EQ(contents->report["nodes"][2]["message"], "connection refused");
  EXPECT_TRUE(contents->report["nodes"][2]["directory"].is_null());
  EXPECT_NE(RunShell("unzip -p " + ShellQuoted(bundle) + " | grep -q PlantedPartTok").exit_code, 0);
}

// The bootstrap node's own state and logs: every regular file of genconf/state and genconf/logs,
// redacted, under bootstrap/; a link is not followed, and report.json counts them.
TEST_F(ClusterBundleTest, TheBootstrapNodesStageStatesAndLogsAreInTheBundle) {
  dir_.WriteFile("genconf/state/preflight.json", "{\"stage\": \"preflight\"}\n");
  dir_.WriteFile("genconf/logs/preflight/10.0.0.1.log", "ok\npassword=PlantedBootstrapPw\n");
  dir_.WriteFile("genconf/config.yaml", "superuser_password_hash: x\n");
  fs::create_symlink("/etc/shadow", dir_.path() / "genconf/logs/preflight/shadow.log");
  const fs::path bundle = dir_.path() / "cluster.zip";
  Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(bundle, {});
  ASSERT_TRUE(writer);
  ClusterBundle cluster(**writer);
  ASSERT_TRUE(cluster.AddBootstrap(dir_.path() / "genconf").ok());
  ASSERT_TRUE(cluster.Finish({{.address = "10.0.0.1", .role = "master", .status = "failed"}}).ok());

  Result<BundleContents> contents = ReadBundle(bundle);
  ASSERT_TRUE(contents) << contents.error().message();
  std::vector<std::string> paths;
  for (const nlohmann::json& item : contents->manifest["items"]) paths.push_back(item["path"]);
  EXPECT_THAT(paths, ::testing::ElementsAre("bootstrap/logs/preflight/10.0.0.1.log",
                                            "bootstrap/state/preflight.json", "report.json"));
  EXPECT_EQ(contents->report["bootstrap"]["entries"], 2);
  EXPECT_EQ(
      RunShell("unzip -p " + ShellQuoted(bundle) + " bootstrap/logs/preflight/10.0.0.1.log").output,
      "ok\npassword=[REDACTED]\n");
  // Without a genconf there is nothing to add, and that is no error.
  Result<std::unique_ptr<BundleWriter>> other = BundleWriter::Create(dir_.path() / "other.zip", {});
  ASSERT_TRUE(other);
  ClusterBundle empty(**other);
  EXPECT_TRUE(empty.AddBootstrap(dir_.path() / "nowhere").ok());
  EXPECT_EQ(empty.Report({})["bootstrap"]["entries"], 0);
}

TEST_F(ClusterBundleTest, AnEntryPastTheItemCapIsCutNotReadToItsEnd) {
  // 64 MiB of zeros compress to almost nothing: a part may claim any size.
  const fs::path part = dir_.path() / "bomb.tar.zst";
  ASSERT_EQ(RunShell("mkdir -p " + ShellQuoted(dir_.path() / "t/10.0.0.9_agent") +
                     " && head -c 67108864 /dev/zero > " +
                     ShellQuoted(dir_.path() / "t/10.0.0.9_agent/zeros") + " && tar --zstd -cf " +
                     ShellQuoted(part) + " -C " + ShellQuoted(dir_.path() / "t") +
                     " 10.0.0.9_agent/zeros")
                .exit_code,
            0);
  const fs::path bundle = dir_.path() / "cluster.zip";
  Result<std::unique_ptr<BundleWriter>> writer =
      BundleWriter::Create(bundle, {.max_item_bytes = 1 << 20});
  ASSERT_TRUE(writer);
  ClusterBundle cluster(**writer);
  ScopedFd fd = Open(part);
  const Status added = cluster.AddPart("10.0.0.9", "agent", fd.get());
  ASSERT_TRUE(added.ok()) << added.message();
  ASSERT_EQ((*writer)->items().size(), 1u);
  EXPECT_TRUE((*writer)->items()[0].truncated);
  EXPECT_EQ((*writer)->items()[0].bytes, 1u << 20);
}

TEST_F(ClusterBundleTest, APartWithANameThatEscapesIsRefusedWhole) {
  const fs::path bundle = dir_.path() / "cluster.zip";
  Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(bundle, {});
  ASSERT_TRUE(writer);
  ClusterBundle cluster(**writer);
  struct Case {
    std::vector<std::string> names;
    bool link;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"10.0.0.9_agent/ok.txt", "10.0.0.9_agent/../../etc/cron.d/x"},
       false,
       "entry name '10.0.0.9_agent/../../etc/cron.d/x' has an empty, '.' or '..' part"},
      {{"10.0.0.9_agent/ok.txt", "/etc/passwd"}, false, "entry name '/etc/passwd' is absolute"},
      {{"10.0.0.9_agent/ok.txt"}, true, "entry '10.0.0.9_agent/link' is not a regular file"},
  };
  for (const Case& c : cases) {
    ScopedFd part = Open(CraftedPart(c.names, c.link));
    const Status status = cluster.AddPart("10.0.0.9", "agent", part.get());
    EXPECT_FALSE(status.ok());
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
  dir_.WriteFile("garbage", "this is no archive\n");
  ScopedFd garbage = Open(dir_.path() / "garbage");
  EXPECT_FALSE(cluster.AddPart("10.0.0.8", "agent", garbage.get()).ok());
  EXPECT_FALSE(cluster.AddPart("..", "agent", garbage.get()).ok()) << "a node directory too";

  ASSERT_TRUE(cluster.Finish({{.address = "10.0.0.9", .role = "agent", .status = "failed"}}).ok());
  Result<BundleContents> contents = ReadBundle(bundle);
  ASSERT_TRUE(contents);
  // Nothing of the refused parts, not even the good entry before the bad one.
  ASSERT_EQ(contents->manifest["items"].size(), 1u);
  EXPECT_EQ(contents->manifest["items"][0]["path"], "report.json");
  EXPECT_EQ(contents->report["collected"], 0);
}

}  // namespace
}  // namespace flightcheck
