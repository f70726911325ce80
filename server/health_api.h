// The daemon's HTTP routes:
//   /system/health/v1                         this node's 3DT report
//   /system/health/v1/{report,report/download,units,units/<id>,units/<id>/nodes,
//                      units/<id>/nodes/<ip>,nodes,nodes/<ip>,nodes/<ip>/units,
//                      nodes/<ip>/units/<id>}  the cluster tree (3DT §2.1; ?cache=... refreshes)
//   /system/checks/v1/{node,cluster}/         the check runner's list (GET) and run (POST)
//   /healthz                                  200 or 503 with the failing rule ids
//   /metrics                                  Prometheus text
//   /api/v1/results                           the latest run as flightcheck/report/v1 JSON
//
// Every route but /healthz requires "Authorization: Bearer <token>" (or DC/OS's "token=<token>")
// when a token is set; the comparison takes the same time whatever the guess. Ids in paths are
// checked (unit names and addresses only: letters, digits, ".-_@:", at most 255, never "." or
// "..") before any lookup: 400 otherwise, 404 for an unknown id. Only GET (and HEAD) are served,
// and POST on the check runner (and the node bundle routes of server/bundle_api.h, registered
// before these); anything else is 405.
//
// Thread-safety: handlers run on the server's worker threads; the hooks must be thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>

#include "checks/status.h"
#include "runner/report.h"
#include "server/health_snapshot.h"

namespace flightcheck::server {

// The check runner's two types (dcos-check-runner §4.2): cluster checks are the health rules
// tagged `cluster` (a property of the cluster seen from this node, e.g. the ZooKeeper quorum),
// node checks all the others.
enum class CheckScope { kNode, kCluster };

struct CheckRunnerCheck {
  std::string id;
  std::string description;
  std::string timeout;  // "30s"
};

struct HealthApiHooks {
  // The snapshot to answer from; never null (an empty snapshot before the first run).
  std::function<std::shared_ptr<const HealthSnapshot>()> snapshot;
  // Makes the tree fresh (a pull round, or a health run when not aggregating) and waits for it
  // up to the given time; false when it did not finish in time.
  std::function<bool(std::chrono::milliseconds)> refresh;
  // The checks of a scope (of the health rules for this node's role) and a run of some of them
  // (ids of that scope; empty: all of it).
  std::function<std::vector<CheckRunnerCheck>(CheckScope)> checks;
  std::function<Result<Report>(CheckScope, const std::vector<std::string>& ids)> run_checks;
};

struct HealthApiOptions {
  std::string token;  // "": no authentication (only allowed on loopback; see serve)
  std::chrono::milliseconds refresh_timeout{30000};
};

void RegisterHealthApi(httplib::Server& server, const HealthApiOptions& options,
                       HealthApiHooks hooks);

// A path id as the routes accept it (see above).
bool IsValidPathId(const std::string& id);

// Constant-time comparison of a presented credential with the token.
bool TokenMatches(const std::string& presented, const std::string& token);

// The check-runner run shape (3DT §4.2): {"status": N, "checks": {id: {"output", "status"}}},
// N per check 0 pass, 1 warn, 2 fail, 3 error or skip; the overall status is the worst, 3 when
// nothing ran.
nlohmann::json CheckRunnerResult(const Report& report);

}  // namespace flightcheck::server
