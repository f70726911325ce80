// Helpers shared by the subcommands: usage errors, rule loading for the command line, output.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <chrono>
#include <optional>

#include "checks/status.h"
#include "installer/cluster_config.h"
#include "runner/bundle_sources.h"
#include "runner/rule_loader.h"

namespace flightcheck::cli {

// Prints "flightcheck: error: <message>" and a pointer to --help on stderr; returns 64.
int UsageError(const std::string& message);

// A --timeout of a stage: a duration of at least 1s, as whole seconds; otherwise the usage error
// is printed (UsageError) and nullopt returned: the caller exits 64.
std::optional<std::chrono::seconds> ParseTimeoutFlagOrReport(const std::string& text);

// Reads --rules paths (or the built-in rule sets when there are none). A path that cannot be read
// is reported on stderr with a closing line, and nullopt returned: the caller exits 65.
std::optional<std::vector<SourceFile>> ReadRuleSourcesOrReport(
    const std::vector<std::string>& paths);

// Loads rule files; on any problem prints every diagnostic and a closing line to stderr and
// returns nullopt: the caller exits 65.
std::optional<RuleSet> LoadRulesOrReport(const std::vector<SourceFile>& files);

// Both of the above.
std::optional<RuleSet> LoadRulesOrReport(const std::vector<std::string>& paths);

// "1 error", "2 errors".
std::string CountOf(size_t n, std::string_view noun);

// Loads config.yaml in mode and prints its problems on stderr as FormatProblemAt does
// ("genconf/config.yaml:9:13: ssh_port: message", "...: warning: key: message"); when the config
// is unusable (errors, or warnings with strict) the problems come between a DC/OS-like header
// ("Validation of configuration parameters failed (path):") and a count line, and nullopt is
// returned: the caller exits 65.
std::optional<ClusterConfig> LoadClusterConfigOrReport(const std::string& path, ConfigMode mode,
                                                       bool strict);

// The sources of a support bundle: the built-in ones (unless builtin is false) extended by the
// file at path (--sources; none when ""), and how messages name them ("rules/bundle.yaml and
// site.yaml"). A file that cannot be read, or any problem of either, is printed on stderr with a
// closing line that ends in consequence ("no bundle was made"), and nullopt returned: the caller
// exits 65. Neither given is the caller's usage error.
struct BundleSourceSet {
  std::vector<BundleSource> sources;
  std::string name;
};
std::optional<BundleSourceSet> LoadBundleSourcesOrReport(const std::string& path, bool builtin,
                                                         std::string_view consequence);

// Writes text to path as WriteOutputFile does (checks/file_io.h): a regular file through a
// temporary file and a rename, so a reader never sees half a report; a device, FIFO or symlink
// written through, never replaced. "-" or "" means stdout.
Status WriteOutput(const std::string& path, const std::string& text);

// Names the unexpected arguments of the subcommand that was being parsed, with a suggestion for a
// misspelt option: "unknown option '--fromat' (did you mean '--format'?)". fallback is CLI11's own
// message, used when no single unknown option can be named.
std::string DescribeExtras(const CLI::App& app, const std::string& fallback);

// True when fd is a terminal and NO_COLOR is not set.
bool UseColour(int fd);

}  // namespace flightcheck::cli
