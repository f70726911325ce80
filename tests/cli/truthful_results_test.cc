// Issue 7's cases end to end, each with its exact output and exit code: unknown is never pass,
// a run that checked nothing never exits 0, and every run is bounded in wall time and can be
// stopped. (Durations and the host name in summaries are replaced by T and H.)
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <chrono>
#include <regex>

#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/loopback_socket.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using testing::CliRun;
using testing::RunFlightcheck;
using testing::RunFlightcheckScript;
using testing::ScopedTempDir;

constexpr const char* kHeader =
    "apiVersion: flightcheck/v1\nkind: RuleSet\nphase: preflight\nrules:\n";

std::string Normalize(const std::string& text) {
  static const std::regex kSummary(" on [^ ]+: (\\d+ rules?) in [0-9.]+(us|ms|s|m)");
  return std::regex_replace(text, kSummary, " on H: $1 in T");
}

// `flightcheck check --rules rules.yaml --format json` in dir, in a private mount namespace where
// each file of dir named first is bind-mounted over the host path named second (needs root).
CliRun CheckWithHostFilesReplaced(const std::filesystem::path& dir,
                                  const std::vector<std::pair<std::string, std::string>>& binds) {
  std::string mounts;
  for (const auto& [file, host_path] : binds) {
    mounts += "mount --bind " + file + " " + host_path + " && ";
  }
  return RunFlightcheckScript("exec unshare -m --propagation private sh -c '" + mounts +
                                  "exec \"$0\" check --rules rules.yaml --format json' \"$0\"",
                              dir);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(TruthfulResultsTest, MatchersOverFactsThatCannotBeJudgedAreErrorsNotPasses) {
  ScopedTempDir dir;
  dir.WriteFile("rules.yaml", std::string(kHeader) + R"(
  - id: docker.not-old
    title: Docker is not older than 1.13
    probe: docker
    expect: {not: {server_version: {semver: "<1.13"}}}
  - id: file.not-small
    title: The file is not small
    probe: {file: {path: /nonexistent}}
    expect: {not: {size: {lt: 10}}}
  - id: file.small-or-there
    title: Small or there
    probe: {file: {path: /nonexistent}}
    expect: {any_of: [{size: {lt: 10}}, {exists: true}]}
)");
  const CliRun run = RunFlightcheck({"check", "--rules", "rules.yaml", "--docker-socket",
                                     "/nonexistent.sock", "--color", "never"},
                                    dir.path());
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_EQ(
      Normalize(run.out),
      R"(ERROR docker.not-old               Docker is not older than 1.13: cannot judge server_version: "" is not a version (expected version <1.13)
      detail: no socket at /nonexistent.sock
ERROR file.not-small               The file is not small: cannot judge size: the probe reported null (expected < 10)
ERROR file.small-or-there          Small or there: no alternative passes: (cannot judge size: the probe reported null (expected < 10)) or (exists is false, expected true)

check on H: 3 rules in T: 0 passed, 3 errors
3 rules could not be checked: this run does not show the host is ready.
)");
}

TEST(TruthfulResultsTest, RulesSkippedForWantOfAVariableExitThree) {
  // units.healthy asks the systemd manager, which this machine does not run (it would retry its
  // error for 15 minutes): only the quorum rule here.
  const CliRun run = RunFlightcheck(
      {"check", "--phase", "postflight", "--skip", "units.healthy", "--color", "never"});
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_EQ(Normalize(run.out),
            "SKIP  zookeeper.quorum             ZooKeeper quorum of the masters serves: variable "
            "'master_list' is not set (pass --var master_list=...)\n\npostflight on H: 1 rule in "
            "T: 0 passed, 1 not checked; 30 rules not selected (phase, role, tags, --only, "
            "--skip)\n1 rule could not be checked: this run does not show the host is ready.\n");
}

TEST(TruthfulResultsTest, ASelectionOfNoRulesIsAUsageError) {
  CliRun run = RunFlightcheck({"check", "--tag", "no-such-tag"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "flightcheck: error: --tag: no rule of phase 'preflight' has tag 'no-such-tag'; tags: "
            "disk, docker, install, network, os, time\nRun 'flightcheck --help' for usage.\n");
  run = RunFlightcheck({"check", "--tag", "dockr"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("has tag 'dockr' (did you mean 'docker'?)"), std::string::npos) << run.err;
  // A phase the rule files have no rule of: here, rule files of preflight rules only.
  ScopedTempDir dir;
  dir.WriteFile("rules.yaml", std::string(kHeader) +
                                  "  - id: a\n    probe: {file: {path: /}}\n    expect: {exists: "
                                  "true}\n");
  run = RunFlightcheck(
      {"check", "--rules", (dir.path() / "rules.yaml").string(), "--phase", "health"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_EQ(run.err,
            "flightcheck: error: --phase: no rule of phase 'health' in the rule files; phases "
            "with rules: preflight\nRun 'flightcheck --help' for usage.\n");
}

TEST(TruthfulResultsTest, HealthPhaseUnitsWithoutAManagerAreNotChecked) {
  // The built-in health rules: the unit rule asks a systemd manager; one that is not there is an
  // error (exit 3), never a healthy unit.
  const CliRun run =
      RunFlightcheck({"check", "--phase", "health", "--only", "health.units", "--systemd-bus",
                      "unix:path=/nonexistent/fc/private", "--format", "json"});
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["phase"], "health");
  ASSERT_EQ(report["results"].size(), 1u) << run.out;
  EXPECT_EQ(report["results"][0]["id"], "health.units");
  EXPECT_EQ(report["results"][0]["status"], "error");
  const std::string message = report["results"][0]["message"].get<std::string>();
  EXPECT_NE(message.find("unix:path=/nonexistent/fc/private"), std::string::npos) << message;
}

TEST(TruthfulResultsTest, OnlyPullsInTheRulesItRequiresAndSaysSo) {
  const CliRun run = RunFlightcheck({"check", "--only", "docker.version", "--docker-socket",
                                     "/nonexistent.sock", "--color", "never", "--format", "json"});
  EXPECT_EQ(run.exit_code, 2) << run.out;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["pulled_in"], nlohmann::json({"docker.installed", "docker.running"}));
  ASSERT_EQ(report["results"].size(), 3u);
  EXPECT_EQ(report["results"][1]["status"], "fail") << "docker.running was checked";
  EXPECT_EQ(report["results"][2]["id"], "docker.version");
  EXPECT_EQ(report["results"][2]["skip_cause"], "requirement_failed");
  const CliRun text = RunFlightcheck({"check", "--only", "docker.version", "--docker-socket",
                                      "/nonexistent.sock", "--color", "never"});
  EXPECT_NE(Normalize(text.out).find(
                "preflight on H: 3 rules in T: 1 passed, 1 failed, 1 skipped; 28 rules not "
                "selected (phase, role, tags, --only, --skip); 2 rules required by the selection: "
                "docker.installed, docker.running\n"),
            std::string::npos)
      << text.out;
}

// Two tcp_connect rules with a 2 s timeout to names whose only resolver never answers: both are
// errors and the whole run takes under 4 s (getaddrinfo took 10 s). The resolver is a UDP socket
// that reads nothing; /etc/resolv.conf is replaced in a private mount namespace (needs root).
TEST(TruthfulResultsTest, ABlackHoleResolverCostsEachRuleItsTimeoutNotMore) {
  ScopedTempDir dir;
  testing::LoopbackSocket black_hole("127.0.0.77", false, 16, SOCK_DGRAM, 53);
  dir.WriteFile("resolv.conf", "nameserver 127.0.0.77\noptions timeout:5 attempts:2\n");
  dir.WriteFile("rules.yaml", std::string(kHeader) + R"(
  - id: reach.a
    timeout: 2s
    probe: {tcp_connect: {host: a.flightcheck-test.example, port: 80}}
    expect: {reachable: true}
  - id: reach.b
    timeout: 2s
    probe: {tcp_connect: {host: b.flightcheck-test.example, port: 80}}
    expect: {reachable: true}
)");
  const auto start = std::chrono::steady_clock::now();
  const CliRun run = CheckWithHostFilesReplaced(dir.path(), {{"resolv.conf", "/etc/resolv.conf"}});
  const double seconds = SecondsSince(start);
  EXPECT_LT(seconds, 4.0) << run.out << run.err;
  EXPECT_EQ(run.exit_code, 3) << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  for (const auto& result : report["results"]) {
    EXPECT_EQ(result["status"], "error") << result.dump();
    EXPECT_NE(result["message"].get<std::string>().find("no resolver answered in time"),
              std::string::npos)
        << result.dump();
  }
}

// NSS cannot be interrupted: a lookup whose source hangs (here /etc/passwd and /etc/group are
// FIFOs nobody writes, in a private mount namespace; in life a hung LDAP server) is abandoned at
// the rule's timeout, and the run ends with the other rules' results instead of never.
TEST(TruthfulResultsTest, AnNssLookupStuckOnAHungSourceCostsTheRuleItsTimeout) {
  ScopedTempDir dir;
  ASSERT_EQ(::mkfifo((dir.path() / "hung").c_str(), 0600), 0);
  dir.WriteFile("rules.yaml", std::string(kHeader) + R"(
  - id: user.nobody
    timeout: 1s
    probe: {user: {name: nobody}}
    expect: {exists: true}
  - id: group.nogroup
    timeout: 1s
    probe: {group: {name: nogroup}}
    expect: {exists: true}
  - id: quick
    probe: {command: {argv: ["true"]}}
    expect: {exit_code: 0}
)");
  const auto start = std::chrono::steady_clock::now();
  const CliRun run =
      CheckWithHostFilesReplaced(dir.path(), {{"hung", "/etc/passwd"}, {"hung", "/etc/group"}});
  EXPECT_LT(SecondsSince(start), 3.0) << run.out << run.err;
  EXPECT_EQ(run.exit_code, 3) << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["results"][0]["message"], "timeout: probe 'user' did not answer within 1s");
  EXPECT_EQ(report["results"][1]["message"], "timeout: probe 'group' did not answer within 1s");
  EXPECT_EQ(report["results"][2]["status"], "pass");
}

TEST(TruthfulResultsTest, SigtermStopsARunWithinASecondAndReportsWhatFinished) {
  ScopedTempDir dir;
  dir.WriteFile("rules.yaml", std::string(kHeader) + R"(
  - id: hangs
    timeout: 60s
    probe: {command: {argv: [sh, -c, 'sleep 53.5; true']}}
    expect: {exit_code: 0}
  - id: quick
    probe: {command: {argv: ["true"]}}
    expect: {exit_code: 0}
)");
  const auto start = std::chrono::steady_clock::now();
  const CliRun run = RunFlightcheckScript(
      "true; \"$0\" check --rules rules.yaml --format json > report.json & pid=$!; sleep 0.5; "
      "t0=$(date +%s%N); kill -TERM $pid; wait $pid; code=$?; t1=$(date +%s%N); "
      "echo \"exit=$code ms=$(( (t1 - t0) / 1000000 ))\"; cat report.json; "
      "sleep 0.2; pgrep -f 'sleep 53[.]5' >/dev/null && echo LEFT-BEHIND; true",
      dir.path());
  EXPECT_LT(SecondsSince(start), 5.0);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(run.out, match, std::regex("exit=(\\d+) ms=(\\d+)"))) << run.out;
  EXPECT_EQ(match[1], "143") << run.err;
  EXPECT_LT(std::stoi(match[2]), 1000) << "stopped within a second of SIGTERM";
  EXPECT_EQ(run.out.find("LEFT-BEHIND"), std::string::npos) << "the command was left running";
  ASSERT_NE(run.out.find('{'), std::string::npos) << run.out << run.err;
  const nlohmann::json report = nlohmann::json::parse(run.out.substr(run.out.find('{')));
  EXPECT_TRUE(report["stopped"]);
  EXPECT_EQ(report["results"][0]["status"], "error");
  EXPECT_EQ(report["results"][0]["message"],
            "stopped: the run was stopped before this rule finished");
  EXPECT_EQ(report["results"][1]["status"], "pass");
  EXPECT_EQ(run.err.find("Terminated"), std::string::npos);
}

}  // namespace
}  // namespace flightcheck
