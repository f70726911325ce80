// Parsers of the group probe (no I/O).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "checks/status.h"

namespace flightcheck {

struct GroupEntry {
  std::string name;
  int64_t gid = 0;
};

// Looks name up in group(5) text ("docker:x:998:alice,bob"). nullopt when no line has that name
// (blank, '#' and NIS "+"/"-" lines are ignored); ParseError when the matching line has no numeric
// gid, and when no line at all is a valid entry (an empty or garbled file cannot show absence).
Result<std::optional<GroupEntry>> FindGroupEntry(std::string_view etc_group, std::string_view name);

}  // namespace flightcheck
