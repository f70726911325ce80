// The check engine: selects rules, substitutes variables, plans by `requires`, evaluates on the
// scheduler and returns a Report. This is what `flightcheck check` runs, on one host.
//
// Thread-safety: RunRules blocks the caller; the RuleSet, registry and host must outlive it.
#pragma once

#include <functional>
#include <optional>

#include "checks/probe.h"
#include "runner/report.h"
#include "runner/rule.h"
#include "runner/selection.h"
#include "runner/variables.h"

namespace flightcheck {

struct RunOptions {
  SelectionOptions selection;
  Variables variables;
  IgnorePolicy ignore;
  int parallel = 8;
  std::optional<Milliseconds> deadline;         // bounds the run, retries included; 0: no retries
  std::optional<Milliseconds> default_timeout;  // for rules without their own timeout
  std::function<void(const RuleResult&)> on_result;  // live progress, called as rules finish
};

Report RunRules(const RuleSet& rules, const RunOptions& options, const HostContext& host,
                const ProbeRegistry& registry);

}  // namespace flightcheck
