// The check engine: selects rules, substitutes variables, plans by `requires`, evaluates on the
// scheduler and returns a Report. This is what `flightcheck check` runs on one host, and what a
// long-running process (the health daemon) runs again and again.
//
// Bounds: RunRules returns by options.deadline and within a watchdog tick (50 ms) of a stop
// request, whatever a probe is blocked in (see scheduler.h); each rule by its timeout.
//
// Thread-safety: RunRules blocks the caller. Concurrent calls, from any threads, are safe: each
// run has its own event loop and workers, and the only process-wide state (the registry, read
// only; the record of abandoned probe calls) is synchronised. The RuleSet and registry must
// outlive the call; the host's CommandRunner must outlive abandoned calls (scheduler.h).
#pragma once

#include <functional>
#include <optional>
#include <stop_token>

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
  std::stop_token stop;  // requested: the run ends at once, unfinished rules "stopped" errors
  std::function<void(const RuleResult&)> on_result;  // live progress, called as rules finish
};

Report RunRules(const RuleSet& rules, const RunOptions& options, const HostContext& host,
                const ProbeRegistry& registry);

}  // namespace flightcheck
