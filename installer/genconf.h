// genconf: from a validated config.yaml to the install artifact in genconf/serve/.
//
// Gathers the artifact's inputs (the rule files by phase, the rendered node config, the rules'
// variables, the ip-detect script, the payload) and writes it with WriteArtifact.
//
// Blocking; reads the files the config names and writes genconf/serve/.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "installer/artifact.h"
#include "installer/cluster_config.h"
#include "runner/diagnostics.h"

namespace flightcheck {

struct GenconfOutcome {
  Artifact artifact;
  std::vector<std::string> warnings;  // e.g. a custom rule file with no preflight/postflight rule
};

// Writes the artifact for config with binary as its bin/flightcheck. The rule files (the built-in
// sets unless builtin_rules is false, then custom_rules) go to each phase their rules declare.
// Rule files that do not load: InvalidArgument, with every diagnostic in *rule_diagnostics and
// nothing written. Other failures as WriteArtifact's.
Result<GenconfOutcome> GenerateArtifact(const ClusterConfig& config,
                                        const std::filesystem::path& binary,
                                        DiagnosticList* rule_diagnostics);

}  // namespace flightcheck
