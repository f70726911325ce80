#include "checks/group.h"

#include <grp.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "checks/account_lookup.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

Result<std::optional<GroupEntry>> FindGroupEntry(std::string_view etc_group,
                                                 std::string_view name) {
  for (std::string_view line : SplitLines(etc_group)) {
    if (!StartsWith(line, name) || line.size() <= name.size() || line[name.size()] != ':') {
      continue;
    }
    // name:password:gid:members
    std::string_view rest = line.substr(name.size() + 1);
    const size_t password_end = rest.find(':');
    std::optional<int64_t> gid;
    if (password_end != std::string_view::npos) {
      rest.remove_prefix(password_end + 1);
      gid = ParseInt64(rest.substr(0, rest.find(':')));
    }
    if (!gid || *gid < 0) {
      return Status::ParseError(
          fmt::format("/etc/group: line '{}' has no numeric group id", Trim(line)));
    }
    return std::optional<GroupEntry>(GroupEntry{std::string(name), *gid});
  }
  return std::optional<GroupEntry>();
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "group",
      .summary = "Whether a group exists, and its id.",
      .params = {{.name = "name",
                  .type = ParamType::kString,
                  .required = true,
                  .default_value = nullptr,
                  .doc = "group name, e.g. docker"}},
      .facts = {{"exists", FactType::Bool(),
                 "the group exists (NSS on the live host, /etc/group under another root)"},
                {"gid", FactType::Int().OrNull(), "group id; null when absent"}},
      .default_timeout = Milliseconds(5000),
  };
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  const std::string name = params["name"].get<std::string>();
  Result<std::optional<GroupEntry>> entry = LookupAccount<GroupEntry>(
      host, name, "group", "/etc/group",
      [](const std::string& n) {
        return LookupNss(&::getgrnam_r, _SC_GETGR_R_SIZE_MAX, n, "group", [&n](const group& g) {
          return GroupEntry{n, static_cast<int64_t>(g.gr_gid)};
        });
      },
      &FindGroupEntry);
  if (!entry) return entry.error();
  Facts facts;
  facts["exists"] = entry->has_value();
  facts["gid"] = entry->has_value() ? Facts((*entry)->gid) : Facts(nullptr);
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
