// Archives read as a stream through libarchive (checks/archive_library.h): support bundles read
// back by `bundle inspect` and `bundle verify`, and a node's part of a cluster bundle merged into
// the cluster's (collector/). Only what flightcheck writes is accepted: tar or zip, plain, gzip or
// zstd; entries are regular files and directories.
//
// Bounds, because an archive may come from a host that is not trusted: at most max_entries
// entries, entry names of at most 4096 bytes; a link, device or FIFO entry is an error naming it.
// An entry's bytes are handed over in chunks, so memory stays flat whatever its size.
//
// Failure: Open returns libarchive's message for what is not an archive; Next and ReadData the
// first error, after which the reader is unusable.
// Thread-safety: one thread at a time per reader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "checks/status.h"

struct archive;

namespace flightcheck {

struct ArchiveEntryInfo {
  std::string path;  // as stored; a directory's without its trailing '/'
  bool directory = false;
  int64_t size = -1;  // -1 when the archive does not say
};

class ArchiveReader {
 public:
  static constexpr size_t kDefaultMaxEntries = 1'000'000;

  static Result<std::unique_ptr<ArchiveReader>> OpenFile(const std::filesystem::path& path,
                                                         size_t max_entries = kDefaultMaxEntries);
  // bytes must outlive the reader.
  static Result<std::unique_ptr<ArchiveReader>> OpenMemory(std::string_view bytes,
                                                           size_t max_entries = kDefaultMaxEntries);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // The next entry, or nullopt after the last. Whatever of the previous entry was not read is
  // skipped.
  Result<std::optional<ArchiveEntryInfo>> Next();
  // The current entry's bytes, chunk by chunk; an error from chunk stops the read and is
  // returned.
  Status ReadData(const std::function<Status(std::string_view chunk)>& chunk);

 private:
  ArchiveReader(archive* handle, std::string name, size_t max_entries);
  Status Fail(std::string_view what);

  archive* archive_;
  std::string name_;  // the file, for messages
  size_t max_entries_;
  size_t entries_ = 0;
  Status error_;
};

}  // namespace flightcheck
