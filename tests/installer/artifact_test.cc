#include "installer/artifact.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "checks/file_io.h"
#include "installer/cluster_config.h"
#include "installer/genconf.h"
#include "installer/install_script.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using ::flightcheck::testing::ReadTextFile;
using ::flightcheck::testing::ScopedTempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using CommandResult = testing::ShellResult;
using testing::RunShell;
std::string Quote(const fs::path& path) { return testing::ShellQuoted(path); }

// Every path under root (relative), with its type and permission bits: what "left as before" means.
std::vector<std::string> Listing(const fs::path& root) {
  std::vector<std::string> listing;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root)) {
    struct stat st;
    lstat(entry.path().c_str(), &st);
    listing.push_back(fmt::format("{} {:o}", fs::relative(entry.path(), root).string(),
                                  static_cast<unsigned>(st.st_mode)));
  }
  std::sort(listing.begin(), listing.end());
  return listing;
}

struct TarMember {
  std::string path;
  unsigned mode;  // type and permission bits
  std::string owner;
  int64_t mtime;
  std::string text;
};

std::vector<TarMember> ReadTar(const fs::path& path) {
  std::vector<TarMember> members;
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  EXPECT_EQ(archive_read_open_filename(a.get(), path.c_str(), 1 << 16), ARCHIVE_OK);
  archive_entry* entry;
  while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    TarMember member{
        .path = archive_entry_pathname(entry),
        .mode = archive_entry_mode(entry),
        .owner = fmt::format("{}:{} {}:{}", archive_entry_uid(entry), archive_entry_gid(entry),
                             archive_entry_uname(entry), archive_entry_gname(entry)),
        .mtime = archive_entry_mtime(entry),
        .text = {}};
    member.text.resize(static_cast<size_t>(archive_entry_size(entry)));
    archive_read_data(a.get(), member.text.data(), member.text.size());
    members.push_back(std::move(member));
  }
  return members;
}

// A valid rule file of one rule.
std::string RuleFile(std::string_view phase, std::string_view id) {
  return fmt::format(
      "apiVersion: flightcheck/v1\nkind: RuleSet\nphase: {}\nrules:\n  - id: {}\n"
      "    title: A file exists\n    probe: {{file: {{path: /etc/hostname}}}}\n"
      "    expect: {{exists: true}}\n",
      phase, id);
}

// Inputs with a small stand-in for the binary: these tests are about the tarball, not flightcheck.
class ArtifactTest : public ::testing::Test {
 protected:
  ArtifactTest() {
    inputs_.flightcheck_binary = temp_.WriteFile("build/flightcheck", "#!/bin/sh\necho fake\n");
    inputs_.preflight_rules = {
        {"rules/preflight.yaml", RuleFile("preflight", "docker.running")},
        {"/etc/custom/preflight.yaml", RuleFile("preflight", "clock.synced")},
        {"extra-checks", RuleFile("preflight", "extra")}};
    inputs_.postflight_rules = {{"rules/postflight.yaml", RuleFile("postflight", "docker.ok")}};
    inputs_.node_config = "cluster_name: test\n";
    inputs_.variables = {{"master_list", {"10.0.0.1"}}, {"cluster_name", "test"}};
    inputs_.ip_detect_script = "#!/bin/sh\necho 10.0.0.1\n";
    inputs_.install_prefix = "/opt/mesosphere";
    inputs_.skip_checks = {"docker.*", "clock.synced"};
  }

  ScopedTempDir temp_;
  ArtifactInputs inputs_;
};

TEST_F(ArtifactTest, SameInputsGiveIdenticalBytes) {
  Result<Artifact> first = WriteArtifact(inputs_, temp_.path() / "serve1");
  Result<Artifact> second = WriteArtifact(inputs_, temp_.path() / "serve2");
  ASSERT_TRUE(first) << first.error().ToString();
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(first->name, second->name);
  EXPECT_THAT(first->name, ::testing::MatchesRegex("flightcheck-[0-9a-f]{16}\\.tar\\.gz"));
  EXPECT_EQ(first->path, temp_.path() / "serve1" / first->name);
  const std::string bytes = ReadTextFile(first->path);
  EXPECT_EQ(bytes, ReadTextFile(second->path));
  EXPECT_EQ(first->size, bytes.size());
  EXPECT_EQ(first->sha256.size(), 64u);
  EXPECT_EQ(first->sha256, second->sha256);
  // gzip header: no name flag, modification time 0.
  ASSERT_GT(bytes.size(), 10u);
  EXPECT_EQ(bytes[3] & 0x08, 0);
  EXPECT_EQ(bytes.substr(4, 4), std::string(4, '\0'));

  const nlohmann::json served =
      nlohmann::json::parse(ReadTextFile(temp_.path() / "serve1" / "artifact.json"));
  EXPECT_EQ(served, (nlohmann::json{{"config_hash", ""},
                                    {"name", first->name},
                                    {"sha256", first->sha256},
                                    {"size", first->size}}));
  const CommandResult sha = RunShell("sha256sum " + Quote(first->path));
  EXPECT_EQ(sha.output.substr(0, 64), first->sha256);
}

TEST_F(ArtifactTest, ChangedInputChangesName) {
  Result<Artifact> before = WriteArtifact(inputs_, temp_.path() / "a");
  inputs_.variables["cluster_name"] = "other";
  Result<Artifact> after = WriteArtifact(inputs_, temp_.path() / "b");
  ASSERT_TRUE(before && after);
  EXPECT_NE(before->name, after->name);
}

TEST_F(ArtifactTest, ConfigHashGoesIntoArtifactJsonAndInstallEnv) {
  Result<Artifact> without = WriteArtifact(inputs_, temp_.path() / "a");
  inputs_.config_hash = "0123456789abcdef";
  Result<Artifact> with = WriteArtifact(inputs_, temp_.path() / "b");
  ASSERT_TRUE(without && with);
  // install.sh records it with what it installs; it hashes what the artifact holds, so this
  // changes the name only when the contents changed anyway.
  EXPECT_NE(without->name, with->name);
  const nlohmann::json served =
      nlohmann::json::parse(ReadTextFile(temp_.path() / "b" / "artifact.json"));
  EXPECT_EQ(served["config_hash"], "0123456789abcdef");
}

TEST_F(ArtifactTest, TarHoldsExactlyTheExpectedEntries) {
  inputs_.payload = temp_.WriteFile("payload.tgz", "not really gzip, copied as it is");
  Result<Artifact> artifact = WriteArtifact(inputs_, temp_.path() / "serve");
  ASSERT_TRUE(artifact) << artifact.error().ToString();
  std::vector<std::string> listing;
  for (const TarMember& member : ReadTar(artifact->path)) {
    listing.push_back(fmt::format("{} {:o}", member.path, member.mode));
    EXPECT_EQ(member.owner, "0:0 root:root") << member.path;
    EXPECT_EQ(member.mtime, 0) << member.path;
    if (member.path == "install.env") {
      EXPECT_EQ(member.text,
                "# Written by flightcheck genconf; read by install.sh.\n"
                "INSTALL_PREFIX='/opt/mesosphere'\nSKIP_PREFLIGHT='docker.*,clock.synced'\n"
                "SKIP_POSTFLIGHT='docker.*'\nCONFIG_HASH=''\nCLUSTER_HASH=''\n"
                "HEALTH_DAEMON=false\nHEALTH_LISTEN='127.0.0.1:1050'\nHEALTH_TOKEN_FILE=''\n");
    } else if (member.path == "variables.json") {
      EXPECT_EQ(member.text,
                "{\n  \"cluster_name\": \"test\",\n  \"master_list\": [\n    \"10.0.0.1\"\n"
                "  ]\n}\n");
    } else if (member.path == "install.sh") {
      EXPECT_EQ(member.text, InstallScript());
    } else if (member.path == "flightcheck-health.service") {
      EXPECT_EQ(member.text, HealthUnitTemplate());
      EXPECT_THAT(member.text, HasSubstr("Type=notify\n"));
    } else if (member.path == "rules/preflight/preflight-2.yaml") {
      EXPECT_EQ(member.text, RuleFile("preflight", "clock.synced"));
    } else if (member.path == "payload.tar.gz") {
      EXPECT_EQ(member.text, "not really gzip, copied as it is");
    }
  }
  EXPECT_THAT(listing,
              ElementsAre("bin/ 40755", "bin/flightcheck 100755", "cluster.yaml 100644",
                          "flightcheck-health.service 100644", "install.env 100644",
                          "install.sh 100755", "ip-detect 100755", "ip-detect-public 100755",
                          "payload.tar.gz 100644", "rules/ 40755", "rules/postflight/ 40755",
                          "rules/postflight/postflight.yaml 100644", "rules/preflight/ 40755",
                          "rules/preflight/extra-checks.yaml 100644",
                          "rules/preflight/ip-detect.yaml 100644",
                          "rules/preflight/preflight-2.yaml 100644",
                          "rules/preflight/preflight.yaml 100644", "variables.json 100644"));
}

// The detect scripts of the config: at the top level, executable, and part of the name.
TEST_F(ArtifactTest, DetectScriptsShipExecutableAndNameTheArtifact) {
  Result<Artifact> plain = WriteArtifact(inputs_, temp_.path() / "plain");
  ASSERT_TRUE(plain) << plain.error().ToString();
  inputs_.ip_detect_public_script = "#!/bin/bash\nset -o pipefail\necho 203.0.113.1 | cat\n";
  inputs_.fault_domain_detect_script = "#!/bin/sh\necho '{\"fault_domain\": {}}'\n";
  Result<Artifact> with = WriteArtifact(inputs_, temp_.path() / "with");
  ASSERT_TRUE(with) << with.error().ToString();

  std::map<std::string, TarMember> plain_members, members;
  for (TarMember& member : ReadTar(plain->path)) plain_members[member.path] = std::move(member);
  for (TarMember& member : ReadTar(with->path)) members[member.path] = std::move(member);
  // Without ip_detect_public_filename public agents use ip-detect, as in DC/OS.
  EXPECT_EQ(plain_members["ip-detect-public"].text, inputs_.ip_detect_script);
  EXPECT_EQ(plain_members.count("fault-domain-detect"), 0u);
  for (const char* name : {"ip-detect", "ip-detect-public", "fault-domain-detect"}) {
    ASSERT_EQ(members.count(name), 1u) << name;
    EXPECT_EQ(members[name].mode, 0100755u) << name;
  }
  EXPECT_EQ(members["ip-detect-public"].text, *inputs_.ip_detect_public_script);
  EXPECT_EQ(members["fault-domain-detect"].text, *inputs_.fault_domain_detect_script);

  // Any edit of any of them gives another name.
  std::set<std::string> names = {plain->name, with->name};
  inputs_.ip_detect_public_script = "#!/bin/sh\necho 203.0.113.2\n";
  Result<Artifact> public_edited = WriteArtifact(inputs_, temp_.path() / "public");
  inputs_.fault_domain_detect_script = "#!/bin/sh\necho '{}'\n";
  Result<Artifact> fault_edited = WriteArtifact(inputs_, temp_.path() / "fault");
  inputs_.ip_detect_script = "#!/bin/sh\necho 10.0.0.2\n";
  Result<Artifact> ip_edited = WriteArtifact(inputs_, temp_.path() / "ip");
  ASSERT_TRUE(public_edited && fault_edited && ip_edited);
  names.insert({public_edited->name, fault_edited->name, ip_edited->name});
  EXPECT_EQ(names.size(), 5u);
}

// genconf reads the detect scripts the config names (relative to the install directory), and
// DC/OS's default genconf/fault-domain-detect when it exists.
TEST(GenconfScriptsTest, ConfigScriptsGoIntoTheArtifact) {
  ScopedTempDir dir;
  dir.WriteFile("genconf/ip-detect", "#!/bin/sh\necho 10.0.0.1\n");
  dir.WriteFile("genconf/public", "#!/bin/sh\necho 203.0.113.1\n");
  const fs::path binary = dir.WriteFile("flightcheck", "fake");
  const std::string base =
      "cluster_name: t\nbootstrap_url: http://10.0.0.9\nmaster_discovery: static\n"
      "exhibitor_storage_backend: static\nmaster_list: [10.0.0.1]\n";
  auto members_of = [&](const std::string& text) {
    const ConfigLoad load =
        ParseClusterConfig(text, dir.path() / "genconf/config.yaml", ConfigMode::kGenconf);
    EXPECT_TRUE(load.config.has_value());
    std::map<std::string, TarMember> members;
    if (!load.config) return members;
    DiagnosticList diagnostics;
    Result<GenconfOutcome> outcome = GenerateArtifact(*load.config, binary, &diagnostics);
    EXPECT_TRUE(outcome) << outcome.error().ToString();
    if (!outcome) return members;
    for (TarMember& member : ReadTar(outcome->artifact.path)) {
      members[member.path] = std::move(member);
    }
    return members;
  };

  std::map<std::string, TarMember> members = members_of(base);
  EXPECT_EQ(members["ip-detect-public"].text, "#!/bin/sh\necho 10.0.0.1\n");
  EXPECT_EQ(members.count("fault-domain-detect"), 0u);
  EXPECT_EQ(members.count("rules/preflight/ip-detect.yaml"), 1u) << "with the built-in rules";

  dir.WriteFile("genconf/fault-domain-detect", "#!/bin/sh\necho '{}'\n");
  members = members_of(base + "ip_detect_public_filename: genconf/public\nbuiltin_rules: false\n");
  EXPECT_EQ(members["ip-detect-public"].text, "#!/bin/sh\necho 203.0.113.1\n");
  EXPECT_EQ(members["ip-detect-public"].mode, 0100755u);
  EXPECT_EQ(members["fault-domain-detect"].text, "#!/bin/sh\necho '{}'\n");
  EXPECT_EQ(members["fault-domain-detect"].mode, 0100755u);
  EXPECT_EQ(members.count("rules/preflight/ip-detect.yaml"), 1u) << "without the built-in rules";

  const ConfigLoad missing =
      ParseClusterConfig(base + "fault_domain_detect_filename: genconf/nowhere\n",
                         dir.path() / "genconf/config.yaml", ConfigMode::kGenconf);
  ASSERT_TRUE(missing.config.has_value());
  DiagnosticList diagnostics;
  Result<GenconfOutcome> refused = GenerateArtifact(*missing.config, binary, &diagnostics);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().IsNotFound()) << refused.error().ToString();
  EXPECT_THAT(refused.error().message(), HasSubstr("fault_domain_detect_filename: "));
}

TEST_F(ArtifactTest, OlderArtifactsAreRemoved) {
  const fs::path serve = temp_.path() / "serve";
  Result<Artifact> old = WriteArtifact(inputs_, serve);
  ASSERT_TRUE(old);
  temp_.WriteFile("serve/unrelated.txt", "kept");
  inputs_.node_config = "cluster_name: changed\n";
  Result<Artifact> current = WriteArtifact(inputs_, serve);
  ASSERT_TRUE(current);
  EXPECT_THAT(Listing(serve), ElementsAre("artifact.json 100644", current->name + " 100644",
                                          "unrelated.txt 100644"));
  EXPECT_FALSE(fs::exists(old->path));
}

TEST_F(ArtifactTest, MissingBinaryWritesNothing) {
  inputs_.flightcheck_binary = temp_.path() / "no-such-binary";
  Result<Artifact> artifact = WriteArtifact(inputs_, temp_.path() / "serve");
  ASSERT_FALSE(artifact);
  EXPECT_TRUE(artifact.error().IsNotFound());
  EXPECT_THAT(artifact.error().message(),
              HasSubstr("cannot read flightcheck binary '" +
                        (temp_.path() / "no-such-binary").string() + "'"));
  EXPECT_FALSE(fs::exists(temp_.path() / "serve"));
}

TEST_F(ArtifactTest, MissingPayloadLeavesServeDirAsItWas) {
  const fs::path serve = temp_.path() / "serve";
  ASSERT_TRUE(WriteArtifact(inputs_, serve));
  const std::vector<std::string> before = Listing(serve);
  inputs_.payload = temp_.path() / "missing.tar.gz";
  Result<Artifact> artifact = WriteArtifact(inputs_, serve);
  ASSERT_FALSE(artifact);
  EXPECT_THAT(artifact.error().message(), HasSubstr("cannot read payload"));
  EXPECT_EQ(Listing(serve), before);
}

TEST_F(ArtifactTest, InvalidInputsAreRefused) {
  inputs_.install_prefix = "opt/mesosphere";
  EXPECT_EQ(WriteArtifact(inputs_, temp_.path() / "serve").error().code(),
            ErrorCode::kInvalidArgument);
  inputs_.install_prefix = "/opt/mesosphere";
  inputs_.skip_checks = {"clock.synched"};
  Result<Artifact> typo = WriteArtifact(inputs_, temp_.path() / "serve");
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().message(),
            "skip entry 'clock.synched' names no preflight or postflight rule (did you mean "
            "'clock.synced'?)");
  inputs_.skip_checks = {};
  inputs_.postflight_rules[0].text = "rules: [";
  Result<Artifact> broken = WriteArtifact(inputs_, temp_.path() / "serve");
  ASSERT_FALSE(broken);
  EXPECT_THAT(broken.error().message(),
              HasSubstr("postflight rules do not load: rules/postflight.yaml:"));
  inputs_.postflight_rules[0].text = RuleFile("postflight", "docker.ok");
  inputs_.payload = temp_.WriteFile("payload.zip", "zip");
  Result<Artifact> artifact = WriteArtifact(inputs_, temp_.path() / "serve");
  ASSERT_FALSE(artifact);
  EXPECT_THAT(artifact.error().message(), HasSubstr("must be a .tar, .tar.gz or .tgz file"));
  EXPECT_FALSE(fs::exists(temp_.path() / "serve"));
}

// install.sh for real: one artifact with the real flightcheck binary, extracted once; every test
// starts from an empty <suite>/root and installs under <suite>/root/opt/mesosphere.
class InstallScriptTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_ = new ScopedTempDir();
    const fs::path base = suite_->path();
    // The hooks write outside root, so that "root is as before" stays a strict check.
    constexpr std::string_view kHook = R"SH(#!/bin/sh
echo "$FLIGHTCHECK_ROLE $FLIGHTCHECK_HOST_IP $FLIGHTCHECK_PREFIX $FLIGHTCHECK_CONFIG $(pwd)" \
  >"{}/hooklog/{}"
exit "$(cat "{}/hooklog/{}-exit" 2>/dev/null || echo 0)"
)SH";
    suite_->WriteFile("payload/bin/app", "#!/bin/sh\n");
    suite_->WriteFile("payload/etc/app.conf", "x = 1\n");
    suite_->WriteFile("payload/systemd/dcos-app.service", "[Service]\nExecStart=/bin/true\n");
    for (const char* name : {"setup", "stop"}) {
      suite_->WriteFile(fmt::format("payload/hooks/master/{}", name),
                        fmt::format(fmt::runtime(kHook), base.string(), name, base.string(), name));
    }
    ASSERT_EQ(RunShell("chmod 755 " + Quote(base / "payload/bin/app") + " " +
                       Quote(base / "payload/hooks/master/setup") + " " +
                       Quote(base / "payload/hooks/master/stop") + " && tar -czf " +
                       Quote(base / "payload.tar.gz") + " -C " + Quote(base / "payload") + " .")
                  .exit_code,
              0);

    ArtifactInputs inputs;
    inputs.flightcheck_binary = FLIGHTCHECK_BINARY;
    inputs.preflight_rules = {{"marker.yaml", R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: test.marker
    title: The marker file exists
    probe: {file: {path: "${marker}"}}
    expect: {exists: true}
  - id: test.skipped
    title: Skipped through install.env
    probe: {file: {path: /nonexistent/flightcheck}}
    expect: {exists: true}
  - id: test.agent-only
    title: Fails on agents only
    roles: [agent]
    probe: {file: {path: /nonexistent/flightcheck}}
    expect: {exists: true}
)"}};
    inputs.postflight_rules = {{"host.yaml", R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: postflight
rules:
  - id: test.host-ip
    title: host_ip reaches the rules
    probe: {file: {path: "${state_dir}/${host_ip}"}}
    expect: {exists: true}
)"}};
    inputs.node_config = "cluster_name: test\n";
    inputs.variables = {{"marker", (base / "marker").string()},
                        {"state_dir", (base / "state").string()}};
    // bash, not sh: install.sh runs the script by its own "#!" line (dash has no pipefail).
    inputs.ip_detect_script =
        "#!/bin/bash\nset -euo pipefail\n[ -z \"${FAIL_IP_DETECT-}\" ] || exit 1\n"
        "printf '\\n %s \\n' \"${IP_DETECT_OUTPUT:-127.0.0.7}\" | cat\n";
    inputs.payload = base / "payload.tar.gz";
    inputs.install_prefix = (base / "root/opt/mesosphere").string();
    inputs.skip_checks = {"test.skipped"};
    Result<Artifact> artifact = WriteArtifact(inputs, base / "serve");
    ASSERT_TRUE(artifact) << artifact.error().ToString();
    fs::create_directories(base / "node");
    ASSERT_EQ(
        RunShell("tar -xzf " + Quote(artifact->path) + " -C " + Quote(base / "node")).exit_code, 0);
  }
  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(suite_, nullptr);
    for (const char* dir : {"root", "hooklog", "state"}) {
      fs::remove_all(base() / dir);
      fs::create_directories(base() / dir);
    }
    fs::remove(base() / "marker");
  }

  static fs::path base() { return suite_->path(); }
  // The file the preflight rule test.marker wants.
  static void CreateMarker() { ASSERT_TRUE(WriteFileAtomically(base() / "marker", "").ok()); }
  static fs::path prefix() { return base() / "root/opt/mesosphere"; }
  static CommandResult InstallSh(const std::string& args, const std::string& env = "") {
    return RunShell(env + " /bin/sh " + Quote(base() / "node/install.sh") + " " + args);
  }

  static ScopedTempDir* suite_;
};

ScopedTempDir* InstallScriptTest::suite_ = nullptr;

TEST_F(InstallScriptTest, PreflightFollowsTheRules) {
  CommandResult failing = InstallSh("preflight master");
  EXPECT_EQ(failing.exit_code, 2) << failing.output;
  EXPECT_THAT(failing.output, HasSubstr("test.marker"));

  CreateMarker();
  CommandResult passing = InstallSh("preflight master --format json");
  EXPECT_EQ(passing.exit_code, 0) << passing.output;
  EXPECT_THAT(passing.output, HasSubstr("\"test.marker\""));

  // slave is DC/OS's name for agent: the agent-only rule runs.
  CommandResult agent = InstallSh("preflight slave");
  EXPECT_EQ(agent.exit_code, 2) << agent.output;
  EXPECT_THAT(agent.output, HasSubstr("test.agent-only"));
}

TEST_F(InstallScriptTest, PostflightGetsTheHostAddressFromIpDetect) {
  CommandResult missing = InstallSh("postflight master");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  ASSERT_TRUE(WriteFileAtomically(base() / "state/127.0.0.7", "").ok());
  CommandResult passing = InstallSh("postflight master");
  EXPECT_EQ(passing.exit_code, 0) << passing.output;

  CommandResult no_ip = InstallSh("postflight master", "FAIL_IP_DETECT=1");
  EXPECT_EQ(no_ip.exit_code, 3) << no_ip.output;
  EXPECT_THAT(no_ip.output, HasSubstr("ip-detect script failed"));
}

// The suite's ip-detect is bash with pipefail: under sh it would fail, and every preflight with it.
TEST_F(InstallScriptTest, PreflightJudgesTheIpDetectOutput) {
  CreateMarker();
  CommandResult same = InstallSh("preflight master --var config_host_ip=127.0.0.7");
  EXPECT_EQ(same.exit_code, 0) << same.output;

  CommandResult other = InstallSh("preflight master --var config_host_ip=127.0.0.8");
  EXPECT_EQ(other.exit_code, 2) << other.output;
  EXPECT_THAT(other.output, HasSubstr("ip_detect.matches_config"));
  EXPECT_THAT(other.output, HasSubstr("127.0.0.7, but the config lists 127.0.0.8 for this host"));

  // 192.0.2.1 (TEST-NET-1) is on no interface here.
  CommandResult foreign = InstallSh("preflight master", "IP_DETECT_OUTPUT=192.0.2.1");
  EXPECT_EQ(foreign.exit_code, 2) << foreign.output;
  EXPECT_THAT(foreign.output, HasSubstr("ip_detect.local_interface"));

  CommandResult two =
      InstallSh("preflight master", "IP_DETECT_OUTPUT=\"$(printf '127.0.0.7\\n127.0.0.8')\"");
  EXPECT_EQ(two.exit_code, 2) << two.output;
  EXPECT_THAT(two.output, HasSubstr("ip_detect.one_address"));
  EXPECT_THAT(two.output, HasSubstr("printed 2 lines: 127.0.0.7, 127.0.0.8"));
}

// exec(2) refuses a script without "#!" (ENOEXEC); the shell running install.sh then runs it with
// sh, and the probe does the same.
TEST_F(InstallScriptTest, IpDetectWithoutAnInterpreterLineRunsUnderSh) {
  CreateMarker();
  const fs::path script = base() / "node/ip-detect";
  const std::string original = ReadTextFile(script);
  ASSERT_TRUE(WriteFileAtomically(script, "echo 127.0.0.7\n", 0755).ok());
  CommandResult preflight = InstallSh("preflight master --var config_host_ip=127.0.0.7");
  ASSERT_TRUE(WriteFileAtomically(script, original, 0755).ok());
  EXPECT_EQ(preflight.exit_code, 0) << preflight.output;
}

TEST_F(InstallScriptTest, UsageErrors) {
  for (const char* args : {"", "frobnicate", "preflight", "preflight bootstrap", "install"}) {
    CommandResult result = InstallSh(args);
    EXPECT_EQ(result.exit_code, 64) << args << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr("Usage: install.sh")) << args;
  }
}

TEST_F(InstallScriptTest, FailingPreflightInstallsNothing) {
  const std::vector<std::string> before = Listing(base() / "root");
  CommandResult result = InstallSh("install master");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(
      result.output,
      HasSubstr("Preflight checks failed on this host (test.marker); nothing was installed."));
  EXPECT_EQ(Listing(base() / "root"), before);
  EXPECT_TRUE(fs::is_empty(base() / "hooklog"));
}

TEST_F(InstallScriptTest, InstallThenUninstallLeavesRootAsBefore) {
  CreateMarker();
  const std::vector<std::string> before = Listing(base() / "root");
  CommandResult install = InstallSh("master");  // the DC/OS form of `install master`
  ASSERT_EQ(install.exit_code, 0) << install.output;

  EXPECT_TRUE(fs::exists(prefix() / "bin/app"));
  EXPECT_EQ(ReadTextFile(prefix() / "etc/app.conf"), "x = 1\n");
  EXPECT_EQ(ReadTextFile(prefix() / "cluster.yaml"), "cluster_name: test\n");
  EXPECT_EQ(ReadTextFile(prefix() / ".flightcheck-role"), "master\n");
  EXPECT_EQ(ReadTextFile(base() / "hooklog/setup"),
            fmt::format("master 127.0.0.7 {0} {0}/cluster.yaml {0}\n", prefix().string()));
  const std::string manifest = ReadTextFile(prefix() / ".flightcheck-manifest");
  EXPECT_THAT(manifest, ::testing::StartsWith((base() / "root/opt").string() + "\n" +
                                              prefix().string() + "\n"));
  EXPECT_THAT(manifest, HasSubstr(prefix().string() + "/etc/app.conf\n"));
  EXPECT_THAT(manifest, ::testing::EndsWith(prefix().string() + "/.flightcheck-installed\n" +
                                            prefix().string() + "/.flightcheck-manifest\n"));
  EXPECT_THAT(
      ReadTextFile(prefix() / ".flightcheck-installed"),
      ::testing::MatchesRegex("artifact=.+\nconfig_hash=.*\ncluster_hash=.*\nrole=master\n"));

  // The same artifact again: already deployed, and the setup hook does not run again.
  fs::remove(base() / "hooklog/setup");
  CommandResult same = InstallSh("install master");
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_THAT(same.output, HasSubstr("install.sh: already deployed: "));
  EXPECT_FALSE(fs::exists(base() / "hooklog/setup")) << "the setup hook ran again";
  CommandResult again = InstallSh("install agent");
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("already installed under " + prefix().string() +
                                      " as master, not agent; run 'install.sh uninstall' first"));

  CommandResult uninstall = InstallSh("uninstall");
  EXPECT_EQ(uninstall.exit_code, 0) << uninstall.output;
  EXPECT_EQ(ReadTextFile(base() / "hooklog/stop"),
            fmt::format("master 127.0.0.7 {0} {0}/cluster.yaml {0}\n", prefix().string()));
  EXPECT_EQ(Listing(base() / "root"), before);

  CommandResult nothing = InstallSh("uninstall");
  EXPECT_EQ(nothing.exit_code, 0) << nothing.output;
  EXPECT_THAT(nothing.output,
              HasSubstr("nothing installed by flightcheck under " + prefix().string()));
}

TEST_F(InstallScriptTest, UninstallKeepsWhatWasThereBefore) {
  CreateMarker();
  fs::create_directories(prefix() / "etc");
  ASSERT_TRUE(WriteFileAtomically(prefix() / "keep.txt", "mine\n").ok());
  const std::vector<std::string> before = Listing(base() / "root");
  CommandResult install = InstallSh("install master");
  ASSERT_EQ(install.exit_code, 0) << install.output;
  CommandResult uninstall = InstallSh("uninstall");
  EXPECT_EQ(uninstall.exit_code, 0) << uninstall.output;
  EXPECT_EQ(Listing(base() / "root"), before);
  EXPECT_EQ(ReadTextFile(prefix() / "keep.txt"), "mine\n");
}

TEST_F(InstallScriptTest, FailingSetupHookStillLeavesAManifest) {
  CreateMarker();
  const std::vector<std::string> before = Listing(base() / "root");
  ASSERT_TRUE(WriteFileAtomically(base() / "hooklog/setup-exit", "7\n").ok());
  CommandResult install = InstallSh("install master");
  EXPECT_EQ(install.exit_code, 7) << install.output;
  EXPECT_THAT(install.output, HasSubstr("the setup hook failed (exit 7)"));
  ASSERT_TRUE(fs::exists(prefix() / ".flightcheck-manifest"));

  ASSERT_TRUE(WriteFileAtomically(base() / "hooklog/stop-exit", "5\n").ok());
  CommandResult uninstall = InstallSh("uninstall");
  EXPECT_EQ(uninstall.exit_code, 0) << uninstall.output;
  EXPECT_THAT(uninstall.output, HasSubstr("the stop hook failed (exit 5)"));
  EXPECT_EQ(Listing(base() / "root"), before);
}

// health_daemon: true (install.env's HEALTH_DAEMON, which is all genconf changes for it): the
// daemon's binary and variables go under the prefix, its unit (made from the shipped template)
// into the unit directory, and systemctl starts it; uninstall stops it and removes all of it.
// systemctl is a stand-in that records its arguments: the daemon's unit under a real systemd
// manager is tested in integration/serve_integration_test.cc.
TEST_F(InstallScriptTest, TheHealthDaemonIsInstalledStartedAndRemoved) {
  CreateMarker();
  const fs::path node = base() / "node-health";
  fs::remove_all(node);
  fs::remove_all(base() / "units");
  fs::create_directories(base() / "units");
  ASSERT_EQ(RunShell("cp -a " + Quote(base() / "node") + " " + Quote(node) +
                     " && sed -i 's/^HEALTH_DAEMON=.*/HEALTH_DAEMON=true/' " +
                     Quote(node / "install.env"))
                .exit_code,
            0);
  // The cluster's bundle sources (config key bundle_sources) go with the daemon, for its bundle
  // API.
  ASSERT_TRUE(WriteFileAtomically(node / "bundle.yaml",
                                  "apiVersion: flightcheck/v1\nkind: BundleSources\nsources: []\n")
                  .ok());
  suite_->WriteFile("systemctl",
                    "#!/bin/sh\necho \"$*\" >>\"$(dirname \"$0\")/systemctl.log\"\n"
                    "exit \"$(cat \"$(dirname \"$0\")/systemctl-exit\" 2>/dev/null || echo 0)\"\n");
  fs::permissions(base() / "systemctl", fs::perms::owner_all);
  fs::remove(base() / "systemctl.log");
  fs::remove(base() / "systemctl-exit");
  const std::string env = "FLIGHTCHECK_UNIT_DIR=" + Quote(base() / "units") +
                          " FLIGHTCHECK_SYSTEMCTL=" + Quote(base() / "systemctl");
  const auto install_sh = [&](const std::string& args) {
    return RunShell(env + " /bin/sh " + Quote(node / "install.sh") + " " + args);
  };
  const fs::path unit_file = base() / "units/flightcheck-health.service";
  const std::vector<std::string> before = Listing(base() / "root");

  // systemctl fails: the install is not finished (no record), and a re-run does it again.
  ASSERT_TRUE(WriteFileAtomically(base() / "systemctl-exit", "1\n").ok());
  CommandResult failed = install_sh("install master");
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_THAT(failed.output, HasSubstr("the health daemon did not start (see 'systemctl status "
                                       "flightcheck-health.service')"));
  EXPECT_FALSE(fs::exists(prefix() / ".flightcheck-installed"));
  fs::remove(base() / "systemctl-exit");
  fs::remove(base() / "systemctl.log");

  CommandResult install = install_sh("install master");
  ASSERT_EQ(install.exit_code, 0) << install.output;
  EXPECT_THAT(install.output, HasSubstr("removing the unfinished install"));
  EXPECT_THAT(
      install.output,
      HasSubstr("started flightcheck-health.service (flightcheck serve on 127.0.0.1:1050)"));
  const std::string daemon = (prefix() / "flightcheck").string();
  EXPECT_EQ(fs::status(daemon + "/bin/flightcheck").permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
  EXPECT_EQ(ReadTextFile(daemon + "/variables.json"), ReadTextFile(node / "variables.json"));
  EXPECT_EQ(ReadTextFile(daemon + "/bundle.yaml"), ReadTextFile(node / "bundle.yaml"));
  const std::string unit = ReadTextFile(unit_file);
  EXPECT_THAT(unit, HasSubstr(fmt::format(
                        "ExecStart=\"{0}/bin/flightcheck\" \"serve\" \"--role\" \"master\" "
                        "\"--config\" \"{1}/cluster.yaml\" \"--vars-file\" \"{0}/variables.json\" "
                        "\"--var\" \"host_ip=127.0.0.7\" \"--ip\" \"127.0.0.7\" \"--listen\" "
                        "\"127.0.0.1:1050\" \"--node-port\" \"1050\" \"--bundle-dir\" "
                        "\"/var/lib/flightcheck/bundles\" \"--results-file\" "
                        "\"/var/lib/flightcheck/health-results.json\" \"--sources\" "
                        "\"{0}/bundle.yaml\" \"--var\" "
                        "\"health_units=dcos-app.service\"\n",
                        daemon, prefix().string())));
  EXPECT_THAT(unit, HasSubstr("Description=flightcheck health daemon (master)"));
  EXPECT_THAT(unit, HasSubstr("Type=notify\n"));
  EXPECT_THAT(unit, Not(HasSubstr("%i")));
  // systemd itself reads the unit: the arguments parse and the binary exists.
  const CommandResult verify =
      RunShell("systemd-analyze verify --man=no " + Quote(unit_file) + " 2>&1");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_EQ(verify.output, "") << "systemd-analyze has objections";
  // The unfinished install's daemon was stopped and its unit removed before this one.
  EXPECT_EQ(ReadTextFile(base() / "systemctl.log"),
            "disable --now flightcheck-health.service\ndaemon-reload\n"
            "daemon-reload\nenable --now flightcheck-health.service\n");
  EXPECT_THAT(ReadTextFile(prefix() / ".flightcheck-manifest"),
              HasSubstr(unit_file.string() + "\n"));

  fs::remove(base() / "systemctl.log");
  CommandResult uninstall = install_sh("uninstall");
  EXPECT_EQ(uninstall.exit_code, 0) << uninstall.output;
  EXPECT_EQ(ReadTextFile(base() / "systemctl.log"),
            "disable --now flightcheck-health.service\ndaemon-reload\n");
  EXPECT_FALSE(fs::exists(unit_file));
  EXPECT_EQ(Listing(base() / "root"), before);
}

}  // namespace
}  // namespace flightcheck
