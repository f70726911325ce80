#include "checks/group.h"

#include <grp.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

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
      .facts = {{"exists", "bool",
                 "the group exists (NSS on the live host, /etc/group under another root)"},
                {"gid", "integer or null", "group id; null when absent"}},
      .default_timeout = Milliseconds(5000),
  };
}

// NSS sees LDAP/sssd groups too, which /etc/group does not list.
Result<std::optional<GroupEntry>> LookupLive(const std::string& name) {
  const long hint = ::sysconf(_SC_GETGR_R_SIZE_MAX);
  std::vector<char> buffer(hint > 0 ? static_cast<size_t>(hint) : 1024);
  for (;;) {
    struct group entry {};
    struct group* result = nullptr;
    const int rc = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &result);
    if (rc == ERANGE && buffer.size() < (16u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc == 0 && result != nullptr) {
      return std::optional<GroupEntry>(GroupEntry{name, static_cast<int64_t>(result->gr_gid)});
    }
    // getgrnam_r(3): 0, ENOENT and ESRCH all mean "no such group" depending on the backend.
    if (rc == 0 || rc == ENOENT || rc == ESRCH) return std::optional<GroupEntry>();
    return Status::FromErrno(fmt::format("looking up group '{}'", name), rc);
  }
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  const std::string name = params["name"].get<std::string>();
  if (name.empty() || name.find_first_of(":\n") != std::string::npos) {
    return Status::InvalidArgument(fmt::format("'{}' is not a group name", name));
  }
  Result<std::optional<GroupEntry>> entry = std::optional<GroupEntry>();
  if (host.IsLiveRoot()) {
    entry = LookupLive(name);
  } else {
    Result<std::string> text = host.ReadFile("/etc/group", 64 << 20);
    if (text) {
      entry = FindGroupEntry(*text, name);
    } else if (!text.error().IsNotFound()) {
      return text.error();
    }
  }
  if (!entry) return entry.error();
  Facts facts;
  facts["exists"] = entry->has_value();
  facts["gid"] = entry->has_value() ? Facts((*entry)->gid) : Facts(nullptr);
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
