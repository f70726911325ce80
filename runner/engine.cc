#include "runner/engine.h"

#include <unistd.h>

#include <chrono>
#include <map>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "runner/scheduler.h"

namespace flightcheck {
namespace {

std::string Hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

std::string MissingVariablesReason(const std::vector<std::string>& missing) {
  std::string names, flags;
  for (const std::string& name : missing) {
    names += (names.empty() ? "'" : ", '") + name + "'";
    flags += fmt::format(" --var {}=...", name);
  }
  return fmt::format("variable{} {} {} not set (pass{})", missing.size() > 1 ? "s" : "", names,
                     missing.size() > 1 ? "are" : "is", flags);
}

}  // namespace

Report RunRules(const RuleSet& rules, const RunOptions& options, const HostContext& host,
                const ProbeRegistry& registry) {
  const auto started = SteadyClock::now();
  Report report;
  report.host = Hostname();
  report.phase = options.selection.phase.value_or("");
  report.role = options.selection.role.value_or("");
  report.started_at = NowRfc3339();

  const Selection selection = SelectRules(rules, options.selection);
  const std::vector<const Rule*>& selected = selection.rules;
  report.unselected = static_cast<int>(rules.rules.size() - selected.size());
  report.pulled_in = selection.pulled_in;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < selected.size(); ++i) index[selected[i]->id] = i;

  std::vector<PlannedRule> plan(selected.size());
  for (size_t i = 0; i < selected.size(); ++i) {
    const Rule& rule = *selected[i];
    PlannedRule& planned = plan[i];
    planned.rule = &rule;
    planned.probe = registry.Find(rule.probe);
    planned.ignore_failure = options.ignore.Ignores(rule.id);
    planned.params = rule.params;
    if (planned.probe == nullptr) {  // the loader rejects this; kept for rule sets built in code
      planned.error = Status::InvalidArgument(fmt::format("unknown probe '{}'", rule.probe));
      continue;
    }
    planned.timeout = rule.timeout.value_or(
        options.default_timeout.value_or(planned.probe->descriptor.default_timeout));
    for (const std::string& requirement : rule.requirements) {
      auto it = index.find(requirement);
      if (it == index.end()) {
        planned.skip_reason = fmt::format("requirement '{}' was skipped (--skip)", requirement);
        planned.skip_cause = SkipCause::kRequirementNotChecked;
      } else {
        planned.requirements.push_back(it->second);
      }
    }
    std::vector<std::string> missing;
    const nlohmann::json substituted =
        SubstituteVariables(rule.params, options.variables, &missing);
    if (!missing.empty()) {
      if (!planned.skip_reason) {
        planned.skip_reason = MissingVariablesReason(missing);
        planned.skip_cause = SkipCause::kVariableUnset;
      }
      continue;
    }
    Result<Params> params = ValidateParams(planned.probe->descriptor, substituted);
    if (!params) {
      planned.error = params.error().WithContext("after substituting variables");
      planned.params = substituted;
      continue;
    }
    planned.params = std::move(*params);
  }

  SchedulerOptions scheduler_options;
  scheduler_options.parallel = options.parallel;
  scheduler_options.on_result = options.on_result;
  // --deadline 0 means "no retries", not "stop at once" (docs/cli.md).
  if (options.deadline && options.deadline->count() == 0) {
    scheduler_options.retries = false;
  } else if (options.deadline) {
    scheduler_options.deadline = started + *options.deadline;
  }
  scheduler_options.stop = options.stop;
  report.results = RunPlan(plan, host, scheduler_options);
  report.stopped = options.stop.stop_requested();
  report.duration_seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  return report;
}

}  // namespace flightcheck
