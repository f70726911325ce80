// preflight, deploy, postflight and uninstall: what a user gets wrong before any host is
// contacted (flags, a missing or stale artifact, the deploy gate). The stages across real sshd
// hosts are tested in tests/integration/fleet_test.cc.
#include <gtest/gtest.h>

#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using testing::CliRun;
using testing::RunFlightcheck;
using testing::ScopedTempDir;

// Documentation addresses (RFC 5737): nothing is ever contacted in these tests.
constexpr const char* kConfig = R"(cluster_name: test
bootstrap_url: file:///opt/flightcheck
master_discovery: static
exhibitor_storage_backend: static
master_list: [192.0.2.1]
agent_list: [192.0.2.2]
ssh_user: root
ssh_key_path: genconf/ssh_key
ssh_known_hosts_file: genconf/ssh_known_hosts
)";

class StageCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.WriteFile("genconf/config.yaml", kConfig);
    dir_.WriteFile("genconf/ip-detect", "#!/bin/sh\necho 192.0.2.1\n");
    dir_.WriteFile("genconf/ssh_known_hosts", "");
    std::filesystem::permissions(
        dir_.WriteFile("genconf/ssh_key", "not a real key\n"),
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  CliRun Flightcheck(const std::vector<std::string>& args) {
    return RunFlightcheck(args, dir_.path());
  }
  ScopedTempDir dir_;
};

TEST_F(StageCommandsTest, BadFlagsAreUsageErrors) {
  CliRun run = Flightcheck({"preflight", "--format", "yaml"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("--format: 'yaml' is not one of text, json"), std::string::npos)
      << run.err;
  run = Flightcheck({"postflight", "--timeout", "0s"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("--timeout: must be at least 1s"), std::string::npos) << run.err;
  run = Flightcheck({"postflight", "--timeout", "soon"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("--timeout: "), std::string::npos) << run.err;
  run = Flightcheck({"deploy", "--froce"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("did you mean '--force'"), std::string::npos) << run.err;
}

// The DC/OS spellings reach the stage commands with their flags, -v/--verbose anywhere.
TEST_F(StageCommandsTest, DcosSpellingsWithVerbose) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"-v", "--preflight", "--format", "yaml"},
                                             {"--preflight", "--verbose", "--format", "yaml"},
                                             {"--format", "yaml", "--preflight", "-v"}}) {
    const CliRun run = Flightcheck(args);
    EXPECT_EQ(run.exit_code, 64) << run.err;
    EXPECT_NE(run.err.find("--format: 'yaml' is not one of text, json"), std::string::npos)
        << run.err;
  }
  const CliRun run = Flightcheck({"--deploy", "-v", "--froce"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("did you mean '--force'"), std::string::npos) << run.err;
}

TEST_F(StageCommandsTest, UninstallWithoutATerminalNeedsYes) {
  const CliRun run = Flightcheck({"uninstall"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("uninstall asks for confirmation on a terminal; pass --yes to run it "
                         "without one"),
            std::string::npos)
      << run.err;
}

TEST_F(StageCommandsTest, UninstallOnATerminalAsksUntilItGetsAnAnswer) {
  // script(1) gives flightcheck a terminal; "maybe" is asked again, "n" cancels.
  const CliRun run = testing::RunFlightcheckScript(
      "printf 'maybe\\nn\\n' | script -qec \"$0 uninstall\" /dev/null", dir_.path());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("This stops and removes what flightcheck installed for cluster 'test' "
                         "on 2 hosts"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("Choices are [y]es or [n]o. \"maybe\" is not a choice."),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("Uninstall cancelled; nothing was changed."), std::string::npos)
      << run.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "genconf" / "state" / "uninstall.json"));
}

TEST_F(StageCommandsTest, AnInvalidConfigStopsEveryStageBeforeAnyHost) {
  dir_.WriteFile("genconf/config.yaml", std::string(kConfig) + "ssh_port: 70000\n");
  for (const char* stage : {"preflight", "deploy", "postflight"}) {
    const CliRun run = Flightcheck({stage});
    EXPECT_EQ(run.exit_code, 65) << stage;
    EXPECT_NE(run.err.find("ssh_port: Must be between 1 and 32000 inclusive"), std::string::npos)
        << stage << ": " << run.err;
  }
}

TEST_F(StageCommandsTest, StagesNeedTheArtifactOfTheCurrentConfig) {
  CliRun run = Flightcheck({"preflight"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_NE(run.err.find("genconf/serve/artifact.json not found: run `flightcheck genconf` "
                         "first"),
            std::string::npos)
      << run.err;
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  dir_.WriteFile("genconf/config.yaml",
                 std::string(kConfig).replace(std::string(kConfig).find("test"), 4, "other"));
  run = Flightcheck({"preflight"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_NE(run.err.find("was generated from another config.yaml, or a file it packs (ip-detect "
                         "scripts, payload, custom rules) changed since: run `flightcheck "
                         "genconf` again"),
            std::string::npos)
      << run.err;
}

TEST_F(StageCommandsTest, DeployWithoutAPreflightIsRefused) {
  ASSERT_EQ(Flightcheck({"genconf"}).exit_code, 0);
  CliRun run = Flightcheck({"deploy"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("deploy refused: the last preflight of this configuration did not "
                         "pass on 2 of 2 hosts: 192.0.2.1 (no preflight of this configuration), "
                         "192.0.2.2 (no preflight of this configuration)"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("or pass --force to deploy anyway"), std::string::npos) << run.err;
  run = Flightcheck({"deploy", "--retry-failed"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("--retry-failed: no earlier deploy of this configuration"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace flightcheck
