#include "installer/install_record.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

TEST(InstallRecordTest, ComparisonSaysWhatTheHostNeeds) {
  const InstallRecord record{"flightcheck-0123", "aaaaaaaaaaaaaaaa", "cccc", "agent", ""};
  EXPECT_EQ(CompareInstall(std::nullopt, "flightcheck-0123", "aaaaaaaaaaaaaaaa", "cccc", "agent",
                           "10.0.0.2")
                .match,
            InstallMatch::kNone);
  const InstallComparison same =
      CompareInstall(record, "flightcheck-0123", "aaaaaaaaaaaaaaaa", "cccc", "agent", "10.0.0.2");
  EXPECT_EQ(same.match, InstallMatch::kSame);
  EXPECT_EQ(same.message, "already deployed (flightcheck-0123)");
  // Agents were added: another artifact and config hash, the same cluster hash.
  const InstallComparison scaled =
      CompareInstall(record, "flightcheck-4567", "bbbbbbbbbbbbbbbb", "cccc", "agent", "10.0.0.2");
  EXPECT_EQ(scaled.match, InstallMatch::kSameCluster);
  EXPECT_EQ(scaled.message,
            "already deployed (flightcheck-0123, from before the agent lists changed)");
  const InstallComparison other =
      CompareInstall(record, "flightcheck-4567", "bbbbbbbbbbbbbbbb", "dddd", "agent", "10.0.0.2");
  EXPECT_EQ(other.match, InstallMatch::kOther);
  EXPECT_EQ(other.message,
            "installed with another configuration (flightcheck-0123, config aaaaaaaaaaaa; this "
            "deploy is flightcheck-4567, config bbbbbbbbbbbb): uninstall it first (`flightcheck "
            "uninstall --hosts 10.0.0.2`)");
  const InstallComparison role =
      CompareInstall(record, "flightcheck-0123", "aaaaaaaaaaaaaaaa", "cccc", "master", "10.0.0.2");
  EXPECT_EQ(role.match, InstallMatch::kOther);
  EXPECT_EQ(role.message,
            "installed as agent (flightcheck-0123), but the config lists it as master: uninstall "
            "it first (`flightcheck uninstall --hosts 10.0.0.2`)");
}

}  // namespace
}  // namespace flightcheck
