// `flightcheck check`: flag parsing and wiring; the work is runner::RunRules.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "checks/command_runner.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/host_flags.h"
#include "runner/engine.h"
#include "runner/reporters.h"
#include "runner/run_request.h"
#include "runner/stop_signals.h"

namespace flightcheck::cli {
namespace {

struct CheckFlags {
  RunRequest request;
  std::vector<std::string> rules;
  HostFlags host;
  std::string format = "text";
  std::string output;
  bool strict = false;
  std::string color = "auto";
};

int RunCheck(CheckFlags& flags) {
  Result<ReportFormat> format = ParseReportFormat(flags.format);
  if (!format) return UsageError("--format: " + format.error().message());
  Result<HostContext> host = HostFromFlags(flags.host);
  if (!host) return UsageError(host.error().message());
  if (flags.color != "auto" && flags.color != "always" && flags.color != "never") {
    return UsageError(fmt::format("--color: '{}' is not one of auto, always, never", flags.color));
  }
  std::optional<RuleSet> rules = LoadRulesOrReport(flags.rules);
  if (!rules) return kExitInvalidInput;
  flags.request.builtin_rules = flags.rules.empty();
  Result<RunOptions> options = ResolveRunRequest(flags.request, *rules);
  if (!options) return UsageError(options.error().message());

  // A live progress line on a terminal (stderr), so a long wait-until rule shows it is alive.
  const bool progress = ::isatty(STDERR_FILENO) == 1 && *format == ReportFormat::kText;
  size_t finished = 0;
  if (progress) {
    options->on_result = [&finished](const RuleResult& result) {
      fmt::print(stderr, "\r\033[K[{}] {} {}", ++finished, StatusName(result.status), result.id);
      std::fflush(stderr);
    };
  }
  // Ctrl-C or SIGTERM ends the run cleanly: finished rules are reported, the rest "stopped".
  StopSignals stop_signals;
  options->stop = stop_signals.token();
  const Report report = RunRules(*rules, *options, *host, ProbeRegistry::Global());
  // Commands still running belong to calls the run gave up on (stopped, or past the deadline):
  // their threads die with this process, so kill their process groups now, not never.
  KillRunningCommandGroups();
  if (progress) fmt::print(stderr, "\r\033[K");

  RenderOptions render;
  render.strict = flags.strict || *format == ReportFormat::kNagios;
  render.color = flags.output.empty() &&
                 (flags.color == "always" || (flags.color == "auto" && UseColour(STDOUT_FILENO)));
  if (Status s = WriteOutput(flags.output, RenderReport(report, *format, render)); !s.ok()) {
    fmt::print(stderr, "flightcheck: error: {}\n", s.message());
    return kExitError;
  }
  if (report.stopped) {
    fmt::print(stderr,
               "flightcheck: stopped by signal {}; unfinished rules are reported as errors\n",
               stop_signals.signal());
    return stop_signals.ExitCode();
  }
  return ExitCodeFor(report, render.strict);
}

}  // namespace

void AddCheckCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Evaluate rules on this host (the built-in preflight rules by default).");
  cmd->add_option("--rules", flags->rules,
                  "Rule file or directory (repeatable); default: built-in");
  RunRequest& request = flags->request;
  cmd->add_option("--phase", request.phase, "preflight, postflight or health");
  cmd->add_option("--role", request.role, "bootstrap, master, agent or public_agent");
  cmd->add_option("--tag", request.tags, "Only rules with one of these tags (repeatable)");
  AddHostFlags(cmd, &flags->host);
  cmd->add_option("--var", request.vars, "NAME=VALUE for ${NAME} in rules; commas make a list");
  cmd->add_option("--vars-file", request.vars_file,
                  "JSON object of variables (e.g. an artifact's variables.json); --var wins");
  cmd->add_option("--only", request.only, "Only these rule ids or globs (comma list, repeatable)");
  cmd->add_option("--skip", request.skip, "Skip these rule ids or globs");
  cmd->add_option("--ignore", request.ignore, "Report failures of these rules as warnings; or all");
  cmd->add_option("--format", flags->format, "text, json, junit, tap, prometheus or nagios");
  cmd->add_option("--output", flags->output, "Write the report to FILE (atomically)");
  cmd->add_option("--parallel", request.parallel, "Probes run at once (default 8)");
  cmd->add_option("--timeout", request.timeout, "Timeout of rules that set none (e.g. 10s)");
  cmd->add_option("--deadline", request.deadline,
                  "Bound the whole run, retries included; 0: no retries");
  cmd->add_flag("--strict", flags->strict, "Exit 1 when there are warnings");
  cmd->add_option("--color", flags->color, "auto, always or never");
  cmd->callback([flags, exit_code] { *exit_code = RunCheck(*flags); });
}

}  // namespace flightcheck::cli
