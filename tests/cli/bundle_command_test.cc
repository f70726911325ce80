// `flightcheck bundle create` end to end: a bundle of real commands and files with planted
// secrets, read back with unzip and tar and grepped; the messages for every mistake.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kSources[] = R"(apiVersion: flightcheck/v1
kind: BundleSources
sources:
  - id: cmd.env
    command: {argv: [sh, -c, "echo DB_PASSWORD=PlantedCmdPw; echo Bearer PlantedCmdBearer1"]}
  - id: cmd.hang
    command: {argv: [sh, -c, "echo started; sleep 27.1828"], timeout: 500ms}
  - id: file.app
    file: {path: /etc/app.json}
  - id: file.missing
    file: {path: /etc/not-there}
    required: true
  - id: cmd.agent-only
    command: {argv: [echo, agent]}
    roles: [agent]
)";

constexpr char kHash[] = "$6$rounds=656000$plantedsalt$PlantedHashValue";

class BundleCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.WriteFile("sources.yaml", kSources);
    dir_.WriteFile("root/etc/app.json",
                   R"({"url": "https://admin:PlantedUrlPw@db.local/x", "name": "app"})"
                   "\nsuperuser " +
                       std::string(kHash) + "\n");
    dir_.WriteFile("config.yaml", std::string("cluster_name: t\nbootstrap_url: http://b:1\n"
                                              "master_discovery: static\n"
                                              "exhibitor_storage_backend: static\n"
                                              "master_list: [10.0.0.1]\n"
                                              "superuser_password_hash: ") +
                                      kHash + "\n");
    fs::create_directories(dir_.path() / "out");
  }
  CliRun Create(std::vector<std::string> extra) {
    std::vector<std::string> args = {"bundle",
                                     "create",
                                     "--role",
                                     "master",
                                     "--ip",
                                     "10.0.0.1",
                                     "--output",
                                     (dir_.path() / "out").string(),
                                     "--sources",
                                     (dir_.path() / "sources.yaml").string(),
                                     "--no-builtin-sources",
                                     "--root",
                                     (dir_.path() / "root").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunFlightcheck(args, dir_.path());
  }
  ScopedTempDir dir_;
};

TEST_F(BundleCommandTest, ANodeBundleHoldsNoPlantedSecretAndSaysWhatFailed) {
  // A hang of its own: other tests of this suite, run at the same time, hang theirs too.
  std::string sources = kSources;
  sources.replace(sources.find("27.1828"), 7, "31.4159");
  dir_.WriteFile("sources.yaml", sources);
  const auto started = std::chrono::steady_clock::now();
  const CliRun run = Create({"--config", (dir_.path() / "config.yaml").string()});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  // A required source failed: the bundle is complete, and the exit status says so.
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("bundle written: 4 items"));
  EXPECT_THAT(run.err, HasSubstr("2 failed (1 required, listed in summaryErrorsReport.txt)"));
  const std::string path = run.out.substr(0, run.out.find('\n'));
  EXPECT_THAT(path, StartsWith((dir_.path() / "out/bundle-").string()));
  EXPECT_TRUE(path.ends_with(".zip")) << path;
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  const fs::path unpacked = dir_.path() / "unpacked";
  fs::create_directories(unpacked);
  ASSERT_EQ(RunShell("unzip -q " + ShellQuoted(path) + " -d " + ShellQuoted(unpacked)).exit_code,
            0);
  const ShellResult grep = RunShell("grep -r Planted " + ShellQuoted(unpacked));
  EXPECT_EQ(grep.exit_code, 1) << grep.output;
  EXPECT_EQ(RunShell("cat " + ShellQuoted(unpacked / "10.0.0.1_master/files/etc/app.json")).output,
            "{\"url\": \"https://[REDACTED]@db.local/x\", \"name\": \"app\"}\nsuperuser "
            "[REDACTED]\n");
  EXPECT_THAT(
      RunShell("cat " + ShellQuoted(unpacked / "10.0.0.1_master/commands/cmd.hang.txt")).output,
      HasSubstr("flightcheck: timeout"));
  EXPECT_EQ(RunShell("pgrep -f 'sleep 31[.]4159'").exit_code, 1) << "the hanging command survived";
  EXPECT_THAT(RunShell("cat " + ShellQuoted(unpacked / "summaryErrorsReport.txt")).output,
              StartsWith("file.missing: "));
  EXPECT_FALSE(fs::exists(unpacked / "10.0.0.1_master/commands/cmd.agent-only.txt"));
  const nlohmann::json manifest =
      nlohmann::json::parse(RunShell("cat " + ShellQuoted(unpacked / "manifest.json")).output);
  EXPECT_EQ(manifest["redacted"], true);
  EXPECT_EQ(manifest["items"].size(), 4u);
  int redactions = 0;
  for (const nlohmann::json& r : manifest["redactions"]) redactions += r["count"].get<int>();
  EXPECT_EQ(redactions, 4) << manifest["redactions"].dump();
}

TEST_F(BundleCommandTest, FormatsAndNoRedact) {
  const CliRun run = Create({"--format", "tar.gz", "--no-redact"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(
      run.err,
      HasSubstr("warning: --no-redact: the bundle holds passwords, tokens and keys as found"));
  const std::string path = run.out.substr(0, run.out.find('\n'));
  ASSERT_TRUE(path.ends_with(".tar.gz")) << path;
  EXPECT_THAT(RunShell("tar -xzOf " + ShellQuoted(path) + " manifest.json").output,
              HasSubstr("\"redacted\": false"));
  EXPECT_THAT(
      RunShell("tar -xzOf " + ShellQuoted(path) + " 10.0.0.1_master/commands/cmd.env.txt").output,
      HasSubstr("PlantedCmdPw"));
}

TEST_F(BundleCommandTest, MistakesAreUsageErrorsThatSayWhatIsRight) {
  const std::string hint = "Run 'flightcheck --help' for usage.\n";
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const Case cases[] = {
      {{"--format", "rar"},
       "flightcheck: error: --format: unknown archive format 'rar'; use one of tar, tar.gz, "
       "tar.zst, zip\n" +
           hint},
      {{"--since", "yesterday"},
       "flightcheck: error: --since: 'yesterday' is not a duration such as 90s, 30m, 1h or 2d\n" +
           hint},
  };
  for (const Case& c : cases) {
    const CliRun run = Create(c.args);
    EXPECT_EQ(run.exit_code, 64) << c.args[0];
    EXPECT_EQ(run.err, c.err);
  }
  const CliRun output = RunFlightcheck(
      {"bundle", "create", "--role", "agent", "--output", "/nonexistent-flightcheck-out"},
      dir_.path());
  EXPECT_EQ(output.exit_code, 64);
  EXPECT_EQ(
      output.err,
      "flightcheck: error: --output: '/nonexistent-flightcheck-out' is not a directory\n" + hint);
  // Flags that belong to one mode only.
  const struct {
    std::vector<std::string> args;
    std::string err;
  } modes[] = {
      {{},
       "flightcheck: error: --role is required (master, agent or public_agent), or --cluster\n"},
      {{"--role", "agent", "--timeout", "5s"},
       "flightcheck: error: --timeout: only with --cluster\n"},
      {{"--role", "agent", "--no-builtin-sources"},
       "flightcheck: error: --no-builtin-sources needs --sources FILE: there is nothing to "
       "collect\n"},
      {{"--cluster", "--role", "agent"},
       "flightcheck: error: --role: not with --cluster: each host's role and address come from "
       "config.yaml\n"},
      {{"--cluster", "--sources", "s.yaml"},
       "flightcheck: error: --sources: not with --cluster: each host collects the built-in "
       "sources and config.yaml's bundle_sources\n"},
      {{"--cluster", "--timeout", "soon"},
       "flightcheck: error: --timeout: 'soon' is not a duration (expected a number with a unit: "
       "ms, s, m or h, e.g. 5s)\n"},
      {{"--cluster", "--timeout", "500ms"}, "flightcheck: error: --timeout: must be at least 1s\n"},
  };
  for (const auto& mode : modes) {
    std::vector<std::string> args = {"bundle", "create"};
    args.insert(args.end(), mode.args.begin(), mode.args.end());
    const CliRun run = RunFlightcheck(args, dir_.path());
    EXPECT_EQ(run.exit_code, 64) << run.err;
    EXPECT_EQ(run.err, mode.err + hint);
  }
  const CliRun no_config = RunFlightcheck({"bundle", "create", "--cluster"}, dir_.path());
  EXPECT_EQ(no_config.exit_code, 65);
  EXPECT_THAT(no_config.err, HasSubstr("genconf/config.yaml"));
  const CliRun role = RunFlightcheck({"bundle", "create", "--role", "boss"}, dir_.path());
  EXPECT_EQ(role.exit_code, 64);
  EXPECT_EQ(role.err,
            "flightcheck: error: --role: 'boss' is not master, agent or public_agent\n" + hint);

  dir_.WriteFile("sources.yaml",
                 "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                 "  - id: a\n    comand: {argv: [ls]}\n");
  const CliRun bad = Create({});
  EXPECT_EQ(bad.exit_code, 65);
  const std::string sources = (dir_.path() / "sources.yaml").string();
  EXPECT_THAT(bad.err,
              HasSubstr(sources + ":5:5: unknown key 'comand' (did you mean 'command'?)\n"));
  EXPECT_THAT(bad.err, HasSubstr("flightcheck: error: " + sources +
                                 " has 2 problems; no bundle was made\n"));
  EXPECT_TRUE(fs::is_empty(dir_.path() / "out"));

  // Disabling a source that is not built in: where, what, and what it may have meant.
  dir_.WriteFile("sources.yaml",
                 "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                 "  - id: file.host\n    disabled: true\n");
  const CliRun unknown = Create({});
  EXPECT_EQ(unknown.exit_code, 65);
  EXPECT_EQ(unknown.err, sources +
                             ":4:5: disabled: 'file.host' is not a source this file extends "
                             "(there are none: --no-builtin-sources)\nflightcheck: error: " +
                             sources + " has 1 problem; no bundle was made\n");
  EXPECT_TRUE(fs::is_empty(dir_.path() / "out"));

  // Sources only for other roles: nothing collected is an error, and no bundle is left.
  dir_.WriteFile("sources.yaml",
                 "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                 "  - id: a\n    file: {path: /etc/app.json}\n    roles: [agent]\n");
  const CliRun none = Create({});
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_THAT(none.err, HasSubstr("no bundle was written: no source of " + sources +
                                  " applies to role master"));
  EXPECT_TRUE(fs::is_empty(dir_.path() / "out"));
}

// On a terminal, one line shows the item being collected, rewritten in place and cleared at the
// end; in a pipe (every other test here) there is none.
TEST_F(BundleCommandTest, ATerminalGetsAProgressLineThatIsClearedAtTheEnd) {
  dir_.WriteFile("sources.yaml",
                 "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                 "  - id: cmd.one\n    command: {argv: [echo, one]}\n"
                 "  - id: cmd.two\n    command: {argv: [echo, two]}\n");
  const CliRun run = testing::RunFlightcheckScript(
      "script -qec \"$0 bundle create --role master --ip 10.0.0.1 --output out --sources "
      "sources.yaml --no-builtin-sources\" /dev/null",
      dir_.path());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  const size_t one = run.out.find("\r\033[K[1/2] 10.0.0.1_master/commands/cmd.one.txt");
  const size_t two = run.out.find("\r\033[K[2/2] 10.0.0.1_master/commands/cmd.two.txt");
  const size_t path = run.out.find("out/bundle-");
  ASSERT_NE(one, std::string::npos) << run.out;
  ASSERT_NE(two, std::string::npos) << run.out;
  ASSERT_NE(path, std::string::npos) << run.out;
  EXPECT_LT(one, two);
  EXPECT_NE(run.out.find("\r\033[K", two + 1), std::string::npos) << "the line is cleared";
  EXPECT_LT(run.out.rfind("\r\033[K"), path) << "before the bundle's path is printed";
  const CliRun piped = Create({});
  EXPECT_EQ(piped.err.find('\r'), std::string::npos) << piped.err;
}

TEST_F(BundleCommandTest, BundlesMadeInTheSameSecondAreBothKept) {
  const CliRun first = Create({});
  const CliRun second = Create({});
  const std::string one = first.out.substr(0, first.out.find('\n'));
  const std::string two = second.out.substr(0, second.out.find('\n'));
  ASSERT_FALSE(one.empty() || two.empty()) << first.err << second.err;
  EXPECT_NE(one, two);
  EXPECT_TRUE(fs::exists(one));
  EXPECT_TRUE(fs::exists(two));
}

TEST_F(BundleCommandTest, SourcesExtendTheBuiltInOnes) {
  // Without --no-builtin-sources the built-in sources come too; an id of theirs is replaced.
  dir_.WriteFile("sources.yaml",
                 "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                 "  - id: cmd.df\n    command: {argv: [echo, replaced-df]}\n"
                 "  - id: cmd.extra\n    command: {argv: [echo, extra]}\n"
                 "  - id: file.hosts\n    disabled: true\n");
  const CliRun run = RunFlightcheck(
      {"bundle", "create", "--role", "master", "--ip", "10.0.0.1", "--output",
       (dir_.path() / "out").string(), "--sources", (dir_.path() / "sources.yaml").string()},
      dir_.path());
  const std::string path = run.out.substr(0, run.out.find('\n'));
  ASSERT_FALSE(path.empty()) << run.err;
  const CliRun inspect =
      RunFlightcheck({"bundle", "inspect", path, "--format", "json"}, dir_.path());
  std::map<std::string, std::string> items;
  const nlohmann::json report = nlohmann::json::parse(inspect.out);
  for (const nlohmann::json& item : report["manifest"]["items"]) {
    items[item["source"]] = item["path"];
  }
  EXPECT_TRUE(items.count("cmd.extra"));
  EXPECT_TRUE(items.count("file.os-release")) << "a built-in source";
  EXPECT_FALSE(items.count("file.hosts")) << "a disabled built-in source";
  EXPECT_EQ(
      RunShell("unzip -p " + ShellQuoted(path) + " 10.0.0.1_master/commands/cmd.df.txt").output,
      "replaced-df\n");
}

TEST_F(BundleCommandTest, InspectVerifyAndListReadABundleBack) {
  const CliRun created = Create({"--config", (dir_.path() / "config.yaml").string()});
  ASSERT_EQ(created.exit_code, 2) << created.err;
  const std::string path = created.out.substr(0, created.out.find('\n'));

  const CliRun inspect = RunFlightcheck({"bundle", "inspect", path}, dir_.path());
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_THAT(inspect.out, HasSubstr(path + ": flightcheck/bundle-manifest/v1, created "));
  EXPECT_THAT(inspect.out, HasSubstr(", zip, redacted\n"));
  EXPECT_THAT(inspect.out, HasSubstr("4 items, 2 failed (1 required), 0 truncated"));
  EXPECT_THAT(inspect.out, HasSubstr("    file.missing: not found: cannot read"));
  EXPECT_THAT(inspect.out, HasSubstr("10.0.0.1_master/commands/cmd.env.txt: secret-value x1"));
  EXPECT_THAT(inspect.out, Not(HasSubstr("Planted")));

  const CliRun json = RunFlightcheck({"bundle", "inspect", path, "--format", "json"}, dir_.path());
  EXPECT_EQ(json.exit_code, 0);
  const nlohmann::json report = nlohmann::json::parse(json.out);
  EXPECT_EQ(report["manifest"]["schema"], "flightcheck/bundle-manifest/v1");
  EXPECT_EQ(report["problems"].size(), 0u);

  const CliRun verify = RunFlightcheck({"bundle", "verify", path}, dir_.path());
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.err, HasSubstr(": verified: 5 entries match manifest.json"));

  const CliRun list = RunFlightcheck(
      {"bundle", "list", "--output", (dir_.path() / "out").string(), "--format", "json"},
      dir_.path());
  EXPECT_EQ(list.exit_code, 0) << list.err;
  const nlohmann::json rows = nlohmann::json::parse(list.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["bundle"], path);
  EXPECT_EQ(rows[0]["items"], 4);
  EXPECT_EQ(rows[0]["failed"], 2);

  // A bundle changed after it was made: verify names the entry, list flags it.
  const fs::path tree = dir_.path() / "tree";
  fs::create_directories(tree);
  ASSERT_EQ(RunShell("cd " + ShellQuoted(tree) + " && unzip -q " + ShellQuoted(path) +
                     " && echo edited >> 10.0.0.1_master/commands/cmd.env.txt && zip -q -r " +
                     ShellQuoted(path) + " .")
                .exit_code,
            0);
  const CliRun tampered = RunFlightcheck({"bundle", "verify", path}, dir_.path());
  EXPECT_EQ(tampered.exit_code, 2);
  EXPECT_THAT(tampered.out, StartsWith("10.0.0.1_master/commands/cmd.env.txt: sha256 is "));
  EXPECT_THAT(tampered.err, HasSubstr(": does not match its manifest: 1 problem\n"));
  const CliRun listed =
      RunFlightcheck({"bundle", "list", "--output", (dir_.path() / "out").string()}, dir_.path());
  EXPECT_THAT(listed.out, HasSubstr("DOES NOT MATCH ITS MANIFEST (bundle verify)"));
}

TEST_F(BundleCommandTest, ReadingWhatIsNoBundleSaysSo) {
  const CliRun missing = RunFlightcheck({"bundle", "verify", "nothere.zip"}, dir_.path());
  EXPECT_EQ(missing.exit_code, 65);
  EXPECT_THAT(missing.err, HasSubstr("flightcheck: error: 'nothere.zip': cannot open: "));
  dir_.WriteFile("out/bundle-x.zip", "not a zip\n");
  const CliRun text = RunFlightcheck({"bundle", "inspect", "out/bundle-x.zip"}, dir_.path());
  EXPECT_EQ(text.exit_code, 65);
  EXPECT_THAT(text.err, HasSubstr("flightcheck: error: 'out/bundle-x.zip': "));
  const CliRun list = RunFlightcheck({"bundle", "list", "--output", "out"}, dir_.path());
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_THAT(list.out, StartsWith("out/bundle-x.zip  unreadable: "));
  const CliRun format =
      RunFlightcheck({"bundle", "inspect", "out/bundle-x.zip", "--format", "yaml"}, dir_.path());
  EXPECT_EQ(format.exit_code, 64);
  EXPECT_THAT(format.err, StartsWith("flightcheck: error: --format: 'yaml' is not text or json\n"));
  const CliRun nodir = RunFlightcheck({"bundle", "list", "--output", "nodir"}, dir_.path());
  EXPECT_EQ(nodir.exit_code, 65);
  EXPECT_THAT(nodir.err, StartsWith("flightcheck: error: --output: cannot list 'nodir': "));
}

}  // namespace
}  // namespace flightcheck::testing
