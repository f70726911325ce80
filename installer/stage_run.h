// StageRun: what every install stage does around its per-host body (private to installer/).
//
// Start takes the GenconfLock of genconf/ (a second stage or genconf is refused, naming the
// holder), loads the artifact of the current config.yaml when the stage needs one, and sets up the
// fan-out (runner/fan_out.h) with the config's SSH settings and the stage's stop token. Conclude
// finishes the state file, prints the outcome and returns the exit code.
//
// Thread-compatible: one stage per StageRun, on the calling thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "installer/cluster_config.h"
#include "installer/genconf.h"
#include "installer/install_record.h"
#include "installer/stages.h"
#include "runner/fan_out.h"

namespace flightcheck {

struct ArtifactRef {
  std::string name;    // flightcheck-<hash>.tar.gz
  std::string stem;    // flightcheck-<hash>: the directory it is extracted to on a host
  std::string sha256;  // of the file
  std::filesystem::path path;
};

class StageRun {
 public:
  // nullptr with *exit_code set (and the reason printed on options.err) when the stage cannot
  // start: the lock is held (3), the artifact is missing or stale (65).
  static std::unique_ptr<StageRun> Start(const std::string& stage, const ClusterConfig& config,
                                         const StageOptions& options, bool needs_artifact,
                                         int* exit_code);

  FanOut& fan_out() { return fan_out_; }
  StageState& state() { return fan_out_.state(); }
  const ClusterConfig& config() const { return config_; }
  const ArtifactRef& artifact() const { return artifact_; }
  std::string cluster_hash() const { return cluster_hash_; }
  std::chrono::milliseconds command_timeout() const {
    return std::chrono::seconds(config_.process_timeout);
  }

  // Runs `install.sh args` of the artifact on the host, first copying the artifact there when
  // the host lacks it (and then removing the other artifacts there but the installed one). Its
  // stdout goes to stdout_fd when that is not -1 (a file of the caller's, rewound and emptied
  // before each attempt).
  boost::asio::awaitable<RemoteResult> RunInstallScript(HostState& host, SshConnection& connection,
                                                        const std::string& args,
                                                        std::chrono::milliseconds timeout,
                                                        int stdout_fd = -1);

  // Reads the host's install record (install_record.h) and compares it with this artifact and
  // config; a record that cannot be read counts as none (the step is logged). When the host
  // already runs this cluster it is given status `already` and the comparison's message; when it
  // runs another configuration it fails with that message. Returns true when it settled the host
  // that way, false when nothing is installed there.
  boost::asio::awaitable<bool> SettleByInstallRecord(HostState& host, SshConnection& connection,
                                                     HostStatus already);

  // Finishes the state, prints the outcome (text or JSON; with_reports groups the per-host check
  // reports by rule) and returns the exit code (128 + the signal after a stop).
  int Conclude(bool with_reports);

 private:
  StageRun(const ClusterConfig& config, const StageOptions& options, GenconfLock lock,
           FanOutOptions fan_out_options);

  const ClusterConfig& config_;
  const StageOptions& options_;
  GenconfLock lock_;
  FanOut fan_out_;
  ArtifactRef artifact_;
  std::string cluster_hash_;
};

// Sets the host's status from a check report printed by install.sh preflight/postflight: killed
// at the timeout, no usable report (not JSON, not an object, cut at the output cap, wrong types),
// failed with the ids of the rules that failed, or passed.
void ApplyReport(HostState& host, const RemoteResult& result, std::string_view stage,
                 int process_timeout);

// Sets the host's status from install.sh install/uninstall: killed at the timeout, failed with its
// last line, or done.
void ApplyCommandResult(HostState& host, const RemoteResult& result, std::string_view what,
                        int process_timeout);

// Where artifacts live on a host. Uninstall removes the directory, so a host's /opt is left as
// it was found.
inline constexpr const char* kRemoteArtifactDir = "/opt/flightcheck";

}  // namespace flightcheck
