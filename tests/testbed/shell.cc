#include "tests/testbed/shell.h"

#include <sys/wait.h>

#include <cstdio>

namespace flightcheck::testing {

ShellResult RunShell(const std::string& command) {
  ShellResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string ShellQuoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

}  // namespace flightcheck::testing
