#include "collector/cluster_bundle.h"

#include <unistd.h>

#include <fmt/format.h>

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
  size_t merged = 0;
  for (;;) {
    Result<std::optional<ArchiveEntryInfo>> entry = (*reader)->Next();
    if (!entry) return entry.error();
    if (!*entry) break;
    if ((*entry)->directory) continue;
    ArchiveReader& part = **reader;
    // A part that fails half-way (cut by the network after its names were read) leaves what was
    // merged, each entry whole, and the rest is the error that fails the node.
    Status read_error;
    if (Status status = writer_.Add(
            "node:" + directory, MergedName(directory, (*entry)->path), false,
            [&](ItemSink& sink) {
              read_error = part.ReadData([&](std::string_view chunk) { return sink.Write(chunk); });
              return read_error;
            });
        !status.ok()) {
      return status;
    }
    if (!read_error.ok()) return read_error;
    ++merged;
  }
  merged_[directory] = merged;
  return Status::Ok();
}

nlohmann::json ClusterBundle::Report(const std::vector<ClusterNode>& nodes) const {
  nlohmann::json list = nlohmann::json::array();
  for (const ClusterNode& node : nodes) {
    const std::string directory = NodeDirectory(node.address, node.role);
    const auto merged = merged_.find(directory);
    list.push_back({{"address", node.address},
                    {"role", node.role},
                    {"directory", merged != merged_.end() ? nlohmann::json(directory) : nullptr},
                    {"status", node.status},
                    {"message", node.message},
                    {"log", node.log},
                    {"entries", merged != merged_.end() ? merged->second : 0}});
  }
  return {{"schema", "flightcheck/cluster-bundle-report/v1"},
          {"nodes", std::move(list)},
          {"collected", merged_.size()},
          {"missing", nodes.size() - std::min(nodes.size(), merged_.size())}};
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
