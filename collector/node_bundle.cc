#include "collector/node_bundle.h"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "checks/deadline.h"
#include "checks/journal_reader.h"
#include "collector/sources.h"

namespace flightcheck {
namespace {

// The units matching names (globs allowed) as the systemd_unit probe sees them.
Result<Facts> UnitStates(const std::vector<std::string>& names, const HostContext& host,
                         const ProbeRegistry& registry, std::chrono::milliseconds timeout) {
  const ProbeEntry* probe = registry.Find("systemd_unit");
  if (probe == nullptr) return Status::Internal("the systemd_unit probe is not registered");
  Result<Params> params = ValidateParams(probe->descriptor, Params{{"names", names}});
  if (!params) return params.error();
  return probe->function(*params, host, Deadline::In(timeout));
}

bool ForRole(const BundleSource& source, const std::string& role) {
  return source.roles.empty() ||
         std::find(source.roles.begin(), source.roles.end(), role) != source.roles.end();
}

// The logged units that names (plain names or globs) select, in the journal's order, each once.
std::vector<std::string> MatchingUnits(const std::vector<std::string>& names,
                                       const std::vector<std::string>& logged) {
  std::vector<std::string> matching;
  for (const std::string& unit : logged) {
    for (const std::string& name : names) {
      if (::fnmatch(name.c_str(), unit.c_str(), 0) == 0) {
        matching.push_back(unit);
        break;
      }
    }
  }
  return matching;
}

// What a command's output or an endpoint's answer may hold in memory before it is spooled: the
// source's max_bytes, 16 MiB when it sets none, never more than 64 MiB (memory stays bounded
// whatever a sources file says).
size_t CapturedBytes(const BundleSource& source) {
  constexpr uint64_t kDefault = 16 << 20, kMost = 64 << 20;
  return static_cast<size_t>(std::min(source.max_bytes > 0 ? source.max_bytes : kDefault, kMost));
}

ItemProducer Failing(Status status) {
  return [status](ItemSink&) { return status; };
}

}  // namespace

Status CollectNodeBundle(const NodeBundleRequest& request, const HostContext& host,
                         const ProbeRegistry& registry, BundleWriter& writer) {
  std::vector<ItemRequest> items;
  const std::string& prefix = request.prefix;
  for (const BundleSource& source : request.sources) {
    if (!ForRole(source, request.role)) continue;
    switch (source.kind) {
      case BundleSourceKind::kJournal: {
        std::optional<uint64_t> since;
        const std::chrono::seconds age = request.since.value_or(source.since);
        if (age.count() > 0) {
          const auto now = std::chrono::system_clock::now().time_since_epoch();
          since = static_cast<uint64_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(now - age).count());
        }
        // Over the journal itself, not the manager: units that logged and are gone count, and
        // no manager is needed (a bundle of a broken host, or of journal files).
        Result<std::vector<std::string>> logged =
            JournalUnits(host, Deadline::In(source.timeout).WithStop(request.stop));
        if (!logged) {
          items.push_back({source.id, fmt::format("{}/journal/{}.log", prefix, source.id),
                           source.required, source.max_bytes,
                           Failing(logged.error().WithContext("listing the journal's units"))});
          break;
        }
        for (const std::string& name : MatchingUnits(source.units, *logged)) {
          items.push_back({fmt::format("{}:{}", source.id, name),
                           fmt::format("{}/journal/{}.log", prefix, name), source.required,
                           source.max_bytes,
                           UnitJournal(host, name, since, source.timeout, request.stop)});
        }
        break;
      }
      case BundleSourceKind::kUnits:
        items.push_back(
            {source.id, fmt::format("{}/units/{}.json", prefix, source.id), source.required,
             source.max_bytes, [&host, &registry, source](ItemSink& sink) -> Status {
               Result<Facts> states = UnitStates(source.units, host, registry, source.timeout);
               if (!states) return states.error();
               return sink.Write(states->dump(2) + "\n");
             }});
        break;
      case BundleSourceKind::kCommand:
        items.push_back({source.id, fmt::format("{}/commands/{}.txt", prefix, source.id),
                         source.required, source.max_bytes,
                         CommandOutput(*host.commands, source.argv, source.timeout,
                                       CapturedBytes(source), request.stop)});
        break;
      case BundleSourceKind::kHttp:
        items.push_back(
            {source.id, fmt::format("{}/http/{}.txt", prefix, source.id), source.required,
             CapturedBytes(source),
             HttpEndpoint(source.url, source.timeout, CapturedBytes(source), request.stop)});
        break;
      case BundleSourceKind::kFile:
        items.push_back({source.id, fmt::format("{}/files{}", prefix, source.path), source.required,
                         source.max_bytes, HostFile(host, source.path)});
        break;
    }
  }
  if (request.stop.stop_requested()) return Status::Unavailable("stopped");
  return writer.AddAll(std::move(items), request.jobs, request.stop, request.progress);
}

Result<std::vector<BundleItem>> WriteNodeBundle(const std::filesystem::path& output,
                                                const BundleOptions& options,
                                                const NodeBundleRequest& request,
                                                const HostContext& host,
                                                const ProbeRegistry& registry) {
  Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(output, options);
  if (!writer) return writer.error();
  if (Status status = CollectNodeBundle(request, host, registry, **writer); !status.ok()) {
    return status;
  }
  if (request.stop.stop_requested()) return Status::Unavailable("stopped");
  if ((*writer)->items().empty()) {
    return Status::InvalidArgument(fmt::format(
        "no source of {} applies to role {}",
        request.sources_name.empty() ? "the sources" : request.sources_name, request.role));
  }
  if (Status status = (*writer)->Commit(); !status.ok()) return status;
  return (*writer)->items();
}

std::vector<std::string> RequiredFailures(const std::vector<BundleItem>& items) {
  std::vector<std::string> failures;
  for (const BundleItem& item : items) {
    if (item.required && !item.error.empty()) failures.push_back(item.source + ": " + item.error);
  }
  return failures;
}

}  // namespace flightcheck
