#include "collector/bundle_inspection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collector/bundle_writer.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RunShell;
using testing::ShellQuoted;

ItemProducer Text(std::string text, Status end = Status::Ok()) {
  return [text = std::move(text), end](ItemSink& sink) -> Status {
    if (Status status = sink.Write(text); !status.ok()) return status;
    return end;
  };
}

class BundleInspectionTest : public ::testing::Test {
 protected:
  // A zip bundle with two good items, an optional one that failed (its entry holds the error)
  // and a required one that failed (no entry), unpacked into tree_ for tampering.
  void SetUp() override {
    bundle_ = dir_.path() / "bundle.zip";
    Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(bundle_, {});
    ASSERT_TRUE(writer);
    BundleWriter& w = **writer;
    ASSERT_TRUE(w.Add("cmd.a", "n/commands/a.txt", false, Text("alpha\n")).ok());
    ASSERT_TRUE(w.Add("file.b", "n/files/etc/b", true, Text("beta\n")).ok());
    ASSERT_TRUE(
        w.Add("cmd.c", "n/commands/c.txt", false, Text("", Status::Unavailable("no c"))).ok());
    ASSERT_TRUE(
        w.Add("units.d", "n/units/d.json", true, Text("", Status::Unavailable("no d"))).ok());
    ASSERT_TRUE(w.Commit().ok());
    tree_ = dir_.path() / "tree";
    fs::create_directories(tree_);
    ASSERT_EQ(
        RunShell("cd " + ShellQuoted(tree_) + " && unzip -q " + ShellQuoted(bundle_)).exit_code, 0);
  }
  // Zips tree_ again as the bundle, after the caller changed it.
  fs::path Repack() {
    const fs::path out = dir_.path() / "tampered.zip";
    fs::remove(out);
    EXPECT_EQ(
        RunShell("cd " + ShellQuoted(tree_) + " && zip -q -r " + ShellQuoted(out) + " .").exit_code,
        0);
    return out;
  }
  std::vector<std::string> Problems(const fs::path& bundle) {
    Result<BundleContents> contents = ReadBundle(bundle);
    EXPECT_TRUE(contents) << contents.error().message();
    return contents ? contents->problems : std::vector<std::string>{"unreadable"};
  }

  testing::ScopedTempDir dir_;
  fs::path bundle_, tree_;
};

TEST_F(BundleInspectionTest, AFreshBundleMatchesItsManifest) {
  Result<BundleContents> contents = ReadBundle(bundle_);
  ASSERT_TRUE(contents) << contents.error().message();
  EXPECT_THAT(contents->problems, ElementsAre());
  EXPECT_EQ(contents->entries, 5u);  // a, b, c (its error), summaryErrorsReport.txt, manifest
  EXPECT_EQ(contents->manifest["items"].size(), 4u);
  EXPECT_EQ(Problems(Repack()), std::vector<std::string>{}) << "unzip and zip keep it whole";
}

TEST_F(BundleInspectionTest, AChangedEntryIsNamedWithBothDigests) {
  ASSERT_EQ(RunShell("echo gamma >> " + ShellQuoted(tree_ / "n/commands/a.txt")).exit_code, 0);
  const std::vector<std::string> problems = Problems(Repack());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("n/commands/a.txt: sha256 is "));
  EXPECT_THAT(problems[0], HasSubstr(", the manifest says "));
}

TEST_F(BundleInspectionTest, MissingAndUnlistedEntriesAreNamed) {
  fs::remove(tree_ / "n/files/etc/b");
  ASSERT_EQ(RunShell("echo planted > " + ShellQuoted(tree_ / "n/extra.txt")).exit_code, 0);
  EXPECT_THAT(Problems(Repack()),
              ElementsAre("n/files/etc/b: in the manifest, missing from the bundle",
                          "n/extra.txt: in the bundle, not in the manifest"));
}

TEST_F(BundleInspectionTest, AnEntryForARequiredItemThatFailedIsNamed) {
  fs::create_directories(tree_ / "n/units");
  ASSERT_EQ(RunShell("echo '{}' > " + ShellQuoted(tree_ / "n/units/d.json")).exit_code, 0);
  EXPECT_THAT(Problems(Repack()),
              ElementsAre("n/units/d.json: in the bundle, but the manifest records it failed"));
}

TEST_F(BundleInspectionTest, AManifestOfAnotherKindIsNamed) {
  ASSERT_EQ(RunShell("echo '{\"schema\": \"sos/v9\"}' > " + ShellQuoted(tree_ / "manifest.json"))
                .exit_code,
            0);
  EXPECT_THAT(
      Problems(Repack()),
      ElementsAre("manifest.json: schema \"sos/v9\" is not flightcheck/bundle-manifest/v1"));
  ASSERT_EQ(RunShell("echo '{\"schema\": [' > " + ShellQuoted(tree_ / "manifest.json")).exit_code,
            0);
  EXPECT_THAT(Problems(Repack()), ElementsAre("manifest.json: not valid JSON"));
  ASSERT_EQ(RunShell("echo '{\"schema\": \"flightcheck/bundle-manifest/v1\", \"items\": [3]}' > " +
                     ShellQuoted(tree_ / "manifest.json"))
                .exit_code,
            0);
  EXPECT_THAT(
      Problems(Repack()),
      ::testing::Contains("manifest.json: item 1 lacks a string path, sha256 or a byte count"));
  fs::remove(tree_ / "manifest.json");
  EXPECT_THAT(Problems(Repack()),
              ElementsAre("manifest.json: missing: this is not a flightcheck bundle"));
}

TEST_F(BundleInspectionTest, WhatIsNoArchiveIsAnError) {
  const fs::path text = dir_.path() / "notes.zip";
  ASSERT_EQ(RunShell("echo hello > " + ShellQuoted(text)).exit_code, 0);
  Result<BundleContents> contents = ReadBundle(text);
  ASSERT_FALSE(contents);
  EXPECT_THAT(contents.error().message(), HasSubstr(text.string()));
}

}  // namespace
}  // namespace flightcheck
