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
#include "cli/dcos_spellings.h"
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
  flightcheck::cli::AddServeCommand(app, &exit_code);
  flightcheck::cli::AddBundleCommand(app, &exit_code);
  app.footer(flightcheck::cli::DcosSpellingsHelp());
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
  // DC/OS runbooks say `dcos_generate_config.sh --preflight`: the verb flags stand for commands.
  flightcheck::Result<std::vector<std::string>> args = flightcheck::cli::TranslateDcosSpellings(
      std::vector<std::string>(argv + 1, argv + argc), commands);
  if (!args) return flightcheck::cli::UsageError(args.error().message());
  if (!args->empty() && (*args)[0][0] != '-' &&
      std::find(commands.begin(), commands.end(), (*args)[0]) == commands.end()) {
    return flightcheck::cli::UsageError(fmt::format("unknown command '{}'{}", (*args)[0],
                                                    flightcheck::DidYouMean((*args)[0], commands)));
  }
  std::vector<char*> parsed = {argv[0]};
  for (std::string& arg : *args) parsed.push_back(arg.data());
  parsed.push_back(nullptr);
  try {
    app.parse(static_cast<int>(parsed.size() - 1), parsed.data());
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
