// What the daemon serves, rendered once per health run (and per aggregation round) rather than
// per request: a request copies a prepared body, so answering costs microseconds whatever the
// rule count, and every reader of one snapshot sees the same run.
//
// Immutable once built; shared as std::shared_ptr<const HealthSnapshot> between the run loop
// (writer) and request threads (readers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runner/report.h"
#include "server/cluster_health.h"
#include "server/node_report.h"

namespace flightcheck::server {

struct HealthSnapshot {
  Report report;             // the latest health run on this node
  uint64_t runs = 0;         // health runs finished since the daemon started
  double finished_unix = 0;  // when the latest run finished (seconds since the epoch)
  std::vector<UnitHealth> units;
  std::string node_report;   // GET /system/health/v1
  std::string results;       // GET /api/v1/results: flightcheck/report/v1 JSON
  std::string metrics;       // GET /metrics
  int healthz_status = 503;  // GET /healthz: 200 when every fail-severity rule passed
  std::string healthz;
  ClusterHealth cluster;            // the tree of every polled node (this node alone when none)
  double cluster_updated_unix = 0;  // when the tree was built (Last-Modified-3DT)
  bool aggregating = false;         // the cluster tree comes from polling a node list
};

// Everything but the cluster tree, from one run. No run yet (runs == 0) is 503 "no health run
// has finished yet" on /healthz, and an empty report elsewhere.
HealthSnapshot BuildSnapshot(Report report, uint64_t runs, double finished_unix,
                             const NodeIdentity& node);

// The rule ids that keep /healthz at 503: fail-severity rules whose status is not pass (a rule
// that errored or was skipped counts: it was not seen to pass).
std::vector<std::string> FailingHealthRules(const Report& report);

// The Prometheus text of a run: the per-rule series of `--format prometheus` plus the daemon's
// own (runs counter, last run time, nodes by health when aggregating).
std::string RenderMetrics(const HealthSnapshot& snapshot);

}  // namespace flightcheck::server
