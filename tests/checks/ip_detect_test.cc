#include "checks/ip_detect.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(IpDetectProbeTest, Parsers) {
  using Lines = std::vector<std::string>;
  EXPECT_EQ(ParseIpDetectOutput("  10.0.0.5 \nsecond line\n"), (Lines{"10.0.0.5", "second line"}));
  EXPECT_EQ(ParseIpDetectOutput("\n \n10.0.0.5\n\t\n"), Lines{"10.0.0.5"});
  EXPECT_EQ(ParseIpDetectOutput(""), Lines{});
  EXPECT_TRUE(IsIpAddress("10.0.0.5"));
  EXPECT_TRUE(IsIpAddress("fd00::2"));
  EXPECT_FALSE(IsIpAddress("10.0.0.5 "));
  EXPECT_FALSE(IsIpAddress("10.0.0"));
  EXPECT_FALSE(IsIpAddress("eth0"));
  EXPECT_TRUE(SameAddress("fd00::1", "fd00:0::0:1"));
  EXPECT_FALSE(SameAddress("10.0.0.1", "10.0.0.10"));
  EXPECT_TRUE(SameAddress("master-1", "master-1"));
  EXPECT_FALSE(RunsUnderShell("#!/bin/bash\n"));
  EXPECT_FALSE(RunsUnderShell("\177ELF\2\1"));
  EXPECT_TRUE(RunsUnderShell("echo"));
  EXPECT_TRUE(RunsUnderShell(""));
}

// Writes an executable script (a /bin/sh one unless body has its own "#!" line) into dir at
// relative path; returns its full path.
std::filesystem::path WriteScript(const testing::ScopedTempDir& dir, std::string_view relative,
                                  std::string_view body) {
  const std::filesystem::path path = dir.WriteFile(
      relative, body.starts_with("#!") ? std::string(body) : "#!/bin/sh\n" + std::string(body));
  ::chmod(path.c_str(), 0755);
  return path;
}

Result<Facts> RunIpDetect(const std::filesystem::path& root, const Params& params,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
  return testing::CallProbe("ip_detect", params, root, timeout);
}

TEST(IpDetectProbeTest, LoopbackOnTheLiveHost) {
  testing::ScopedTempDir dir;
  const auto script = WriteScript(dir, "ip-detect", "echo 127.0.0.1\n");
  Result<Facts> facts =
      RunIpDetect("/", {{"script", script.string()}, {"master_list", {"127.0.0.2", "127.0.0.1"}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["ip"], "127.0.0.1");
  EXPECT_EQ((*facts)["lines"], 1);
  EXPECT_EQ((*facts)["valid"], true);
  EXPECT_EQ((*facts)["on_local_interface"], true);
  EXPECT_EQ((*facts)["in_master_list"], true);
  EXPECT_TRUE((*facts)["matches_expected"].is_null()) << "no expected address given";
  EXPECT_EQ((*facts)["exit_code"], 0);
  EXPECT_EQ((*facts)["stderr"], "");
  EXPECT_EQ((*facts)["detail"], "127.0.0.1");
}

// Linux makes the whole prefix of a loopback address local: 127.0.0.11 is not an interface
// address, yet this host's (the sshd test hosts listen there).
TEST(IpDetectProbeTest, LoopbackPrefixIsLocal) {
  testing::ScopedTempDir dir;
  const auto script = WriteScript(dir, "ip-detect", "echo 127.0.0.11\n");
  Result<Facts> facts = RunIpDetect("/", {{"script", script.string()}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["on_local_interface"], true);
}

TEST(IpDetectProbeTest, ExpectedAddressIsCompared) {
  testing::ScopedTempDir dir;
  const auto script = WriteScript(dir, "ip-detect", "echo 127.0.0.1\n");
  Result<Facts> same = RunIpDetect("/", {{"script", script.string()}, {"expected", "127.0.0.1"}});
  ASSERT_TRUE(same) << same.error().ToString();
  EXPECT_EQ((*same)["matches_expected"], true);
  Result<Facts> other = RunIpDetect("/", {{"script", script.string()}, {"expected", "127.0.0.12"}});
  ASSERT_TRUE(other) << other.error().ToString();
  EXPECT_EQ((*other)["matches_expected"], false);
  EXPECT_EQ((*other)["valid"], true);
  EXPECT_EQ((*other)["detail"], "127.0.0.1, but the config lists 127.0.0.12 for this host");
}

TEST(IpDetectProbeTest, TwoLinesAreNotOneAddress) {
  testing::ScopedTempDir dir;
  const auto script = WriteScript(dir, "ip-detect", "echo 127.0.0.1\necho\necho 127.0.0.2\n");
  Result<Facts> facts = RunIpDetect("/", {{"script", script.string()}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["ip"], "127.0.0.1");
  EXPECT_EQ((*facts)["lines"], 2);
  EXPECT_EQ((*facts)["valid"], false);
  EXPECT_EQ((*facts)["detail"], "printed 2 lines: 127.0.0.1, 127.0.0.2");
}

// The script runs by its own "#!" line: bash features work, as they did on DC/OS.
TEST(IpDetectProbeTest, ScriptRunsWithItsOwnInterpreter) {
  testing::ScopedTempDir dir;
  const auto script =
      WriteScript(dir, "ip-detect",
                  "#!/bin/bash\nset -o pipefail\necho \"${BASH_VERSION:+127.0.0.1}\""
                  " | cat\n");
  Result<Facts> facts = RunIpDetect("/", {{"script", script.string()}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["ip"], "127.0.0.1") << (*facts)["stderr"];
  EXPECT_EQ((*facts)["valid"], true);
}

// Without a "#!" line exec(2) fails with ENOEXEC; as a shell (and install.sh) would, the probe
// runs the file with sh.
TEST(IpDetectProbeTest, ScriptWithoutAnInterpreterLineRunsUnderSh) {
  testing::ScopedTempDir dir;
  const std::filesystem::path script = dir.WriteFile("ip-detect", "echo 127.0.0.1\n");
  ::chmod(script.c_str(), 0755);
  Result<Facts> facts = RunIpDetect("/", {{"script", script.string()}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["ip"], "127.0.0.1");
  EXPECT_EQ((*facts)["valid"], true);
}

TEST(IpDetectProbeTest, AddressOfNoLocalInterface) {
  testing::ScopedTempDir dir;
  // 192.0.2.0/24 is TEST-NET-1: never configured on a machine.
  const auto script = WriteScript(dir, "ip-detect", "echo ' 192.0.2.7'\n");
  Result<Facts> facts = RunIpDetect("/", {{"script", script.string()}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["ip"], "192.0.2.7");
  EXPECT_EQ((*facts)["valid"], true);
  EXPECT_EQ((*facts)["on_local_interface"], false);
  EXPECT_EQ((*facts)["in_master_list"], false);
}

TEST(IpDetectProbeTest, ScriptUnderAFixtureRoot) {
  testing::ScopedTempDir root;
  WriteScript(root, "opt/genconf/ip-detect", "echo fd00::2\n");
  Result<Facts> facts = RunIpDetect(
      root.path(), {{"script", "/opt/genconf/ip-detect"}, {"master_list", {"fd00:0::2"}}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["ip"], "fd00::2");
  EXPECT_EQ((*facts)["valid"], true);
  EXPECT_TRUE((*facts)["on_local_interface"].is_null());  // not the live host
  EXPECT_EQ((*facts)["in_master_list"], true);
}

TEST(IpDetectProbeTest, GarbageOutputIsInvalid) {
  testing::ScopedTempDir dir;
  const auto script = WriteScript(dir, "ip-detect", "echo eth0 has no address\n");
  Result<Facts> facts = RunIpDetect("/", {{"script", script.string()}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["ip"], "eth0 has no address");
  EXPECT_EQ((*facts)["valid"], false);
  EXPECT_EQ((*facts)["on_local_interface"], false);
}

TEST(IpDetectProbeTest, NonZeroExitIsAFact) {
  testing::ScopedTempDir dir;
  const auto script =
      WriteScript(dir, "ip-detect", "echo 10.0.0.5\necho 'no route to metadata' >&2\nexit 3\n");
  Result<Facts> facts = RunIpDetect("/", {{"script", script.string()}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["valid"], false);
  EXPECT_EQ((*facts)["exit_code"], 3);
  EXPECT_EQ((*facts)["stderr"], "no route to metadata\n");
}

TEST(IpDetectProbeTest, TimeoutIsAnError) {
  testing::ScopedTempDir dir;
  const auto script = WriteScript(dir, "ip-detect", "sleep 10\necho 10.0.0.5\n");
  const auto start = SteadyClock::now();
  Result<Facts> facts =
      RunIpDetect("/", {{"script", script.string()}}, std::chrono::milliseconds(300));
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(facts.error().message().find("ip-detect script"), std::string::npos)
      << facts.error().message();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(2));
}

TEST(IpDetectProbeTest, MissingScriptIsAnError) {
  testing::ScopedTempDir root;
  Result<Facts> facts = RunIpDetect(root.path(), {{"script", "/opt/genconf/ip-detect"}});
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(facts.error().message().find("ip-detect script '/opt/genconf/ip-detect'"),
            std::string::npos)
      << facts.error().message();
}

}  // namespace
}  // namespace flightcheck
