// Parsers of the user probe (no I/O).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "checks/status.h"

namespace flightcheck {

struct PasswdEntry {
  std::string name;
  int64_t uid = 0;
  int64_t gid = 0;
  std::string home;
  std::string shell;  // "" when the field is empty (login(1) then uses /bin/sh)
};

// Looks name up in passwd(5) text ("dcos_exhibitor:x:996:994::/opt:/sbin/nologin"). nullopt when
// no line has that name (blank, '#' and NIS "+"/"-" lines are ignored); ParseError when the
// matching line does not have seven fields or its ids are not numbers, and when no line at all is
// a valid entry (an empty or garbled file cannot show absence).
Result<std::optional<PasswdEntry>> FindPasswdEntry(std::string_view etc_passwd,
                                                   std::string_view name);

}  // namespace flightcheck
