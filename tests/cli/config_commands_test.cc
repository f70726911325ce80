// `flightcheck validate-config`, `hash-password` and `genconf` end to end: messages, exit codes,
// and the artifact genconf writes.
#include <archive.h>
#include <archive_entry.h>
#include <crypt.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/command_runner.h"
#include "installer/cluster_config.h"
#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using testing::ReadTextFile;
using testing::RunFlightcheck;
using testing::ScopedTempDir;

// Passes every check of kSsh mode with the files the fixture creates.
constexpr const char* kValidConfig = R"(cluster_name: test
bootstrap_url: http://192.0.2.1:8080
master_discovery: static
exhibitor_storage_backend: static
master_list: [10.0.0.1]
agent_list: [10.0.0.2, 10.0.0.3]
public_agent_list: [10.0.0.4]
ssh_user: centos
ssh_key_path: genconf/ssh_key
ssh_known_hosts_file: genconf/ssh_known_hosts
ip_detect_filename: genconf/ip-detect
superuser_username: admin
superuser_password_hash: $6$rounds=656000$saltsaltsaltsalt$secrethashvalue
)";

// "$6$..." of HashPassword for password, or "" when crypt_r refuses.
std::string Crypt(const std::string& password, const std::string& setting) {
  auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_r(password.c_str(), setting.c_str(), data.get());
  return hash == nullptr || hash[0] == '*' ? "" : hash;
}

// Runs a shell command line with the flightcheck binary as $0.
CliRun RunShell(const std::string& script) { return testing::RunFlightcheckScript(script); }

struct TarMember {
  std::string path;
  int64_t size;
  std::string text;  // only for members of up to 1 MiB
};

std::vector<TarMember> ReadTar(const fs::path& path) {
  std::vector<TarMember> members;
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  EXPECT_EQ(archive_read_open_filename(a.get(), path.c_str(), 1 << 16), ARCHIVE_OK);
  archive_entry* entry;
  while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    TarMember member{archive_entry_pathname(entry), archive_entry_size(entry), ""};
    if (member.size <= (1 << 20)) {
      member.text.resize(static_cast<size_t>(member.size));
      archive_read_data(a.get(), member.text.data(), member.text.size());
    }
    members.push_back(std::move(member));
  }
  return members;
}

std::vector<std::string> Listing(const fs::path& directory) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// An install directory with genconf/ holding an ip-detect script, an ssh key (0600) and a known
// hosts file.
class ConfigCommandsTest : public ::testing::Test {
 protected:
  ConfigCommandsTest() {
    dir_.WriteFile("genconf/ip-detect", "#!/bin/sh\necho 10.0.0.1\n");
    dir_.WriteFile("genconf/ssh_known_hosts", "");
    fs::permissions(dir_.WriteFile("genconf/ssh_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n"),
                    fs::perms(0600));
  }

  void WriteConfig(const std::string& text) const { dir_.WriteFile("genconf/config.yaml", text); }

  CliRun Run(const std::vector<std::string>& args) const {
    return RunFlightcheck(args, dir_.path());
  }

  fs::path Serve() const { return dir_.path() / "genconf" / "serve"; }

  // The name of the artifact in artifact.json.
  std::string ServedName() const {
    return nlohmann::json::parse(ReadTextFile(Serve() / "artifact.json")).value("name", "");
  }

  ScopedTempDir dir_;
};

// --- validate-config

TEST_F(ConfigCommandsTest, ValidConfigPrintsASummary) {
  WriteConfig(kValidConfig);
  const CliRun run = Run({"validate-config"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const ConfigLoad load = LoadClusterConfig(dir_.path() / "genconf/config.yaml", ConfigMode::kSsh);
  ASSERT_TRUE(load.config);
  EXPECT_EQ(run.out,
            "Configuration is valid: genconf/config.yaml (1 master, 2 agents, 1 public "
            "agent; config hash " +
                ConfigHash(*load.config).substr(0, 12) + ")\n");
  EXPECT_EQ(run.err, "");
}

// dcos_generate_config.sh runbooks: the command flag in any position, with -v or --verbose.
TEST_F(ConfigCommandsTest, DcosSpellingsWithVerboseInAnyPosition) {
  WriteConfig(kValidConfig);
  const std::string expected = Run({"validate-config"}).out;
  ASSERT_THAT(expected, HasSubstr("Configuration is valid: genconf/config.yaml"));
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--validate-config"},
           {"-v", "--validate-config"},
           {"--validate-config", "--verbose"},
           {"--verbose", "--validate-config", "--config", "genconf/config.yaml", "-v"},
           {"validate-config", "-v"}}) {
    const CliRun run = Run(args);
    EXPECT_EQ(run.exit_code, 0) << ::testing::PrintToString(args) << run.err;
    EXPECT_EQ(run.out, expected) << ::testing::PrintToString(args);
    EXPECT_EQ(run.err, "") << ::testing::PrintToString(args);
  }
}

TEST_F(ConfigCommandsTest, InvalidConfigListsEveryErrorAndExits65) {
  WriteConfig(R"(cluster_name: test
bootstrap_url: http://192.0.2.1:8080/
master_discovery: static
exhibitor_storage_backend: static
master_list: [10.0.0.1, 10.0.0.2]
agent_list: [10.0.0.3]
ssh_user: centos
ssh_port: abc
)");
  const CliRun run = Run({"validate-config", "--config", "genconf/config.yaml"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "Validation of configuration parameters failed (genconf/config.yaml):\n"
            "genconf/config.yaml:2:16: bootstrap_url: Must not end in a '/'\n"
            "genconf/config.yaml:5:14: num_masters: Must have 1, 3, 5, 7, or 9 masters. Found 2\n"
            "genconf/config.yaml:8:11: ssh_port: Must be an integer but got a str: abc\n"
            "3 errors, 0 warnings\n");
}

// Hostile configs: each a clear message and exit 65, never a crash, exit 70 or a config that
// validates and ships something else than it says.
TEST_F(ConfigCommandsTest, HostileValuesGetOneLineMessagesAndExit65) {
  std::string config = kValidConfig;
  config.replace(config.find("exhibitor_storage_backend: static"), 33,
                 "exhibitor_storage_backend: \"static\\nlines\"");
  WriteConfig(config + "ssh_port: 99999999999999999999999\nresolvers: \"[1e400]\"\n");
  const CliRun run = Run({"validate-config"});
  EXPECT_EQ(run.exit_code, 65) << run.err;
  EXPECT_EQ(
      run.err,
      "Validation of configuration parameters failed (genconf/config.yaml):\n"
      "genconf/config.yaml:4:28: exhibitor_storage_backend: Must be one of "
      "'agent_only_group_no_exhibitor', 'aws_s3', 'shared_filesystem', 'static', 'zookeeper', "
      "'azure'. Got 'static\\nlines'.\n"
      "genconf/config.yaml:14:11: ssh_port: Must be between 1 and 32000 inclusive\n"
      "genconf/config.yaml:15:12: resolvers: Must be a JSON formatted list, but the given value "
      "`[1e400]` holds a number "
      "that is out of range\n"
      "3 errors, 0 warnings\n");
}

TEST_F(ConfigCommandsTest, ANulByteInAListIsRefusedAtItsPosition) {
  std::string config = kValidConfig;
  config.replace(config.find("master_list: [10.0.0.1]"), 23,
                 "master_list: [\"10.0.0.1\\0; rm -rf /\"]");
  WriteConfig(config);
  const CliRun run = Run({"validate-config"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(
      run.err,
      "Validation of configuration parameters failed (genconf/config.yaml):\n"
      "genconf/config.yaml:5:15: invalid YAML: the string contains a NUL byte (\\0); no path, "
      "command, name or address can hold one\n"
      "1 error, 0 warnings\n");
}

TEST_F(ConfigCommandsTest, DeepNestingASecondDocumentAndAnAliasBombAreRefused) {
  WriteConfig(std::string(kValidConfig) + "custom: " + std::string(20000, '[') +
              std::string(20000, ']') + "\n");
  CliRun run = Run({"validate-config"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(run.err,
            "Validation of configuration parameters failed (genconf/config.yaml):\n"
            "genconf/config.yaml:14:73: invalid YAML: nesting deeper than 64 levels; that is the "
            "limit\n"
            "1 error, 0 warnings\n");
  WriteConfig(std::string(kValidConfig) + "---\nmaster_list: [broken\n");
  run = Run({"validate-config"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(run.err,
            "Validation of configuration parameters failed (genconf/config.yaml):\n"
            "genconf/config.yaml:14:1: invalid YAML: a second YAML document starts here; the file "
            "must hold one document (remove the '---' line or move the rest to its own file)\n"
            "1 error, 0 warnings\n");
  std::string bomb = std::string(kValidConfig) + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += fmt::format(
        "a{0}: &a{0} [*a{1}, *a{1}, *a{1}, *a{1}, *a{1}, *a{1}, *a{1}, *a{1}, "
        "*a{1}]\n",
        i, i - 1);
  }
  WriteConfig(bomb);
  run = Run({"validate-config"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(
      run.err,
      "Validation of configuration parameters failed (genconf/config.yaml):\n"
      "genconf/config.yaml:20:10: invalid YAML: the document has more than 1000000 nodes with "
      "its aliases expanded; that is the limit (an alias repeated inside aliases "
      "multiplies)\n"
      "1 error, 0 warnings\n");
}

TEST_F(ConfigCommandsTest, SshKeysAreValidated) {
  fs::permissions(dir_.path() / "genconf/ssh_key", fs::perms(0644));
  fs::remove(dir_.path() / "genconf/ssh_known_hosts");
  WriteConfig(kValidConfig);
  const CliRun run = Run({"validate-config"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_THAT(
      run.err,
      HasSubstr(
          "\ngenconf/config.yaml:9:15: ssh_key_path: ssh_key_path must be only read / write"));
  EXPECT_THAT(run.err,
              HasSubstr("\ngenconf/config.yaml:10:23: ssh_known_hosts_file: known hosts file "
                        "`genconf/ssh_known_hosts`"
                        " must exist"));
  EXPECT_THAT(run.err, HasSubstr("\n2 errors, 0 warnings\n"));
}

TEST_F(ConfigCommandsTest, UnknownKeyIsAWarningUnlessStrict) {
  WriteConfig(std::string(kValidConfig) + "mastr_list: [10.0.0.9]\n");
  CliRun run = Run({"validate-config"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Configuration is valid: genconf/config.yaml"));
  EXPECT_THAT(run.err,
              MatchesRegex("genconf/config.yaml:14:1: warning: mastr_list: [^\n]*did you mean "
                           "'master_list'[^\n]*\n"));

  run = Run({"validate-config", "--strict"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err,
              MatchesRegex("Validation of configuration parameters failed "
                           "\\(genconf/config.yaml\\):\n"
                           "genconf/config.yaml:14:1: warning: mastr_list: [^\n]*did you "
                           "mean 'master_list'[^\n]*\n"
                           "0 errors, 1 warning \\(warnings are errors with --strict\\)\n"));
}

TEST_F(ConfigCommandsTest, MissingConfigFile) {
  const CliRun run = Run({"validate-config", "--config", "genconf/absent.yaml"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(run.err,
            "Validation of configuration parameters failed (genconf/absent.yaml):\n"
            "No config file found at genconf/absent.yaml. Write one with the keys described in "
            "docs/config.md.\n"
            "1 error, 0 warnings\n");
}

TEST_F(ConfigCommandsTest, YamlSyntaxErrorShowsThePosition) {
  WriteConfig("cluster_name: test\nmaster_list: [10.0.0.1\n");
  const CliRun run = Run({"validate-config"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_THAT(run.err, MatchesRegex("Validation of configuration parameters failed "
                                    "\\(genconf/config.yaml\\):\n"
                                    "genconf/config.yaml:[0-9]+:[0-9]+: invalid YAML: [^\n]+\n"
                                    "1 error, 0 warnings\n"));
}

// --- hash-password

TEST_F(ConfigCommandsTest, HashPasswordFromTheArgument) {
  const CliRun run = Run({"hash-password", "s3cret pass"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ASSERT_THAT(run.out, MatchesRegex("\\$6\\$rounds=656000\\$[^$]{16}\\$[^$\n]+\n"));
  const std::string hash = run.out.substr(0, run.out.size() - 1);
  EXPECT_EQ(Crypt("s3cret pass", hash), hash);
  EXPECT_NE(Crypt("other", hash), hash);
  EXPECT_EQ(run.err, "");
}

TEST_F(ConfigCommandsTest, HashPasswordFromAPipe) {
  const CliRun run = RunShell("printf 'secret\\nnot read\\n' | \"$0\" hash-password");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ASSERT_THAT(run.out, MatchesRegex("\\$6\\$[^\n]+\n"));
  const std::string hash = run.out.substr(0, run.out.size() - 1);
  EXPECT_EQ(Crypt("secret", hash), hash);
  EXPECT_EQ(run.err, "");  // no prompt when the input is not a terminal
}

TEST_F(ConfigCommandsTest, EmptyPasswordIsRefused) {
  CliRun run = RunShell("printf '\\n' | \"$0\" hash-password");
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, MatchesRegex("flightcheck: error: [^\n]*empty password[^\n]*\n"));

  run = Run({"hash-password", ""});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_THAT(run.err, HasSubstr("empty password"));

  run = Run({"hash-password"});  // stdin is /dev/null
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, HasSubstr("flightcheck: error: no password given (end of input)"));
}

TEST_F(ConfigCommandsTest, HashPasswordHelpWarnsAboutShellHistory) {
  const CliRun run = Run({"hash-password", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr("shell history"));
}

// --- genconf

TEST_F(ConfigCommandsTest, GenconfWritesTheArtifact) {
  WriteConfig(kValidConfig);
  const CliRun run = Run({"genconf"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, MatchesRegex("Generated genconf/serve/flightcheck-[0-9a-f]{16}\\.tar\\.gz "
                                    "\\([0-9]+\\.[0-9] MiB, sha256 [0-9a-f]{12}\\) for test: "
                                    "4 hosts\n"));
  EXPECT_EQ(run.err, "");
  const std::string name = ServedName();
  EXPECT_THAT(run.out, HasSubstr("genconf/serve/" + name + " "));
  EXPECT_THAT(Listing(Serve()), ElementsAre("artifact.json", name));

  const nlohmann::json manifest = nlohmann::json::parse(ReadTextFile(Serve() / "artifact.json"));
  const ConfigLoad load =
      LoadClusterConfig(dir_.path() / "genconf/config.yaml", ConfigMode::kGenconf);
  ASSERT_TRUE(load.config);
  EXPECT_EQ(manifest["config_hash"], ConfigHash(*load.config));
  EXPECT_THAT(run.out, HasSubstr("sha256 " + manifest["sha256"].get<std::string>().substr(0, 12)));

  std::vector<std::string> paths;
  std::string cluster_yaml;
  for (const TarMember& member : ReadTar(Serve() / name)) {
    paths.push_back(member.path);
    if (member.path == "cluster.yaml") cluster_yaml = member.text;
    if (member.path == "bin/flightcheck") {
      EXPECT_EQ(member.size, static_cast<int64_t>(fs::file_size(FLIGHTCHECK_BINARY)));
    }
  }
  EXPECT_THAT(paths, ::testing::IsSupersetOf({"bin/flightcheck", "install.sh", "install.env",
                                              "cluster.yaml", "variables.json", "ip-detect",
                                              "rules/preflight/preflight.yaml",
                                              "rules/postflight/postflight.yaml"}));
  EXPECT_THAT(paths, Not(::testing::Contains("rules/preflight/postflight.yaml")));
  EXPECT_THAT(cluster_yaml, HasSubstr("cluster_name: \"test\"\n"));
  EXPECT_THAT(cluster_yaml, Not(HasSubstr("superuser_password_hash")));
  EXPECT_THAT(cluster_yaml, Not(HasSubstr("secrethashvalue")));
  EXPECT_THAT(cluster_yaml, Not(HasSubstr("ssh_")));
}

// The artifact carries the binary itself (the test above: same size), so that binary holds no
// debug info: copying it to each host is cheap whatever the build type. The debug info is beside
// it, and addr2line finds it through the .gnu_debuglink.
TEST_F(ConfigCommandsTest, TheArtifactsBinaryIsStrippedAndItsDebugInfoIsBesideIt) {
  const std::string binary = FLIGHTCHECK_BINARY;
  const testing::ShellResult sections =
      testing::RunShell("readelf -S --wide " + testing::ShellQuoted(binary));
  ASSERT_EQ(sections.exit_code, 0) << sections.output;
  EXPECT_THAT(sections.output, HasSubstr(".gnu_debuglink"));
  EXPECT_THAT(sections.output, HasSubstr(".symtab"));  // backtraces still name functions
  EXPECT_THAT(sections.output, Not(HasSubstr(".debug_")));
  EXPECT_THAT(testing::RunShell("readelf -p .gnu_debuglink " + testing::ShellQuoted(binary)).output,
              HasSubstr("flightcheck.debug"));
  ASSERT_TRUE(fs::exists(binary + ".debug"));
  if (FLIGHTCHECK_BUILD_HAS_DEBUG_INFO) {
    EXPECT_THAT(
        testing::RunShell("readelf -S --wide " + testing::ShellQuoted(binary + ".debug")).output,
        HasSubstr(".debug_info"));
    const std::string main_address = testing::RunShell("nm " + testing::ShellQuoted(binary) +
                                                       " | awk '$3 == \"main\" {print $1}'")
                                         .output;
    ASSERT_FALSE(main_address.empty());
    const testing::ShellResult line =
        testing::RunShell("addr2line -e " + testing::ShellQuoted(binary) + " 0x" + main_address);
    EXPECT_THAT(line.output, HasSubstr("cli/main.cc:")) << line.output;
  }
}

TEST_F(ConfigCommandsTest, GenconfIsReproducibleAndReplacesOldArtifacts) {
  WriteConfig(kValidConfig);
  ASSERT_EQ(Run({"genconf"}).exit_code, 0);
  const std::string first = ServedName();
  const std::string bytes = ReadTextFile(Serve() / first);
  const std::string manifest = ReadTextFile(Serve() / "artifact.json");

  ASSERT_EQ(Run({"genconf"}).exit_code, 0);
  EXPECT_EQ(ServedName(), first);
  EXPECT_EQ(ReadTextFile(Serve() / first), bytes);
  EXPECT_EQ(ReadTextFile(Serve() / "artifact.json"), manifest);

  WriteConfig(std::string(kValidConfig) + "dns_search: example.com\n");
  const CliRun changed = Run({"genconf"});
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  const std::string second = ServedName();
  EXPECT_NE(second, first);
  EXPECT_THAT(Listing(Serve()), ElementsAre("artifact.json", second));
}

TEST_F(ConfigCommandsTest, GenconfPutsCustomRulesInTheirPhase) {
  dir_.WriteFile("genconf/after.yaml", R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: postflight
rules:
  - id: custom.after
    title: A file exists
    probe: {file: {path: /etc/hostname}}
    expect: {exists: true}
)");
  WriteConfig(std::string(kValidConfig) +
              "builtin_rules: false\ncustom_rules: [genconf/after.yaml]\n");
  const CliRun run = Run({"genconf"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> rules;
  for (const TarMember& member : ReadTar(Serve() / ServedName())) {
    if (member.path.starts_with("rules/")) rules.push_back(member.path);
  }
  // rules/preflight/ip-detect.yaml is in every artifact (install.sh's ip-detect checks).
  EXPECT_THAT(rules, ElementsAre("rules/", "rules/postflight/", "rules/postflight/after.yaml",
                                 "rules/preflight/", "rules/preflight/ip-detect.yaml"));
}

TEST_F(ConfigCommandsTest, GenconfRefusesBrokenRuleFiles) {
  dir_.WriteFile("genconf/broken.yaml", "apiVersion: flightcheck/v1\nkind: RuleSet\n");
  WriteConfig(std::string(kValidConfig) + "custom_rules: [genconf/broken.yaml]\n");
  const CliRun run = Run({"genconf"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_THAT(run.err, HasSubstr("flightcheck: error: genconf: "));
  EXPECT_THAT(run.err, HasSubstr("in rule files; nothing was written\n"));
  EXPECT_FALSE(fs::exists(Serve()));
}

TEST_F(ConfigCommandsTest, GenconfWritesNothingForAnInvalidConfig) {
  WriteConfig(std::string(kValidConfig) + "check_time: maybe\n");
  CliRun run = Run({"genconf"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "Validation of configuration parameters failed (genconf/config.yaml):\n"
            "genconf/config.yaml:14:13: check_time: Must be one of 'true', 'false'. Got "
            "'maybe'.\n"
            "1 error, 0 warnings\n");
  EXPECT_FALSE(fs::exists(Serve()));

  WriteConfig(kValidConfig);
  ASSERT_EQ(Run({"genconf"}).exit_code, 0);
  const std::vector<std::string> before = Listing(Serve());
  const std::string manifest = ReadTextFile(Serve() / "artifact.json");
  WriteConfig(std::string(kValidConfig) + "check_time: maybe\n");
  EXPECT_EQ(Run({"genconf"}).exit_code, 65);
  EXPECT_EQ(Listing(Serve()), before);
  EXPECT_EQ(ReadTextFile(Serve() / "artifact.json"), manifest);
}

TEST_F(ConfigCommandsTest, GenconfDoesNotNeedSshSettings) {
  fs::remove(dir_.path() / "genconf/ssh_key");
  WriteConfig(kValidConfig);
  const CliRun run = Run({"genconf"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

}  // namespace
}  // namespace flightcheck
