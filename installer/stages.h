// The install driver's stages across the cluster: preflight, deploy, postflight, uninstall.
//
// Each stage connects to every host of config.yaml (masters, agents, public agents) with one
// OpenSSH ControlMaster connection, at most ssh_parallelism hosts at once, and runs the node side
// of the install artifact (install.sh) there:
//   preflight   copies the artifact when the host lacks it (checked by sha256), runs the preflight
//               rules with the host's own role and merges the per-host JSON reports;
//   deploy      refuses unless the last preflight for this config hash passed on every target host
//               (--force overrides and is recorded); masters first, then agents; install.sh
//               installs only when its own preflight passes;
//   postflight  runs the postflight rules (ZooKeeper quorum of the masters ...) until they pass on
//               every host or the deadline passes, then reports the real final status;
//   uninstall   runs the stop hooks and removes what install.sh recorded, then the artifact.
// Per-host state goes to genconf/state/<stage>.json (stage_state.h), per-host output to
// genconf/logs/<stage>/<address>.log. An unreachable host is reported as such and the others
// carry on.
//
// Blocking; one stage at a time per install directory. Output for people goes to out, progress
// to err.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "installer/cluster_config.h"
#include "installer/stage_state.h"

namespace flightcheck {

struct TargetHost {
  std::string address;
  std::string role;  // master, agent or public_agent
};

// Masters, then agents, then public agents, in config order.
std::vector<TargetHost> TargetHosts(const ClusterConfig& config);

struct StageOptions {
  bool json = false;          // print the merged JSON document instead of text
  bool progress = false;      // a live progress line on err (a terminal)
  bool force = false;         // deploy despite the preflight gate
  bool retry_failed = false;  // deploy only the hosts that did not succeed last time
  bool assume_yes = false;    // uninstall without asking
  // Asks the operator to confirm uninstall; returns false to cancel. Required unless assume_yes.
  std::function<bool(const std::string& question)> confirm;
  std::optional<std::chrono::seconds> postflight_timeout;  // overrides the config's
  FILE* out = stdout;
  FILE* err = stderr;
};

// Each returns the process exit code: 0 every host succeeded; 2 a host failed (or deploy was
// refused); 3 hosts were unreachable or terminated and none failed; 65 the artifact is missing or
// was generated from another config.yaml; 1 uninstall was not confirmed.
int RunPreflightStage(const ClusterConfig& config, const StageOptions& options);
int RunDeployStage(const ClusterConfig& config, const StageOptions& options);
int RunPostflightStage(const ClusterConfig& config, const StageOptions& options);
int RunUninstallStage(const ClusterConfig& config, const StageOptions& options);

// "docker.version failed on 2 of 9 hosts: 10.0.0.4 (1.12.6), 10.0.0.5 (1.12.6)" lines, one per
// rule that failed (then could not be evaluated, then warned) on any host, with the rule's hint,
// from the per-host reports of a stage. Pure; exposed for tests.
std::string GroupFailuresByRule(const StageState& state);

}  // namespace flightcheck
