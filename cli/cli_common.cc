#include "cli/cli_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "rules/builtin_rules.h"
#include "runner/quantity.h"
#include "runner/spellcheck.h"

namespace flightcheck::cli {

int UsageError(const std::string& message) {
  fmt::print(stderr, "flightcheck: error: {}\nRun 'flightcheck --help' for usage.\n", message);
  return 64;
}

std::optional<std::chrono::seconds> ParseTimeoutFlagOrReport(const std::string& text) {
  Result<Milliseconds> timeout = ParseDuration(text);
  if (!timeout || timeout->count() < 1000) {
    UsageError("--timeout: " +
               (timeout ? std::string("must be at least 1s") : timeout.error().message()));
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::seconds>(*timeout);
}

namespace {

void ReportRuleFileErrors(const DiagnosticList& diagnostics) {
  const size_t count = diagnostics.size();
  fmt::print(stderr, "{}flightcheck: {} error{} in rule files; nothing was run\n",
             diagnostics.Format(), count, count == 1 ? "" : "s");
}

}  // namespace

std::optional<std::vector<SourceFile>> ReadRuleSourcesOrReport(
    const std::vector<std::string>& paths) {
  if (paths.empty()) return BuiltinRuleSources();
  DiagnosticList diagnostics;
  std::vector<SourceFile> files = ReadRuleFiles(paths, &diagnostics);
  if (diagnostics.empty()) return files;
  ReportRuleFileErrors(diagnostics);
  return std::nullopt;
}

std::optional<RuleSet> LoadRulesOrReport(const std::vector<SourceFile>& files) {
  LoadResult loaded = LoadRules(files, ProbeRegistry::Global());
  if (loaded.ok()) return std::move(loaded.rules);
  ReportRuleFileErrors(loaded.diagnostics);
  return std::nullopt;
}

std::optional<RuleSet> LoadRulesOrReport(const std::vector<std::string>& paths) {
  std::optional<std::vector<SourceFile>> files = ReadRuleSourcesOrReport(paths);
  if (!files) return std::nullopt;
  return LoadRulesOrReport(*files);
}

Status WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return Status::Ok();
  }
  return WriteOutputFile(path, text);
}

namespace {

std::nullopt_t ReportSourceProblems(const BundleSourcesLoad& load, const std::string& name,
                                    std::string_view consequence) {
  for (const std::string& problem : load.problems) fmt::print(stderr, "{}\n", problem);
  fmt::print(stderr, "flightcheck: error: {} has {}; {}\n", name,
             CountOf(load.problems.size(), "problem"), consequence);
  return std::nullopt;
}

}  // namespace

std::optional<BundleSourceSet> LoadBundleSourcesOrReport(const std::string& path, bool builtin,
                                                         std::string_view consequence) {
  BundleSourceSet set;
  if (builtin) {
    const BuiltinRuleFile& file = BundleSourceFiles().at(0);
    set.name = std::string(file.name);
    BundleSourcesLoad load = ParseBundleSources(file.text, file.name);
    if (!load.ok()) return ReportSourceProblems(load, set.name, consequence);
    set.sources = std::move(load.sources);
  }
  if (path.empty()) return set;
  Result<std::string> read = ReadWholeFile(path, kMaxBundleSourcesBytes);
  if (!read) {
    fmt::print(stderr, "flightcheck: error: --sources: {}; {}\n", read.error().message(),
               consequence);
    return std::nullopt;
  }
  const BundleSourcesLoad extra = ParseBundleSources(*read, path);
  if (!extra.ok()) return ReportSourceProblems(extra, path, consequence);
  BundleSourcesLoad extended = ExtendBundleSources(std::move(set.sources), extra.sources, path);
  if (!extended.ok()) return ReportSourceProblems(extended, path, consequence);
  set.sources = std::move(extended.sources);
  set.name = builtin ? set.name + " and " + path : path;
  return set;
}

std::string CountOf(size_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

std::optional<ClusterConfig> LoadClusterConfigOrReport(const std::string& path, ConfigMode mode,
                                                       bool strict) {
  ConfigLoad load = LoadClusterConfig(path, mode);
  size_t errors = 0, warnings = 0;
  for (const ConfigProblem& problem : load.problems) ++(problem.warning ? warnings : errors);
  const bool failed = errors > 0 || (strict && warnings > 0);
  if (failed) fmt::print(stderr, "Validation of configuration parameters failed ({}):\n", path);
  for (const ConfigProblem& problem : load.problems) {
    fmt::print(stderr, "{}\n", FormatProblemAt(problem, path));
  }
  if (failed) {
    fmt::print(stderr, "{}, {}{}\n", CountOf(errors, "error"), CountOf(warnings, "warning"),
               strict && warnings > 0 ? " (warnings are errors with --strict)" : "");
    return std::nullopt;
  }
  return std::move(load.config);
}

std::string DescribeExtras(const CLI::App& app, const std::string& fallback) {
  const CLI::App* command = &app;
  while (!command->get_subcommands().empty()) command = command->get_subcommands().front();
  std::vector<std::string> options;
  for (const CLI::Option* option : command->get_options()) {
    for (const std::string& name : option->get_lnames()) options.push_back("--" + name);
  }
  for (const std::string& extra : command->remaining()) {
    if (extra.rfind("--", 0) == 0) {
      const std::string name = extra.substr(0, extra.find('='));
      return fmt::format("unknown option '{}' for '{}'{}", name, command->get_name(),
                         DidYouMean(name, options));
    }
  }
  return fallback;
}

bool UseColour(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(fd) == 1 && (no_color == nullptr || *no_color == '\0');
}

}  // namespace flightcheck::cli
