// preflight: the preflight rules on every host, with the host's own role (installer/stages.h).
#include <fmt/format.h>

#include "installer/stage_run.h"
#include "installer/stages.h"

namespace flightcheck {

namespace asio = boost::asio;

int RunPreflightStage(const ClusterConfig& config, const StageOptions& options) {
  int exit_code = 0;
  std::unique_ptr<StageRun> run =
      StageRun::Start("preflight", config, options, /*needs_artifact=*/true, &exit_code);
  if (!run) return exit_code;
  std::vector<size_t> indexes;
  for (const TargetHost& host : TargetHosts(config))
    indexes.push_back(run->fan_out().AddHost(host));
  run->fan_out().Run(
      indexes, [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
        // A host that already runs this cluster would fail the rules that look for a clean host
        // (install.absent): it has nothing to be checked for, and deploy skips it.
        if (co_await run->SettleByInstallRecord(host, connection, HostStatus::kInstalled))
          co_return;
        const RemoteResult result = co_await run->RunInstallScript(
            host, connection,
            fmt::format("preflight {} --format json --color never --var config_host_ip={}",
                        host.role, host.address),
            run->command_timeout());
        ApplyReport(host, result, "preflight", config.process_timeout);
      });
  return run->Conclude(/*with_reports=*/true);
}

}  // namespace flightcheck
