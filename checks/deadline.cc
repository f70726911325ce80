#include "checks/deadline.h"

#include <fmt/format.h>

namespace flightcheck {

std::string FormatDuration(Milliseconds duration) {
  const long long ms = duration.count();
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60'000) {
    return ms % 1000 == 0 ? fmt::format("{}s", ms / 1000) : fmt::format("{:.1f}s", ms / 1000.0);
  }
  if (ms < 3'600'000 && ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
  if (ms < 3'600'000) return fmt::format("{}s", ms / 1000);
  return ms % 3'600'000 == 0 ? fmt::format("{}h", ms / 3'600'000) : fmt::format("{}m", ms / 60'000);
}

}  // namespace flightcheck
