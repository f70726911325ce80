// The install driver's stages across the cluster: preflight, deploy, postflight, uninstall. Each
// stage body is one file (installer/<stage>_stage.cc) on the shared fan-out (runner/fan_out.h):
// one OpenSSH ControlMaster connection per host of config.yaml, at most ssh_parallelism at once,
// running the node side of the install artifact (install.sh) there:
//   preflight   copies the artifact when the host lacks it (checked by sha256; older artifacts
//               there are removed except the installed one), runs the preflight rules with the
//               host's own role and merges the per-host JSON reports. A host that already runs
//               this cluster is `installed`, not checked again;
//   deploy      refuses unless the last preflight for this config hash cleared every host it
//               works on (deploy_gate.h; --force overrides and is recorded); masters first, then
//               agents. A host already running this artifact is `success` ("already deployed"),
//               its record kept and its hooks not run; one installed with another configuration
//               is `failed` and left alone; --retry-failed works only on hosts whose last record
//               is not success;
//   postflight  runs the postflight rules (ZooKeeper quorum of the masters ...) until they pass on
//               every host or the deadline passes, then reports the real final status; a host the
//               last deploy did not install is `failed: not deployed`;
//   uninstall   runs the stop hooks and removes what install.sh recorded, then the artifacts;
//               --hosts limits it to the given addresses (also ones no longer in config.yaml);
//   bundle      collects each host's part of a cluster support bundle (`install.sh bundle`: the
//               node's own `flightcheck bundle create`, streamed back into an unnamed local file)
//               and hands it to a NodePartSink, which merges it (collector/cluster_bundle.h); a
//               host that cannot be reached, fails or does not finish within the timeout is
//               listed with why, and the others still make the bundle.
// Every stage holds the GenconfLock of genconf/ (one stage or genconf at a time). Per-host state
// goes to genconf/state/<stage>.json (runner/stage_state.h), per-host output to
// genconf/logs/<stage>/<run start>/<address>.log (the newest run linked as `latest`). A stop
// request (Ctrl-C, SIGTERM) stops the remote work, marks unfinished hosts terminated with their
// step and finishes the state file.
//
// Blocking. Output for people goes to out, progress and notes to err.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "checks/status.h"
#include "installer/cluster_config.h"
#include "runner/fan_out.h"
#include "runner/stage_state.h"

namespace flightcheck {

using TargetHost = FanOutTarget;

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
  // uninstall --hosts: only these addresses (which need not be in config.yaml any more).
  std::vector<std::string> only_hosts;
  // bundle: what each host's `flightcheck bundle create` is given besides its role and address
  // (--since, --no-redact), where parts are spooled (the bundle's directory), and how long a
  // host's part may take (default: the config's process_timeout).
  std::vector<std::string> node_bundle_args;
  std::filesystem::path spool_dir = ".";
  std::optional<std::chrono::seconds> bundle_timeout;
  std::stop_token stop;              // requested by StopSignals on Ctrl-C / SIGTERM
  std::function<int()> stop_signal;  // the signal behind a stop, for messages
  FILE* out = stdout;
  FILE* err = stderr;
};

// Each returns the process exit code: 0 every host succeeded; 2 a host failed (or deploy was
// refused); 3 hosts were unreachable or terminated and none failed, or another stage or genconf
// holds genconf/ (as genconf does then; the message names it, its pid and start time; nothing
// ran); 65 the artifact is missing or was generated from another config.yaml; 1 uninstall was not
// confirmed; 128 + the signal when stopped (130 for SIGINT, 143 for SIGTERM).
int RunPreflightStage(const ClusterConfig& config, const StageOptions& options);
int RunDeployStage(const ClusterConfig& config, const StageOptions& options);
int RunPostflightStage(const ClusterConfig& config, const StageOptions& options);
int RunUninstallStage(const ClusterConfig& config, const StageOptions& options);

// Where the bundle stage puts the parts it collects. Called on the stage's thread, one call at a
// time, as parts arrive.
class NodePartSink {
 public:
  virtual ~NodePartSink() = default;
  // The host's part (a bundle of `flightcheck bundle create`) in fd, at whatever offset: the
  // sink reads it from its start. An
  // error fails the host with it as the reason; what the sink keeps of a refused part is its own
  // business (collector/cluster_bundle.h keeps nothing).
  virtual Status AddPart(const HostState& host, int fd) = 0;
  // After every host, unless the stage was stopped: state says what became of each host. An
  // error means there is no bundle.
  virtual Status Finish(const StageState& state) = 0;
};
// As the other stages; when sink.Finish fails, its message is printed and the exit code is 3.
int RunBundleStage(const ClusterConfig& config, const StageOptions& options, NodePartSink& sink);

// "docker.version failed on 2 of 9 hosts: 10.0.0.4 (1.12.6), 10.0.0.5 (1.12.6)" lines, one per
// rule that failed (then could not be evaluated, then warned) on any host, with the rule's hint,
// from the per-host reports of a stage. Pure; exposed for tests.
std::string GroupFailuresByRule(const StageState& state);

}  // namespace flightcheck
