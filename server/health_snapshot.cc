#include "server/health_snapshot.h"

#include <algorithm>

#include <fmt/format.h>

#include "runner/json_writer.h"
#include "runner/reporters.h"

namespace flightcheck::server {

std::vector<std::string> FailingHealthRules(const Report& report) {
  std::vector<std::string> failing;
  for (const RuleResult& result : report.results) {
    if (result.severity != Severity::kFail) continue;
    if (result.status == RuleStatus::kPass) continue;
    failing.push_back(result.id);
  }
  return failing;
}

std::string RenderMetrics(const HealthSnapshot& snapshot) {
  std::string text;
  if (snapshot.runs > 0) {
    text = RenderReport(snapshot.report, ReportFormat::kPrometheus, RenderOptions{});
  }
  text += fmt::format(
      "# HELP flightcheck_health_runs_total Health runs finished since the daemon started.\n"
      "# TYPE flightcheck_health_runs_total counter\n"
      "flightcheck_health_runs_total {}\n"
      "# HELP flightcheck_health_last_run_timestamp_seconds When the latest health run finished "
      "(0: none yet).\n"
      "# TYPE flightcheck_health_last_run_timestamp_seconds gauge\n"
      "flightcheck_health_last_run_timestamp_seconds {:.3f}\n"
      "# HELP flightcheck_health_up 1 when every fail-severity health rule passed.\n"
      "# TYPE flightcheck_health_up gauge\n"
      "flightcheck_health_up {}\n",
      snapshot.runs, snapshot.finished_unix, snapshot.healthz_status == 200 ? 1 : 0);
  if (snapshot.aggregating) {
    int by_health[4] = {0, 0, 0, 0};
    for (const NodeHealth& node : snapshot.cluster.nodes()) ++by_health[node.health & 3];
    text +=
        "# HELP flightcheck_cluster_nodes Polled nodes by health (0 healthy, 1 unhealthy, 3 "
        "unknown).\n"
        "# TYPE flightcheck_cluster_nodes gauge\n";
    for (int health : {0, 1, 3}) {
      text +=
          fmt::format("flightcheck_cluster_nodes{{health=\"{}\"}} {}\n", health, by_health[health]);
    }
  }
  return text;
}

HealthSnapshot BuildSnapshot(Report report, uint64_t runs, double finished_unix,
                             const NodeIdentity& node) {
  HealthSnapshot snapshot;
  snapshot.runs = runs;
  snapshot.finished_unix = finished_unix;
  snapshot.units = UnitsOfReport(report);
  nlohmann::json node_report = NodeReportJson(node, snapshot.units);
  snapshot.node_report = node_report.dump();
  snapshot.results = runs > 0 ? RenderJson(report, false) : "{}\n";
  std::string failing_list = "[";
  if (runs == 0) {
    snapshot.healthz_status = 503;
    snapshot.healthz =
        "{\"status\": \"starting\", \"message\": \"no health run has finished yet\"}\n";
  } else {
    const std::vector<std::string> failing = FailingHealthRules(report);
    for (size_t i = 0; i < failing.size(); ++i) {
      if (i) failing_list += ", ";
      AppendJsonString(failing_list, failing[i]);
    }
    failing_list += "]";
    // Why each failing rule failed, in its own words (a unit rule names the units).
    std::string reasons = "{";
    for (const RuleResult& result : report.results) {
      if (std::find(failing.begin(), failing.end(), result.id) == failing.end()) continue;
      if (reasons.size() > 1) reasons += ", ";
      AppendJsonString(reasons, result.id);
      reasons += ": ";
      AppendJsonString(reasons, result.detail.empty() ? result.message : result.detail);
    }
    reasons += "}";
    snapshot.healthz_status = failing.empty() && !report.results.empty() ? 200 : 503;
    snapshot.healthz = fmt::format(
        "{{\"status\": \"{}\", \"failing\": {}, \"reasons\": {}, \"run_started_at\": \"{}\", "
        "\"rules\": {}}}\n",
        snapshot.healthz_status == 200 ? "ok" : "failing", failing_list, reasons, report.started_at,
        report.results.size());
  }
  snapshot.report = std::move(report);
  NodePoll self;
  self.ip = node.ip;
  self.role = node.role;
  self.report = std::move(node_report);
  snapshot.cluster = ClusterHealth::Build({self}, snapshot.report.started_at);
  snapshot.cluster_updated_unix = finished_unix;
  snapshot.metrics = RenderMetrics(snapshot);
  return snapshot;
}

}  // namespace flightcheck::server
