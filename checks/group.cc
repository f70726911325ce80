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

namespace {

// name:password:gid:members (glibc also takes a line without the members field), with a numeric
// gid; nullopt for anything else.
std::optional<GroupEntry> ParseGroupLine(std::string_view line) {
  const std::vector<std::string_view> fields = SplitAccountFields(line);
  if (fields.size() < 3 || fields.size() > 4 || fields[0].empty()) return std::nullopt;
  const std::optional<int64_t> gid = ParseInt64(fields[2]);
  if (!gid || *gid < 0) return std::nullopt;
  return GroupEntry{std::string(fields[0]), *gid};
}

}  // namespace

Result<std::optional<GroupEntry>> FindGroupEntry(std::string_view etc_group,
                                                 std::string_view name) {
  bool any_valid = false;
  for (std::string_view line : SplitLines(etc_group)) {
    if (IsAccountFileFiller(line)) continue;
    std::optional<GroupEntry> entry = ParseGroupLine(line);
    any_valid = any_valid || entry.has_value();
    if (!StartsWith(line, name) || line.size() <= name.size() || line[name.size()] != ':') {
      continue;
    }
    if (!entry) {
      return Status::ParseError(
          fmt::format("/etc/group: line '{}' has no numeric group id", Trim(line)));
    }
    return std::optional<GroupEntry>(std::move(*entry));
  }
  if (!any_valid)
    return NoValidAccountLine("/etc/group", "name:password:gid:members", "group", name);
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
