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

namespace flightcheck::server {

struct NodeTarget {
  std::string ip{};    // as listed: "10.0.0.1"
  int port = 1050;     // the node's daemon
  std::string role{};  // 3DT word: master, agent, agent_public
};

struct PollOptions {
  std::chrono::milliseconds timeout{3000};
  int parallelism = 8;
  std::string token{};  // sent as "Authorization: Bearer <token>" when not empty
  bool tls = false;     // https, verifying against the system's CA store or ca_file
  std::string ca_file{};
  size_t max_body_bytes = 8 << 20;  // a larger answer is "too large", not parsed
};

std::vector<NodePoll> PollNodes(const std::vector<NodeTarget>& nodes, const PollOptions& options);

}  // namespace flightcheck::server
