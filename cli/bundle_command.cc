// `flightcheck bundle create`: this node's support bundle (collector/). Sources come from the
// built-in rules/bundle.yaml or --sources; secrets are redacted unless --no-redact; the bundle is
// written under a temporary name and renamed when complete.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/command_runner.h"
#include "checks/file_io.h"
#include "checks/journal_reader.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/host_flags.h"
#include "collector/bundle_inspection.h"
#include "collector/bundle_writer.h"
#include "collector/cluster_bundle.h"
#include "collector/node_bundle.h"
#include "installer/cluster_config.h"
#include "installer/stages.h"
#include "rules/builtin_rules.h"
#include "runner/archive_writer.h"
#include "runner/bundle_sources.h"
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
  std::string timeout;
  bool cluster = false;
  bool no_builtin_sources = false;
  bool no_redact = false;
  HostFlags host;
};

// bundle-<host>-<stamp><ext> (cluster-bundle-<stamp><ext> for the cluster's) in the output
// directory, stamped now; *mtime gets the time for every entry.
std::filesystem::path BundlePath(const BundleFlags& flags, ArchiveFormat format,
                                 const std::string& host, int64_t* mtime) {
  const std::time_t now = std::time(nullptr);
  *mtime = now;
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  const std::string name = host.empty() ? fmt::format("cluster-bundle-{}", stamp)
                                        : fmt::format("bundle-{}-{}", host, stamp);
  // A second bundle in the same second gets -2, -3...; the writer never replaces one either.
  std::error_code ec;
  for (int n = 1;; ++n) {
    const std::filesystem::path path =
        std::filesystem::path(flags.output) /
        (name + (n == 1 ? "" : fmt::format("-{}", n)) + std::string(InfoOf(format).extension));
    if (!std::filesystem::exists(path, ec) || n == 1000) return path;
  }
}

void WarnNoRedact() {
  fmt::print(stderr,
             "flightcheck: warning: --no-redact: the bundle holds passwords, tokens and keys as "
             "found; the manifest records it\n");
}

// Hands each host's part to the cluster bundle, and report.json of the stage's outcome at the
// end.
class ClusterPartSink : public NodePartSink {
 public:
  ClusterPartSink(BundleWriter& writer, std::filesystem::path genconf)
      : bundle_(writer), genconf_(std::move(genconf)) {}
  Status AddPart(const HostState& host, int fd) override {
    return bundle_.AddPart(host.address, host.role, fd);
  }
  Status Finish(const StageState& state) override {
    std::vector<ClusterNode> nodes;
    for (const HostState& host : state.hosts) {
      nodes.push_back({.address = host.address,
                       .role = host.role,
                       .status = std::string(HostStatusName(host.status)),
                       .message = host.message,
                       .log = host.log});
    }
    // The bootstrap node's stage states and logs, as they are once every host is done.
    if (Status added = bundle_.AddBootstrap(genconf_); !added.ok()) return added;
    return bundle_.Finish(nodes);
  }

 private:
  ClusterBundle bundle_;
  std::filesystem::path genconf_;
};

// bundle create --cluster: every host's part over SSH (installer's bundle stage), merged.
int RunCreateCluster(BundleFlags& flags, ArchiveFormat format) {
  if (!flags.role.empty() || !flags.ip.empty()) {
    return UsageError(
        fmt::format("{}: not with --cluster: each host's role and address come from config.yaml",
                    flags.role.empty() ? "--ip" : "--role"));
  }
  if (!flags.sources.empty() || flags.no_builtin_sources) {
    return UsageError(fmt::format(
        "{}: not with --cluster: each host collects the built-in sources and config.yaml's "
        "bundle_sources",
        flags.sources.empty() ? "--no-builtin-sources" : "--sources"));
  }
  StageOptions options;
  options.progress = ::isatty(STDERR_FILENO) == 1;
  options.out = stderr;  // stdout is the bundle's path, for scripts
  options.spool_dir = flags.output;
  if (!flags.timeout.empty()) {
    options.bundle_timeout = ParseTimeoutFlagOrReport(flags.timeout);
    if (!options.bundle_timeout) return kExitUsage;
  }
  if (!flags.since.empty()) {
    if (Result<std::chrono::seconds> age = ParseJournalAge(flags.since); !age) {
      return UsageError("--since: " + age.error().message());
    }
    options.node_bundle_args = {"--since", flags.since};
  }
  if (flags.no_redact) options.node_bundle_args.push_back("--no-redact");
  const std::string config_path = flags.config.empty() ? "genconf/config.yaml" : flags.config;
  std::optional<ClusterConfig> config =
      LoadClusterConfigOrReport(config_path, ConfigMode::kSsh, /*strict=*/false);
  if (!config) return kExitInvalidInput;
  if (flags.no_redact) WarnNoRedact();

  BundleOptions bundle_options{
      .format = format, .redact = !flags.no_redact, .known_secrets = SecretConfigValues(*config)};
  const std::filesystem::path path = BundlePath(flags, format, "", &bundle_options.mtime);
  Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(path, bundle_options);
  if (!writer) {
    fmt::print(stderr, "flightcheck: error: {}\n", writer.error().message());
    return kExitError;
  }
  StopSignals signals;
  options.stop = signals.token();
  options.stop_signal = [&signals] { return signals.signal(); };
  ClusterPartSink sink(**writer, config->install_dir / "genconf");
  const int exit_code = RunBundleStage(*config, options, sink);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    // Stopped, refused (the lock, a stale artifact) or failed: the writer leaves nothing.
    if (options.stop.stop_requested()) {
      fmt::print(stderr, "flightcheck: no bundle was written\n");
    }
    return exit_code != kExitOk ? exit_code : kExitError;
  }
  fmt::print("{}\n", path.string());
  fmt::print(stderr, "flightcheck: cluster bundle written: {} items, {} bytes\n",
             (*writer)->items().size(), std::filesystem::file_size(path, ec));
  return exit_code;
}

int RunCreate(BundleFlags& flags) {
  Result<ArchiveFormat> format = ParseArchiveFormat(flags.format);
  if (!format) return UsageError("--format: " + format.error().message());
  std::error_code ec;
  if (!std::filesystem::is_directory(flags.output, ec)) {
    return UsageError(fmt::format("--output: '{}' is not a directory", flags.output));
  }
  if (flags.cluster) return RunCreateCluster(flags, *format);
  if (!flags.timeout.empty()) return UsageError("--timeout: only with --cluster");
  if (flags.role.empty()) {
    return UsageError("--role is required (master, agent or public_agent), or --cluster");
  }
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
  // The built-in sources, extended (or, with --no-builtin-sources, replaced) by --sources.
  if (flags.no_builtin_sources && flags.sources.empty()) {
    return UsageError("--no-builtin-sources needs --sources FILE: there is nothing to collect");
  }
  std::optional<BundleSourceSet> sources =
      LoadBundleSourcesOrReport(flags.sources, !flags.no_builtin_sources, "no bundle was made");
  if (!sources) return kExitInvalidInput;
  BundleOptions options{.format = *format, .redact = !flags.no_redact};
  if (!flags.config.empty()) {
    std::optional<ClusterConfig> config =
        LoadClusterConfigOrReport(flags.config, ConfigMode::kNode, false);
    if (!config) return kExitInvalidInput;
    options.known_secrets = SecretConfigValues(*config);
  }
  if (flags.no_redact) WarnNoRedact();

  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  const std::filesystem::path path = BundlePath(flags, *format, hostname, &options.mtime);

  StopSignals stop_signals;
  NodeBundleRequest request{
      .sources = std::move(sources->sources),
      .role = *role,
      .prefix = fmt::format("{}_{}", flags.ip.empty() ? std::string(hostname) : flags.ip, *role),
      .sources_name = sources->name,
      .since = since,
      .stop = stop_signals.token()};
  const bool progress = ::isatty(STDERR_FILENO) == 1;
  if (progress) {
    request.progress = [](size_t done, size_t total, const std::string& item) {
      fmt::print(stderr, "\r\033[K[{}/{}] {}", done + 1, total, item);
      std::fflush(stderr);
    };
  }
  Result<std::vector<BundleItem>> items =
      WriteNodeBundle(path, options, request, *host, ProbeRegistry::Global());
  KillRunningCommandGroups();
  if (progress) fmt::print(stderr, "\r\033[K");
  if (stop_signals.token().stop_requested()) {
    fmt::print(stderr, "flightcheck: stopped by signal {}; no bundle was written\n",
               stop_signals.signal());
    return stop_signals.ExitCode();
  }
  if (!items) {
    fmt::print(stderr, "flightcheck: error: no bundle was written: {}\n", items.error().message());
    return kExitError;
  }
  const size_t failed = std::count_if(items->begin(), items->end(),
                                      [](const BundleItem& item) { return !item.error.empty(); });
  const size_t failed_required = RequiredFailures(*items).size();
  fmt::print("{}\n", path.string());
  fmt::print(stderr, "flightcheck: bundle written: {} items, {} bytes; {} failed ({} required{})\n",
             items->size(), std::filesystem::file_size(path, ec), failed, failed_required,
             failed_required ? ", listed in summaryErrorsReport.txt" : "");
  return failed_required ? kExitFailed : kExitOk;
}

struct ReadFlags {
  std::string bundle;
  std::string format = "text";
  std::string dir = ".";
};

// inspect and list print text for people or JSON for programs; the usage error otherwise.
std::optional<int> CheckTextOrJson(const std::string& format) {
  if (format == "text" || format == "json") return std::nullopt;
  return UsageError(fmt::format("--format: '{}' is not text or json", format));
}

// What a manifest says of its items: how many, how many failed (and of those, required).
struct ItemCounts {
  size_t items = 0, failed = 0, failed_required = 0, truncated = 0;
};
ItemCounts CountItems(const nlohmann::json& manifest) {
  ItemCounts counts;
  if (!manifest.is_object() || !manifest.contains("items") || !manifest["items"].is_array()) {
    return counts;
  }
  for (const nlohmann::json& item : manifest["items"]) {
    ++counts.items;
    if (!item.is_object()) continue;
    const bool failed = item.contains("error") && item["error"].is_string();
    counts.failed += failed;
    counts.failed_required += failed && item.value("required", false) == true;
    counts.truncated += item.value("truncated", false) == true;
  }
  return counts;
}

std::string StringField(const nlohmann::json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_string()
             ? object[key].get<std::string>()
             : "?";
}

// Reads the bundle named on the command line; prints why and returns nullopt when it cannot.
std::optional<BundleContents> ReadNamedBundle(const std::string& path) {
  Result<BundleContents> contents = ReadBundle(path);
  if (!contents) {
    fmt::print(stderr, "flightcheck: error: {}\n", contents.error().message());
    return std::nullopt;
  }
  return std::move(*contents);
}

int RunInspect(const ReadFlags& flags) {
  if (std::optional<int> bad = CheckTextOrJson(flags.format)) return *bad;
  std::optional<BundleContents> contents = ReadNamedBundle(flags.bundle);
  if (!contents) return kExitInvalidInput;
  const nlohmann::json& manifest = contents->manifest;
  if (flags.format == "json") {
    fmt::print("{}\n", nlohmann::json{{"bundle", flags.bundle},
                                      {"entries", contents->entries},
                                      {"bytes", contents->bytes},
                                      {"problems", contents->problems},
                                      {"manifest", manifest}}
                           .dump(2));
    return contents->problems.empty() ? kExitOk : kExitFailed;
  }
  const ItemCounts counts = CountItems(manifest);
  fmt::print("{}: {}, created {}, {}, {}\n", flags.bundle, StringField(manifest, "schema"),
             StringField(manifest, "created_at"), StringField(manifest, "format"),
             manifest.is_object() && manifest.value("redacted", true) == false
                 ? "NOT REDACTED (--no-redact)"
                 : "redacted");
  fmt::print("  {} entries, {} bytes; {}, {} failed ({} required), {} truncated\n",
             contents->entries, contents->bytes, CountOf(counts.items, "item"), counts.failed,
             counts.failed_required, counts.truncated);
  const auto list = [&](const char* key, const char* title,
                        const std::function<std::string(const nlohmann::json&)>& line) {
    if (!manifest.is_object() || !manifest.contains(key) || !manifest[key].is_array() ||
        manifest[key].empty()) {
      return;
    }
    fmt::print("  {}:\n", title);
    for (const nlohmann::json& entry : manifest[key]) fmt::print("    {}\n", line(entry));
  };
  list("errors", "errors",
       [](const nlohmann::json& e) { return e.is_string() ? e.get<std::string>() : e.dump(); });
  list("redactions", "redactions", [](const nlohmann::json& r) {
    return fmt::format("{}: {} x{}", StringField(r, "path"), StringField(r, "rule"),
                       r.is_object() && r.contains("count") ? r["count"].dump() : "?");
  });
  // A cluster bundle: every node, and why a node's part is missing.
  const nlohmann::json& report = contents->report;
  if (report.is_object() && report.contains("nodes") && report["nodes"].is_array()) {
    fmt::print("  nodes:\n");
    for (const nlohmann::json& node : report["nodes"]) {
      const std::string message = StringField(node, "message");
      fmt::print("    {} {}: {}{}\n", StringField(node, "address"), StringField(node, "role"),
                 StringField(node, "status"),
                 message.empty() || message == "?" ? "" : ": " + message);
    }
  }
  if (!contents->problems.empty()) {
    fmt::print("  problems (bundle verify):\n");
    for (const std::string& problem : contents->problems) fmt::print("    {}\n", problem);
  }
  return contents->problems.empty() ? kExitOk : kExitFailed;
}

int RunVerify(const ReadFlags& flags) {
  std::optional<BundleContents> contents = ReadNamedBundle(flags.bundle);
  if (!contents) return kExitInvalidInput;
  for (const std::string& problem : contents->problems) fmt::print("{}\n", problem);
  if (!contents->problems.empty()) {
    fmt::print(stderr, "flightcheck: {}: does not match its manifest: {}\n", flags.bundle,
               CountOf(contents->problems.size(), "problem"));
    return kExitFailed;
  }
  fmt::print(stderr, "flightcheck: {}: verified: {} match manifest.json\n", flags.bundle,
             contents->entries == 1 ? std::string("1 entry")
                                    : fmt::format("{} entries", contents->entries));
  return kExitOk;
}

bool IsBundleName(const std::string& name) {
  if (!name.starts_with("bundle-") && !name.starts_with("cluster-bundle-")) return false;
  for (const ArchiveFormatInfo& info : ArchiveFormats()) {
    if (name.ends_with(info.extension)) return true;
  }
  return false;
}

int RunList(const ReadFlags& flags) {
  if (std::optional<int> bad = CheckTextOrJson(flags.format)) return *bad;
  std::error_code ec;
  std::vector<std::filesystem::path> bundles;
  for (const auto& entry : std::filesystem::directory_iterator(flags.dir, ec)) {
    if (entry.is_regular_file(ec) && IsBundleName(entry.path().filename().string())) {
      bundles.push_back(entry.path());
    }
  }
  if (ec) {
    fmt::print(stderr, "flightcheck: error: --output: cannot list '{}': {}\n", flags.dir,
               ec.message());
    return kExitInvalidInput;
  }
  std::sort(bundles.begin(), bundles.end());
  nlohmann::json rows = nlohmann::json::array();
  for (const std::filesystem::path& path : bundles) {
    Result<BundleContents> contents = ReadBundle(path);
    nlohmann::json row = {{"bundle", path.string()},
                          {"bytes", std::filesystem::file_size(path, ec)}};
    if (!contents) {
      row["error"] = contents.error().message();
    } else {
      const ItemCounts counts = CountItems(contents->manifest);
      row["created_at"] = StringField(contents->manifest, "created_at");
      row["items"] = counts.items;
      row["failed"] = counts.failed;
      row["problems"] = contents->problems.size();
    }
    rows.push_back(std::move(row));
  }
  if (flags.format == "json") {
    fmt::print("{}\n", rows.dump(2));
    return kExitOk;
  }
  for (const nlohmann::json& row : rows) {
    if (row.contains("error")) {
      fmt::print("{}  unreadable: {}\n", row["bundle"].get<std::string>(),
                 row["error"].get<std::string>());
      continue;
    }
    fmt::print(
        "{}  {} bytes  created {}  {} items, {} failed{}\n", row["bundle"].get<std::string>(),
        row["bytes"].get<uint64_t>(), row["created_at"].get<std::string>(),
        row["items"].get<size_t>(), row["failed"].get<size_t>(),
        row["problems"].get<size_t>() ? "  DOES NOT MATCH ITS MANIFEST (bundle verify)" : "");
  }
  if (rows.empty()) fmt::print(stderr, "flightcheck: no bundles in '{}'\n", flags.dir);
  return kExitOk;
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
                     "Bundle sources file: extends the built-in rules/bundle.yaml (a source with "
                     "a built-in's id replaces it)");
  create->add_flag("--no-builtin-sources", flags->no_builtin_sources,
                   "Collect only the --sources file's sources");
  create->add_option("--format", flags->format, "zip (default), tar.gz or tar.zst");
  create->add_option("--since", flags->since, "Journal entries of the last D (e.g. 24h, 2d)");
  create->add_option("--role", flags->role, "This node's role: master, agent, public_agent");
  create->add_flag("--cluster", flags->cluster,
                   "From the bootstrap node: every host of config.yaml over SSH, in one bundle");
  create->add_option("--timeout", flags->timeout,
                     "--cluster: how long a host's part may take (default: process_timeout)");
  create->add_option("--ip", flags->ip, "This node's address, its directory in the bundle");
  create->add_option("--config", flags->config,
                     "The cluster config: its secret values are removed wherever they appear "
                     "(--cluster: its hosts; default genconf/config.yaml)");
  create->add_flag("--no-redact", flags->no_redact,
                   "Keep secrets as found (loud; recorded in the manifest)");
  AddHostFlags(create, &flags->host);
  create->callback([flags, exit_code] { *exit_code = RunCreate(*flags); });

  auto read = std::make_shared<ReadFlags>();
  CLI::App* inspect = bundle->add_subcommand(
      "inspect", "Show a bundle's manifest: items, sizes, errors, redactions, and any mismatch");
  inspect->add_option("bundle", read->bundle, "The bundle file")->required();
  inspect->add_option("--format", read->format, "text (default) or json");
  inspect->callback([read, exit_code] { *exit_code = RunInspect(*read); });
  CLI::App* verify = bundle->add_subcommand(
      "verify", "Check every entry of a bundle against the SHA-256 its manifest records");
  verify->add_option("bundle", read->bundle, "The bundle file")->required();
  verify->callback([read, exit_code] { *exit_code = RunVerify(*read); });
  CLI::App* list = bundle->add_subcommand("list", "List the bundles in a directory");
  list->add_option("--output", read->dir, "The directory bundles were written to (default .)");
  list->add_option("--format", read->format, "text (default) or json");
  list->callback([read, exit_code] { *exit_code = RunList(*read); });
}

}  // namespace flightcheck::cli
