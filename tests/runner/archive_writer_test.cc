#include "runner/archive_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <fstream>

#include "tests/testbed/shell.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::RunShell;
using testing::ShellQuoted;

TEST(ArchiveFormatTest, OneTableOfNames) {
  std::vector<std::string> names;
  for (const ArchiveFormatInfo& info : ArchiveFormats()) {
    names.emplace_back(info.name);
    Result<ArchiveFormat> parsed = ParseArchiveFormat(info.name);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, info.format);
    EXPECT_EQ(InfoOf(info.format).extension, "." + std::string(info.name));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"tar", "tar.gz", "tar.zst", "zip"}));
  EXPECT_EQ(ParseArchiveFormat("rar").error().message(),
            "unknown archive format 'rar'; use one of tar, tar.gz, tar.zst, zip");
}

class ArchiveWriterTest : public ::testing::Test {
 protected:
  // Writes a directory, bytes and a file into path as format and commits it.
  Result<fs::path> Write(ArchiveFormat format) {
    const fs::path path = dir_.path() / ("out" + std::string(InfoOf(format).extension));
    Result<PendingFile> file = PendingFile::Create(path);
    if (!file) return file.error();
    Result<std::unique_ptr<ArchiveWriter>> writer =
        ArchiveWriter::Open({.format = format, .mtime = 1700000000}, &*file);
    if (!writer) return writer.error();
    for (Status status :
         {(*writer)->AddDirectory("node", 0755),
          (*writer)->AddBytes("node/hello.txt", "hello, world\n", 0644),
          (*writer)->AddFile("node/big.bin", big_, "test file", 0600), (*writer)->Close()}) {
      if (!status.ok()) return status;
    }
    if (Status status = file->Commit(0644); !status.ok()) return status;
    return path;
  }

  void SetUp() override {
    big_ = dir_.path() / "big.bin";
    std::ofstream out(big_, std::ios::binary);
    for (int i = 0; i < 300000; ++i) out << static_cast<char>(i * 7 % 251);
  }

  testing::ScopedTempDir dir_;
  fs::path big_;
};

// Each format read back by the tool users read it with: GNU tar (gzip and zstd through it) and
// unzip, contents compared byte for byte.
TEST_F(ArchiveWriterTest, EveryFormatReadsBackWithTheUsualTools) {
  for (const ArchiveFormatInfo& info : ArchiveFormats()) {
    Result<fs::path> path = Write(info.format);
    ASSERT_TRUE(path) << info.name << ": " << path.error().ToString();
    const fs::path out = dir_.path() / ("x-" + std::string(info.name));
    fs::create_directories(out);
    const std::string extract = info.format == ArchiveFormat::kZip
                                    ? "unzip -q " + ShellQuoted(*path) + " -d " + ShellQuoted(out)
                                    : "tar -xf " + ShellQuoted(*path) + " -C " + ShellQuoted(out);
    const testing::ShellResult extracted = RunShell(extract);
    ASSERT_EQ(extracted.exit_code, 0) << info.name << ": " << extracted.output
                                      << RunShell("xxd -l 48 " + ShellQuoted(*path)).output;
    EXPECT_EQ(RunShell("cat " + ShellQuoted(out / "node/hello.txt")).output, "hello, world\n");
    EXPECT_EQ(
        RunShell("cmp " + ShellQuoted(big_) + " " + ShellQuoted(out / "node/big.bin")).exit_code, 0)
        << info.name;
  }
  // The listing shows the fixed owner and the given time.
  ASSERT_TRUE(Write(ArchiveFormat::kTarGz));
  const testing::ShellResult listing =
      RunShell("TZ=UTC tar -tvzf " + ShellQuoted(dir_.path() / "out.tar.gz"));
  EXPECT_THAT(listing.output,
              HasSubstr("-rw-r--r-- root/root        13 2023-11-14 22:13 node/hello.txt"));
}

TEST_F(ArchiveWriterTest, SameEntriesGiveTheSameBytesAndHash) {
  std::string hashes[2];
  for (std::string& hash : hashes) {
    Result<std::unique_ptr<ArchiveWriter>> writer =
        ArchiveWriter::Open({.format = ArchiveFormat::kTarGz}, nullptr);
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->AddBytes("a", "same", 0644).ok());
    ASSERT_TRUE((*writer)->Close().ok());
    EXPECT_GT((*writer)->size(), 0u);
    hash = *(*writer)->FinishSha256();
  }
  EXPECT_EQ(hashes[0], hashes[1]);
  EXPECT_EQ(hashes[0].size(), 64u);
}

TEST_F(ArchiveWriterTest, AFifoIsRefusedAndNothingIsLeft) {
  const fs::path fifo = dir_.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const fs::path path = dir_.path() / "fifo.zip";
  Result<PendingFile> file = PendingFile::Create(path);
  ASSERT_TRUE(file);
  Result<std::unique_ptr<ArchiveWriter>> writer =
      ArchiveWriter::Open({.format = ArchiveFormat::kZip}, &*file);
  ASSERT_TRUE(writer);
  const Status status = (*writer)->AddFile("fifo", fifo, "log", 0644);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("log '" + fifo.string() + "'"));
}

// The output fails mid-archive (a file size limit stands in for a full disk: the same write(2)
// error path): the error is the output's, and the uncommitted PendingFile leaves nothing.
TEST_F(ArchiveWriterTest, AFailingOutputIsTheErrorAndLeavesNoArchive) {
  const fs::path path = dir_.path() / "limited.tar";
  {
    Result<PendingFile> file = PendingFile::Create(path);
    ASSERT_TRUE(file);
    Result<std::unique_ptr<ArchiveWriter>> writer =
        ArchiveWriter::Open({.format = ArchiveFormat::kTar}, &*file);
    ASSERT_TRUE(writer);
    rlimit old{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    const rlimit small{.rlim_cur = 64 << 10, .rlim_max = old.rlim_max};
    auto* previous = ::signal(SIGXFSZ, SIG_IGN);
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    Status status = (*writer)->AddFile("big.bin", big_, "test file", 0644);
    if (status.ok()) status = (*writer)->Close();
    ::setrlimit(RLIMIT_FSIZE, &old);
    ::signal(SIGXFSZ, previous);
    EXPECT_FALSE(status.ok());
    EXPECT_THAT(status.message(), HasSubstr("File too large")) << status.ToString();
    // A later call says the same, never a half-written success.
    EXPECT_EQ((*writer)->Close().message(), status.message());
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator()), 1)
      << "only big.bin";
}

}  // namespace
}  // namespace flightcheck
