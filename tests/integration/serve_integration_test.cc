// `flightcheck serve` over real HTTP: the binary as systemd would run it, its routes read with a
// real HTTP client, its limits hit with raw sockets, its aggregation over several daemons on
// loopback addresses, and its metrics checked by promtool and scraped by a real Prometheus.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/http_responder.h"
#include "tests/testbed/process.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/systemd_user_manager.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr char kRules[] = R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: health
rules:
  - id: smoke.etc-exists
    title: /etc exists
    probe: {file: {path: /etc}}
    expect: {exists: true}
  - id: smoke.absent
    title: a file that is not there
    probe: {file: {path: /nonexistent-flightcheck-serve-test}}
    expect: {exists: true}
)";

constexpr char kPassingRules[] = R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: health
rules:
  - id: smoke.etc-exists
    probe: {file: {path: /etc}}
    expect: {exists: true}
)";

const std::string kUsageHint = "Run 'flightcheck --help' for usage.\n";

constexpr char kToken[] = "0123456789abcdef0123456789abcdef";

// A `flightcheck serve` child on host:<port the kernel picks>, found in its log.
class Serve {
 public:
  bool Start(const ScopedTempDir& dir, const std::string& name, std::vector<std::string> args,
             const std::string& host = "127.0.0.1", int port = 0) {
    log_ = dir.path() / (name + ".log");
    std::vector<std::string> argv = {FLIGHTCHECK_BINARY, "serve",
                                     "--listen",         fmt::format("{}:{}", host, port),
                                     "--interval",       "1s"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (!process_.Start(argv, log_)) return false;
    host_ = host;
    const auto until = steady_clock::now() + milliseconds(10000);
    const std::regex serving(R"(serving on [^ ]+:(\d+) )");
    while (steady_clock::now() < until && process_.running()) {
      std::smatch match;
      const std::string log = Log();
      if (std::regex_search(log, match, serving)) {
        port_ = std::stoi(match[1].str());
        return true;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }

  // Waits until the first health run was published (/healthz is no longer "starting").
  bool WaitForFirstRun(const httplib::Headers& headers = {}) {
    const auto until = steady_clock::now() + milliseconds(10000);
    while (steady_clock::now() < until) {
      httplib::Client client = Client();
      if (auto res = client.Get("/healthz", headers);
          res && res->body.find("starting") == std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }

  httplib::Client Client() const {
    httplib::Client client(host_, port_);
    client.set_read_timeout(10, 0);
    return client;
  }
  std::string Log() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  int port() const { return port_; }
  const std::string& host() const { return host_; }
  ChildProcess& process() { return process_; }

  // The daemon's memory map, from /proc: which shared objects it has loaded.
  std::string Maps() const {
    std::ifstream in(fmt::format("/proc/{}/maps", process_.pid()));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // VmRSS in KiB, from /proc.
  long RssKib() const {
    std::ifstream status(fmt::format("/proc/{}/status", process_.pid()));
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
  }

 private:
  ChildProcess process_;
  std::filesystem::path log_;
  std::string host_;
  int port_ = 0;
};

// Sends raw bytes and returns the status line of the answer ("" when none came).
std::string RawRequest(int port, const std::string& head, size_t body_bytes = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return "";
  }
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  // The server answers and closes as soon as it has seen enough; sending stops then.
  size_t sent = 0;
  while (sent < head.size()) {
    const ssize_t n = ::send(fd, head.data() + sent, head.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  const std::string chunk(64 << 10, 'x');
  for (size_t body = 0; body < body_bytes && sent == head.size();) {
    const ssize_t n =
        ::send(fd, chunk.data(), std::min(chunk.size(), body_bytes - body), MSG_NOSIGNAL);
    if (n <= 0) break;
    body += static_cast<size_t>(n);
  }
  std::string answer;
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) answer.append(buffer, n);
  ::close(fd);
  return answer.substr(0, answer.find("\r\n"));
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = dir_.WriteFile("health.yaml", kRules).string();
    token_file_ = dir_.WriteFile("token", kToken).string();
    ::chmod(token_file_.c_str(), 0600);
  }
  ScopedTempDir dir_;
  std::string rules_, token_file_;
};

TEST_F(ServeTest, ServesTheNodeReportHealthzMetricsAndResults) {
  Serve serve;
  ASSERT_TRUE(serve.Start(dir_, "serve", {"--role", "master", "--rules", rules_})) << serve.Log();
  ASSERT_TRUE(serve.WaitForFirstRun()) << serve.Log();
  httplib::Client client = serve.Client();

  auto healthz = client.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 503);
  const nlohmann::json health = nlohmann::json::parse(healthz->body);
  EXPECT_EQ(health["failing"], nlohmann::json({"smoke.absent"}));

  auto node = client.Get("/system/health/v1");
  ASSERT_TRUE(node);
  ASSERT_EQ(node->status, 200);
  const nlohmann::json report = nlohmann::json::parse(node->body);
  EXPECT_EQ(report.size(), 7u) << report.dump();
  EXPECT_EQ(report["node_role"], "master");
  EXPECT_EQ(report["ip"], "127.0.0.1");

  auto results = client.Get("/api/v1/results");
  ASSERT_TRUE(results);
  const nlohmann::json json = nlohmann::json::parse(results->body);
  EXPECT_EQ(json["schema"], "flightcheck/report/v1");
  EXPECT_EQ(json["summary"]["fail"], 1);
  EXPECT_EQ(json["phase"], "health");

  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find(
                R"(flightcheck_rule_status{rule="smoke.absent",phase="health",status="fail"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("flightcheck_health_runs_total "), std::string::npos);

  // The runs go on: the counter grows with the interval (1 s).
  auto runs = [&client] {
    auto res = client.Get("/metrics");
    std::smatch match;
    const std::string body = res ? res->body : "";
    return std::regex_search(body, match, std::regex(R"(flightcheck_health_runs_total (\d+))"))
               ? std::stoi(match[1].str())
               : -1;
  };
  const int before = runs();
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_GE(runs(), before + 1);

  // The 3DT tree of this node alone; unknown ids are 404 with 3DT's text.
  auto nodes = client.Get("/system/health/v1/nodes");
  ASSERT_TRUE(nodes);
  EXPECT_EQ(nlohmann::json::parse(nodes->body)["nodes"][0]["host_ip"], "127.0.0.1");
  auto unknown = client.Get("/system/health/v1/units/nope.service");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(unknown->body, "nope.service not found\n");

  // No rule fetched a URL and nothing wrote an archive: libcurl and libarchive (and their closure
  // of GnuTLS, Kerberos, ICU...) were never loaded (checks/shared_library.h).
  const std::string maps = serve.Maps();
  EXPECT_EQ(maps.find("libcurl"), std::string::npos) << maps;
  EXPECT_EQ(maps.find("libarchive"), std::string::npos) << maps;
  EXPECT_NE(maps.find("libsystemd"), std::string::npos) << maps;  // a linked one is listed
}

TEST_F(ServeTest, TheCheckRunnerListsAndRuns) {
  Serve serve;
  ASSERT_TRUE(serve.Start(dir_, "serve", {"--role", "agent", "--rules", rules_})) << serve.Log();
  httplib::Client client = serve.Client();
  auto list = client.Get("/system/checks/v1/node/");
  ASSERT_TRUE(list);
  EXPECT_EQ(nlohmann::json::parse(list->body)["smoke.absent"]["description"],
            "a file that is not there");
  auto run = client.Post("/system/checks/v1/node/", R"({"check": ["smoke.etc-exists"]})",
                         "application/json");
  ASSERT_TRUE(run);
  EXPECT_EQ(
      nlohmann::json::parse(run->body),
      nlohmann::json::parse(
          R"({"status": 0, "checks": {"smoke.etc-exists": {"output": "exists true", "status": 0}}})"));
  auto all = client.Post("/system/checks/v1/node/", "", "");  // no body: every check
  ASSERT_TRUE(all);
  EXPECT_EQ(nlohmann::json::parse(all->body)["status"], 2);
  auto missing =
      client.Post("/system/checks/v1/node/", R"({"check": ["nope"]})", "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, "missing checks: [nope]\n");
  auto bad_type = client.Post("/system/checks/v1/node/", "x", "text/plain");
  ASSERT_TRUE(bad_type);
  EXPECT_EQ(bad_type->status, 415);
  auto bad_json = client.Post("/system/checks/v1/node/", "{", "application/json");
  ASSERT_TRUE(bad_json);
  EXPECT_EQ(bad_json->status, 400);
  auto wrong_kind = client.Get("/system/checks/v1/galaxy/");
  ASSERT_TRUE(wrong_kind);
  EXPECT_EQ(wrong_kind->status, 404);
  EXPECT_EQ(wrong_kind->body, "unrecognized check type: galaxy\n");
  auto cluster = client.Post("/system/checks/v1/cluster/", "", "");
  ASSERT_TRUE(cluster);
  EXPECT_EQ(nlohmann::json::parse(cluster->body),
            nlohmann::json::parse(R"({"status": 3, "checks": {},
                "error": "no cluster checks are defined on this node"})"));  // not OK

  // Rules tagged `cluster` are the cluster checks, and only they.
  const std::string scoped = dir_.WriteFile("scoped.yaml", R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: health
rules:
  - id: scope.node
    probe: {file: {path: /etc}}
    expect: {exists: true}
  - id: scope.cluster
    title: seen from this node, the cluster is whole
    tags: [cluster]
    probe: {file: {path: /nonexistent-flightcheck-cluster}}
    expect: {exists: true}
)")
                                 .string();
  Serve master;
  ASSERT_TRUE(master.Start(dir_, "scoped", {"--role", "master", "--rules", scoped}))
      << master.Log();
  httplib::Client scoped_client = master.Client();
  const nlohmann::json cluster_list =
      nlohmann::json::parse(scoped_client.Get("/system/checks/v1/cluster/")->body);
  EXPECT_EQ(cluster_list.size(), 1u) << cluster_list.dump();
  EXPECT_EQ(cluster_list["scope.cluster"]["description"],
            "seen from this node, the cluster is whole");
  const nlohmann::json node_list =
      nlohmann::json::parse(scoped_client.Get("/system/checks/v1/node/")->body);
  EXPECT_EQ(node_list.size(), 1u) << node_list.dump();
  EXPECT_TRUE(node_list.contains("scope.node"));
  const nlohmann::json cluster_run =
      nlohmann::json::parse(scoped_client.Post("/system/checks/v1/cluster/", "", "")->body);
  EXPECT_EQ(cluster_run["status"], 2) << cluster_run.dump();
  EXPECT_EQ(cluster_run["checks"].size(), 1u) << cluster_run.dump();
  EXPECT_EQ(cluster_run["checks"]["scope.cluster"]["status"], 2);
  auto other_scope = scoped_client.Post("/system/checks/v1/cluster/",
                                        R"({"check": ["scope.node"]})", "application/json");
  ASSERT_TRUE(other_scope);
  EXPECT_EQ(other_scope->status, 404);
  EXPECT_EQ(other_scope->body, "missing checks: [scope.node]\n");
  // Read-only everywhere else.
  auto post = client.Post("/metrics", "", "");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  auto del = client.Delete("/system/health/v1");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
}

TEST_F(ServeTest, ATokenIsRequiredOnEveryRouteButHealthz) {
  Serve serve;
  ASSERT_TRUE(serve.Start(dir_, "serve",
                          {"--role", "master", "--rules", rules_, "--token-file", token_file_}))
      << serve.Log();
  httplib::Client client = serve.Client();
  for (const std::string path : {"/system/health/v1", "/metrics", "/api/v1/results",
                                 "/system/health/v1/units", "/system/checks/v1/node/"}) {
    auto none = client.Get(path);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401) << path;
    EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer realm=\"flightcheck\"");
    auto wrong = client.Get(path, {{"Authorization", "Bearer 0123456789abcdef0123456789abcdeX"}});
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401) << path;
    auto right = client.Get(path, {{"Authorization", std::string("Bearer ") + kToken}});
    ASSERT_TRUE(right);
    EXPECT_EQ(right->status, 200) << path;
    auto dcos = client.Get(path, {{"Authorization", std::string("token=") + kToken}});
    ASSERT_TRUE(dcos);
    EXPECT_EQ(dcos->status, 200) << path;
  }
  auto post = client.Post("/system/checks/v1/node/", "", "");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 401);
  ASSERT_TRUE(serve.WaitForFirstRun());
  auto healthz = client.Get("/healthz");  // for load balancers, which send no token
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 503);
  EXPECT_EQ(serve.Log().find(kToken), std::string::npos);  // never logged
}

TEST_F(ServeTest, BadStartsAreRefusedWithTheReason) {
  const CliRun open = RunFlightcheck({"serve", "--role", "master", "--listen", "0.0.0.0:18999"});
  EXPECT_EQ(open.exit_code, 64);
  EXPECT_EQ(open.err,
            "flightcheck: error: --listen 0.0.0.0:18999: a non-loopback address needs "
            "--token-file (clients send \"Authorization: Bearer <token>\"); without one, bind "
            "127.0.0.1 and put a proxy with authentication in front\n" +
                kUsageHint);
  ::chmod(token_file_.c_str(), 0644);
  const CliRun readable = RunFlightcheck(
      {"serve", "--role", "master", "--listen", "0.0.0.0:18999", "--token-file", token_file_});
  EXPECT_EQ(readable.exit_code, 64);
  EXPECT_EQ(readable.err, fmt::format("flightcheck: error: --token-file: '{}' is readable by "
                                      "others (mode 0644); chmod 600 it\n",
                                      token_file_) +
                              kUsageHint);
  const std::string short_token = dir_.WriteFile("short", "abc\n").string();
  ::chmod(short_token.c_str(), 0600);
  EXPECT_EQ(RunFlightcheck({"serve", "--role", "master", "--token-file", short_token}).exit_code,
            64);
  // Every other flag a user can get wrong, and what they are told.
  const std::string cert = dir_.WriteFile("cert.pem", "not a certificate\n").string();
  const std::string bad_config =
      dir_.WriteFile("bad-config.yaml", "master_list: [10.0.0.1\n").string();
  const struct {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"--listen", "localhost"},
       "--listen: no port in 'localhost'; give HOST:PORT with an IP address (e.g. "
       "127.0.0.1:1050, [::1]:1050, 0.0.0.0:1050)"},
      {{"--listen", "localhost:1050"},
       "--listen: 'localhost' is not an IP address; give the address to bind (127.0.0.1, "
       "0.0.0.0, ::1)"},
      {{"--listen", "127.0.0.1:http"},
       "--listen: invalid port 'http' in '127.0.0.1:http'; give HOST:PORT with an IP address "
       "(e.g. 127.0.0.1:1050, [::1]:1050, 0.0.0.0:1050)"},
      {{"--pull-timeout", "10ms"},
       "--pull-timeout: '10ms' is not a duration of at least 100ms (e.g. 3s)"},
      {{"--pull-parallelism", "0"}, "--pull-parallelism: out of range 1..256"},
      {{"--node-port", "70000"}, "--node-port: out of range 1..65535"},
      {{"--nodes", "10.0.0.1:99999"},
       "--nodes: port 99999 in '10.0.0.1:99999' is out of range 1-65535; give "
       "ADDRESS[:PORT][=ROLE] (e.g. 10.0.0.2:1050=agent)"},
      {{"--nodes", "db.example:1050"},
       "--nodes: 'db.example' is not an IP address; give ADDRESS[:PORT][=ROLE] (e.g. "
       "10.0.0.2:1050=agent)"},
      {{"--root", "/nonexistent-flightcheck-root"},
       "--root: '/nonexistent-flightcheck-root' is not a directory"},
      {{"--tls-cert", cert},
       "--tls-cert and --tls-key go together: give both (PEM files) or neither"},
      {{"--tls-cert", cert, "--tls-key", cert},
       fmt::format("cannot load the TLS certificate '{0}' and key '{0}' (PEM, matching pair)",
                   cert)},
      {{"--config", bad_config},
       fmt::format("--config: '{}' has errors (listed above)", bad_config)},
      {{"--bundle-dir", cert},
       fmt::format("--bundle-dir: bundle directory '{}': Not a directory", cert)},
      {{"--sources", cert},
       "--sources: only with --bundle-dir: they are the node bundle API's sources"},
      {{"--bundle-timeout", "5"},
       "--bundle-timeout: '5' is not a duration of at least 1s (e.g. 30m)"},
      {{"--results-file", cert + "/results.json"},
       fmt::format("--results-file: cannot make directory '{}' (Not a directory); name a file "
                   "in a directory the daemon may write",
                   cert)},
      {{"--results-file", dir_.path().string()},
       fmt::format("--results-file: '{}' exists and is not a regular file; name a file the "
                   "daemon may replace",
                   dir_.path().string())},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {"serve", "--role", "master", "--rules", rules_};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const CliRun run = RunFlightcheck(argv);
    EXPECT_EQ(run.exit_code, 64) << c.args[0];
    EXPECT_NE(run.err.find("flightcheck: error: " + c.message + "\n" + kUsageHint),
              std::string::npos)
        << run.err;
  }
  // A broken config's problems come first, each with where it is.
  const CliRun config =
      RunFlightcheck({"serve", "--role", "master", "--rules", rules_, "--config", bad_config});
  EXPECT_NE(config.err.find(bad_config + ":2:1: invalid YAML: did not find expected ','"),
            std::string::npos)
      << config.err;
  // Bundle sources with a mistake: where it is, and the daemon does not start.
  const std::string sources = dir_.WriteFile("sources.yaml",
                                             "apiVersion: flightcheck/v1\nkind: BundleSources\n"
                                             "sources:\n  - id: x\n    comand: {argv: [ls]}\n")
                                  .string();
  const CliRun bad_sources =
      RunFlightcheck({"serve", "--role", "master", "--rules", rules_, "--bundle-dir",
                      dir_.path().string(), "--sources", sources});
  EXPECT_EQ(bad_sources.exit_code, 65);
  EXPECT_NE(bad_sources.err.find(sources + ":5:5: unknown key 'comand' (did you mean 'command'?)"),
            std::string::npos)
      << bad_sources.err;
  EXPECT_NE(bad_sources.err.find("flightcheck: error: " + sources +
                                 " has 2 problems; the daemon did not start\n"),
            std::string::npos)
      << bad_sources.err;
  const CliRun interval = RunFlightcheck({"serve", "--role", "master", "--interval", "10ms"});
  EXPECT_EQ(interval.exit_code, 64);
  EXPECT_EQ(interval.err,
            "flightcheck: error: --interval: '10ms' is not a duration of at least 1s (e.g. 60s)\n" +
                kUsageHint);
  const CliRun nodes =
      RunFlightcheck({"serve", "--role", "master", "--rules", rules_, "--nodes", "10.0.0.1=boss"});
  EXPECT_EQ(nodes.exit_code, 64);
  EXPECT_EQ(nodes.err,
            "flightcheck: error: --nodes: '10.0.0.1=boss': role must be master, agent or "
            "public_agent\n" +
                kUsageHint);
  // The port is taken: the daemon says so and exits non-zero.
  Serve first;
  ASSERT_TRUE(first.Start(dir_, "first", {"--role", "master", "--rules", rules_}));
  const CliRun taken = RunFlightcheck({"serve", "--role", "master", "--rules", rules_, "--listen",
                                       fmt::format("127.0.0.1:{}", first.port())});
  EXPECT_EQ(taken.exit_code, 3);
  EXPECT_NE(taken.err.find(fmt::format("cannot listen on 127.0.0.1:{}", first.port())),
            std::string::npos)
      << taken.err;
}

// HTTPS with a certificate and key: curl, trusting that certificate, gets the tree; the token is
// still required; plain HTTP on the TLS port gets no answer.
TEST_F(ServeTest, ServesHttpsWithACertificateAndKey) {
  const std::string cert = (dir_.path() / "tls.crt").string();
  const std::string key = (dir_.path() / "tls.key").string();
  const CliRun made = RunFlightcheckScript(
      fmt::format("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                  "-addext subjectAltName=IP:127.0.0.1 -keyout '{}' -out '{}' 2>&1",
                  key, cert));
  ASSERT_EQ(made.exit_code, 0) << made.out;
  Serve serve;
  ASSERT_TRUE(serve.Start(dir_, "tls",
                          {"--role", "agent", "--rules", rules_, "--tls-cert", cert, "--tls-key",
                           key, "--token-file", token_file_}))
      << serve.Log();
  const auto curl = [&](const std::string& options) {
    return RunFlightcheckScript(
        fmt::format("curl -sS --max-time 10 -o /dev/null -w '%{{http_code}}' {} 2>&1", options));
  };
  const std::string url = fmt::format("https://127.0.0.1:{}/system/health/v1", serve.port());
  const CliRun ok =
      curl(fmt::format("--cacert '{}' -H 'Authorization: Bearer {}' {}", cert, kToken, url));
  EXPECT_EQ(ok.out, "200") << ok.out << serve.Log();
  EXPECT_EQ(curl(fmt::format("--cacert '{}' {}", cert, url)).out, "401");
  // Not trusting the certificate: curl refuses the connection.
  EXPECT_NE(curl(url).exit_code, 0);
  const CliRun plain = curl(fmt::format("http://127.0.0.1:{}/system/health/v1", serve.port()));
  EXPECT_NE(plain.out.substr(0, 3), "200") << plain.out;
}

TEST_F(ServeTest, EveryPathParameterRefusesTraversal) {
  Serve serve;
  ASSERT_TRUE(serve.Start(dir_, "serve", {"--role", "master", "--rules", rules_}));
  ASSERT_TRUE(serve.WaitForFirstRun());
  const std::vector<std::string> patterns = {"/system/health/v1/units/{}",
                                             "/system/health/v1/units/{}/nodes",
                                             "/system/health/v1/units/{}/nodes/x",
                                             "/system/health/v1/units/x/nodes/{}",
                                             "/system/health/v1/nodes/{}",
                                             "/system/health/v1/nodes/{}/units",
                                             "/system/health/v1/nodes/{}/units/x",
                                             "/system/health/v1/nodes/x/units/{}",
                                             "/system/checks/v1/{}/"};
  const std::vector<std::string> hostile = {"..",
                                            "%2e%2e",
                                            "%2E%2E",
                                            "a%00b",
                                            "%00",
                                            "..%2f..%2fetc%2fpasswd",
                                            "%2fetc%2fpasswd",
                                            "/etc/passwd",
                                            "..%5c.."};
  httplib::Client client = serve.Client();
  for (const std::string& pattern : patterns) {
    for (const std::string& id : hostile) {
      const std::string path = fmt::format(fmt::runtime(pattern), id);
      auto res = client.Get(path);
      ASSERT_TRUE(res) << path;
      EXPECT_GE(res->status, 400) << path;
      EXPECT_LT(res->status, 500) << path;
      EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
    }
  }
}

// The 3DT node bundle API (§3.5) on a real daemon: a bundle made of this host's real sources,
// downloaded, verified by `flightcheck bundle verify`, deleted; every status code of the API.
TEST_F(ServeTest, TheNodeBundleApiMakesServesAndDeletesBundles) {
  const std::filesystem::path bundles = dir_.path() / "bundles";
  // The built-in sources, extended by the cluster's (as install.sh passes bundle.yaml).
  const std::string sources =
      dir_.WriteFile("sources.yaml",
                     "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                     "  - id: cmd.site-marker\n    command: {argv: [echo, site-marker]}\n"
                     "  - id: file.hosts\n    disabled: true\n"
                     "  - id: file.health-results\n    file: {path: " +
                         (dir_.path() / "state/health-results.json").string() + "}\n")
          .string();
  // The daemon's latest results, written where a bundle source collects them (made with its
  // directory).
  const std::filesystem::path results = dir_.path() / "state/health-results.json";
  Serve serve;
  ASSERT_TRUE(serve.Start(
      dir_, "serve",
      {"--role", "agent", "--rules", rules_, "--token-file", token_file_, "--bundle-dir",
       bundles.string(), "--sources", sources, "--results-file", results.string()}))
      << serve.Log();
  for (int i = 0; i < 200 && !std::filesystem::exists(results); ++i) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  const nlohmann::json latest =
      nlohmann::json::parse(testing::ReadTextFile(results), nullptr, false);
  ASSERT_FALSE(latest.is_discarded()) << testing::ReadTextFile(results);
  EXPECT_EQ(latest["schema"], "flightcheck/report/v1") << latest.dump();
  EXPECT_FALSE(latest["results"].empty()) << latest.dump();
  // A second daemon on the same bundle directory is refused: it would take the same ids.
  const testing::CliRun twice =
      testing::RunFlightcheck({"serve", "--role", "agent", "--rules", rules_, "--listen",
                               "127.0.0.1:0", "--bundle-dir", bundles.string()});
  EXPECT_EQ(twice.exit_code, 64) << twice.err;
  EXPECT_NE(twice.err.find(fmt::format("flightcheck: error: --bundle-dir: bundle directory '{}' "
                                       "is in use by another daemon; give each daemon its own "
                                       "directory\n",
                                       bundles.string())),
            std::string::npos)
      << twice.err;
  httplib::Client client = serve.Client();
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
  const std::string base = "/system/health/v1/node/diagnostics";

  auto anonymous = client.Put(base + "/b1", "", "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401) << "the bundle API needs the token too";
  EXPECT_FALSE(std::filesystem::exists(bundles / "b1"));

  auto created = client.Put(base + "/b1", auth, "", "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  EXPECT_EQ(nlohmann::json::parse(created->body)["status"], "Started");
  auto again = client.Put(base + "/b1", auth, "", "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(again->body, R"({"code":409,"error":"bundle b1 already exists"})");

  nlohmann::json state;
  for (int i = 0; i < 200; ++i) {
    auto got = client.Get(base + "/b1", auth);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->status, 200);
    state = nlohmann::json::parse(got->body);
    if (state["status"] != "Started") break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_EQ(state["status"], "Done") << state.dump();
  EXPECT_GT(state["size"].get<int>(), 0);

  auto list = client.Get(base, auth);
  ASSERT_TRUE(list);
  EXPECT_EQ(nlohmann::json::parse(list->body)[0]["id"], "b1");

  auto file = client.Get(base + "/b1/file", auth);
  ASSERT_TRUE(file);
  ASSERT_EQ(file->status, 200);
  EXPECT_EQ(file->get_header_value("Content-Disposition"), "attachment; filename=b1.zip");
  EXPECT_EQ(file->body.size(), state["size"].get<size_t>());
  const std::filesystem::path zip = dir_.WriteFile("b1.zip", file->body);
  const testing::CliRun verify =
      testing::RunFlightcheck({"bundle", "verify", zip.string()}, dir_.path());
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const testing::CliRun inspect =
      testing::RunFlightcheck({"bundle", "inspect", zip.string(), "--format", "json"}, dir_.path());
  const nlohmann::json manifest = nlohmann::json::parse(inspect.out)["manifest"];
  EXPECT_EQ(manifest["items"][0]["path"].get<std::string>().rfind("127.0.0.1_agent/", 0), 0u)
      << manifest.dump();
  std::set<std::string> collected;
  for (const nlohmann::json& item : manifest["items"]) collected.insert(item["source"]);
  EXPECT_TRUE(collected.count("cmd.site-marker")) << manifest.dump();
  EXPECT_TRUE(collected.count("file.os-release")) << "a built-in source: " << manifest.dump();
  EXPECT_FALSE(collected.count("file.hosts")) << "disabled: " << manifest.dump();
  for (const nlohmann::json& item : manifest["items"]) {
    if (item["source"] != "file.health-results") continue;
    EXPECT_TRUE(item["error"].is_null() || item["error"] == "") << item.dump();
    EXPECT_GT(item["bytes"].get<int>(), 0) << item.dump();
  }
  EXPECT_TRUE(collected.count("file.health-results")) << manifest.dump();

  auto deleted = client.Delete(base + "/b1", auth);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200);
  EXPECT_EQ(nlohmann::json::parse(deleted->body)["status"], "Deleted");
  auto gone = client.Get(base + "/b1/file", auth);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 410);
  EXPECT_EQ(gone->body, R"({"code":410,"error":"bundle b1 was Deleted"})");
  auto unknown = client.Get(base + "/nope", auth);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto unknown_file = client.Get(base + "/nope/file", auth);
  ASSERT_TRUE(unknown_file);
  EXPECT_EQ(unknown_file->status, 404);
  auto post = client.Post(base + "/b2", auth, "", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);

  // Ids that could be paths, in every route and method: refused, nothing made outside.
  for (const std::string id :
       {"..", "%2e%2e", ".hidden", "a%00b", "..%2f..%2fetc", "%2fetc", "..%5c..", "a%20b"}) {
    for (const std::string& suffix : {std::string(""), std::string("/file")}) {
      const std::string path = base + "/" + id + suffix;
      auto get = client.Get(path, auth);
      ASSERT_TRUE(get) << path;
      EXPECT_GE(get->status, 400) << path;
      EXPECT_LT(get->status, 500) << path;
      EXPECT_EQ(get->body.find("root:"), std::string::npos) << path;
    }
    auto put = client.Put(base + "/" + id, auth, "", "application/json");
    ASSERT_TRUE(put);
    EXPECT_GE(put->status, 400) << id;
    EXPECT_LT(put->status, 500) << id;
    auto del = client.Delete(base + "/" + id, auth);
    ASSERT_TRUE(del);
    EXPECT_GE(del->status, 400) << id;
    EXPECT_LT(del->status, 500) << id;
  }
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(bundles)) {
    entries.push_back(entry.path().filename().string());
  }
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{".lock", "b1"}));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "etc"));
}

// A port free on 127.0.0.11 (and, as nothing else uses those addresses, on 127.0.0.12-14).
int FreePortOnTestAddresses() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(0x7f00000b);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// 3DT's cluster bundle API (§3.6) over four real daemons, two masters and two agents, one on each
// loopback address of a node list that also names an address where nothing answers: a bundle made
// on one master is refused again on the other, seen, listed, downloaded and deleted from it; it
// holds every node that answered in time, and report.json says why the agent whose part outlasts
// the master's --bundle-timeout (10 s: the other parts take about a second, more on a
// loaded machine) and the address without a daemon are missing.
TEST_F(ServeTest, AClusterBundleMadeOnOneMasterIsSeenFromTheOther) {
  const int port = FreePortOnTestAddresses();
  ASSERT_GT(port, 0);
  const std::string nodes = fmt::format(
      "127.0.0.11:{0}=master,127.0.0.12:{0}=master,127.0.0.13:{0}=agent,127.0.0.14:{0}=agent,"
      "127.0.0.15:{0}=agent",
      port);
  const std::string slow_sources =
      dir_.WriteFile("slow.yaml",
                     "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                     "  - id: cmd.slow\n    command: {argv: [sleep, '31.4158'], timeout: 60s}\n")
          .string();
  const auto args = [&](const std::string& role, const std::string& ip, bool aggregating) {
    std::vector<std::string> argv = {
        "--role",    role,   "--rules", rules_,         "--token-file",
        token_file_, "--ip", ip,        "--bundle-dir", (dir_.path() / ("bundles-" + ip)).string()};
    if (aggregating) argv.insert(argv.end(), {"--nodes", nodes, "--bundle-timeout", "10s"});
    return argv;
  };
  Serve first, second, agent, slow;
  ASSERT_TRUE(agent.Start(dir_, "agent", args("agent", "127.0.0.13", false), "127.0.0.13", port))
      << agent.Log();
  std::vector<std::string> slow_args = args("agent", "127.0.0.15", false);
  slow_args.insert(slow_args.end(), {"--sources", slow_sources});
  ASSERT_TRUE(slow.Start(dir_, "slow", slow_args, "127.0.0.15", port)) << slow.Log();
  ASSERT_TRUE(first.Start(dir_, "first", args("master", "127.0.0.11", true), "127.0.0.11", port))
      << first.Log();
  ASSERT_TRUE(second.Start(dir_, "second", args("master", "127.0.0.12", true), "127.0.0.12", port))
      << second.Log();
  ASSERT_TRUE(first.WaitForFirstRun() && second.WaitForFirstRun());
  httplib::Client on_first = first.Client(), on_second = second.Client();
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
  const std::string base = "/system/health/v1/diagnostics";

  // Bodies a user can get wrong, each refused with why.
  for (const auto& [body, error] : std::vector<std::pair<std::string, std::string>>{
           {"[true]",
            "the body must be a JSON object such as {\"masters\": true, \"agents\": "
            "false}"},
           {R"({"agent": true})", "unknown key 'agent' in the body; it takes masters and agents"},
           {R"({"masters": "yes"})", "masters must be true or false"},
           {R"({"masters": false, "agents": false})",
            "masters and agents are both false: there is nothing to collect"}}) {
    auto refused = on_first.Put(base + "/c1", auth, body, "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 400) << body;
    EXPECT_EQ(nlohmann::json::parse(refused->body)["error"], error) << body;
  }
  auto anonymous = on_first.Put(base + "/c1", "", "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);

  auto created =
      on_first.Put(base + "/c1", auth, R"({"masters": true, "agents": true})", "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  EXPECT_EQ(nlohmann::json::parse(created->body)["type"], "Cluster");
  auto again = on_second.Put(base + "/c1", auth, "", "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;
  EXPECT_EQ(nlohmann::json::parse(again->body)["error"],
            "bundle c1 already exists on master 127.0.0.11");

  // Seen from the other master until it is done.
  nlohmann::json state;
  for (int i = 0; i < 600; ++i) {
    auto got = on_second.Get(base + "/c1", auth);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->status, 200) << got->body;
    state = nlohmann::json::parse(got->body);
    if (state["status"] != "Started") break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_EQ(state["status"], "Done") << state.dump() << first.Log();
  EXPECT_EQ(state["type"], "Cluster");
  ASSERT_EQ(state["errors"].size(), 2u) << state.dump();
  EXPECT_THAT(state["errors"][0].get<std::string>(),
              ::testing::StartsWith("127.0.0.14 (agent): unreachable: cannot reach"));
  EXPECT_THAT(state["errors"][1].get<std::string>(),
              ::testing::StartsWith("127.0.0.15 (agent): timeout: its bundle was not done within "
                                    "10 s (last status: "));

  auto list = on_second.Get(base, auth);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200) << list->body;
  bool listed = false;
  for (const nlohmann::json& item : nlohmann::json::parse(list->body)) {
    listed = listed || (item["id"] == "c1" && item["type"] == "Cluster");
  }
  EXPECT_TRUE(listed) << list->body;

  auto file = on_second.Get(base + "/c1/file", auth);
  ASSERT_TRUE(file);
  ASSERT_EQ(file->status, 200) << file->body;
  EXPECT_EQ(file->get_header_value("Content-Disposition"), "attachment; filename=c1.zip");
  const std::filesystem::path zip = dir_.WriteFile("c1.zip", file->body);
  const CliRun verify = RunFlightcheck({"bundle", "verify", zip.string()}, dir_.path());
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const std::string entries = RunShell("unzip -Z1 " + ShellQuoted(zip)).output;
  for (const char* directory : {"127.0.0.11_master/", "127.0.0.12_master/", "127.0.0.13_agent/"}) {
    EXPECT_NE(entries.find(std::string(directory) + "manifest.json"), std::string::npos)
        << directory << "\n"
        << entries;
  }
  EXPECT_EQ(entries.find("127.0.0.14"), std::string::npos) << entries;
  EXPECT_EQ(entries.find("127.0.0.15"), std::string::npos) << entries;
  const nlohmann::json report =
      nlohmann::json::parse(RunShell("unzip -p " + ShellQuoted(zip) + " report.json").output);
  EXPECT_EQ(report["collected"], 3);
  EXPECT_EQ(report["missing"], 2);
  for (const nlohmann::json& node : report["nodes"]) {
    if (node["address"] == "127.0.0.14") {
      EXPECT_EQ(node["status"], "unreachable");
      EXPECT_THAT(node["message"].get<std::string>(), ::testing::HasSubstr("cannot reach"));
    } else if (node["address"] == "127.0.0.15") {
      EXPECT_EQ(node["status"], "timeout");
      EXPECT_EQ(node["directory"], nullptr);
    } else {
      EXPECT_EQ(node["status"], "success") << node.dump();
    }
  }
  // Each node's own part was deleted once merged: its metadata says so.
  httplib::Client on_agent = agent.Client();
  auto parts = on_agent.Get("/system/health/v1/node/diagnostics", auth);
  ASSERT_TRUE(parts);
  const nlohmann::json agent_parts = nlohmann::json::parse(parts->body);
  ASSERT_EQ(agent_parts.size(), 1u) << parts->body;
  EXPECT_EQ(agent_parts[0]["status"], "Deleted");
  EXPECT_EQ(agent_parts[0]["type"], "Local");
  // The part the master gave up on was canceled: the slow agent stops collecting it (its
  // command is killed while its daemon runs on) and keeps no file.
  httplib::Client on_slow = slow.Client();
  auto slow_list = on_slow.Get("/system/health/v1/node/diagnostics", auth);
  ASSERT_TRUE(slow_list);
  const nlohmann::json slow_parts = nlohmann::json::parse(slow_list->body);
  ASSERT_EQ(slow_parts.size(), 1u) << slow_list->body;
  EXPECT_EQ(slow_parts[0]["status"], "Canceled") << slow_list->body;
  EXPECT_EQ(slow_parts[0].value("size", 0), 0) << slow_list->body;
  bool sleep_gone = false;
  for (int i = 0; i < 100 && !sleep_gone; ++i) {
    sleep_gone = RunShell("pgrep -f 'sleep 31[.]415[8]'").exit_code == 1;
    if (!sleep_gone) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(sleep_gone) << "the canceled part's command still runs";
  EXPECT_TRUE(slow.process().running()) << slow.Log();

  auto unknown = on_second.Get(base + "/nope", auth);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto deleted = on_second.Delete(base + "/c1", auth);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_EQ(nlohmann::json::parse(deleted->body)["status"], "Deleted");
  auto gone = on_first.Get(base + "/c1/file", auth);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 410) << gone->body;

  // A master that holds it cannot be asked: the other says so rather than "not found".
  first.process().Stop(std::chrono::seconds(10));
  auto unanswered = on_second.Get(base + "/c1", auth);
  ASSERT_TRUE(unanswered);
  EXPECT_EQ(unanswered->status, 503) << unanswered->body;
  EXPECT_THAT(nlohmann::json::parse(unanswered->body)["error"].get<std::string>(),
              ::testing::HasSubstr("cannot ask master http://127.0.0.11:"));
  auto unlisted = on_second.Get(base, auth);
  ASSERT_TRUE(unlisted);
  EXPECT_EQ(unlisted->status, 503) << "never a shortened list: " << unlisted->body;
  EXPECT_THAT(nlohmann::json::parse(unlisted->body)["error"].get<std::string>(),
              ::testing::HasSubstr("http://127.0.0.11:"));
  // An agent's daemon makes no cluster bundles.
  auto on_an_agent = on_agent.Put(base + "/c2", auth, "", "application/json");
  ASSERT_TRUE(on_an_agent);
  EXPECT_EQ(on_an_agent->status, 405);
  slow.process().Stop(std::chrono::seconds(10));
}

TEST_F(ServeTest, OversizedRequestsAreRefusedWithoutTheDaemonGrowing) {
  Serve serve;
  ASSERT_TRUE(serve.Start(dir_, "serve", {"--role", "master", "--rules", rules_}));
  ASSERT_TRUE(serve.WaitForFirstRun());
  // Warm up the worker threads, then measure.
  for (int i = 0; i < 20; ++i) serve.Client().Get("/system/health/v1");
  const long before = serve.RssKib();
  const std::string huge_header =
      "GET /system/health/v1 HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8 << 20, 'a') +
      "\r\n\r\n";
  const std::string many_headers = [] {
    std::string head = "GET /metrics HTTP/1.1\r\n";
    for (int i = 0; i < 1000; ++i) head += fmt::format("X-H{}: {}\r\n", i, std::string(8000, 'b'));
    return head + "\r\n";
  }();
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(RawRequest(serve.port(), huge_header),
              "HTTP/1.1 431 Request Header Fields Too Large");
    EXPECT_EQ(RawRequest(serve.port(), many_headers),
              "HTTP/1.1 431 Request Header Fields Too Large");
    EXPECT_EQ(RawRequest(serve.port(),
                         "POST /system/checks/v1/node/ HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         "application/json\r\nContent-Length: 104857600\r\n\r\n",
                         100 << 20),
              "HTTP/1.1 413 Payload Too Large");
    EXPECT_EQ(RawRequest(serve.port(), "GET /" + std::string(20000, 'u') + " HTTP/1.1\r\n\r\n"),
              "HTTP/1.1 414 URI Too Long");
  }
  const long after = serve.RssKib();
  ASSERT_GT(before, 0);
  EXPECT_LT(after - before, 2048) << "RSS grew from " << before << " KiB to " << after << " KiB";
  auto still = serve.Client().Get("/system/health/v1");
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
}

TEST_F(ServeTest, SigtermEndsARunInProgressWithinASecondAndExitsZero) {
  const std::string slow = dir_.WriteFile("slow.yaml", R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: health
rules:
  - id: slow.sleep
    probe: {command: {argv: [sleep, "30"]}}
    timeout: 60s
    expect: {exit_code: 0}
)")
                               .string();
  Serve serve;
  ASSERT_TRUE(serve.Start(dir_, "serve", {"--role", "agent", "--rules", slow}));
  std::this_thread::sleep_for(milliseconds(300));  // the run is in `sleep 30` now
  const auto started = steady_clock::now();
  ASSERT_EQ(::kill(serve.process().pid(), SIGTERM), 0);
  int status = 0;
  pid_t reaped = 0;
  while (steady_clock::now() - started < milliseconds(3000) &&
         (reaped = ::waitpid(serve.process().pid(), &status, WNOHANG)) == 0) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  const auto took = steady_clock::now() - started;
  ASSERT_EQ(reaped, serve.process().pid()) << serve.Log();
  EXPECT_LT(took, milliseconds(1000));
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << serve.Log();
  EXPECT_EQ(::system("pgrep -f '^sleep 30$' >/dev/null"), 256) << "the probe's sleep survived";
}

TEST_F(ServeTest, SighupReloadsTheRules) {
  const std::string rules = dir_.WriteFile("reload.yaml", kPassingRules).string();
  Serve serve;
  ASSERT_TRUE(serve.Start(dir_, "serve", {"--role", "agent", "--rules", rules}));
  ASSERT_TRUE(serve.WaitForFirstRun());
  ASSERT_EQ(serve.Client().Get("/healthz")->status, 200);
  dir_.WriteFile("reload.yaml", kRules);
  ASSERT_EQ(::kill(serve.process().pid(), SIGHUP), 0);
  const auto until = steady_clock::now() + milliseconds(5000);
  int status = 200;
  while (steady_clock::now() < until && (status = serve.Client().Get("/healthz")->status) == 200) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(status, 503);
  EXPECT_NE(serve.Log().find("reloaded the rules and the node list"), std::string::npos);
  // A broken file on reload keeps the rules that were running.
  dir_.WriteFile("reload.yaml", "rules: [");
  ASSERT_EQ(::kill(serve.process().pid(), SIGHUP), 0);
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_NE(serve.Log().find("reload failed, the previous rules stay"), std::string::npos);
  EXPECT_TRUE(serve.process().running());
  EXPECT_EQ(serve.Client().Get("/healthz")->status, 503);
}

// Five nodes: two healthy daemons, one daemon stopped (killed), one frozen with SIGSTOP (the kernel
// still accepts its connections, nothing answers: slower than any timeout), and one node answering
// 500 (a stand-in: a daemon cannot be made to do that).
TEST_F(ServeTest, AggregationListsUnansweringNodesAsUnknown) {
  const std::string passing = dir_.WriteFile("passing.yaml", kPassingRules).string();
  Serve healthy1, healthy2, stopped, slow;
  ASSERT_TRUE(healthy1.Start(dir_, "n1", {"--role", "agent", "--rules", passing}, "127.0.0.41"));
  ASSERT_TRUE(slow.Start(dir_, "n5", {"--role", "master", "--rules", passing}, "127.0.0.45"));
  ASSERT_TRUE(slow.WaitForFirstRun());
  ASSERT_EQ(::kill(slow.process().pid(), SIGSTOP), 0);
  ASSERT_TRUE(healthy2.Start(dir_, "n2", {"--role", "agent", "--rules", passing}, "127.0.0.42"));
  ASSERT_TRUE(stopped.Start(dir_, "n3", {"--role", "agent", "--rules", passing}, "127.0.0.43"));
  const int stopped_port = stopped.port();
  stopped.process().Stop();
  HttpResponder failing;
  ASSERT_TRUE(failing.ListenTcp());
  failing.Start([](const std::string&) { return HttpResponder::Answer(500, "boom"); });
  const std::string nodes = fmt::format(
      "127.0.0.41:{}=agent,127.0.0.42:{}=public_agent,127.0.0.43:{}=agent,127.0.0.1:{}=agent,"
      "127.0.0.45:{}=master",
      healthy1.port(), healthy2.port(), stopped_port, failing.port(), slow.port());
  Serve master;
  ASSERT_TRUE(master.Start(
      dir_, "master",
      {"--role", "master", "--rules", passing, "--nodes", nodes, "--pull-timeout", "1s"}))
      << master.Log();
  ASSERT_TRUE(healthy1.WaitForFirstRun());
  ASSERT_TRUE(healthy2.WaitForFirstRun());
  httplib::Client client = master.Client();
  const auto started = steady_clock::now();
  auto res = client.Get("/system/health/v1/nodes?cache=0");  // a fresh pull, waited for
  const auto took = steady_clock::now() - started;
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_LT(took, milliseconds(4000));
  EXPECT_FALSE(res->get_header_value("Last-Modified-3DT").empty());
  const nlohmann::json listed = nlohmann::json::parse(res->body)["nodes"];
  ASSERT_EQ(listed.size(), 5u) << res->body;
  std::map<std::string, int> health;
  for (const nlohmann::json& node : listed) {
    health[fmt::format("{}:{}", node["host_ip"].get<std::string>(),
                       node["role"].get<std::string>())] = node["health"];
  }
  EXPECT_EQ(health["127.0.0.41:agent"], 0);
  EXPECT_EQ(health["127.0.0.42:agent_public"], 0);
  EXPECT_EQ(health["127.0.0.43:agent"], 3);
  EXPECT_EQ(health["127.0.0.1:agent"], 3);
  EXPECT_EQ(health["127.0.0.45:master"], 3);
  const nlohmann::json report = nlohmann::json::parse(client.Get("/system/health/v1/report")->body);
  EXPECT_NE(report["Nodes"]["127.0.0.43"]["Error"].get<std::string>().find("cannot reach"),
            std::string::npos)
      << report.dump();
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("flightcheck_cluster_nodes{health=\"3\"} 3"), std::string::npos);
  EXPECT_NE(metrics->body.find("flightcheck_cluster_nodes{health=\"0\"} 2"), std::string::npos);

  // A 404 on a route with two ids names the one the tree does not have.
  const auto not_found = [&client](const std::string& path) {
    auto answer = client.Get(path);
    return answer ? fmt::format("{} {}", answer->status, answer->body) : std::string("no answer");
  };
  EXPECT_EQ(not_found("/system/health/v1/nodes/127.0.0.41/units/nope.service"),
            "404 nope.service not found\n");
  EXPECT_EQ(not_found("/system/health/v1/nodes/10.9.9.9/units/nope.service"),
            "404 10.9.9.9 not found\n");
  EXPECT_EQ(not_found("/system/health/v1/units/nope.service/nodes/127.0.0.41"),
            "404 nope.service not found\n");
  ::kill(slow.process().pid(), SIGCONT);  // so that it can stop at once
}

// A master takes its nodes from the cluster config and follows it: an edit (a node added, written
// as genconf and editors do, by a rename) is picked up without a signal, and one that breaks the
// config keeps the last good node list. The config's values reach the rules as variables.
TEST_F(ServeTest, AMasterFollowsTheClusterConfig) {
  dir_.WriteFile("fcserve", "");
  const std::string rules =
      dir_.WriteFile("config-rules.yaml", fmt::format(R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: health
rules:
  - id: config.cluster-name
    probe: {{file: {{path: "{}/${{cluster_name}}"}}}}
    expect: {{exists: true}}
)",
                                                      dir_.path().string()))
          .string();
  const auto config_text = [](const std::string& agents) {
    return fmt::format(
        "cluster_name: fcserve\nbootstrap_url: http://127.0.0.1:1\nmaster_discovery: static\n"
        "exhibitor_storage_backend: static\nmaster_list: [127.0.0.61]\nagent_list: [{}]\n",
        agents);
  };
  const std::string config = dir_.WriteFile("cluster.yaml", config_text("127.0.0.62")).string();
  Serve master;
  // Port 1: nothing answers there, so every node is listed as unknown at once.
  ASSERT_TRUE(master.Start(dir_, "master",
                           {"--role", "master", "--rules", rules, "--config", config, "--node-port",
                            "1", "--pull-timeout", "1s"}))
      << master.Log();
  ASSERT_TRUE(master.WaitForFirstRun()) << master.Log();
  httplib::Client client = master.Client();
  EXPECT_EQ(client.Get("/healthz")->status, 200) << "cluster_name did not reach the rules";
  const auto node_ips = [&client] {
    auto res = client.Get("/system/health/v1/nodes?cache=0");
    std::set<std::string> ips;
    if (!res || res->status != 200) {
      ADD_FAILURE() << (res ? fmt::format("{} {}", res->status, res->body) : "no answer");
      return ips;
    }
    const nlohmann::json tree = nlohmann::json::parse(res->body);
    for (const nlohmann::json& node : tree["nodes"]) ips.insert(node["host_ip"].get<std::string>());
    return ips;
  };
  EXPECT_EQ(node_ips(), (std::set<std::string>{"127.0.0.61", "127.0.0.62"}));

  dir_.WriteFile("cluster.yaml.new", config_text("127.0.0.62, 127.0.0.63"));
  std::filesystem::rename(dir_.path() / "cluster.yaml.new", config);
  const auto until = steady_clock::now() + milliseconds(8000);
  while (steady_clock::now() < until && node_ips().size() != 3) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(node_ips(), (std::set<std::string>{"127.0.0.61", "127.0.0.62", "127.0.0.63"}))
      << master.Log();
  EXPECT_NE(master.Log().find(config + " changed: reloading the rules and the node list"),
            std::string::npos)
      << master.Log();

  dir_.WriteFile("cluster.yaml", "master_list: [not an address\n");
  const auto failed_until = steady_clock::now() + milliseconds(8000);
  while (steady_clock::now() < failed_until &&
         master.Log().find("reload failed, the previous rules stay") == std::string::npos) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_NE(master.Log().find("reload failed, the previous rules stay"), std::string::npos)
      << master.Log();
  EXPECT_TRUE(master.process().running());
  EXPECT_EQ(node_ips().size(), 3u);
}

TEST_F(ServeTest, PromtoolAcceptsTheMetricsAndPrometheusScrapesThem) {
  Serve serve;
  ASSERT_TRUE(serve.Start(dir_, "serve", {"--role", "master", "--rules", rules_}));
  ASSERT_TRUE(serve.WaitForFirstRun());
  const std::string metrics = serve.Client().Get("/metrics")->body;
  const std::filesystem::path file = dir_.WriteFile("metrics.txt", metrics);
  EXPECT_EQ(::system(fmt::format("promtool check metrics < {} > {} 2>&1", file.string(),
                                 (dir_.path() / "promtool.out").string())
                         .c_str()),
            0)
      << std::ifstream(dir_.path() / "promtool.out").rdbuf();

  const int prometheus_port = 19090;
  dir_.WriteFile("prometheus.yml", fmt::format(R"(global:
  scrape_interval: 1s
scrape_configs:
  - job_name: flightcheck
    static_configs:
      - targets: ["127.0.0.1:{}"]
)",
                                               serve.port()));
  ChildProcess prometheus;
  ASSERT_TRUE(
      prometheus.Start({"prometheus", "--config.file=" + (dir_.path() / "prometheus.yml").string(),
                        "--storage.tsdb.path=" + (dir_.path() / "tsdb").string(),
                        fmt::format("--web.listen-address=127.0.0.1:{}", prometheus_port)},
                       dir_.path() / "prometheus.log"));
  ASSERT_TRUE(WaitForTcp("127.0.0.1", prometheus_port, milliseconds(20000)));
  httplib::Client api("127.0.0.1", prometheus_port);
  auto query = [&api](const std::string& expr) {
    auto res = api.Get("/api/v1/query", httplib::Params{{"query", expr}}, httplib::Headers{});
    return res ? nlohmann::json::parse(res->body, nullptr, false) : nlohmann::json();
  };
  nlohmann::json up;
  const auto until = steady_clock::now() + milliseconds(30000);
  while (steady_clock::now() < until) {
    up = query("up{job=\"flightcheck\"}");
    if (up.is_object() && !up["data"]["result"].empty() &&
        up["data"]["result"][0]["value"][1] == "1") {
      break;
    }
    std::this_thread::sleep_for(milliseconds(250));
  }
  ASSERT_TRUE(up.is_object()) << std::ifstream(dir_.path() / "prometheus.log").rdbuf();
  ASSERT_FALSE(up["data"]["result"].empty()) << up.dump();
  EXPECT_EQ(up["data"]["result"][0]["value"][1], "1");
  const nlohmann::json failing =
      query("flightcheck_rule_status{rule=\"smoke.absent\",status=\"fail\"}");
  ASSERT_FALSE(failing["data"]["result"].empty()) << failing.dump();
  EXPECT_EQ(failing["data"]["result"][0]["value"][1], "1");
  const nlohmann::json runs = query("flightcheck_health_runs_total");
  ASSERT_FALSE(runs["data"]["result"].empty()) << runs.dump();
}

// The node report of a real systemd user manager and its journald: a healthy unit, a failed one
// (its journal lines in its output) and one that keeps exiting and being restarted (flapping, in
// auto-restart most of the time), and /healthz naming both unhealthy ones.
TEST_F(ServeTest, UnitsOfARealSystemdManagerInTheNodeReportAndHealthz) {
  SystemdUserManager manager;
  ASSERT_EQ(manager.Start(), "");
  manager.WriteUnit("fcs-sleep.service",
                    "[Unit]\nDescription=Sleeper: sleeps for the test\n"
                    "[Service]\nExecStart=/bin/sleep 1000\n");
  // Stays 0.3 s after printing, so that journald can still attribute the line to the unit.
  manager.WriteUnit("fcs-fail.service",
                    "[Unit]\nDescription=fails at once\n[Service]\nExecStart=/bin/sh -c 'echo "
                    "FCS-FAIL-MARKER before failing; sleep 0.3; exec /bin/false'\n");
  manager.WriteUnit("fcs-flap.service",
                    "[Unit]\nDescription=Flapper: exits and is restarted\nStartLimitIntervalSec=0\n"
                    "[Service]\nExecStart=/bin/sh -c 'exit 3'\nRestart=always\n"
                    "RestartSec=500ms\n");
  ASSERT_EQ(manager.Systemctl({"daemon-reload"}), 0);
  ASSERT_EQ(manager.Systemctl({"start", "fcs-sleep.service"}), 0);
  (void)manager.Systemctl({"start", "fcs-fail.service"});
  (void)manager.Systemctl({"start", "fcs-flap.service"});
  ASSERT_TRUE(manager.WaitForProperty("fcs-sleep.service", "SubState", "running"));
  ASSERT_TRUE(manager.WaitForProperty("fcs-fail.service", "ActiveState", "failed"));
  ASSERT_TRUE(manager.WaitForProperty("fcs-flap.service", "SubState", "auto-restart"));
  const std::string rules = dir_.WriteFile("units.yaml", R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: health
rules:
  - id: svc.units
    probe: {systemd_unit: {name: "fcs-*.service"}}
    expect: {all_healthy: true}
)")
                                .string();
  Serve serve;
  ASSERT_TRUE(
      serve.Start(dir_, "serve",
                  {"--role", "agent", "--rules", rules, "--systemd-bus", manager.bus_address(),
                   "--journal-dir", manager.journal_directory().string()}))
      << serve.Log();
  ASSERT_TRUE(serve.WaitForFirstRun());
  httplib::Client client = serve.Client();
  // journald writes asynchronously: the marker reaches the output within a few runs.
  nlohmann::json units;
  const auto until = steady_clock::now() + milliseconds(15000);
  while (steady_clock::now() < until) {
    units = nlohmann::json::parse(client.Get("/system/health/v1")->body)["units"];
    if (units.size() == 3 &&
        units[0]["output"].get<std::string>().find("FCS-FAIL-MARKER") != std::string::npos &&
        units[1]["health"] == 1) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
  ASSERT_EQ(units.size(), 3u) << units.dump(2);
  EXPECT_EQ(units[0]["id"], "fcs-fail.service");
  EXPECT_EQ(units[0]["health"], 1);
  EXPECT_NE(units[0]["output"].get<std::string>().find("FCS-FAIL-MARKER"), std::string::npos)
      << units[0].dump(2);
  EXPECT_EQ(units[0].size(), 6u);
  // In auto-restart (it runs for a few milliseconds between its 500 ms waits).
  EXPECT_EQ(units[1]["id"], "fcs-flap.service");
  EXPECT_EQ(units[1]["health"], 1) << units[1].dump(2);
  EXPECT_EQ(units[2]["id"], "fcs-sleep.service");
  EXPECT_EQ(units[2]["health"], 0);
  EXPECT_EQ(units[2]["name"], "Sleeper");
  EXPECT_EQ(units[2]["description"], "sleeps for the test");
  EXPECT_EQ(units[2]["output"], "");

  const nlohmann::json list =
      nlohmann::json::parse(client.Get("/system/health/v1/units")->body)["units"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0], nlohmann::json({{"id", "fcs-fail.service"},
                                     {"name", "fcs-fail.service"},
                                     {"health", 1},
                                     {"description", "fails at once"}}));
  const nlohmann::json nodes =
      nlohmann::json::parse(client.Get("/system/health/v1/units/fcs-fail.service/nodes")->body);
  EXPECT_EQ(nodes["nodes"][0]["health"], 1);
  auto on_node = client.Get("/system/health/v1/units/fcs-fail.service/nodes/127.0.0.1");
  ASSERT_TRUE(on_node);
  EXPECT_NE(on_node->body.find("FCS-FAIL-MARKER"), std::string::npos);

  // A later run may have caught the flapper in its few running milliseconds: ask again then.
  std::string reason, body;
  int status = 0;
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto healthz = client.Get("/healthz");
    ASSERT_TRUE(healthz);
    status = healthz->status;
    body = healthz->body;
    const nlohmann::json health = nlohmann::json::parse(body);
    EXPECT_EQ(health["failing"], nlohmann::json({"svc.units"}));
    reason = health["reasons"]["svc.units"].get<std::string>();
    if (reason.find("fcs-flap.service") != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(250));
  }
  EXPECT_EQ(status, 503);
  EXPECT_NE(reason.find("fcs-fail.service"), std::string::npos) << body;
  EXPECT_NE(reason.find("fcs-flap.service"), std::string::npos) << body;
}

// The shipped unit file: `systemd-analyze verify` finds nothing to say about it, and the real
// systemd user manager runs it as Type=notify (READY=1 ends `systemctl start`), keeps it alive
// through its watchdog, reloads it with SIGHUP and stops it cleanly. The hardening options are
// left out under the user manager, which cannot apply them without privileges.
TEST_F(ServeTest, TheShippedUnitFileRunsUnderARealSystemdManager) {
  std::ifstream in(std::filesystem::path(FLIGHTCHECK_SOURCE_DIR) / "dist" /
                   "flightcheck-health@.service");
  ASSERT_TRUE(in) << "dist/flightcheck-health@.service";
  const std::string shipped(std::istreambuf_iterator<char>(in), {});
  const std::string binary = FLIGHTCHECK_BINARY;
  std::string unit = std::regex_replace(shipped, std::regex("/usr/local/bin/flightcheck"), binary);
  const std::filesystem::path verify_dir = dir_.path() / "verify";
  std::filesystem::create_directories(verify_dir);
  dir_.WriteFile("verify/flightcheck-health@master.service", unit);
  const CliRun verify = RunFlightcheckScript(
      fmt::format("systemd-analyze verify --man=no {}/flightcheck-health@master.service 2>&1",
                  verify_dir.string()));
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_EQ(verify.out, "") << "systemd-analyze has objections";

  SystemdUserManager manager;
  ASSERT_EQ(manager.Start(), "");
  // The user manager's copy: test rules, a port of its own, a short watchdog, no hardening.
  const int port = 18771;
  unit = std::regex_replace(
      unit, std::regex("ExecStart=.*"),
      fmt::format("ExecStart={} serve --role %i --listen 127.0.0.1:{} --rules {} --interval 1s",
                  binary, port, rules_));
  unit = std::regex_replace(unit, std::regex("WatchdogSec=.*"), "WatchdogSec=2s");
  unit = unit.substr(0, unit.find("# Hardening")) + unit.substr(unit.find("[Install]"));
  manager.WriteUnit("flightcheck-health@.service", unit);
  ASSERT_EQ(manager.Systemctl({"daemon-reload"}), 0);
  std::string output;
  ASSERT_EQ(manager.Systemctl({"start", "flightcheck-health@agent.service"}, &output), 0)
      << output << manager.log();
  EXPECT_EQ(manager.Property("flightcheck-health@agent.service", "ActiveState"), "active");
  EXPECT_EQ(manager.Property("flightcheck-health@agent.service", "NotifyAccess"), "main");
  httplib::Client client("127.0.0.1", port);
  auto report = client.Get("/system/health/v1");
  ASSERT_TRUE(report);
  EXPECT_EQ(nlohmann::json::parse(report->body)["node_role"], "agent");
  // Three watchdog periods: a daemon that did not ping would have been killed and restarted.
  const std::string pid = manager.Property("flightcheck-health@agent.service", "MainPID");
  std::this_thread::sleep_for(milliseconds(6000));
  EXPECT_EQ(manager.Property("flightcheck-health@agent.service", "ActiveState"), "active");
  EXPECT_EQ(manager.Property("flightcheck-health@agent.service", "MainPID"), pid);
  EXPECT_EQ(manager.Property("flightcheck-health@agent.service", "NRestarts"), "0");
  ASSERT_EQ(manager.Systemctl({"reload", "flightcheck-health@agent.service"}, &output), 0)
      << output;
  ASSERT_EQ(manager.Systemctl({"stop", "flightcheck-health@agent.service"}, &output), 0) << output;
  EXPECT_EQ(manager.Property("flightcheck-health@agent.service", "Result"), "success");
  EXPECT_EQ(manager.Property("flightcheck-health@agent.service", "ExecMainStatus"), "0");
}

// No manager to ask: the node is not "healthy with no units" but unhealthy, saying why.
TEST_F(ServeTest, UnitsThatCannotBeReadMakeTheNodeUnhealthy) {
  const std::string rules = dir_.WriteFile("units.yaml", R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: health
rules:
  - id: svc.units
    probe: {systemd_unit: {name: "dcos-*.service"}}
    timeout: 2s
    expect: {all_healthy: true}
)")
                                .string();
  Serve serve;
  ASSERT_TRUE(serve.Start(dir_, "serve",
                          {"--role", "agent", "--rules", rules, "--systemd-bus",
                           "unix:path=" + (dir_.path() / "no-such-bus").string()}))
      << serve.Log();
  ASSERT_TRUE(serve.WaitForFirstRun());
  httplib::Client client = serve.Client();
  const nlohmann::json units =
      nlohmann::json::parse(client.Get("/system/health/v1")->body)["units"];
  ASSERT_EQ(units.size(), 1u) << units.dump();
  EXPECT_EQ(units[0]["id"], "svc.units");
  EXPECT_EQ(units[0]["health"], 1);
  EXPECT_EQ(units[0]["output"].get<std::string>().rfind("could not check: ", 0), 0u)
      << units[0].dump();
  EXPECT_EQ(
      nlohmann::json::parse(client.Get("/system/health/v1/nodes")->body)["nodes"][0]["health"], 1);
  EXPECT_EQ(client.Get("/healthz")->status, 503);
}

}  // namespace
}  // namespace flightcheck::testing
