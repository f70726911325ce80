// The scheduler's logic with in-test probes: sharing, concurrency, requirements, retries,
// deadlines and timeouts. (Real probes are tested in tests/checks and tests/integration.)
#include "runner/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace flightcheck {
namespace {

using nlohmann::json;

std::atomic<int> g_calls{0};
std::atomic<int> g_inside{0};

Result<Facts> CountingProbe(const Params& params, const HostContext&, Deadline) {
  ++g_calls;
  return Facts{{"value", params.value("value", 0)}, {"calls", g_calls.load()}};
}

// Returns met=true only if another call is in flight at the same time.
Result<Facts> RendezvousProbe(const Params&, const HostContext&, Deadline deadline) {
  ++g_inside;
  while (g_inside.load() < 2 && !deadline.expired()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Facts{{"met", g_inside.load() >= 2}};
}

Result<Facts> IgnoresDeadlineProbe(const Params&, const HostContext&, Deadline) {
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  return Facts{{"value", 1}};
}

// Observes value 0 on the first call, then cannot observe any more.
Result<Facts> FailsThenBreaksProbe(const Params&, const HostContext&, Deadline) {
  if (++g_calls == 1) return Facts{{"value", 0}};
  return Status::Timeout("'sleep 30' did not finish within 1s");
}

// Blocks for 3 s whatever its deadline says, like a call stuck in NSS or a hung mount.
Result<Facts> StuckProbe(const Params&, const HostContext&, Deadline) {
  ++g_calls;
  std::this_thread::sleep_for(std::chrono::seconds(3));
  return Facts{{"value", 1}};
}

// Waits until its deadline (which a stop request expires), as the command runner does.
Result<Facts> WaitsForDeadlineProbe(const Params&, const HostContext&, Deadline deadline) {
  while (!deadline.expired()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return Status::Timeout("waited until the deadline");
}

Result<Facts> NullProbe(const Params&, const HostContext&, Deadline) {
  return Facts{{"value", nullptr}};
}

Result<Facts> BrokenProbe(const Params&, const HostContext&, Deadline) {
  return Status::PermissionDenied("reading /secret: Permission denied");
}

ProbeEntry Entry(const char* name, ProbeFunction function) {
  ProbeEntry entry;
  entry.descriptor.name = name;
  entry.descriptor.summary = "test probe";
  entry.function = function;
  return entry;
}

const ProbeEntry kCounting = Entry("counting", &CountingProbe);
const ProbeEntry kRendezvous = Entry("rendezvous", &RendezvousProbe);
const ProbeEntry kSlow = Entry("slow", &IgnoresDeadlineProbe);
const ProbeEntry kBroken = Entry("broken", &BrokenProbe);
const ProbeEntry kFailsThenBreaks = Entry("fails_then_breaks", &FailsThenBreaksProbe);
const ProbeEntry kStuck = Entry("stuck", &StuckProbe);
const ProbeEntry kWaits = Entry("waits", &WaitsForDeadlineProbe);
const ProbeEntry kNull = Entry("null", &NullProbe);

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_calls = 0;
    g_inside = 0;
  }

  // Adds a rule expecting fact == value; returns its plan index.
  size_t Add(const std::string& id, const ProbeEntry& probe, const std::string& fact, json value,
             json params = json::object()) {
    auto rule = std::make_unique<Rule>();
    rule->id = id;
    rule->title = id;
    rule->probe = probe.descriptor.name;
    rule->expect = Expectation::Fact(fact, Matcher::Compare(Matcher::Kind::kEq, std::move(value)));
    PlannedRule planned;
    planned.rule = rule.get();
    planned.probe = &probe;
    planned.params = std::move(params);
    planned.timeout = Milliseconds(2000);
    rules_.push_back(std::move(rule));
    plan_.push_back(std::move(planned));
    return plan_.size() - 1;
  }

  std::vector<RuleResult> Run(SchedulerOptions options = {}) {
    LocalCommandRunner runner;
    HostContext host;
    host.commands = &runner;
    return RunPlan(plan_, host, options);
  }

  std::vector<std::unique_ptr<Rule>> rules_;
  std::vector<PlannedRule> plan_;
};

TEST_F(SchedulerTest, SameProbeAndParamsAreEvaluatedOncePerAttempt) {
  Add("a", kCounting, "value", 1, {{"value", 1}});
  Add("b", kCounting, "value", 1, {{"value", 1}});
  Add("c", kCounting, "value", 1, {{"value", 1}});
  Add("d", kCounting, "value", 2, {{"value", 2}});
  const std::vector<RuleResult> results = Run();
  EXPECT_EQ(g_calls.load(), 2) << "one call for value 1, one for value 2";
  for (const RuleResult& r : results) EXPECT_EQ(r.status, RuleStatus::kPass) << r.id;
}

TEST_F(SchedulerTest, IndependentRulesRunConcurrently) {
  Add("left", kRendezvous, "met", true, {{"side", "left"}});
  Add("right", kRendezvous, "met", true, {{"side", "right"}});
  SchedulerOptions options;
  options.parallel = 2;
  const std::vector<RuleResult> results = Run(options);
  EXPECT_EQ(results[0].status, RuleStatus::kPass) << results[0].message;
  EXPECT_EQ(results[1].status, RuleStatus::kPass) << results[1].message;
}

TEST_F(SchedulerTest, ARuleWhoseRequirementDidNotPassIsSkipped) {
  const size_t failing = Add("failing", kCounting, "value", 99);
  const size_t passing = Add("passing", kCounting, "value", 0);
  plan_[Add("after.failing", kCounting, "value", 0)].requirements = {failing};
  plan_[Add("after.passing", kCounting, "value", 0)].requirements = {passing};
  const std::vector<RuleResult> results = Run();
  EXPECT_EQ(results[0].status, RuleStatus::kFail);
  EXPECT_EQ(results[0].message, "value is 0, expected 99");
  EXPECT_EQ(results[2].status, RuleStatus::kSkip);
  EXPECT_EQ(results[2].message, "requirement 'failing' did not pass (fail)");
  EXPECT_EQ(results[2].attempts, 0);
  EXPECT_EQ(results[3].status, RuleStatus::kPass);
}

TEST_F(SchedulerTest, RetriesUntilThePassAndCountsAttempts) {
  // "calls" grows with every fresh evaluation: attempt 3 is the first to see calls == 3.
  const size_t i = Add("eventually", kCounting, "calls", 3);
  rules_[i]->retry = RetryPolicy{Milliseconds(5000), Milliseconds(10)};
  const std::vector<RuleResult> results = Run();
  EXPECT_EQ(results[0].status, RuleStatus::kPass) << results[0].message;
  EXPECT_EQ(results[0].attempts, 3);
}

TEST_F(SchedulerTest, TheRunDeadlineStopsRetriesAndKeepsTheLastObservation) {
  const size_t i = Add("never", kCounting, "value", 7);
  rules_[i]->retry = RetryPolicy{Milliseconds(60000), Milliseconds(10)};
  SchedulerOptions options;
  options.deadline = SteadyClock::now() + Milliseconds(100);
  const std::vector<RuleResult> results = Run(options);
  EXPECT_EQ(results[0].status, RuleStatus::kFail);
  EXPECT_GT(results[0].attempts, 1);
  EXPECT_LT(results[0].duration_seconds, 5.0);
  EXPECT_EQ(results[0].message, "value is 0, expected 7");
  EXPECT_EQ(results[0].facts["value"], 0);
}

TEST_F(SchedulerTest, ARetriedRuleReportsItsLastRealObservationNotJustTheLastError) {
  const size_t i = Add("flaky", kFailsThenBreaks, "value", 1);
  rules_[i]->retry = RetryPolicy{Milliseconds(100), Milliseconds(20)};
  const std::vector<RuleResult> results = Run();
  EXPECT_EQ(results[0].status, RuleStatus::kFail);
  EXPECT_GT(results[0].attempts, 1);
  EXPECT_EQ(results[0].message,
            "value is 0, expected 1 (then: timeout: 'sleep 30' did not finish within 1s)");
  EXPECT_EQ(results[0].facts["value"], 0);
}

TEST_F(SchedulerTest, AProbeThatOverstaysItsTimeoutIsAnError) {
  const size_t i = Add("slow", kSlow, "value", 1);
  plan_[i].timeout = Milliseconds(100);
  Add("quick", kCounting, "value", 0);
  const std::vector<RuleResult> results = Run();
  EXPECT_EQ(results[0].status, RuleStatus::kError);
  EXPECT_EQ(results[0].message, "timeout: probe 'slow' did not answer within 100ms");
  EXPECT_LT(results[0].duration_seconds, 1.4) << "reported at the timeout, not when it returned";
  EXPECT_EQ(results[1].status, RuleStatus::kPass);
}

TEST_F(SchedulerTest, ProbeErrorsAreErrorsNeverPasses) {
  Add("broken", kBroken, "value", 1);
  const std::vector<RuleResult> results = Run();
  EXPECT_EQ(results[0].status, RuleStatus::kError);
  EXPECT_EQ(results[0].error, "permission denied: reading /secret: Permission denied");
}

TEST_F(SchedulerTest, SeverityAndIgnoreShapeTheStatus) {
  rules_[Add("warn", kCounting, "value", 1)]->severity = Severity::kWarn;
  rules_[Add("info", kCounting, "value", 1)]->severity = Severity::kInfo;
  plan_[Add("ignored", kCounting, "value", 1)].ignore_failure = true;
  plan_[Add("skipped", kCounting, "value", 1)].skip_reason = "variable 'x' is not set";
  const std::vector<RuleResult> results = Run();
  EXPECT_EQ(results[0].status, RuleStatus::kWarn);
  EXPECT_EQ(results[1].status, RuleStatus::kPass);
  EXPECT_FALSE(results[1].expectation_met);
  EXPECT_EQ(results[2].status, RuleStatus::kWarn);
  EXPECT_TRUE(results[2].ignored);
  EXPECT_EQ(results[3].status, RuleStatus::kSkip);
  EXPECT_EQ(results[3].message, "variable 'x' is not set");
}

TEST_F(SchedulerTest, AnUnknownOutcomeIsAnErrorNamingTheFact) {
  Add("null", kNull, "value", 1);
  const std::vector<RuleResult> results = Run();
  EXPECT_EQ(results[0].status, RuleStatus::kError);
  EXPECT_EQ(results[0].message, "cannot judge value: the probe reported null (expected 1)");
  EXPECT_EQ(results[0].error, "unknown: cannot judge value: the probe reported null (expected 1)");
}

TEST_F(SchedulerTest, SkipCausesTellAFailedRequirementFromOneThatWasNotChecked) {
  const size_t failing = Add("failing", kCounting, "value", 99);
  const size_t broken = Add("broken", kBroken, "value", 1);
  const size_t after_failing = Add("after.failing", kCounting, "value", 0);
  plan_[after_failing].requirements = {failing};
  plan_[Add("after.after.failing", kCounting, "value", 0)].requirements = {after_failing};
  const size_t after_broken = Add("after.broken", kCounting, "value", 0);
  plan_[after_broken].requirements = {broken};
  plan_[Add("after.after.broken", kCounting, "value", 0)].requirements = {after_broken};
  const std::vector<RuleResult> results = Run();
  EXPECT_EQ(results[2].skip_cause, SkipCause::kRequirementFailed);
  EXPECT_EQ(results[3].skip_cause, SkipCause::kRequirementFailed) << "transitively";
  EXPECT_EQ(results[4].skip_cause, SkipCause::kRequirementNotChecked);
  EXPECT_EQ(results[5].skip_cause, SkipCause::kRequirementNotChecked);
}

TEST_F(SchedulerTest, AStopRequestEndsTheRunWithinASecondWhateverProbesAreDoing) {
  const size_t stuck = Add("stuck", kStuck, "value", 1, {{"case", "stop"}});
  plan_[stuck].timeout = Milliseconds(10000);
  plan_[Add("waits", kWaits, "value", 1)].timeout = Milliseconds(10000);
  plan_[Add("after", kCounting, "value", 0)].requirements = {stuck};
  std::stop_source stop;
  SchedulerOptions options;
  options.stop = stop.get_token();
  std::jthread stopper([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.request_stop();
  });
  const auto start = SteadyClock::now();
  const std::vector<RuleResult> results = Run(options);
  EXPECT_LT(SecondsSince(start), 1.2);
  for (const RuleResult& r : results) {
    EXPECT_EQ(r.status, RuleStatus::kError) << r.id;
    EXPECT_EQ(r.message, "stopped: the run was stopped before this rule finished") << r.id;
  }
}

TEST_F(SchedulerTest, TheRunDeadlineBoundsTheWallClockEvenForAProbeThatIgnoresIt) {
  const size_t stuck = Add("stuck", kStuck, "value", 1, {{"case", "deadline"}});
  plan_[stuck].timeout = Milliseconds(10000);
  SchedulerOptions options;
  options.deadline = SteadyClock::now() + Milliseconds(300);
  const auto start = SteadyClock::now();
  const std::vector<RuleResult> results = Run(options);
  EXPECT_LT(SecondsSince(start), 1.0);
  EXPECT_EQ(results[0].status, RuleStatus::kError);
  EXPECT_EQ(results[0].message, "timeout: the run's deadline passed before this rule finished");
}

TEST_F(SchedulerTest, AnAbandonedCallIsNotMadeAgainWhileItIsStillBlocked) {
  plan_[Add("stuck", kStuck, "value", 1, {{"case", "abandoned"}})].timeout = Milliseconds(100);
  const auto start = SteadyClock::now();
  std::vector<RuleResult> results = Run();
  EXPECT_LT(SecondsSince(start), 1.5) << "the run does not wait for the stuck thread";
  EXPECT_EQ(results[0].status, RuleStatus::kError);
  EXPECT_EQ(results[0].message, "timeout: probe 'stuck' did not answer within 100ms");
  // A second run (a daemon's next round) with the same call finds it still blocked.
  results = Run();
  EXPECT_EQ(g_calls.load(), 1) << "no second thread stuck in the same call";
  EXPECT_EQ(results[0].status, RuleStatus::kError);
  EXPECT_NE(results[0].message.find("is still blocked in a call made"), std::string::npos)
      << results[0].message;
}

}  // namespace
}  // namespace flightcheck
