#include "runner/semver.h"

#include <cctype>

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck {

std::optional<Version> ParseVersion(std::string_view text) {
  text = Trim(text);
  if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
  Version version;
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    int64_t part = 0;
    size_t digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (digits++ < 18) part = part * 10 + (text[i] - '0');
      ++i;
    }
    version.parts.push_back(part);
    if (i + 1 < text.size() && text[i] == '.' &&
        std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
      ++i;
    } else {
      break;
    }
  }
  if (version.parts.empty()) return std::nullopt;
  return version;
}

int CompareVersions(const Version& a, const Version& b) {
  const size_t n = std::max(a.parts.size(), b.parts.size());
  for (size_t i = 0; i < n; ++i) {
    const int64_t x = i < a.parts.size() ? a.parts[i] : 0;
    const int64_t y = i < b.parts.size() ? b.parts[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

Result<VersionConstraint> VersionConstraint::Parse(std::string_view text) {
  VersionConstraint constraint;
  constraint.text_ = std::string(Trim(text));
  if (constraint.text_.empty()) {
    return Status::InvalidArgument("empty version constraint (expected e.g. '>=1.13.1')");
  }
  std::string_view rest = constraint.text_;
  while (true) {
    const size_t bar = rest.find("||");
    const std::string_view alternative = rest.substr(0, bar);
    std::vector<Comparator> comparators;
    for (std::string_view token : SplitFields(alternative, " ,")) {
      std::string_view op_text;
      size_t op_length = 0;
      while (op_length < token.size() &&
             std::string_view("<>=!~^").find(token[op_length]) != std::string_view::npos) {
        ++op_length;
      }
      op_text = token.substr(0, op_length);
      std::string_view version_text = token.substr(op_length);
      if (version_text.empty() && op_length == token.size()) {
        return Status::InvalidArgument(
            fmt::format("'{}' in version constraint '{}' has no version after the operator", token,
                        constraint.text_));
      }
      const std::optional<Version> version = ParseVersion(version_text);
      // A pre-release or build suffix (0.0.0-dev, 1.2+b3) is allowed and, as in observed
      // versions, ignored.
      const std::string_view trimmed = Trim(version_text);
      const size_t numeric_end = trimmed.find_first_not_of("0123456789.");
      const bool suffix_ok =
          numeric_end == std::string_view::npos ||
          (numeric_end > 0 && (trimmed[numeric_end] == '-' || trimmed[numeric_end] == '+'));
      if (!version || !suffix_ok) {
        return Status::InvalidArgument(fmt::format(
            "'{}' in version constraint '{}' is not a version (expected digits and dots, e.g. "
            ">=1.13.1)",
            version_text, constraint.text_));
      }
      if (op_text.empty() || op_text == "=" || op_text == "==") {
        comparators.push_back({Op::kEq, *version});
      } else if (op_text == "!=") {
        comparators.push_back({Op::kNe, *version});
      } else if (op_text == ">") {
        comparators.push_back({Op::kGt, *version});
      } else if (op_text == ">=") {
        comparators.push_back({Op::kGe, *version});
      } else if (op_text == "<") {
        comparators.push_back({Op::kLt, *version});
      } else if (op_text == "<=") {
        comparators.push_back({Op::kLe, *version});
      } else if (op_text == "~" || op_text == "^") {
        // ~1.2.3 := >=1.2.3 <1.3; ^1.2.3 := >=1.2.3 <2 (or <0.3 when the major is 0).
        Version upper = *version;
        size_t bump = 1;
        if (op_text == "^") {
          bump = 0;
          while (bump + 1 < upper.parts.size() && upper.parts[bump] == 0) ++bump;
        }
        if (upper.parts.size() <= bump) upper.parts.resize(bump + 1, 0);
        upper.parts.resize(bump + 1);
        ++upper.parts[bump];
        comparators.push_back({Op::kGe, *version});
        comparators.push_back({Op::kLt, upper});
      } else {
        return Status::InvalidArgument(fmt::format(
            "unknown operator '{}' in version constraint '{}' (expected one of = != > >= < <= ~ ^)",
            op_text, constraint.text_));
      }
    }
    if (comparators.empty()) {
      return Status::InvalidArgument(
          fmt::format("empty alternative in version constraint '{}'", constraint.text_));
    }
    constraint.alternatives_.push_back(std::move(comparators));
    if (bar == std::string_view::npos) break;
    rest = rest.substr(bar + 2);
  }
  return constraint;
}

bool VersionConstraint::Matches(const Version& version) const {
  for (const auto& comparators : alternatives_) {
    bool all = true;
    for (const Comparator& c : comparators) {
      const int cmp = CompareVersions(version, c.version);
      const bool holds = c.op == Op::kEq   ? cmp == 0
                         : c.op == Op::kNe ? cmp != 0
                         : c.op == Op::kGt ? cmp > 0
                         : c.op == Op::kGe ? cmp >= 0
                         : c.op == Op::kLt ? cmp < 0
                                           : cmp <= 0;
      if (!holds) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

}  // namespace flightcheck
