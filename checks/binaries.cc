#include <algorithm>

#include <fmt/format.h>

#include "checks/probe.h"

namespace flightcheck {
namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "binaries",
      .summary = "Which of the named programs are in the host's system PATH.",
      .params = {{.name = "names",
                  .type = ParamType::kStringList,
                  .required = true,
                  .default_value = nullptr,
                  .doc = "program names, e.g. [curl, ipset, tar]"}},
      .facts = {{"found", FactType::ListOf(FactKind::kString), "names found, in the order given"},
                {"missing", FactType::ListOf(FactKind::kString),
                 "names not found, in the order given"},
                {"paths", FactType::MapOf(FactKind::kString),
                 "host path of each found name (\"/usr/bin/curl\")"}},
      .default_timeout = Milliseconds(2000),
  };
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  Facts found = Facts::array();
  Facts missing = Facts::array();
  Facts paths = Facts::object();
  for (const auto& item : params["names"]) {
    const std::string& name = item.get_ref<const std::string&>();
    // The system PATH is searched by plain name; a path would bypass it.
    if (name.empty() || name.find('/') != std::string::npos) {
      return Status::InvalidArgument(
          fmt::format("'{}' is not a program name (no '/' allowed)", name));
    }
    if (paths.contains(name) || std::find(missing.begin(), missing.end(), name) != missing.end()) {
      continue;
    }
    // A directory that cannot be searched may hold the program: that is not "missing".
    Result<std::optional<std::string>> path = host.SearchSystemPath(name);
    if (!path) return path.error();
    if (*path) {
      found.push_back(name);
      paths[name] = **path;
    } else {
      missing.push_back(name);
    }
  }
  return Facts{
      {"found", std::move(found)}, {"missing", std::move(missing)}, {"paths", std::move(paths)}};
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
