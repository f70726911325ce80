#include "runner/matcher.h"

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck {
namespace {

// A number from a fact: JSON numbers as they are; strings such as "1" (sysctl) or "16GiB" parsed.
std::optional<double> AsNumber(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    Result<Quantity> q = ParseQuantity(value.get<std::string>());
    if (q) return q->value;
  }
  return std::nullopt;
}

bool Equal(const nlohmann::json& observed, const nlohmann::json& expected) {
  if (observed == expected) return true;
  // "max_error: 0s" or "memory: 16GiB" against a number fact compares quantities.
  if (observed.is_number() && expected.is_string()) {
    Result<Quantity> q = ParseQuantity(expected.get<std::string>());
    return q && observed.get<double>() == q->value;
  }
  if (observed.is_number() && expected.is_number()) {
    return observed.get<double>() == expected.get<double>();
  }
  return false;
}

bool IsEmpty(const nlohmann::json& value) {
  if (value.is_null()) return true;
  if (value.is_string()) return value.get_ref<const std::string&>().empty();
  if (value.is_array() || value.is_object()) return value.empty();
  return false;
}

std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string DumpList(const nlohmann::json& list) {
  std::string text = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) text += ", ";
    text += Dump(list[i]);
  }
  return text + "]";
}

}  // namespace

std::string FormatObserved(const nlohmann::json& value, QuantityKind kind) {
  if (value.is_number() && kind != QuantityKind::kPlain) {
    return FormatQuantity(value.get<double>(), kind);
  }
  if (value.is_array()) {
    constexpr size_t kShown = 8;
    std::string text = "[";
    for (size_t i = 0; i < value.size() && i < kShown; ++i) {
      if (i > 0) text += ", ";
      text += FormatObserved(value[i], kind);
    }
    if (value.size() > kShown) text += fmt::format(", ... {} more", value.size() - kShown);
    return text + "]";
  }
  std::string text = Dump(value);
  constexpr size_t kMaxLength = 160;
  if (text.size() > kMaxLength) text = text.substr(0, kMaxLength - 3) + "...";
  return text;
}

Matcher Matcher::Compare(Kind kind, nlohmann::json operand) {
  Matcher m;
  m.kind_ = kind;
  m.operand_ = std::move(operand);
  return m;
}

Matcher Matcher::Ordering(Kind kind, Quantity bound, std::string text) {
  Matcher m;
  m.kind_ = kind;
  m.bound_ = bound;
  m.text_ = std::move(text);
  return m;
}

Matcher Matcher::Semver(VersionConstraint constraint) {
  Matcher m;
  m.kind_ = Kind::kSemver;
  m.constraint_ = std::make_shared<const VersionConstraint>(std::move(constraint));
  return m;
}

Matcher Matcher::Regex(std::string pattern) {
  Matcher m;
  m.kind_ = Kind::kRegex;
  m.regex_ = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  m.text_ = std::move(pattern);
  return m;
}

Matcher Matcher::Empty(bool want_empty) {
  Matcher m;
  m.kind_ = Kind::kEmpty;
  m.want_empty_ = want_empty;
  return m;
}

Matcher Matcher::Combine(Kind kind, std::vector<Matcher> children) {
  Matcher m;
  m.kind_ = kind;
  m.children_ = std::move(children);
  return m;
}

QuantityKind Matcher::unit_kind() const {
  switch (kind_) {
    case Kind::kGt:
    case Kind::kGe:
    case Kind::kLt:
    case Kind::kLe:
      return bound_.kind;
    case Kind::kAllOf:
    case Kind::kAnyOf:
    case Kind::kNot:
      for (const Matcher& child : children_) {
        if (child.unit_kind() != QuantityKind::kPlain) return child.unit_kind();
      }
      return QuantityKind::kPlain;
    default:
      return QuantityKind::kPlain;
  }
}

std::string Matcher::Describe() const {
  auto joined = [this](std::string_view separator) {
    std::string text;
    for (const Matcher& child : children_) {
      if (!text.empty()) text += separator;
      text += child.Describe();
    }
    return text;
  };
  switch (kind_) {
    case Kind::kEq:
      return Dump(operand_);
    case Kind::kNe:
      return "not " + Dump(operand_);
    case Kind::kIn:
      return "one of " + DumpList(operand_);
    case Kind::kNotIn:
      return "none of " + DumpList(operand_);
    case Kind::kGt:
      return "> " + text_;
    case Kind::kGe:
      return ">= " + text_;
    case Kind::kLt:
      return "< " + text_;
    case Kind::kLe:
      return "<= " + text_;
    case Kind::kSemver:
      return "version " + constraint_->text();
    case Kind::kRegex:
      return "a match of /" + text_ + "/";
    case Kind::kContains:
      return "to contain " + Dump(operand_);
    case Kind::kEmpty:
      return want_empty_ ? "empty" : "not empty";
    case Kind::kAllOf:
      return joined(" and ");
    case Kind::kAnyOf:
      return joined(" or ");
    case Kind::kNot:
      return "not (" + joined("") + ")";
  }
  return "?";
}

std::optional<std::string> Matcher::Mismatch(const nlohmann::json& observed) const {
  const std::string expected = "expected " + Describe();
  switch (kind_) {
    case Kind::kEq:
      if (Equal(observed, operand_)) return std::nullopt;
      return expected;
    case Kind::kNe:
      if (!Equal(observed, operand_)) return std::nullopt;
      return expected;
    case Kind::kIn:
    case Kind::kNotIn: {
      bool found = false;
      for (const auto& candidate : operand_) found = found || Equal(observed, candidate);
      if (found == (kind_ == Kind::kIn)) return std::nullopt;
      return expected;
    }
    case Kind::kGt:
    case Kind::kGe:
    case Kind::kLt:
    case Kind::kLe: {
      const std::optional<double> value = AsNumber(observed);
      if (!value) return "not a number; " + expected;
      const double b = bound_.value;
      const bool holds = kind_ == Kind::kGt   ? *value > b
                         : kind_ == Kind::kGe ? *value >= b
                         : kind_ == Kind::kLt ? *value < b
                                              : *value <= b;
      if (holds) return std::nullopt;
      return expected;
    }
    case Kind::kSemver: {
      if (!observed.is_string() || !ParseVersion(observed.get<std::string>())) {
        return "not a version; " + expected;
      }
      if (constraint_->Matches(*ParseVersion(observed.get<std::string>()))) return std::nullopt;
      return expected;
    }
    case Kind::kRegex: {
      if (!observed.is_string()) return "not a string; " + expected;
      if (std::regex_search(observed.get_ref<const std::string&>(), *regex_)) return std::nullopt;
      return expected;
    }
    case Kind::kContains: {
      if (observed.is_string() && operand_.is_string()) {
        if (observed.get_ref<const std::string&>().find(operand_.get<std::string>()) !=
            std::string::npos) {
          return std::nullopt;
        }
      } else if (observed.is_array()) {
        for (const auto& element : observed) {
          if (Equal(element, operand_)) return std::nullopt;
        }
      }
      return expected;
    }
    case Kind::kEmpty:
      if (IsEmpty(observed) == want_empty_) return std::nullopt;
      return expected;
    case Kind::kAllOf:
      for (const Matcher& child : children_) {
        if (auto why = child.Mismatch(observed)) return why;
      }
      return std::nullopt;
    case Kind::kAnyOf:
      for (const Matcher& child : children_) {
        if (!child.Mismatch(observed)) return std::nullopt;
      }
      return expected;
    case Kind::kNot:
      if (children_.front().Mismatch(observed)) return std::nullopt;
      return expected;
  }
  return expected;
}

std::optional<nlohmann::json> LookupFact(const nlohmann::json& facts, const std::string& path) {
  const nlohmann::json* node = &facts;
  for (std::string_view segment : SplitFields(path, ".")) {
    if (node->is_object()) {
      auto it = node->find(std::string(segment));
      if (it == node->end()) return std::nullopt;
      node = &*it;
    } else if (node->is_array()) {
      const std::optional<int64_t> index = ParseInt64(segment);
      if (!index || *index < 0 || static_cast<size_t>(*index) >= node->size()) return std::nullopt;
      node = &(*node)[static_cast<size_t>(*index)];
    } else {
      return std::nullopt;
    }
  }
  return *node;
}

Expectation Expectation::Fact(std::string path, Matcher matcher) {
  Expectation e;
  e.kind_ = Kind::kFact;
  e.path_ = std::move(path);
  e.matcher_.push_back(std::move(matcher));
  return e;
}

Expectation Expectation::Combine(Kind kind, std::vector<Expectation> children) {
  Expectation e;
  e.kind_ = kind;
  e.children_ = std::move(children);
  return e;
}

Expectation::Outcome Expectation::Evaluate(const nlohmann::json& facts) const {
  auto join = [](const std::vector<std::string>& parts, std::string_view separator) {
    std::string text;
    for (const std::string& part : parts) {
      if (!text.empty()) text += separator;
      text += part;
    }
    return text;
  };
  switch (kind_) {
    case Kind::kFact: {
      const Matcher& matcher = matcher_.front();
      const std::optional<nlohmann::json> observed = LookupFact(facts, path_);
      if (!observed) {
        return {false, fmt::format("{} was not reported by the probe; expected {}", path_,
                                   matcher.Describe())};
      }
      const std::string shown = FormatObserved(*observed, matcher.unit_kind());
      if (std::optional<std::string> why = matcher.Mismatch(*observed)) {
        return {false, fmt::format("{} is {}, {}", path_, shown, *why)};
      }
      return {true, fmt::format("{} {}", path_, shown)};
    }
    case Kind::kAllOf: {
      std::vector<std::string> passed, failed;
      for (const Expectation& child : children_) {
        Outcome o = child.Evaluate(facts);
        (o.passed ? passed : failed).push_back(std::move(o.message));
      }
      if (failed.empty()) return {true, join(passed, ", ")};
      return {false, join(failed, "; ")};
    }
    case Kind::kAnyOf: {
      std::vector<std::string> failed;
      for (const Expectation& child : children_) {
        Outcome o = child.Evaluate(facts);
        if (o.passed) return o;
        failed.push_back("(" + o.message + ")");
      }
      return {false, "none of the alternatives holds: " + join(failed, " or ")};
    }
    case Kind::kNot: {
      Outcome o = children_.front().Evaluate(facts);
      if (o.passed) return {false, "expected the opposite of: " + o.message};
      return {true, "not (" + o.message + ")"};
    }
  }
  return {false, "invalid expectation"};
}

void Expectation::CollectPaths(std::vector<std::string>* paths) const {
  if (kind_ == Kind::kFact) {
    paths->push_back(path_);
    return;
  }
  for (const Expectation& child : children_) child.CollectPaths(paths);
}

std::vector<std::string> Expectation::FactPaths() const {
  std::vector<std::string> paths;
  CollectPaths(&paths);
  return paths;
}

nlohmann::json Expectation::ToJson() const {
  switch (kind_) {
    case Kind::kFact:
      return {{path_, matcher_.front().Describe()}};
    case Kind::kAllOf: {
      nlohmann::json merged = nlohmann::json::object();
      bool flat = true;
      for (const Expectation& child : children_) flat = flat && child.kind_ == Kind::kFact;
      if (flat) {
        for (const Expectation& child : children_) merged.update(child.ToJson());
        return merged;
      }
      nlohmann::json list = nlohmann::json::array();
      for (const Expectation& child : children_) list.push_back(child.ToJson());
      return {{"all_of", list}};
    }
    case Kind::kAnyOf: {
      nlohmann::json list = nlohmann::json::array();
      for (const Expectation& child : children_) list.push_back(child.ToJson());
      return {{"any_of", list}};
    }
    case Kind::kNot:
      return {{"not", children_.front().ToJson()}};
  }
  return nullptr;
}

}  // namespace flightcheck
