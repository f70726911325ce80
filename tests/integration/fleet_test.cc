// The install driver end to end across real sshd hosts (TESTBED.md): validate-config, genconf,
// preflight, deploy, postflight and uninstall with the flightcheck binary, on five hosts (three
// masters, two agents), each an sshd on its own loopback address with a private /opt. The payload
// is built here: its master setup hook starts a real ZooKeeper server on the host's address in an
// ensemble of the three masters, so postflight checks a real quorum.

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/text.h"
#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/loopback_socket.h"
#include "tests/testbed/process.h"
#include "tests/testbed/ssh_hosts.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using testing::CliRun;
using testing::RunFlightcheck;
using testing::ScopedTempDir;
using testing::SshHosts;

// install.sh finds the host's address with ip-detect; every test host shares the machine's
// network, so the address is the one the SSH session came in on.
constexpr const char* kIpDetect = "#!/bin/sh\necho \"$SSH_CONNECTION\" | cut -d' ' -f3\n";

constexpr const char* kPreflightRules = R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: ports.zookeeper
    title: ZooKeeper's ports are free on this host's address
    roles: [master]
    probe: {ports: {address: "${host_ip}", tcp: [2181, 2888, 3888]}}
    expect: {taken: {empty: true}}
    hint: Stop whatever listens on these ports (ss -ltnp shows the owner).
  - id: binaries.required
    title: tar and java are installed
    probe: {binaries: {names: [tar, java]}}
    expect: {missing: {empty: true}}
  - id: install.absent
    title: Nothing is installed yet
    probe: {file: {path: /opt/mesosphere}}
    expect: {exists: false}
)";

constexpr const char* kPostflightRules = R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: postflight
rules:
  - id: zookeeper.quorum
    title: ZooKeeper quorum of the masters serves
    roles: [master]
    probe: {zookeeper: {servers: "${master_list}", port: 2181}}
    expect: {quorum: true}
    retry: {within: 15m, every: 1s}
  - id: install.present
    title: The node is installed
    probe: {file: {path: /opt/mesosphere/.flightcheck-role}}
    expect: {exists: true}
)";

// Starts ZooKeeper server <last octet - 10> of the masters' ensemble on this host's address; the
// stop hook stops it and removes what the setup hook created.
constexpr const char* kMasterSetup = R"(#!/bin/sh
set -eu
zk="$FLIGHTCHECK_PREFIX/zookeeper"
mkdir -p "$zk/data"
octet=${FLIGHTCHECK_HOST_IP##*.}
echo $((octet - 10)) > "$zk/data/myid"
cat > "$zk/zoo.cfg" <<CFG
tickTime=200
initLimit=10
syncLimit=5
dataDir=$zk/data
clientPort=2181
clientPortAddress=$FLIGHTCHECK_HOST_IP
4lw.commands.whitelist=*
admin.enableServer=false
server.1=127.0.0.11:2888:3888
server.2=127.0.0.12:2888:3888
server.3=127.0.0.13:2888:3888
CFG
setsid java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$zk/zoo.cfg" \
  > "$zk/zookeeper.log" 2>&1 < /dev/null &
echo $! > "$zk/zookeeper.pid"
)";

constexpr const char* kMasterStop = R"(#!/bin/sh
zk="$FLIGHTCHECK_PREFIX/zookeeper"
if [ -f "$zk/zookeeper.pid" ]; then
  pid=$(cat "$zk/zookeeper.pid")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
fi
rm -rf "$zk"
)";

class FleetTest : public ::testing::Test {
 protected:
  // users: login users besides root, with (true) or without passwordless sudo.
  void StartHosts(int count, const std::vector<std::pair<std::string, bool>>& users = {}) {
    ASSERT_TRUE(testing::IsRoot()) << "the fleet tests need root (sshd, mount namespaces)";
    hosts_ = std::make_unique<SshHosts>(count);
    for (const auto& [name, sudo] : users) hosts_->AddUser(name, sudo);
    ASSERT_TRUE(hosts_->Start()) << hosts_->error();
  }

  // genconf/config.yaml for the hosts (the first `masters` are masters), the payload and the
  // rules; process_timeout as given.
  // agent_setup: a setup hook for agents (none by default).
  void WriteInstallDir(int masters, int process_timeout = 60, const std::string& ssh_user = "root",
                       const std::string& agent_setup = "") {
    std::vector<std::string> master_list, agent_list;
    for (int i = 1; i <= hosts_->count(); ++i) {
      (i <= masters ? master_list : agent_list).push_back(hosts_->address(i));
    }
    dir_.WriteFile("genconf/ip-detect", kIpDetect);
    dir_.WriteFile("genconf/rules/preflight.yaml", kPreflightRules);
    dir_.WriteFile("genconf/rules/postflight.yaml", kPostflightRules);
    dir_.WriteFile("payload/hooks/master/setup", kMasterSetup);
    dir_.WriteFile("payload/hooks/master/stop", kMasterStop);
    dir_.WriteFile("payload/share/README", "the software being installed\n");
    if (!agent_setup.empty()) dir_.WriteFile("payload/hooks/agent/setup", agent_setup);
    ASSERT_EQ(std::system(fmt::format("chmod 0755 {0}/payload/hooks/*/* && tar -czf "
                                      "{0}/genconf/payload.tar.gz -C {0}/payload .",
                                      dir_.path().string())
                              .c_str()),
              0);
    dir_.WriteFile(
        "genconf/config.yaml",
        fmt::format("cluster_name: e2e\n"
                    "bootstrap_url: file:///opt/flightcheck\n"
                    "exhibitor_storage_backend: static\n"
                    "master_discovery: static\n"
                    "master_list: [{}]\n"
                    "agent_list: [{}]\n"
                    "resolvers: [127.0.0.1]\n"
                    "ssh_user: {}\n"
                    "ssh_key_path: {}\n"
                    "ssh_known_hosts_file: {}\n"
                    "ssh_parallelism: 5\n"
                    "process_timeout: {}\n"
                    "payload: genconf/payload.tar.gz\n"
                    "builtin_rules: false\n"
                    "custom_rules: [genconf/rules/preflight.yaml, "
                    "genconf/rules/postflight.yaml]\n",
                    fmt::join(master_list, ", "), fmt::join(agent_list, ", "), ssh_user,
                    hosts_->user_key().string(), hosts_->known_hosts().string(), process_timeout));
  }

  CliRun Flightcheck(const std::vector<std::string>& args) {
    return RunFlightcheck(args, dir_.path());
  }

  nlohmann::json State(const std::string& stage) {
    std::ifstream in(dir_.path() / "genconf" / "state" / (stage + ".json"));
    return nlohmann::json::parse(in, nullptr, false);
  }

  std::string HostStatus(const std::string& stage, int host) {
    const nlohmann::json state = State(stage);
    if (!state.is_object()) return "<no state>";
    return state["hosts"][hosts_->address(host)].value("host_status", "<none>");
  }

  // What a host has in /opt.
  std::string OptListing(int host) {
    return hosts_->RunInNamespace(host, "cd /opt && find . | sort").output;
  }

  // The commands of the processes in a host's namespace other than its sshd.
  std::string StrayProcesses(int host) {
    std::string names;
    for (pid_t pid : hosts_->ProcessesInHost(host)) {
      std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
      std::string name;
      if (std::getline(comm, name) && name != "sshd") names += name + "\n";
    }
    return names;
  }

  std::string ReadLog(const std::string& stage, int host) {
    std::ifstream in(dir_.path() / "genconf" / "logs" / stage / "latest" /
                     (hosts_->address(host) + ".log"));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  // Replaces the first `from` in genconf/config.yaml with `to`.
  void EditConfig(const std::string& from, const std::string& to) {
    std::string text = testing::ReadTextFile(dir_.path() / "genconf" / "config.yaml");
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << text;
    dir_.WriteFile("genconf/config.yaml", text.replace(at, from.size(), to));
  }

  std::string HostMessage(const std::string& stage, int host) {
    const nlohmann::json state = State(stage);
    if (!state.is_object()) return "<no state>";
    return state["hosts"][hosts_->address(host)].value("message", "<none>");
  }

  // The config's own bundle sources, shipped in the artifact: one that hangs where /opt/slow
  // exists (a host the test picks), one that prints secrets; and the config's own secret.
  void UseSlowBundleSources() {
    dir_.WriteFile("genconf/bundle.yaml", R"(apiVersion: flightcheck/v1
kind: BundleSources
sources:
  - id: cmd.slow
    command: {argv: [sh, -c, "if [ -e /opt/slow ]; then sleep 600; fi; echo quick"], timeout: 10m}
  - id: cmd.secret
    command: {argv: [sh, -c, "echo db_password=PlantedClusterPw; echo Bearer PlantedClusterTok1"]}
    required: true
)");
    EditConfig("builtin_rules: false\n",
               "builtin_rules: false\nbundle_sources: genconf/bundle.yaml\n"
               "superuser_password_hash: $6$planted$PlantedClusterHash\n");
  }

  std::unique_ptr<SshHosts> hosts_;
  ScopedTempDir dir_;
};

TEST_F(FleetTest, FullInstallScenarioAcrossFiveHosts) {
  StartHosts(5);
  WriteInstallDir(3);
  std::vector<std::string> opt_before;
  for (int i = 1; i <= 5; ++i) opt_before.push_back(OptListing(i));

  const CliRun valid = Flightcheck({"validate-config"});
  ASSERT_EQ(valid.exit_code, 0) << valid.out << valid.err;
  const CliRun genconf = Flightcheck({"--genconf"});  // the DC/OS spelling works too
  ASSERT_EQ(genconf.exit_code, 0) << genconf.out << genconf.err;

  // Host 2's address has ZooKeeper's client port taken: preflight fails there only.
  auto taken = std::make_unique<testing::LoopbackSocket>(hosts_->address(2).c_str(), true, 16,
                                                         SOCK_STREAM, 2181);
  ASSERT_EQ(taken->port(), 2181) << "cannot listen on " << hosts_->address(2) << ":2181";
  CliRun preflight = Flightcheck({"preflight"});
  EXPECT_EQ(preflight.exit_code, 2) << preflight.out << preflight.err;
  EXPECT_NE(preflight.out.find(fmt::format("ports.zookeeper failed on 1 of 3 hosts ({}): "
                                           "taken is [\"2181/tcp\"], expected empty\n",
                                           hosts_->address(2))),
            std::string::npos)
      << preflight.out << preflight.err;
  EXPECT_NE(preflight.out.find("hint: Stop whatever listens on these ports"), std::string::npos);
  EXPECT_NE(preflight.out.find("4 out of 5 hosts successfully completed preflight stage."),
            std::string::npos)
      << preflight.out;
  EXPECT_EQ(HostStatus("preflight", 2), "failed");
  EXPECT_EQ(HostStatus("preflight", 1), "success");
  EXPECT_EQ(HostStatus("preflight", 4), "success");

  // Deploy is refused while the last preflight of this config did not pass everywhere.
  const CliRun refused = Flightcheck({"deploy"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find(fmt::format("deploy refused: the last preflight of this "
                                         "configuration did not pass on 1 of 5 hosts: {} (failed: "
                                         "ports.zookeeper)",
                                         hosts_->address(2))),
            std::string::npos)
      << refused.err;
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(OptListing(i).find("mesosphere"), std::string::npos);

  // The port is freed: preflight passes, reusing the artifact already on the hosts.
  taken.reset();
  preflight = Flightcheck({"preflight", "--format", "json"});
  ASSERT_EQ(preflight.exit_code, 0) << preflight.out << preflight.err;
  const nlohmann::json merged = nlohmann::json::parse(preflight.out, nullptr, false);
  ASSERT_TRUE(merged.is_object()) << preflight.out;
  EXPECT_EQ(merged["summary"]["success"], 5);
  EXPECT_EQ(merged["hosts"][0]["report"]["role"], "master");
  EXPECT_EQ(merged["hosts"][3]["report"]["role"], "agent") << "each host runs its real role";
  EXPECT_EQ(ReadLog("preflight", 1).find("== copy "), std::string::npos)
      << "the artifact already on the host was not copied again";

  const CliRun deploy = Flightcheck({"deploy"});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;
  EXPECT_NE(deploy.out.find("5 out of 5 hosts successfully completed deploy stage."),
            std::string::npos)
      << deploy.out;
  EXPECT_EQ(hosts_->RunInNamespace(1, "cat /opt/mesosphere/.flightcheck-role").output, "master\n");
  EXPECT_EQ(hosts_->RunInNamespace(5, "cat /opt/mesosphere/.flightcheck-role").output, "agent\n");
  EXPECT_EQ(hosts_->RunInNamespace(4, "cat /opt/mesosphere/share/README").exit_code, 0);

  CliRun postflight = Flightcheck({"postflight", "--timeout", "120s"});
  EXPECT_EQ(postflight.exit_code, 0) << postflight.out << postflight.err;
  EXPECT_NE(postflight.out.find("5 out of 5 hosts successfully completed postflight stage."),
            std::string::npos)
      << postflight.out << postflight.err;

  // One master's ZooKeeper dies: two of three still make a quorum.
  EXPECT_EQ(
      hosts_->RunInNamespace(1, "kill -9 $(cat /opt/mesosphere/zookeeper/zookeeper.pid)").exit_code,
      0);
  postflight = Flightcheck({"postflight", "--timeout", "120s"});
  EXPECT_EQ(postflight.exit_code, 0) << postflight.out << postflight.err;

  // A second one dies: no quorum; postflight waits for its deadline and names the servers.
  EXPECT_EQ(
      hosts_->RunInNamespace(2, "kill -9 $(cat /opt/mesosphere/zookeeper/zookeeper.pid)").exit_code,
      0);
  postflight = Flightcheck({"postflight", "--timeout", "8s"});
  EXPECT_EQ(postflight.exit_code, 2) << postflight.out << postflight.err;
  EXPECT_NE(postflight.out.find("zookeeper.quorum failed on 3 of 3 hosts"), std::string::npos)
      << postflight.out;
  EXPECT_NE(postflight.out.find(hosts_->address(1) + ":2181"), std::string::npos) << postflight.out;
  EXPECT_NE(postflight.out.find("2 out of 5 hosts successfully completed postflight stage."),
            std::string::npos)
      << postflight.out;

  const CliRun uninstall = Flightcheck({"uninstall", "--yes"});
  EXPECT_EQ(uninstall.exit_code, 0) << uninstall.out << uninstall.err;
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(OptListing(i), opt_before[static_cast<size_t>(i - 1)]) << "host " << i;
    EXPECT_EQ(StrayProcesses(i), "") << "host " << i;
  }
}

TEST_F(FleetTest, ForcedDeployIsRecordedAndRetryFailedRedeploysOnlyTheFailedHosts) {
  StartHosts(3);
  WriteInstallDir(1);
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  ASSERT_EQ(hosts_->RunInNamespace(3, "mkdir /opt/mesosphere").exit_code, 0);
  ASSERT_EQ(Flightcheck({"preflight"}).exit_code, 2);
  ASSERT_EQ(Flightcheck({"deploy"}).exit_code, 2);

  // --force deploys anyway, says so and records it; host 3's own install.sh preflight still
  // refuses to install there.
  const CliRun forced = Flightcheck({"deploy", "--force"});
  EXPECT_EQ(forced.exit_code, 2) << forced.out << forced.err;
  EXPECT_NE(forced.err.find(fmt::format("WARNING: --force: deploying although preflight did not "
                                        "pass on {} (failed: install.absent)",
                                        hosts_->address(3))),
            std::string::npos)
      << forced.err;
  EXPECT_NE(forced.out.find(fmt::format("{} (agent): failed: Preflight checks failed on this host "
                                        "(install.absent); nothing was installed.",
                                        hosts_->address(3))),
            std::string::npos)
      << forced.out;
  EXPECT_EQ(State("deploy")["forced"], true);
  EXPECT_EQ(HostStatus("deploy", 1), "success");
  EXPECT_EQ(HostStatus("deploy", 3), "failed");
  EXPECT_EQ(hosts_->RunInNamespace(3, "ls -A /opt/mesosphere").output, "") << "nothing installed";

  // Fixed, checked again (the installed hosts are `installed`, not install.absent failures),
  // retried: only host 3.
  ASSERT_EQ(hosts_->RunInNamespace(3, "rmdir /opt/mesosphere").exit_code, 0);
  const CliRun checked = Flightcheck({"preflight"});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_EQ(HostStatus("preflight", 3), "success");
  EXPECT_EQ(HostStatus("preflight", 1), "installed");
  const std::string host1_log = State("deploy")["hosts"][hosts_->address(1)].value("log", "");
  ASSERT_NE(host1_log, "");
  const CliRun retry = Flightcheck({"deploy", "--retry-failed"});
  EXPECT_EQ(retry.exit_code, 0) << retry.out << retry.err;
  EXPECT_NE(retry.out.find("3 out of 3 hosts successfully completed deploy stage."),
            std::string::npos)
      << retry.out;
  EXPECT_EQ(State("deploy")["hosts"][hosts_->address(1)].value("log", ""), host1_log)
      << "host 1's record is kept: it was not deployed again";
  EXPECT_EQ(ReadLog("deploy", 1), "") << "host 1 has no log in the retry's run";
  EXPECT_NE(ReadLog("deploy", 3), "");
  EXPECT_EQ(hosts_->RunInNamespace(3, "cat /opt/mesosphere/.flightcheck-role").output, "agent\n");
}

TEST_F(FleetTest, AnotherSshUserRunsThroughSudoAndASudoThatWantsAPasswordIsReported) {
  StartHosts(2, {{"fcoperator", true}, {"fcnosudo", false}});
  WriteInstallDir(1, 60, "fcoperator");
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  const CliRun preflight = Flightcheck({"preflight"});
  EXPECT_EQ(preflight.exit_code, 0) << preflight.out << preflight.err;
  const CliRun deploy = Flightcheck({"deploy"});
  EXPECT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;
  EXPECT_EQ(hosts_->RunInNamespace(2, "stat -c %U /opt/mesosphere/.flightcheck-role").output,
            "root\n")
      << "installed as root through sudo -n";
  EXPECT_EQ(Flightcheck({"uninstall", "--yes"}).exit_code, 0);
  EXPECT_EQ(OptListing(2), ".\n");

  WriteInstallDir(1, 60, "fcnosudo");
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  const CliRun refused = Flightcheck({"preflight"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.out.find(fmt::format("{} (master): failed: no preflight report from the host "
                                         "(exit 1): sudo: a password is required",
                                         hosts_->address(1))),
            std::string::npos)
      << refused.out;
}

TEST_F(FleetTest, UnreachableHostIsReportedAndTheOthersFinish) {
  StartHosts(3);
  WriteInstallDir(1);
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  hosts_->StopHost(3);
  const CliRun preflight = Flightcheck({"preflight"});
  EXPECT_EQ(preflight.exit_code, 3) << preflight.out << preflight.err;
  EXPECT_NE(preflight.out.find(fmt::format("{0} (agent): unreachable: {0} is unreachable: ssh: "
                                           "connect to host {0} port 22: Connection refused",
                                           hosts_->address(3))),
            std::string::npos)
      << preflight.out;
  EXPECT_NE(preflight.out.find("2 out of 3 hosts successfully completed preflight stage."),
            std::string::npos)
      << preflight.out;
  EXPECT_EQ(HostStatus("preflight", 3), "unreachable");
  EXPECT_EQ(HostStatus("preflight", 1), "success");
  EXPECT_EQ(HostStatus("preflight", 2), "success");
}

TEST_F(FleetTest, ChangedHostKeyIsRefusedWithAClearMessage) {
  StartHosts(2);
  WriteInstallDir(1);
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  ASSERT_TRUE(hosts_->RestartWithNewHostKey(2)) << hosts_->error();
  const CliRun preflight = Flightcheck({"preflight"});
  EXPECT_EQ(preflight.exit_code, 3) << preflight.out << preflight.err;
  EXPECT_NE(preflight.out.find(fmt::format("host key of {} has CHANGED since it was recorded in {}",
                                           hosts_->address(2), hosts_->known_hosts().string())),
            std::string::npos)
      << preflight.out;
  EXPECT_EQ(HostStatus("preflight", 2), "unreachable");
  EXPECT_EQ(HostStatus("preflight", 1), "success");
  EXPECT_EQ(OptListing(2), ".\n") << "nothing was copied to the host";
}

TEST_F(FleetTest, HangingCheckIsTerminatedAtTheCommandTimeout) {
  StartHosts(2);
  WriteInstallDir(1, /*process_timeout=*/4);
  // A rule whose command never ends; its own timeout is far away.
  dir_.WriteFile("genconf/rules/preflight.yaml", R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: hangs
    title: A check that hangs
    timeout: 10m
    probe: {command: {argv: [sleep, "1000"]}}
    expect: {exit_code: 0}
)");
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  const auto started = std::chrono::steady_clock::now();
  const CliRun preflight = Flightcheck({"preflight"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(preflight.exit_code, 3) << preflight.out << preflight.err;
  EXPECT_LT(seconds, 40);
  EXPECT_NE(preflight.out.find("terminated: preflight did not finish within 4s (process_timeout) "
                               "and was killed"),
            std::string::npos)
      << preflight.out;
  EXPECT_EQ(HostStatus("preflight", 1), "terminated");
  EXPECT_EQ(HostStatus("preflight", 2), "terminated");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (int i = 1; i <= 2; ++i) {
    EXPECT_EQ(StrayProcesses(i), "") << "the hung command was killed on host " << i;
  }
}

// The cluster support bundle (docs/bundles.md): five hosts, one unreachable, one whose part never
// finishes before --timeout. The archive holds the three others under <ip>_<role>/, report.json
// says why the two are missing, no planted secret survives, and nothing stays on the slow host.
TEST_F(FleetTest, ClusterBundleListsTheHostsItCouldNotCollect) {
  StartHosts(5);
  WriteInstallDir(3);
  UseSlowBundleSources();
  const CliRun genconf = Flightcheck({"genconf"});
  ASSERT_EQ(genconf.exit_code, 0) << genconf.out << genconf.err;
  ASSERT_EQ(hosts_->RunInNamespace(5, "touch /opt/slow").exit_code, 0);
  hosts_->StopHost(4);
  std::filesystem::create_directories(dir_.path() / "out");

  const auto started = std::chrono::steady_clock::now();
  const CliRun bundle =
      Flightcheck({"bundle", "create", "--cluster", "--timeout", "8s", "--output", "out"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // Unreachable and terminated hosts: incomplete (3), and the bundle is still written.
  EXPECT_EQ(bundle.exit_code, 3) << bundle.out << bundle.err;
  EXPECT_LT(seconds, 60);
  const std::string path = bundle.out.substr(0, bundle.out.find('\n'));
  ASSERT_TRUE(path.starts_with("out/cluster-bundle-") && path.ends_with(".zip"))
      << bundle.out << bundle.err;
  EXPECT_NE(bundle.err.find("3 out of 5 hosts successfully completed bundle stage."),
            std::string::npos)
      << bundle.err;

  const std::filesystem::path unpacked = dir_.path() / "unpacked";
  std::filesystem::create_directories(unpacked);
  ASSERT_EQ(std::system(fmt::format("cd {} && unzip -q {}", unpacked.string(),
                                    (dir_.path() / path).string())
                            .c_str()),
            0);
  for (int i = 1; i <= 3; ++i) {
    const std::filesystem::path node = unpacked / (hosts_->address(i) + "_master");
    EXPECT_TRUE(std::filesystem::exists(node / "manifest.json")) << node;
    EXPECT_EQ(testing::ReadTextFile(node / "commands/cmd.slow.txt"), "quick\n");
    EXPECT_NE(testing::ReadTextFile(node / "commands/cmd.secret.txt").find("db_password="),
              std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(unpacked / (hosts_->address(4) + "_agent")));
  EXPECT_FALSE(std::filesystem::exists(unpacked / (hosts_->address(5) + "_agent")));
  const int grep = std::system(fmt::format("grep -r -q -e PlantedClusterPw -e PlantedClusterTok1 "
                                           "-e PlantedClusterHash {}",
                                           unpacked.string())
                                   .c_str());
  EXPECT_NE(WEXITSTATUS(grep), 0) << "a planted secret is in the bundle";

  const nlohmann::json report =
      nlohmann::json::parse(testing::ReadTextFile(unpacked / "report.json"), nullptr, false);
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["schema"], "flightcheck/cluster-bundle-report/v1");
  EXPECT_EQ(report["collected"], 3);
  EXPECT_EQ(report["missing"], 2);
  ASSERT_EQ(report["nodes"].size(), 5u);
  EXPECT_EQ(report["nodes"][0]["status"], "success");
  EXPECT_EQ(report["nodes"][0]["directory"], hosts_->address(1) + "_master");
  EXPECT_EQ(report["nodes"][3]["status"], "unreachable");
  EXPECT_NE(report["nodes"][3]["message"].get<std::string>().find("Connection refused"),
            std::string::npos)
      << report.dump(2);
  EXPECT_TRUE(report["nodes"][3]["directory"].is_null());
  // The bootstrap node's own part: each host's log of this stage, where report.json says it is.
  EXPECT_GT(report["bootstrap"]["entries"].get<int>(), 0) << report.dump(2);
  for (const nlohmann::json& node : report["nodes"]) {
    const std::string log = node["log"].get<std::string>();
    ASSERT_TRUE(log.starts_with("genconf/logs/bundle/")) << log;
    EXPECT_TRUE(std::filesystem::exists(unpacked / "bootstrap" / log.substr(8))) << log;
  }
  EXPECT_EQ(report["nodes"][4]["status"], "terminated");
  EXPECT_EQ(report["nodes"][4]["message"],
            "its part did not finish within 8s and was stopped on the host; it is not in the "
            "bundle");

  const CliRun verify = Flightcheck({"bundle", "verify", path});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const CliRun inspect = Flightcheck({"bundle", "inspect", path});
  EXPECT_NE(inspect.out.find(
                fmt::format("{} agent: terminated: its part did not finish", hosts_->address(5))),
            std::string::npos)
      << inspect.out;

  // Nothing stays on the slow host: not its command, not its part.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(StrayProcesses(5), "");
  EXPECT_NE(std::system("ls -d /tmp/flightcheck-bundle.* >/dev/null 2>&1"), 0)
      << "a node left its bundle directory";
  // Only the bundle in the output directory: the parts were never named.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path() / "out"),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(FleetTest, AnInterruptedClusterBundleLeavesNothingAndARerunMakesIt) {
  StartHosts(2);
  WriteInstallDir(1);
  UseSlowBundleSources();
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  ASSERT_EQ(hosts_->RunInNamespace(2, "touch /opt/slow").exit_code, 0);
  std::filesystem::create_directories(dir_.path() / "out");
  const CliRun run = testing::RunFlightcheckScript(
      "true; \"$0\" bundle create --cluster --output out > bundle.out 2> bundle.err & pid=$!\n"
      "for i in $(seq 400); do pgrep -f 'sleep 60[0]' > /dev/null && break; sleep 0.1; done\n"
      "\"$0\" bundle create --cluster --output out > second.out 2> second.err; "
      "echo \"second=$?\"\n"
      "kill -INT $pid; wait $pid; echo \"exit=$?\"\n"
      "for i in $(seq 100); do pgrep -f 'sleep 60[0]' > /dev/null || break; sleep 0.1; done\n"
      "pgrep -f 'sleep 60[0]' > /dev/null && echo LEFT-BEHIND; echo \"waited=$i\"\n",
      dir_.path());
  EXPECT_NE(run.out.find("exit=130"), std::string::npos) << run.out << run.err;
  // Gone within ten seconds: the node's stop reached its command.
  EXPECT_EQ(run.out.find("LEFT-BEHIND"), std::string::npos) << "the slow command was left running\n"
                                                            << run.out;
  // A second bundle while one runs is refused, naming it; neither left a bundle.
  EXPECT_NE(run.out.find("second=3"), std::string::npos) << run.out;
  EXPECT_NE(testing::ReadTextFile(dir_.path() / "second.err").find("another bundle (pid "),
            std::string::npos)
      << testing::ReadTextFile(dir_.path() / "second.err");
  EXPECT_NE(testing::ReadTextFile(dir_.path() / "bundle.err").find("no bundle was written"),
            std::string::npos)
      << testing::ReadTextFile(dir_.path() / "bundle.err");
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "out"));
  EXPECT_NE(State("bundle").value("finished_at", ""), "");
  EXPECT_EQ(HostStatus("bundle", 2), "terminated");
  EXPECT_NE(std::system("ls -d /tmp/flightcheck-bundle.* >/dev/null 2>&1"), 0)
      << "a node left its bundle directory";

  ASSERT_EQ(hosts_->RunInNamespace(2, "rm /opt/slow").exit_code, 0);
  const CliRun rerun = Flightcheck({"bundle", "create", "--cluster", "--output", "out"});
  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  EXPECT_EQ(HostStatus("bundle", 2), "success");
  const std::string path = rerun.out.substr(0, rerun.out.find('\n'));
  EXPECT_EQ(Flightcheck({"bundle", "verify", path}).exit_code, 0);
}

TEST_F(FleetTest, StateFilesParseAtAnyMomentOfAStage) {
  StartHosts(3);
  WriteInstallDir(1);
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  std::atomic<bool> done = false;
  CliRun preflight;
  std::thread stage([&] {
    preflight = Flightcheck({"preflight"});
    done = true;
  });
  int reads = 0, unparsable = 0;
  std::set<std::string> statuses_seen;
  const auto path = dir_.path() / "genconf" / "state" / "preflight.json";
  while (!done) {
    std::ifstream in(path);
    if (in) {
      const std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      const nlohmann::json state = nlohmann::json::parse(text, nullptr, false);
      ++reads;
      if (!state.is_object()) {
        ++unparsable;
      } else {
        for (const auto& [address, host] : state["hosts"].items()) {
          statuses_seen.insert(host.value("host_status", ""));
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stage.join();
  EXPECT_EQ(preflight.exit_code, 0) << preflight.out << preflight.err;
  EXPECT_GT(reads, 10);
  EXPECT_EQ(unparsable, 0) << "of " << reads << " reads";
  EXPECT_TRUE(statuses_seen.contains("running")) << "the file is written while the stage runs";
  EXPECT_EQ(State("preflight")["total_hosts"], 3);
}

// Counts its runs, so a test sees whether a deploy ran it again (outside the prefix: uninstall
// leaves it, and the prefix can go).
constexpr const char* kCountingAgentSetup = "#!/bin/sh\necho ran >> /opt/setup-runs\n";

TEST_F(FleetTest, ReRunStagesDoNoHarm) {
  StartHosts(3);
  WriteInstallDir(1, 60, "root", kCountingAgentSetup);
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  ASSERT_EQ(Flightcheck({"preflight"}).exit_code, 0);
  const CliRun first = Flightcheck({"deploy"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const nlohmann::json first_records = State("deploy")["hosts"];
  const std::string zookeeper_pid =
      hosts_->RunInNamespace(1, "cat /opt/mesosphere/zookeeper/zookeeper.pid").output;
  ASSERT_NE(zookeeper_pid, "");

  // Keys that steer only the coordinator change neither the config hash nor the artifact: the
  // passing preflight still clears the deploy, without genconf.
  EditConfig("ssh_parallelism: 5", "ssh_parallelism: 2");
  EditConfig("process_timeout: 60", "process_timeout: 90");

  // Deploy again: every host already runs this artifact; no hook runs, nothing is reinstalled.
  const CliRun again = Flightcheck({"deploy"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("3 out of 3 hosts successfully completed deploy stage."),
            std::string::npos)
      << again.out;
  EXPECT_EQ(State("deploy")["hosts"], first_records)
      << "every host's record of the deploy that installed it is kept as it was";
  EXPECT_NE(ReadLog("deploy", 2).find("== "), std::string::npos)
      << "this run looked at the host (read its install record)";
  EXPECT_EQ(hosts_->RunInNamespace(2, "cat /opt/setup-runs").output, "ran\n");
  EXPECT_EQ(hosts_->RunInNamespace(1, "cat /opt/mesosphere/zookeeper/zookeeper.pid").output,
            zookeeper_pid)
      << "the master's service was not stopped and started again";
  EXPECT_EQ(hosts_->RunInNamespace(1, "cat /opt/mesosphere/zookeeper/data/myid").output, "1\n")
      << "ZooKeeper's data is still there";
  EXPECT_EQ(ReadLog("deploy", 2).find("install.sh install"), std::string::npos)
      << ReadLog("deploy", 2);

  // Nothing failed: --retry-failed works on no host and keeps every record.
  const nlohmann::json before_retry = State("deploy");
  const CliRun retry = Flightcheck({"deploy", "--retry-failed"});
  EXPECT_EQ(retry.exit_code, 0) << retry.out << retry.err;
  EXPECT_EQ(State("deploy")["hosts"], before_retry["hosts"]);
  EXPECT_EQ(hosts_->RunInNamespace(3, "cat /opt/setup-runs").output, "ran\n");

  // Every run's logs are kept, the newest linked as `latest`.
  int runs = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir_.path() / "genconf" / "logs" / "deploy")) {
    runs += entry.is_directory() && !entry.is_symlink() ? 1 : 0;
  }
  EXPECT_EQ(runs, 3);
  EXPECT_TRUE(std::filesystem::is_symlink(dir_.path() / "genconf/logs/deploy/latest"));

  // An edited ip-detect script is a new input: the stages ask for genconf.
  dir_.WriteFile("genconf/ip-detect", std::string(kIpDetect) + "# edited\n");
  const CliRun stale = Flightcheck({"preflight"});
  EXPECT_EQ(stale.exit_code, 65) << stale.out << stale.err;
  EXPECT_NE(stale.err.find("was generated from another config.yaml, or a file it packs (ip-detect "
                           "scripts, payload, custom rules) changed since: run `flightcheck "
                           "genconf` again"),
            std::string::npos)
      << stale.err;
}

TEST_F(FleetTest, ScaleOutInstallsOnlyTheNewHostAndUninstallHostsRemovesOnlyIt) {
  StartHosts(5);
  WriteInstallDir(3, 60, "root", kCountingAgentSetup);
  const std::string both_agents =
      fmt::format("agent_list: [{}, {}]", hosts_->address(4), hosts_->address(5));
  const std::string first_agent = fmt::format("agent_list: [{}]", hosts_->address(4));
  EditConfig(both_agents, first_agent);
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  ASSERT_EQ(Flightcheck({"preflight"}).exit_code, 0);
  const CliRun deploy = Flightcheck({"deploy"});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;

  // Host 5 joins the agents.
  EditConfig(first_agent, both_agents);
  EXPECT_EQ(Flightcheck({"preflight"}).exit_code, 65) << "the config changed: genconf first";
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  const CliRun preflight = Flightcheck({"preflight"});
  EXPECT_EQ(preflight.exit_code, 0) << preflight.out << preflight.err;
  EXPECT_NE(preflight.out.find("4 of 5 hosts already run this cluster (installed)"),
            std::string::npos)
      << preflight.out;
  EXPECT_EQ(preflight.out.find("install.absent"), std::string::npos) << preflight.out;
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(HostStatus("preflight", i), "installed") << i;
  EXPECT_EQ(HostStatus("preflight", 5), "success");

  // Postflight checks the cluster that should exist: host 5 is not deployed yet.
  const CliRun early = Flightcheck({"postflight", "--timeout", "60s"});
  EXPECT_EQ(early.exit_code, 2) << early.out << early.err;
  EXPECT_NE(early.out.find(fmt::format("{} (agent): failed: not deployed: no deploy has "
                                       "installed this host",
                                       hosts_->address(5))),
            std::string::npos)
      << early.out;

  const CliRun scaled = Flightcheck({"deploy"});
  EXPECT_EQ(scaled.exit_code, 0) << scaled.out << scaled.err;
  EXPECT_EQ(hosts_->RunInNamespace(5, "cat /opt/mesosphere/.flightcheck-role").output, "agent\n");
  EXPECT_EQ(hosts_->RunInNamespace(4, "cat /opt/setup-runs").output, "ran\n")
      << "host 4 was not installed again";
  EXPECT_NE(HostMessage("deploy", 4).find("from before the agent lists changed"), std::string::npos)
      << HostMessage("deploy", 4);
  EXPECT_NE(ReadLog("deploy", 5).find("install.sh install agent"), std::string::npos);
  EXPECT_EQ(ReadLog("deploy", 1).find("install.sh install"), std::string::npos);

  const CliRun postflight = Flightcheck({"postflight", "--timeout", "120s"});
  EXPECT_EQ(postflight.exit_code, 0) << postflight.out << postflight.err;
  EXPECT_NE(postflight.out.find("5 out of 5 hosts successfully completed postflight stage."),
            std::string::npos)
      << postflight.out;

  // Host 5 leaves the config; uninstall --hosts removes it and nothing else.
  EditConfig(both_agents, first_agent);
  const CliRun removed = Flightcheck({"uninstall", "--yes", "--hosts", hosts_->address(5)});
  EXPECT_EQ(removed.exit_code, 0) << removed.out << removed.err;
  EXPECT_NE(removed.out.find("1 out of 1 hosts successfully completed uninstall stage."),
            std::string::npos)
      << removed.out;
  EXPECT_EQ(OptListing(5).find("mesosphere"), std::string::npos) << OptListing(5);
  EXPECT_EQ(hosts_->RunInNamespace(4, "cat /opt/mesosphere/.flightcheck-role").output, "agent\n");
  EXPECT_EQ(Flightcheck({"uninstall", "--yes"}).exit_code, 0);
}

TEST_F(FleetTest, OldArtifactsOnAHostAreRemoved) {
  StartHosts(2);
  WriteInstallDir(1);
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  ASSERT_EQ(Flightcheck({"preflight"}).exit_code, 0);
  const std::string first = State("preflight").value("artifact", "");
  EditConfig("resolvers: [127.0.0.1]", "resolvers: [127.0.0.2]");
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  ASSERT_EQ(Flightcheck({"preflight"}).exit_code, 0);
  const std::string second = State("preflight").value("artifact", "");
  ASSERT_NE(first, second);
  const std::string stem = second.substr(0, second.find(".tar"));
  EXPECT_EQ(hosts_->RunInNamespace(2, "ls /opt/flightcheck").output,
            fmt::format("{}\n{}\n", stem, second))
      << "the first artifact is gone; the newest stays";
  EXPECT_NE(ReadLog("preflight", 2).find("removed " + first), std::string::npos);
}

TEST_F(FleetTest, InterruptedDeployStopsTheRemoteWorkAndARerunFinishesIt) {
  StartHosts(2);
  const std::string slept = (dir_.path() / "slept").string();
  // The agent's setup hook hangs the first time only.
  WriteInstallDir(
      1, 60, "root",
      fmt::format("#!/bin/sh\nif [ ! -e {0} ]; then touch {0}; exec sleep 61.5; fi\n", slept));
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  ASSERT_EQ(Flightcheck({"preflight"}).exit_code, 0);
  std::set<std::string> control_dirs_before;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp")) {
    if (entry.path().filename().string().starts_with("fc-ssh-")) {
      control_dirs_before.insert(entry.path().string());
    }
  }
  const CliRun run = testing::RunFlightcheckScript(
      "true; \"$0\" deploy > deploy.out 2> deploy.err & pid=$!\n"
      "for i in $(seq 400); do pgrep -f 'sleep 61[.]5' > /dev/null && break; sleep 0.1; done\n"
      "\"$0\" preflight > second.out 2> second.err; echo \"second=$?\"\n"
      "kill -INT $pid; wait $pid; echo \"exit=$?\"\n"
      "sleep 0.5; pgrep -f 'sleep 61[.]5' > /dev/null && echo LEFT-BEHIND; true\n",
      dir_.path());
  EXPECT_NE(run.out.find("exit=130"), std::string::npos) << run.out << run.err;
  EXPECT_EQ(run.out.find("LEFT-BEHIND"), std::string::npos) << "the hook was left running";

  // The concurrent stage was refused, naming the one that runs.
  EXPECT_NE(run.out.find("second=3"), std::string::npos) << run.out;
  const std::string second_err = testing::ReadTextFile(dir_.path() / "second.err");
  EXPECT_TRUE(std::regex_search(
      second_err, std::regex("flightcheck: error: preflight: another deploy \\(pid [0-9]+, "
                             "started [0-9-]+ [0-9:]+ UTC\\) is running in .*/genconf; run this "
                             "again when it has finished\n")))
      << second_err;

  // The state file is finished and says where the agent was.
  const nlohmann::json state = State("deploy");
  EXPECT_NE(state.value("finished_at", ""), "");
  EXPECT_EQ(HostStatus("deploy", 1), "success");
  EXPECT_EQ(HostStatus("deploy", 2), "terminated");
  EXPECT_EQ(HostMessage("deploy", 2), "stopped by SIGINT during install.sh install agent");
  const std::string deploy_err = testing::ReadTextFile(dir_.path() / "deploy.err");
  EXPECT_NE(deploy_err.find("deploy: stopped by SIGINT: the remote work was stopped, 1 host(s) "
                            "are marked terminated"),
            std::string::npos)
      << deploy_err;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp")) {
    if (entry.path().filename().string().starts_with("fc-ssh-")) {
      EXPECT_TRUE(control_dirs_before.contains(entry.path().string()))
          << "control-socket directory left behind: " << entry.path();
    }
  }

  // Running it again just works: the unfinished install is cleared and done again.
  const CliRun rerun = Flightcheck({"deploy"});
  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  EXPECT_EQ(HostStatus("deploy", 2), "success");
  EXPECT_NE(ReadLog("deploy", 2).find("removing the unfinished install"), std::string::npos)
      << ReadLog("deploy", 2);
  EXPECT_EQ(hosts_->RunInNamespace(2, "cat /opt/mesosphere/.flightcheck-role").output, "agent\n");
}

TEST_F(FleetTest, GarbageFromAHostFailsThatHostOnly) {
  StartHosts(5);
  WriteInstallDir(1);
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  ASSERT_EQ(Flightcheck({"preflight"}).exit_code, 0);
  const std::string artifact = State("preflight").value("artifact", "");
  const std::string script =
      fmt::format("/opt/flightcheck/{}/install.sh", artifact.substr(0, artifact.find(".tar")));
  const std::vector<std::pair<int, std::string>> garbage = {
      {2, "printf '\\377\\376{\"results\": [\\n'"},
      {3, "head -c 100000000 /dev/zero | tr '\\0' a"},
      {4,
       "echo '{\"results\": [{\"id\": 5, \"status\": []}, \"x\", {\"id\": \"r.bad\", "
       "\"status\": \"fail\", \"hint\": 7}], \"exit_code\": 2, \"summary\": {\"fail\": \"x\"}}'"},
      {5, "echo '{\"results\": [], \"exit_code\": \"0\"}'"},
  };
  for (const auto& [host, body] : garbage) {
    ASSERT_EQ(hosts_
                  ->RunInNamespace(host, fmt::format("printf '%s\\n' '#!/bin/sh' {} > {}",
                                                     ShellQuote(body), script))
                  .exit_code,
              0);
  }
  const CliRun preflight = Flightcheck({"preflight"});
  EXPECT_EQ(preflight.exit_code, 2) << preflight.out << preflight.err;
  EXPECT_TRUE(State("preflight").is_object()) << "the state file is valid JSON";
  EXPECT_EQ(HostStatus("preflight", 1), "success");
  for (int i = 2; i <= 5; ++i) EXPECT_EQ(HostStatus("preflight", i), "failed") << i;
  EXPECT_EQ(HostMessage("preflight", 2).rfind("no preflight report from the host (exit 0)", 0), 0)
      << HostMessage("preflight", 2);
  EXPECT_EQ(HostMessage("preflight", 3),
            "no preflight report from the host (exit 0): its output was cut at 16 MiB");
  EXPECT_EQ(HostMessage("preflight", 4), "0 failed, 0 could not be evaluated: r.bad");
  EXPECT_EQ(HostMessage("preflight", 5),
            "no preflight report from the host (exit 0): the report is not a flightcheck check "
            "report");
  EXPECT_NE(ReadLog("preflight", 3).find("[output cut at 16 MiB]"), std::string::npos);
  EXPECT_NE(preflight.out.find("r.bad failed on 1 of 1 hosts"), std::string::npos) << preflight.out;
}

// ip-detect as DC/OS users write it: bash, with pipefail (dash, sh here, has no pipefail). A host
// prints what its private /opt/ip-detect-output holds, when there is one.
constexpr const char* kBashIpDetect = R"(#!/bin/bash
set -euo pipefail
if [ -f /opt/ip-detect-output ]; then cat /opt/ip-detect-output; exit 0; fi
echo "$SSH_CONNECTION" | cut -d' ' -f3
)";

TEST_F(FleetTest, IpDetectRunsByItsShebangAndMustPrintTheConfiguredAddress) {
  StartHosts(3);
  // Host 3 is a public agent with an ip-detect-public of its own; its setup hook records the
  // addresses it was given.
  dir_.WriteFile("payload/hooks/public_agent/setup",
                 "#!/bin/sh\necho \"$FLIGHTCHECK_HOST_IP $FLIGHTCHECK_PUBLIC_IP\" > "
                 "\"$FLIGHTCHECK_PREFIX/addresses\"\n");
  ASSERT_EQ(::chmod((dir_.path() / "payload/hooks/public_agent/setup").c_str(), 0755), 0);
  WriteInstallDir(1);
  dir_.WriteFile("genconf/ip-detect", kBashIpDetect);
  dir_.WriteFile("genconf/ip-detect-public",
                 "#!/bin/bash\nset -o pipefail\necho 203.0.113.9 | cat\n");
  std::string config = testing::ReadTextFile(dir_.path() / "genconf/config.yaml");
  const std::string agents =
      fmt::format("agent_list: [{}, {}]\n", hosts_->address(2), hosts_->address(3));
  ASSERT_NE(config.find(agents), std::string::npos) << config;
  config.replace(config.find(agents), agents.size(),
                 fmt::format("agent_list: [{}]\npublic_agent_list: [{}]\n"
                             "ip_detect_public_filename: genconf/ip-detect-public\n",
                             hosts_->address(2), hosts_->address(3)));
  dir_.WriteFile("genconf/config.yaml", config);
  const CliRun genconf = Flightcheck({"genconf"});
  ASSERT_EQ(genconf.exit_code, 0) << genconf.out << genconf.err;

  CliRun preflight = Flightcheck({"preflight"});
  ASSERT_EQ(preflight.exit_code, 0) << preflight.out << preflight.err;

  // Host 2 prints an address of no interface here, host 3 another host's address.
  auto set_output = [&](int host, const std::string& text) {
    ASSERT_EQ(hosts_->RunInNamespace(host, fmt::format("printf '{}' > /opt/ip-detect-output", text))
                  .exit_code,
              0);
  };
  set_output(2, "192.0.2.1\\n");
  set_output(3, hosts_->address(1) + "\\n");
  preflight = Flightcheck({"preflight"});
  EXPECT_EQ(preflight.exit_code, 2) << preflight.out << preflight.err;
  EXPECT_NE(preflight.out.find(fmt::format(
                "ip_detect.local_interface failed on 1 of 3 hosts ({}): 192.0.2.1, on no local "
                "interface\n",
                hosts_->address(2))),
            std::string::npos)
      << preflight.out;
  EXPECT_NE(preflight.out.find(fmt::format(
                "ip_detect.matches_config failed on 2 of 3 hosts: {0} (192.0.2.1, on no local "
                "interface, but the config lists {0} for this host), {1} ({2}, but the config "
                "lists {1} for this host)",
                hosts_->address(2), hosts_->address(3), hosts_->address(1))),
            std::string::npos)
      << preflight.out;
  EXPECT_NE(preflight.out.find("hint: Make ip-detect print the address this host has in"),
            std::string::npos)
      << preflight.out;
  EXPECT_NE(preflight.out.find("1 out of 3 hosts successfully completed preflight stage."),
            std::string::npos)
      << preflight.out;

  // Two addresses are not one.
  set_output(2, fmt::format("{}\\n{}\\n", hosts_->address(2), hosts_->address(1)));
  ASSERT_EQ(hosts_->RunInNamespace(3, "rm /opt/ip-detect-output").exit_code, 0);
  preflight = Flightcheck({"preflight"});
  EXPECT_EQ(preflight.exit_code, 2) << preflight.out << preflight.err;
  EXPECT_NE(preflight.out.find(fmt::format(
                "ip_detect.one_address failed on 1 of 3 hosts ({}): printed 2 lines: {}, {}\n",
                hosts_->address(2), hosts_->address(2), hosts_->address(1))),
            std::string::npos)
      << preflight.out;

  // Fixed: preflight passes and deploy installs, each node running the bash scripts itself.
  ASSERT_EQ(hosts_->RunInNamespace(2, "rm /opt/ip-detect-output").exit_code, 0);
  preflight = Flightcheck({"preflight"});
  ASSERT_EQ(preflight.exit_code, 0) << preflight.out << preflight.err;
  const CliRun deploy = Flightcheck({"deploy"});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;
  EXPECT_EQ(hosts_->RunInNamespace(2, "cat /opt/mesosphere/.flightcheck-role").output, "agent\n");
  EXPECT_EQ(hosts_->RunInNamespace(3, "cat /opt/mesosphere/addresses").output,
            hosts_->address(3) + " 203.0.113.9\n");
}

}  // namespace
}  // namespace flightcheck
