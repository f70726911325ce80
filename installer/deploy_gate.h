// The deploy gate: which of the hosts a deploy would work on are not cleared by the last
// preflight of this very configuration. Pure, so every case has a unit test
// (tests/installer/deploy_gate_test.cc); RunDeployStage refuses unless the list is empty or
// --force is given (and recorded).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/fan_out.h"
#include "runner/stage_state.h"

namespace flightcheck {

// One line per host that is not cleared, in target order: "10.0.0.4 (failed: docker.version,
// ports.zookeeper)", "10.0.0.5 (unreachable)", "10.0.0.6 (not checked)", "10.0.0.7 (no preflight
// of this configuration)". A host is cleared when the preflight state is of config_hash and
// records it as success or installed. preflight is nullopt when there is no (readable) state.
std::vector<std::string> HostsNotClearedForDeploy(const std::vector<FanOutTarget>& targets,
                                                  const std::optional<StageState>& preflight,
                                                  std::string_view config_hash);

// The ids of the rules that failed (then could not be evaluated) in a host's check report, in
// report order; empty for a report that is not one.
std::vector<std::string> FailedRuleIds(const nlohmann::json& report);

}  // namespace flightcheck
