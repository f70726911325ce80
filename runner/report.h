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

// Why a rule was skipped. Only a failed requirement is an answer ("docker is down, so its version
// was not looked at"); any other skip means the rule was selected and not checked, which makes
// the run's exit code 3, never 0.
enum class SkipCause {
  kNone,
  kRequirementFailed,      // a requirement failed (or was skipped because one of its own did)
  kRequirementNotChecked,  // a requirement errored or was itself not checked
  kVariableUnset,          // a ${variable} the rule needs has no value
};
std::string_view SkipCauseName(SkipCause cause);  // "", "requirement_failed", ...

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
  SkipCause skip_cause = SkipCause::kNone;  // kSkip only
  bool ignored = false;                     // a failure downgraded to a warning by --ignore
  bool expectation_met = false;             // false for info rules whose expectation did not hold
  std::string message;    // what was looked at, found and expected; or why skipped
  std::string detail;     // the probe's own one-line summary (its "detail" fact), if any
  nlohmann::json facts;   // the last observation; null when the probe never answered
  nlohmann::json expect;  // the expectation as data
  std::string error;      // "timeout: ..." for kError
  double duration_seconds = 0;
  int attempts = 0;
};

struct StatusCounts {
  int pass = 0, warn = 0, fail = 0, skip = 0, error = 0;
  int unchecked = 0;  // skips whose cause is not a failed requirement (a subset of skip)
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
  // Rules outside --only that were run because selected rules require them, in rule-set order.
  std::vector<std::string> pulled_in;
  bool stopped = false;  // the run was stopped (stop token) before every rule finished
  std::vector<RuleResult> results;

  StatusCounts Counts() const;
};

// The current time as RFC 3339 UTC with seconds: "2026-11-22T03:00:00Z".
std::string NowRfc3339();

// The exit code for a finished run: 2 on any failure, else 3 on any error or any rule that was
// selected and not checked (SkipCause other than a failed requirement), else 1 on warnings with
// strict, else 0. An empty report is 3: a run that checked nothing is not a success.
int ExitCodeFor(const Report& report, bool strict);

}  // namespace flightcheck
