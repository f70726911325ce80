// Matchers: the one condition language of rule expectations.
//
// An Expectation is a tree: fact checks (a fact path and a Matcher), combined with all_of, any_of
// and not. A Matcher tests one observed JSON value: eq ne in not_in gt ge lt le semver regex
// contains empty, combined with all_of any_of not. Numbers compare with their units (sizes in
// bytes, durations in seconds; see quantity.h).
//
// Matchers are built by the rule loader (which reports bad operands with file:line:col) and are
// immutable afterwards: Evaluate may be called concurrently.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runner/quantity.h"
#include "runner/semver.h"

namespace flightcheck {

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

  // Factories. Operands are validated by the caller (the loader).
  static Matcher Compare(Kind kind, nlohmann::json operand);             // eq ne in not_in contains
  static Matcher Ordering(Kind kind, Quantity bound, std::string text);  // gt ge lt le
  static Matcher Semver(VersionConstraint constraint);
  static Matcher Regex(std::string pattern);  // must compile (checked by the loader)
  static Matcher Empty(bool want_empty);
  static Matcher Combine(Kind kind, std::vector<Matcher> children);  // all_of any_of not (1 child)

  // nullopt when observed satisfies the matcher; otherwise why not, phrased to follow
  // "<fact> is <observed>, ": e.g. "expected one of [\"overlay2\", \"overlay\"]".
  std::optional<std::string> Mismatch(const nlohmann::json& observed) const;

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
  std::shared_ptr<const std::regex> regex_;
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
    bool passed = false;
    std::string message;  // what was found (on a pass) or why it fails
  };
  Outcome Evaluate(const nlohmann::json& facts) const;

  // The fact paths this expectation reads, in order (for reports).
  std::vector<std::string> FactPaths() const;

  // The expectation as data for JSON reports: {"storage_driver": "one of [...]"} or
  // {"any_of": [...]}.
  nlohmann::json ToJson() const;

 private:
  void CollectPaths(std::vector<std::string>* paths) const;

  Kind kind_ = Kind::kFact;
  std::string path_;
  std::vector<Matcher> matcher_;  // exactly one for kFact (vector: Matcher is incomplete-safe)
  std::vector<Expectation> children_;
};

// Compact rendering of an observed value for messages: strings quoted, sizes/durations with units
// when kind says so, long lists shortened.
std::string FormatObserved(const nlohmann::json& value, QuantityKind kind = QuantityKind::kPlain);

}  // namespace flightcheck
