// A support bundle being written (issue 11): items go in one at a time, each redacted
// (runner/redactor.h) and capped on its way in, spooled to an unnamed temporary file beside the
// bundle (so that memory stays flat whatever a log's size) and then streamed into the archive
// (runner/archive_writer.h). Commit adds manifest.json (every item: source, path, bytes, sha256,
// duration, truncated, error; the redaction report, never a secret) and, when a required item
// failed, summaryErrorsReport.txt as 3DT did, then renames the finished bundle into place.
//
// Failure: an item's own failure is recorded, not returned: an optional item's entry then holds
// the error's text (as 3DT), a required one has no entry and is listed in
// summaryErrorsReport.txt. What Add and Commit return is the bundle's failure (the output: a full
// disk; an entry name that escapes the bundle), after which the bundle is abandoned: nothing is
// left at the output path, not even a temporary file.
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checks/file_io.h"
#include "checks/status.h"
#include "runner/archive_writer.h"

namespace flightcheck {

inline constexpr std::string_view kBundleManifestSchema = "flightcheck/bundle-manifest/v1";

struct BundleOptions {
  ArchiveFormat format = ArchiveFormat::kZip;  // 3DT's
  bool redact = true;                          // false only for --no-redact, recorded
  std::vector<std::string> known_secrets{};    // literals removed wherever they appear
  uint64_t max_item_bytes = 64 << 20;          // per item, after redaction; more is cut
  int64_t mtime = 0;                           // of every entry
  // Deflate (zip, tar.gz) and zstd at level 1: logs compress nearly as well as at the defaults
  // (6, 3) in a third of the time, and a bundle is wanted while something is broken
  // (bench/README.md). 0: the library's default.
  int compression_level = 1;
};

struct RedactionTally {
  std::string rule;  // runner/redactor.h's names
  int64_t count = 0;
};

struct BundleItem {
  std::string source{};  // the source's id, e.g. "journal:dcos-mesos-master.service"
  std::string path{};    // inside the bundle
  bool required = false;
  uint64_t bytes = 0;    // in the bundle
  std::string sha256{};  // of those bytes
  double seconds = 0;
  bool truncated = false;
  std::string error{};  // "" when collected
  std::vector<RedactionTally> redactions{};
};

// What a source writes its bytes into; an error it returns stops it and becomes the item's.
class ItemSink {
 public:
  virtual ~ItemSink() = default;
  virtual Status Write(std::string_view bytes) = 0;
  // True once the item reached its cap: what is written after that is dropped, so a source may
  // stop reading.
  virtual bool full() const = 0;
  // The source itself cut what it read (a command's output past its capture bound): the item is
  // marked truncated whatever its size.
  virtual void MarkTruncated() = 0;
};
using ItemProducer = std::function<Status(ItemSink&)>;

class BundleWriter {
 public:
  static Result<std::unique_ptr<BundleWriter>> Create(const std::filesystem::path& output,
                                                      BundleOptions options);
  ~BundleWriter();

  // max_bytes: this item's cap (after redaction); 0 means options.max_item_bytes.
  Status Add(std::string source, std::string path, bool required, const ItemProducer& producer,
             uint64_t max_bytes = 0);
  // Adds manifest.json and summaryErrorsReport.txt, finishes and renames the bundle; never over a
  // file that exists by then (an error instead).
  Status Commit();

  const std::vector<BundleItem>& items() const { return items_; }
  uint64_t size() const;  // bytes of the bundle written so far

 private:
  BundleWriter(std::filesystem::path output, BundleOptions options, PendingFile file);

  std::filesystem::path output_;
  BundleOptions options_;
  PendingFile file_;
  std::unique_ptr<ArchiveWriter> archive_;
  std::vector<BundleItem> items_;
  Status error_;
};

}  // namespace flightcheck
