// flightcheck: preflight, postflight and diagnostics for cluster installs. main() only wires the
// subcommands; see DESIGN.md and docs/cli.md.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "checks/command_runner.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "runner/spellcheck.h"

#ifndef FLIGHTCHECK_VERSION
#define FLIGHTCHECK_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  flightcheck::KillCommandsOnTermination();
  CLI::App app{"flightcheck: preflight, postflight and diagnostics for cluster installs"};
  app.set_version_flag("--version", FLIGHTCHECK_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  flightcheck::cli::AddCheckCommand(app, &exit_code);
  flightcheck::cli::AddRulesCommand(app, &exit_code);
  flightcheck::cli::AddProbesCommand(app, &exit_code);
  flightcheck::cli::AddConfigCommands(app, &exit_code);
  flightcheck::cli::AddStageCommands(app, &exit_code);
  // DC/OS runbooks say `dcos_generate_config.sh --preflight`: the verb flags stand for commands.
  std::string alias;
  if (argc > 1) {
    for (const char* verb : {"genconf", "validate-config", "preflight", "deploy", "postflight",
                             "uninstall", "hash-password"}) {
      if (std::string("--") + verb == argv[1]) alias = verb;
    }
    if (!alias.empty()) argv[1] = alias.data();
  }
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> commands;
    for (const CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
    if (std::find(commands.begin(), commands.end(), argv[1]) == commands.end()) {
      return flightcheck::cli::UsageError(fmt::format("unknown command '{}'{}", argv[1],
                                                      flightcheck::DidYouMean(argv[1], commands)));
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    return flightcheck::cli::UsageError(flightcheck::cli::DescribeExtras(app, e.what()));
  } catch (const CLI::ParseError& e) {
    return flightcheck::cli::UsageError(e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "flightcheck: internal error: {}\n", e.what());
    return 70;
  }
  return exit_code;
}
