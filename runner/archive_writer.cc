#include "runner/archive_writer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "checks/archive_library.h"
#include "checks/scoped_fd.h"
#include "checks/sha256.h"

namespace flightcheck {
namespace {

constexpr ArchiveFormatInfo kFormats[] = {
    {ArchiveFormat::kTar, "tar", ".tar"},
    {ArchiveFormat::kTarGz, "tar.gz", ".tar.gz"},
    {ArchiveFormat::kTarZst, "tar.zst", ".tar.zst"},
    {ArchiveFormat::kZip, "zip", ".zip"},
};

// Set by Open, which cannot succeed without it; every later call uses the same library.
const ArchiveLibrary* Library() {
  Result<const ArchiveLibrary*> loaded = Archive();
  return loaded ? *loaded : nullptr;
}

}  // namespace

std::span<const ArchiveFormatInfo> ArchiveFormats() { return kFormats; }

const ArchiveFormatInfo& InfoOf(ArchiveFormat format) {
  return *std::find_if(std::begin(kFormats), std::end(kFormats),
                       [format](const ArchiveFormatInfo& info) { return info.format == format; });
}

Result<ArchiveFormat> ParseArchiveFormat(std::string_view name) {
  std::string names;
  for (const ArchiveFormatInfo& info : kFormats) {
    if (info.name == name) return info.format;
    names += names.empty() ? "" : ", ";
    names += info.name;
  }
  return Status::InvalidArgument(
      fmt::format("unknown archive format '{}'; use one of {}", name, names));
}

// Where libarchive's output goes: every byte is hashed and counted, and written to the file when
// there is one. Errors are kept here because libarchive only sees "-1" from the callback.
class ArchiveWriter::Sink {
 public:
  explicit Sink(PendingFile* file) : file_(file), error_(digest_.status()) {}

  static la_ssize_t Write(archive* /*a*/, void* self, const void* buffer, size_t length) {
    return static_cast<Sink*>(self)->Append(static_cast<const char*>(buffer), length);
  }

  const Status& error() const { return error_; }
  uint64_t size() const { return size_; }
  Result<std::string> FinishSha256() { return digest_.FinishHex(); }

 private:
  la_ssize_t Append(const char* data, size_t length) {
    if (!error_.ok()) return -1;
    if (file_ != nullptr) error_ = file_->Write(std::string_view(data, length));
    if (!error_.ok()) return -1;
    digest_.Update(std::string_view(data, length));
    size_ += length;
    return static_cast<la_ssize_t>(length);
  }

  PendingFile* file_;
  Sha256Hasher digest_;
  uint64_t size_ = 0;
  Status error_;
};

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::Open(const ArchiveWriterOptions& options,
                                                           PendingFile* out) {
  Result<const ArchiveLibrary*> loaded = Archive();
  if (!loaded) return loaded.error();
  const ArchiveLibrary& la = **loaded;
  std::unique_ptr<ArchiveWriter> writer(new ArchiveWriter(options, std::make_unique<Sink>(out)));
  if (!writer->sink_->error().ok()) return writer->sink_->error();
  writer->archive_ = la.write_new();
  if (writer->archive_ == nullptr) return Status::Internal("cannot create a libarchive writer");
  archive* a = writer->archive_;
  const std::string level = std::to_string(options.compression_level);
  const bool leveled = options.compression_level > 0;
  // pax_restricted is plain ustar unless an entry needs more. gzip's header would carry the time
  // of writing, which would make every archive different.
  bool ok = true;
  switch (options.format) {
    case ArchiveFormat::kTar:
      ok = la.write_set_format_pax_restricted(a) == ARCHIVE_OK &&
           la.write_add_filter_none(a) == ARCHIVE_OK;
      break;
    case ArchiveFormat::kTarGz:
      ok = la.write_set_format_pax_restricted(a) == ARCHIVE_OK &&
           la.write_add_filter_gzip(a) == ARCHIVE_OK &&
           la.write_set_option(a, "gzip", "timestamp", nullptr) == ARCHIVE_OK &&
           (!leveled ||
            la.write_set_option(a, "gzip", "compression-level", level.c_str()) == ARCHIVE_OK);
      break;
    case ArchiveFormat::kTarZst:
      ok = la.write_set_format_pax_restricted(a) == ARCHIVE_OK &&
           la.write_add_filter_zstd(a) == ARCHIVE_OK &&
           (!leveled ||
            la.write_set_option(a, "zstd", "compression-level", level.c_str()) == ARCHIVE_OK);
      break;
    case ArchiveFormat::kZip:
      ok = la.write_set_format_zip(a) == ARCHIVE_OK &&
           (!leveled ||
            la.write_set_option(a, "zip", "compression-level", level.c_str()) == ARCHIVE_OK);
      break;
  }
  if (!ok) {
    return writer->Fail(fmt::format("cannot set up the {} writer", InfoOf(options.format).name));
  }
  // No padding of the output to tar's 10240-byte blocks (what libarchive does for a callback, as
  // for a tape): after a compressed stream it is trailing garbage, which zstd refuses.
  if (la.write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK) {
    return writer->Fail("cannot set up the archive's blocking");
  }
  if (la.write_open2(a, writer->sink_.get(), nullptr, &Sink::Write, nullptr, nullptr) !=
      ARCHIVE_OK) {
    return writer->Fail("cannot start the archive");
  }
  return writer;
}

ArchiveWriter::ArchiveWriter(const ArchiveWriterOptions& options, std::unique_ptr<Sink> sink)
    : options_(options), sink_(std::move(sink)) {}

ArchiveWriter::~ArchiveWriter() {
  if (archive_ != nullptr) Library()->write_free(archive_);
}

Status ArchiveWriter::Fail(std::string_view what) {
  if (!error_.ok()) return error_;
  if (!sink_->error().ok()) {
    error_ = sink_->error();  // the output's own error (a full disk) says more than libarchive's
  } else {
    const char* message = Library()->error_string(archive_);
    error_ = Status::Internal(fmt::format("{}: {}", what, message ? message : "libarchive error"));
  }
  return error_;
}

Status ArchiveWriter::Header(std::string_view path, bool directory, int64_t size, mode_t mode) {
  if (!error_.ok()) return error_;
  const ArchiveLibrary& la = *Library();
  struct EntryFree {
    const ArchiveLibrary* la;
    void operator()(archive_entry* e) const { la->entry_free(e); }
  };
  std::unique_ptr<archive_entry, EntryFree> header(la.entry_new(), EntryFree{&la});
  const std::string name(path);
  la.entry_set_pathname(header.get(), name.c_str());
  la.entry_set_filetype(header.get(), directory ? AE_IFDIR : AE_IFREG);
  la.entry_set_perm(header.get(), mode);
  la.entry_set_size(header.get(), directory ? 0 : size);
  la.entry_set_mtime(header.get(), options_.mtime, 0);
  la.entry_set_uid(header.get(), 0);
  la.entry_set_gid(header.get(), 0);
  la.entry_set_uname(header.get(), "root");
  la.entry_set_gname(header.get(), "root");
  if (la.write_header(archive_, header.get()) != ARCHIVE_OK) return Fail("cannot add " + name);
  return Status::Ok();
}

Status ArchiveWriter::AddDirectory(std::string_view path, mode_t mode) {
  return Header(path, true, 0, mode);
}

Status ArchiveWriter::AddBytes(std::string_view path, std::string_view bytes, mode_t mode) {
  if (Status status = Header(path, false, static_cast<int64_t>(bytes.size()), mode); !status.ok()) {
    return status;
  }
  if (!bytes.empty() && Library()->write_data(archive_, bytes.data(), bytes.size()) !=
                            static_cast<la_ssize_t>(bytes.size())) {
    return Fail(fmt::format("cannot add {}", path));
  }
  return Status::Ok();
}

Status ArchiveWriter::AddFile(std::string_view path, const std::filesystem::path& source,
                              std::string_view what, mode_t mode) {
  if (!error_.ok()) return error_;
  const std::string name = fmt::format("{} '{}'", what, source.string());
  Result<ScopedFd> opened = OpenRegularFile(source, name);  // a FIFO must not block
  if (!opened) return opened.error();
  return AddFd(path, opened->get(), name, mode);
}

Status ArchiveWriter::AddFd(std::string_view path, int fd, std::string_view what, mode_t mode) {
  if (!error_.ok()) return error_;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::FromErrno(fmt::format("cannot read {}", what), errno);
  if (Status status = Header(path, false, st.st_size, mode); !status.ok()) return status;
  // Exactly the size in the header: a file that changes while it is copied is an error, not a
  // corrupt archive.
  char buffer[64 << 10];
  for (int64_t left = st.st_size, offset = 0; left > 0;) {
    const ssize_t n = ::pread(fd, buffer, std::min<int64_t>(left, sizeof buffer), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(fmt::format("cannot read {}", what), errno);
    if (n == 0) return Status::Internal(fmt::format("{} shrank while it was copied", what));
    if (Library()->write_data(archive_, buffer, static_cast<size_t>(n)) != n) {
      return Fail(fmt::format("cannot add {}", path));
    }
    left -= n;
    offset += n;
  }
  return Status::Ok();
}

Status ArchiveWriter::Close() {
  if (!error_.ok()) return error_;
  if (Library()->write_close(archive_) != ARCHIVE_OK) return Fail("cannot finish the archive");
  return sink_->error();
}

uint64_t ArchiveWriter::size() const { return sink_->size(); }

Result<std::string> ArchiveWriter::FinishSha256() { return sink_->FinishSha256(); }

Status CheckEntryName(std::string_view path) {
  const auto refuse = [path](std::string_view why) {
    return Status::InvalidArgument(
        fmt::format("entry name '{}' {}: names inside a bundle are relative paths without '..'",
                    path.find('\0') == std::string_view::npos ? path : "(with a NUL byte)", why));
  };
  if (path.empty()) return refuse("is empty");
  if (path.find('\0') != std::string_view::npos) return refuse("holds a NUL byte");
  if (path.front() == '/') return refuse("is absolute");
  if (path.find('\\') != std::string_view::npos) return refuse("holds a backslash");
  for (size_t start = 0; start <= path.size();) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      return refuse("has an empty, '.' or '..' part");
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace flightcheck
