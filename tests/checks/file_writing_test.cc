// The writing half of checks/file_io.h: PendingFile, WriteFileAtomically, WriteOutputFile and
// RemoveLeftoverTemporaries.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "checks/file_io.h"
#include "checks/scoped_fd.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::ReadTextFile;
using testing::ScopedTempDir;

std::vector<std::string> Names(const fs::path& directory) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(PendingFileTest, CommitPutsTheWholeFileInPlaceWithItsMode) {
  ScopedTempDir dir;
  const fs::path path = dir.WriteFile("state.json", "old\n");
  Result<PendingFile> file = PendingFile::Create(path);
  ASSERT_TRUE(file) << file.error().ToString();
  ASSERT_TRUE(file->Write("new ").ok());
  ASSERT_TRUE(file->Write("contents\n").ok());
  EXPECT_EQ(ReadTextFile(path), "old\n") << "path changed before the commit";
  ASSERT_TRUE(file->Commit(0640).ok());
  EXPECT_EQ(ReadTextFile(path), "new contents\n");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_THAT(Names(dir.path()), ElementsAre("state.json"));
  const Status again = file->Commit(0640);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.message(), "cannot write '" + path.string() +
                                 "': its temporary file is no longer open (committed, or a "
                                 "write failed)");
}

TEST(PendingFileTest, ACommitThatMustNotReplaceLeavesTheOtherFileAlone) {
  ScopedTempDir dir;
  const fs::path path = dir.path() / "bundle.zip";
  Result<PendingFile> file = PendingFile::Create(path);
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->Write("second\n").ok());
  dir.WriteFile("bundle.zip", "first\n");  // made meanwhile, by another run
  const Status committed = file->Commit(0600, /*replace=*/false);
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.message(), "cannot write '" + path.string() + "': File exists");
  EXPECT_EQ(ReadTextFile(path), "first\n");
  EXPECT_THAT(Names(dir.path()), ElementsAre("bundle.zip"));
}

TEST(PendingFileTest, AFileNeverCommittedLeavesNothingBehind) {
  ScopedTempDir dir;
  const fs::path path = dir.WriteFile("state.json", "old\n");
  {
    Result<PendingFile> file = PendingFile::Create(path);
    ASSERT_TRUE(file) << file.error().ToString();
    ASSERT_TRUE(file->Write(std::string(1 << 20, 'x')).ok());
    PendingFile moved = std::move(*file);
    EXPECT_EQ(file->fd(), -1);
    EXPECT_GE(moved.fd(), 0);
  }
  EXPECT_EQ(ReadTextFile(path), "old\n");
  EXPECT_THAT(Names(dir.path()), ElementsAre("state.json"));
}

TEST(PendingFileTest, AMissingDirectoryIsNotFound) {
  ScopedTempDir dir;
  const fs::path path = dir.path() / "no" / "state.json";
  Result<PendingFile> file = PendingFile::Create(path);
  ASSERT_FALSE(file);
  EXPECT_TRUE(file.error().IsNotFound());
  EXPECT_EQ(file.error().message(),
            "cannot write '" + path.string() + "': No such file or directory");
}

TEST(WriteOutputFileTest, ADirectoryIsWrittenThroughAndRefused) {
  ScopedTempDir dir;
  const Status status = WriteOutputFile(dir.path(), "report\n");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "cannot write '" + dir.path().string() + "': Is a directory");
}

TEST(WriteOutputFileTest, ASocketIsRefusedWithWhatWouldWork) {
  ScopedTempDir dir;
  const fs::path path = dir.path() / "report.sock";
  const ScopedFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  ASSERT_LT(path.string().size(), sizeof address.sun_path);
  path.string().copy(address.sun_path, sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  const Status status = WriteOutputFile(path, "report\n");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "cannot write '" + path.string() +
                                  "': it is a socket; give a file, a FIFO or a device");
}

TEST(WriteOutputFileTest, ANewFileIsCreatedWhole) {
  ScopedTempDir dir;
  const fs::path path = dir.path() / "report.txt";
  ASSERT_TRUE(WriteOutputFile(path, "report\n").ok());
  EXPECT_EQ(ReadTextFile(path), "report\n");
  EXPECT_THAT(Names(dir.path()), ElementsAre("report.txt"));
}

TEST(RemoveLeftoverTemporariesTest, RemovesOnlyTemporariesOfTheNamedTargets) {
  ScopedTempDir dir;
  for (const char* name :
       {".flightcheck-0123456789abcdef.tar.gz.tmp-4242-0", ".flightcheck-00.tar.gz.tmp-Ab12Cd",
        ".artifact.json.tmp-77-3", "flightcheck-0123456789abcdef.tar.gz", "artifact.json",
        ".other.json.tmp-1-1", ".flightcheck-00.tar.gz", "notes.tmp-1"}) {
    dir.WriteFile(name, "x");
  }
  ASSERT_TRUE(RemoveLeftoverTemporaries(dir.path(), "flightcheck-*.tar.gz").ok());
  ASSERT_TRUE(RemoveLeftoverTemporaries(dir.path(), "artifact.json").ok());
  EXPECT_THAT(Names(dir.path()),
              ElementsAre(".flightcheck-00.tar.gz", ".other.json.tmp-1-1", "artifact.json",
                          "flightcheck-0123456789abcdef.tar.gz", "notes.tmp-1"));
  EXPECT_TRUE(RemoveLeftoverTemporaries(dir.path() / "absent", "artifact.json").ok());
}

}  // namespace
}  // namespace flightcheck
