#include "runner/matcher.h"

#include <algorithm>

#include <fmt/format.h>
#include <re2/re2.h>

#include "checks/text.h"
#include "runner/json_writer.h"

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

// Values JSON cannot compare directly: bool, number, string, list and map are classes apart.
enum class ValueClass { kNull, kBool, kNumber, kString, kList, kMap };

ValueClass ClassOf(const nlohmann::json& value) {
  if (value.is_boolean()) return ValueClass::kBool;
  if (value.is_number()) return ValueClass::kNumber;
  if (value.is_string()) return ValueClass::kString;
  if (value.is_array()) return ValueClass::kList;
  if (value.is_object()) return ValueClass::kMap;
  return ValueClass::kNull;
}

std::string_view ClassWords(ValueClass value_class) {
  switch (value_class) {
    case ValueClass::kNull:
      return "null";
    case ValueClass::kBool:
      return "a bool";
    case ValueClass::kNumber:
      return "a number";
    case ValueClass::kString:
      return "a string";
    case ValueClass::kList:
      return "a list";
    case ValueClass::kMap:
      return "a map";
  }
  return "?";
}

// Equality, or unknown when the two cannot be compared (a bool against a string): a value of
// another type says nothing about whether the fact has the expected value.
Truth Equal(const nlohmann::json& observed, const nlohmann::json& expected) {
  const ValueClass have = ClassOf(observed);
  const ValueClass want = ClassOf(expected);
  if (have == ValueClass::kNumber && want == ValueClass::kNumber) {
    return observed.get<double>() == expected.get<double>() ? Truth::kTrue : Truth::kFalse;
  }
  // "max_error: 0s" or "memory: 16GiB" against a number fact compares quantities.
  if (have == ValueClass::kNumber && want == ValueClass::kString) {
    Result<Quantity> q = ParseQuantity(expected.get<std::string>());
    if (!q) return Truth::kUnknown;
    return observed.get<double>() == q->value ? Truth::kTrue : Truth::kFalse;
  }
  // version_id: 12 (a YAML number) against the string "12".
  if (have == ValueClass::kString && want == ValueClass::kNumber) {
    return observed.get_ref<const std::string&>() == expected.dump() ? Truth::kTrue : Truth::kFalse;
  }
  if (have != want) return Truth::kUnknown;
  return observed == expected ? Truth::kTrue : Truth::kFalse;
}

std::string DumpList(const nlohmann::json& list) {
  std::string text = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) text += ", ";
    text += JsonText(list[i]);
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
  std::string text = JsonText(value);
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

Result<Matcher> Matcher::Regex(std::string pattern) {
  if (pattern.size() > kMaxRegexBytes) {
    return Status::InvalidArgument(fmt::format(
        "the pattern is {} bytes long; at most {} are allowed", pattern.size(), kMaxRegexBytes));
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);  // bounds the compiled program and its DFA cache
  auto regex = std::make_shared<const RE2>(pattern, options);
  if (!regex->ok()) {
    return Status::InvalidArgument(fmt::format("invalid regex '{}': {}", pattern, regex->error()));
  }
  Matcher m;
  m.kind_ = Kind::kRegex;
  m.regex_ = std::move(regex);
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
      return JsonText(operand_);
    case Kind::kNe:
      return "not " + JsonText(operand_);
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
      return "to contain " + JsonText(operand_);
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

Matcher::Judgement Matcher::Judge(const nlohmann::json& observed) const {
  const auto verdict = [this](bool holds) {
    return holds ? Judgement{Truth::kTrue, ""} : Judgement{Truth::kFalse, "expected " + Describe()};
  };
  const auto unknown = [](std::string why) { return Judgement{Truth::kUnknown, std::move(why)}; };
  const bool combinator = kind_ == Kind::kAllOf || kind_ == Kind::kAnyOf || kind_ == Kind::kNot;
  // Null is "not known" (the size of a file that does not exist); only a literal null operand
  // compares with it.
  if (observed.is_null() && !combinator) {
    const bool null_operand =
        operand_.is_null() ||
        (operand_.is_array() && std::any_of(operand_.begin(), operand_.end(),
                                            [](const nlohmann::json& v) { return v.is_null(); }));
    const bool compares =
        kind_ == Kind::kEq || kind_ == Kind::kNe || kind_ == Kind::kIn || kind_ == Kind::kNotIn;
    if (!compares || !null_operand) return unknown("null");
  }
  switch (kind_) {
    case Kind::kEq:
    case Kind::kNe: {
      const Truth equal = Equal(observed, operand_);
      if (equal == Truth::kUnknown) {
        return unknown(fmt::format("{}, not comparable with {}", ClassWords(ClassOf(observed)),
                                   JsonText(operand_)));
      }
      return verdict((equal == Truth::kTrue) == (kind_ == Kind::kEq));
    }
    case Kind::kIn:
    case Kind::kNotIn: {
      bool found = false, comparable = false;
      for (const auto& candidate : operand_) {
        const Truth equal = Equal(observed, candidate);
        found = found || equal == Truth::kTrue;
        comparable = comparable || equal != Truth::kUnknown;
      }
      if (!comparable) {
        return unknown(fmt::format("{}, not comparable with {}", ClassWords(ClassOf(observed)),
                                   DumpList(operand_)));
      }
      return verdict(found == (kind_ == Kind::kIn));
    }
    case Kind::kGt:
    case Kind::kGe:
    case Kind::kLt:
    case Kind::kLe: {
      const std::optional<double> value = AsNumber(observed);
      if (!value) return unknown("not a number");
      const double b = bound_.value;
      return verdict(kind_ == Kind::kGt   ? *value > b
                     : kind_ == Kind::kGe ? *value >= b
                     : kind_ == Kind::kLt ? *value < b
                                          : *value <= b);
    }
    case Kind::kSemver: {
      std::optional<Version> version;
      if (observed.is_string()) version = ParseVersion(observed.get<std::string>());
      if (!version) return unknown("not a version");
      return verdict(constraint_->Matches(*version));
    }
    case Kind::kRegex:
      if (!observed.is_string()) return unknown("not a string");
      return verdict(RE2::PartialMatch(observed.get_ref<const std::string&>(), *regex_));
    case Kind::kContains:
      if (observed.is_string()) {
        if (!operand_.is_string()) {
          return unknown(fmt::format("a string, which cannot contain {}", JsonText(operand_)));
        }
        return verdict(observed.get_ref<const std::string&>().find(
                           operand_.get_ref<const std::string&>()) != std::string::npos);
      }
      if (observed.is_array()) {
        bool found = false;
        for (const auto& element : observed)
          found = found || Equal(element, operand_) == Truth::kTrue;
        return verdict(found);
      }
      return unknown("neither a string nor a list");
    case Kind::kEmpty:
      if (!observed.is_string() && !observed.is_array() && !observed.is_object()) {
        return unknown("neither a string, a list nor a map");
      }
      return verdict((observed.is_string() ? observed.get_ref<const std::string&>().empty()
                                           : observed.empty()) == want_empty_);
    case Kind::kAllOf: {
      std::optional<Judgement> first_unknown;
      for (const Matcher& child : children_) {
        Judgement j = child.Judge(observed);
        if (j.truth == Truth::kFalse) return j;
        if (j.truth == Truth::kUnknown && !first_unknown) first_unknown = std::move(j);
      }
      return first_unknown ? *first_unknown : Judgement{Truth::kTrue, ""};
    }
    case Kind::kAnyOf: {
      std::optional<Judgement> first_unknown;
      for (const Matcher& child : children_) {
        Judgement j = child.Judge(observed);
        if (j.truth == Truth::kTrue) return j;
        if (j.truth == Truth::kUnknown && !first_unknown) first_unknown = std::move(j);
      }
      return first_unknown ? *first_unknown : verdict(false);
    }
    case Kind::kNot: {
      Judgement j = children_.front().Judge(observed);
      if (j.truth == Truth::kUnknown) return j;
      return verdict(j.truth == Truth::kFalse);
    }
  }
  return unknown("not judged");
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
        return {Truth::kUnknown, fmt::format("cannot judge {}: the probe did not report it "
                                             "(expected {})",
                                             path_, matcher.Describe())};
      }
      const std::string shown = FormatObserved(*observed, matcher.unit_kind());
      Matcher::Judgement judgement = matcher.Judge(*observed);
      switch (judgement.truth) {
        case Truth::kTrue:
          return {Truth::kTrue, fmt::format("{} {}", path_, shown)};
        case Truth::kFalse:
          return {Truth::kFalse, fmt::format("{} is {}, {}", path_, shown, judgement.why)};
        case Truth::kUnknown:
          if (observed->is_null()) {
            return {Truth::kUnknown,
                    fmt::format("cannot judge {}: the probe reported null (expected {})", path_,
                                matcher.Describe())};
          }
          return {Truth::kUnknown, fmt::format("cannot judge {}: {} is {} (expected {})", path_,
                                               shown, judgement.why, matcher.Describe())};
      }
      break;
    }
    case Kind::kAllOf: {
      std::vector<std::string> passed, failed, unknown;
      for (const Expectation& child : children_) {
        Outcome o = child.Evaluate(facts);
        (o.truth == Truth::kTrue    ? passed
         : o.truth == Truth::kFalse ? failed
                                    : unknown)
            .push_back(std::move(o.message));
      }
      if (!failed.empty()) return {Truth::kFalse, join(failed, "; ")};
      if (!unknown.empty()) return {Truth::kUnknown, join(unknown, "; ")};
      return {Truth::kTrue, join(passed, ", ")};
    }
    case Kind::kAnyOf: {
      std::vector<std::string> failed, unknown;
      for (const Expectation& child : children_) {
        Outcome o = child.Evaluate(facts);
        if (o.truth == Truth::kTrue) return o;
        (o.truth == Truth::kFalse ? failed : unknown).push_back("(" + o.message + ")");
      }
      if (!unknown.empty()) {
        return {Truth::kUnknown, "no alternative passes: " + join(unknown, " or ") +
                                     (failed.empty() ? "" : " or " + join(failed, " or "))};
      }
      return {Truth::kFalse, "none of the alternatives holds: " + join(failed, " or ")};
    }
    case Kind::kNot: {
      Outcome o = children_.front().Evaluate(facts);
      if (o.truth == Truth::kUnknown) return o;
      if (o.truth == Truth::kTrue) return {Truth::kFalse, "expected the opposite of: " + o.message};
      return {Truth::kTrue, "not (" + o.message + ")"};
    }
  }
  return {Truth::kUnknown, "invalid expectation"};
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
