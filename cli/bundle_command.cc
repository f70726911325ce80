// `flightcheck bundle create`: this node's support bundle (collector/). Sources come from the
// built-in rules/bundle.yaml or --sources; secrets are redacted unless --no-redact; the bundle is
// written under a temporary name and renamed when complete.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include <fmt/format.h>

#include "checks/command_runner.h"
#include "checks/file_io.h"
#include "checks/journal_reader.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/host_flags.h"
#include "collector/bundle_sources.h"
#include "collector/bundle_writer.h"
#include "collector/node_bundle.h"
#include "installer/cluster_config.h"
#include "rules/builtin_rules.h"
#include "runner/archive_writer.h"
#include "runner/report.h"
#include "runner/rule.h"
#include "runner/stop_signals.h"

namespace flightcheck::cli {
namespace {

struct BundleFlags {
  std::string output = ".";
  std::string sources;
  std::string format = "zip";
  std::string since;
  std::string role;
  std::string ip;
  std::string config;
  bool no_redact = false;
  HostFlags host;
};

// The secret values of a cluster config (superuser_password_hash, ...): removed wherever they
// appear in the bundle.
std::vector<std::string> ConfigSecrets(const ClusterConfig& config) {
  std::vector<std::string> secrets;
  for (auto it = config.values.begin(); it != config.values.end(); ++it) {
    if (IsSecretConfigKey(it.key()) && it->is_string()) secrets.push_back(it->get<std::string>());
  }
  return secrets;
}

int RunCreate(BundleFlags& flags) {
  Result<ArchiveFormat> format = ParseArchiveFormat(flags.format);
  if (!format) return UsageError("--format: " + format.error().message());
  const std::optional<std::string> role = NormalizeRole(flags.role);
  if (!role || *role == "bootstrap") {
    return UsageError(fmt::format("--role: '{}' is not master, agent or public_agent", flags.role));
  }
  std::optional<std::chrono::seconds> since;
  if (!flags.since.empty()) {
    Result<std::chrono::seconds> age = ParseJournalAge(flags.since);
    if (!age) return UsageError("--since: " + age.error().message());
    since = *age;
  }
  Result<HostContext> host = HostFromFlags(flags.host);
  if (!host) return UsageError(host.error().message());
  std::error_code ec;
  if (!std::filesystem::is_directory(flags.output, ec)) {
    return UsageError(fmt::format("--output: '{}' is not a directory", flags.output));
  }

  std::string text = std::string(BundleSourceFiles().at(0).text);
  std::string name = std::string(BundleSourceFiles().at(0).name);
  if (!flags.sources.empty()) {
    Result<std::string> read = ReadWholeFile(flags.sources, 1 << 20);
    if (!read) {
      fmt::print(stderr, "flightcheck: error: --sources: {}\n", read.error().message());
      return kExitInvalidInput;
    }
    text = std::move(*read);
    name = flags.sources;
  }
  const BundleSourcesLoad sources = ParseBundleSources(text, name);
  if (!sources.ok()) {
    for (const std::string& problem : sources.problems) fmt::print(stderr, "{}\n", problem);
    fmt::print(stderr, "flightcheck: error: {} has {}; no bundle was made\n", name,
               CountOf(sources.problems.size(), "problem"));
    return kExitInvalidInput;
  }
  BundleOptions options{.format = *format, .redact = !flags.no_redact};
  if (!flags.config.empty()) {
    std::optional<ClusterConfig> config =
        LoadClusterConfigOrReport(flags.config, ConfigMode::kNode, false);
    if (!config) return kExitInvalidInput;
    options.known_secrets = ConfigSecrets(*config);
  }
  if (flags.no_redact) {
    fmt::print(stderr,
               "flightcheck: warning: --no-redact: the bundle holds passwords, tokens and keys as "
               "found; the manifest records it\n");
  }

  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  const std::time_t now = std::time(nullptr);
  options.mtime = now;
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  const std::filesystem::path path =
      std::filesystem::path(flags.output) /
      fmt::format("bundle-{}-{}{}", hostname, stamp, InfoOf(*format).extension);

  Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(path, options);
  if (!writer) {
    fmt::print(stderr, "flightcheck: error: {}\n", writer.error().message());
    return kExitError;
  }
  StopSignals stop_signals;
  NodeBundleRequest request{
      .sources = sources.sources,
      .role = *role,
      .prefix = fmt::format("{}_{}", flags.ip.empty() ? std::string(hostname) : flags.ip, *role),
      .since = since,
      .stop = stop_signals.token()};
  const bool progress = ::isatty(STDERR_FILENO) == 1;
  if (progress) {
    request.progress = [](size_t done, size_t total, const std::string& item) {
      fmt::print(stderr, "\r\033[K[{}/{}] {}", done + 1, total, item);
      std::fflush(stderr);
    };
  }
  Status status = CollectNodeBundle(request, *host, ProbeRegistry::Global(), **writer);
  // A bundle of nothing is no bundle: every source was for other roles.
  if (status.ok() && (*writer)->items().empty()) {
    status =
        Status::InvalidArgument(fmt::format("no source of {} applies to role {}", name, *role));
  }
  if (status.ok() && !stop_signals.token().stop_requested()) status = (*writer)->Commit();
  KillRunningCommandGroups();
  if (progress) fmt::print(stderr, "\r\033[K");
  if (stop_signals.token().stop_requested()) {
    fmt::print(stderr, "flightcheck: stopped by signal {}; no bundle was written\n",
               stop_signals.signal());
    return stop_signals.ExitCode();
  }
  if (!status.ok()) {
    fmt::print(stderr, "flightcheck: error: no bundle was written: {}\n", status.message());
    return kExitError;
  }
  size_t failed_required = 0, failed = 0;
  for (const BundleItem& item : (*writer)->items()) {
    if (item.error.empty()) continue;
    ++failed;
    if (item.required) ++failed_required;
  }
  fmt::print("{}\n", path.string());
  fmt::print(stderr, "flightcheck: bundle written: {} items, {} bytes; {} failed ({} required{})\n",
             (*writer)->items().size(), std::filesystem::file_size(path, ec), failed,
             failed_required, failed_required ? ", listed in summaryErrorsReport.txt" : "");
  return failed_required ? kExitFailed : kExitOk;
}

}  // namespace

void AddBundleCommand(CLI::App& app, int* exit_code) {
  CLI::App* bundle = app.add_subcommand("bundle", "Support bundles: logs, states, outputs");
  bundle->require_subcommand(1);
  auto flags = std::make_shared<BundleFlags>();
  CLI::App* create = bundle->add_subcommand(
      "create", "Collect this node's support bundle (redacted) into one archive");
  create->add_option("--output", flags->output, "Directory to write the bundle in (default .)");
  create->add_option("--sources", flags->sources,
                     "Bundle sources file (default: the built-in rules/bundle.yaml)");
  create->add_option("--format", flags->format, "zip (default), tar.gz or tar.zst");
  create->add_option("--since", flags->since, "Journal entries of the last D (e.g. 24h, 2d)");
  create->add_option("--role", flags->role, "This node's role: master, agent, public_agent")
      ->required();
  create->add_option("--ip", flags->ip, "This node's address, its directory in the bundle");
  create->add_option("--config", flags->config,
                     "The cluster config: its secret values are removed wherever they appear");
  create->add_flag("--no-redact", flags->no_redact,
                   "Keep secrets as found (loud; recorded in the manifest)");
  AddHostFlags(create, &flags->host);
  create->callback([flags, exit_code] { *exit_code = RunCreate(*flags); });
}

}  // namespace flightcheck::cli
