// Parsers of the host probe (no I/O).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "checks/status.h"

namespace flightcheck {

struct MemInfo {
  int64_t total = 0;                 // MemTotal, bytes
  std::optional<int64_t> available;  // MemAvailable, bytes; absent before Linux 3.14
  int64_t swap = 0;                  // SwapTotal, bytes
};

// Parses /proc/meminfo ("MemTotal:  16318508 kB"). ParseError when MemTotal or SwapTotal is
// missing, or when one of the three values is not "<integer> kB".
Result<MemInfo> ParseMeminfo(std::string_view text);

// Counts the "processor : N" lines of /proc/cpuinfo (one per logical CPU).
int64_t CountCpus(std::string_view cpuinfo);

}  // namespace flightcheck
