#include "runner/scheduler.h"

#include <map>
#include <memory>

#include <fmt/format.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

namespace flightcheck {
namespace {

namespace asio = boost::asio;

// A probe that overstays its deadline by more than this is reported as timed out by the
// scheduler itself; well-behaved probes return their own (more precise) timeout first.
constexpr Milliseconds kTimeoutGrace{500};
constexpr Milliseconds kWatchdogTick{50};

RuleResult BaseResult(const PlannedRule& planned) {
  const Rule& rule = *planned.rule;
  RuleResult result;
  result.id = rule.id;
  result.title = rule.title;
  result.hint = rule.hint;
  result.probe = rule.probe;
  result.phase = rule.phase;
  result.severity = rule.severity;
  result.roles = rule.roles;
  result.tags = rule.tags;
  result.params = planned.params;
  result.expect = rule.expect.ToJson();
  return result;
}

class Scheduler {
 public:
  Scheduler(const std::vector<PlannedRule>& plan, const HostContext& host,
            const SchedulerOptions& options)
      : plan_(plan),
        host_(host),
        options_(options),
        pool_(static_cast<size_t>(std::max(1, options.parallel))),
        work_(asio::make_work_guard(io_)),
        watchdog_(io_),
        states_(plan.size()),
        dependents_(plan.size()) {
    for (size_t i = 0; i < plan_.size(); ++i) {
      states_[i].waiting_for = plan_[i].requirements.size();
      states_[i].result = BaseResult(plan_[i]);
      for (size_t requirement : plan_[i].requirements) dependents_[requirement].push_back(i);
    }
  }

  std::vector<RuleResult> Run() {
    if (plan_.empty()) return {};
    for (size_t i = 0; i < plan_.size(); ++i) {
      if (states_[i].waiting_for == 0) asio::post(io_, [this, i] { Begin(i); });
    }
    io_.run();
    pool_.join();
    std::vector<RuleResult> results;
    for (RuleState& state : states_) results.push_back(std::move(state.result));
    return results;
  }

 private:
  struct RuleState {
    size_t waiting_for = 0;
    bool done = false;
    int attempt = 0;
    bool in_flight = false;              // an attempt's probe call has not answered yet
    SteadyClock::time_point overdue_at;  // when the watchdog reports that attempt as timed out
    SteadyClock::time_point first_start;
    std::unique_ptr<asio::steady_timer> timer;    // the pause before a retry
    std::optional<std::string> last_observation;  // message of the last attempt that saw facts
    RuleResult result;
  };

  struct CacheEntry {
    bool done = false;
    std::optional<Result<Facts>> answer;
    std::vector<std::function<void(const Result<Facts>&)>> waiters;
  };

  void Begin(size_t i) {
    const PlannedRule& planned = plan_[i];
    if (planned.skip_reason) return Finish(i, RuleStatus::kSkip, *planned.skip_reason);
    for (size_t requirement : planned.requirements) {
      const RuleResult& required = states_[requirement].result;
      if (required.status != RuleStatus::kPass) {
        return Finish(i, RuleStatus::kSkip,
                      fmt::format("requirement '{}' did not pass ({})", required.id,
                                  StatusName(required.status)));
      }
    }
    if (planned.error) {
      states_[i].result.error = planned.error->ToString();
      return Finish(i, RuleStatus::kError, planned.error->ToString());
    }
    states_[i].first_start = SteadyClock::now();
    Attempt(i);
  }

  void Attempt(size_t i) {
    const PlannedRule& planned = plan_[i];
    RuleState& state = states_[i];
    const int attempt = ++state.attempt;
    state.result.attempts = attempt;
    const std::string key =
        fmt::format("{}#{}#{}", planned.rule->probe, planned.params.dump(), attempt);
    auto on_answer = [this, i, attempt](const Result<Facts>& answer) {
      OnAnswer(i, attempt, answer);
    };
    CacheEntry& entry = cache_[key];
    if (entry.done) {
      asio::post(io_, [on_answer, &entry] { on_answer(*entry.answer); });
    } else {
      const bool first_asker = entry.waiters.empty();
      entry.waiters.push_back(on_answer);
      if (first_asker) {
        const ProbeEntry* probe = planned.probe;
        const nlohmann::json params = planned.params;
        const Milliseconds timeout = planned.timeout;
        asio::post(pool_, [this, probe, params, timeout, &entry] {
          Result<Facts> answer = CallProbe(*probe, params, timeout);
          asio::post(io_, [answer = std::move(answer), &entry] {
            entry.done = true;
            entry.answer = answer;
            auto waiters = std::move(entry.waiters);
            for (auto& waiter : waiters) waiter(*entry.answer);
          });
        });
      }
    }
    state.overdue_at = SteadyClock::now() + planned.timeout + kTimeoutGrace;
    state.in_flight = true;
    ArmWatchdog();
  }

  // One timer watches every attempt in flight, rather than one timer per attempt: timers cost
  // system calls, and with many cheap rules they cost more than the probes.
  void ArmWatchdog() {
    if (watchdog_armed_) return;
    watchdog_armed_ = true;
    watchdog_.expires_after(kWatchdogTick);
    watchdog_.async_wait([this](const boost::system::error_code& ec) {
      watchdog_armed_ = false;
      if (ec) return;
      const auto now = SteadyClock::now();
      bool any_in_flight = false;
      for (size_t i = 0; i < states_.size(); ++i) {
        if (!states_[i].in_flight) continue;
        if (now < states_[i].overdue_at) {
          any_in_flight = true;
          continue;
        }
        OnAnswer(
            i, states_[i].attempt,
            Status::Timeout(fmt::format("probe '{}' did not answer within {}", plan_[i].rule->probe,
                                        FormatDuration(plan_[i].timeout))));
      }
      if (any_in_flight) ArmWatchdog();
    });
  }

  Result<Facts> CallProbe(const ProbeEntry& probe, const nlohmann::json& params,
                          Milliseconds timeout) {
    try {
      return probe.function(params, host_, Deadline::In(timeout));
    } catch (const std::exception& e) {
      // Probes return Status; this is the last line of defence for a library that threw.
      return Status::Internal(fmt::format("probe '{}' threw: {}", probe.descriptor.name, e.what()));
    }
  }

  void OnAnswer(size_t i, int attempt, const Result<Facts>& answer) {
    RuleState& state = states_[i];
    if (state.done || state.attempt != attempt || !state.in_flight) return;  // late or superseded
    state.in_flight = false;
    const PlannedRule& planned = plan_[i];
    RuleStatus status;
    std::string message;
    if (answer) {
      state.result.facts = *answer;
      if (answer->is_object() && answer->contains("detail") && (*answer)["detail"].is_string()) {
        state.result.detail = (*answer)["detail"].get<std::string>();
      }
      const Expectation::Outcome outcome = planned.rule->expect.Evaluate(*answer);
      state.result.expectation_met = outcome.passed;
      state.result.error.clear();
      message = outcome.message;
      status = outcome.passed ? RuleStatus::kPass : RuleStatus::kFail;
    } else {
      state.result.error = answer.error().ToString();
      message = state.result.error;
      status = RuleStatus::kError;
    }
    if (status == RuleStatus::kFail) {
      state.last_observation = message;
    } else if (status == RuleStatus::kError && state.last_observation) {
      // A retried rule whose last attempt could not observe still reports what it last saw,
      // not just "timed out": that is the state the operator has to act on.
      message = fmt::format("{} (then: {})", *state.last_observation, message);
      status = RuleStatus::kFail;
      state.result.error.clear();
    }
    if (status != RuleStatus::kPass && CanRetry(i)) {
      state.result.message = message;
      state.timer = std::make_unique<asio::steady_timer>(io_, planned.rule->retry->every);
      state.timer->async_wait([this, i](const boost::system::error_code& ec) {
        if (!ec) Attempt(i);
      });
      return;
    }
    Finish(i, status, message);
  }

  bool CanRetry(size_t i) const {
    const Rule& rule = *plan_[i].rule;
    if (!rule.retry) return false;
    const auto next = SteadyClock::now() + rule.retry->every;
    if (next > states_[i].first_start + rule.retry->within) return false;
    return !options_.deadline || next <= *options_.deadline;
  }

  void Finish(size_t i, RuleStatus status, std::string message) {
    RuleState& state = states_[i];
    state.done = true;
    if (state.timer) state.timer->cancel();
    RuleResult& result = state.result;
    if (status == RuleStatus::kFail) {
      if (plan_[i].ignore_failure) {
        status = RuleStatus::kWarn;
        result.ignored = true;
      }
      if (result.severity == Severity::kWarn) status = RuleStatus::kWarn;
      if (result.severity == Severity::kInfo) status = RuleStatus::kPass;
    }
    result.status = status;
    result.message = std::move(message);
    if (state.attempt > 0) {
      result.duration_seconds =
          std::chrono::duration<double>(SteadyClock::now() - state.first_start).count();
    }
    if (options_.on_result) options_.on_result(result);
    for (size_t dependent : dependents_[i]) {
      if (--states_[dependent].waiting_for == 0) Begin(dependent);
    }
    if (++finished_ == plan_.size()) {
      work_.reset();
      watchdog_.cancel();
    }
  }

  const std::vector<PlannedRule>& plan_;
  const HostContext& host_;
  const SchedulerOptions& options_;
  asio::io_context io_;
  asio::thread_pool pool_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer watchdog_;
  bool watchdog_armed_ = false;
  std::vector<RuleState> states_;
  std::vector<std::vector<size_t>> dependents_;
  std::map<std::string, CacheEntry> cache_;  // touched only on the event-loop thread
  size_t finished_ = 0;
};

}  // namespace

std::vector<RuleResult> RunPlan(const std::vector<PlannedRule>& plan, const HostContext& host,
                                const SchedulerOptions& options) {
  return Scheduler(plan, host, options).Run();
}

}  // namespace flightcheck
