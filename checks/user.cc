#include "checks/user.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

namespace {

// Splits on ':' keeping empty fields, which passwd uses for an empty GECOS or shell.
std::vector<std::string_view> SplitColons(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t colon; (colon = line.find(':', start)) != std::string_view::npos; start = colon + 1) {
    fields.push_back(line.substr(start, colon - start));
  }
  fields.push_back(line.substr(start));
  return fields;
}

}  // namespace

Result<std::optional<PasswdEntry>> FindPasswdEntry(std::string_view etc_passwd,
                                                   std::string_view name) {
  for (std::string_view line : SplitLines(etc_passwd)) {
    if (!StartsWith(line, name) || line.size() <= name.size() || line[name.size()] != ':') {
      continue;
    }
    // name:password:uid:gid:gecos:home:shell
    const std::vector<std::string_view> fields = SplitColons(line);
    const std::optional<int64_t> uid = fields.size() == 7 ? ParseInt64(fields[2]) : std::nullopt;
    const std::optional<int64_t> gid = fields.size() == 7 ? ParseInt64(fields[3]) : std::nullopt;
    if (!uid || !gid || *uid < 0 || *gid < 0) {
      return Status::ParseError(fmt::format(
          "/etc/passwd: line '{}' is not 'name:password:uid:gid:gecos:home:shell'", Trim(line)));
    }
    return std::optional<PasswdEntry>(
        PasswdEntry{std::string(name), *uid, *gid, std::string(fields[5]), std::string(fields[6])});
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
      .facts = {{"exists", "bool",
                 "the user exists (NSS on the live host, /etc/passwd under another root)"},
                {"uid", "integer or null", "user id; null when absent"},
                {"gid", "integer or null", "primary group id; null when absent"},
                {"home", "string", "home directory; \"\" when absent"},
                {"shell", "string", "login shell; \"\" when absent or unset"}},
      .default_timeout = Milliseconds(5000),
  };
}

// NSS sees LDAP/sssd users too, which /etc/passwd does not list.
Result<std::optional<PasswdEntry>> LookupLive(const std::string& name) {
  const long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(hint > 0 ? static_cast<size_t>(hint) : 1024);
  for (;;) {
    struct passwd entry {};
    struct passwd* result = nullptr;
    const int rc = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &result);
    if (rc == ERANGE && buffer.size() < (16u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc == 0 && result != nullptr) {
      return std::optional<PasswdEntry>(PasswdEntry{
          name, static_cast<int64_t>(result->pw_uid), static_cast<int64_t>(result->pw_gid),
          result->pw_dir ? result->pw_dir : "", result->pw_shell ? result->pw_shell : ""});
    }
    // getpwnam_r(3): 0, ENOENT and ESRCH all mean "no such user" depending on the backend.
    if (rc == 0 || rc == ENOENT || rc == ESRCH) return std::optional<PasswdEntry>();
    return Status::FromErrno(fmt::format("looking up user '{}'", name), rc);
  }
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  const std::string name = params["name"].get<std::string>();
  if (name.empty() || name.find_first_of(":\n") != std::string::npos) {
    return Status::InvalidArgument(fmt::format("'{}' is not a user name", name));
  }
  Result<std::optional<PasswdEntry>> entry = std::optional<PasswdEntry>();
  if (host.IsLiveRoot()) {
    entry = LookupLive(name);
  } else {
    Result<std::string> text = host.ReadFile("/etc/passwd", 64 << 20);
    if (text) {
      entry = FindPasswdEntry(*text, name);
    } else if (!text.error().IsNotFound()) {
      return text.error();
    }
  }
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
