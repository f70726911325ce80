// RunRequest: a check run as a caller asks for it, in the words of the command line (`flightcheck
// check`, install.sh, the health daemon's config). ResolveRunRequest checks every field against
// the loaded rules and builds the engine's RunOptions, so each caller validates the same way and
// says the same thing about the same mistake.
//
// Failure: InvalidArgument whose message names the flag and what would be right ("--role: unknown
// role 'mastr' (did you mean 'master'?); roles: ..."); callers report it as a usage error (64).
// A selection that leaves no rule to check is such an error too. Pure but for reading vars_file.
#pragma once

#include <string>
#include <vector>

#include "checks/status.h"
#include "runner/engine.h"
#include "runner/rule.h"

namespace flightcheck {

struct RunRequest {
  std::string phase;  // "": preflight with the built-in rules, every phase with rule files
  std::string role;   // "": rules that name no role
  std::vector<std::string> tags, only, skip, ignore;  // comma lists, repeatable
  std::vector<std::string> vars;                      // NAME=VALUE
  std::string vars_file;                              // JSON object of variables; vars win
  int parallel = 8;
  std::string timeout;        // for rules without their own; "" keeps each probe's default
  std::string deadline;       // bounds the run; "0": no retries
  bool builtin_rules = true;  // the rules are the built-in sets (they hold every phase)
};

Result<RunOptions> ResolveRunRequest(const RunRequest& request, const RuleSet& rules);

}  // namespace flightcheck
