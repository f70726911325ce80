// Archives written as a stream through libarchive (checks/archive_library.h): the install
// artifact (installer/) and support bundles (collector/). Entries are added one at a time and
// their bytes go straight out, so memory stays flat whatever is archived; every byte written is
// counted and hashed (SHA-256), and goes to a PendingFile (checks/file_io.h), which the caller
// commits once Close() succeeded, or to nowhere (only counted and hashed).
//
// Metadata is fixed so that the same entries give the same bytes: owner root:root (0:0), the
// options' mtime (default 0), the mode given; a gzip stream carries no timestamp.
//
// Failure: every call returns the first error (libarchive's message, or the output's: a full disk
// is "cannot write '<path>': No space left on device"); after one, the archive is unusable and
// the PendingFile must not be committed.
// Thread-safety: one thread at a time per writer.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "checks/file_io.h"
#include "checks/status.h"

struct archive;

namespace flightcheck {

enum class ArchiveFormat { kTar, kTarGz, kTarZst, kZip };

// The formats, one table: the name a user writes (--format) and the file name extension.
struct ArchiveFormatInfo {
  ArchiveFormat format;
  std::string_view name;
  std::string_view extension;
};
std::span<const ArchiveFormatInfo> ArchiveFormats();
const ArchiveFormatInfo& InfoOf(ArchiveFormat format);
// InvalidArgument "unknown archive format 'rar'; use one of tar, tar.gz, tar.zst, zip".
Result<ArchiveFormat> ParseArchiveFormat(std::string_view name);

// InvalidArgument unless path is relative, non-empty, of components other than "." and "..",
// and free of NUL and backslashes: a name that could escape where the bundle is unpacked.
Status CheckEntryName(std::string_view path);

struct ArchiveWriterOptions {
  ArchiveFormat format = ArchiveFormat::kTarGz;
  int compression_level = 0;  // 0: the library's default
  int64_t mtime = 0;          // of every entry (seconds since the epoch)
};

class ArchiveWriter {
 public:
  // out may be null; it must outlive the writer.
  static Result<std::unique_ptr<ArchiveWriter>> Open(const ArchiveWriterOptions& options,
                                                     PendingFile* out);
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  Status AddDirectory(std::string_view path, mode_t mode);
  Status AddBytes(std::string_view path, std::string_view bytes, mode_t mode);
  // The regular file at source (never a FIFO or device: it is refused), exactly the size it had
  // when opened: one that shrinks while it is copied is an error. what names it in errors
  // ("payload '/x.tgz'").
  Status AddFile(std::string_view path, const std::filesystem::path& source, std::string_view what,
                 mode_t mode);
  // The bytes of fd from its start to its current size (a spool file the caller filled).
  Status AddFd(std::string_view path, int fd, std::string_view what, mode_t mode);
  // Writes the end of the archive.
  Status Close();

  uint64_t size() const;  // bytes written so far
  Result<std::string> FinishSha256();

 private:
  class Sink;
  ArchiveWriter(const ArchiveWriterOptions& options, std::unique_ptr<Sink> sink);
  Status Header(std::string_view path, bool directory, int64_t size, mode_t mode);
  Status Fail(std::string_view what);

  ArchiveWriterOptions options_;
  std::unique_ptr<Sink> sink_;
  archive* archive_ = nullptr;
  Status error_;
};

}  // namespace flightcheck
