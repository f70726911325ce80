#include "installer/cluster_config.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testbed/ssh_hosts.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A key and its YAML value text; nullopt removes the key from the base config.
struct Override {
  std::string key;
  std::optional<std::string> yaml;
};

const std::vector<std::pair<std::string, std::string>> kBaseConfig = {
    {"cluster_name", "test"},
    {"bootstrap_url", "http://192.0.2.1:8080"},
    {"master_discovery", "static"},
    {"exhibitor_storage_backend", "static"},
    {"master_list", "[10.0.0.1]"},
    {"agent_list", "[10.0.0.2, 10.0.0.3]"},
    {"public_agent_list", "[10.0.0.4]"},
    {"ssh_user", "centos"},
};

// A valid install directory: genconf/ with ip-detect, an ssh key (0600) and known hosts.
class ClusterConfigTest : public ::testing::Test {
 protected:
  ClusterConfigTest() {
    dir_.WriteFile("genconf/ip-detect", "#!/bin/sh\necho 10.0.0.1\n");
    dir_.WriteFile("genconf/ssh_known_hosts", "");
    fs::permissions(WriteKey("-----BEGIN OPENSSH PRIVATE KEY-----\n"), fs::perms(0600));
  }

  fs::path WriteKey(std::string_view text) const { return dir_.WriteFile("genconf/ssh_key", text); }

  // The base config with overrides applied in place (new keys appended), as YAML text.
  static std::string ConfigText(const std::vector<Override>& overrides) {
    std::vector<std::pair<std::string, std::optional<std::string>>> lines(kBaseConfig.begin(),
                                                                          kBaseConfig.end());
    for (const Override& o : overrides) {
      auto it =
          std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.first == o.key; });
      if (it == lines.end()) {
        lines.emplace_back(o.key, o.yaml);
      } else {
        it->second = o.yaml;
      }
    }
    std::string text;
    for (const auto& [key, yaml] : lines) {
      if (yaml) text += key + (yaml->empty() ? ":" : ": " + *yaml) + "\n";
    }
    return text;
  }

  ConfigLoad Load(const std::vector<Override>& overrides, ConfigMode mode = ConfigMode::kSsh) {
    return LoadClusterConfig(dir_.WriteFile("genconf/config.yaml", ConfigText(overrides)), mode);
  }

  std::vector<std::string> Problems(const std::vector<Override>& overrides,
                                    ConfigMode mode = ConfigMode::kSsh) {
    return Format(Load(overrides, mode));
  }

  // The same config with its lines in reverse order.
  static std::string Reversed(const std::vector<Override>& overrides) {
    std::vector<std::string> lines;
    std::string text = ConfigText(overrides);
    for (size_t start = 0, end; start < text.size(); start = end + 1) {
      end = text.find('\n', start);
      lines.push_back(text.substr(start, end - start + 1));
    }
    std::string reversed;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) reversed += *it;
    return reversed;
  }

  ConfigLoad Parse(const std::string& text, ConfigMode mode = ConfigMode::kSsh) const {
    return ParseClusterConfig(text, dir_.path() / "genconf/config.yaml", mode);
  }

  static std::vector<std::string> Format(const ConfigLoad& load) {
    std::vector<std::string> lines;
    for (const ConfigProblem& problem : load.problems) lines.push_back(FormatProblem(problem));
    return lines;
  }

  testing::ScopedTempDir dir_;
};

// One override and the single problem it must produce.
struct Case {
  Override override;
  std::string problem;
};

TEST_F(ClusterConfigTest, ValidConfigLoadsWithDefaults) {
  const ConfigLoad load = Load({});
  ASSERT_THAT(Format(load), IsEmpty());
  ASSERT_TRUE(load.config);
  const ClusterConfig& c = *load.config;
  EXPECT_EQ(c.install_dir, dir_.path());
  EXPECT_EQ(c.cluster_name, "test");
  EXPECT_EQ(c.master_list, std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(c.agent_list, (std::vector<std::string>{"10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(c.resolvers, (std::vector<std::string>{"8.8.8.8", "8.8.4.4"}));
  EXPECT_EQ(c.ip_detect_path, dir_.path() / "genconf/ip-detect");
  EXPECT_EQ(c.ssh_key_path, dir_.path() / "genconf/ssh_key");
  EXPECT_EQ(c.ssh_known_hosts_path, dir_.path() / "genconf/ssh_known_hosts");
  EXPECT_EQ(c.ssh_port, 22);
  EXPECT_EQ(c.ssh_parallelism, 20);
  EXPECT_EQ(c.process_timeout, 120);
  EXPECT_EQ(c.ssh_connect_timeout, 10);
  EXPECT_EQ(c.postflight_timeout, 900);
  EXPECT_EQ(c.install_prefix, "/opt/mesosphere");
  EXPECT_TRUE(c.check_time);
  EXPECT_TRUE(c.builtin_rules);
  EXPECT_FALSE(c.ssh_accept_new_host_keys);
  EXPECT_EQ(c.values["agent_list"], nlohmann::json({"10.0.0.2", "10.0.0.3"}));
  EXPECT_FALSE(c.values.contains("resolvers"));  // defaults are not values the user wrote
}

TEST_F(ClusterConfigTest, MissingRequiredKeys) {
  EXPECT_THAT(
      Problems({{"cluster_name", std::nullopt},
                {"bootstrap_url", std::nullopt},
                {"master_discovery", std::nullopt},
                {"exhibitor_storage_backend", std::nullopt}}),
      ElementsAre("bootstrap_url: Must set bootstrap_url, no way to calculate value.",
                  "cluster_name: Must set cluster_name, no way to calculate value.",
                  "exhibitor_storage_backend: Must set exhibitor_storage_backend, no way "
                  "to calculate value.",
                  "master_discovery: Must set master_discovery, no way to calculate value."));
}

TEST_F(ClusterConfigTest, MasterListRequiredWithStaticDiscovery) {
  EXPECT_THAT(Problems({{"master_list", std::nullopt}}, ConfigMode::kGenconf),
              ElementsAre("master_list: Must set master_list, no way to calculate value."));
}

TEST_F(ClusterConfigTest, SshUserRequiredOnlyInSshMode) {
  EXPECT_THAT(Problems({{"ssh_user", std::nullopt}}),
              ElementsAre("ssh_user: Must set ssh_user, no way to calculate value."));
  EXPECT_THAT(Problems({{"ssh_user", std::nullopt}}, ConfigMode::kGenconf), IsEmpty());
}

TEST_F(ClusterConfigTest, EnumeratedKeys) {
  EXPECT_THAT(Problems({{"master_discovery", "dns"}}),
              ElementsAre("master_discovery: Must be one of 'master_http_loadbalancer', 'static'. "
                          "Got 'dns'."));
  EXPECT_THAT(Problems({{"exhibitor_storage_backend", "etcd"}}),
              ElementsAre("exhibitor_storage_backend: Must be one of "
                          "'agent_only_group_no_exhibitor', 'aws_s3', 'shared_filesystem', "
                          "'static', 'zookeeper', 'azure'. Got 'etcd'."));
}

TEST_F(ClusterConfigTest, BooleanKeysTakeYamlBooleansOnly) {
  EXPECT_THAT(Problems({{"check_time", "\"yes\""}}),
              ElementsAre("check_time: Must be one of 'true', 'false'. Got 'yes'."));
  EXPECT_THAT(Problems({{"oauth_enabled", "maybe"}}),
              ElementsAre("oauth_enabled: Must be one of 'true', 'false'. Got 'maybe'."));
  const ConfigLoad load = Load({{"check_time", "no"}, {"builtin_rules", "\"false\""}});
  ASSERT_TRUE(load.config);
  EXPECT_FALSE(load.config->check_time);
  EXPECT_FALSE(load.config->builtin_rules);
  EXPECT_EQ(load.config->values["check_time"], false);
}

TEST_F(ClusterConfigTest, InvalidAddressesInInputOrder) {
  EXPECT_THAT(Problems({{"agent_list", "[foo, 10.0.0.2, 10.0.0.300]"}}),
              ElementsAre("agent_list: Invalid IPv4 addresses in list: foo, 10.0.0.300"));
}

TEST_F(ClusterConfigTest, MasterAddressWithPortIsInvalid) {
  EXPECT_THAT(Problems({{"master_list", "[\"10.0.0.1:5050\"]"}}),
              ElementsAre("master_list: Invalid IPv4 addresses in list: 10.0.0.1:5050"));
}

TEST_F(ClusterConfigTest, DuplicatesWithinAList) {
  EXPECT_THAT(Problems({{"agent_list", "[10.0.0.2, 10.0.0.3, 10.0.0.2]"}}),
              ElementsAre("agent_list: List cannot contain duplicates: 10.0.0.2 appears 2 times"));
}

TEST_F(ClusterConfigTest, OverlapNamesTheTwoListsInvolved) {
  EXPECT_THAT(Problems({{"public_agent_list", "[10.0.0.3]"}}),
              ElementsAre("agent_list: agent_list and public_agent_list cannot contain "
                          "duplicates 10.0.0.3",
                          "public_agent_list: agent_list and public_agent_list cannot contain "
                          "duplicates 10.0.0.3"));
  EXPECT_THAT(
      Problems({{"agent_list", "[10.0.0.1]"}}),
      ElementsAre("master_list: master_list and agent_list cannot contain duplicates 10.0.0.1",
                  "agent_list: master_list and agent_list cannot contain duplicates 10.0.0.1"));
}

TEST_F(ClusterConfigTest, OverlapNotCheckedWhenAListIsInvalid) {
  EXPECT_THAT(Problems({{"public_agent_list", "[10.0.0.3, bad]"}}),
              ElementsAre("public_agent_list: Invalid IPv4 addresses in list: bad"));
}

TEST_F(ClusterConfigTest, ListItemsMustBeStrings) {
  EXPECT_THAT(Problems({{"agent_list", "[1, 10.0.0.2, 2.5]"}}),
              ElementsAre("agent_list: Items in list must be strings, got invalid values: 1 type "
                          "int, 2.5 type float"));
}

TEST_F(ClusterConfigTest, ListKeyGivenAScalar) {
  EXPECT_THAT(Problems({{"master_list", "true"}}),
              ElementsAre("master_list: Must be a list, e.g. [10.0.0.1]; got a bool: true"));
  EXPECT_THAT(Problems({{"agent_list", "10.0.0.2"}}),
              ElementsAre("agent_list: Must be a list, e.g. [10.0.0.1]; got a str: 10.0.0.2"));
  EXPECT_THAT(Problems({{"custom_rules", "genconf/site.yaml"}}),
              ElementsAre("custom_rules: Must be a list, e.g. [genconf/site-rules.yaml]; got a "
                          "str: genconf/site.yaml"));
  EXPECT_THAT(Problems({{"no_proxy", "{a: b}"}}),
              ElementsAre("no_proxy: Must be a list, e.g. [a, b]; got a map: {\"a\":\"b\"}"));
  // A string that starts like DC/OS's JSON form gets the JSON error.
  EXPECT_THAT(Problems({{"agent_list", "'[10.0.0.2'"}}),
              ElementsAre("agent_list: Must be a JSON formatted list, but couldn't be parsed the "
                          "given value `[10.0.0.2` as one because of: invalid JSON near character "
                          "6"));
}

TEST_F(ClusterConfigTest, JsonListInAStringIsAccepted) {
  const ConfigLoad load = Load({{"agent_list", R"('["10.0.0.2", "10.0.0.3"]')"}});
  ASSERT_THAT(Format(load), IsEmpty());
  EXPECT_EQ(load.config->agent_list, (std::vector<std::string>{"10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(load.config->values["agent_list"], nlohmann::json({"10.0.0.2", "10.0.0.3"}));
}

TEST_F(ClusterConfigTest, MasterCount) {
  EXPECT_THAT(Problems({{"master_list", "[10.0.0.1, 10.0.0.9]"}}),
              ElementsAre("num_masters: Must have 1, 3, 5, 7, or 9 masters. Found 2"));
  EXPECT_THAT(Problems({{"num_masters", "1"}}),
              ElementsAre("num_masters: num_masters must be calculated, but was explicitly set in "
                          "the configuration. Remove it from the configuration."));
}

TEST_F(ClusterConfigTest, LoadBalancerDiscoveryNeedsAddressAndCount) {
  const std::vector<Override> zookeeper = {{"master_discovery", "master_http_loadbalancer"},
                                           {"exhibitor_storage_backend", "zookeeper"},
                                           {"exhibitor_zk_hosts", "10.0.0.9:2181"},
                                           {"exhibitor_zk_path", "/cluster"}};
  EXPECT_THAT(Problems(zookeeper),
              ElementsAre("exhibitor_address: Must set exhibitor_address, no way to calculate "
                          "value.",
                          "num_masters: Must set num_masters, no way to calculate value."));
  std::vector<Override> two_masters = zookeeper;
  two_masters.push_back({"exhibitor_address", "lb.example.com"});
  two_masters.push_back({"num_masters", "2"});
  EXPECT_THAT(Problems(two_masters),
              ElementsAre("num_masters: Must have 1, 3, 5, 7, or 9 masters. Found 2"));
}

TEST_F(ClusterConfigTest, LoadBalancerDiscoveryWithStaticBackend) {
  const std::string message =
      "When master_discovery is not static, exhibitor_storage_backend must be non-static. Having "
      "a variable list of masters which are discovered by agents using the master_discovery "
      "method but also having a fixed list of master IPs known at install time does not work.";
  EXPECT_THAT(Problems({{"master_discovery", "master_http_loadbalancer"},
                        {"exhibitor_address", "lb.example.com"},
                        {"num_masters", "3"}}),
              ElementsAre("master_discovery: " + message, "exhibitor_storage_backend: " + message));
}

TEST_F(ClusterConfigTest, IntegerKeys) {
  const std::vector<Case> cases = {
      {{"ssh_port", "0"}, "ssh_port: Must be between 1 and 32000 inclusive"},
      {{"ssh_port", "32001"}, "ssh_port: Must be between 1 and 32000 inclusive"},
      {{"ssh_port", "abc"}, "ssh_port: Must be an integer but got a str: abc"},
      {{"ssh_port", "22.5"}, "ssh_port: Must be an integer but got a float: 22.5"},
      {{"ssh_port", "[22]"}, "ssh_port: Must be an integer but got a list: [22]"},
      {{"ssh_parallelism", "0"}, "ssh_parallelism: Must be between 1 and 100 inclusive"},
      {{"ssh_parallelism", "101"}, "ssh_parallelism: Must be between 1 and 100 inclusive"},
      {{"process_timeout", "0"}, "process_timeout: Must be at least 1"},
      {{"ssh_connect_timeout", "301"}, "ssh_connect_timeout: Must be between 1 and 300 inclusive"},
      {{"postflight_timeout", "-5"}, "postflight_timeout: Must be at least 1"},
  };
  for (const Case& c : cases) EXPECT_THAT(Problems({c.override}), ElementsAre(c.problem));
  const ConfigLoad quoted = Load({{"ssh_port", "\"2222\""}});  // DC/OS accepted digit strings
  ASSERT_TRUE(quoted.config);
  EXPECT_EQ(quoted.config->ssh_port, 2222);
  EXPECT_EQ(quoted.config->values["ssh_port"], 2222);
}

TEST_F(ClusterConfigTest, FloatForAStringKey) {
  EXPECT_THAT(Problems({{"cluster_name", "1.5"}}),
              ElementsAre("cluster_name: Must be a string but got a float: 1.5"));
}

TEST_F(ClusterConfigTest, NullValues) {
  EXPECT_THAT(Problems({{"cluster_name", ""}, {"dns_search", "~"}}),
              ElementsAre("cluster_name: Must have a value; it is empty (null)",
                          "dns_search: Must have a value; it is empty (null)"));
}

TEST_F(ClusterConfigTest, Resolvers) {
  EXPECT_THAT(Problems({{"resolvers", "[\"8.8.8.8:65536\"]"}}),
              ElementsAre("resolvers: Must be between 1 and 65535 inclusive"));
  EXPECT_THAT(Problems({{"resolvers", "[\"8.8.8.8:dns\", 1.1.1.1]"}}),
              ElementsAre("resolvers: Invalid IPv4 addresses in list: 8.8.8.8:dns"));
  EXPECT_THAT(Problems({{"resolvers", "[1.1.1.1, 1.1.1.1, 1.1.1.1]"}}),
              ElementsAre("resolvers: List cannot contain duplicates: 1.1.1.1 appears 3 times"));
  const ConfigLoad load = Load({{"resolvers", "[\"10.0.0.53:5353\", 10.0.0.54]"}});
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->resolvers, (std::vector<std::string>{"10.0.0.53:5353", "10.0.0.54"}));
}

TEST_F(ClusterConfigTest, BootstrapUrl) {
  EXPECT_THAT(Problems({{"bootstrap_url", "http://192.0.2.1/"}}),
              ElementsAre("bootstrap_url: Must not end in a '/'"));
  EXPECT_THAT(Problems({{"bootstrap_url", "x"}}),
              ElementsAre("bootstrap_url: Should be a url (http://example.com/bar or "
                          "file:///path/to/local/cache)"));
}

TEST_F(ClusterConfigTest, ZookeeperBackend) {
  EXPECT_THAT(Problems({{"exhibitor_storage_backend", "zookeeper"},
                        {"exhibitor_zk_hosts", "zk://10.0.0.9:2181"},
                        {"exhibitor_zk_path", "cluster"}}),
              ElementsAre("exhibitor_zk_hosts: Must be of the form `host:port,host:port', not "
                          "start with zk://",
                          "exhibitor_zk_path: Must be of the form /path/to/znode"));
}

TEST_F(ClusterConfigTest, BackendRequiredKeys) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"zookeeper", {"exhibitor_zk_hosts", "exhibitor_zk_path"}},
      {"aws_s3", {"aws_region", "exhibitor_explicit_keys", "s3_bucket", "s3_prefix"}},
      {"azure",
       {"exhibitor_azure_account_key", "exhibitor_azure_account_name", "exhibitor_azure_prefix"}},
      {"shared_filesystem", {"exhibitor_fs_config_dir"}},
  };
  for (const auto& [backend, keys] : cases) {
    std::vector<std::string> expected;
    for (const std::string& key : keys) {
      expected.push_back(key + ": Must set " + key + ", no way to calculate value.");
    }
    EXPECT_EQ(Problems({{"exhibitor_storage_backend", backend}}), expected) << backend;
  }
}

TEST_F(ClusterConfigTest, AwsExplicitKeysNeedCredentials) {
  EXPECT_THAT(Problems({{"exhibitor_storage_backend", "aws_s3"},
                        {"aws_region", "us-west-2"},
                        {"s3_bucket", "bucket"},
                        {"s3_prefix", "prefix"},
                        {"exhibitor_explicit_keys", "true"}}),
              ElementsAre("aws_access_key_id: Must set aws_access_key_id, no way to calculate "
                          "value.",
                          "aws_secret_access_key: Must set aws_secret_access_key, no way to "
                          "calculate value."));
}

TEST_F(ClusterConfigTest, DnsSearch) {
  const std::vector<Case> cases = {
      {{"dns_search", "a.example,b.example"}, "dns_search: Commas are not allowed"},
      {{"dns_search", "a b c d e f g"}, "dns_search: Must contain no more than 6 domains"},
      {{"dns_search", std::string(256, 'a')}, "dns_search: Must be less than 256 characters long"},
      {{"dns_search", "\"a.example\\nb.example\""}, "dns_search: Must not contain a newline"},
  };
  for (const Case& c : cases) EXPECT_THAT(Problems({c.override}), ElementsAre(c.problem));
  EXPECT_THAT(Problems({{"dns_search", "a b c d e f"}}), IsEmpty());
}

TEST_F(ClusterConfigTest, IpDetectScriptMustExistOnTheCoordinator) {
  fs::remove(dir_.path() / "genconf/ip-detect");
  EXPECT_THAT(Problems({}, ConfigMode::kGenconf),
              ElementsAre("ip_detect_contents: ip-detect script `genconf/ip-detect` must exist"));
  EXPECT_THAT(Problems({}, ConfigMode::kNode), IsEmpty());
  EXPECT_THAT(Problems({{"ip_detect_filename", "/nonexistent/detect"}}, ConfigMode::kGenconf),
              ElementsAre("ip_detect_contents: ip-detect script `/nonexistent/detect` must exist"));
}

TEST_F(ClusterConfigTest, SshKeyMissing) {
  fs::remove(dir_.path() / "genconf/ssh_key");
  EXPECT_THAT(Problems({}), ElementsAre("ssh_key_path: could not find ssh private key: "
                                        "genconf/ssh_key"));
  EXPECT_THAT(Problems({}, ConfigMode::kGenconf), IsEmpty());
}

TEST_F(ClusterConfigTest, SshKeyReadableByOthers) {
  fs::permissions(dir_.path() / "genconf/ssh_key", fs::perms(0644));
  EXPECT_THAT(Problems({}),
              ElementsAre("ssh_key_path: ssh_key_path must be only read / write / executable by "
                          "the owner. It may not be read / write / executable by group, or "
                          "other."));
}

// Real keys from ssh-keygen in each format it writes: OpenSSH's own (whose encrypted form has no
// "ENCRYPTED" in its text), PEM and PKCS#8.
TEST_F(ClusterConfigTest, SshKeyWithAPassphraseInEveryFormat) {
  const std::vector<std::vector<std::string>> formats = {{"-t", "ed25519"},
                                                         {"-t", "rsa", "-b", "1024"},
                                                         {"-m", "PEM", "-t", "rsa", "-b", "1024"},
                                                         {"-m", "PKCS8", "-t", "rsa", "-b", "1024"},
                                                         {"-m", "PEM", "-t", "ecdsa"}};
  const fs::path key = dir_.path() / "genconf/ssh_key";
  for (const std::vector<std::string>& format : formats) {
    SCOPED_TRACE(::testing::PrintToString(format));
    std::vector<std::string> options = format;
    options.insert(options.end(), {"-N", "passphrase"});
    ASSERT_EQ(testing::GenerateSshKey(key, options), "");
    EXPECT_THAT(Problems({}), ElementsAre("ssh_key_path: Encrypted SSH keys (which contain "
                                          "passphrases) are not allowed. Use a key without a "
                                          "passphrase."));
    options = format;
    options.insert(options.end(), {"-N", ""});
    ASSERT_EQ(testing::GenerateSshKey(key, options), "");
    EXPECT_THAT(Problems({}), IsEmpty());
  }
}

// ssh keeps the first value of an option and flightcheck's own come first, so these would be
// ignored without a word; they are refused, in every spelling ssh reads.
TEST_F(ClusterConfigTest, ExtraSshOptionsMustNotWeakenHostKeyChecking) {
  const std::string off =
      " turns host-key checking off, which flightcheck does not do: add the hosts' keys to the "
      "known-hosts file (ssh_known_hosts_file; without it ~/.ssh/known_hosts and "
      "/etc/ssh/ssh_known_hosts), or set ssh_accept_new_host_keys: true to record unknown hosts' "
      "keys on first connection";
  const std::string discarded =
      " throws the hosts' keys away, so none is ever checked, which flightcheck does not do: add "
      "the hosts' keys to the known-hosts file (ssh_known_hosts_file; without it "
      "~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts), or set ssh_accept_new_host_keys: true to "
      "record unknown hosts' keys on first connection";
  const std::vector<Case> cases = {
      {{"extra_ssh_options", "-o StrictHostKeyChecking=no"},
       "extra_ssh_options: `-o StrictHostKeyChecking=no`" + off},
      {{"extra_ssh_options", "-oStrictHostKeyChecking=off"},
       "extra_ssh_options: `-oStrictHostKeyChecking=off`" + off},
      {{"extra_ssh_options", "-o stricthostkeychecking NO"},
       "extra_ssh_options: `-o stricthostkeychecking NO`" + off},
      {{"extra_ssh_options", "['-o', 'StrictHostKeyChecking false']"},
       "extra_ssh_options: `-o StrictHostKeyChecking false`" + off},
      {{"extra_ssh_options", "['-o', 'StrictHostKeyChecking = \"no\"']"},
       "extra_ssh_options: `-o StrictHostKeyChecking = \"no\"`" + off},
      {{"extra_ssh_options", "-4 -o StrictHostKeyChecking=accept-new"},
       "extra_ssh_options: `-o StrictHostKeyChecking=accept-new` is what "
       "ssh_accept_new_host_keys: true does; set that instead"},
      {{"extra_ssh_options", "-o UserKnownHostsFile=/dev/null"},
       "extra_ssh_options: `-o UserKnownHostsFile=/dev/null`" + discarded},
      {{"extra_ssh_options", "[-oGlobalKnownHostsFile=/dev/null]"},
       "extra_ssh_options: `-oGlobalKnownHostsFile=/dev/null`" + discarded},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Problems({c.override}), ElementsAre(c.problem)) << *c.override.yaml;
  }
  EXPECT_THAT(Problems({{"extra_ssh_options",
                         "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"}}),
              ElementsAre("extra_ssh_options: `-o StrictHostKeyChecking=no`" + off,
                          "extra_ssh_options: `-o UserKnownHostsFile=/dev/null`" + discarded));
  // Options that keep checking on, and a value that merely mentions "no", are fine.
  EXPECT_THAT(Problems({{"extra_ssh_options",
                         "-o StrictHostKeyChecking=yes -o Compression=no -o "
                         "UserKnownHostsFile=/etc/ssh/cluster_hosts -4"}}),
              IsEmpty());
}

TEST_F(ClusterConfigTest, KnownHostsFileNeededUnlessNewKeysAccepted) {
  fs::remove(dir_.path() / "genconf/ssh_known_hosts");
  const Override named = {"ssh_known_hosts_file", "genconf/ssh_known_hosts"};
  EXPECT_THAT(Problems({named}),
              ElementsAre("ssh_known_hosts_file: known hosts file `genconf/ssh_known_hosts` must "
                          "exist: add the hosts' keys to it, or set ssh_accept_new_host_keys: "
                          "true to record them on first connection"));
  EXPECT_THAT(Problems({named, {"ssh_accept_new_host_keys", "true"}}), IsEmpty());
}

// A DC/OS 1.11 config has no ssh_known_hosts_file: it is valid, and host keys are checked as
// strictly against the user's OpenSSH files (the empty path: ssh's defaults).
TEST_F(ClusterConfigTest, WithoutKnownHostsKeySshDefaultsAreUsed) {
  ConfigLoad load = Load({});
  ASSERT_THAT(Format(load), IsEmpty());
  EXPECT_EQ(load.config->ssh_known_hosts_path, dir_.path() / "genconf/ssh_known_hosts");

  fs::remove(dir_.path() / "genconf/ssh_known_hosts");
  load = Load({});
  ASSERT_THAT(Format(load), IsEmpty());
  EXPECT_EQ(load.config->ssh_known_hosts_path, fs::path());
  EXPECT_FALSE(load.config->ssh_accept_new_host_keys);
  EXPECT_FALSE(load.config->values.contains("ssh_known_hosts_file"));
}

TEST_F(ClusterConfigTest, SuperuserPasswordHash) {
  EXPECT_THAT(Problems({{"superuser_password_hash", "hunter2"}}),
              ElementsAre("superuser_password_hash: Must be a crypt(3) password hash such as "
                          "$6$<salt>$<hash>; create one with `flightcheck hash-password`"));
  const ConfigLoad load = Load({{"superuser_password_hash", "'$6$saltsalt$abcdefghijklmnop'"}});
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->superuser_password_hash, "$6$saltsalt$abcdefghijklmnop");
}

constexpr const char* kSiteRules = R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: site.marker
    title: The site marker exists
    probe: {file: {path: /etc/hostname}}
    expect: {exists: true}
)";

TEST_F(ClusterConfigTest, BundleSourcesAreCheckedWhereTheyAreWritten) {
  EXPECT_THAT(Problems({{"bundle_sources", "genconf/bundle.yaml"}}),
              ElementsAre("bundle_sources: bundle sources file `genconf/bundle.yaml` must exist"));
  dir_.WriteFile("genconf/bundle.yaml",
                 "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                 "  - id: cmd.x\n    comand: {argv: [ls]}\n");
  const std::vector<std::string> problems = Problems({{"bundle_sources", "genconf/bundle.yaml"}});
  ASSERT_FALSE(problems.empty());
  EXPECT_THAT(problems[0], ::testing::HasSubstr("bundle_sources: genconf/bundle.yaml:5:5: unknown "
                                                "key 'comand' (did you mean 'command'?)"));
  // What it disables must be a built-in source, which the nodes' bundles extend.
  dir_.WriteFile("genconf/bundle.yaml",
                 "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                 "  - id: cmd.docker_ps\n    disabled: true\n");
  EXPECT_THAT(Problems({{"bundle_sources", "genconf/bundle.yaml"}}),
              ElementsAre("bundle_sources: genconf/bundle.yaml:4:5: disabled: 'cmd.docker_ps' is "
                          "not a source this file extends (did you mean 'cmd.docker-ps'?)"));
  dir_.WriteFile("genconf/bundle.yaml",
                 "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n"
                 "  - id: cmd.x\n    command: {argv: [ls]}\n");
  const ConfigLoad load = Load({{"bundle_sources", "genconf/bundle.yaml"}});
  ASSERT_THAT(Format(load), IsEmpty());
  EXPECT_EQ(load.config->bundle_sources_path, dir_.path() / "genconf/bundle.yaml");
}

TEST_F(ClusterConfigTest, InstallKeys) {
  dir_.WriteFile("genconf/rules/extra.yaml", kSiteRules);
  dir_.WriteFile("genconf/payload.tar.gz", "");
  EXPECT_THAT(Problems({{"payload", "genconf/payload.zip"}}),
              ElementsAre("payload: Must be a .tar, .tar.gz or .tgz archive"));
  EXPECT_THAT(Problems({{"payload", "genconf/missing.tgz"}}),
              ElementsAre("payload: payload `genconf/missing.tgz` must exist"));
  EXPECT_THAT(Problems({{"custom_rules", "[genconf/rules/extra.yaml, genconf/rules/none.yaml]"}}),
              ElementsAre("custom_rules: rule file `genconf/rules/none.yaml` must exist"));
  EXPECT_THAT(Problems({{"install_prefix", "opt/flightcheck"}}),
              ElementsAre("install_prefix: Must be an absolute filesystem path starting with /"));

  const ConfigLoad load = Load({{"payload", "genconf/payload.tar.gz"},
                                {"custom_rules", "[genconf/rules/extra.yaml]"},
                                {"builtin_rules", "false"},
                                {"skip_checks", "[\"site.*\", site.marker]"},
                                {"extra_ssh_options", "-o ServerAliveInterval=5  -4"}});
  ASSERT_THAT(Format(load), IsEmpty());
  const ClusterConfig& c = *load.config;
  EXPECT_EQ(c.payload_path, dir_.path() / "genconf/payload.tar.gz");
  EXPECT_EQ(c.custom_rules, std::vector<fs::path>{dir_.path() / "genconf/rules/extra.yaml"});
  EXPECT_FALSE(c.builtin_rules);
  EXPECT_EQ(c.skip_checks, (std::vector<std::string>{"site.*", "site.marker"}));
  EXPECT_EQ(c.extra_ssh_options, (std::vector<std::string>{"-o", "ServerAliveInterval=5", "-4"}));
}

// validate-config refuses what genconf would: a skip_checks entry that names no rule of the
// rules it packs (the built-in sets unless builtin_rules: false, then custom_rules), and rule
// files that do not load. genconf mode leaves both to genconf.
TEST_F(ClusterConfigTest, SkipChecksMustNameARuleGenconfPacks) {
  dir_.WriteFile("genconf/site.yaml", kSiteRules);
  EXPECT_THAT(Problems({{"skip_checks", "[clock.synched, 'docker.*', ports.master]"}}),
              ElementsAre("skip_checks: skip entry 'clock.synched' names no preflight or "
                          "postflight rule (did you mean 'clock.synced'?)"));
  EXPECT_THAT(Problems({{"skip_checks", "[clock.synched]"}}, ConfigMode::kGenconf), IsEmpty());
  // Without the built-in sets only custom_rules count.
  EXPECT_THAT(Problems({{"builtin_rules", "false"},
                        {"custom_rules", "[genconf/site.yaml]"},
                        {"skip_checks", "[site.markr, clock.synced, 'site.*']"}}),
              ElementsAre("skip_checks: skip entry 'site.markr' names no preflight or postflight "
                          "rule (did you mean 'site.marker'?)",
                          "skip_checks: skip entry 'clock.synced' names no preflight or "
                          "postflight rule"));
  EXPECT_THAT(Problems({{"custom_rules", "[genconf/site.yaml]"},
                        {"skip_checks", "['site.marker,clock.synced']"}}),
              ElementsAre("skip_checks: skip entry 'site.marker,clock.synced' names no preflight "
                          "or postflight rule"));
}

TEST_F(ClusterConfigTest, CustomRulesThatDoNotLoadAreErrors) {
  dir_.WriteFile("genconf/broken.yaml", "apiVersion: flightcheck/v1\nkind: RuleSet\n");
  const std::vector<std::string> problems =
      Problems({{"custom_rules", "[genconf/broken.yaml]"}, {"skip_checks", "[nothing]"}});
  ASSERT_THAT(problems, Not(IsEmpty()));
  for (const std::string& problem : problems) {
    EXPECT_THAT(problem, ::testing::StartsWith("custom_rules: " +
                                               (dir_.path() / "genconf/broken.yaml").string()));
  }
}

TEST_F(ClusterConfigTest, UnknownKeyIsAWarningWithASuggestion) {
  const ConfigLoad load = Load({{"master_lists", "[10.0.0.1]"}, {"frobnicate", "1"}});
  EXPECT_THAT(Format(load),
              ElementsAre("master_lists: Unknown configuration key (did you mean 'master_list'?)",
                          "frobnicate: Unknown configuration key"));
  EXPECT_FALSE(load.HasErrors());
  EXPECT_TRUE(load.HasWarnings());
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->values["frobnicate"], 1);
  EXPECT_EQ(load.problems[0].line, 9);
  EXPECT_EQ(load.problems[0].column, 1);
}

// Keys of the DC/OS 1.11-1.13 configuration reference that flightcheck does not use are known:
// no "unknown key" warning, and they reach the nodes as written; a license key never does.
TEST_F(ClusterConfigTest, DcosKeysFlightcheckDoesNotUseAreKnown) {
  const ConfigLoad load = Load({{"master_external_loadbalancer", "lb.example.com"},
                                {"ip6_detect_filename", "genconf/ip6-detect"},
                                {"dcos_audit_logging", "true"},
                                {"network_cni_root_dir_persist", "false"},
                                {"cosmos_config", "{package_storage_uri: 'file:///var/c'}"},
                                {"security", "strict"},
                                {"license_key_contents", "LICENSE-1234"}});
  ASSERT_THAT(Format(load), IsEmpty());
  const std::string rendered = RenderNodeConfig(*load.config);
  EXPECT_THAT(rendered, HasSubstr("\nmaster_external_loadbalancer: \"lb.example.com\"\n"));
  EXPECT_THAT(rendered, HasSubstr("\ndcos_audit_logging: true\n"));
  EXPECT_THAT(rendered, Not(HasSubstr("license_key_contents")));
  EXPECT_THAT(rendered, Not(HasSubstr("LICENSE-1234")));
}

TEST_F(ClusterConfigTest, DuplicateKeyNamesBothLines) {
  const ConfigLoad load =
      Parse(ConfigText({{"ssh_port", "22"}, {"check_time", "true"}}) + "ssh_port: 23\n");
  EXPECT_THAT(Format(load),
              ElementsAre("ssh_port: Duplicate key: set at line 9 and again at line 11"));
  EXPECT_EQ(load.problems[0].line, 11);
  EXPECT_FALSE(load.config);
}

TEST_F(ClusterConfigTest, ProblemsCarryThePositionOfTheValue) {
  const ConfigLoad load = Load({{"ssh_port", "  abc"}});
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_EQ(load.problems[0].line, 9);
  EXPECT_EQ(load.problems[0].column, 13);
  EXPECT_EQ(FormatProblemAt(load.problems[0], "genconf/config.yaml"),
            "genconf/config.yaml:9:13: ssh_port: Must be an integer but got a str: abc");
}

// As the commands print problems: the value's position first, as for the file's own problems;
// a missing key has none, a file problem's message already starts with the path.
TEST_F(ClusterConfigTest, FormatProblemAtPutsThePositionFirst) {
  const ConfigLoad load = Load({{"cluster_name", std::nullopt}, {"mastr_list", "[10.0.0.1]"}});
  ASSERT_EQ(load.problems.size(), 2u);
  EXPECT_EQ(FormatProblemAt(load.problems[0], "c.yaml"),
            "cluster_name: Must set cluster_name, no way to calculate value.");
  EXPECT_EQ(FormatProblemAt(load.problems[1], "c.yaml"),
            "c.yaml:8:1: warning: mastr_list: Unknown configuration key (did you mean "
            "'master_list'?)");
  const ConfigLoad file = Parse("- a\n");
  ASSERT_EQ(file.problems.size(), 1u);
  EXPECT_EQ(FormatProblemAt(file.problems[0], "c.yaml"), FormatProblem(file.problems[0]));
}

TEST_F(ClusterConfigTest, AllErrorsInOnePass) {
  fs::remove(dir_.path() / "genconf/ip-detect");
  const ConfigLoad load = Load({{"cluster_name", std::nullopt},
                                {"master_list", "[10.0.0.1, 10.0.0.1]"},
                                {"agent_list", "foo"},
                                {"ssh_port", "0"},
                                {"check_time", "\"yes\""},
                                {"dns_serach", "example.com"}});
  EXPECT_THAT(Format(load),
              ElementsAre("cluster_name: Must set cluster_name, no way to calculate value.",
                          "ip_detect_contents: ip-detect script `genconf/ip-detect` must exist",
                          "master_list: List cannot contain duplicates: 10.0.0.1 appears 2 times",
                          "agent_list: Must be a list, e.g. [10.0.0.1]; got a str: foo",
                          "ssh_port: Must be between 1 and 32000 inclusive",
                          "check_time: Must be one of 'true', 'false'. Got 'yes'.",
                          "dns_serach: Unknown configuration key (did you mean 'dns_search'?)"));
  EXPECT_FALSE(load.config);
}

TEST_F(ClusterConfigTest, MissingFile) {
  const ConfigLoad load = LoadClusterConfig(dir_.path() / "genconf/none.yaml", ConfigMode::kSsh);
  EXPECT_THAT(Format(load), ElementsAre("No config file found at " +
                                        (dir_.path() / "genconf/none.yaml").string() +
                                        ". Write one with the keys described in docs/config.md."));
  EXPECT_TRUE(load.HasErrors());
}

TEST_F(ClusterConfigTest, YamlSyntaxError) {
  const ConfigLoad load = ParseClusterConfig("cluster_name: a\nmaster_list: [10.0.0.1\n",
                                             "genconf/config.yaml", ConfigMode::kNode);
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_THAT(FormatProblem(load.problems[0]),
              HasSubstr("genconf/config.yaml:3:1: invalid YAML: did not find expected ',' or ']'"));
  EXPECT_EQ(load.problems[0].line, 3);
  EXPECT_EQ(load.problems[0].column, 1);
}

TEST_F(ClusterConfigTest, EmptyFileOrNotAMap) {
  EXPECT_THAT(Format(ParseClusterConfig("# nothing\n", "genconf/config.yaml", ConfigMode::kNode)),
              ElementsAre("genconf/config.yaml: the file is empty; it must be a map of config keys "
                          "to values (see docs/config.md)"));
  EXPECT_THAT(
      Format(ParseClusterConfig("- a\n- b\n", "genconf/config.yaml", ConfigMode::kNode)),
      ElementsAre("genconf/config.yaml:1:1: must be a map of config keys to values, not a list"));
  EXPECT_THAT(Format(ParseClusterConfig("just text", "genconf/config.yaml", ConfigMode::kNode)),
              ElementsAre("genconf/config.yaml:1:1: must be a map of config keys to values, not a "
                          "single value"));
}

TEST_F(ClusterConfigTest, InstallDirOutsideGenconf) {
  const ConfigLoad load =
      ParseClusterConfig(ConfigText({}), dir_.path() / "etc/cluster.yaml", ConfigMode::kNode);
  ASSERT_TRUE(load.config);
  EXPECT_EQ(load.config->install_dir, dir_.path() / "etc");
  EXPECT_EQ(load.config->ip_detect_path, dir_.path() / "etc/genconf/ip-detect");
}

TEST_F(ClusterConfigTest, ClusterVariables) {
  const ConfigLoad load = Load({{"master_list", "[10.0.0.1, 10.0.0.5, 10.0.0.6]"}});
  ASSERT_TRUE(load.config);
  const Variables variables = ClusterVariables(*load.config);
  EXPECT_EQ(variables.at("master_list"), nlohmann::json({"10.0.0.1", "10.0.0.5", "10.0.0.6"}));
  EXPECT_EQ(variables.at("agent_list"), nlohmann::json({"10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(variables.at("public_agent_list"), nlohmann::json({"10.0.0.4"}));
  EXPECT_EQ(variables.at("resolvers"), nlohmann::json({"8.8.8.8", "8.8.4.4"}));
  EXPECT_EQ(variables.at("master_count"), 3);
  EXPECT_EQ(variables.at("cluster_name"), "test");
  EXPECT_EQ(variables.at("bootstrap_url"), "http://192.0.2.1:8080");
  EXPECT_EQ(variables.at("dns_search"), "");
  EXPECT_EQ(variables.at("install_prefix"), "/opt/mesosphere");
  EXPECT_EQ(variables.at("ssh_user"), "centos");

  const ConfigLoad no_user = Load({{"ssh_user", std::nullopt}}, ConfigMode::kGenconf);
  ASSERT_TRUE(no_user.config);
  EXPECT_EQ(ClusterVariables(*no_user.config).count("ssh_user"), 0u);
  EXPECT_EQ(variables.count("health_units"), 0u);  // unset: install.sh finds the payload's units
}

TEST_F(ClusterConfigTest, HealthDaemonKeys) {
  const ConfigLoad defaults = Load({});
  ASSERT_TRUE(defaults.config);
  EXPECT_FALSE(defaults.config->health_daemon);
  EXPECT_EQ(defaults.config->health_listen, "127.0.0.1:1050");

  const ConfigLoad set = Load({{"health_daemon", "true"},
                               {"health_units", "[dcos-mesos-master.service, 'dcos-*.timer']"},
                               {"health_listen", "0.0.0.0:1051"},
                               {"health_token_file", "/etc/flightcheck/token"}});
  ASSERT_THAT(Format(set), IsEmpty());
  EXPECT_TRUE(set.config->health_daemon);
  EXPECT_EQ(set.config->health_listen, "0.0.0.0:1051");
  EXPECT_EQ(set.config->health_token_file, "/etc/flightcheck/token");
  EXPECT_EQ(ClusterVariables(*set.config).at("health_units"),
            nlohmann::json({"dcos-mesos-master.service", "dcos-*.timer"}));

  const Case cases[] = {
      {{"health_listen", "0.0.0.0:1050"},
       "health_listen: `0.0.0.0:1050` is not a loopback address: the daemon then requires a "
       "bearer token; set health_token_file to a file (mode 0600) present on every node"},
      {{"health_listen", "localhost:1050"},
       "health_listen: Must be an IP address and a port, e.g. 127.0.0.1:1050 or 0.0.0.0:1050; "
       "got `localhost:1050`"},
      {{"health_listen", "127.0.0.1"},
       "health_listen: Must be an IP address and a port, e.g. 127.0.0.1:1050 or 0.0.0.0:1050; "
       "got `127.0.0.1`"},
      {{"health_token_file", "token"},
       "health_token_file: Must be an absolute path on the nodes, e.g. /etc/flightcheck/token"},
      {{"health_units", "dcos-mesos-master.service"},
       "health_units: Must be a list, e.g. [a, b]; got a str: dcos-mesos-master.service"},
      {{"health_units", "['']"}, "health_units: Must not contain an empty unit name"},
      {{"health_daemon", "yes please"},
       "health_daemon: Must be one of 'true', 'false'. Got 'yes please'."},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Problems({c.override}), ElementsAre(c.problem)) << c.override.key;
  }
}

TEST_F(ClusterConfigTest, SecretKeys) {
  for (const char* key :
       {"superuser_password_hash", "aws_secret_access_key", "exhibitor_azure_account_key",
        "cluster_docker_credentials", "registry_password", "api_token", "license_key_contents",
        "zk_super_credentials", "aws_template_storage_secret_access_key"}) {
    EXPECT_TRUE(IsSecretConfigKey(key)) << key;
  }
  for (const char* key : {"ssh_key_path", "aws_access_key_id", "cluster_name"}) {
    EXPECT_FALSE(IsSecretConfigKey(key)) << key;
  }
}

const std::vector<Override> kFullOverrides = {
    {"superuser_username", "admin"},
    {"superuser_password_hash", "'$6$salt$hash'"},
    {"exhibitor_azure_account_key", "secret"},
    {"ssh_port", "2222"},
    {"process_timeout", "600"},
    {"resolvers", "[10.0.0.53]"},
    {"check_time", "false"},
    {"frobnicate", "{b: 1, a: [x]}"},
};

TEST_F(ClusterConfigTest, RenderNodeConfigDropsSecretsAndCoordinatorKeys) {
  const ConfigLoad load = Load(kFullOverrides);
  ASSERT_TRUE(load.config);
  EXPECT_EQ(RenderNodeConfig(*load.config),
            "# Rendered by flightcheck: secrets and coordinator-only keys removed.\n"
            "agent_list: [\"10.0.0.2\",\"10.0.0.3\"]\n"
            "bootstrap_url: \"http://192.0.2.1:8080\"\n"
            "check_time: false\n"
            "cluster_name: \"test\"\n"
            "exhibitor_storage_backend: \"static\"\n"
            "frobnicate: {\"a\":[\"x\"],\"b\":1}\n"
            "master_discovery: \"static\"\n"
            "master_list: [\"10.0.0.1\"]\n"
            "public_agent_list: [\"10.0.0.4\"]\n"
            "resolvers: [\"10.0.0.53\"]\n"
            "superuser_username: \"admin\"\n");
}

TEST_F(ClusterConfigTest, RenderNodeConfigIsDeterministicAndLoadsOnANode) {
  const ConfigLoad a = Load(kFullOverrides);
  const ConfigLoad b = Parse(Reversed(kFullOverrides));
  ASSERT_TRUE(a.config);
  ASSERT_TRUE(b.config);
  const std::string rendered = RenderNodeConfig(*a.config);
  EXPECT_EQ(rendered, RenderNodeConfig(*a.config));
  EXPECT_EQ(rendered, RenderNodeConfig(*b.config));

  const ConfigLoad node =
      ParseClusterConfig(rendered, "/opt/flightcheck/config.yaml", ConfigMode::kNode);
  EXPECT_THAT(Format(node), ElementsAre("frobnicate: Unknown configuration key"));
  ASSERT_TRUE(node.config);
  EXPECT_EQ(RenderNodeConfig(*node.config), rendered);
}

TEST_F(ClusterConfigTest, ConfigHash) {
  const ConfigLoad base = Load(kFullOverrides);
  ASSERT_TRUE(base.config);
  const std::string hash = ConfigHash(*base.config);
  EXPECT_THAT(hash, ::testing::MatchesRegex("[0-9a-f]{64}"));

  const ConfigLoad reordered = Parse(Reversed(kFullOverrides));
  ASSERT_TRUE(reordered.config);
  EXPECT_EQ(ConfigHash(*reordered.config), hash);

  std::vector<Override> changed = kFullOverrides;
  changed.push_back({"superuser_password_hash", "'$6$salt$other'"});
  const ConfigLoad secret_changed = Load(changed);
  ASSERT_TRUE(secret_changed.config);
  EXPECT_THAT(ConfigHash(*secret_changed.config), Not(hash));
}

TEST_F(ClusterConfigTest, ConfigHashCoversPackedFilesButNotCoordinatorKeys) {
  const ConfigLoad base = Load(kFullOverrides);
  ASSERT_TRUE(base.config);
  const std::string hash = ConfigHash(*base.config);
  ASSERT_EQ(ClusterHash(*base.config).size(), 64u);

  // Keys that steer only the coordinator: a passing preflight stays valid.
  std::vector<Override> coordinator = kFullOverrides;
  coordinator.push_back({"ssh_parallelism", "3"});
  coordinator.push_back({"process_timeout", "300"});
  coordinator.push_back({"ssh_connect_timeout", "30"});
  coordinator.push_back({"postflight_timeout", "60"});
  const ConfigLoad steered = Load(coordinator);
  ASSERT_TRUE(steered.config) << ::testing::PrintToString(Format(steered));
  EXPECT_EQ(ConfigHash(*steered.config), hash);

  // The bytes of a packed file: an edited ip-detect script is a new configuration.
  const std::filesystem::path ip_detect = base.config->ip_detect_path;
  dir_.WriteFile(ip_detect.lexically_relative(dir_.path()).string(),
                 "#!/bin/sh\necho 10.0.0.9 # edited\n");
  EXPECT_THAT(ConfigHash(*base.config), Not(hash));

  // Adding an agent changes the config hash, not the cluster hash.
  std::vector<Override> scaled = kFullOverrides;
  scaled.push_back({"agent_list", "[10.0.0.2, 10.0.0.3, 10.0.0.9]"});
  const ConfigLoad a = Load(kFullOverrides);
  const ConfigLoad b = Load(scaled);
  ASSERT_TRUE(a.config && b.config);
  EXPECT_THAT(ConfigHash(*b.config), Not(ConfigHash(*a.config)));
  EXPECT_EQ(ClusterHash(*b.config), ClusterHash(*a.config));
  std::vector<Override> other = kFullOverrides;
  other.push_back({"resolvers", "[10.0.0.54]"});
  const ConfigLoad c = Load(other);
  ASSERT_TRUE(c.config);
  EXPECT_THAT(ClusterHash(*c.config), Not(ClusterHash(*a.config)));
}

TEST_F(ClusterConfigTest, NoCredentialsOrLicenseReachTheNodeConfig) {
  std::vector<Override> overrides = kFullOverrides;
  overrides.push_back({"use_proxy", "true"});
  overrides.push_back({"http_proxy", "http://proxyuser:s3cret@proxy.example:3128"});
  overrides.push_back({"https_proxy", "http://proxy.example:3128"});
  overrides.push_back({"license_key_contents", "LICENSE-0123456789"});
  const ConfigLoad load = Load(overrides);
  ASSERT_TRUE(load.config) << ::testing::PrintToString(Format(load));
  const std::string rendered = RenderNodeConfig(*load.config);
  EXPECT_THAT(rendered, HasSubstr("http_proxy: \"http://proxy.example:3128\"\n"));
  EXPECT_THAT(rendered, Not(HasSubstr("s3cret")));
  EXPECT_THAT(rendered, Not(HasSubstr("proxyuser")));
  EXPECT_THAT(rendered, Not(HasSubstr("LICENSE-0123456789")));
  EXPECT_THAT(rendered, Not(HasSubstr("$6$")));
  EXPECT_THAT(Format(load),
              ::testing::Contains(HasSubstr(
                  "http_proxy: the user and password in this URL stay on the coordinator: the "
                  "artifact is served to the nodes without them.")));
  // The credentials are still part of the configuration: changing them is a new one.
  std::vector<Override> changed = overrides;
  for (Override& entry : changed) {
    if (entry.key == "http_proxy") entry.yaml = "http://proxyuser:other@proxy.example:3128";
  }
  const ConfigLoad other = Load(changed);
  ASSERT_TRUE(other.config);
  EXPECT_THAT(ConfigHash(*other.config), Not(ConfigHash(*load.config)));
}

}  // namespace
}  // namespace flightcheck
