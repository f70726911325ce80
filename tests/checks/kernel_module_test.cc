#include "checks/kernel_module.h"

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(KernelModuleParseTest, Lists) {
  struct Case {
    std::string_view text;
    bool proc_format;
    std::vector<std::string> names;
  };
  const Case cases[] = {
      {"overlay 91659 0 - Live 0xffff\nbr_netfilter 22256 0 - Live 0x0\n",
       true,
       {"overlay", "br_netfilter"}},
      {"\n", true, {}},
      {"kernel/fs/binfmt_script.ko\nkernel/drivers/hid/hid-generic.ko\n",
       false,
       {"binfmt_script", "hid_generic"}},
      {"kernel/fs/xfs/xfs.ko.xz: kernel/lib/libcrc32c.ko.xz\nkernel/lib/libcrc32c.ko.zst:\n",
       false,
       {"xfs", "libcrc32c"}},
      {"extra/vboxdrv.ko:\n# comment\nnot-a-module\n.ko\n", false, {"vboxdrv"}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.proc_format ? ParseProcModules(c.text) : ParseModulePaths(c.text), c.names)
        << c.text;
  }
  EXPECT_EQ(NormalizeModuleName("nf-conntrack"), "nf_conntrack");
}

Result<Facts> RunModule(const std::filesystem::path& root, std::string_view name) {
  return testing::CallProbeWithValidParams("kernel_module", {{"name", name}}, root,
                                           std::chrono::seconds(2));
}

TEST(KernelModuleProbeTest, Centos7) {
  struct Case {
    const char* name;
    bool loaded;
    bool builtin;
    bool loadable;
  };
  const Case cases[] = {
      {"overlay", true, false, true},    {"br-netfilter", true, false, true},
      {"tcp_cubic", false, true, false}, {"crc32c_intel", false, true, false},
      {"printk", false, true, false},  // only in /sys/module
      {"dummy", false, false, true},     {"nosuchmod", false, false, false},
  };
  for (const Case& c : cases) {
    Result<Facts> facts = RunModule(testing::FixturePath("hosts/centos7"), c.name);
    ASSERT_TRUE(facts) << facts.error().ToString();
    EXPECT_EQ((*facts)["loaded"], c.loaded) << c.name;
    EXPECT_EQ((*facts)["builtin"], c.builtin) << c.name;
    EXPECT_EQ((*facts)["loadable"], c.loadable) << c.name;
    EXPECT_EQ((*facts)["available"], c.loaded || c.builtin || c.loadable) << c.name;
  }
}

TEST(KernelModuleProbeTest, NoModuleFilesMeansUnavailable) {
  testing::ScopedTempDir root;
  root.WriteFile("proc/sys/kernel/osrelease", "6.1.0\n");
  Result<Facts> facts = RunModule(root.path(), "overlay");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["available"], false);
}

TEST(KernelModuleProbeTest, LiveHost) {
  Result<Facts> facts = RunModule("/", "nosuchmodule_flightcheck");
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["loaded"], false);
  EXPECT_EQ((*facts)["available"], false);
}

TEST(KernelModuleProbeTest, Errors) {
  testing::ScopedTempDir root;
  Result<Facts> no_release = RunModule(root.path(), "overlay");
  ASSERT_FALSE(no_release);
  EXPECT_NE(no_release.error().message().find(
                "finding the running kernel: cannot read '/proc/sys/kernel/osrelease'"),
            std::string::npos)
      << no_release.error().message();

  root.WriteFile("proc/sys/kernel/osrelease", "6.1.0\n");
  Result<Facts> bad_name = RunModule(root.path(), "../../etc");
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_name.error().message().find("is not a kernel module name"), std::string::npos);
}

}  // namespace
}  // namespace flightcheck
