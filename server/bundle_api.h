// The node bundle routes of 3DT's new API (§3.5) on the daemon, over a BundleStore (which holds
// this node's bundles and, on a master, the cluster bundles it coordinated, listed alike):
//   PUT    /system/health/v1/node/diagnostics/<id>       start a bundle: its state (200); 409 when
//                                                       the id exists or a bundle is being made
//   GET    /system/health/v1/node/diagnostics           every bundle's state
//   GET    /system/health/v1/node/diagnostics/<id>      its state; 404 for an unknown id
//   GET    /system/health/v1/node/diagnostics/<id>/file the zip (attachment <id>.zip) once Done;
//                                                       404 while not done, 410 after delete
//   DELETE /system/health/v1/node/diagnostics/<id>      removes the zip, keeps the state
// Errors are 3DT's {"code": N, "error": "..."}. A bad id (server/bundle_store.h) is 400 before
// anything is looked up. Authentication is the health API's (its pre-routing check covers these).
// Register before RegisterHealthApi, whose catch-all answers 405 for other methods.
//
// Thread-safety: handlers run on the server's threads; the store is thread-safe.
#pragma once

#include <httplib.h>

#include "checks/scoped_fd.h"
#include "server/bundle_store.h"

namespace flightcheck::server {

inline constexpr char kNodeBundlePath[] = "/system/health/v1/node/diagnostics";

// store must outlive the server's handling of requests.
void RegisterBundleApi(httplib::Server& server, BundleStore& store);

// The answer of a store's reply: its state, its list or 3DT's {"code", "error"}.
void AnswerBundleReply(const BundleReply& reply, httplib::Response& res);
// A bundle's zip from an open descriptor of size bytes, as the attachment <id>.zip.
void SendBundleFile(ScopedFd file, uint64_t size, const std::string& id, httplib::Response& res);

}  // namespace flightcheck::server
