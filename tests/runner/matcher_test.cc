#include "runner/matcher.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

using Kind = Matcher::Kind;
using nlohmann::json;

Matcher Ge(const char* text) { return Matcher::Ordering(Kind::kGe, *ParseQuantity(text), text); }

// The matcher's verdict on observed: "true", "false: <why>" or "unknown: <why>".
std::string Verdict(const Matcher& m, const json& observed) {
  const Matcher::Judgement j = m.Judge(observed);
  switch (j.truth) {
    case Truth::kTrue:
      return "true";
    case Truth::kFalse:
      return "false: " + j.why;
    case Truth::kUnknown:
      return "unknown: " + j.why;
  }
  return "?";
}

TEST(MatcherTest, Comparisons) {
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kEq, "overlay2"), "overlay2"), "true");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kEq, "overlay2"), "vfs"),
            "false: expected \"overlay2\"");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kNe, 1), 2), "true");
  const Matcher in = Matcher::Compare(Kind::kIn, json::array({"overlay2", "overlay"}));
  EXPECT_EQ(Verdict(in, "overlay"), "true");
  EXPECT_EQ(Verdict(in, "vfs"), "false: expected one of [\"overlay2\", \"overlay\"]");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kNotIn, json::array({"vfs"})), "overlay2"), "true");
  // A unit operand compares with a number fact; a YAML number with a string fact's text.
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kEq, "1KiB"), 1024), "true");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kEq, 12), "12"), "true");
}

TEST(MatcherTest, ValuesOfAnotherTypeOrNullAreUnknownNotFalse) {
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kEq, true), "yes"),
            "unknown: a string, not comparable with true");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kNe, "vfs"), nullptr), "unknown: null");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kNotIn, json::array({"vfs"})), 3),
            "unknown: a number, not comparable with [\"vfs\"]");
  // A literal null operand does compare with null.
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kEq, nullptr), nullptr), "true");
  // Found by the matchers fuzzer (fuzz/regressions/matchers/null-fact-in-list): this crashed.
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kIn, json::array({1, 2})), nullptr), "unknown: null");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kIn, json::array({1, nullptr})), nullptr), "true");
  EXPECT_EQ(Verdict(Ge("4"), "many"), "unknown: not a number");
  EXPECT_EQ(Verdict(Ge("4"), nullptr), "unknown: null");
  EXPECT_EQ(Verdict(Matcher::Empty(true), nullptr), "unknown: null");
  EXPECT_EQ(Verdict(Matcher::Empty(true), 3), "unknown: neither a string, a list nor a map");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kContains, 3), 33),
            "unknown: neither a string nor a list");
}

TEST(MatcherTest, OrderingWithUnits) {
  EXPECT_EQ(Verdict(Ge("32GiB"), 34359738368), "true");
  EXPECT_EQ(Verdict(Ge("32GiB"), 1024), "false: expected >= 32GiB");
  EXPECT_EQ(Ge("32GiB").unit_kind(), QuantityKind::kSize);
  EXPECT_EQ(Verdict(Matcher::Ordering(Kind::kLe, *ParseQuantity("100ms"), "100ms"), 0.05), "true");
  EXPECT_EQ(Verdict(Matcher::Ordering(Kind::kLt, *ParseQuantity("100ms"), "100ms"), 0.1),
            "false: expected < 100ms");
  EXPECT_EQ(Verdict(Matcher::Ordering(Kind::kGt, *ParseQuantity("4"), "4"), 4),
            "false: expected > 4");
  // sysctl values arrive as strings.
  EXPECT_EQ(Verdict(Matcher::Ordering(Kind::kGe, *ParseQuantity("1"), "1"), "1"), "true");
}

TEST(MatcherTest, SemverRegexContainsEmpty) {
  const Matcher semver = Matcher::Semver(*VersionConstraint::Parse(">=1.13.1"));
  EXPECT_EQ(Verdict(semver, "20.10.24"), "true");
  EXPECT_EQ(Verdict(semver, "1.12.6"), "false: expected version >=1.13.1");
  EXPECT_EQ(Verdict(semver, ""), "unknown: not a version");
  const Matcher regex = *Matcher::Regex("^3\\.");
  EXPECT_EQ(Verdict(regex, "3.10.0"), "true");
  EXPECT_EQ(Verdict(regex, "4.1"), "false: expected a match of /^3\\./");
  EXPECT_EQ(Verdict(regex, 3), "unknown: not a string");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kContains, "rw"), "rw,relatime"), "true");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kContains, 8080), json::array({2181, 8080})), "true");
  EXPECT_EQ(Verdict(Matcher::Compare(Kind::kContains, 53), json::array({2181})),
            "false: expected to contain 53");
  EXPECT_EQ(Verdict(Matcher::Empty(true), json::array()), "true");
  EXPECT_EQ(Verdict(Matcher::Empty(true), ""), "true");
  EXPECT_EQ(Verdict(Matcher::Empty(true), json::array({8080})), "false: expected empty");
  EXPECT_EQ(Verdict(Matcher::Empty(false), "x"), "true");
}

TEST(MatcherTest, RegexesRunInLinearTimeAndLongPatternsAreRefused) {
  // std::regex recursed once per character on these and crashed (SIGSEGV) on tens of KB.
  const Matcher any_then_needle = *Matcher::Regex("(.|\n)*needle");
  EXPECT_EQ(Verdict(any_then_needle, std::string(32 << 10, 'x') + "needle"), "true");
  const Matcher alternation = *Matcher::Regex("^(a|b)*c");
  EXPECT_EQ(Verdict(alternation, std::string(20 << 10, 'a')),
            "false: expected a match of /^(a|b)*c/");
  const Result<Matcher> huge = Matcher::Regex(std::string(100000, 'a'));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().message(), "the pattern is 100000 bytes long; at most 4096 are allowed");
  const Result<Matcher> broken = Matcher::Regex("^(3|4");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message(), "invalid regex '^(3|4': missing ): ^(3|4");
}

TEST(MatcherTest, CombinatorsFollowKleeneLogic) {
  const Matcher range = Matcher::Combine(
      Kind::kAllOf, {Ge("2"), Matcher::Ordering(Kind::kLe, *ParseQuantity("4"), "4")});
  EXPECT_EQ(Verdict(range, 3), "true");
  EXPECT_EQ(Verdict(range, 5), "false: expected <= 4");
  const Matcher either = Matcher::Combine(
      Kind::kAnyOf,
      {Matcher::Compare(Kind::kEq, "disabled"), Matcher::Compare(Kind::kEq, "permissive")});
  EXPECT_EQ(Verdict(either, "permissive"), "true");
  EXPECT_EQ(Verdict(either, "enforcing"), "false: expected \"disabled\" or \"permissive\"");
  const Matcher negated = Matcher::Combine(Kind::kNot, {Matcher::Compare(Kind::kEq, "vfs")});
  EXPECT_EQ(Verdict(negated, "overlay2"), "true");
  EXPECT_EQ(Verdict(negated, "vfs"), "false: expected not (\"vfs\")");
  // not unknown is unknown: an old Docker cannot "pass" by being down.
  const Matcher not_old =
      Matcher::Combine(Kind::kNot, {Matcher::Semver(*VersionConstraint::Parse("<1.13"))});
  EXPECT_EQ(Verdict(not_old, ""), "unknown: not a version");
  // any_of: true wins over unknown; unknown wins over false.
  const Matcher version_or_empty = Matcher::Combine(
      Kind::kAnyOf,
      {Matcher::Semver(*VersionConstraint::Parse(">=1")), Matcher::Compare(Kind::kEq, "")});
  EXPECT_EQ(Verdict(version_or_empty, ""), "true");
  EXPECT_EQ(Verdict(version_or_empty, "x"), "unknown: not a version");
  // all_of: false wins over unknown.
  const Matcher both = Matcher::Combine(
      Kind::kAllOf,
      {Matcher::Semver(*VersionConstraint::Parse(">=1")), Matcher::Compare(Kind::kEq, "y")});
  EXPECT_EQ(Verdict(both, "x"), "false: expected \"y\"");
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
  EXPECT_FALSE(outcome.passed());
  EXPECT_EQ(outcome.message,
            "storage_driver is \"vfs\", expected one of [\"overlay2\", \"overlay\"]");
  const Expectation memory = Expectation::Fact("memory", Ge("32GiB"));
  EXPECT_EQ(memory.Evaluate(facts).message, "memory is 16GiB, expected >= 32GiB");
  const Expectation nested =
      Expectation::Fact("servers.0.mode", Matcher::Compare(Kind::kEq, "leader"));
  EXPECT_TRUE(nested.Evaluate(facts).passed());
  EXPECT_EQ(nested.Evaluate(facts).message, "servers.0.mode \"leader\"");
  const Expectation absent = Expectation::Fact("nope", Matcher::Compare(Kind::kEq, 1));
  EXPECT_EQ(absent.Evaluate(facts).truth, Truth::kUnknown);
  EXPECT_EQ(absent.Evaluate(facts).message,
            "cannot judge nope: the probe did not report it (expected 1)");
}

TEST(ExpectationTest, UnknownPropagatesThroughNotAnyOfAndAllOf) {
  // The issue's cases: Docker down, a file that does not exist.
  const json docker_down = {{"running", false}, {"server_version", ""}};
  const Expectation not_old = Expectation::Combine(
      Expectation::Kind::kNot,
      {Expectation::Fact("server_version", Matcher::Semver(*VersionConstraint::Parse("<1.13")))});
  const Expectation::Outcome down = not_old.Evaluate(docker_down);
  EXPECT_EQ(down.truth, Truth::kUnknown);
  EXPECT_EQ(down.message,
            "cannot judge server_version: \"\" is not a version (expected version <1.13)");

  const json no_file = {{"exists", false}, {"size", nullptr}};
  const Expectation not_small = Expectation::Combine(
      Expectation::Kind::kNot,
      {Expectation::Fact("size", Matcher::Ordering(Kind::kLt, *ParseQuantity("10"), "10"))});
  EXPECT_EQ(not_small.Evaluate(no_file).truth, Truth::kUnknown);
  EXPECT_EQ(not_small.Evaluate(no_file).message,
            "cannot judge size: the probe reported null (expected < 10)");

  const Expectation small_or_missing = Expectation::Combine(
      Expectation::Kind::kAnyOf,
      {Expectation::Fact("size", Matcher::Ordering(Kind::kLt, *ParseQuantity("10"), "10")),
       Expectation::Fact("exists", Matcher::Compare(Kind::kEq, true))});
  EXPECT_EQ(small_or_missing.Evaluate(no_file).truth, Truth::kUnknown)
      << "a branch over a missing fact cannot pass the rule";
  const Expectation small_and_present = Expectation::Combine(
      Expectation::Kind::kAllOf,
      {Expectation::Fact("size", Matcher::Ordering(Kind::kLt, *ParseQuantity("10"), "10")),
       Expectation::Fact("exists", Matcher::Compare(Kind::kEq, true))});
  EXPECT_EQ(small_and_present.Evaluate(no_file).truth, Truth::kFalse) << "false wins over unknown";
}

TEST(ExpectationTest, AnyOfAndNotAcrossFacts) {
  const json absent = {{"exists", false}, {"type", ""}, {"entries", nullptr}};
  const json empty_dir = {{"exists", true}, {"type", "directory"}, {"entries", 0}};
  const json full_dir = {{"exists", true}, {"type", "directory"}, {"entries", 3}};
  const Expectation e = Expectation::Combine(
      Expectation::Kind::kAnyOf, {Expectation::Fact("exists", Matcher::Compare(Kind::kEq, false)),
                                  Expectation::Fact("entries", Matcher::Compare(Kind::kEq, 0))});
  EXPECT_TRUE(e.Evaluate(absent).passed());
  EXPECT_TRUE(e.Evaluate(empty_dir).passed());
  const Expectation::Outcome full = e.Evaluate(full_dir);
  EXPECT_FALSE(full.passed());
  EXPECT_EQ(full.message,
            "none of the alternatives holds: (exists is true, expected false) or (entries is 3, "
            "expected 0)");
  EXPECT_EQ(e.ToJson().dump(), R"({"any_of":[{"exists":"false"},{"entries":"0"}]})");
  const Expectation n = Expectation::Combine(
      Expectation::Kind::kNot, {Expectation::Fact("exists", Matcher::Compare(Kind::kEq, true))});
  EXPECT_TRUE(n.Evaluate(absent).passed());
  EXPECT_FALSE(n.Evaluate(full_dir).passed());
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
