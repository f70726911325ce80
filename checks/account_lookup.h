// Looking up a user or group the way the host does: NSS on the live host (which sees LDAP/sssd
// accounts /etc files do not list), the /etc file under any other root. Shared by the user and
// group probes. Header-only templates; thread-safe (reentrant NSS calls, no shared state).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "checks/host_context.h"
#include "checks/status.h"
#include "checks/text.h"

namespace flightcheck {

// Splits a line of an account database on ':', keeping empty fields (an empty GECOS, shell or
// member list).
inline std::vector<std::string_view> SplitAccountFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t colon; (colon = line.find(':', start)) != std::string_view::npos; start = colon + 1) {
    fields.push_back(line.substr(start, colon - start));
  }
  fields.push_back(line.substr(start));
  return fields;
}

// Lines that are neither an entry nor malformed, as glibc's files backend reads them: blank lines,
// '#' comments, and NIS compat lines ("+", "-").
inline bool IsAccountFileFiller(std::string_view line) {
  const std::string_view trimmed = Trim(line);
  return trimmed.empty() || trimmed.front() == '#' || trimmed.front() == '+' ||
         trimmed.front() == '-';
}

// The answer of a database with no well-formed entry at all (empty, truncated, not that file):
// it cannot show that an entry is absent, so "no such <kind>" would be a guess.
inline Status NoValidAccountLine(std::string_view database, std::string_view format,
                                 std::string_view kind, std::string_view name) {
  return Status::ParseError(fmt::format(
      "{} has no valid '{}' line (it is empty or not an account database), so it cannot show "
      "whether {} '{}' exists",
      database, format, kind, name));
}

// Calls a getgrnam_r/getpwnam_r-shaped lookup, growing the buffer on ERANGE (up to 16 MiB).
// Returns convert(record) when found, nullopt when absent, an error when NSS fails.
template <typename Record, typename Convert>
auto LookupNss(int (*lookup)(const char*, Record*, char*, size_t, Record**), int size_hint_name,
               const std::string& name, std::string_view kind, Convert convert)
    -> Result<std::optional<decltype(convert(std::declval<const Record&>()))>> {
  using Entry = decltype(convert(std::declval<const Record&>()));
  const long hint = ::sysconf(size_hint_name);
  std::vector<char> buffer(hint > 0 ? static_cast<size_t>(hint) : 1024);
  for (;;) {
    Record record{};
    Record* result = nullptr;
    const int rc = lookup(name.c_str(), &record, buffer.data(), buffer.size(), &result);
    if (rc == ERANGE && buffer.size() < (16u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc == 0 && result != nullptr) return std::optional<Entry>(convert(*result));
    // 0, ENOENT and ESRCH all mean "no such entry", depending on the NSS backend.
    if (rc == 0 || rc == ENOENT || rc == ESRCH) return std::optional<Entry>();
    return Status::FromErrno(fmt::format("looking up {} '{}'", kind, name), rc);
  }
}

// Rejects names that cannot be in an account database, then asks live() on the live host or
// parse(text of database_path, name) under another root; an absent file means "no such entry",
// while an empty or garbled one is parse's error.
template <typename Entry, typename Live, typename Parse>
Result<std::optional<Entry>> LookupAccount(const HostContext& host, const std::string& name,
                                           std::string_view kind, std::string_view database_path,
                                           Live live, Parse parse) {
  if (name.empty() || name.find_first_of(":\n") != std::string::npos) {
    return Status::InvalidArgument(fmt::format("'{}' is not a {} name", name, kind));
  }
  if (host.IsLiveRoot()) return live(name);
  Result<std::string> text = host.ReadFile(database_path, 64 << 20);
  if (text) return parse(*text, name);
  if (text.error().IsNotFound()) return std::optional<Entry>();
  return text.error();
}

}  // namespace flightcheck
