#include "checks/user.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "checks/account_lookup.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

namespace {

// name:password:uid:gid:gecos:home:shell with numeric ids; nullopt for anything else.
std::optional<PasswdEntry> ParsePasswdLine(std::string_view line) {
  const std::vector<std::string_view> fields = SplitAccountFields(line);
  if (fields.size() != 7 || fields[0].empty()) return std::nullopt;
  const std::optional<int64_t> uid = ParseInt64(fields[2]);
  const std::optional<int64_t> gid = ParseInt64(fields[3]);
  if (!uid || !gid || *uid < 0 || *gid < 0) return std::nullopt;
  return PasswdEntry{std::string(fields[0]), *uid, *gid, std::string(fields[5]),
                     std::string(fields[6])};
}

}  // namespace

Result<std::optional<PasswdEntry>> FindPasswdEntry(std::string_view etc_passwd,
                                                   std::string_view name) {
  bool any_valid = false;
  for (std::string_view line : SplitLines(etc_passwd)) {
    if (IsAccountFileFiller(line)) continue;
    std::optional<PasswdEntry> entry = ParsePasswdLine(line);
    any_valid = any_valid || entry.has_value();
    if (!StartsWith(line, name) || line.size() <= name.size() || line[name.size()] != ':') {
      continue;
    }
    if (!entry) {
      return Status::ParseError(fmt::format(
          "/etc/passwd: line '{}' is not 'name:password:uid:gid:gecos:home:shell'", Trim(line)));
    }
    return std::optional<PasswdEntry>(std::move(*entry));
  }
  if (!any_valid) {
    return NoValidAccountLine("/etc/passwd", "name:password:uid:gid:gecos:home:shell", "user",
                              name);
  }
  return std::optional<PasswdEntry>();
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "user",
      .summary = "Whether a user account exists, with its ids, home and shell.",
      .params = {{.name = "name",
                  .type = ParamType::kString,
                  .required = true,
                  .default_value = nullptr,
                  .doc = "user name, e.g. dcos_exhibitor"}},
      .facts = {{"exists", FactType::Bool(),
                 "the user exists (NSS on the live host, /etc/passwd under another root)"},
                {"uid", FactType::Int().OrNull(), "user id; null when absent"},
                {"gid", FactType::Int().OrNull(), "primary group id; null when absent"},
                {"home", FactType::String(), "home directory; \"\" when absent"},
                {"shell", FactType::String(), "login shell; \"\" when absent or unset"}},
      .default_timeout = Milliseconds(5000),
  };
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  const std::string name = params["name"].get<std::string>();
  Result<std::optional<PasswdEntry>> entry = LookupAccount<PasswdEntry>(
      host, name, "user", "/etc/passwd",
      [](const std::string& n) {
        return LookupNss(&::getpwnam_r, _SC_GETPW_R_SIZE_MAX, n, "user", [&n](const passwd& p) {
          return PasswdEntry{n, static_cast<int64_t>(p.pw_uid), static_cast<int64_t>(p.pw_gid),
                             p.pw_dir ? p.pw_dir : "", p.pw_shell ? p.pw_shell : ""};
        });
      },
      &FindPasswdEntry);
  if (!entry) return entry.error();
  Facts facts = {
      {"exists", false}, {"uid", nullptr}, {"gid", nullptr}, {"home", ""}, {"shell", ""}};
  if (const std::optional<PasswdEntry>& found = *entry) {
    facts["exists"] = true;
    facts["uid"] = found->uid;
    facts["gid"] = found->gid;
    facts["home"] = found->home;
    facts["shell"] = found->shell;
  }
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
