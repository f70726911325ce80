#include "runner/rule_loader.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace flightcheck {
namespace {

LoadResult Load(const std::string& body) {
  return LoadRules({{"t.yaml",
                     "apiVersion: flightcheck/v1\nkind: RuleSet\nphase: preflight\n"
                     "rules:\n" +
                         body}},
                   ProbeRegistry::Global());
}

TEST(RuleLoaderTest, LoadsEveryField) {
  const LoadResult result = Load(R"(
  - id: zk
    title: Quorum
    description: Long text.
    hint: Fix it.
    phase: postflight
    roles: [master, slave]
    tags: [zookeeper]
    severity: warn
    timeout: 2s
    retry: {within: 1m, every: 500ms}
    probe: {zookeeper: {servers: "${master_list}", port: 2181}}
    expect: {quorum: true}
  - id: next
    requires: [zk]
    probe: docker
    expect:
      any_of:
        - {running: false}
        - {server_version: {semver: ">=1.13"}, storage_driver: {not: vfs}}
)");
  ASSERT_TRUE(result.ok()) << result.diagnostics.Format();
  ASSERT_EQ(result.rules.rules.size(), 2u);
  const Rule& zk = result.rules.rules[0];
  EXPECT_EQ(zk.title, "Quorum");
  EXPECT_EQ(zk.phase, "postflight");
  EXPECT_EQ(zk.roles, (std::vector<std::string>{"master", "agent"})) << "slave is agent";
  EXPECT_EQ(zk.severity, Severity::kWarn);
  EXPECT_EQ(zk.timeout, Milliseconds(2000));
  ASSERT_TRUE(zk.retry);
  EXPECT_EQ(zk.retry->within, Milliseconds(60000));
  EXPECT_EQ(zk.retry->every, Milliseconds(500));
  EXPECT_EQ(zk.params["servers"], "${master_list}");
  EXPECT_EQ(zk.params["port"], 2181);
  EXPECT_EQ(zk.location.line, 6);
  const Rule& next = result.rules.rules[1];
  EXPECT_EQ(next.phase, "preflight");
  EXPECT_EQ(next.title, "next") << "the id stands in for a missing title";
  EXPECT_EQ(next.requirements, std::vector<std::string>{"zk"});
  EXPECT_TRUE(next.expect.Evaluate({{"running", false}}).passed());
  EXPECT_TRUE(
      next.expect
          .Evaluate(
              {{"running", true}, {"server_version", "20.10.24"}, {"storage_driver", "overlay2"}})
          .passed());
  EXPECT_FALSE(
      next.expect
          .Evaluate({{"running", true}, {"server_version", "20.10.24"}, {"storage_driver", "vfs"}})
          .passed());
}

TEST(RuleLoaderTest, QuotedScalarsStayStrings) {
  const LoadResult result = Load(R"(
  - id: version
    probe: {sysctl: {key: "1"}}
    expect: {value: "true", number: 1}
)");
  ASSERT_TRUE(result.ok()) << result.diagnostics.Format();
  EXPECT_EQ(result.rules.rules[0].params["key"], "1");
  EXPECT_TRUE(result.rules.rules[0].expect.Evaluate({{"value", "true"}, {"number", 1}}).passed());
  EXPECT_FALSE(result.rules.rules[0].expect.Evaluate({{"value", true}, {"number", 1}}).passed());
}

TEST(RuleLoaderTest, FileLevelProblems) {
  const LoadResult empty = LoadRules({{"e.yaml", ""}}, ProbeRegistry::Global());
  EXPECT_EQ(empty.diagnostics.Format(),
            "e.yaml: error: the file is empty; a rule file is a map with apiVersion: "
            "flightcheck/v1, kind: RuleSet, phase and rules\n");
  const LoadResult wrong =
      LoadRules({{"w.yaml", "apiVersion: v2\nkind: Rules\nrules: []\n"}}, ProbeRegistry::Global());
  EXPECT_EQ(wrong.diagnostics.Format(),
            "w.yaml:1:1: error: missing key 'phase' (one of preflight, postflight, health)\n"
            "apiVersion: v2\n^\n"
            "w.yaml:1:13: error: unsupported apiVersion 'v2' (expected 'flightcheck/v1')\n"
            "apiVersion: v2\n            ^\n"
            "w.yaml:2:7: error: unsupported kind 'Rules' (expected 'RuleSet')\n"
            "kind: Rules\n      ^\n");
}

TEST(RuleLoaderTest, IdsAndRequirementsAcrossFiles) {
  const std::string header = "apiVersion: flightcheck/v1\nkind: RuleSet\nphase: preflight\n";
  const LoadResult result = LoadRules(
      {{"a.yaml", header + "rules:\n  - {id: a, probe: docker, expect: {running: true}}\n"},
       {"b.yaml", header + "rules:\n  - {id: b, requires: [a], probe: docker, expect: "
                           "{installed: true}}\n  - {id: a, probe: docker, expect: {running: "
                           "true}}\n"}},
      ProbeRegistry::Global());
  EXPECT_EQ(result.diagnostics.size(), 1u);
  EXPECT_NE(result.diagnostics.Format().find(
                "b.yaml:6:10: error: duplicate rule id 'a' (first defined at a.yaml:5:5)"),
            std::string::npos)
      << result.diagnostics.Format();
}

TEST(RuleLoaderTest, BuiltinRulesLoadClean) {
  const LoadResult result = LoadRules(BuiltinRuleSources(), ProbeRegistry::Global());
  EXPECT_TRUE(result.ok()) << result.diagnostics.Format();
  EXPECT_NE(result.rules.Find("zookeeper.quorum"), nullptr);
  EXPECT_EQ(result.rules.Find("zookeeper.quorum")->phase, "postflight");
}

TEST(RuleLoaderTest, ReadRuleFilesReportsUnreadablePaths) {
  DiagnosticList diagnostics;
  const std::vector<SourceFile> files = ReadRuleFiles({"/nonexistent/rules.yaml"}, &diagnostics);
  EXPECT_TRUE(files.empty());
  EXPECT_EQ(diagnostics.Format(), "/nonexistent/rules.yaml: error: no such file or directory\n");
}

}  // namespace
}  // namespace flightcheck

namespace flightcheck {
namespace {

// One rule with the given expect map; the single diagnostic's "line:col: message".
std::string TypeProblem(const std::string& probe, const std::string& expect) {
  const LoadResult result =
      Load("  - id: r\n    probe: " + probe + "\n    expect: " + expect + "\n");
  if (result.diagnostics.size() != 1) return "diagnostics: " + result.diagnostics.Format();
  const Diagnostic& d = result.diagnostics.diagnostics().front();
  return fmt::format("{}:{}: {}", d.line, d.column, d.message);
}

TEST(RuleLoaderTypeTest, AMatcherThatCannotApplyToTheFactsTypeIsALoadError) {
  EXPECT_EQ(TypeProblem("{file: {path: /etc/hostname}}", "{mode: {ge: 4}}"),
            "7:21: 'ge' cannot apply to fact 'mode' (string or null) of probe 'file'; 'ge' "
            "compares numbers, sizes and durations");
  EXPECT_EQ(TypeProblem("docker", "{running: {semver: '>=1'}}"),
            "7:24: 'semver' cannot apply to fact 'running' (bool) of probe 'docker'; 'semver' "
            "compares version strings");
  EXPECT_EQ(TypeProblem("host", "{cpus: {contains: 4}}"),
            "7:21: 'contains' cannot apply to fact 'cpus' (int) of probe 'host'; 'contains' "
            "compares strings and lists");
  EXPECT_EQ(TypeProblem("docker", "{running: {regex: x}}"),
            "7:24: 'regex' cannot apply to fact 'running' (bool) of probe 'docker'; 'regex' "
            "compares strings");
  EXPECT_EQ(TypeProblem("host", "{cpus: {empty: true}}"),
            "7:21: 'empty' cannot apply to fact 'cpus' (int) of probe 'host'; 'empty' compares "
            "strings, lists and maps");
  EXPECT_EQ(TypeProblem("host", "{memory: {ge: 100ms}}"),
            "7:27: 'ge 100ms' is a duration but fact 'memory' is a size; use a size such as 32GiB");
  EXPECT_EQ(TypeProblem("clock", "{max_error: {le: 1GiB}}"),
            "7:30: 'le 1GiB' is a size but fact 'max_error' is a duration; use a duration such as "
            "100ms");
  EXPECT_EQ(TypeProblem("docker", "{running: \"yes\"}"),
            "7:23: 'eq' compares fact 'running' (bool) with \"yes\"; write true or false");
  // Inside combinators and nested values of typed lists and maps.
  EXPECT_EQ(TypeProblem("docker", "{not: {running: {ge: 1}}}"),
            "7:30: 'ge' cannot apply to fact 'running' (bool) of probe 'docker'; 'ge' compares "
            "numbers, sizes and durations");
  EXPECT_EQ(TypeProblem("{binaries: {names: [curl]}}", "{paths.curl: {ge: 1}}"),
            "7:27: 'ge' cannot apply to fact 'paths.curl' (string) of probe 'binaries'; 'ge' "
            "compares numbers, sizes and durations");
}

TEST(RuleLoaderTypeTest, MatchersThatFitTheTypeLoad) {
  for (const char* expect :
       {"{server_version: {semver: '>=1.13.1'}}", "{storage_driver: {in: [overlay2]}}",
        "{server_version: {regex: '^2'}}", "{not: {server_version: {semver: '<1.13'}}}"}) {
    EXPECT_TRUE(
        Load(std::string("  - id: r\n    probe: docker\n    expect: ") + expect + "\n").ok())
        << expect;
  }
  EXPECT_TRUE(
      Load("  - id: r\n    probe: host\n    expect: {memory: {ge: 32GiB}, cpus: {ge: 4}}\n").ok());
  EXPECT_TRUE(
      Load("  - id: r\n    probe: {ports: {tcp: [80]}}\n    expect: {listening: {contains: 80}}\n")
          .ok());
}

}  // namespace
}  // namespace flightcheck
