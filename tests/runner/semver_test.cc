#include "runner/semver.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

bool Satisfies(const char* constraint, const char* version) {
  Result<VersionConstraint> c = VersionConstraint::Parse(constraint);
  EXPECT_TRUE(c) << constraint << ": " << c.error().ToString();
  std::optional<Version> v = ParseVersion(version);
  EXPECT_TRUE(v) << version;
  return c && v && c->Matches(*v);
}

TEST(SemverTest, RealWorldVersions) {
  EXPECT_TRUE(Satisfies(">=1.13.1", "20.10.24+dfsg1"));
  EXPECT_TRUE(Satisfies(">=1.13.1", "1.13.1"));
  EXPECT_FALSE(Satisfies(">=1.13.1", "1.12.6"));
  EXPECT_TRUE(Satisfies(">=1.13.1", "17.05.0-ce"));
  EXPECT_TRUE(Satisfies(">=18.09", "18.09.1"));
  // A distribution kernel's build suffix is not a pre-release: 3.10.0-1160 satisfies >=3.10.
  EXPECT_TRUE(Satisfies(">=3.10", "3.10.0-1160.el7.x86_64"));
  EXPECT_FALSE(Satisfies(">=3.10", "2.6.32-754.el6.x86_64"));
  EXPECT_TRUE(Satisfies(">=3.10", "v6.1.0"));
}

TEST(SemverTest, Operators) {
  EXPECT_TRUE(Satisfies(">=1.2, <2", "1.9.9"));
  EXPECT_FALSE(Satisfies(">=1.2 <2", "2.0"));
  EXPECT_TRUE(Satisfies("~1.2.3", "1.2.9"));
  EXPECT_FALSE(Satisfies("~1.2.3", "1.3.0"));
  EXPECT_TRUE(Satisfies("^1.2.3", "1.9.0"));
  EXPECT_FALSE(Satisfies("^1.2.3", "2.0.0"));
  EXPECT_FALSE(Satisfies("^0.2.3", "0.3.0"));
  EXPECT_TRUE(Satisfies("1.2", "1.2.0"));
  EXPECT_TRUE(Satisfies("!=1.2", "1.3"));
  EXPECT_TRUE(Satisfies("<1 || >=2", "2.1"));
  EXPECT_FALSE(Satisfies("<1 || >=2", "1.5"));
}

TEST(SemverTest, BadConstraints) {
  EXPECT_EQ(VersionConstraint::Parse(">=1.x").error().message(),
            "'1.x' in version constraint '>=1.x' is not a version (expected digits and dots, e.g. "
            ">=1.13.1)");
  EXPECT_EQ(VersionConstraint::Parse("=>1.2").error().message(),
            "unknown operator '=>' in version constraint '=>1.2' (expected one of = != > >= < <= "
            "~ ^)");
  EXPECT_FALSE(VersionConstraint::Parse(""));
  EXPECT_FALSE(VersionConstraint::Parse(">="));
  EXPECT_FALSE(ParseVersion("abc"));
}

}  // namespace
}  // namespace flightcheck
