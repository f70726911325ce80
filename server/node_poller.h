// Polls every node's daemon for its report (GET /system/health/v1), as 3DT's masters do: all
// nodes concurrently, at most `parallelism` at once, each bounded by `timeout`.
//
// A node that refuses the connection, times out, answers non-200 or answers something that is not
// JSON comes back as a NodePoll without a report and with the reason; the caller lists it with
// health 3. Polling never fails as a whole.
//
// Thread-safety: PollNodes may be called from any thread; it blocks until every poll ended (at
// most about 2 × timeout: connecting and reading are bounded separately) and leaves no thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "server/cluster_health.h"
#include "server/node_client.h"

namespace flightcheck::server {

std::vector<NodePoll> PollNodes(const std::vector<NodeTarget>& nodes, const PollOptions& options);

}  // namespace flightcheck::server
