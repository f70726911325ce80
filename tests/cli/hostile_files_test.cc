// Files given to flightcheck that used to hang it or be read forever: FIFOs as --rules,
// --vars-file, --config, ssh_key_path, the ip-detect script, custom_rules and payload, a device
// (`rules validate /dev/zero`), and a FIFO among the host files under --root. Each must end at once
// with a message naming the file and what it is. Every FIFO is made by the test.
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "checks/text.h"
#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;
using ::testing::HasSubstr;
using testing::ScopedTempDir;

// A regression that blocks is killed after kKill; a run that refuses what it should takes
// milliseconds, so anything over kBound fails the test.
constexpr int kKillSeconds = 30;
constexpr auto kBound = std::chrono::seconds(5);

constexpr const char* kRules = R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: os.known
    title: OS is known
    timeout: 20s
    probe: {os: {}}
    expect: {os_release_found: true}
)";

// Passes validate-config in ssh mode with the files the fixture writes, once ssh_key_path and
// ip_detect_filename are added.
constexpr const char* kConfig = R"(cluster_name: test
bootstrap_url: http://192.0.2.1:8080
master_discovery: static
exhibitor_storage_backend: static
master_list: [10.0.0.1]
agent_list: [10.0.0.2]
public_agent_list: []
ssh_user: centos
ssh_known_hosts_file: genconf/ssh_known_hosts
superuser_username: admin
superuser_password_hash: $6$rounds=656000$saltsaltsaltsalt$secrethashvalue
)";

class HostileFilesTest : public ::testing::Test {
 protected:
  HostileFilesTest() {
    dir_.WriteFile("ok.yaml", kRules);
    dir_.WriteFile("genconf/ip-detect", "#!/bin/sh\necho 10.0.0.1\n");
    dir_.WriteFile("genconf/ssh_known_hosts", "");
    fs::permissions(dir_.WriteFile("genconf/ssh_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n"),
                    fs::perms(0600));
  }

  // Makes a FIFO (mode 0600, as ssh wants a key) at dir/relative; returns its full path.
  fs::path Fifo(std::string_view relative) const {
    const fs::path path = dir_.path() / relative;
    fs::create_directories(path.parent_path());
    EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0) << path << ": " << std::strerror(errno);
    return path;
  }

  // config.yaml of kConfig with these lines added.
  void WriteConfig(const std::string& extra) const {
    dir_.WriteFile("genconf/config.yaml", std::string(kConfig) + extra);
  }

  // Runs flightcheck in dir, killed after kKillSeconds, and fails the test unless it ended within
  // kBound.
  CliRun Run(const std::vector<std::string>& args) const {
    std::string script = "exec timeout -s KILL " + std::to_string(kKillSeconds) + " \"$0\"";
    for (const std::string& arg : args) script += " " + ShellQuote(arg);
    const auto start = std::chrono::steady_clock::now();
    CliRun run = testing::RunFlightcheckScript(script, dir_.path());
    EXPECT_LT(std::chrono::steady_clock::now() - start, kBound) << "flightcheck blocked";
    return run;
  }

  ScopedTempDir dir_;
};

TEST_F(HostileFilesTest, RulesValidateDevZeroEndsAtOnce) {
  const CliRun run = Run({"rules", "validate", "/dev/zero"});
  EXPECT_EQ(run.exit_code, 65) << run.err;
  EXPECT_EQ(run.err,
            "/dev/zero: error: '/dev/zero' is a character device, not a regular file\n"
            "flightcheck: 1 error in rule files; nothing was run\n");
}

TEST_F(HostileFilesTest, ARuleFileOverTheYamlLimitIsRefusedBeforeItIsParsed) {
  dir_.WriteFile("big.yaml", std::string((size_t{16} << 20) + 1, '#'));
  const CliRun run = Run({"rules", "validate", "big.yaml"});
  EXPECT_EQ(run.exit_code, 65) << run.err;
  EXPECT_EQ(run.err,
            "big.yaml: error: 'big.yaml' is larger than 16777216 bytes\n"
            "flightcheck: 1 error in rule files; nothing was run\n");
}

TEST_F(HostileFilesTest, AFifoAsARuleFileIsAnErrorAtOnce) {
  Fifo("rules.yaml");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"rules", "validate", "rules.yaml"},
        std::vector<std::string>{"check", "--rules", "rules.yaml"}}) {
    const CliRun run = Run(args);
    EXPECT_EQ(run.exit_code, 65) << args[0] << ": " << run.err;
    EXPECT_EQ(run.err,
              "rules.yaml: error: 'rules.yaml' is a FIFO, not a regular file\n"
              "flightcheck: 1 error in rule files; nothing was run\n");
  }

  // In a directory of rule files it is reported, not skipped as "not a regular file".
  dir_.WriteFile("rules.d/a.yaml", kRules);
  Fifo("rules.d/b.yaml");
  const CliRun run = Run({"rules", "validate", "rules.d"});
  EXPECT_EQ(run.exit_code, 65) << run.err;
  EXPECT_EQ(run.err,
            "rules.d/b.yaml: error: 'rules.d/b.yaml' is a FIFO, not a regular file\n"
            "flightcheck: 1 error in rule files; nothing was run\n");
}

TEST_F(HostileFilesTest, AFifoAsTheVarsFileIsAUsageErrorAtOnce) {
  Fifo("vars.json");
  const CliRun run = Run({"check", "--rules", "ok.yaml", "--vars-file", "vars.json"});
  EXPECT_EQ(run.exit_code, 64) << run.err;
  EXPECT_EQ(run.err,
            "flightcheck: error: --vars-file: 'vars.json' is a FIFO, not a regular file\n"
            "Run 'flightcheck --help' for usage.\n");
}

TEST_F(HostileFilesTest, AFifoAsConfigYamlIsAnErrorAtOnce) {
  Fifo("config.yaml");
  for (const std::string command : {"validate-config", "genconf"}) {
    const CliRun run = Run({command, "--config", "config.yaml"});
    EXPECT_EQ(run.exit_code, 65) << command << ": " << run.err;
    EXPECT_EQ(run.err,
              "Validation of configuration parameters failed (config.yaml):\n"
              "'config.yaml' is a FIFO, not a regular file\n"
              "1 error, 0 warnings\n")
        << command;
  }
}

TEST_F(HostileFilesTest, AFifoAsAnSshKeyIsAConfigError) {
  const fs::path key = Fifo("genconf/key");
  WriteConfig("ssh_key_path: genconf/key\nip_detect_filename: genconf/ip-detect\n");
  const CliRun run = Run({"validate-config"});
  EXPECT_EQ(run.exit_code, 65) << run.err;
  EXPECT_EQ(run.err,
            "Validation of configuration parameters failed (genconf/config.yaml):\n"
            "genconf/config.yaml:12:15: ssh_key_path: '" +
                key.string() +
                "' is a FIFO, not a regular file\n"
                "1 error, 0 warnings\n");
}

TEST_F(HostileFilesTest, GenconfRefusesAFifoAsIpDetectCustomRulesOrPayload) {
  const fs::path ip_detect = Fifo("genconf/ip-detect.fifo");
  const fs::path rules = Fifo("genconf/custom.yaml");
  const fs::path payload = Fifo("genconf/payload.tar");
  const std::string valid = "ssh_key_path: genconf/ssh_key\n";
  struct Case {
    std::string config;
    std::string err;
  };
  const std::vector<Case> cases = {
      {valid + "ip_detect_filename: genconf/ip-detect.fifo\n",
       "flightcheck: error: genconf: ip_detect_filename: '" + ip_detect.string() +
           "' is a FIFO, not a regular file\n"},
      {valid + "ip_detect_filename: genconf/ip-detect\ncustom_rules: [genconf/custom.yaml]\n",
       rules.string() + ": error: '" + rules.string() +
           "' is a FIFO, not a regular file\n"
           "flightcheck: error: genconf: 1 error in rule files; nothing was written\n"},
      {valid + "ip_detect_filename: genconf/ip-detect\npayload: genconf/payload.tar\n",
       "flightcheck: error: genconf: payload '" + payload.string() +
           "' is a FIFO, not a regular file\n"},
  };
  for (const Case& c : cases) {
    WriteConfig(c.config);
    const CliRun run = Run({"genconf"});
    EXPECT_EQ(run.exit_code, 65) << c.config << run.err;
    EXPECT_EQ(run.err, c.err) << c.config;
    EXPECT_FALSE(fs::exists(dir_.path() / "genconf/serve/artifact.json")) << c.config;
  }
}

TEST_F(HostileFilesTest, AFifoAmongTheHostFilesIsARuleErrorWellWithinItsTimeout) {
  Fifo("root/etc/os-release");
  const CliRun run = Run({"check", "--rules", "ok.yaml", "--root", "root", "--color", "never"});
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("ERROR os.known                     OS is known: invalid "
                                 "argument: '/etc/os-release' is a FIFO, not a regular file\n"));
}

}  // namespace
}  // namespace flightcheck
