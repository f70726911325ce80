// uninstall: stop and remove what deploy installed (installer/stages.h).
#include <fmt/format.h>

#include "installer/stage_run.h"
#include "installer/stages.h"
#include "runner/report.h"

namespace flightcheck {

namespace asio = boost::asio;

namespace {

// Runs every install.sh found on the host (one per artifact extracted there), then removes the
// artifacts.
std::string UninstallCommand() {
  return fmt::format(
      "d={dir}; rc=0; found=0\n"
      "for s in \"$d\"/flightcheck-*/install.sh; do\n"
      "  [ -f \"$s\" ] || continue; found=1; sh \"$s\" uninstall || rc=$?\n"
      "done\n"
      "[ $found = 1 ] || echo \"nothing installed by flightcheck on this host\"\n"
      "rm -rf \"$d\"\n"
      "exit $rc\n",
      fmt::arg("dir", kRemoteArtifactDir));
}

// The hosts to uninstall: every host of the config, or those of --hosts, which may have left the
// config already (their role then comes from the last deploy, if it knew them).
std::vector<TargetHost> UninstallTargets(const ClusterConfig& config, const StageOptions& options) {
  const std::vector<TargetHost> configured = TargetHosts(config);
  if (options.only_hosts.empty()) return configured;
  const Result<StageState> deployed =
      ReadStageState(config.install_dir / "genconf" / "state" / "deploy.json");
  std::vector<TargetHost> targets;
  for (const std::string& address : options.only_hosts) {
    TargetHost target{address, ""};
    for (const TargetHost& host : configured) {
      if (host.address == address) target.role = host.role;
    }
    const HostState* record = deployed ? deployed->Find(address) : nullptr;
    if (target.role.empty() && record != nullptr) target.role = record->role;
    targets.push_back(std::move(target));
  }
  return targets;
}

}  // namespace

int RunUninstallStage(const ClusterConfig& config, const StageOptions& options) {
  const std::vector<TargetHost> targets = UninstallTargets(config, options);
  if (!options.assume_yes) {
    const std::string question = fmt::format(
        "This stops and removes what flightcheck installed for cluster '{}' on {} hosts (the "
        "role's stop hook, then every file install.sh recorded). Proceed? [y/N] ",
        config.cluster_name, targets.size());
    if (!options.confirm || !options.confirm(question)) {
      fmt::print(options.err, "Uninstall cancelled; nothing was changed.\n");
      return kExitWarnings;
    }
  }
  int exit_code = 0;
  std::unique_ptr<StageRun> run =
      StageRun::Start("uninstall", config, options, /*needs_artifact=*/false, &exit_code);
  if (!run) return exit_code;
  std::vector<size_t> indexes;
  for (const TargetHost& host : targets) indexes.push_back(run->fan_out().AddHost(host));
  run->fan_out().Run(
      indexes, [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
        const RemoteResult result = co_await run->fan_out().RunStep(
            host, connection, "uninstall", UninstallCommand(), run->command_timeout());
        ApplyCommandResult(host, result, "uninstall", config.process_timeout);
      });
  return run->Conclude(/*with_reports=*/false);
}

}  // namespace flightcheck
