// Results of a run, and the exit codes every command shares.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/rule.h"

namespace flightcheck {

// Exit codes, the same for every command (docs/cli.md).
enum ExitCode : int {
  kExitOk = 0,             // everything passed (warnings allowed)
  kExitWarnings = 1,       // warnings only, with --strict
  kExitFailed = 2,         // at least one failure
  kExitError = 3,          // something could not be evaluated, nothing failed
  kExitUsage = 64,         // bad command line
  kExitInvalidInput = 65,  // invalid rule or config file; nothing was run
};

enum class RuleStatus { kPass, kWarn, kFail, kSkip, kError };
std::string_view StatusName(RuleStatus status);  // "pass", "warn", ...

struct RuleResult {
  std::string id;
  std::string title;
  std::string hint;
  std::string probe;
  std::string phase;
  Severity severity = Severity::kFail;
  std::vector<std::string> roles;
  std::vector<std::string> tags;
  nlohmann::json params = nlohmann::json::object();  // after variable substitution
  RuleStatus status = RuleStatus::kSkip;
  bool ignored = false;          // a failure downgraded to a warning by --ignore
  bool expectation_met = false;  // false for info rules whose expectation did not hold
  std::string message;           // what was looked at, found and expected; or why skipped
  std::string detail;            // the probe's own one-line summary (its "detail" fact), if any
  nlohmann::json facts;          // the last observation; null when the probe never answered
  nlohmann::json expect;         // the expectation as data
  std::string error;             // "timeout: ..." for kError
  double duration_seconds = 0;
  int attempts = 0;
};

struct StatusCounts {
  int pass = 0, warn = 0, fail = 0, skip = 0, error = 0;
  int total() const { return pass + warn + fail + skip + error; }
};

struct Report {
  static constexpr std::string_view kSchema = "flightcheck/report/v1";
  std::string host;
  std::string phase;       // "" when rules of every phase ran
  std::string role;        // "" when no role was given
  std::string started_at;  // RFC 3339, UTC
  double duration_seconds = 0;
  int unselected = 0;  // rules loaded but not selected (phase, role, tags, --only/--skip)
  std::vector<RuleResult> results;

  StatusCounts Counts() const;
};

// The current time as RFC 3339 UTC with seconds: "2026-11-22T03:00:00Z".
std::string NowRfc3339();

// The exit code for a finished run: 2 on any failure, else 3 on any error, else 1 on warnings with
// strict, else 0.
int ExitCodeFor(const Report& report, bool strict);

}  // namespace flightcheck
