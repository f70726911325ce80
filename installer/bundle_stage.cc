// bundle: every host's part of a cluster support bundle (installer/stages.h).
#include <fmt/format.h>

#include "checks/file_io.h"
#include "checks/text.h"
#include "installer/stage_run.h"
#include "installer/stages.h"
#include "runner/report.h"

namespace flightcheck {

namespace asio = boost::asio;

int RunBundleStage(const ClusterConfig& config, const StageOptions& options, NodePartSink& sink) {
  int exit_code = 0;
  std::unique_ptr<StageRun> run =
      StageRun::Start("bundle", config, options, /*needs_artifact=*/true, &exit_code);
  if (!run) return exit_code;
  const std::chrono::seconds timeout =
      options.bundle_timeout.value_or(std::chrono::seconds(config.process_timeout));
  std::vector<size_t> indexes;
  for (const TargetHost& host : TargetHosts(config))
    indexes.push_back(run->fan_out().AddHost(host));
  run->fan_out().Run(
      indexes, [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
        // Unnamed: a part is never left on the bootstrap node, whatever happens to this process.
        Result<ScopedFd> part = OpenUnnamedFile(options.spool_dir);
        if (!part) {
          host.status = HostStatus::kFailed;
          host.message = part.error().message();
          co_return;
        }
        std::string args = fmt::format("bundle {} --ip {}", host.role, ShellQuote(host.address));
        for (const std::string& arg : options.node_bundle_args) args += " " + ShellQuote(arg);
        const RemoteResult result =
            co_await run->RunInstallScript(host, connection, args, timeout, part->get());
        if (run->fan_out().stopping()) co_return;  // Finish marks it terminated with its step
        if (result.timed_out) {
          host.status = HostStatus::kTerminated;
          host.message = fmt::format(
              "its part did not finish within {}s and was stopped on the host; it is not in "
              "the bundle",
              timeout.count());
          co_return;
        }
        // 2: the part is complete, but a required source failed (its summaryErrorsReport.txt).
        if (result.exit_code != kExitOk && result.exit_code != kExitFailed) {
          host.status = HostStatus::kFailed;
          host.message = fmt::format("no part from the host (exit {}): {}", result.exit_code,
                                     EscapeControl(LastLine(result.stderr_text)));
          co_return;
        }
        if (Status added = sink.AddPart(host, part->get()); !added.ok()) {
          host.status = HostStatus::kFailed;
          host.message = "its part was refused: " + added.message();
          co_return;
        }
        host.status = HostStatus::kSuccess;
        host.message = EscapeControl(LastLine(result.stderr_text));
      });
  exit_code = run->Conclude(/*with_reports=*/false);
  if (run->fan_out().stopping()) return exit_code;
  if (Status finished = sink.Finish(run->state()); !finished.ok()) {
    fmt::print(options.err, "flightcheck: error: no bundle was written: {}\n", finished.message());
    return kExitError;
  }
  return exit_code;
}

}  // namespace flightcheck
