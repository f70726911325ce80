#include "runner/archive_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "runner/archive_writer.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::RunShell;
using testing::ShellQuoted;

// Every entry of the archive at path: its name (with "/" for a directory) and its bytes.
Result<std::map<std::string, std::string>> ReadAll(ArchiveReader& reader) {
  std::map<std::string, std::string> entries;
  for (;;) {
    Result<std::optional<ArchiveEntryInfo>> entry = reader.Next();
    if (!entry) return entry.error();
    if (!*entry) return entries;
    std::string& bytes = entries[(*entry)->path + ((*entry)->directory ? "/" : "")];
    if (Status status = reader.ReadData([&](std::string_view chunk) {
          bytes.append(chunk);
          return Status::Ok();
        });
        !status.ok()) {
      return status;
    }
  }
}

class ArchiveReaderTest : public ::testing::Test {
 protected:
  fs::path Write(ArchiveFormat format, const std::string& big) {
    const fs::path path = dir_.path() / ("out" + std::string(InfoOf(format).extension));
    Result<PendingFile> file = PendingFile::Create(path);
    EXPECT_TRUE(file);
    Result<std::unique_ptr<ArchiveWriter>> writer = ArchiveWriter::Open({.format = format}, &*file);
    EXPECT_TRUE(writer);
    EXPECT_TRUE((*writer)->AddDirectory("node", 0755).ok());
    EXPECT_TRUE((*writer)->AddBytes("node/a.txt", "alpha\n", 0644).ok());
    EXPECT_TRUE((*writer)->AddBytes("node/big.bin", big, 0644).ok());
    EXPECT_TRUE((*writer)->Close().ok());
    EXPECT_TRUE(file->Commit(0644).ok());
    return path;
  }

  testing::ScopedTempDir dir_;
};

TEST_F(ArchiveReaderTest, ReadsBackEveryFormatWeWrite) {
  std::string big;
  for (int i = 0; i < 400000; ++i) big.push_back(static_cast<char>(i * 13 % 251));
  for (const ArchiveFormatInfo& info : ArchiveFormats()) {
    SCOPED_TRACE(info.name);
    Result<std::unique_ptr<ArchiveReader>> reader =
        ArchiveReader::OpenFile(Write(info.format, big));
    ASSERT_TRUE(reader) << reader.error().message();
    Result<std::map<std::string, std::string>> entries = ReadAll(**reader);
    ASSERT_TRUE(entries) << entries.error().message();
    EXPECT_EQ(entries->size(), 3u);
    EXPECT_EQ(entries->at("node/a.txt"), "alpha\n");
    EXPECT_EQ(entries->at("node/big.bin"), big);
    EXPECT_TRUE(entries->count("node/"));
  }
}

TEST_F(ArchiveReaderTest, WhatIsNotAnArchiveIsAnErrorNamingTheFile) {
  const fs::path path = dir_.path() / "notes.txt";
  ASSERT_EQ(RunShell("echo 'just some text' > " + ShellQuoted(path.string())).exit_code, 0);
  Result<std::unique_ptr<ArchiveReader>> reader = ArchiveReader::OpenFile(path);
  Status error = reader ? (*reader)->Next().error() : reader.error();
  EXPECT_THAT(error.message(), HasSubstr("'" + path.string() + "'"));
  EXPECT_FALSE(ArchiveReader::OpenFile(dir_.path() / "missing.zip"));
}

TEST_F(ArchiveReaderTest, ACutArchiveIsAnErrorNotAShortRead) {
  const fs::path path = Write(ArchiveFormat::kTarGz, std::string(300000, 'x'));
  fs::resize_file(path, fs::file_size(path) / 2);
  Result<std::unique_ptr<ArchiveReader>> reader = ArchiveReader::OpenFile(path);
  ASSERT_TRUE(reader);
  EXPECT_FALSE(ReadAll(**reader));
}

TEST_F(ArchiveReaderTest, LinksAndDevicesAreRefusedByName) {
  const fs::path tree = dir_.path() / "tree";
  const fs::path tar = dir_.path() / "links.tar";
  ASSERT_EQ(
      RunShell("mkdir -p " + ShellQuoted(tree.string()) + " && cd " + ShellQuoted(tree.string()) +
               " && echo x > f && ln -s /etc/shadow shadow && "
               "tar -cf " +
               ShellQuoted(tar.string()) + " f shadow")
          .exit_code,
      0);
  Result<std::unique_ptr<ArchiveReader>> reader = ArchiveReader::OpenFile(tar);
  ASSERT_TRUE(reader);
  Result<std::map<std::string, std::string>> entries = ReadAll(**reader);
  ASSERT_FALSE(entries);
  EXPECT_THAT(entries.error().message(),
              HasSubstr("entry 'shadow' is not a regular file or directory"));
}

TEST_F(ArchiveReaderTest, TheEntryCountIsBounded) {
  const fs::path path = Write(ArchiveFormat::kTar, "b");
  Result<std::unique_ptr<ArchiveReader>> reader = ArchiveReader::OpenFile(path, 2);
  ASSERT_TRUE(reader);
  Result<std::map<std::string, std::string>> entries = ReadAll(**reader);
  ASSERT_FALSE(entries);
  EXPECT_THAT(entries.error().message(), HasSubstr("more than 2 entries"));
}

TEST_F(ArchiveReaderTest, ReadsFromMemory) {
  std::string big(1000, 'q');
  Result<std::string> bytes = ReadWholeFile(Write(ArchiveFormat::kZip, big), 1 << 20);
  ASSERT_TRUE(bytes);
  Result<std::unique_ptr<ArchiveReader>> reader = ArchiveReader::OpenMemory(*bytes);
  ASSERT_TRUE(reader);
  Result<std::map<std::string, std::string>> entries = ReadAll(**reader);
  ASSERT_TRUE(entries);
  EXPECT_EQ(entries->at("node/big.bin"), big);
}

}  // namespace
}  // namespace flightcheck
