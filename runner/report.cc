#include "runner/report.h"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace flightcheck {

std::string NowRfc3339() {
  const auto now = std::chrono::system_clock::now();
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(now)));
}

std::string_view StatusName(RuleStatus status) {
  switch (status) {
    case RuleStatus::kPass:
      return "pass";
    case RuleStatus::kWarn:
      return "warn";
    case RuleStatus::kFail:
      return "fail";
    case RuleStatus::kSkip:
      return "skip";
    case RuleStatus::kError:
      return "error";
  }
  return "error";
}

std::string_view SkipCauseName(SkipCause cause) {
  switch (cause) {
    case SkipCause::kNone:
      return "";
    case SkipCause::kRequirementFailed:
      return "requirement_failed";
    case SkipCause::kRequirementNotChecked:
      return "requirement_not_checked";
    case SkipCause::kVariableUnset:
      return "variable_unset";
  }
  return "";
}

StatusCounts Report::Counts() const {
  StatusCounts counts;
  for (const RuleResult& result : results) {
    switch (result.status) {
      case RuleStatus::kPass:
        ++counts.pass;
        break;
      case RuleStatus::kWarn:
        ++counts.warn;
        break;
      case RuleStatus::kFail:
        ++counts.fail;
        break;
      case RuleStatus::kSkip:
        ++counts.skip;
        if (result.skip_cause != SkipCause::kRequirementFailed) ++counts.unchecked;
        break;
      case RuleStatus::kError:
        ++counts.error;
        break;
    }
  }
  return counts;
}

int ExitCodeFor(const Report& report, bool strict) {
  const StatusCounts counts = report.Counts();
  if (counts.fail > 0) return kExitFailed;
  if (counts.error > 0 || counts.unchecked > 0 || counts.total() == 0) return kExitError;
  if (strict && counts.warn > 0) return kExitWarnings;
  return kExitOk;
}

}  // namespace flightcheck
