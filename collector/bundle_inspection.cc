#include "collector/bundle_inspection.h"

#include <map>

#include <fmt/format.h>

#include "checks/sha256.h"
#include "collector/bundle_writer.h"
#include "runner/archive_reader.h"

namespace flightcheck {
namespace {

constexpr uint64_t kMaxManifestBytes = uint64_t{64} << 20;

struct EntryDigest {
  uint64_t bytes = 0;
  std::string sha256;
};

// The items of a manifest compared with the entries found. Every field is checked for its type
// before it is read: a manifest is input like any other.
void CompareWithManifest(const nlohmann::json& manifest, std::map<std::string, EntryDigest> entries,
                         std::vector<std::string>& problems) {
  if (!manifest.is_object() || !manifest.contains("schema") || !manifest["schema"].is_string()) {
    problems.push_back("manifest.json: not a bundle manifest (no \"schema\")");
    return;
  }
  if (manifest["schema"].get<std::string>() != kBundleManifestSchema) {
    problems.push_back(fmt::format("manifest.json: schema \"{}\" is not {}",
                                   manifest["schema"].get<std::string>(), kBundleManifestSchema));
    return;
  }
  if (!manifest.contains("items") || !manifest["items"].is_array()) {
    problems.push_back("manifest.json: \"items\" is not a list");
    return;
  }
  entries.erase("manifest.json");
  entries.erase("summaryErrorsReport.txt");
  size_t index = 0;
  for (const nlohmann::json& item : manifest["items"]) {
    ++index;
    if (!item.is_object() || !item.contains("path") || !item["path"].is_string() ||
        !item.contains("sha256") || !item["sha256"].is_string() || !item.contains("bytes") ||
        !item["bytes"].is_number_unsigned()) {
      problems.push_back(
          fmt::format("manifest.json: item {} lacks a string path, sha256 or a byte count", index));
      continue;
    }
    const std::string path = item["path"].get<std::string>();
    const std::string sha256 = item["sha256"].get<std::string>();
    const auto found = entries.find(path);
    // A required item that failed has no entry and no digest.
    if (sha256.empty()) {
      if (found != entries.end()) {
        problems.push_back(
            fmt::format("{}: in the bundle, but the manifest records it failed", path));
        entries.erase(found);
      }
      continue;
    }
    if (found == entries.end()) {
      problems.push_back(fmt::format("{}: in the manifest, missing from the bundle", path));
      continue;
    }
    if (found->second.sha256 != sha256) {
      problems.push_back(fmt::format("{}: sha256 is {}, the manifest says {}", path,
                                     found->second.sha256, sha256));
    } else if (found->second.bytes != item["bytes"].get<uint64_t>()) {
      problems.push_back(fmt::format("{}: {} bytes, the manifest says {}", path,
                                     found->second.bytes, item["bytes"].get<uint64_t>()));
    }
    entries.erase(found);
  }
  for (const auto& [path, digest] : entries) {
    problems.push_back(fmt::format("{}: in the bundle, not in the manifest", path));
  }
}

}  // namespace

Result<BundleContents> ReadBundle(const std::filesystem::path& path) {
  Result<std::unique_ptr<ArchiveReader>> reader = ArchiveReader::OpenFile(path);
  if (!reader) return reader.error();
  BundleContents contents;
  std::map<std::string, EntryDigest> entries;
  std::string manifest_text, report_text;
  bool has_manifest = false;
  for (;;) {
    Result<std::optional<ArchiveEntryInfo>> entry = (*reader)->Next();
    if (!entry) return entry.error();
    if (!*entry) break;
    if ((*entry)->directory) continue;
    const std::string name = (*entry)->path;
    // The documents kept whole, as their last copy in the archive.
    std::string* kept = name == "manifest.json" ? &manifest_text
                        : name == "report.json" ? &report_text
                                                : nullptr;
    if (Status status = CheckEntryName(name); !status.ok()) {
      contents.problems.push_back(status.message());
    }
    Sha256Hasher hasher;
    EntryDigest digest;
    if (kept != nullptr) kept->clear();
    has_manifest = has_manifest || name == "manifest.json";
    if (Status status = (*reader)->ReadData([&](std::string_view chunk) -> Status {
          hasher.Update(chunk);
          digest.bytes += chunk.size();
          if (kept != nullptr) {
            if (kept->size() + chunk.size() > kMaxManifestBytes) {
              return Status::InvalidArgument(fmt::format(
                  "'{}': {} is larger than {} MiB", path.string(), name, kMaxManifestBytes >> 20));
            }
            kept->append(chunk);
          }
          return Status::Ok();
        });
        !status.ok()) {
      return status;
    }
    Result<std::string> hex = hasher.FinishHex();
    if (!hex) return hex.error();
    digest.sha256 = std::move(*hex);
    ++contents.entries;
    contents.bytes += digest.bytes;
    if (!entries.emplace(name, std::move(digest)).second) {
      contents.problems.push_back(fmt::format("{}: in the bundle twice", name));
    }
  }
  if (!has_manifest) {
    contents.problems.push_back("manifest.json: missing: this is not a flightcheck bundle");
    return contents;
  }
  if (!report_text.empty()) {
    contents.report = nlohmann::json::parse(report_text, nullptr, /*allow_exceptions=*/false);
    if (contents.report.is_discarded()) contents.report = nullptr;
  }
  contents.manifest = nlohmann::json::parse(manifest_text, nullptr, /*allow_exceptions=*/false);
  if (contents.manifest.is_discarded()) {
    contents.manifest = nullptr;
    contents.problems.push_back("manifest.json: not valid JSON");
    return contents;
  }
  CompareWithManifest(contents.manifest, std::move(entries), contents.problems);
  return contents;
}

}  // namespace flightcheck
