#include "runner/scheduler.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "runner/json_writer.h"
#include "runner/worker_pool.h"

namespace flightcheck {
namespace {

namespace asio = boost::asio;

// A probe that overstays its deadline by more than this is reported as timed out by the
// scheduler itself; well-behaved probes return their own (more precise) timeout first.
constexpr Milliseconds kTimeoutGrace{500};
constexpr Milliseconds kWatchdogTick{50};

// One probe call on a worker thread. Shared by the worker and the scheduler, since the worker may
// outlive the run.
struct ProbeCall {
  std::string key;                     // probe and parameters, without the attempt number
  std::atomic<int64_t> started_ns{0};  // steady-clock time the worker started it; 0: queued
  bool returned = false;               // guarded by AbandonedCalls::mutex
  bool abandoned = false;              // guarded by AbandonedCalls::mutex
};

// Calls that overstayed and were given up on, process-wide: a daemon runs the same rules again and
// again, and a call stuck in NSS must not cost one more thread per run.
class AbandonedCalls {
 public:
  // Never destroyed: an abandoned call may return while the process exits, after static
  // destructors ran, and must still find this alive.
  static AbandonedCalls& Global() {
    static AbandonedCalls* const calls = new AbandonedCalls;
    return *calls;
  }

  // When a call with this key is still blocked: since when.
  std::optional<SteadyClock::time_point> BlockedSince(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = blocked_.find(key);
    if (it == blocked_.end()) return std::nullopt;
    return it->second;
  }

  // True when the call had not returned and is now recorded as abandoned.
  bool Abandon(ProbeCall& call) {
    std::lock_guard lock(mutex_);
    if (call.returned || call.abandoned || call.started_ns.load() == 0) return false;
    call.abandoned = true;
    blocked_.emplace(call.key, SteadyClock::time_point(SteadyClock::duration(call.started_ns)));
    return true;
  }

  void Returned(ProbeCall& call) {
    std::lock_guard lock(mutex_);
    call.returned = true;
    if (call.abandoned) blocked_.erase(call.key);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, SteadyClock::time_point> blocked_;
};

// How a worker reaches the scheduler: cleared (under the mutex) before the event loop goes away,
// so a late answer is dropped instead of posted to a destroyed io_context.
//
// Answers are queued here and the loop is woken once per batch, not once per answer: with many
// cheap probes, a post (and a wake-up of the loop's thread) per answer cost more than the probes.
struct SchedulerLink {
  std::mutex mutex;
  asio::io_context* io = nullptr;
  std::vector<std::function<void()>> answers;  // to run on the loop, in the order they came
};

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

// A requirement that did not pass explains its dependent's skip only when it really failed.
SkipCause CauseOf(const RuleResult& requirement) {
  switch (requirement.status) {
    case RuleStatus::kFail:
    case RuleStatus::kWarn:
      return SkipCause::kRequirementFailed;
    case RuleStatus::kSkip:
      return requirement.skip_cause == SkipCause::kRequirementFailed
                 ? SkipCause::kRequirementFailed
                 : SkipCause::kRequirementNotChecked;
    default:
      return SkipCause::kRequirementNotChecked;
  }
}

class Scheduler {
 public:
  Scheduler(const std::vector<PlannedRule>& plan, const HostContext& host,
            const SchedulerOptions& options)
      : plan_(plan),
        host_(std::make_shared<const HostContext>(host)),
        options_(options),
        pool_(static_cast<size_t>(std::max(1, options.parallel))),
        link_(std::make_shared<SchedulerLink>()),
        work_(asio::make_work_guard(io_)),
        watchdog_(io_),
        end_timer_(io_),
        states_(plan.size()),
        dependents_(plan.size()) {
    link_->io = &io_;
    std::unordered_map<std::string, int> askers;
    for (size_t i = 0; i < plan_.size(); ++i) {
      RuleState& state = states_[i];
      state.waiting_for = plan_[i].requirements.size();
      state.result = BaseResult(plan_[i]);
      for (size_t requirement : plan_[i].requirements) dependents_[requirement].push_back(i);
      state.call_key = plan_[i].rule->probe;
      state.call_key += '#';
      AppendJson(state.call_key, plan_[i].params);
      ++askers[state.call_key];
    }
    for (RuleState& state : states_) state.sole_asker = askers[state.call_key] == 1;
  }

  ~Scheduler() {
    std::lock_guard lock(link_->mutex);
    link_->io = nullptr;
  }

  std::vector<RuleResult> Run() {
    if (plan_.empty()) return {};
    if (options_.deadline) {
      end_timer_.expires_at(*options_.deadline);
      end_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) EndRun("timeout: the run's deadline passed before this rule finished", true);
      });
    }
    // Runs on the thread that requests the stop (a signal watcher): hand over to the loop.
    std::stop_callback on_stop(options_.stop, [this] {
      asio::post(
          io_, [this] { EndRun("stopped: the run was stopped before this rule finished", false); });
    });
    for (size_t i = 0; i < plan_.size(); ++i) {
      if (states_[i].waiting_for == 0) asio::post(io_, [this, i] { Begin(i); });
    }
    io_.run();
    // Whatever is still inside a probe now is abandoned: recorded, so that the next run does not
    // call it again while it is blocked.
    for (const auto& call : calls_) AbandonedCalls::Global().Abandon(*call);
    std::vector<RuleResult> results;
    for (RuleState& state : states_) results.push_back(std::move(state.result));
    return results;
  }

 private:
  struct RuleState {
    size_t waiting_for = 0;
    bool done = false;
    int attempt = 0;
    bool in_flight = false;           // an attempt's probe call has not answered yet
    std::shared_ptr<ProbeCall> call;  // of the attempt in flight
    std::string call_key;             // probe and parameters: rules with the same one share calls
    bool sole_asker = false;          // no other rule has this call_key
    SteadyClock::time_point first_start;
    std::unique_ptr<asio::steady_timer> timer;    // the pause before a retry
    std::optional<std::string> last_observation;  // message of the last attempt that saw facts
    RuleResult result;
  };

  struct CacheEntry {
    bool done = false;
    bool sole_asker = false;  // one rule asks, once: its answer is moved to it, not copied
    std::shared_ptr<ProbeCall> call;
    std::optional<Result<Facts>> answer;
    std::vector<std::function<void(Result<Facts>)>> waiters;
  };

  void Begin(size_t i) {
    const PlannedRule& planned = plan_[i];
    if (planned.skip_reason) {
      states_[i].result.skip_cause = planned.skip_cause;
      return Finish(i, RuleStatus::kSkip, *planned.skip_reason);
    }
    for (size_t requirement : planned.requirements) {
      const RuleResult& required = states_[requirement].result;
      if (required.status != RuleStatus::kPass) {
        states_[i].result.skip_cause = CauseOf(required);
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
    const std::string& call_key = state.call_key;
    const std::string key = call_key + '#' + std::to_string(attempt);
    auto on_answer = [this, i, attempt](Result<Facts> answer) {
      OnAnswer(i, attempt, std::move(answer));
    };
    CacheEntry& entry = cache_[key];
    entry.sole_asker = state.sole_asker;
    state.in_flight = true;
    if (entry.done) {
      asio::post(io_, [on_answer, &entry] { on_answer(*entry.answer); });
    } else {
      const bool first_asker = entry.waiters.empty();
      entry.waiters.push_back(on_answer);
      if (first_asker) StartCall(planned, call_key, &entry);
    }
    state.call = entry.call;
    ArmWatchdog();
  }

  void StartCall(const PlannedRule& planned, const std::string& call_key, CacheEntry* entry) {
    if (std::optional<SteadyClock::time_point> since =
            AbandonedCalls::Global().BlockedSince(call_key)) {
      const auto blocked_for =
          std::chrono::duration_cast<Milliseconds>(SteadyClock::now() - *since);
      Status blocked = Status::Timeout(fmt::format(
          "probe '{}' is still blocked in a call made {} ago that never returned; it is not "
          "called again until that call returns",
          planned.rule->probe, FormatDuration(blocked_for)));
      asio::post(io_, [this, entry, blocked] { Deliver(entry, blocked); });
      return;
    }
    auto call = std::make_shared<ProbeCall>();
    call->key = call_key;
    entry->call = call;
    calls_.push_back(call);
    pool_.Submit([this, call, link = link_, host = host_, probe = planned.probe,
                  params = planned.params, timeout = planned.timeout,
                  run_deadline = options_.deadline, stop = options_.stop, entry] {
      const auto started = SteadyClock::now();
      call->started_ns.store(started.time_since_epoch().count());
      SteadyClock::time_point until = started + timeout;
      if (run_deadline && *run_deadline < until) until = *run_deadline;
      Result<Facts> answer = CallProbe(*probe, params, *host, Deadline::At(until).WithStop(stop));
      AbandonedCalls::Global().Returned(*call);
      std::lock_guard lock(link->mutex);
      if (link->io == nullptr) return;  // the run is over; nobody waits for this answer
      // Run on the event loop inside Run (DeliverQueued), so this and entry are alive then.
      link->answers.push_back([this, answer = std::move(answer), entry]() mutable {
        Deliver(entry, std::move(answer));
      });
      if (link->answers.size() == 1) asio::post(*link->io, [this] { DeliverQueued(); });
    });
  }

  void DeliverQueued() {
    std::vector<std::function<void()>> answers;
    {
      std::lock_guard lock(link_->mutex);
      answers.swap(link_->answers);
    }
    for (auto& deliver : answers) deliver();
  }

  // Facts are copied to each rule that asked, except to a sole asker: copying the facts of
  // every answer was a third of the run's time with many cheap rules.
  void Deliver(CacheEntry* entry, Result<Facts> answer) {
    entry->done = true;
    auto waiters = std::move(entry->waiters);
    if (entry->sole_asker && waiters.size() == 1) {
      // Nobody else asks for this call and attempt, so the entry need not keep the answer.
      entry->answer = Status::Internal("answer moved to its only asker");
      waiters.front()(std::move(answer));
      return;
    }
    entry->answer = std::move(answer);
    for (auto& waiter : waiters) waiter(*entry->answer);
  }

  // One timer watches every attempt in flight, rather than one timer per attempt: timers cost
  // system calls, and with many cheap rules they cost more than the probes.
  void ArmWatchdog() {
    if (watchdog_armed_ || ended_) return;
    watchdog_armed_ = true;
    watchdog_.expires_after(kWatchdogTick);
    watchdog_.async_wait([this](const boost::system::error_code& ec) {
      watchdog_armed_ = false;
      if (ec || ended_) return;
      const auto now = SteadyClock::now();
      bool any_in_flight = false;
      for (size_t i = 0; i < states_.size(); ++i) {
        RuleState& state = states_[i];
        if (!state.in_flight) continue;
        const int64_t started_ns = state.call ? state.call->started_ns.load() : 0;
        const auto overdue_at = SteadyClock::time_point(SteadyClock::duration(started_ns)) +
                                plan_[i].timeout + kTimeoutGrace;
        if (started_ns == 0 || now < overdue_at) {
          any_in_flight = true;
          continue;
        }
        if (AbandonedCalls::Global().Abandon(*state.call)) pool_.ReplaceAbandoned();
        OnAnswer(
            i, state.attempt,
            Status::Timeout(fmt::format("probe '{}' did not answer within {}", plan_[i].rule->probe,
                                        FormatDuration(plan_[i].timeout))));
      }
      if (any_in_flight) ArmWatchdog();
    });
  }

  static Result<Facts> CallProbe(const ProbeEntry& probe, const nlohmann::json& params,
                                 const HostContext& host, Deadline deadline) {
    try {
      return probe.function(params, host, deadline);
    } catch (const std::exception& e) {
      // Probes return Status; this is the last line of defence for a library that threw.
      return Status::Internal(fmt::format("probe '{}' threw: {}", probe.descriptor.name, e.what()));
    }
  }

  void OnAnswer(size_t i, int attempt, Result<Facts> answer) {
    RuleState& state = states_[i];
    if (state.done || state.attempt != attempt || !state.in_flight) return;  // late or superseded
    state.in_flight = false;
    state.call.reset();
    const PlannedRule& planned = plan_[i];
    RuleStatus status = RuleStatus::kError;
    std::string message;
    if (answer) {
      state.result.facts = std::move(*answer);
      const Facts& facts = state.result.facts;
      if (facts.is_object() && facts.contains("detail") && facts["detail"].is_string()) {
        state.result.detail = facts["detail"].get<std::string>();
      }
      const Expectation::Outcome outcome = planned.rule->expect.Evaluate(facts);
      state.result.expectation_met = outcome.passed();
      message = outcome.message;
      switch (outcome.truth) {
        case Truth::kTrue:
          status = RuleStatus::kPass;
          state.result.error.clear();
          break;
        case Truth::kFalse:
          status = RuleStatus::kFail;
          state.result.error.clear();
          break;
        case Truth::kUnknown:
          status = RuleStatus::kError;
          state.result.error = "unknown: " + message;
          break;
      }
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
        if (!ec && !ended_) Attempt(i);
      });
      return;
    }
    Finish(i, status, message);
  }

  bool CanRetry(size_t i) const {
    const Rule& rule = *plan_[i].rule;
    if (!rule.retry || !options_.retries || ended_) return false;
    const auto next = SteadyClock::now() + rule.retry->every;
    if (next > states_[i].first_start + rule.retry->within) return false;
    return !options_.deadline || next <= *options_.deadline;
  }

  // The run is over before its rules are (deadline or stop): every unfinished rule ends now.
  // keep_observation: a rule that was retrying reports what it last saw, as the failure it was.
  void EndRun(const std::string& why, bool keep_observation) {
    if (ended_) return;
    ended_ = true;
    for (size_t i = 0; i < states_.size(); ++i) {
      RuleState& state = states_[i];
      if (state.done) continue;
      if (keep_observation && state.last_observation) {
        // An attempt cut short by the deadline saw nothing new: the last observation stands.
        Finish(i, RuleStatus::kFail, *state.last_observation);
      } else {
        state.result.error = why;
        Finish(i, RuleStatus::kError, why);
      }
    }
  }

  void Finish(size_t i, RuleStatus status, std::string message) {
    RuleState& state = states_[i];
    state.done = true;
    state.in_flight = false;
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
    if (!ended_) {
      for (size_t dependent : dependents_[i]) {
        if (--states_[dependent].waiting_for == 0) Begin(dependent);
      }
    }
    if (++finished_ == plan_.size()) {
      work_.reset();
      watchdog_.cancel();
      end_timer_.cancel();
      for (RuleState& s : states_) {
        if (s.timer) s.timer->cancel();
      }
      io_.stop();  // answers of abandoned calls may still be queued; nobody waits for them
    }
  }

  const std::vector<PlannedRule>& plan_;
  std::shared_ptr<const HostContext> host_;  // shared with calls that may outlive the run
  const SchedulerOptions& options_;
  asio::io_context io_;
  WorkerPool pool_;
  std::shared_ptr<SchedulerLink> link_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer watchdog_;
  asio::steady_timer end_timer_;  // the run's deadline
  bool watchdog_armed_ = false;
  bool ended_ = false;
  std::vector<RuleState> states_;
  std::vector<std::vector<size_t>> dependents_;
  std::map<std::string, CacheEntry> cache_;  // touched only on the event-loop thread
  std::vector<std::shared_ptr<ProbeCall>> calls_;
  size_t finished_ = 0;
};

}  // namespace

std::vector<RuleResult> RunPlan(const std::vector<PlannedRule>& plan, const HostContext& host,
                                const SchedulerOptions& options) {
  return Scheduler(plan, host, options).Run();
}

}  // namespace flightcheck
