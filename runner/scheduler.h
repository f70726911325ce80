// Scheduler: evaluates a plan of rules on a Boost.Asio pool.
//
// Rules whose requirements are done start at once; independent rules run concurrently on
// `parallel` threads. A rule whose requirement did not pass is skipped with the reason and its
// SkipCause. Each attempt's probe call gets the rule's timeout (cut to the run's deadline) as its
// deadline, and a watchdog reports the attempt as an error if the probe overstays it, counted from
// when the call started. A failing or unknown rule with `retry` is tried again every `every` until
// `within` after its first attempt or the run deadline, whichever comes first; it then reports its
// last real observation. A probe with the same parameters is evaluated once per attempt number and
// its answer shared by every rule that asks.
//
// Bounded whatever a probe does: RunPlan returns by the run's deadline and when the stop token is
// requested (within a watchdog tick), with every unfinished rule an error ("stopped: ...",
// "timeout: the run's deadline passed ..."). A probe call that overstays is abandoned on its
// WorkerPool thread (a new thread takes its place) and its late answer is dropped. Process-wide,
// at most one abandoned call per probe and parameters is outstanding: until it returns, later
// calls with the same key (retries, later runs) are errors at once instead of piling up threads.
//
// Thread-safety: Run is a blocking call; state is confined to one event-loop thread, probes run on
// the pool. Concurrent RunPlan calls are safe. The plan must outlive Run; the HostContext is
// copied, but the CommandRunner it points to must outlive any call that may be abandoned (use
// LocalCommandRunner::Shared()).
#pragma once

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "checks/probe.h"
#include "runner/report.h"
#include "runner/rule.h"

namespace flightcheck {

struct PlannedRule {
  const Rule* rule = nullptr;
  const ProbeEntry* probe = nullptr;
  nlohmann::json params;                    // substituted and validated
  std::optional<std::string> skip_reason;   // set: reported as skip, never evaluated
  SkipCause skip_cause = SkipCause::kNone;  // with skip_reason
  std::optional<Status> error;              // set: reported as error, never evaluated
  std::vector<size_t> requirements;         // indexes into the plan
  bool ignore_failure = false;              // --ignore: a failure is reported as a warning
  Milliseconds timeout{5000};
};

struct SchedulerOptions {
  int parallel = 8;
  // No attempt starts after it; at it, every unfinished rule ends (a retried rule with its last
  // observation, the others as errors).
  std::optional<SteadyClock::time_point> deadline;
  bool retries = true;   // false: every rule gets one attempt, `retry` notwithstanding
  std::stop_token stop;  // requested: unfinished rules end as "stopped" errors at once
  std::function<void(const RuleResult&)> on_result;  // called on the event-loop thread
};

// Runs the plan; results are in plan order.
std::vector<RuleResult> RunPlan(const std::vector<PlannedRule>& plan, const HostContext& host,
                                const SchedulerOptions& options);

}  // namespace flightcheck
