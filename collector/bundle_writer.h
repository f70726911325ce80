// A support bundle being written (issue 11): each item is redacted (runner/redactor.h) and capped
// on its way in, spooled to an unnamed temporary file beside the bundle (so that memory stays flat
// whatever a log's size) and then streamed into the archive (runner/archive_writer.h). AddAll
// collects several items at once (commands wait on their processes, a journal walk on the disk)
// while the calling thread compresses the finished ones, in their given order. Commit adds
// manifest.json (every item: source, path, bytes, sha256, duration, truncated, error; the redaction
// report, never a secret) and, when a required item failed, summaryErrorsReport.txt as 3DT did,
// then renames the finished bundle into place.
//
// Failure: an item's own failure is recorded, not returned: an optional item's entry then holds
// the error's text (as 3DT), a required one has no entry and is listed in
// summaryErrorsReport.txt. What Add and Commit return is the bundle's failure (the output: a full
// disk; an entry name that escapes the bundle), after which the bundle is abandoned: nothing is
// left at the output path, not even a temporary file.
// Thread-safety: one thread at a time; AddAll runs producers on threads of its own (below).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stop_token>
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

// One item to collect: AddAll's unit.
struct ItemRequest {
  std::string source{}, path{};
  bool required = false;
  uint64_t max_bytes = 0;  // this item's cap (after redaction); 0: options.max_item_bytes
  ItemProducer producer{};
};

class BundleWriter {
 public:
  static Result<std::unique_ptr<BundleWriter>> Create(const std::filesystem::path& output,
                                                      BundleOptions options);
  ~BundleWriter();

  // Collects one item on this thread and adds it. max_bytes: this item's cap (after redaction);
  // 0 means options.max_item_bytes.
  Status Add(std::string source, std::string path, bool required, ItemProducer producer,
             uint64_t max_bytes = 0);
  // Collects requests with up to jobs producers running at once, each on a thread of its own (so
  // producers must be safe to run concurrently), and adds them in their order, compressing on
  // this thread; at most a few spooled items wait for their turn at a time. progress (may be
  // null) is called on this thread before each item is waited for. Once stop is requested no
  // item is started, the running ones are waited for, and Unavailable("stopped") is returned.
  Status AddAll(
      std::vector<ItemRequest> requests, size_t jobs, std::stop_token stop,
      const std::function<void(size_t done, size_t total, const std::string& path)>& progress);
  // Adds manifest.json and summaryErrorsReport.txt, finishes and renames the bundle; never over a
  // file that exists by then (an error instead).
  Status Commit();

  const std::vector<BundleItem>& items() const { return items_; }
  uint64_t size() const;  // bytes of the bundle written so far

 private:
  struct Collected;

  BundleWriter(std::filesystem::path output, BundleOptions options, PendingFile file);
  // Safe to call concurrently: reads only what Create set.
  Collected Collect(const ItemRequest& request) const;
  Status Append(Collected collected);

  std::filesystem::path output_;
  BundleOptions options_;
  PendingFile file_;
  std::unique_ptr<ArchiveWriter> archive_;
  std::vector<BundleItem> items_;
  Status error_;
};

}  // namespace flightcheck
