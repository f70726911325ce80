#include "checks/sysctl.h"

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(SysctlParseTest, Path) {
  struct Case {
    std::string_view key;
    std::string path;  // "" when the key is rejected
  };
  const Case cases[] = {
      {"net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward"},
      {"vm.max_map_count", "/proc/sys/vm/max_map_count"},
      {"net/ipv4/conf/eth0.100/forwarding", "/proc/sys/net/ipv4/conf/eth0.100/forwarding"},
      {"kernel", "/proc/sys/kernel"},
      {"", ""},
      {"net..ipv4", ""},
      {".net.ipv4", ""},
      {"net.ipv4.", ""},
      {"../../etc/passwd", ""},
      {"net/../../etc/shadow", ""},
      {"/etc/passwd", ""},
      {"net/./ipv4", ""},
  };
  for (const Case& c : cases) {
    Result<std::string> path = SysctlPath(c.key);
    if (c.path.empty()) {
      ASSERT_FALSE(path) << c.key;
      EXPECT_EQ(path.error().code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(path.error().message().find("is not of the form"), std::string::npos);
    } else {
      ASSERT_TRUE(path) << c.key;
      EXPECT_EQ(*path, c.path);
    }
  }
}

TEST(SysctlParseTest, Value) {
  struct Case {
    std::string_view text;
    std::string value;
  };
  const Case cases[] = {
      {"1\n", "1"},
      {"4096\t87380\t6291456\n", "4096 87380 6291456"},
      {"  a   b \n", "a b"},
      {"\n", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(NormalizeSysctlValue(c.text), c.value) << c.text;
}

Result<Facts> RunSysctl(const std::filesystem::path& root, std::string_view key) {
  return testing::CallProbeWithValidParams("sysctl", {{"key", key}}, root, std::chrono::seconds(2));
}

TEST(SysctlProbeTest, Centos7) {
  struct Case {
    const char* key;
    bool exists;
    const char* value;
    Facts number;
  };
  const Case cases[] = {
      {"net.ipv4.ip_forward", true, "1", 1},
      {"net.bridge.bridge-nf-call-iptables", true, "1", 1},
      {"net.ipv4.tcp_rmem", true, "4096 87380 6291456", nullptr},
      {"net/ipv4/conf/eth0.100/forwarding", true, "0", 0},
      {"vm.max_map_count", true, "65530", 65530},
      {"kernel.osrelease", true, "3.10.0-1160.el7.x86_64", nullptr},
      {"net.ipv6.conf.all.disable_ipv6", false, "", nullptr},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunSysctl(testing::FixturePath("hosts/centos7"), c.key);
    ASSERT_TRUE(facts) << facts.error().ToString();
    EXPECT_EQ((*facts)["exists"], c.exists) << c.key;
    EXPECT_EQ((*facts)["value"], c.value) << c.key;
    EXPECT_EQ((*facts)["number"], c.number) << c.key;
  }
}

TEST(SysctlProbeTest, LiveHost) {
  Result<Facts> facts = RunSysctl("/", "kernel.ostype");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["exists"], true);
  EXPECT_EQ((*facts)["value"], "Linux");
  EXPECT_TRUE((*facts)["number"].is_null());
}

TEST(SysctlProbeTest, Errors) {
  struct Case {
    const char* key;
    ErrorCode code;
    std::string_view message;
  };
  const Case cases[] = {
      {"net.ipv4", ErrorCode::kInvalidArgument,
       "'net.ipv4' names a group of parameters (/proc/sys/net/ipv4)"},
      {"../../etc/passwd", ErrorCode::kInvalidArgument, "is not of the form"},
      {"net..ipv4", ErrorCode::kInvalidArgument, "is not of the form"},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunSysctl(testing::FixturePath("hosts/centos7"), c.key);
    ASSERT_FALSE(facts) << c.key;
    EXPECT_EQ(facts.error().code(), c.code) << facts.error().ToString();
    EXPECT_NE(facts.error().message().find(c.message), std::string::npos)
        << facts.error().message();
  }
}

}  // namespace
}  // namespace flightcheck
