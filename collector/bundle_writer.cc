#include "collector/bundle_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/scoped_fd.h"
#include "checks/sha256.h"
#include "runner/redactor.h"
#include "runner/report.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;

// Redacts, caps, hashes and spools an item's bytes.
class SpoolSink : public ItemSink {
 public:
  SpoolSink(int fd, const BundleOptions& options, uint64_t cap)
      : fd_(fd), redact_(options.redact), cap_(cap) {
    if (redact_) redactor_.emplace(options.known_secrets);
  }

  Status Write(std::string_view bytes) override {
    if (!redactor_) return Spool(bytes);
    std::string redacted;
    redactor_->Feed(bytes, &redacted);
    return Spool(redacted);
  }

  // The rest of a redacted stream (a last line without its newline).
  Status Finish() {
    if (!redactor_) return Status::Ok();
    std::string rest;
    redactor_->Finish(&rest);
    return Spool(rest);
  }

  // Written whatever the cap: the reason an item is incomplete must be in it.
  Status Append(std::string_view bytes) { return WriteAll(bytes); }

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
    return WriteAll(bytes);
  }

  Status WriteAll(std::string_view bytes) {
    if (!output_error_.ok()) return output_error_;
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        output_error_ = Status::FromErrno("cannot spool a bundle item", errno);
        return output_error_;
      }
      digest_.Update(bytes.substr(0, static_cast<size_t>(n)));
      written_ += static_cast<uint64_t>(n);
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  int fd_;
  bool redact_;
  uint64_t cap_;
  std::optional<Redactor> redactor_;
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

Status BundleWriter::Add(std::string source, std::string path, bool required,
                         const ItemProducer& producer, uint64_t max_bytes) {
  if (!error_.ok()) return error_;
  if (Status status = CheckEntryName(path); !status.ok()) return error_ = status;
  const fs::path directory = output_.parent_path().empty() ? "." : output_.parent_path();
  // Beside the bundle: the same filesystem, so a full disk shows here too.
  Result<ScopedFd> spool = OpenUnnamedFile(directory);
  if (!spool) return error_ = spool.error();

  BundleItem item{.source = std::move(source), .path = std::move(path), .required = required};
  SpoolSink sink(spool->get(), options_, max_bytes > 0 ? max_bytes : options_.max_item_bytes);
  const auto started = std::chrono::steady_clock::now();
  Status produced = producer(sink);
  if (Status finished = sink.Finish(); produced.ok()) produced = finished;
  item.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!sink.output_error().ok()) {
    return error_ = sink.output_error();  // the disk, not the source: the bundle cannot go on
  }
  if (!produced.ok()) {
    // An error message may quote what failed (a command line with a password in it): it goes
    // into the item, the manifest and summaryErrorsReport.txt, so it is redacted too.
    item.error = options_.redact ? Redactor(options_.known_secrets).Redact(produced.ToString())
                                 : produced.ToString();
    // An optional item keeps what it collected and says why it stopped; a required one that
    // failed has no entry (summaryErrorsReport.txt lists it), as 3DT did.
    if (!required) {
      (void)sink.Append(fmt::format("{}flightcheck: {}\n", sink.bytes() ? "\n" : "", item.error));
      if (!sink.output_error().ok()) return error_ = sink.output_error();
    }
  }
  item.truncated = sink.truncated();
  item.redactions = sink.Tallies();
  if (required && !produced.ok()) {
    items_.push_back(std::move(item));
    return Status::Ok();
  }
  Result<std::string> sha256 = sink.FinishSha256();
  if (!sha256) return error_ = sha256.error();
  item.sha256 = *sha256;
  item.bytes = sink.bytes();
  if (Status status = archive_->AddFd(item.path, spool->get(), item.path, 0600); !status.ok()) {
    return error_ = status;
  }
  items_.push_back(std::move(item));
  return Status::Ok();
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
