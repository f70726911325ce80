// `flightcheck serve`: the health daemon (server/). This file turns flags into the daemon's
// options, checks them (a non-loopback address without a token is refused), loads the rules and
// the node list, and runs until SIGTERM/SIGINT; SIGHUP reloads. Everything it serves is built in
// server/.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include "checks/command_runner.h"
#include "checks/file_io.h"
#include "checks/host_context.h"
#include "checks/net.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/host_flags.h"
#include "collector/bundle_writer.h"
#include "collector/cluster_bundle.h"
#include "collector/node_bundle.h"
#include "installer/cluster_config.h"
#include "rules/builtin_rules.h"
#include "runner/bundle_sources.h"
#include "runner/quantity.h"
#include "runner/run_request.h"
#include "runner/stop_signals.h"
#include "runner/variables.h"
#include "server/bundle_api.h"
#include "server/bundle_store.h"
#include "server/cluster_bundle_api.h"
#include "server/cluster_bundle_job.h"
#include "server/daemon_log.h"
#include "server/health_api.h"
#include "server/health_daemon.h"
#include "server/http_server.h"

#ifndef FLIGHTCHECK_VERSION
#define FLIGHTCHECK_VERSION "0.0.0"
#endif

namespace flightcheck::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:1050";
  std::string token_file;
  std::string tls_cert, tls_key;
  std::string interval = "60s";
  std::vector<std::string> rules;
  std::string config;
  std::vector<std::string> nodes;
  int node_port = 1050;
  std::string pull_timeout = "3s";
  std::string bundle_timeout = "30m";  // a cluster bundle's, on a master
  int pull_parallelism = 16;
  std::string ip, hostname;
  std::string bundle_dir;
  std::string bundle_sources;  // --sources
  std::string results_file;
  HostFlags host;
  RunRequest request;
};

Result<HostPort> ParseListen(const std::string& text) {
  const std::string usage =
      "give HOST:PORT with an IP address (e.g. 127.0.0.1:1050, [::1]:1050, 0.0.0.0:1050)";
  Result<HostPort> parsed = ParseHostPort(text, -1, 0);
  if (!parsed)
    return Status::InvalidArgument(
        fmt::format("--listen: {}; {}", parsed.error().message(), usage));
  if (parsed->port < 0) {
    return Status::InvalidArgument(fmt::format("--listen: no port in '{}'; {}", text, usage));
  }
  if (!IsIpAddress(parsed->host)) {
    return Status::InvalidArgument(fmt::format(
        "--listen: '{}' is not an IP address; give the address to bind (127.0.0.1, 0.0.0.0, ::1)",
        parsed->host));
  }
  return parsed;
}

// Where the daemon may write its results: a regular file or a new name. Its directory is made
// when missing (as --bundle-dir's is), so that the shipped unit needs no other step.
Status CheckResultsFile(const std::filesystem::path& path) {
  std::error_code error;
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::filesystem::create_directories(directory, error);
  if (error || !std::filesystem::is_directory(directory, error)) {
    return Status::InvalidArgument(
        fmt::format("cannot make directory '{}' ({}); name a file in a directory the daemon may "
                    "write",
                    directory.string(), error ? error.message() : "not a directory"));
  }
  const std::filesystem::file_status status = std::filesystem::symlink_status(path, error);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    return Status::InvalidArgument(
        fmt::format("'{}' exists and is not a regular file; name a file the daemon may replace",
                    path.string()));
  }
  return Status::Ok();
}

// The canonical role (slave → agent), or the text itself when it is no role.
std::string RoleName(const std::string& text) { return NormalizeRole(text).value_or(text); }

bool IsWildcard(const std::string& host) { return host == "0.0.0.0" || host == "::"; }

// The first non-loopback IPv4 address of the host, for the report's `ip` when bound to all.
std::string FirstHostAddress() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* a = list; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    if (!IsLoopbackAddress(text)) found = text;
  }
  ::freeifaddrs(list);
  return found;
}

// The token: a file only its owner can read, one line of at least 16 characters.
Result<std::string> ReadToken(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::FromErrno(fmt::format("--token-file: cannot read '{}'", path), errno);
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::InvalidArgument(
        fmt::format("--token-file: '{}' is readable by others (mode {:04o}); chmod 600 it", path,
                    st.st_mode & 07777));
  }
  Result<std::string> text = ReadWholeFile(path, 4096);
  if (!text) return text.error().WithContext("--token-file");
  std::string token = *text;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.size() < 16 || token.find_first_of(" \t\r\n") != std::string::npos) {
    return Status::InvalidArgument(fmt::format(
        "--token-file: '{}' must hold one token of at least 16 characters and no spaces (e.g. "
        "`openssl rand -hex 32 > {}`)",
        path, path));
  }
  return token;
}

// "10.0.0.1", "10.0.0.1:1050", "10.0.0.1=agent", "[::1]:1051=master".
Result<server::NodeTarget> ParseNode(const std::string& text, int default_port) {
  const size_t equals = text.find('=');
  const std::string address = text.substr(0, equals);
  const std::string role = equals == std::string::npos
                               ? "agent"
                               : server::DcosRoleName(RoleName(text.substr(equals + 1)));
  Result<HostPort> parsed = ParseHostPort(address, default_port);
  if (!parsed) {
    return Status::InvalidArgument(
        fmt::format("--nodes: {}; give ADDRESS[:PORT][=ROLE] (e.g. 10.0.0.2:1050=agent)",
                    parsed.error().message()));
  }
  if (!IsIpAddress(parsed->host)) {
    return Status::InvalidArgument(fmt::format(
        "--nodes: '{}' is not an IP address; give ADDRESS[:PORT][=ROLE] (e.g. 10.0.0.2:1050=agent)",
        parsed->host));
  }
  if (role != "master" && role != "agent" && role != "agent_public") {
    return Status::InvalidArgument(
        fmt::format("--nodes: '{}': role must be master, agent or public_agent", text));
  }
  return server::NodeTarget{.ip = parsed->host, .port = parsed->port, .role = role};
}

// The nodes to poll: --nodes, or on a master the nodes the cluster config lists.
Result<std::vector<server::NodeTarget>> NodeList(const ServeFlags& flags,
                                                 const std::optional<ClusterConfig>& config) {
  std::vector<server::NodeTarget> nodes;
  for (const std::string& item : SplitNameList(flags.nodes)) {
    Result<server::NodeTarget> node = ParseNode(item, flags.node_port);
    if (!node) return node.error();
    nodes.push_back(*node);
  }
  if (!nodes.empty() || !config || RoleName(flags.request.role) != "master") return nodes;
  auto add = [&](const std::vector<std::string>& list, const char* role) {
    for (const std::string& ip : list)
      nodes.push_back({.ip = ip, .port = flags.node_port, .role = role});
  };
  add(config->master_list, "master");
  add(config->agent_list, "agent");
  add(config->public_agent_list, "agent_public");
  return nodes;
}

// Loaded at start and on every reload (SIGHUP, or the cluster config changed).
Result<server::HealthRunSetup> LoadSetup(const ServeFlags& flags) {
  server::HealthRunSetup setup;
  std::optional<ClusterConfig> config;
  if (!flags.config.empty()) {
    // Its problems go to stderr (the journal, under systemd) with file:line:col.
    config = LoadClusterConfigOrReport(flags.config, ConfigMode::kNode, false);
    if (!config) {
      return Status::InvalidArgument(
          fmt::format("--config: '{}' has errors (listed above)", flags.config));
    }
  }
  std::optional<RuleSet> rules = LoadRulesOrReport(flags.rules);
  if (!rules) return Status::InvalidArgument("the rules have errors (listed above)");
  setup.rules = std::move(*rules);
  RunRequest request = flags.request;
  if (request.phase.empty()) request.phase = "health";
  request.builtin_rules = flags.rules.empty();
  Result<RunOptions> options = ResolveRunRequest(request, setup.rules);
  if (!options) return options.error();
  setup.options = std::move(*options);
  if (config) {
    // The cluster's values (master_list, health_units...) for the rules; --vars-file and --var
    // win over them.
    Variables variables = ClusterVariables(*config);
    for (auto& [name, value] : setup.options.variables) variables[name] = std::move(value);
    setup.options.variables = std::move(variables);
  }
  Result<std::vector<server::NodeTarget>> nodes = NodeList(flags, config);
  if (!nodes) return nodes.error();
  setup.nodes = std::move(*nodes);
  return setup;
}

// A version of a file: a rename over it (as editors and genconf do) changes the inode, an edit in
// place the modification time.
struct FileVersion {
  dev_t device = 0;
  ino_t inode = 0;
  int64_t modified_ns = 0;
  off_t size = -1;
  bool operator==(const FileVersion&) const = default;
};

FileVersion VersionOf(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return {};
  return {st.st_dev, st.st_ino, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, st.st_size};
}

// The cluster config's secret values, redacted from bundles; none without --config.
std::vector<std::string> ConfigSecrets(const ServeFlags& flags) {
  if (flags.config.empty()) return {};
  std::optional<ClusterConfig> config =
      LoadClusterConfigOrReport(flags.config, ConfigMode::kNode, false);
  return config ? SecretConfigValues(*config) : std::vector<std::string>{};
}

// A bundle of this node for the bundle API (server/bundle_store.h): sources of its role under
// <ip>_<role>/, zip, redacted with the cluster config's secrets. What is returned to record are
// the required sources that failed.
server::BundleStore::Collector NodeBundleCollector(const ServeFlags& flags, const HostContext& host,
                                                   BundleSourceSet sources, std::string role,
                                                   std::string ip) {
  return [&host, sources = std::move(sources), role = std::move(role), ip = std::move(ip),
          secrets = ConfigSecrets(flags)](
             const std::filesystem::path& output, const server::BundleRequest&,
             std::stop_token stop) -> Result<std::vector<std::string>> {
    const NodeBundleRequest request{.sources = sources.sources,
                                    .role = role,
                                    .prefix = fmt::format("{}_{}", ip, role),
                                    .sources_name = sources.name,
                                    .stop = stop};
    Result<std::vector<BundleItem>> items = WriteNodeBundle(
        output, {.known_secrets = secrets, .mtime = static_cast<int64_t>(std::time(nullptr))},
        request, host, ProbeRegistry::Global());
    if (!items) return items.error();
    return RequiredFailures(*items);
  };
}

// A cluster bundle of the parts the nodes' daemons sent (server/cluster_bundle_job.h), merged by
// collector/cluster_bundle.h into a zip redacted with the cluster config's secrets.
class ClusterBundleMerger : public server::ClusterPartMerger {
 public:
  static Result<std::unique_ptr<server::ClusterPartMerger>> Create(
      const std::filesystem::path& output, std::vector<std::string> secrets) {
    Result<std::unique_ptr<BundleWriter>> writer = BundleWriter::Create(
        output,
        {.known_secrets = std::move(secrets), .mtime = static_cast<int64_t>(std::time(nullptr))});
    if (!writer) return writer.error();
    return std::unique_ptr<server::ClusterPartMerger>(new ClusterBundleMerger(std::move(*writer)));
  }
  Status AddPart(const server::NodeTarget& node, int fd) override {
    return bundle_.AddPart(node.ip, OurRole(node.role), fd);
  }
  Status Finish(const std::vector<server::NodeOutcome>& outcomes) override {
    std::vector<ClusterNode> nodes;
    for (const server::NodeOutcome& outcome : outcomes) {
      nodes.push_back({.address = outcome.node.ip,
                       .role = OurRole(outcome.node.role),
                       .status = outcome.status,
                       .message = outcome.message});
    }
    return bundle_.Finish(nodes);
  }

 private:
  // The node's bundle is under <ip>_<role>/ in flightcheck's word for its role (public_agent), as
  // its own daemon names it; the node list has 3DT's (agent_public).
  static std::string OurRole(const std::string& dcos_role) {
    return dcos_role == "agent_public" ? "public_agent" : dcos_role;
  }
  explicit ClusterBundleMerger(std::unique_ptr<BundleWriter> writer)
      : writer_(std::move(writer)), bundle_(*writer_) {}
  std::unique_ptr<BundleWriter> writer_;
  ClusterBundle bundle_;
};

int RunServe(ServeFlags& flags) {
  // Two malloc arenas, not eight per core: the request threads allocate little, and a daemon that
  // runs for the cluster's life should not hold an arena per thread it ever ran.
  ::mallopt(M_ARENA_MAX, 2);
  Result<HostPort> listen = ParseListen(flags.listen);
  if (!listen) return UsageError(listen.error().message());
  if (flags.request.role.empty()) {
    return UsageError("--role: give this node's role (master, agent or public_agent)");
  }
  std::string token;
  if (!flags.token_file.empty()) {
    Result<std::string> read = ReadToken(flags.token_file);
    if (!read) return UsageError(read.error().message());
    token = *read;
  } else if (!IsLoopbackAddress(listen->host)) {
    return UsageError(fmt::format(
        "--listen {}: a non-loopback address needs --token-file (clients send \"Authorization: "
        "Bearer <token>\"); without one, bind 127.0.0.1 and put a proxy with authentication "
        "in front",
        flags.listen));
  }
  Result<Milliseconds> interval = ParseDuration(flags.interval);
  if (!interval || interval->count() < 1000) {
    return UsageError(fmt::format("--interval: '{}' is not a duration of at least 1s (e.g. 60s)",
                                  flags.interval));
  }
  Result<Milliseconds> pull_timeout = ParseDuration(flags.pull_timeout);
  if (!pull_timeout || pull_timeout->count() < 100) {
    return UsageError(fmt::format(
        "--pull-timeout: '{}' is not a duration of at least 100ms (e.g. 3s)", flags.pull_timeout));
  }
  Result<Milliseconds> bundle_timeout = ParseDuration(flags.bundle_timeout);
  if (!bundle_timeout || bundle_timeout->count() < 1000) {
    return UsageError(
        fmt::format("--bundle-timeout: '{}' is not a duration of at least 1s (e.g. 30m)",
                    flags.bundle_timeout));
  }
  if (flags.pull_parallelism < 1 || flags.pull_parallelism > 256) {
    return UsageError("--pull-parallelism: out of range 1..256");
  }
  if (flags.node_port < 1 || flags.node_port > 65535) {
    return UsageError("--node-port: out of range 1..65535");
  }
  if (!flags.results_file.empty()) {
    if (Status status = CheckResultsFile(flags.results_file); !status.ok()) {
      return UsageError("--results-file: " + status.message());
    }
  }
  Result<HostContext> host = HostFromFlags(flags.host);
  if (!host) return UsageError(host.error().message());
  // Checked once here, so that a mistake is a usage error now rather than a log line later.
  // The node list follows the cluster config: checked once a second, reloaded when it changed
  // (taken before the first load, so that an edit during it is not missed).
  FileVersion config_version = VersionOf(flags.config);
  Result<server::HealthRunSetup> first = LoadSetup(flags);
  if (!first) return UsageError(first.error().message());

  const std::shared_ptr<spdlog::logger> log =
      server::MakeDaemonLogger(server::RunningUnderSystemd());
  server::HttpServerOptions http;
  http.host = listen->host;
  http.port = listen->port;
  http.tls_certificate = flags.tls_cert;
  http.tls_key = flags.tls_key;
  Result<std::unique_ptr<server::HttpServer>> created = server::HttpServer::Create(http);
  if (!created) return UsageError(created.error().message());
  server::HttpServer& server = **created;

  server::HealthDaemonOptions options;
  options.interval = *interval;
  options.results_file = flags.results_file;
  options.node.hostname = flags.hostname;
  if (options.node.hostname.empty()) {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    options.node.hostname = name;
  }
  options.node.ip = !flags.ip.empty()          ? flags.ip
                    : IsWildcard(listen->host) ? FirstHostAddress()
                                               : listen->host;
  options.node.role = server::DcosRoleName(RoleName(flags.request.role));
  options.node.version = FLIGHTCHECK_VERSION;
  if (const char* dcos_version = std::getenv("DCOS_VERSION")) {
    options.node.dcos_version = dcos_version;
  }
  options.poll.timeout = *pull_timeout;
  options.poll.parallelism = flags.pull_parallelism;
  options.poll.token = token;
  options.log_info = [log](const std::string& line) { log->info(line); };
  options.log_error = [log](const std::string& line) { log->error(line); };

  server::HealthDaemon daemon(
      options, [&flags] { return LoadSetup(flags); }, *host, ProbeRegistry::Global());
  std::unique_ptr<server::BundleStore> bundles;
  if (!flags.bundle_sources.empty() && flags.bundle_dir.empty()) {
    return UsageError("--sources: only with --bundle-dir: they are the node bundle API's sources");
  }
  if (!flags.bundle_dir.empty()) {
    std::optional<BundleSourceSet> sources =
        LoadBundleSourcesOrReport(flags.bundle_sources, true, "the daemon did not start");
    if (!sources) return kExitInvalidInput;
    // On a master, cluster bundles too: of the nodes the daemon pulls, and seen by every master.
    const bool master = RoleName(flags.request.role) == "master";
    server::BundleStore::Collector cluster;
    if (master) {
      cluster = server::ClusterBundleCollector(
          {.nodes = [&daemon] { return daemon.Nodes(); },
           .client = options.poll,
           .job_timeout = *bundle_timeout,
           .spool_dir = flags.bundle_dir,
           .merger =
               [secrets = ConfigSecrets(flags)](const std::filesystem::path& output) {
                 return ClusterBundleMerger::Create(output, secrets);
               },
           .log = [log](const std::string& line) { log->error(line); }});
    }
    Result<std::unique_ptr<server::BundleStore>> opened = server::BundleStore::Open(
        flags.bundle_dir,
        NodeBundleCollector(flags, *host, std::move(*sources), RoleName(flags.request.role),
                            options.node.ip),
        std::move(cluster));
    if (!opened) return UsageError("--bundle-dir: " + opened.error().message());
    bundles = std::move(*opened);
    server::RegisterBundleApi(server.routes(), *bundles);
    if (master) {
      const std::string self_ip = options.node.ip;
      server::RegisterClusterBundleApi(
          server.routes(), *bundles,
          {.other_masters =
               [&daemon, &server, self_ip] {
                 std::vector<server::NodeTarget> masters;
                 for (const server::NodeTarget& node : daemon.Nodes()) {
                   if (node.role == "master" &&
                       !(node.ip == self_ip && node.port == server.port())) {
                     masters.push_back(node);
                   }
                 }
                 return masters;
               },
           .client = options.poll,
           .spool_dir = flags.bundle_dir});
    }
  }
  server::HealthApiOptions api;
  api.token = token;
  server::RegisterHealthApi(server.routes(), api, daemon.Hooks());

  if (Status listening = server.Listen(); !listening.ok()) {
    log->critical(listening.message());
    return kExitError;
  }
  daemon.Start(std::move(*first));
  StopSignals signals([&daemon, log] {
    log->info("SIGHUP: reloading the rules and the node list");
    daemon.Reload();
  });
  std::jthread http_thread([&server] { server.Serve(); });
  log->info(fmt::format("serving on {}:{} ({}), health runs every {}", listen->host, server.port(),
                        token.empty() ? "no token: loopback only" : "bearer token required",
                        FormatDuration(*interval)));
  sd_notify(0, "READY=1");
  auto config_checked = std::chrono::steady_clock::now();
  auto last_ping = std::chrono::steady_clock::now();
  uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  const auto tick =
      watchdog ? std::chrono::microseconds(watchdog_usec / 2) : std::chrono::microseconds(200000);
  while (!signals.token().stop_requested()) {
    std::this_thread::sleep_for(
        std::min<std::chrono::microseconds>(tick, std::chrono::microseconds(200000)));
    if (!flags.config.empty() &&
        std::chrono::steady_clock::now() - config_checked >= std::chrono::seconds(1)) {
      config_checked = std::chrono::steady_clock::now();
      if (FileVersion now = VersionOf(flags.config); now != config_version) {
        config_version = now;
        log->info(fmt::format("{} changed: reloading the rules and the node list", flags.config));
        daemon.Reload();
      }
    }
    if (watchdog && std::chrono::steady_clock::now() - last_ping >= tick && daemon.Alive()) {
      sd_notify(0, "WATCHDOG=1");
      last_ping = std::chrono::steady_clock::now();
    }
  }
  sd_notify(0, "STOPPING=1");
  log->info(fmt::format("signal {}: stopping", signals.signal()));
  // The daemon first: its stop token also ends a check-runner run that a request is waiting for,
  // so that no request thread holds up the exit.
  daemon.Stop();
  server.Stop();
  http_thread.join();
  bundles.reset();  // stops a bundle being collected; its state says so
  KillRunningCommandGroups();
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run the health rules periodically and serve them (3DT-compatible HTTP API).");
  cmd->add_option("--listen", flags->listen,
                  "HOST:PORT to bind (default 127.0.0.1:1050); other than loopback needs "
                  "--token-file");
  cmd->add_option("--token-file", flags->token_file,
                  "File with the bearer token clients must send (mode 0600)");
  cmd->add_option("--tls-cert", flags->tls_cert, "PEM certificate: serve HTTPS");
  cmd->add_option("--tls-key", flags->tls_key, "PEM private key of --tls-cert");
  cmd->add_option("--interval", flags->interval, "Time between health runs (default 60s)");
  cmd->add_option("--rules", flags->rules, "Rule files (default: the built-in health rules)");
  cmd->add_option("--role", flags->request.role, "This node's role: master, agent, public_agent")
      ->required();
  cmd->add_option("--phase", flags->request.phase, "Phase of the rules to run (default health)");
  cmd->add_option("--var", flags->request.vars, "NAME=VALUE for ${NAME} in rules");
  cmd->add_option("--vars-file", flags->request.vars_file, "JSON object of variables");
  cmd->add_option("--skip", flags->request.skip, "Rule ids or globs never run");
  cmd->add_option("--deadline", flags->request.deadline, "Bound each health run (e.g. 50s)");
  cmd->add_option("--config", flags->config,
                  "The cluster config (config.yaml): on a master, the nodes to aggregate");
  cmd->add_option("--nodes", flags->nodes,
                  "Aggregate these nodes' daemons: ADDRESS[:PORT][=ROLE], comma list");
  cmd->add_option("--node-port", flags->node_port, "Port of the nodes' daemons (default 1050)");
  cmd->add_option("--pull-timeout", flags->pull_timeout, "Timeout of one node's answer (3s)");
  cmd->add_option("--pull-parallelism", flags->pull_parallelism, "Nodes polled at once (16)");
  cmd->add_option("--ip", flags->ip, "This node's address in its report (default: detected)");
  cmd->add_option("--hostname", flags->hostname, "This node's name in its report");
  cmd->add_option("--bundle-dir", flags->bundle_dir,
                  "Serve the 3DT node bundle API, keeping bundles in this directory");
  cmd->add_option("--bundle-timeout", flags->bundle_timeout,
                  "On a master: how long a cluster bundle waits for the nodes' parts (30m)");
  cmd->add_option("--results-file", flags->results_file,
                  "Write each run's results (JSON) here, for support bundles");
  cmd->add_option("--sources", flags->bundle_sources,
                  "Bundle sources extending the built-in ones (with --bundle-dir)");
  AddHostFlags(cmd, &flags->host);
  cmd->callback([flags, exit_code] { *exit_code = RunServe(*flags); });
}

}  // namespace flightcheck::cli
