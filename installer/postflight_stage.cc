// postflight: the postflight rules on every host until they pass or the deadline passes
// (installer/stages.h).
#include <algorithm>

#include <fmt/format.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "installer/stage_run.h"
#include "installer/stages.h"
#include "runner/quantity.h"

namespace flightcheck {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

int RunPostflightStage(const ClusterConfig& config, const StageOptions& options) {
  int exit_code = 0;
  std::unique_ptr<StageRun> run =
      StageRun::Start("postflight", config, options, /*needs_artifact=*/true, &exit_code);
  if (!run) return exit_code;
  // The cluster that should exist is the one the last deploy installed: a host it did not install
  // is not deployed, which no postflight rule could pass for it.
  const Result<StageState> deployed =
      ReadStageState(config.install_dir / "genconf" / "state" / "deploy.json");
  std::vector<size_t> indexes;
  for (const TargetHost& target : TargetHosts(config)) {
    const size_t index = run->fan_out().AddHost(target);
    const HostState* record = deployed ? deployed->Find(target.address) : nullptr;
    if (record != nullptr && record->status == HostStatus::kSuccess) {
      indexes.push_back(index);
      continue;
    }
    HostState& host = run->state().hosts[index];
    host.status = HostStatus::kFailed;
    host.message = record == nullptr ? "not deployed: no deploy has installed this host"
                                     : fmt::format("not deployed: the last deploy left it {}",
                                                   HostStatusName(record->status));
  }
  const seconds timeout = options.postflight_timeout.value_or(seconds(config.postflight_timeout));
  const auto deadline = Clock::now() + timeout;
  if (!options.json) {
    fmt::print(options.err, "postflight: waiting up to {} for the postflight rules to pass\n",
               FormatDuration(std::chrono::duration_cast<milliseconds>(timeout)));
  }
  run->fan_out().Run(
      indexes, [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
        asio::steady_timer pause(co_await asio::this_coro::executor);
        for (int round = 1; !run->fan_out().stopping(); ++round) {
          // Each round's rules retry within what is left of the wait, but no longer than one remote
          // command may take: the real final status comes back either way.
          const auto left = std::chrono::duration_cast<seconds>(deadline - Clock::now());
          const seconds round_deadline =
              std::clamp(left, seconds(1), seconds(std::max(1, config.process_timeout - 5)));
          const RemoteResult result = co_await run->RunInstallScript(
              host, connection,
              fmt::format("postflight {} --format json --color never --deadline {}s", host.role,
                          round_deadline.count()),
              run->command_timeout());
          ApplyReport(host, result, "postflight", config.process_timeout);
          if (host.status == HostStatus::kSuccess || Clock::now() >= deadline) break;
          if (!options.json && !options.progress) {
            fmt::print(options.err, "postflight: {} ({}) not passing yet after round {}: {}\n",
                       host.address, host.role, round, host.message);
          }
          pause.expires_after(std::min<Clock::duration>(seconds(5), deadline - Clock::now()));
          boost::system::error_code ignored;
          co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
          run->fan_out().Progress();
        }
      });
  return run->Conclude(/*with_reports=*/true);
}

}  // namespace flightcheck
