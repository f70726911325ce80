// The per-stage state files of genconf/state/: one JSON file per stage (preflight.json,
// deploy.json, postflight.json, uninstall.json) listing every target host and where it stands.
//
// The files are rewritten through a temporary file and a rename after every change, so a reader
// (a dashboard, a script, `cat` during a run) always sees a complete document. The deploy gate
// reads preflight.json; `deploy --retry-failed` reads deploy.json. The format is documented in
// docs/state-files.md.
//
// Values and pure functions except Read/WriteStageState; thread-compatible. Text from hosts may be
// anything: invalid UTF-8 is written as U+FFFD, never an exception.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/status.h"

namespace flightcheck {

// unreachable (could not connect) is kept apart from failed (connected, and something failed);
// terminated means killed at a timeout or stopped by a signal (the step says where); installed
// (preflight only) means the host already runs this cluster, so there is nothing to check before
// a deploy, which will skip it.
enum class HostStatus {
  kUnstarted,
  kRunning,
  kSuccess,
  kFailed,
  kUnreachable,
  kTerminated,
  kInstalled
};
std::string_view HostStatusName(HostStatus status);
std::optional<HostStatus> ParseHostStatus(std::string_view name);

struct HostState {
  std::string address;
  std::string role;  // master, agent or public_agent
  HostStatus status = HostStatus::kUnstarted;
  std::string message;  // one line for people: why it failed, was unreachable or was terminated
  std::string step;     // what the host was doing last ("install.sh install master"); "" before
  std::string log;      // the host's log of this stage, relative to the install directory
  std::string started_at;
  std::string finished_at;
  double seconds = 0;
  nlohmann::json report;  // the host's check report (preflight, postflight); null otherwise
};

struct StageState {
  static constexpr std::string_view kSchema = "flightcheck/stage-state/v1";
  std::string stage;        // preflight, deploy, postflight or uninstall
  std::string config_hash;  // of the config.yaml the stage ran with
  std::string artifact;     // name of the install artifact it used, if any
  std::string started_at;
  std::string finished_at;  // "" while the stage runs
  bool forced = false;      // deploy --force overrode the preflight gate
  std::vector<HostState> hosts;

  int Count(HostStatus status) const;
  HostState* Find(std::string_view address);
  const HostState* Find(std::string_view address) const;
};

nlohmann::json StageStateToJson(const StageState& state);
// InvalidArgument naming the field when the document is not a stage state.
Result<StageState> StageStateFromJson(const nlohmann::json& document);

// Atomic (temporary file + rename); creates the directory.
Status WriteStageState(const std::filesystem::path& path, const StageState& state);
// NotFound when there is no such file; InvalidArgument naming the path when it does not parse.
Result<StageState> ReadStageState(const std::filesystem::path& path);

}  // namespace flightcheck
