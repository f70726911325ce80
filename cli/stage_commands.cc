// preflight, deploy, postflight, uninstall: the install driver's stages across the cluster.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "installer/cluster_config.h"
#include "installer/stages.h"
#include "runner/report.h"
#include "runner/stop_signals.h"

namespace flightcheck::cli {
namespace {

struct StageFlags {
  std::string config = "genconf/config.yaml";
  std::string format = "text";
  std::string timeout;
  bool force = false;
  bool retry_failed = false;
  bool yes = false;
  std::vector<std::string> hosts;  // uninstall --hosts
};

// y/yes/n/no, case-insensitive, asked again on anything else, as DC/OS did; end of input is no.
bool AskOnTerminal(const std::string& question) {
  while (true) {
    fmt::print(stderr, "{}", question);
    std::fflush(stderr);
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    for (char& c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (answer == "y" || answer == "yes") return true;
    if (answer == "n" || answer == "no" || answer.empty()) return false;
    fmt::print(stderr, "Choices are [y]es or [n]o. \"{}\" is not a choice.\n", answer);
  }
}

int RunStage(const std::string& stage, const StageFlags& flags) {
  if (flags.format != "text" && flags.format != "json") {
    return UsageError(fmt::format("--format: '{}' is not one of text, json", flags.format));
  }
  StageOptions options;
  options.json = flags.format == "json";
  options.progress = !options.json && UseColour(STDERR_FILENO);
  options.force = flags.force;
  options.retry_failed = flags.retry_failed;
  options.assume_yes = flags.yes;
  if (!flags.timeout.empty()) {
    options.postflight_timeout = ParseTimeoutFlagOrReport(flags.timeout);
    if (!options.postflight_timeout) return kExitUsage;
  }
  if (stage == "uninstall" && !flags.yes) {
    if (!::isatty(STDIN_FILENO)) {
      return UsageError(
          "uninstall asks for confirmation on a terminal; pass --yes to run it "
          "without one");
    }
    options.confirm = AskOnTerminal;
  }
  for (const std::string& host : flags.hosts) {
    if (host.empty() || host.find_first_of(" \t/'\"") != std::string::npos) {
      return UsageError(fmt::format("--hosts: '{}' is not a host address", host));
    }
    options.only_hosts.push_back(host);
  }
  std::optional<ClusterConfig> config = LoadClusterConfigOrReport(flags.config, ConfigMode::kSsh,
                                                                  /*strict=*/false);
  if (!config) return kExitInvalidInput;
  // Ctrl-C and SIGTERM stop the remote work and leave a finished state file (a second one kills).
  StopSignals signals;
  options.stop = signals.token();
  options.stop_signal = [&signals] { return signals.signal(); };
  if (stage == "preflight") return RunPreflightStage(*config, options);
  if (stage == "deploy") return RunDeployStage(*config, options);
  if (stage == "postflight") return RunPostflightStage(*config, options);
  return RunUninstallStage(*config, options);
}

}  // namespace

void AddStageCommands(CLI::App& app, int* exit_code) {
  struct Stage {
    const char* name;
    const char* help;
  };
  for (const Stage& stage : {
           Stage{"preflight", "Run the preflight rules on every host of config.yaml over SSH"},
           Stage{"deploy", "Install on every host (masters first) after a passing preflight"},
           Stage{"postflight", "Wait until the postflight rules pass on every host"},
           Stage{"uninstall", "Stop and remove what deploy installed on every host"},
       }) {
    auto flags = std::make_shared<StageFlags>();
    CLI::App* cmd = app.add_subcommand(stage.name, stage.help);
    cmd->add_option("--config", flags->config, "The cluster config (default genconf/config.yaml)");
    cmd->add_option("--format", flags->format, "text or json (the merged per-host reports)");
    const std::string name = stage.name;
    if (name == "deploy") {
      cmd->add_flag("--force", flags->force,
                    "Deploy even if preflight did not pass on every host (recorded)");
      cmd->add_flag("--retry-failed", flags->retry_failed,
                    "Deploy again only to the hosts that did not succeed last time");
    }
    if (name == "postflight") {
      cmd->add_option("--timeout", flags->timeout,
                      "How long to wait for the rules to pass (default: postflight_timeout)");
    }
    if (name == "uninstall") {
      cmd->add_flag("--yes", flags->yes, "Do not ask for confirmation");
      cmd->add_option("--hosts", flags->hosts,
                      "Only these hosts (comma-separated; they need not be in config.yaml any "
                      "more)")
          ->delimiter(',');
    }
    cmd->callback([flags, exit_code, name] { *exit_code = RunStage(name, *flags); });
  }
}

}  // namespace flightcheck::cli
