#include "runner/matcher.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

using Kind = Matcher::Kind;
using nlohmann::json;

Matcher Ge(const char* text) { return Matcher::Ordering(Kind::kGe, *ParseQuantity(text), text); }

TEST(MatcherTest, Comparisons) {
  EXPECT_FALSE(Matcher::Compare(Kind::kEq, "overlay2").Mismatch("overlay2"));
  EXPECT_EQ(*Matcher::Compare(Kind::kEq, "overlay2").Mismatch("vfs"), "expected \"overlay2\"");
  EXPECT_FALSE(Matcher::Compare(Kind::kNe, 1).Mismatch(2));
  const Matcher in = Matcher::Compare(Kind::kIn, json::array({"overlay2", "overlay"}));
  EXPECT_FALSE(in.Mismatch("overlay"));
  EXPECT_EQ(*in.Mismatch("vfs"), "expected one of [\"overlay2\", \"overlay\"]");
  EXPECT_FALSE(Matcher::Compare(Kind::kNotIn, json::array({"vfs"})).Mismatch("overlay2"));
  // A unit operand compares with a number fact.
  EXPECT_FALSE(Matcher::Compare(Kind::kEq, "1KiB").Mismatch(1024));
}

TEST(MatcherTest, OrderingWithUnits) {
  EXPECT_FALSE(Ge("32GiB").Mismatch(34359738368));
  EXPECT_EQ(*Ge("32GiB").Mismatch(1024), "expected >= 32GiB");
  EXPECT_EQ(Ge("32GiB").unit_kind(), QuantityKind::kSize);
  EXPECT_FALSE(Matcher::Ordering(Kind::kLe, *ParseQuantity("100ms"), "100ms").Mismatch(0.05));
  EXPECT_TRUE(Matcher::Ordering(Kind::kLt, *ParseQuantity("100ms"), "100ms").Mismatch(0.1));
  EXPECT_TRUE(Matcher::Ordering(Kind::kGt, *ParseQuantity("4"), "4").Mismatch(4));
  // sysctl values arrive as strings.
  EXPECT_FALSE(Matcher::Ordering(Kind::kGe, *ParseQuantity("1"), "1").Mismatch("1"));
  EXPECT_EQ(*Ge("4").Mismatch("many"), "not a number; expected >= 4");
  EXPECT_EQ(*Ge("4").Mismatch(nullptr), "not a number; expected >= 4");
}

TEST(MatcherTest, SemverRegexContainsEmpty) {
  const Matcher semver = Matcher::Semver(*VersionConstraint::Parse(">=1.13.1"));
  EXPECT_FALSE(semver.Mismatch("20.10.24"));
  EXPECT_EQ(*semver.Mismatch("1.12.6"), "expected version >=1.13.1");
  EXPECT_EQ(*semver.Mismatch(""), "not a version; expected version >=1.13.1");
  const Matcher regex = Matcher::Regex("^3\\.");
  EXPECT_FALSE(regex.Mismatch("3.10.0"));
  EXPECT_TRUE(regex.Mismatch("4.1"));
  EXPECT_TRUE(regex.Mismatch(3));
  EXPECT_FALSE(Matcher::Compare(Kind::kContains, "rw").Mismatch("rw,relatime"));
  EXPECT_FALSE(Matcher::Compare(Kind::kContains, 8080).Mismatch(json::array({2181, 8080})));
  EXPECT_TRUE(Matcher::Compare(Kind::kContains, 53).Mismatch(json::array({2181})));
  EXPECT_FALSE(Matcher::Empty(true).Mismatch(json::array()));
  EXPECT_FALSE(Matcher::Empty(true).Mismatch(nullptr));
  EXPECT_FALSE(Matcher::Empty(true).Mismatch(""));
  EXPECT_EQ(*Matcher::Empty(true).Mismatch(json::array({8080})), "expected empty");
  EXPECT_FALSE(Matcher::Empty(false).Mismatch("x"));
}

TEST(MatcherTest, Combinators) {
  const Matcher range = Matcher::Combine(
      Kind::kAllOf, {Ge("2"), Matcher::Ordering(Kind::kLe, *ParseQuantity("4"), "4")});
  EXPECT_FALSE(range.Mismatch(3));
  EXPECT_EQ(*range.Mismatch(5), "expected <= 4");
  const Matcher either = Matcher::Combine(
      Kind::kAnyOf,
      {Matcher::Compare(Kind::kEq, "disabled"), Matcher::Compare(Kind::kEq, "permissive")});
  EXPECT_FALSE(either.Mismatch("permissive"));
  EXPECT_EQ(*either.Mismatch("enforcing"), "expected \"disabled\" or \"permissive\"");
  const Matcher negated = Matcher::Combine(Kind::kNot, {Matcher::Compare(Kind::kEq, "vfs")});
  EXPECT_FALSE(negated.Mismatch("overlay2"));
  EXPECT_EQ(*negated.Mismatch("vfs"), "expected not (\"vfs\")");
}

TEST(ExpectationTest, MessagesNameWhatWasFoundAndExpected) {
  const json facts = {{"storage_driver", "vfs"},
                      {"loopback_data_file", false},
                      {"memory", 17179869184LL},
                      {"servers", {{{"mode", "leader"}}}}};
  const Expectation e = Expectation::Combine(
      Expectation::Kind::kAllOf,
      {Expectation::Fact("storage_driver",
                         Matcher::Compare(Kind::kIn, json::array({"overlay2", "overlay"}))),
       Expectation::Fact("loopback_data_file", Matcher::Compare(Kind::kEq, false))});
  const Expectation::Outcome outcome = e.Evaluate(facts);
  EXPECT_FALSE(outcome.passed);
  EXPECT_EQ(outcome.message,
            "storage_driver is \"vfs\", expected one of [\"overlay2\", \"overlay\"]");
  const Expectation memory = Expectation::Fact("memory", Ge("32GiB"));
  EXPECT_EQ(memory.Evaluate(facts).message, "memory is 16GiB, expected >= 32GiB");
  const Expectation nested =
      Expectation::Fact("servers.0.mode", Matcher::Compare(Kind::kEq, "leader"));
  EXPECT_TRUE(nested.Evaluate(facts).passed);
  EXPECT_EQ(nested.Evaluate(facts).message, "servers.0.mode \"leader\"");
  const Expectation absent = Expectation::Fact("nope", Matcher::Compare(Kind::kEq, 1));
  EXPECT_EQ(absent.Evaluate(facts).message, "nope was not reported by the probe; expected 1");
}

TEST(ExpectationTest, AnyOfAndNotAcrossFacts) {
  const json absent = {{"exists", false}, {"type", ""}, {"entries", nullptr}};
  const json empty_dir = {{"exists", true}, {"type", "directory"}, {"entries", 0}};
  const json full_dir = {{"exists", true}, {"type", "directory"}, {"entries", 3}};
  const Expectation e = Expectation::Combine(
      Expectation::Kind::kAnyOf, {Expectation::Fact("exists", Matcher::Compare(Kind::kEq, false)),
                                  Expectation::Fact("entries", Matcher::Compare(Kind::kEq, 0))});
  EXPECT_TRUE(e.Evaluate(absent).passed);
  EXPECT_TRUE(e.Evaluate(empty_dir).passed);
  const Expectation::Outcome full = e.Evaluate(full_dir);
  EXPECT_FALSE(full.passed);
  EXPECT_EQ(full.message,
            "none of the alternatives holds: (exists is true, expected false) or (entries is 3, "
            "expected 0)");
  EXPECT_EQ(e.ToJson().dump(), R"({"any_of":[{"exists":"false"},{"entries":"0"}]})");
  const Expectation n = Expectation::Combine(
      Expectation::Kind::kNot, {Expectation::Fact("exists", Matcher::Compare(Kind::kEq, true))});
  EXPECT_TRUE(n.Evaluate(absent).passed);
  EXPECT_FALSE(n.Evaluate(full_dir).passed);
}

TEST(LookupFactTest, Paths) {
  const json facts = {{"a", {{"b", json::array({10, 20})}}}};
  EXPECT_EQ(*LookupFact(facts, "a.b.1"), 20);
  EXPECT_FALSE(LookupFact(facts, "a.b.2"));
  EXPECT_FALSE(LookupFact(facts, "a.c"));
  EXPECT_FALSE(LookupFact(facts, "a.b.x"));
}

}  // namespace
}  // namespace flightcheck
