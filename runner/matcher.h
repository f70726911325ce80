// Matchers: the one condition language of rule expectations.
//
// An Expectation is a tree: fact checks (a fact path and a Matcher), combined with all_of, any_of
// and not. A Matcher tests one observed JSON value: eq ne in not_in gt ge lt le semver regex
// contains empty, combined with all_of any_of not. Numbers compare with their units (sizes in
// bytes, durations in seconds; see quantity.h).
//
// Matchers are built by the expectation parser (which reports bad operands and matchers that
// cannot apply to a fact's type with file:line:col) and are immutable afterwards: Judge and
// Evaluate may be called concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/status.h"
#include "runner/quantity.h"
#include "runner/semver.h"

namespace re2 {
class RE2;
}

namespace flightcheck {

// The three values of a judgement. Unknown is what a matcher says about a value it cannot judge:
// a fact that is missing, null or of the wrong type. Combinations follow Kleene's logic: not
// unknown is unknown; all_of is false if one part is false, else unknown if one is unknown;
// any_of is true if one part is true, else unknown if one is unknown. A rule whose expectation is
// unknown is an error, never a pass or a fail.
enum class Truth { kFalse, kTrue, kUnknown };

class Matcher {
 public:
  enum class Kind {
    kEq,
    kNe,
    kIn,
    kNotIn,
    kGt,
    kGe,
    kLt,
    kLe,
    kSemver,
    kRegex,
    kContains,
    kEmpty,
    kAllOf,
    kAnyOf,
    kNot
  };

  // Factories. Operands are validated by the caller (the expectation parser).
  static Matcher Compare(Kind kind, nlohmann::json operand);             // eq ne in not_in contains
  static Matcher Ordering(Kind kind, Quantity bound, std::string text);  // gt ge lt le
  static Matcher Semver(VersionConstraint constraint);
  // RE2 syntax, matched in linear time (no backtracking: a hostile pattern or a large input
  // cannot blow the stack or the clock). InvalidArgument for a pattern that does not compile or
  // is longer than kMaxRegexBytes.
  static constexpr size_t kMaxRegexBytes = 4096;
  static Result<Matcher> Regex(std::string pattern);
  static Matcher Empty(bool want_empty);
  static Matcher Combine(Kind kind, std::vector<Matcher> children);  // all_of any_of not (1 child)

  struct Judgement {
    Truth truth = Truth::kUnknown;
    // kFalse: why not, phrased to follow "<fact> is <observed>, ": "expected one of [...]".
    // kUnknown: what the value is instead, phrased to follow "<observed> is ": "not a version".
    std::string why;
  };
  Judgement Judge(const nlohmann::json& observed) const;

  // "one of [...]", ">= 32GiB", "version >=1.13.1", ...: the expectation in words.
  std::string Describe() const;

  // The unit kind of an ordering bound (for formatting observed values), kPlain otherwise.
  QuantityKind unit_kind() const;

 private:
  Kind kind_ = Kind::kEq;
  nlohmann::json operand_;
  Quantity bound_;
  std::string text_;
  std::shared_ptr<const VersionConstraint> constraint_;
  std::shared_ptr<const re2::RE2> regex_;
  bool want_empty_ = true;
  std::vector<Matcher> children_;
};

// Looks up "a.b.0.c" in facts: object members by name, array elements by index. nullopt when a
// segment is missing.
std::optional<nlohmann::json> LookupFact(const nlohmann::json& facts, const std::string& path);

class Expectation {
 public:
  enum class Kind { kFact, kAllOf, kAnyOf, kNot };

  static Expectation Fact(std::string path, Matcher matcher);
  static Expectation Combine(Kind kind, std::vector<Expectation> children);

  struct Outcome {
    Truth truth = Truth::kUnknown;
    // kTrue: what was found; kFalse: why it fails; kUnknown: which fact could not be judged and
    // why ("cannot judge server_version: \"\" is not a version (expected version <1.13)").
    std::string message;
    bool passed() const { return truth == Truth::kTrue; }
  };
  Outcome Evaluate(const nlohmann::json& facts) const;

  // The expectation as data for JSON reports: {"storage_driver": "one of [...]"} or
  // {"any_of": [...]}.
  nlohmann::json ToJson() const;

 private:
  Kind kind_ = Kind::kFact;
  std::string path_;
  std::vector<Matcher> matcher_;  // exactly one for kFact (vector: Matcher is incomplete-safe)
  std::vector<Expectation> children_;
};

// Compact rendering of an observed value for messages: strings quoted, sizes/durations with units
// when kind says so, long lists shortened.
std::string FormatObserved(const nlohmann::json& value, QuantityKind kind = QuantityKind::kPlain);

}  // namespace flightcheck
