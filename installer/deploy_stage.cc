// deploy: install on every host, masters first, after a passing preflight (installer/stages.h).
#include <algorithm>

#include <fmt/format.h>

#include "installer/deploy_gate.h"
#include "installer/stage_run.h"
#include "installer/stages.h"
#include "runner/report.h"

namespace flightcheck {

namespace asio = boost::asio;

int RunDeployStage(const ClusterConfig& config, const StageOptions& options) {
  int exit_code = 0;
  std::unique_ptr<StageRun> run =
      StageRun::Start("deploy", config, options, /*needs_artifact=*/true, &exit_code);
  if (!run) return exit_code;
  const std::filesystem::path state_dir = config.install_dir / "genconf" / "state";
  const std::vector<TargetHost> all = TargetHosts(config);

  // --retry-failed: the hosts whose last record is not success; the others' records are kept.
  std::vector<TargetHost> targets = all;
  std::vector<HostState> kept;
  // The last deploy of this configuration, if any: a host it installed keeps its record.
  Result<StageState> previous = ReadStageState(state_dir / "deploy.json");
  const bool same_configuration = previous && previous->config_hash == run->state().config_hash;
  if (options.retry_failed) {
    if (!same_configuration) {
      fmt::print(options.err,
                 "flightcheck: error: --retry-failed: no earlier deploy of this configuration "
                 "in {}; run deploy without it\n",
                 (state_dir / "deploy.json").string());
      return kExitUsage;
    }
    targets.clear();
    for (const TargetHost& host : all) {
      const HostState* before = previous->Find(host.address);
      if (before != nullptr && before->status == HostStatus::kSuccess) {
        kept.push_back(*before);
      } else {
        targets.push_back(host);
      }
    }
    run->state().forced = previous->forced;
  }

  Result<StageState> preflight = ReadStageState(state_dir / "preflight.json");
  const std::vector<std::string> not_cleared = HostsNotClearedForDeploy(
      targets, preflight ? std::optional<StageState>(std::move(*preflight)) : std::nullopt,
      run->state().config_hash);
  if (!not_cleared.empty() && !options.force) {
    fmt::print(options.err,
               "flightcheck: deploy refused: the last preflight of this configuration did not "
               "pass on {} of {} hosts: {}\nRun `flightcheck preflight` and fix what it reports, "
               "or pass --force to deploy anyway (recorded in {}).\n",
               not_cleared.size(), targets.size(), fmt::join(not_cleared, ", "),
               (state_dir / "deploy.json").string());
    return kExitFailed;
  }
  if (!not_cleared.empty()) {
    fmt::print(options.err,
               "flightcheck: WARNING: --force: deploying although preflight did not pass on {}; "
               "this is recorded in {}\n",
               fmt::join(not_cleared, ", "), (state_dir / "deploy.json").string());
    run->state().forced = true;
  }

  std::vector<size_t> masters, agents;
  for (HostState& record : kept) run->fan_out().KeepHost(std::move(record));
  for (const TargetHost& target : targets) {
    (target.role == "master" ? masters : agents).push_back(run->fan_out().AddHost(target));
  }
  const auto deploy = [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
    // What the host runs decides: this cluster already (nothing to do, no hook runs again), another
    // configuration (never replaced behind the operator's back), or nothing (install; install.sh
    // itself clears what an interrupted install left).
    if (co_await run->SettleByInstallRecord(host, connection, HostStatus::kSuccess)) {
      const HostState* before = same_configuration ? previous->Find(host.address) : nullptr;
      if (host.status == HostStatus::kSuccess && before != nullptr &&
          before->status == HostStatus::kSuccess) {
        run->fan_out().KeepRecord(host, *before);
      }
      co_return;
    }
    if (run->fan_out().stopping()) co_return;
    const RemoteResult result = co_await run->RunInstallScript(
        host, connection, "install " + host.role, run->command_timeout());
    ApplyCommandResult(host, result, "install", config.process_timeout);
  };
  // Masters first: agents find the cluster through them.
  run->fan_out().Run(masters, deploy);
  const bool masters_ok = std::all_of(masters.begin(), masters.end(), [&](size_t i) {
    return run->state().hosts[i].status == HostStatus::kSuccess;
  });
  if (masters_ok && !run->fan_out().stopping()) {
    run->fan_out().Run(agents, deploy);
  } else if (!run->fan_out().stopping()) {
    for (size_t i : agents) {
      run->state().hosts[i].message = "not deployed: a master failed to deploy";
    }
  }
  return run->Conclude(/*with_reports=*/false);
}

}  // namespace flightcheck
