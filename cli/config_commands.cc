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
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "installer/cluster_config.h"
#include "installer/genconf.h"
#include "installer/password_hash.h"
#include "runner/report.h"

namespace flightcheck::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultConfig = "genconf/config.yaml";

int ValidateConfig(const std::string& path, bool strict) {
  const std::optional<ClusterConfig> loaded =
      LoadClusterConfigOrReport(path, ConfigMode::kSsh, strict);
  if (!loaded) return kExitInvalidInput;
  const ClusterConfig& config = *loaded;
  fmt::print(
      "Configuration is valid: {} ({}, {}, {}; config hash {})\n", path,
      CountOf(config.master_list.size(), "master"), CountOf(config.agent_list.size(), "agent"),
      CountOf(config.public_agent_list.size(), "public agent"), ConfigHash(config).substr(0, 12));
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

int Genconf(const std::string& path) {
  const std::optional<ClusterConfig> loaded =
      LoadClusterConfigOrReport(path, ConfigMode::kGenconf, /*strict=*/false);
  if (!loaded) return kExitInvalidInput;
  const ClusterConfig& config = *loaded;

  std::error_code error;
  const fs::path binary = fs::read_symlink("/proc/self/exe", error);
  if (error) {
    return Failure(Status::FromErrno("cannot find the running flightcheck binary (/proc/self/exe)",
                                     error.value()),
                   "genconf: ");
  }
  DiagnosticList rule_diagnostics;
  Result<GenconfOutcome> outcome = GenerateArtifact(config, binary, &rule_diagnostics);
  if (!rule_diagnostics.empty()) fmt::print(stderr, "{}", rule_diagnostics.Format());
  if (!outcome) return Failure(outcome.error(), "genconf: ");
  for (const std::string& warning : outcome->warnings) fmt::print(stderr, "warning: {}\n", warning);
  const Artifact* artifact = &outcome->artifact;
  // Relative to the working directory when under it ("genconf/serve/..."), otherwise absolute.
  fs::path shown = artifact->path.lexically_relative(fs::current_path(error));
  if (shown.empty() || *shown.begin() == "..") shown = artifact->path;
  const size_t hosts =
      config.master_list.size() + config.agent_list.size() + config.public_agent_list.size();
  fmt::print("Generated {} ({:.1f} MiB, sha256 {}) for {}: {}\n", shown.string(),
             static_cast<double>(artifact->size) / (1 << 20), artifact->sha256.substr(0, 12),
             config.cluster_name, CountOf(hosts, "host"));
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
  cmd->callback(
      [validate, exit_code] { *exit_code = ValidateConfig(validate->config, validate->strict); });

  // genconf right after validate-config: --help lists commands in the order of an install.
  auto genconf = std::make_shared<ConfigFlags>();
  cmd = app.add_subcommand(
      "genconf",
      "Validate the config and write the install artifact to genconf/serve/ (exit 65 when the "
      "config or a rule file is invalid, 3 when a file cannot be read or written).");
  cmd->add_option("--config", genconf->config, "The cluster config (default genconf/config.yaml)");
  cmd->callback([genconf, exit_code] { *exit_code = Genconf(genconf->config); });

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
}

}  // namespace flightcheck::cli
