// `flightcheck check`: flag parsing and wiring; the work is runner::RunRules.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "checks/command_runner.h"
#include "checks/file_io.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "runner/engine.h"
#include "runner/quantity.h"
#include "runner/reporters.h"
#include "runner/spellcheck.h"

namespace flightcheck::cli {
namespace {

struct CheckFlags {
  std::vector<std::string> rules;
  std::string phase;
  std::string role;
  std::vector<std::string> tags;
  std::string root = "/";
  std::string docker_socket = "/var/run/docker.sock";
  std::vector<std::string> vars;
  std::string vars_file;
  std::vector<std::string> only;
  std::vector<std::string> skip;
  std::vector<std::string> ignore;
  std::string format = "text";
  std::string output;
  int parallel = 8;
  std::string timeout;
  std::string deadline;
  bool strict = false;
  std::string color = "auto";
};

int RunCheck(const CheckFlags& flags) {
  RunOptions options;
  Result<ReportFormat> format = ParseReportFormat(flags.format);
  if (!format) return UsageError("--format: " + format.error().message());
  if (!flags.phase.empty()) {
    const auto& phases = KnownPhases();
    if (std::find(phases.begin(), phases.end(), flags.phase) == phases.end()) {
      return UsageError(
          fmt::format("--phase: unknown phase '{}'{}; phases: preflight, "
                      "postflight, health",
                      flags.phase, DidYouMean(flags.phase, phases)));
    }
    options.selection.phase = flags.phase;
  } else if (flags.rules.empty()) {
    options.selection.phase = "preflight";  // the built-in rules hold every phase
  }
  if (!flags.role.empty()) {
    std::optional<std::string> role = NormalizeRole(flags.role);
    if (!role) {
      std::vector<std::string> names = KnownRoles();
      names.insert(names.end(), {"slave", "slave_public"});
      return UsageError(
          fmt::format("--role: unknown role '{}'{}; roles: bootstrap, master, "
                      "agent, public_agent (or DC/OS's slave, slave_public)",
                      flags.role, DidYouMean(flags.role, names)));
    }
    options.selection.role = *role;
  }
  options.selection.tags = SplitNameList(flags.tags);
  options.selection.only = SplitNameList(flags.only);
  options.selection.skip = SplitNameList(flags.skip);
  Result<IgnorePolicy> ignore = ParseIgnorePolicy(flags.ignore);
  if (!ignore) return UsageError(ignore.error().message());
  options.ignore = *ignore;
  if (!flags.vars_file.empty()) {
    Result<std::string> text = ReadWholeFile(flags.vars_file);
    if (!text) return UsageError("--vars-file: " + text.error().message());
    Result<Variables> from_file = ParseVariablesJson(*text, flags.vars_file);
    if (!from_file) return UsageError("--vars-file: " + from_file.error().message());
    options.variables = *from_file;
  }
  Result<Variables> variables = ParseVariableFlags(flags.vars);
  if (!variables) return UsageError(variables.error().message());
  for (auto& [name, value] : *variables) options.variables[name] = value;
  if (flags.parallel < 1 || flags.parallel > 256) {
    return UsageError(fmt::format("--parallel: {} is out of range (1 to 256)", flags.parallel));
  }
  options.parallel = flags.parallel;
  if (!flags.timeout.empty()) {
    Result<Milliseconds> timeout = ParseDuration(flags.timeout);
    if (!timeout || timeout->count() == 0) {
      return UsageError("--timeout: " + (timeout ? std::string("must be longer than 0")
                                                 : timeout.error().message()));
    }
    options.default_timeout = *timeout;
  }
  if (!flags.deadline.empty()) {
    Result<Milliseconds> deadline = ParseDuration(flags.deadline);
    if (!deadline) return UsageError("--deadline: " + deadline.error().message());
    options.deadline = *deadline;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(flags.root, ec)) {
    return UsageError(fmt::format("--root: '{}' is not a directory", flags.root));
  }
  if (flags.color != "auto" && flags.color != "always" && flags.color != "never") {
    return UsageError(fmt::format("--color: '{}' is not one of auto, always, never", flags.color));
  }

  std::optional<RuleSet> rules = LoadRulesOrReport(flags.rules);
  if (!rules) return kExitInvalidInput;
  for (const auto& [flag, names] :
       {std::pair{"--only", options.selection.only}, std::pair{"--skip", options.selection.skip},
        std::pair{"--ignore", options.ignore.patterns}}) {
    if (Status s = CheckRuleNames(*rules, flag, names); !s.ok()) return UsageError(s.message());
  }

  LocalCommandRunner runner;
  HostContext host;
  host.root = flags.root;
  host.docker_socket = flags.docker_socket;
  host.commands = &runner;

  // A live progress line on a terminal (stderr), so a long wait-until rule shows it is alive.
  const bool progress = ::isatty(STDERR_FILENO) == 1 && *format == ReportFormat::kText;
  size_t finished = 0;
  if (progress) {
    options.on_result = [&finished](const RuleResult& result) {
      fmt::print(stderr, "\r\033[K[{}] {} {}", ++finished, StatusName(result.status), result.id);
      std::fflush(stderr);
    };
  }
  const Report report = RunRules(*rules, options, host, ProbeRegistry::Global());
  if (progress) fmt::print(stderr, "\r\033[K");

  RenderOptions render;
  render.strict = flags.strict || *format == ReportFormat::kNagios;
  render.color = flags.output.empty() &&
                 (flags.color == "always" || (flags.color == "auto" && UseColour(STDOUT_FILENO)));
  if (Status s = WriteOutput(flags.output, RenderReport(report, *format, render)); !s.ok()) {
    fmt::print(stderr, "flightcheck: error: {}\n", s.message());
    return kExitError;
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
  cmd->add_option("--phase", flags->phase, "preflight, postflight or health");
  cmd->add_option("--role", flags->role, "bootstrap, master, agent or public_agent");
  cmd->add_option("--tag", flags->tags, "Only rules with one of these tags (repeatable)");
  cmd->add_option("--root", flags->root, "Read host files under DIR (default /)");
  cmd->add_option("--docker-socket", flags->docker_socket, "Docker Engine API socket");
  cmd->add_option("--var", flags->vars, "NAME=VALUE for ${NAME} in rules; commas make a list");
  cmd->add_option("--vars-file", flags->vars_file,
                  "JSON object of variables (e.g. an artifact's variables.json); --var wins");
  cmd->add_option("--only", flags->only, "Only these rule ids or globs (comma list, repeatable)");
  cmd->add_option("--skip", flags->skip, "Skip these rule ids or globs");
  cmd->add_option("--ignore", flags->ignore, "Report failures of these rules as warnings; or all");
  cmd->add_option("--format", flags->format, "text, json, junit, tap, prometheus or nagios");
  cmd->add_option("--output", flags->output, "Write the report to FILE (atomically)");
  cmd->add_option("--parallel", flags->parallel, "Probes run at once (default 8)");
  cmd->add_option("--timeout", flags->timeout, "Timeout of rules that set none (e.g. 10s)");
  cmd->add_option("--deadline", flags->deadline,
                  "Bound the whole run, retries included; 0: no retries");
  cmd->add_flag("--strict", flags->strict, "Exit 1 when there are warnings");
  cmd->add_option("--color", flags->color, "auto, always or never");
  cmd->callback([flags, exit_code] { *exit_code = RunCheck(*flags); });
}

}  // namespace flightcheck::cli
