#include "checks/host.h"

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(HostParseTest, Meminfo) {
  struct Case {
    std::string_view text;
    bool ok;
    int64_t total;
    std::optional<int64_t> available;
    int64_t swap;
    std::string_view error;  // substring of the message when !ok
  };
  const Case cases[] = {
      {"MemTotal:  1000 kB\nMemFree: 5 kB\nMemAvailable: 800 kB\nSwapTotal: 0 kB\n", true, 1024000,
       819200, 0, ""},
      {"MemTotal: 2 kB\nSwapTotal: 4 kB\n", true, 2048, std::nullopt, 4096, ""},
      {"MemTotal: lots kB\nSwapTotal: 0 kB\n", false, 0, std::nullopt, 0, "MemTotal is 'lots kB'"},
      {"MemTotal: 12\nSwapTotal: 0 kB\n", false, 0, std::nullopt, 0, "MemTotal is '12'"},
      {"SwapTotal: 0 kB\n", false, 0, std::nullopt, 0, "no MemTotal line"},
      {"MemTotal: 1 kB\n", false, 0, std::nullopt, 0, "no SwapTotal line"},
      {"", false, 0, std::nullopt, 0, "no MemTotal line"},
  };
  for (const Case& c : cases) {
    Result<MemInfo> info = ParseMeminfo(c.text);
    ASSERT_EQ(info.has_value(), c.ok) << c.text;
    if (!c.ok) {
      EXPECT_EQ(info.error().code(), ErrorCode::kParseError);
      EXPECT_NE(info.error().message().find(c.error), std::string::npos) << info.error().message();
      continue;
    }
    EXPECT_EQ(info->total, c.total) << c.text;
    EXPECT_EQ(info->available, c.available) << c.text;
    EXPECT_EQ(info->swap, c.swap) << c.text;
  }
}

TEST(HostParseTest, CountCpus) {
  struct Case {
    std::string_view text;
    int64_t cpus;
  };
  const Case cases[] = {
      {"processor\t: 0\nmodel name\t: x\n\nprocessor\t: 1\n", 2},
      {"Processor\t: ARMv7 Processor rev 4 (v7l)\nprocessor\t: 0\n", 1},
      {"processor 0: version = FF\nprocessor 1: version = FF\n", 2},  // s390x
      {"processors\t: 8\n", 0},
      {"", 0},
  };
  for (const Case& c : cases) EXPECT_EQ(CountCpus(c.text), c.cpus) << c.text;
}

Result<Facts> RunHost(const std::filesystem::path& root) {
  return testing::CallProbe("host", Params::object(), root, std::chrono::seconds(2));
}

TEST(HostProbeTest, FixtureRoots) {
  struct Case {
    const char* root;
    int64_t cpus;
    int64_t memory;
    int64_t available;
    int64_t swap;
  };
  const Case cases[] = {
      {"hosts/centos7", 2, 3880192LL * 1024, 2846100LL * 1024, 2097148LL * 1024},
      {"hosts/debian12", 8, 32803828LL * 1024, 28114964LL * 1024, 0},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunHost(testing::FixturePath(c.root));
    ASSERT_TRUE(facts) << facts.error().ToString();
    EXPECT_EQ((*facts)["cpus"], c.cpus) << c.root;
    EXPECT_EQ((*facts)["memory"], c.memory) << c.root;
    EXPECT_EQ((*facts)["memory_available"], c.available) << c.root;
    EXPECT_EQ((*facts)["swap"], c.swap) << c.root;
  }
}

TEST(HostProbeTest, LiveHost) {
  Result<Facts> facts = RunHost("/");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_GE((*facts)["cpus"].get<int64_t>(), 1);
  EXPECT_GT((*facts)["memory"].get<int64_t>(), 64LL << 20);
  EXPECT_TRUE((*facts)["swap"].is_number_integer());
}

TEST(HostProbeTest, GarbledMeminfoIsAnError) {
  testing::ScopedTempDir root;
  root.WriteFile("proc/cpuinfo", "processor\t: 0\n");
  root.WriteFile("proc/meminfo", "MemTotal: ??? kB\nSwapTotal: 0 kB\n");
  Result<Facts> facts = RunHost(root.path());
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kParseError);
  EXPECT_NE(facts.error().message().find("MemTotal is '??? kB'"), std::string::npos);
}

TEST(HostProbeTest, MissingMeminfoIsAnError) {
  testing::ScopedTempDir root;
  root.WriteFile("proc/cpuinfo", "processor\t: 0\n");
  Result<Facts> facts = RunHost(root.path());
  ASSERT_FALSE(facts);
  EXPECT_TRUE(facts.error().IsNotFound());
  EXPECT_EQ(facts.error().message(), "cannot read '/proc/meminfo': No such file or directory");
}

TEST(HostProbeTest, CpuinfoWithoutProcessorsIsAnError) {
  testing::ScopedTempDir root;
  root.WriteFile("proc/cpuinfo", "garbage\n");
  root.WriteFile("proc/meminfo", "MemTotal: 1 kB\nSwapTotal: 0 kB\n");
  Result<Facts> facts = RunHost(root.path());
  ASSERT_FALSE(facts);
  EXPECT_NE(facts.error().message().find("no 'processor' lines"), std::string::npos);
}

}  // namespace
}  // namespace flightcheck
