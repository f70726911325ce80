#include "collector/cluster_bundle.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "checks/host_context.h"
#include "collector/sources.h"
#include "runner/archive_reader.h"

namespace flightcheck {
namespace {

// The name a part's entry gets in the cluster bundle.
std::string MergedName(const std::string& directory, const std::string& entry) {
  if (entry.starts_with(directory + "/")) return entry;
  return directory + "/" + entry;
}

Result<std::unique_ptr<ArchiveReader>> OpenPart(int fd) {
  if (::lseek(fd, 0, SEEK_SET) != 0) return Status::FromErrno("rewinding the part", errno);
  // /proc/self/fd: the part is an unnamed file; libarchive reads it by name like any other.
  return ArchiveReader::OpenFile(fmt::format("/proc/self/fd/{}", fd));
}

// The current entry's bytes as an item; a read error is kept in *read_error too, so that it fails
// the node and not only the item. Past the item's cap the rest would be dropped anyway: it is not
// decompressed further (a part may be a decompression bomb), and the item is marked truncated.
ItemProducer EntryData(ArchiveReader& part, Status* read_error) {
  return [&part, read_error](ItemSink& sink) {
    bool full = false;
    *read_error = part.ReadData([&](std::string_view chunk) -> Status {
      // One chunk past a full item, as HostFile does: that one marks it truncated.
      full = sink.full();
      if (Status written = sink.Write(chunk); !written.ok()) return written;
      return full ? Status::Unavailable("the item is full") : Status::Ok();
    });
    if (full) *read_error = Status::Ok();
    return *read_error;
  };
}

}  // namespace

std::string ClusterBundle::NodeDirectory(const std::string& address, const std::string& role) {
  return fmt::format("{}_{}", address, role);
}

Status ClusterBundle::AddPart(const std::string& address, const std::string& role, int fd) {
  const std::string directory = NodeDirectory(address, role);
  if (Status status = CheckEntryName(directory); !status.ok()) return status;
  // First pass: every name, before anything of this part goes into the bundle.
  {
    Result<std::unique_ptr<ArchiveReader>> reader = OpenPart(fd);
    if (!reader) return reader.error();
    for (;;) {
      Result<std::optional<ArchiveEntryInfo>> entry = (*reader)->Next();
      if (!entry) return entry.error();
      if (!*entry) break;
      if (Status status = CheckEntryName((*entry)->path); !status.ok()) return status;
    }
  }
  Result<std::unique_ptr<ArchiveReader>> reader = OpenPart(fd);
  if (!reader) return reader.error();
  // Data that fails half-way (corrupt after its names were read) leaves what was merged, each
  // entry whole and counted in the report, and the rest is the error that fails the node.
  size_t& merged = merged_[directory];
  merged = 0;
  for (;;) {
    Result<std::optional<ArchiveEntryInfo>> entry = (*reader)->Next();
    if (!entry) return entry.error();
    if (!*entry) return Status::Ok();
    if ((*entry)->directory) continue;
    Status read_error;
    if (Status status = writer_.Add("node:" + directory, MergedName(directory, (*entry)->path),
                                    false, EntryData(**reader, &read_error));
        !status.ok()) {
      return status;
    }
    if (!read_error.ok()) return read_error;
    ++merged;
  }
}

Status ClusterBundle::AddBootstrap(const std::filesystem::path& genconf) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;  // relative to genconf
  for (const char* directory : {"state", "logs"}) {
    std::error_code ec;
    fs::recursive_directory_iterator it(genconf / directory,
                                        fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (files.size() >= kMaxBootstrapFiles) break;
      if (it->symlink_status(ec).type() != fs::file_type::regular) continue;
      files.push_back(fs::relative(it->path(), genconf, ec).generic_string());
    }
  }
  std::sort(files.begin(), files.end());
  HostContext host;  // the files, read as a host's under its root
  host.root = genconf;
  size_t added = 0;
  for (const std::string& file : files) {
    const std::string name = "bootstrap/" + file;
    if (!CheckEntryName(name).ok()) continue;
    if (Status status = writer_.Add("bootstrap", name, false, HostFile(host, "/" + file));
        !status.ok()) {
      return status;
    }
    ++added;
  }
  bootstrap_entries_ = added;
  return Status::Ok();
}

nlohmann::json ClusterBundle::Report(const std::vector<ClusterNode>& nodes) const {
  nlohmann::json list = nlohmann::json::array();
  size_t collected = 0;
  for (const ClusterNode& node : nodes) {
    const std::string directory = NodeDirectory(node.address, node.role);
    const auto merged = merged_.find(directory);
    const bool present = merged != merged_.end() && merged->second > 0;
    collected += node.status == "success";
    list.push_back({{"address", node.address},
                    {"role", node.role},
                    {"directory", present ? nlohmann::json(directory) : nullptr},
                    {"status", node.status},
                    {"message", node.message},
                    {"log", node.log},
                    {"entries", merged != merged_.end() ? merged->second : 0}});
  }
  nlohmann::json report = {{"schema", "flightcheck/cluster-bundle-report/v1"},
                           {"nodes", std::move(list)},
                           {"collected", collected},
                           {"missing", nodes.size() - collected}};
  if (bootstrap_entries_) {
    report["bootstrap"] = {{"directory", "bootstrap"}, {"entries", *bootstrap_entries_}};
  }
  return report;
}

Status ClusterBundle::Finish(const std::vector<ClusterNode>& nodes) {
  const std::string report = Report(nodes).dump(2) + "\n";
  if (Status status = writer_.Add("report", "report.json", true,
                                  [&](ItemSink& sink) { return sink.Write(report); });
      !status.ok()) {
    return status;
  }
  return writer_.Commit();
}

}  // namespace flightcheck
