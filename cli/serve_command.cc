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
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include "checks/command_runner.h"
#include "checks/file_io.h"
#include "checks/host_context.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "installer/cluster_config.h"
#include "runner/quantity.h"
#include "runner/run_request.h"
#include "runner/stop_signals.h"
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
  int pull_parallelism = 16;
  std::string ip, hostname;
  std::string root = "/";
  std::string docker_socket = "/var/run/docker.sock";
  std::string systemd_bus = "unix:path=/run/systemd/private";
  std::string journal_directory;
  RunRequest request;
};

struct ListenAddress {
  std::string host;
  int port = 0;
};

Result<ListenAddress> ParseListen(const std::string& text) {
  const std::string usage = fmt::format(
      "--listen: '{}' is not HOST:PORT (e.g. 127.0.0.1:1050, [::1]:1050, 0.0.0.0:1050)", text);
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::InvalidArgument(usage);
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']') return Status::InvalidArgument(usage);
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = text.substr(colon + 1);
  int port = 0;
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos ||
      (port = std::stoi(port_text)) > 65535) {
    return Status::InvalidArgument(usage);
  }
  in6_addr v6{};
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) != 1 &&
      ::inet_pton(AF_INET6, host.c_str(), &v6) != 1) {
    return Status::InvalidArgument(fmt::format(
        "--listen: '{}' is not an IP address; give the address to bind (127.0.0.1, 0.0.0.0, ::1)",
        host));
  }
  return ListenAddress{host, port};
}

// The canonical role (slave → agent), or the text itself when it is no role.
std::string RoleName(const std::string& text) { return NormalizeRole(text).value_or(text); }

bool IsLoopback(const std::string& host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return host == "::1";
}

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
    if (!IsLoopback(text)) found = text;
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
  server::NodeTarget node{.ip = text, .port = default_port, .role = "agent"};
  if (const size_t equals = node.ip.find('='); equals != std::string::npos) {
    node.role = server::DcosRoleName(RoleName(node.ip.substr(equals + 1)));
    node.ip.resize(equals);
  }
  if (!node.ip.empty() && node.ip.front() == '[') {
    const size_t close = node.ip.find(']');
    if (close == std::string::npos)
      return Status::InvalidArgument("--nodes: missing ']' in " + text);
    const std::string rest = node.ip.substr(close + 1);
    node.ip = node.ip.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || rest.size() < 2) {
        return Status::InvalidArgument("--nodes: '" + text + "' is not [ADDRESS]:PORT");
      }
      node.port = std::atoi(rest.c_str() + 1);
    }
  } else if (std::count(node.ip.begin(), node.ip.end(), ':') == 1) {
    const size_t colon = node.ip.find(':');
    node.port = std::atoi(node.ip.c_str() + colon + 1);
    node.ip.resize(colon);
  }
  in6_addr v6{};
  in_addr v4{};
  if (::inet_pton(AF_INET, node.ip.c_str(), &v4) != 1 &&
      ::inet_pton(AF_INET6, node.ip.c_str(), &v6) != 1) {
    return Status::InvalidArgument(fmt::format(
        "--nodes: '{}' is not ADDRESS[:PORT][=ROLE] with an IP address (e.g. 10.0.0.2:1050=agent)",
        text));
  }
  if (node.port < 1 || node.port > 65535) {
    return Status::InvalidArgument(fmt::format("--nodes: '{}': port out of range 1..65535", text));
  }
  if (node.role != "master" && node.role != "agent" && node.role != "agent_public") {
    return Status::InvalidArgument(
        fmt::format("--nodes: '{}': role must be master, agent or public_agent", text));
  }
  return node;
}

Result<std::vector<server::NodeTarget>> NodeList(const ServeFlags& flags) {
  std::vector<server::NodeTarget> nodes;
  for (const std::string& item : SplitNameList(flags.nodes)) {
    Result<server::NodeTarget> node = ParseNode(item, flags.node_port);
    if (!node) return node.error();
    nodes.push_back(*node);
  }
  if (!nodes.empty() || flags.config.empty() || RoleName(flags.request.role) != "master") {
    return nodes;
  }
  // A master with the cluster config polls every node the config names.
  std::optional<ClusterConfig> config =
      LoadClusterConfigOrReport(flags.config, ConfigMode::kNode, false);
  if (!config)
    return Status::InvalidArgument(fmt::format("--config: '{}' is not usable", flags.config));
  auto add = [&](const std::vector<std::string>& list, const char* role) {
    for (const std::string& ip : list)
      nodes.push_back({.ip = ip, .port = flags.node_port, .role = role});
  };
  add(config->master_list, "master");
  add(config->agent_list, "agent");
  add(config->public_agent_list, "agent_public");
  return nodes;
}

Result<server::HealthRunSetup> LoadSetup(const ServeFlags& flags) {
  server::HealthRunSetup setup;
  std::optional<RuleSet> rules = LoadRulesOrReport(flags.rules);
  if (!rules) return Status::InvalidArgument("the rules have errors (listed above)");
  setup.rules = std::move(*rules);
  RunRequest request = flags.request;
  if (request.phase.empty()) request.phase = "health";
  request.builtin_rules = flags.rules.empty();
  Result<RunOptions> options = ResolveRunRequest(request, setup.rules);
  if (!options) return options.error();
  setup.options = std::move(*options);
  Result<std::vector<server::NodeTarget>> nodes = NodeList(flags);
  if (!nodes) return nodes.error();
  setup.nodes = std::move(*nodes);
  return setup;
}

int RunServe(ServeFlags& flags) {
  // Two malloc arenas, not eight per core: the request threads allocate little, and a daemon that
  // runs for the cluster's life should not hold an arena per thread it ever ran.
  ::mallopt(M_ARENA_MAX, 2);
  Result<ListenAddress> listen = ParseListen(flags.listen);
  if (!listen) return UsageError(listen.error().message());
  if (flags.request.role.empty()) {
    return UsageError("--role: give this node's role (master, agent or public_agent)");
  }
  std::string token;
  if (!flags.token_file.empty()) {
    Result<std::string> read = ReadToken(flags.token_file);
    if (!read) return UsageError(read.error().message());
    token = *read;
  } else if (!IsLoopback(listen->host)) {
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
  if (flags.pull_parallelism < 1 || flags.pull_parallelism > 256) {
    return UsageError("--pull-parallelism: out of range 1..256");
  }
  if (flags.node_port < 1 || flags.node_port > 65535) {
    return UsageError("--node-port: out of range 1..65535");
  }
  // Checked once here, so that a mistake is a usage error now rather than a log line later.
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

  HostContext host;
  host.root = HostContext::LiveRootAsSlash(flags.root);
  host.docker_socket = flags.docker_socket;
  host.systemd_bus = flags.systemd_bus;
  host.journal_directory = flags.journal_directory;
  host.commands = &LocalCommandRunner::Shared();

  bool first_used = false;
  server::HealthDaemon daemon(
      options,
      [&flags, &first, &first_used]() -> Result<server::HealthRunSetup> {
        if (!first_used) {
          first_used = true;
          return std::move(*first);
        }
        return LoadSetup(flags);
      },
      host, ProbeRegistry::Global());
  server::HealthApiOptions api;
  api.token = token;
  server::RegisterHealthApi(server.routes(), api, daemon.Hooks());

  if (Status listening = server.Listen(); !listening.ok()) {
    log->critical(listening.message());
    return kExitError;
  }
  if (Status started = daemon.Start(); !started.ok()) {
    log->critical(started.ToString());
    return kExitError;
  }
  StopSignals signals([&daemon, log] {
    log->info("SIGHUP: reloading the rules and the node list");
    daemon.Reload();
  });
  std::jthread http_thread([&server] { server.Serve(); });
  log->info(fmt::format("serving on {}:{} ({}), health runs every {}", listen->host, server.port(),
                        token.empty() ? "no token: loopback only" : "bearer token required",
                        FormatDuration(*interval)));
  sd_notify(0, "READY=1");
  uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  const auto tick =
      watchdog ? std::chrono::microseconds(watchdog_usec / 2) : std::chrono::microseconds(200000);
  while (!signals.token().stop_requested()) {
    std::this_thread::sleep_for(
        std::min<std::chrono::microseconds>(tick, std::chrono::microseconds(200000)));
    static auto last_ping = std::chrono::steady_clock::now();
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
  cmd->add_option("--root", flags->root, "Read host files under DIR (default /)");
  cmd->add_option("--docker-socket", flags->docker_socket, "Docker Engine API socket");
  cmd->add_option("--systemd-bus", flags->systemd_bus,
                  "systemd manager's D-Bus address (default unix:path=/run/systemd/private)");
  cmd->add_option("--journal-directory", flags->journal_directory,
                  "Read unit journals from this directory instead of the host's journal");
  cmd->callback([flags, exit_code] { *exit_code = RunServe(*flags); });
}

}  // namespace flightcheck::cli
