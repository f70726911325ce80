// Scheduler: evaluates a plan of rules on a Boost.Asio pool.
//
// Rules whose requirements are done start at once; independent rules run concurrently on
// `parallel` threads. A rule whose requirement did not pass is skipped with the reason. Each
// attempt's probe call gets the rule's timeout as its deadline, and a timer reports the attempt as
// an error if the probe overstays it. A failing rule with `retry` is tried again every `every`
// until `within` after its first attempt or the run deadline, whichever comes first; it then
// reports its last real observation. A probe with the same parameters is evaluated once per attempt
// number and its answer shared by every rule that asks.
//
// Thread-safety: Run is a blocking call; state is confined to one event-loop thread, probes run on
// the pool. The HostContext and the plan must outlive Run.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checks/probe.h"
#include "runner/report.h"
#include "runner/rule.h"

namespace flightcheck {

struct PlannedRule {
  const Rule* rule = nullptr;
  const ProbeEntry* probe = nullptr;
  nlohmann::json params;                   // substituted and validated
  std::optional<std::string> skip_reason;  // set: reported as skip, never evaluated
  std::optional<Status> error;             // set: reported as error, never evaluated
  std::vector<size_t> requirements;        // indexes into the plan
  bool ignore_failure = false;             // --ignore: a failure is reported as a warning
  Milliseconds timeout{5000};
};

struct SchedulerOptions {
  int parallel = 8;
  std::optional<SteadyClock::time_point> deadline;   // no attempt starts after it
  std::function<void(const RuleResult&)> on_result;  // called on the event-loop thread
};

// Runs the plan; results are in plan order.
std::vector<RuleResult> RunPlan(const std::vector<PlannedRule>& plan, const HostContext& host,
                                const SchedulerOptions& options);

}  // namespace flightcheck
