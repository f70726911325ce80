// How a daemon talks to another node's daemon: its address and role as listed, the client options
// (timeouts, token, TLS) every such call uses, and an httplib client set up with them. Shared by
// the health pull (server/node_poller.h) and the cluster bundles (server/cluster_bundle_job.h).
//
// Thread-safety: NodeClient makes a new client per call; a client is used by one thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <httplib.h>

namespace flightcheck::server {

struct NodeTarget {
  std::string ip{};    // as listed: "10.0.0.1"
  int port = 1050;     // the node's daemon
  std::string role{};  // 3DT word: master, agent, agent_public
};

struct PollOptions {
  std::chrono::milliseconds timeout{3000};  // connecting, and each read and write, separately
  int parallelism = 8;
  std::string token{};  // sent as "Authorization: Bearer <token>" when not empty
  bool tls = false;     // https, verifying against the system's CA store or ca_file
  std::string ca_file{};
  size_t max_body_bytes = 8 << 20;  // a larger answer is "too large", not parsed
};

// "http://10.0.0.1:1050", "https://[fd00::1]:1050".
std::string NodeBaseUrl(const NodeTarget& node, const PollOptions& options);

// A client of the node's daemon: timeouts of options, no keep-alive, TLS as options say.
std::unique_ptr<httplib::Client> NodeClient(const NodeTarget& node, const PollOptions& options);

// The headers of every call: the token, when there is one.
httplib::Headers NodeHeaders(const PollOptions& options);

}  // namespace flightcheck::server
