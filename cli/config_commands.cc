// `flightcheck validate-config`, `hash-password` and `genconf`: flag parsing and wiring; the work
// is installer::LoadClusterConfig, HashPassword and WriteArtifact. docs/config.md describes the
// config and the messages.
//
// Exit codes: 0 done; 65 invalid input (a config with errors, or warnings with --strict; rule
// files that do not load; an empty or mismatched password); 3 anything else that failed (a file
// that cannot be read or written).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "installer/artifact.h"
#include "installer/cluster_config.h"
#include "installer/password_hash.h"
#include "runner/report.h"
#include "runner/rule_loader.h"

namespace flightcheck::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultConfig = "genconf/config.yaml";

// "1 error", "2 errors".
std::string Count(size_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

// Prints the problems of a load on stderr. When the config is unusable (errors, or warnings with
// strict) they come between a DC/OS-like header and a closing count; returns whether it is.
bool ReportProblems(const ConfigLoad& load, const fs::path& path, bool strict) {
  size_t errors = 0, warnings = 0;
  for (const ConfigProblem& problem : load.problems) ++(problem.warning ? warnings : errors);
  const bool failed = errors > 0 || (strict && warnings > 0);
  if (failed) {
    fmt::print(stderr, "Validation of configuration parameters failed ({}):\n", path.string());
  }
  for (const ConfigProblem& problem : load.problems) {
    fmt::print(stderr, "{}{}\n", problem.warning ? "warning: " : "", FormatProblem(problem));
  }
  if (failed) {
    fmt::print(stderr, "{}, {}{}\n", Count(errors, "error"), Count(warnings, "warning"),
               strict && warnings > 0 ? " (warnings are errors with --strict)" : "");
  }
  return !failed;
}

int ValidateConfig(const std::string& path, bool strict) {
  const ConfigLoad load = LoadClusterConfig(path, ConfigMode::kSsh);
  if (!ReportProblems(load, path, strict) || !load.config) return kExitInvalidInput;
  const ClusterConfig& config = *load.config;
  fmt::print("Configuration is valid: {} ({}, {}, {}; config hash {})\n", path,
             Count(config.master_list.size(), "master"), Count(config.agent_list.size(), "agent"),
             Count(config.public_agent_list.size(), "public agent"),
             ConfigHash(config).substr(0, 12));
  return kExitOk;
}

// "flightcheck: error: <message>"; 65 for bad input, 3 otherwise.
int Failure(const Status& status, std::string_view context = {}) {
  fmt::print(stderr, "flightcheck: error: {}{}\n", context, status.message());
  return status.code() == ErrorCode::kInvalidArgument || status.code() == ErrorCode::kParseError
             ? kExitInvalidInput
             : kExitError;
}

struct HashPasswordFlags {
  std::string password;
  bool given = false;
};

int HashPasswordCommand(const HashPasswordFlags& flags) {
  std::string password = flags.password;
  if (!flags.given) {
    Result<std::string> read = ReadPasswordInteractively(STDIN_FILENO, STDERR_FILENO);
    if (!read) return Failure(read.error());
    password = std::move(*read);
  }
  Result<std::string> hash = HashPassword(password);
  if (!hash) return Failure(hash.error());
  fmt::print("{}\n", *hash);
  return kExitOk;
}

// The rule files of the artifact by phase: the built-in sets unless builtin_rules is false, then
// custom_rules. A file goes to each phase its rules declare (install.sh selects with --phase); a
// custom file with no preflight or postflight rule is left out with a warning. Rule files that do
// not load are reported like `flightcheck rules validate` and give nullopt.
struct PhaseRules {
  std::vector<SourceFile> preflight, postflight;
};

std::optional<PhaseRules> ReadArtifactRules(const ClusterConfig& config) {
  std::vector<SourceFile> files;
  if (config.builtin_rules) files = BuiltinRuleSources();
  const size_t builtin_count = files.size();
  std::vector<std::string> custom;
  for (const fs::path& path : config.custom_rules) custom.push_back(path.string());
  DiagnosticList diagnostics;
  for (SourceFile& file : ReadRuleFiles(custom, &diagnostics)) files.push_back(std::move(file));
  LoadResult loaded;
  if (diagnostics.empty()) {
    loaded = LoadRules(files, ProbeRegistry::Global());
    diagnostics = std::move(loaded.diagnostics);
  }
  if (!diagnostics.empty()) {
    fmt::print(stderr, "{}flightcheck: error: genconf: {} in rule files; nothing was written\n",
               diagnostics.Format(), Count(diagnostics.size(), "error"));
    return std::nullopt;
  }
  PhaseRules phases;
  for (size_t i = 0; i < files.size(); ++i) {
    std::set<std::string> declared;
    for (const Rule& rule : loaded.rules.rules) {
      if (rule.location.path == files[i].path) declared.insert(rule.phase);
    }
    if (declared.count("preflight") != 0) phases.preflight.push_back(files[i]);
    if (declared.count("postflight") != 0) phases.postflight.push_back(files[i]);
    if (i >= builtin_count && declared.count("preflight") == 0 &&
        declared.count("postflight") == 0) {
      fmt::print(stderr,
                 "warning: custom_rules: {} has no preflight or postflight rule; it is not in the "
                 "artifact\n",
                 files[i].path);
    }
  }
  return phases;
}

int Genconf(const std::string& path) {
  const ConfigLoad load = LoadClusterConfig(path, ConfigMode::kGenconf);
  if (!ReportProblems(load, path, /*strict=*/false) || !load.config) return kExitInvalidInput;
  const ClusterConfig& config = *load.config;

  ArtifactInputs inputs;
  std::error_code error;
  inputs.flightcheck_binary = fs::read_symlink("/proc/self/exe", error);
  if (error) {
    return Failure(Status::FromErrno("cannot find the running flightcheck binary (/proc/self/exe)",
                                     error.value()),
                   "genconf: ");
  }
  std::optional<PhaseRules> rules = ReadArtifactRules(config);
  if (!rules) return kExitInvalidInput;
  inputs.preflight_rules = std::move(rules->preflight);
  inputs.postflight_rules = std::move(rules->postflight);
  inputs.node_config = RenderNodeConfig(config);
  inputs.variables = nlohmann::json(ClusterVariables(config));
  Result<std::string> ip_detect = ReadWholeFile(config.ip_detect_path);
  if (!ip_detect) return Failure(ip_detect.error(), "genconf: ");
  inputs.ip_detect_script = std::move(*ip_detect);
  inputs.payload = config.payload_path;
  inputs.install_prefix = config.install_prefix;
  inputs.skip_checks = config.skip_checks;
  inputs.config_hash = ConfigHash(config);

  Result<Artifact> artifact = WriteArtifact(inputs, config.install_dir / "genconf" / "serve");
  if (!artifact) return Failure(artifact.error(), "genconf: ");
  // Relative to the working directory when under it ("genconf/serve/..."), otherwise absolute.
  fs::path shown = artifact->path.lexically_relative(fs::current_path(error));
  if (shown.empty() || *shown.begin() == "..") shown = artifact->path;
  const size_t hosts =
      config.master_list.size() + config.agent_list.size() + config.public_agent_list.size();
  fmt::print("Generated {} ({:.1f} MiB, sha256 {}) for {}: {}\n", shown.string(),
             static_cast<double>(artifact->size) / (1 << 20), artifact->sha256.substr(0, 12),
             config.cluster_name, Count(hosts, "host"));
  return kExitOk;
}

}  // namespace

void AddConfigCommands(CLI::App& app, int* exit_code) {
  struct ConfigFlags {
    std::string config = kDefaultConfig;
    bool strict = false;
  };

  auto validate = std::make_shared<ConfigFlags>();
  CLI::App* cmd = app.add_subcommand(
      "validate-config",
      "Validate genconf/config.yaml fully, SSH settings included (exit 65 when invalid).");
  cmd->add_option("--config", validate->config, "The cluster config (default genconf/config.yaml)");
  cmd->add_flag("--strict", validate->strict, "Treat warnings (such as unknown keys) as errors");
  cmd->callback([validate, exit_code] {
    *exit_code = ValidateConfig(validate->config, validate->strict);
  });

  auto hash = std::make_shared<HashPasswordFlags>();
  cmd = app.add_subcommand(
      "hash-password",
      "Print the SHA-512 crypt(3) hash of a password for superuser_password_hash. Without "
      "PASSWORD it is read from the terminal (asked twice, not echoed) or as one line from a "
      "pipe. A PASSWORD argument stays in your shell history and is visible to other users in "
      "the process list: prefer the prompt.");
  CLI::Option* password =
      cmd->add_option("password", hash->password, "The password (see above: prefer the prompt)");
  cmd->callback([hash, password, exit_code] {
    hash->given = password->count() > 0;
    *exit_code = HashPasswordCommand(*hash);
  });

  auto genconf = std::make_shared<ConfigFlags>();
  cmd = app.add_subcommand(
      "genconf",
      "Validate the config and write the install artifact to genconf/serve/ (exit 65 when the "
      "config or a rule file is invalid, 3 when a file cannot be read or written).");
  cmd->add_option("--config", genconf->config, "The cluster config (default genconf/config.yaml)");
  cmd->callback([genconf, exit_code] { *exit_code = Genconf(genconf->config); });
}

}  // namespace flightcheck::cli
