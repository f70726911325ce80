// The command probe: runs one host command with the deadline and reports how it ended and what
// it printed. It has no parser and so no header.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {
namespace {

constexpr size_t kOutputCap = 64 * 1024;

ProbeDescriptor Descriptor() {
  return {
      .name = "command",
      .summary = "Runs a command with a deadline and reports its exit status and output.",
      .params = {{"argv", ParamType::kStringList, false, nullptr,
                  "program and arguments, run without a shell (give argv or shell)"},
                 {"shell", ParamType::kString, false, nullptr,
                  "a script run as /bin/sh -c SCRIPT (give argv or shell)"}},
      .facts = {{"exit_code", FactType::Int(), "exit status; -1 when killed by a signal"},
                {"signal", FactType::Int(), "the signal that ended the command, 0 if it exited"},
                {"stdout", FactType::String(), "standard output, at most 64 KiB"},
                {"stderr", FactType::String(), "standard error, at most 64 KiB"},
                {"stdout_lines", FactType::ListOf(FactKind::kString), "stdout split into lines"},
                {"duration", FactType::Duration(), "wall time from start to exit"},
                {"truncated", FactType::Bool(),
                 "stdout or stderr was longer than 64 KiB and was cut"}},
      .default_timeout = Milliseconds(10000),
  };
}

Result<std::vector<std::string>> CommandLine(const Params& params) {
  const Params& argv = params.value("argv", Params());
  const Params& shell = params.value("shell", Params());
  if (argv.is_null() == shell.is_null()) {
    return Status::InvalidArgument(
        "give exactly one of the parameters 'argv' (a list) and 'shell' (a script)");
  }
  if (!shell.is_null()) return std::vector<std::string>{"/bin/sh", "-c", shell.get<std::string>()};
  std::vector<std::string> command = argv.get<std::vector<std::string>>();
  if (command.empty() || command.front().empty()) {
    return Status::InvalidArgument("parameter 'argv' must name a program");
  }
  return command;
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline deadline) {
  Result<std::vector<std::string>> command = CommandLine(params);
  if (!command) return command.error();
  if (host.commands == nullptr) return Status::Internal("no command runner configured");
  // A timeout (the group is killed) and a missing program come back as errors: the command could
  // not tell us anything, which is different from a command that ran and failed.
  Result<CommandResult> run = host.commands->Run(*command, deadline, kOutputCap);
  if (!run) return run.error();
  Facts facts;
  facts["exit_code"] = run->exit_code;
  facts["signal"] = run->term_signal;
  const std::string stdout_text = ToValidUtf8(run->stdout_text);
  facts["stdout"] = stdout_text;
  facts["stderr"] = ToValidUtf8(run->stderr_text);
  std::vector<std::string> lines;
  for (std::string_view line : SplitLines(stdout_text)) lines.emplace_back(line);
  facts["stdout_lines"] = lines;
  facts["duration"] = run->seconds;
  facts["truncated"] = run->output_truncated;
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
