#include "collector/bundle_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/scoped_fd.h"
#include "checks/sha256.h"
#include "runner/redactor.h"
#include "runner/report.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;

// Redacts, caps, hashes and spools an item's bytes. Sources write a line at a time (a journal
// is millions of them), so the spool is written in blocks of kBlockBytes, not per Write.
class SpoolSink : public ItemSink {
 public:
  static constexpr size_t kBlockBytes = 256 << 10;

  SpoolSink(int fd, const BundleOptions& options, uint64_t cap)
      : fd_(fd), redact_(options.redact), cap_(cap) {
    if (redact_) redactor_.emplace(options.known_secrets);
    block_.reserve(kBlockBytes);
  }

  Status Write(std::string_view bytes) override {
    if (!redactor_) return Spool(bytes);
    redacted_.clear();
    redactor_->Feed(bytes, &redacted_);
    return Spool(redacted_);
  }

  // The rest of a redacted stream (a last line without its newline), and what is still in the
  // block: after this the spool holds every byte.
  Status Finish() {
    if (redactor_) {
      redacted_.clear();
      redactor_->Finish(&redacted_);
      if (Status status = Spool(redacted_); !status.ok()) return status;
    }
    return Flush();
  }

  // Written whatever the cap: the reason an item is incomplete must be in it.
  Status Append(std::string_view bytes) {
    if (Status status = Buffer(bytes); !status.ok()) return status;
    return Flush();
  }

  std::vector<RedactionTally> Tallies() const {
    std::vector<RedactionTally> tallies;
    if (!redactor_) return tallies;
    for (size_t rule = 0; rule < kRedactionRuleCount; ++rule) {
      if (redactor_->counts()[rule] == 0) continue;
      tallies.push_back({std::string(RedactionRuleName(static_cast<RedactionRule>(rule))),
                         redactor_->counts()[rule]});
    }
    return tallies;
  }

  bool full() const override { return written_ >= cap_; }
  void MarkTruncated() override { truncated_ = true; }
  bool truncated() const { return truncated_; }
  uint64_t bytes() const { return written_; }
  Result<std::string> FinishSha256() { return digest_.FinishHex(); }
  // A failure of the spool itself (the disk), as opposed to the source's.
  const Status& output_error() const { return output_error_; }

 private:
  Status Spool(std::string_view bytes) {
    if (written_ >= cap_) {
      truncated_ = truncated_ || !bytes.empty();
      return Status::Ok();
    }
    if (bytes.size() > cap_ - written_) {
      bytes = bytes.substr(0, cap_ - written_);
      truncated_ = true;
    }
    return Buffer(bytes);
  }

  // Counted and hashed as accepted; on the disk by the next Flush.
  Status Buffer(std::string_view bytes) {
    if (!output_error_.ok()) return output_error_;
    digest_.Update(bytes);
    written_ += bytes.size();
    block_.append(bytes);
    return block_.size() >= kBlockBytes ? Flush() : Status::Ok();
  }

  Status Flush() {
    std::string_view rest = block_;
    while (output_error_.ok() && !rest.empty()) {
      const ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        output_error_ = Status::FromErrno("cannot spool a bundle item", errno);
        break;
      }
      rest.remove_prefix(static_cast<size_t>(n));
    }
    block_.clear();
    return output_error_;
  }

  int fd_;
  bool redact_;
  uint64_t cap_;
  std::optional<Redactor> redactor_;
  std::string redacted_;  // Write's, reused
  std::string block_;     // accepted, not yet written
  Sha256Hasher digest_;
  uint64_t written_ = 0;
  bool truncated_ = false;
  Status output_error_;
};

nlohmann::json ManifestJson(const BundleOptions& options, const std::vector<BundleItem>& items) {
  nlohmann::json list = nlohmann::json::array();
  nlohmann::json redactions = nlohmann::json::array();
  nlohmann::json errors = nlohmann::json::array();
  for (const BundleItem& item : items) {
    list.push_back({{"source", item.source},
                    {"path", item.path},
                    {"required", item.required},
                    {"bytes", item.bytes},
                    {"sha256", item.sha256},
                    {"seconds", item.seconds},
                    {"truncated", item.truncated},
                    {"error", item.error.empty() ? nlohmann::json() : nlohmann::json(item.error)}});
    for (const RedactionTally& tally : item.redactions) {
      redactions.push_back({{"path", item.path}, {"rule", tally.rule}, {"count", tally.count}});
    }
    if (!item.error.empty()) errors.push_back(fmt::format("{}: {}", item.source, item.error));
  }
  return {{"schema", kBundleManifestSchema},
          {"created_at", NowRfc3339()},
          {"format", InfoOf(options.format).name},
          {"redacted", options.redact},
          {"items", std::move(list)},
          {"redactions", std::move(redactions)},
          {"errors", std::move(errors)}};
}

}  // namespace

Result<std::unique_ptr<BundleWriter>> BundleWriter::Create(const fs::path& output,
                                                           BundleOptions options) {
  Result<PendingFile> file = PendingFile::Create(output);
  if (!file) return file.error();
  std::unique_ptr<BundleWriter> writer(
      new BundleWriter(output, std::move(options), std::move(*file)));
  Result<std::unique_ptr<ArchiveWriter>> archive =
      ArchiveWriter::Open({.format = writer->options_.format,
                           .compression_level = writer->options_.compression_level,
                           .mtime = writer->options_.mtime},
                          &writer->file_);
  if (!archive) return archive.error();
  writer->archive_ = std::move(*archive);
  return writer;
}

BundleWriter::BundleWriter(fs::path output, BundleOptions options, PendingFile file)
    : output_(std::move(output)), options_(std::move(options)), file_(std::move(file)) {}

BundleWriter::~BundleWriter() = default;  // not committed: the PendingFile removes the file

uint64_t BundleWriter::size() const { return archive_ ? archive_->size() : 0; }

// An item as its producer left it: its record and its spooled bytes, not yet in the archive.
struct BundleWriter::Collected {
  Status error{};  // the bundle's (the disk; a name that escapes): Append returns it
  BundleItem item{};
  ScopedFd spool{};  // not valid: the item has no entry (a required item that failed)
};

BundleWriter::Collected BundleWriter::Collect(const ItemRequest& request) const {
  Collected collected;
  if (Status status = CheckEntryName(request.path); !status.ok()) {
    collected.error = status;
    return collected;
  }
  const fs::path directory = output_.parent_path().empty() ? "." : output_.parent_path();
  // Beside the bundle: the same filesystem, so a full disk shows here too.
  Result<ScopedFd> spool = OpenUnnamedFile(directory);
  if (!spool) {
    collected.error = spool.error();
    return collected;
  }

  BundleItem& item = collected.item;
  item = {.source = request.source, .path = request.path, .required = request.required};
  SpoolSink sink(spool->get(), options_,
                 request.max_bytes > 0 ? request.max_bytes : options_.max_item_bytes);
  const auto started = std::chrono::steady_clock::now();
  Status produced = request.producer(sink);
  if (Status finished = sink.Finish(); produced.ok()) produced = finished;
  item.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!produced.ok() && sink.output_error().ok()) {
    // An error message may quote what failed (a command line with a password in it): it goes
    // into the item, the manifest and summaryErrorsReport.txt, so it is redacted too.
    item.error = options_.redact ? Redactor(options_.known_secrets).Redact(produced.ToString())
                                 : produced.ToString();
    // An optional item keeps what it collected and says why it stopped; a required one that
    // failed has no entry (summaryErrorsReport.txt lists it), as 3DT did.
    if (!request.required) {
      (void)sink.Append(fmt::format("{}flightcheck: {}\n", sink.bytes() ? "\n" : "", item.error));
    }
  }
  if (!sink.output_error().ok()) {
    collected.error = sink.output_error();  // the disk, not the source: the bundle cannot go on
    return collected;
  }
  item.truncated = sink.truncated();
  item.redactions = sink.Tallies();
  if (request.required && !produced.ok()) return collected;
  Result<std::string> sha256 = sink.FinishSha256();
  if (!sha256) {
    collected.error = sha256.error();
    return collected;
  }
  item.sha256 = *sha256;
  item.bytes = sink.bytes();
  collected.spool = std::move(*spool);
  return collected;
}

Status BundleWriter::Append(Collected collected) {
  if (!error_.ok()) return error_;
  if (!collected.error.ok()) return error_ = collected.error;
  if (collected.spool.valid()) {
    if (Status status =
            archive_->AddFd(collected.item.path, collected.spool.get(), collected.item.path, 0600);
        !status.ok()) {
      return error_ = status;
    }
  }
  items_.push_back(std::move(collected.item));
  return Status::Ok();
}

Status BundleWriter::Add(std::string source, std::string path, bool required, ItemProducer producer,
                         uint64_t max_bytes) {
  if (!error_.ok()) return error_;
  return Append(Collect({.source = std::move(source),
                         .path = std::move(path),
                         .required = required,
                         .max_bytes = max_bytes,
                         .producer = std::move(producer)}));
}

Status BundleWriter::AddAll(
    std::vector<ItemRequest> requests, size_t jobs, std::stop_token stop,
    const std::function<void(size_t done, size_t total, const std::string& path)>& progress) {
  if (!error_.ok()) return error_;
  const size_t total = requests.size();
  jobs = std::clamp<size_t>(jobs, 1, std::max<size_t>(total, 1));
  // A spooled item waiting for its turn holds a descriptor and its bytes on the disk: only a
  // few may run ahead of the one being compressed.
  const size_t ahead = 2 * jobs;
  std::mutex mutex;
  std::condition_variable_any changed;
  std::vector<std::optional<Collected>> collected(total);
  size_t next = 0;       // the next request to start
  size_t appended = 0;   // requests in the archive
  bool abandon = false;  // the bundle failed: start nothing more
  const auto collect = [&] {
    std::unique_lock lock(mutex);
    while (changed.wait(lock, stop,
                        [&] { return abandon || next >= total || next < appended + ahead; }) &&
           !abandon && !stop.stop_requested() && next < total) {
      const size_t index = next++;
      lock.unlock();
      Collected item = Collect(requests[index]);
      lock.lock();
      collected[index] = std::move(item);
      changed.notify_all();
    }
  };
  Status status;
  {
    std::vector<std::jthread> workers;
    for (size_t i = 0; i < jobs; ++i) workers.emplace_back(collect);
    for (size_t i = 0; i < total && status.ok(); ++i) {
      if (progress) progress(i, total, requests[i].path);
      std::unique_lock lock(mutex);
      if (!changed.wait(lock, stop, [&] { return collected[i].has_value(); })) {
        status = Status::Unavailable("stopped");
        break;
      }
      Collected item = std::move(*collected[i]);
      collected[i].reset();
      lock.unlock();
      status = Append(std::move(item));
      lock.lock();
      ++appended;
      abandon = !status.ok();
      changed.notify_all();
    }
    {
      std::lock_guard lock(mutex);
      abandon = true;
    }
    changed.notify_all();
  }  // the workers finish the items they run (stop ends their producers) and are joined
  return status;
}

Status BundleWriter::Commit() {
  if (!error_.ok()) return error_;
  std::string summary;
  for (const BundleItem& item : items_) {
    if (item.required && !item.error.empty()) summary += item.source + ": " + item.error + "\n";
  }
  if (!summary.empty()) {
    if (Status status = archive_->AddBytes("summaryErrorsReport.txt", summary, 0600);
        !status.ok()) {
      return error_ = status;
    }
  }
  if (Status status =
          archive_->AddBytes("manifest.json", ManifestJson(options_, items_).dump(2) + "\n", 0600);
      !status.ok()) {
    return error_ = status;
  }
  if (Status status = archive_->Close(); !status.ok()) return error_ = status;
  // 0600: logs and configs, even redacted, are for the people the owner sends them to.
  // Never over another bundle: two made in the same second must not lose one.
  if (Status status = file_.Commit(0600, /*replace=*/false); !status.ok()) return error_ = status;
  return Status::Ok();
}

}  // namespace flightcheck
