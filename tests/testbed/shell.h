// Running a shell command line from a test and collecting what it printed: for the real
// consumers of what flightcheck writes (tar, unzip, systemd-analyze) and for install.sh.
#pragma once

#include <filesystem>
#include <string>

namespace flightcheck::testing {

struct ShellResult {
  int exit_code = -1;  // -1: killed by a signal, or the shell could not run
  std::string output;  // stdout and stderr together
};

ShellResult RunShell(const std::string& command);

// path in single quotes, for a command line (test paths hold no single quote).
std::string ShellQuoted(const std::filesystem::path& path);

}  // namespace flightcheck::testing
