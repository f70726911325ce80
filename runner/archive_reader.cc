#include "runner/archive_reader.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "checks/archive_library.h"

namespace flightcheck {
namespace {

constexpr size_t kMaxEntryName = 4096;

// The filters and formats flightcheck writes, and no others: every reader libarchive has is
// attack surface for an archive from an untrusted host.
Result<archive*> NewReader(const ArchiveLibrary& la) {
  archive* a = la.read_new();
  if (a == nullptr) return Status::Internal("archive_read_new failed");
  if (la.read_support_filter_none(a) != ARCHIVE_OK ||
      la.read_support_filter_gzip(a) != ARCHIVE_OK ||
      la.read_support_filter_zstd(a) < ARCHIVE_WARN ||
      la.read_support_format_tar(a) != ARCHIVE_OK || la.read_support_format_zip(a) != ARCHIVE_OK) {
    Status status = Status::Internal(fmt::format("libarchive: {}", la.error_string(a)));
    la.read_free(a);
    return status;
  }
  return a;
}

}  // namespace

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::OpenFile(const std::filesystem::path& path,
                                                               size_t max_entries) {
  Result<const ArchiveLibrary*> la = Archive();
  if (!la) return la.error();
  Result<archive*> a = NewReader(**la);
  if (!a) return a.error();
  std::unique_ptr<ArchiveReader> reader(new ArchiveReader(*a, path.string(), max_entries));
  if ((*la)->read_open_filename(*a, path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return reader->Fail("cannot open");
  }
  return reader;
}

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::OpenMemory(std::string_view bytes,
                                                                 size_t max_entries) {
  Result<const ArchiveLibrary*> la = Archive();
  if (!la) return la.error();
  Result<archive*> a = NewReader(**la);
  if (!a) return a.error();
  std::unique_ptr<ArchiveReader> reader(new ArchiveReader(*a, "<memory>", max_entries));
  if ((*la)->read_open_memory(*a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return reader->Fail("cannot open");
  }
  return reader;
}

ArchiveReader::ArchiveReader(archive* handle, std::string name, size_t max_entries)
    : archive_(handle), name_(std::move(name)), max_entries_(max_entries) {}

ArchiveReader::~ArchiveReader() {
  // Archive() succeeded when this reader was made, and is the same for the process.
  (*Archive())->read_free(archive_);
}

Status ArchiveReader::Fail(std::string_view what) {
  const char* reason = (*Archive())->error_string(archive_);
  error_ = Status::InvalidArgument(
      fmt::format("'{}': {}: {}", name_, what, reason ? reason : "not a tar or zip archive"));
  return error_;
}

Result<std::optional<ArchiveEntryInfo>> ArchiveReader::Next() {
  if (!error_.ok()) return error_;
  const ArchiveLibrary& la = **Archive();
  archive_entry* entry = nullptr;
  const int rc = la.read_next_header(archive_, &entry);
  if (rc == ARCHIVE_EOF) return std::optional<ArchiveEntryInfo>();
  if (rc < ARCHIVE_WARN) return Fail(fmt::format("entry {}", entries_ + 1));
  if (++entries_ > max_entries_) {
    return error_ = Status::InvalidArgument(
               fmt::format("'{}': more than {} entries", name_, max_entries_));
  }
  const char* path = la.entry_pathname(entry);
  ArchiveEntryInfo info;
  info.path = path ? path : "";
  if (info.path.size() > kMaxEntryName) {
    return error_ = Status::InvalidArgument(
               fmt::format("'{}': entry {} has a name of {} bytes (at most {})", name_, entries_,
                           info.path.size(), kMaxEntryName));
  }
  const unsigned type = la.entry_filetype(entry);
  if (type != AE_IFREG && type != AE_IFDIR) {
    return error_ = Status::InvalidArgument(
               fmt::format("'{}': entry '{}' is not a regular file or directory (type {:o})", name_,
                           info.path, type));
  }
  info.directory = type == AE_IFDIR;
  // tar writes "node/", zip may not: one spelling for callers.
  while (info.directory && info.path.size() > 1 && info.path.back() == '/') info.path.pop_back();
  if (la.entry_size_is_set(entry)) info.size = la.entry_size(entry);
  return std::optional<ArchiveEntryInfo>(std::move(info));
}

Status ArchiveReader::ReadData(const std::function<Status(std::string_view chunk)>& chunk) {
  if (!error_.ok()) return error_;
  const ArchiveLibrary& la = **Archive();
  char buffer[1 << 16];
  for (;;) {
    const la_ssize_t n = la.read_data(archive_, buffer, sizeof buffer);
    if (n == 0) return Status::Ok();
    if (n < 0) return Fail("reading an entry");
    if (Status status = chunk(std::string_view(buffer, static_cast<size_t>(n))); !status.ok())
      return status;
  }
}

}  // namespace flightcheck
