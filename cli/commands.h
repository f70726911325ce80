// The subcommands. Each Add*Command registers its flags on app and sets *exit_code when it runs.
#pragma once

#include <CLI/CLI.hpp>

namespace flightcheck::cli {

void AddCheckCommand(CLI::App& app, int* exit_code);
void AddRulesCommand(CLI::App& app, int* exit_code);
void AddProbesCommand(CLI::App& app, int* exit_code);
// validate-config, hash-password and genconf.
void AddConfigCommands(CLI::App& app, int* exit_code);
void AddStageCommands(CLI::App& app, int* exit_code);
void AddServeCommand(CLI::App& app, int* exit_code);
// bundle create.
void AddBundleCommand(CLI::App& app, int* exit_code);

}  // namespace flightcheck::cli
