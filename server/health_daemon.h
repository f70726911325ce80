// The health daemon's two loops: health runs on this node every interval (never overlapping, with
// jitter so a cluster's nodes drift apart), and, on an aggregating node, a pull of every node's
// report every interval. Each finished run or pull publishes a new HealthSnapshot.
//
// Stop() ends a run in progress within a watchdog tick (RunRules' stop token) and a pull within
// its timeout, and joins both threads. Reload() (SIGHUP) reloads the rules and node list before
// the next run and starts it at once; a reload that fails keeps the rules that were running and
// logs why.
//
// Thread-safety: every public method may be called from any thread once Start was called.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "checks/probe.h"
#include "runner/engine.h"
#include "runner/rule.h"
#include "server/health_api.h"
#include "server/health_snapshot.h"
#include "server/node_poller.h"

namespace flightcheck::server {

// What a health run needs; built (and rebuilt on reload) by the caller's loader.
struct HealthRunSetup {
  RuleSet rules;
  RunOptions options;             // its stop token and on_result are set by the daemon
  std::vector<NodeTarget> nodes;  // to pull; empty: not aggregating
};

struct HealthDaemonOptions {
  std::chrono::milliseconds interval{60000};
  double jitter = 0.1;  // each wait is interval × (1 ± jitter), uniformly
  NodeIdentity node;
  PollOptions poll;
  // When set, each run's results (flightcheck/report/v1 JSON, what /api/v1/results serves) are
  // written here, to a temporary name renamed over it: the latest results outlive the daemon, and
  // support bundles collect them (rules/bundle.yaml, file.health-results). A write that fails is
  // logged and the daemon goes on.
  std::filesystem::path results_file{};
  std::function<void(const std::string&)> log_info;  // one line each; may be null
  std::function<void(const std::string&)> log_error;
};

class HealthDaemon {
 public:
  using Loader = std::function<Result<HealthRunSetup>()>;

  HealthDaemon(HealthDaemonOptions options, Loader loader, HostContext host,
               const ProbeRegistry& registry);
  ~HealthDaemon();  // Stop()
  HealthDaemon(const HealthDaemon&) = delete;
  HealthDaemon& operator=(const HealthDaemon&) = delete;

  // Starts the loops with the setup the caller loaded (and checked) first; the loader is called
  // on every Reload() after that.
  void Start(HealthRunSetup first);
  void Stop();
  void Reload();

  std::shared_ptr<const HealthSnapshot> snapshot() const;
  // Asks for a fresh tree (a pull when aggregating, else a health run) and waits for it.
  bool Refresh(std::chrono::milliseconds timeout);
  // The hooks the HTTP routes use.
  HealthApiHooks Hooks();
  // The nodes of the current setup (what the pull loop polls); empty before Start.
  std::vector<NodeTarget> Nodes() const;
  // True while both loops are alive and none is stuck past its bound: for the systemd watchdog.
  bool Alive() const;

 private:
  void RunLoop(std::stop_token stop);
  void PullLoop(std::stop_token stop);
  void Publish(std::function<void(HealthSnapshot&)> change);
  Report RunOnce(const HealthRunSetup& setup, std::stop_token stop,
                 const std::vector<std::string>& only);
  std::chrono::milliseconds NextWait();
  std::shared_ptr<const HealthRunSetup> CurrentSetup() const;
  void Info(const std::string& line) const;
  void Error(const std::string& line) const;

  HealthDaemonOptions options_;
  Loader loader_;
  HostContext host_;
  const ProbeRegistry& registry_;

  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::shared_ptr<const HealthSnapshot> snapshot_;
  std::shared_ptr<const HealthRunSetup> setup_;
  bool reload_requested_ = false;
  bool run_requested_ = false;
  bool pull_requested_ = false;
  uint64_t runs_ = 0;
  uint64_t pulls_ = 0;
  std::chrono::steady_clock::time_point run_heartbeat_, pull_heartbeat_;
  std::vector<NodePoll> last_polls_;
  std::jthread run_thread_, pull_thread_;
};

}  // namespace flightcheck::server
