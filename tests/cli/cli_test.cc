// `flightcheck` end to end on rule files of our own: statuses, exit codes, selection, ignore,
// variables, formats, --output, and the generated probe reference.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using testing::CliRun;
using testing::RunFlightcheck;
using testing::ScopedTempDir;

constexpr const char* kHeader =
    "apiVersion: flightcheck/v1\nkind: RuleSet\nphase: preflight\nrules:\n";

// A host root with one file, and rules over it whose outcomes are known.
class CheckCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.WriteFile("etc/marker", "hello\n");
    dir_.WriteFile("rules.yaml", std::string(kHeader) + R"(
  - id: marker.exists
    title: Marker file exists
    probe: {file: {path: /etc/marker}}
    expect: {exists: true, contents: "hello\n"}
  - id: marker.size
    title: Marker is large
    probe: {file: {path: /etc/marker}}
    expect: {size: {ge: 1KiB}}
    hint: Make the marker bigger.
  - id: missing.file
    title: A file that is not there
    severity: warn
    probe: {file: {path: /etc/absent}}
    expect: {exists: true}
  - id: after.failure
    title: Depends on a failing rule
    requires: [marker.size]
    probe: {file: {path: /etc/marker}}
    expect: {exists: true}
  - id: needs.var
    title: Uses a variable
    probe: {file: {path: "${marker_path}"}}
    expect: {exists: true}
)");
  }

  CliRun Check(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "check", "--rules", "rules.yaml", "--root", root_.path().string(), "--color", "never"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunFlightcheck(args, dir_.path());
  }

  ScopedTempDir root_;
  ScopedTempDir dir_;
};

TEST_F(CheckCommandTest, TextReportShowsEveryRuleWithObservationsAndExitsTwoOnFailure) {
  const CliRun run = Check({});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.out.find("PASS  marker.exists"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("FAIL  marker.size                  Marker is large: size is 6B, "
                         "expected >= 1KiB\n      hint: Make the marker bigger.\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("WARN  missing.file"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("SKIP  after.failure                Depends on a failing rule: "
                         "requirement 'marker.size' did not pass (fail)"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("needs.var                    Uses a variable: variable 'marker_path' "
                         "is not set (pass --var marker_path=...)"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("5 rules in "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("1 passed, 1 warning, 1 failed, 1 skipped, 1 not checked"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("\033["), std::string::npos) << "no colour when not a terminal";
}

TEST_F(CheckCommandTest, VariablesSubstitute) {
  const CliRun run = Check({"--only", "needs.var", "--var", "marker_path=/etc/marker"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("PASS  needs.var"), std::string::npos) << run.out;
}

TEST_F(CheckCommandTest, VarsFileSuppliesVariablesAndVarFlagsWin) {
  dir_.WriteFile("vars.json", R"({"marker_path": "/etc/absent", "unused": ["a", 1, true]})");
  const CliRun from_file = Check({"--only", "needs.var", "--vars-file", "vars.json"});
  EXPECT_EQ(from_file.exit_code, 2) << from_file.out << from_file.err;
  EXPECT_NE(from_file.out.find("FAIL  needs.var"), std::string::npos) << from_file.out;
  const CliRun overridden = Check(
      {"--only", "needs.var", "--vars-file", "vars.json", "--var", "marker_path=/etc/marker"});
  EXPECT_EQ(overridden.exit_code, 0) << overridden.out << overridden.err;
}

TEST_F(CheckCommandTest, BadVarsFileIsAUsageErrorNamingTheFileAndTheProblem) {
  dir_.WriteFile("object.json", R"({"marker_path": {"nested": 1}})");
  dir_.WriteFile("list.json", R"([1, 2])");
  dir_.WriteFile("broken.json", R"({"marker_path": )");
  const CliRun nested = Check({"--vars-file", "object.json"});
  EXPECT_EQ(nested.exit_code, 64);
  EXPECT_NE(nested.err.find("--vars-file: object.json: 'marker_path' must be a string, number, "
                            "boolean or list of those, not object"),
            std::string::npos)
      << nested.err;
  const CliRun list = Check({"--vars-file", "list.json"});
  EXPECT_NE(list.err.find("--vars-file: list.json: expected a JSON object of NAME: VALUE, not "
                          "array"),
            std::string::npos)
      << list.err;
  const CliRun broken = Check({"--vars-file", "broken.json"});
  EXPECT_NE(broken.err.find("--vars-file: broken.json: not valid JSON"), std::string::npos)
      << broken.err;
  const CliRun missing = Check({"--vars-file", "absent.json"});
  EXPECT_EQ(missing.exit_code, 64);
  EXPECT_NE(missing.err.find("--vars-file: cannot read 'absent.json'"), std::string::npos)
      << missing.err;
}

TEST_F(CheckCommandTest, IgnoreDowngradesFailureToWarningAndStillPrintsIt) {
  // needs.var is not checked without its variable: that alone makes the exit code 3, not 0.
  const CliRun run = Check({"--ignore", "marker.size"});
  EXPECT_EQ(run.exit_code, 3) << run.out;
  EXPECT_NE(run.out.find("1 rule could not be checked: this run does not show the host is ready."),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("WARN  marker.size"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("[ignored]"), std::string::npos) << run.out;
  const CliRun all = Check({"--ignore", "all", "--strict", "--skip", "needs.var"});
  EXPECT_EQ(all.exit_code, 1) << "warnings only, with --strict";
  EXPECT_EQ(Check({"--ignore", "all", "--skip", "needs.var"}).exit_code, 0);
}

TEST_F(CheckCommandTest, WarningsAloneExitZeroOrOneWithStrict) {
  EXPECT_EQ(Check({"--only", "missing.file,marker.exists"}).exit_code, 0);
  EXPECT_EQ(Check({"--only", "missing.file,marker.exists", "--strict"}).exit_code, 1);
}

TEST_F(CheckCommandTest, SkipAndOnlyNeverEvaluateUnselectedRules) {
  const CliRun run = Check({"--skip", "marker.*", "--format", "json"});
  const nlohmann::json report = nlohmann::json::parse(run.out);
  std::vector<std::string> ids;
  for (const auto& r : report["results"]) ids.push_back(r["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"missing.file", "after.failure", "needs.var"}));
  EXPECT_EQ(report["results"][1]["message"], "requirement 'marker.size' was skipped (--skip)");
  EXPECT_EQ(report["results"][1]["skip_cause"], "requirement_not_checked");
  EXPECT_EQ(report["results"][2]["skip_cause"], "variable_unset");
  EXPECT_EQ(report["summary"]["unchecked"], 2);
  EXPECT_EQ(run.exit_code, 3) << "rules that were selected and not checked";
  EXPECT_EQ(report["summary"]["unselected"], 2);
}

TEST_F(CheckCommandTest, JsonReportFollowsTheVersionedSchema) {
  const CliRun run = Check({"--format", "json"});
  EXPECT_EQ(run.exit_code, 2);
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["schema"], "flightcheck/report/v1");
  EXPECT_EQ(report["exit_code"], 2);
  EXPECT_EQ(report["summary"]["total"], 5);
  EXPECT_EQ(report["summary"]["fail"], 1);
  const nlohmann::json& size = report["results"][1];
  EXPECT_EQ(size["id"], "marker.size");
  EXPECT_EQ(size["status"], "fail");
  EXPECT_EQ(size["facts"]["size"], 6);
  EXPECT_EQ(size["expect"]["size"], ">= 1KiB");
  EXPECT_EQ(size["params"]["path"], "/etc/marker");
  EXPECT_EQ(size["attempts"], 1);
}

TEST_F(CheckCommandTest, MachineFormats) {
  const CliRun junit = Check({"--format", "junit"});
  EXPECT_NE(junit.out.find("<testsuites name=\"flightcheck\" tests=\"5\" failures=\"1\" "
                           "errors=\"0\" skipped=\"2\""),
            std::string::npos)
      << junit.out;
  EXPECT_NE(junit.out.find("<failure message=\"Marker is large: size is 6B, expected &gt;= 1KiB\""),
            std::string::npos)
      << junit.out;
  const CliRun tap = Check({"--format", "tap"});
  EXPECT_NE(tap.out.find("TAP version 13\n1..5\nok 1 - marker.exists"), std::string::npos);
  EXPECT_NE(tap.out.find("not ok 2 - marker.size"), std::string::npos) << tap.out;
  EXPECT_NE(tap.out.find("ok 4 - after.failure: Depends on a failing rule # SKIP"),
            std::string::npos)
      << tap.out;
  const CliRun prom = Check({"--format", "prometheus"});
  EXPECT_NE(prom.out.find("flightcheck_rule_status{rule=\"marker.size\",phase=\"preflight\","
                          "status=\"fail\"} 1"),
            std::string::npos)
      << prom.out;
  EXPECT_NE(prom.out.find("flightcheck_rules{status=\"skip\"} 2"), std::string::npos);
  const CliRun nagios = Check({"--format", "nagios"});
  EXPECT_EQ(nagios.out.substr(0, 49), "FLIGHTCHECK CRITICAL - 1 failed, 0 errors, 1 warn");
  EXPECT_EQ(nagios.exit_code, 2);
}

TEST_F(CheckCommandTest, OutputIsWrittenWholeToTheFile) {
  const CliRun run = Check({"--format", "json", "--output", "report.json"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  const nlohmann::json report =
      nlohmann::json::parse(testing::ReadTextFile(dir_.path() / "report.json"));
  EXPECT_EQ(report["summary"]["total"], 5);
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "temporary file left behind: " << entry.path();
  }
}

TEST_F(CheckCommandTest, OutputToAMissingDirectoryIsAnError) {
  const CliRun run = Check({"--output", "no/such/dir/report.txt"});
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_EQ(run.err,
            "flightcheck: error: cannot write 'no/such/dir/report.txt': No such file or "
            "directory\n");
}

TEST(CheckErrorsTest, AHangingCommandIsAnErrorAtItsTimeoutWhileOtherRulesFinish) {
  ScopedTempDir dir;
  dir.WriteFile("rules.yaml", std::string(kHeader) + R"(
  - id: slow
    title: Hangs
    timeout: 500ms
    probe: {command: {argv: [sleep, "30"]}}
    expect: {exit_code: 0}
  - id: quick
    title: Answers
    probe: {command: {argv: ["true"]}}
    expect: {exit_code: 0}
)");
  const auto started = std::chrono::steady_clock::now();
  const CliRun run =
      RunFlightcheck({"check", "--rules", "rules.yaml", "--format", "json"}, dir.path());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(run.exit_code, 3) << "an error and no failure";
  EXPECT_LT(seconds, 5.0);
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["results"][0]["status"], "error");
  EXPECT_NE(report["results"][0]["message"].get<std::string>().find("timeout: "), std::string::npos)
      << report["results"][0]["message"];
  EXPECT_EQ(report["results"][1]["status"], "pass");
}

TEST(CheckRetryTest, RetryWaitsUntilTheFactAppearsAndDeadlineZeroDisablesRetries) {
  ScopedTempDir dir;
  const std::string flag = (dir.path() / "flag").string();
  dir.WriteFile("rules.yaml", std::string(kHeader) + R"(
  - id: appears
    title: The flag file appears
    probe: {command: {shell: "test -e )" +
                                  flag + R"( || { touch )" + flag +
                                  R"(; exit 1; }"}}
    expect: {exit_code: 0}
    retry: {within: 10s, every: 200ms}
)");
  const CliRun no_retry = RunFlightcheck(
      {"check", "--rules", "rules.yaml", "--deadline", "0", "--format", "json"}, dir.path());
  EXPECT_EQ(no_retry.exit_code, 2);
  EXPECT_EQ(nlohmann::json::parse(no_retry.out)["results"][0]["attempts"], 1);
  std::filesystem::remove(flag);
  const CliRun retried =
      RunFlightcheck({"check", "--rules", "rules.yaml", "--format", "json"}, dir.path());
  EXPECT_EQ(retried.exit_code, 0) << retried.out;
  EXPECT_EQ(nlohmann::json::parse(retried.out)["results"][0]["attempts"], 2);
}

TEST(BuiltinRulesTest, ListShowAndValidate) {
  const CliRun list = RunFlightcheck({"rules", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  for (const char* id : {"docker.version", "docker.storage-driver", "selinux.not-enforcing",
                         "opt.on-root", "clock.synced", "ports.master", "zookeeper.quorum"}) {
    EXPECT_NE(list.out.find(id), std::string::npos) << id;
  }
  const CliRun show = RunFlightcheck({"rules", "show", "docker.version"});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("server_version: {semver: \">=1.13.1\"}"), std::string::npos) << show.out;
  EXPECT_EQ(show.out.find("docker.storage-driver"), std::string::npos) << "only the named rule";
  const CliRun validate = RunFlightcheck({"rules", "validate"});
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
}

TEST(BuiltinRulesTest, PreflightRunsMeaningfullyWithNoVariables) {
  const CliRun run = RunFlightcheck({"check", "--format", "json", "--deadline", "0"});
  const nlohmann::json report = nlohmann::json::parse(run.out);
  EXPECT_EQ(report["phase"], "preflight");
  EXPECT_GE(report["summary"]["total"].get<int>(), 15);
  for (const auto& result : report["results"]) {
    EXPECT_EQ(result["message"].get<std::string>().find("is not set"), std::string::npos)
        << result["id"] << " needs a variable";
  }
}

TEST(ProbesDocTest, DocsProbesMdIsGeneratedFromTheRegistry) {
  const CliRun run = RunFlightcheck({"probes", "--markdown"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const std::string committed =
      testing::ReadTextFile(std::filesystem::path(FLIGHTCHECK_SOURCE_DIR) / "docs" / "probes.md");
  EXPECT_EQ(committed, run.out)
      << "docs/probes.md is stale: run `flightcheck probes --markdown > docs/probes.md`";
}

// --help names the DC/OS spellings in the order of an install, and the flags flightcheck does
// not implement.
TEST(DcosSpellingsTest, HelpListsThemInStageOrder) {
  const CliRun run = RunFlightcheck({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("DC/OS installer spellings (dcos_generate_config.sh), in the order of an "
                         "install; -v and --verbose are accepted with them anywhere:\n"
                         "  --validate-config   flightcheck validate-config\n"
                         "  --genconf           flightcheck genconf\n"
                         "  --preflight         flightcheck preflight\n"
                         "  --deploy            flightcheck deploy\n"
                         "  --postflight        flightcheck postflight\n"
                         "  --uninstall         flightcheck uninstall\n"
                         "  --hash-password     flightcheck hash-password\n"
                         "Not done by flightcheck (each says what to run instead, exit 64): "
                         "--install-prereqs, --offline, --web, --set-superuser-password, "
                         "--aws-cloudformation, --generate-node-upgrade-script, "
                         "--cli-telemetry-disabled\n"),
            std::string::npos)
      << run.out;
}

// A DC/OS installer flag flightcheck does not implement is a usage error saying what to run
// instead, wherever it is; nothing runs.
TEST(DcosSpellingsTest, FlagsFlightcheckDoesNotImplementSaySo) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--install-prereqs"},
       "--install-prereqs: flightcheck does not install prerequisites on the hosts: install "
       "Docker and the packages DC/OS needs with your own tooling, then run `flightcheck "
       "preflight`, which checks each of them"},
      {{"--preflight", "--offline"},
       "--offline: flightcheck has no web installer for --offline to change, and it downloads "
       "nothing: run the command without --offline"},
      {{"-v", "--web"},
       "--web: flightcheck has no web installer: run `flightcheck validate-config`, `flightcheck "
       "genconf`, `flightcheck preflight`, `flightcheck deploy` and `flightcheck postflight` in "
       "turn"},
      {{"--set-superuser-password", "hunter2"},
       "--set-superuser-password: flightcheck does not edit config.yaml: run `flightcheck "
       "hash-password` and set superuser_password_hash to the hash it prints"},
      {{"--genconf", "--preflight"},
       "--genconf and --preflight are 2 commands; run one at a time, in the order "
       "validate-config, genconf, preflight, deploy, postflight"},
  };
  ScopedTempDir dir;
  for (const auto& [args, message] : cases) {
    const CliRun run = RunFlightcheck(args, dir.path());
    EXPECT_EQ(run.exit_code, 64) << message;
    EXPECT_EQ(run.err,
              "flightcheck: error: " + message + "\nRun 'flightcheck --help' for usage.\n");
    EXPECT_EQ(run.out, "");
  }
}

// -v goes with the install driver's commands only; elsewhere it stays an unknown option.
TEST(DcosSpellingsTest, VerboseOnlyWithInstallerCommands) {
  ScopedTempDir dir;
  const CliRun run = RunFlightcheck({"probes", "-v"}, dir.path());
  EXPECT_EQ(run.exit_code, 64);
}

}  // namespace
}  // namespace flightcheck
