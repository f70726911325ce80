// A cluster bundle made by a master's daemon (3DT's new API, §3.6): every selected node's daemon
// is asked for a bundle of its own (PUT /system/health/v1/node/diagnostics/<part id>), its state
// polled until it is done, its zip downloaded into an unnamed spool file and handed to a
// ClusterPartMerger (the CLI gives collector/cluster_bundle.h's: entry names checked, merged
// under <ip>_<role>/, report.json), and then deleted on the node. Nodes are asked concurrently
// (at most `parallelism` at once); parts are merged one at a time, as they arrive.
//
// Unlike 3DT, a node's failure names its reason in the merged report and in the bundle's errors
// ("10.0.0.3 (agent): unreachable: ..."), status calls that fail are retried until the job's
// deadline (not dropped), a node whose bundle is not done by the deadline is "timeout", and a
// stop (the daemon's SIGTERM) ends the job within one status interval, leaving no bundle.
// Nothing to ask (no node list, or none of the selected roles) is the bundle's failure, not an
// empty success.
//
// Thread-safety: the collector it returns is called by the bundle store, one job at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "checks/status.h"
#include "server/bundle_store.h"
#include "server/node_client.h"

namespace flightcheck::server {

struct NodeOutcome {
  NodeTarget node{};
  std::string status{};   // runner/stage_state.h's words: success, failed, unreachable, timeout
  std::string message{};  // why, when not success
};

// Where the parts go. One thread at a time.
class ClusterPartMerger {
 public:
  virtual ~ClusterPartMerger() = default;
  // The node's zip in fd (read from its start). An error fails the node with it as the reason.
  virtual Status AddPart(const NodeTarget& node, int fd) = 0;
  // After every node: adds the report and commits the bundle. An error means there is none.
  virtual Status Finish(const std::vector<NodeOutcome>& outcomes) = 0;
};

struct ClusterBundleJobOptions {
  // The nodes the daemon knows now (its pull list: --nodes or the cluster config).
  std::function<std::vector<NodeTarget>()> nodes;
  PollOptions client;  // token, TLS; its timeout bounds each call, its parallelism the nodes
  std::chrono::milliseconds job_timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds status_interval{std::chrono::seconds(1)};
  uint64_t max_part_bytes = uint64_t{4} << 30;
  std::filesystem::path spool_dir;  // for the downloaded parts
  // Makes the merger writing the bundle at output (through a PendingFile).
  std::function<Result<std::unique_ptr<ClusterPartMerger>>(const std::filesystem::path& output)>
      merger;
  std::function<void(const std::string&)> log;  // one line per node that failed; may be null
};

BundleStore::Collector ClusterBundleCollector(ClusterBundleJobOptions options);

}  // namespace flightcheck::server
