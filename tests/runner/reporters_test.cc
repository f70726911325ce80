#include "runner/reporters.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

Report SampleReport() {
  Report report;
  report.host = "node-1";
  report.phase = "preflight";
  report.started_at = "2026-11-22T03:00:00Z";
  report.duration_seconds = 1.25;
  RuleResult pass;
  pass.id = "docker.running";
  pass.title = "Docker answers";
  pass.status = RuleStatus::kPass;
  pass.expectation_met = true;
  pass.message = "running true";
  RuleResult fail;
  fail.id = "docker.storage-driver";
  fail.title = "Storage <driver> & \"co\"";
  fail.status = RuleStatus::kFail;
  fail.message = "storage_driver is \"vfs\", expected one of [\"overlay2\"]";
  fail.hint = "Use overlay2.";
  report.results = {pass, fail};
  return report;
}

TEST(ReportersTest, FormatNames) {
  EXPECT_EQ(*ParseReportFormat("junit"), ReportFormat::kJunit);
  EXPECT_EQ(ParseReportFormat("jsn").error().message(),
            "unknown format 'jsn' (did you mean 'json'?); formats: text, json, junit, tap, "
            "prometheus, nagios");
}

TEST(ReportersTest, TextLinesAndSummary) {
  const std::string text = RenderReport(SampleReport(), ReportFormat::kText, {});
  EXPECT_EQ(text,
            "PASS  docker.running               Docker answers (running true)\n"
            "FAIL  docker.storage-driver        Storage <driver> & \"co\": storage_driver is "
            "\"vfs\", expected one of [\"overlay2\"]\n"
            "      hint: Use overlay2.\n"
            "\npreflight on node-1: 2 rules in 1.2s: 1 passed, 1 failed\n");
  const std::string coloured = RenderReport(SampleReport(), ReportFormat::kText, {.color = true});
  EXPECT_NE(coloured.find("\033[1;31mFAIL \033[0m"), std::string::npos);
}

TEST(ReportersTest, JsonSchema) {
  const nlohmann::json json = ReportToJson(SampleReport(), false);
  EXPECT_EQ(json["schema"], "flightcheck/report/v1");
  EXPECT_EQ(json["exit_code"], 2);
  EXPECT_EQ(json["summary"]["fail"], 1);
  EXPECT_EQ(json["results"][1]["status"], "fail");
  EXPECT_EQ(json["results"][1]["hint"], "Use overlay2.");
}

TEST(ReportersTest, JunitEscapesXml) {
  const std::string xml = RenderReport(SampleReport(), ReportFormat::kJunit, {});
  EXPECT_NE(xml.find("Storage &lt;driver&gt; &amp; &quot;co&quot;"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<driver>"), std::string::npos);
}

TEST(ReportersTest, PrometheusEscapesLabels) {
  Report report = SampleReport();
  report.results[0].id = "a\"b\\c";
  const std::string text = RenderReport(report, ReportFormat::kPrometheus, {});
  EXPECT_NE(text.find("rule=\"a\\\"b\\\\c\""), std::string::npos) << text;
}

TEST(ReportersTest, NagiosStatusLine) {
  const std::string text = RenderReport(SampleReport(), ReportFormat::kNagios, {});
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "FLIGHTCHECK CRITICAL - 1 failed, 0 errors, 0 warnings of 2 rules: "
            "docker.storage-driver | pass=1 warn=0 fail=1 skip=0 error=0 duration=1.250s");
}

TEST(ReportersTest, ExitCodes) {
  Report report = SampleReport();
  EXPECT_EQ(ExitCodeFor(report, false), kExitFailed);
  report.results[1].status = RuleStatus::kError;
  EXPECT_EQ(ExitCodeFor(report, false), kExitError);
  report.results[1].status = RuleStatus::kWarn;
  EXPECT_EQ(ExitCodeFor(report, false), kExitOk);
  EXPECT_EQ(ExitCodeFor(report, true), kExitWarnings);
}

}  // namespace
}  // namespace flightcheck
