#include "runner/run_request.h"

#include <algorithm>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "runner/quantity.h"
#include "runner/spellcheck.h"

namespace flightcheck {
namespace {

Status Usage(std::string message) { return Status::InvalidArgument(std::move(message)); }

}  // namespace

Result<RunOptions> ResolveRunRequest(const RunRequest& request, const RuleSet& rules) {
  RunOptions options;
  if (!request.phase.empty()) {
    const auto& phases = KnownPhases();
    if (std::find(phases.begin(), phases.end(), request.phase) == phases.end()) {
      return Usage(
          fmt::format("--phase: unknown phase '{}'{}; phases: preflight, postflight, health",
                      request.phase, DidYouMean(request.phase, phases)));
    }
    options.selection.phase = request.phase;
  } else if (request.builtin_rules) {
    options.selection.phase = "preflight";  // the built-in rules hold every phase
  }
  if (!request.role.empty()) {
    std::optional<std::string> role = NormalizeRole(request.role);
    if (!role) {
      std::vector<std::string> names = KnownRoles();
      names.insert(names.end(), {"slave", "slave_public"});
      return Usage(fmt::format(
          "--role: unknown role '{}'{}; roles: bootstrap, master, agent, public_agent (or "
          "DC/OS's slave, slave_public)",
          request.role, DidYouMean(request.role, names)));
    }
    options.selection.role = *role;
  }
  options.selection.tags = SplitNameList(request.tags);
  options.selection.only = SplitNameList(request.only);
  options.selection.skip = SplitNameList(request.skip);
  Result<IgnorePolicy> ignore = ParseIgnorePolicy(request.ignore);
  if (!ignore) return ignore.error();
  options.ignore = *ignore;
  for (const auto& [flag, names] :
       {std::pair{"--only", options.selection.only}, std::pair{"--skip", options.selection.skip},
        std::pair{"--ignore", options.ignore.patterns}}) {
    if (Status s = CheckRuleNames(rules, flag, names); !s.ok()) return s;
  }
  if (!request.vars_file.empty()) {
    Result<std::string> text = ReadWholeFile(request.vars_file);
    if (!text) return Usage("--vars-file: " + text.error().message());
    Result<Variables> from_file = ParseVariablesJson(*text, request.vars_file);
    if (!from_file) return Usage("--vars-file: " + from_file.error().message());
    options.variables = *from_file;
  }
  Result<Variables> variables = ParseVariableFlags(request.vars);
  if (!variables) return variables.error();
  for (auto& [name, value] : *variables) options.variables[name] = value;
  if (request.parallel < 1 || request.parallel > 256) {
    return Usage(fmt::format("--parallel: {} is out of range (1 to 256)", request.parallel));
  }
  options.parallel = request.parallel;
  if (!request.timeout.empty()) {
    Result<Milliseconds> timeout = ParseDuration(request.timeout);
    if (!timeout || timeout->count() == 0) {
      return Usage("--timeout: " +
                   (timeout ? std::string("must be longer than 0") : timeout.error().message()));
    }
    options.default_timeout = *timeout;
  }
  if (!request.deadline.empty()) {
    Result<Milliseconds> deadline = ParseDuration(request.deadline);
    if (!deadline) return Usage("--deadline: " + deadline.error().message());
    options.deadline = *deadline;
  }
  const Selection selection = SelectRules(rules, options.selection);
  if (Status s = CheckSelectionNotEmpty(rules, options.selection, selection); !s.ok()) return s;
  return options;
}

}  // namespace flightcheck
