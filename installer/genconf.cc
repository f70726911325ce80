#include "installer/genconf.h"

#include <set>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "runner/rule_loader.h"

namespace flightcheck {

namespace {

struct PhaseRules {
  std::vector<SourceFile> preflight, postflight;
};

// install.sh selects with --phase, so a file goes to every phase its rules declare.
Result<PhaseRules> ReadArtifactRules(const ClusterConfig& config, DiagnosticList* diagnostics,
                                     std::vector<std::string>* warnings) {
  std::vector<SourceFile> files;
  if (config.builtin_rules) files = BuiltinRuleSources();
  const size_t builtin_count = files.size();
  std::vector<std::string> custom;
  for (const std::filesystem::path& path : config.custom_rules) custom.push_back(path.string());
  for (SourceFile& file : ReadRuleFiles(custom, diagnostics)) files.push_back(std::move(file));
  LoadResult loaded;
  if (diagnostics->empty()) {
    loaded = LoadRules(files, ProbeRegistry::Global());
    *diagnostics = std::move(loaded.diagnostics);
  }
  if (!diagnostics->empty()) {
    return Status::InvalidArgument(fmt::format("{} error{} in rule files; nothing was written",
                                               diagnostics->size(),
                                               diagnostics->size() == 1 ? "" : "s"));
  }
  PhaseRules phases;
  for (size_t i = 0; i < files.size(); ++i) {
    std::set<std::string> declared;
    for (const Rule& rule : loaded.rules.rules) {
      if (rule.location.path == files[i].path) declared.insert(rule.phase);
    }
    if (declared.contains("preflight")) phases.preflight.push_back(files[i]);
    if (declared.contains("postflight")) phases.postflight.push_back(files[i]);
    if (i >= builtin_count && !declared.contains("preflight") && !declared.contains("postflight")) {
      warnings->push_back(fmt::format(
          "custom_rules: {} has no preflight or postflight rule; it is not in the artifact",
          files[i].path));
    }
  }
  return phases;
}

}  // namespace

Result<GenconfOutcome> GenerateArtifact(const ClusterConfig& config,
                                        const std::filesystem::path& binary,
                                        DiagnosticList* rule_diagnostics) {
  GenconfOutcome outcome;
  Result<PhaseRules> rules = ReadArtifactRules(config, rule_diagnostics, &outcome.warnings);
  if (!rules) return rules.error();
  ArtifactInputs inputs;
  inputs.flightcheck_binary = binary;
  inputs.preflight_rules = std::move(rules->preflight);
  inputs.postflight_rules = std::move(rules->postflight);
  inputs.node_config = RenderNodeConfig(config);
  inputs.variables = nlohmann::json(ClusterVariables(config));
  Result<std::string> ip_detect = ReadWholeFile(config.ip_detect_path);
  if (!ip_detect) return ip_detect.error();
  inputs.ip_detect_script = std::move(*ip_detect);
  inputs.payload = config.payload_path;
  inputs.install_prefix = config.install_prefix;
  inputs.skip_checks = config.skip_checks;
  // check_time: false turns DC/OS's clock check off, as it did there.
  if (!config.check_time && config.builtin_rules) inputs.skip_checks.push_back("clock.synced");
  inputs.config_hash = ConfigHash(config);
  Result<Artifact> artifact = WriteArtifact(inputs, config.install_dir / "genconf" / "serve");
  if (!artifact) return artifact.error();
  outcome.artifact = std::move(*artifact);
  return outcome;
}

}  // namespace flightcheck
