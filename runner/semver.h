// Version comparison for rule expectations ({semver: ">=1.13.1"}).
//
// Versions are compared by their numeric release components: "20.10.24+dfsg1" is 20.10.24,
// "3.10.0-1160.el7.x86_64" is 3.10.0, "17.05.0-ce" is 17.05.0, "v1.2" is 1.2; a missing component
// counts as 0. Suffixes are ignored on purpose: distribution kernels and packaged daemons put build
// numbers there, and reading them as semver pre-releases would make 3.10.0-1160 older than 3.10.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/status.h"

namespace flightcheck {

struct Version {
  std::vector<int64_t> parts;
};

// nullopt when text does not start with a number (after an optional 'v').
std::optional<Version> ParseVersion(std::string_view text);

// <0, 0, >0 like strcmp.
int CompareVersions(const Version& a, const Version& b);

// A constraint: comparators separated by commas or spaces, all of which must hold, and
// alternatives separated by "||". Comparators: =, ==, !=, >, >=, <, <=, ~ (same minor), ^ (same
// major, or same minor below 1.0); a bare version means "=".
class VersionConstraint {
 public:
  // InvalidArgument naming the bad part: "'>=1.x' is not a version comparator ...".
  static Result<VersionConstraint> Parse(std::string_view text);

  bool Matches(const Version& version) const;
  const std::string& text() const { return text_; }

 private:
  enum class Op { kEq, kNe, kGt, kGe, kLt, kLe };
  struct Comparator {
    Op op;
    Version version;
  };
  std::string text_;
  std::vector<std::vector<Comparator>> alternatives_;
};

}  // namespace flightcheck
