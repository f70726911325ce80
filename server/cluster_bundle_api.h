// The cluster bundle routes of 3DT's new API (§3.6) on a master's daemon:
//   PUT    /system/health/v1/diagnostics/<id>       start a cluster bundle (server/
//                                                   cluster_bundle_job.h); body {"masters": bool,
//                                                   "agents": bool}, both true by default, may be
//                                                   empty; 409 when any master has the id
//   GET    /system/health/v1/diagnostics            every master's bundles, cluster and node ones
//   GET    /system/health/v1/diagnostics/<id>       the state, from whichever master holds it
//   GET    /system/health/v1/diagnostics/<id>/file  the zip, from the master that holds it
//   DELETE /system/health/v1/diagnostics/<id>       deleted on the master that holds it
// so that a bundle made on one master is seen, downloaded and deleted from any other. Masters ask
// each other's node bundle routes (server/bundle_api.h), as 3DT did, with the daemon's token.
//
// Unlike 3DT, a master that cannot be asked is not silently skipped where that would change the
// answer: a list missing a master's bundles, or "not found" that a silent master might have
// contradicted, is 503 naming that master. A bundle on another master is downloaded into an
// unnamed spool file beside this one's bundles (at most max_file_bytes), then sent: the client
// gets a whole zip or an error, never a cut one passed off as whole.
//
// Thread-safety: handlers run on the server's threads; other_masters is called from them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include <httplib.h>

#include "server/bundle_store.h"
#include "server/node_client.h"

namespace flightcheck::server {

inline constexpr char kClusterBundlePath[] = "/system/health/v1/diagnostics";

struct ClusterBundleApiOptions {
  std::function<std::vector<NodeTarget>()> other_masters;  // every master but this one
  PollOptions client;                                      // token, TLS, timeouts
  std::filesystem::path spool_dir;
  uint64_t max_file_bytes = uint64_t{4} << 30;
};

// store (with a cluster collector) must outlive the server's handling of requests. Register
// before RegisterHealthApi, as RegisterBundleApi.
void RegisterClusterBundleApi(httplib::Server& server, BundleStore& store,
                              ClusterBundleApiOptions options);

// The body of a PUT: {} or empty for both roles; otherwise a message naming what is wrong. Pure.
Result<BundleRequest> ParseClusterBundleRequest(const std::string& body);

}  // namespace flightcheck::server
