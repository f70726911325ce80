#include "tests/cli/run_flightcheck.h"

#include <gtest/gtest.h>

#include "checks/command_runner.h"

namespace flightcheck::testing {

namespace {

CliRun Run(const std::vector<std::string>& argv) {
  LocalCommandRunner runner;
  Result<CommandResult> result = runner.Run(argv, Deadline::In(std::chrono::seconds(300)));
  CliRun run;
  if (!result) {
    ADD_FAILURE() << "could not run flightcheck: " << result.error().ToString();
    return run;
  }
  run.exit_code = result->exit_code;
  run.out = result->stdout_text;
  run.err = result->stderr_text;
  return run;
}

}  // namespace

CliRun RunFlightcheck(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd.string(),
                                   FLIGHTCHECK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv);
}

CliRun RunFlightcheckScript(const std::string& script, const std::filesystem::path& cwd) {
  return Run({"/bin/sh", "-c", "cd \"$1\" && " + script, FLIGHTCHECK_BINARY, cwd.string()});
}

}  // namespace flightcheck::testing
