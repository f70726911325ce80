// Runs the built flightcheck binary as a user would, for end-to-end tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace flightcheck::testing {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `flightcheck args...` in directory cwd with a 60 s limit; the test fails if it cannot run.
CliRun RunFlightcheck(const std::vector<std::string>& args,
                      const std::filesystem::path& cwd = std::filesystem::current_path());

// Runs a shell script with the flightcheck binary as $0 in cwd (for pipes and terminals).
CliRun RunFlightcheckScript(const std::string& script,
                            const std::filesystem::path& cwd = std::filesystem::current_path());

}  // namespace flightcheck::testing
