// Which rules a run evaluates: phase, role, tags, --only and --skip, and the rules those require.
// Unselected rules are never evaluated. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checks/status.h"
#include "runner/rule.h"

namespace flightcheck {

struct SelectionOptions {
  std::optional<std::string> phase;  // nullopt: every phase
  std::optional<std::string> role;   // nullopt: only rules that name no role
  std::vector<std::string> tags;     // empty: any; else a rule needs one of them
  std::vector<std::string> only;     // ids or globs; empty: all
  std::vector<std::string> skip;     // ids or globs
};

// Splits repeated and comma-separated flag values: {"a,b", "c"} → {"a", "b", "c"}.
std::vector<std::string> SplitNameList(const std::vector<std::string>& values);

// fnmatch-style glob match of id against any pattern.
bool MatchesAnyPattern(const std::string& id, const std::vector<std::string>& patterns);

// Checks that every plain name (no glob characters) in names is a rule id, so a typo in --only,
// --skip or --ignore is an error, not a silent no-op: "--only: no rule 'dockr.version' (did you
// mean 'docker.version'?)".
Status CheckRuleNames(const RuleSet& rules, const std::string& flag,
                      const std::vector<std::string>& names);

struct Selection {
  std::vector<const Rule*> rules;      // in rule-set order, pulled-in requirements included
  std::vector<std::string> pulled_in;  // ids selected only because a selected rule requires them
};

// The rules phase, role, tags and --only pick, minus --skip; then, as make does with
// prerequisites, every rule they require (transitively) that --skip does not name, so that
// `--only docker.version` checks docker.running first instead of skipping for want of it.
Selection SelectRules(const RuleSet& rules, const SelectionOptions& options);

// InvalidArgument when the selection holds no rule: a run that would check nothing is a usage
// error. The message names the filter that left nothing and what could be chosen instead:
// "--tag: no rule of phase 'preflight' has tag 'dokcer' (did you mean 'docker'?); tags: ...".
Status CheckSelectionNotEmpty(const RuleSet& rules, const SelectionOptions& options,
                              const Selection& selection);

// --ignore: "all", or ids and globs. "all" mixed with names is a usage error.
struct IgnorePolicy {
  bool all = false;
  std::vector<std::string> patterns;
  bool Ignores(const std::string& id) const { return all || MatchesAnyPattern(id, patterns); }
};
Result<IgnorePolicy> ParseIgnorePolicy(const std::vector<std::string>& values);

}  // namespace flightcheck
