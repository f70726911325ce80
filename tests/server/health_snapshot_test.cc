#include "server/health_snapshot.h"

#include <gtest/gtest.h>

namespace flightcheck::server {
namespace {

RuleResult Rule(std::string id, RuleStatus status, Severity severity = Severity::kFail) {
  RuleResult result;
  result.id = std::move(id);
  result.status = status;
  result.severity = severity;
  result.phase = "health";
  return result;
}

TEST(HealthSnapshotTest, HealthzNamesTheFailingFailSeverityRules) {
  Report report;
  report.started_at = "2026-12-01T00:00:00Z";
  report.results = {Rule("a", RuleStatus::kPass), Rule("b", RuleStatus::kFail),
                    Rule("c", RuleStatus::kError), Rule("d", RuleStatus::kWarn, Severity::kWarn),
                    Rule("e", RuleStatus::kSkip)};
  EXPECT_EQ(FailingHealthRules(report), (std::vector<std::string>{"b", "c", "e"}));
  const HealthSnapshot snapshot = BuildSnapshot(report, 3, 1700000000.5, {.ip = "10.0.0.1"});
  EXPECT_EQ(snapshot.healthz_status, 503);
  const nlohmann::json body = nlohmann::json::parse(snapshot.healthz);
  EXPECT_EQ(body["failing"], nlohmann::json({"b", "c", "e"}));
  EXPECT_EQ(body["status"], "failing");
  EXPECT_NE(snapshot.metrics.find("flightcheck_health_runs_total 3\n"), std::string::npos);
  EXPECT_NE(snapshot.metrics.find("flightcheck_health_up 0\n"), std::string::npos);
  EXPECT_NE(snapshot.metrics.find(
                "flightcheck_rule_status{rule=\"b\",phase=\"health\",status=\"fail\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(snapshot.results)["summary"]["fail"], 1);
}

TEST(HealthSnapshotTest, AllPassedIs200AndNoRunYetIs503) {
  Report report;
  report.results = {Rule("a", RuleStatus::kPass), Rule("d", RuleStatus::kFail, Severity::kWarn)};
  EXPECT_EQ(BuildSnapshot(report, 1, 1, {}).healthz_status, 200);
  const HealthSnapshot none = BuildSnapshot(Report{}, 0, 0, {});
  EXPECT_EQ(none.healthz_status, 503);
  EXPECT_EQ(nlohmann::json::parse(none.healthz)["message"], "no health run has finished yet");
  // A run that checked nothing is not healthy either.
  EXPECT_EQ(BuildSnapshot(Report{}, 1, 1, {}).healthz_status, 503);
}

}  // namespace
}  // namespace flightcheck::server
