#include "tests/cli/run_flightcheck.h"

#include <gtest/gtest.h>

#include "checks/command_runner.h"

namespace flightcheck::testing {

CliRun RunFlightcheck(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd.string(),
                                   FLIGHTCHECK_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
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

}  // namespace flightcheck::testing
