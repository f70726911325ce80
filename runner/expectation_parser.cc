#include "runner/expectation_parser.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "checks/text.h"
#include "runner/quantity.h"
#include "runner/semver.h"
#include "runner/spellcheck.h"

namespace flightcheck {
namespace {

using Kind = Matcher::Kind;

constexpr unsigned Bit(FactKind kind) { return 1u << static_cast<unsigned>(kind); }
constexpr unsigned kAnyKind = ~0u;
constexpr unsigned kNumeric =
    Bit(FactKind::kInt) | Bit(FactKind::kSize) | Bit(FactKind::kDuration) | Bit(FactKind::kNumber);
constexpr unsigned kText = Bit(FactKind::kString) | Bit(FactKind::kVersion);

// The matchers: one row each, with the fact kinds they can judge and those kinds in words.
struct MatcherSpec {
  std::string_view name;
  Kind kind;
  unsigned applies_to;
  std::string_view compares;  // "'<name>' compares <this>"
};

constexpr MatcherSpec kMatchers[] = {
    {"eq", Kind::kEq, kAnyKind, "values of any type"},
    {"ne", Kind::kNe, kAnyKind, "values of any type"},
    {"in", Kind::kIn, kAnyKind, "values of any type"},
    {"not_in", Kind::kNotIn, kAnyKind, "values of any type"},
    {"gt", Kind::kGt, kNumeric, "numbers, sizes and durations"},
    {"ge", Kind::kGe, kNumeric, "numbers, sizes and durations"},
    {"lt", Kind::kLt, kNumeric, "numbers, sizes and durations"},
    {"le", Kind::kLe, kNumeric, "numbers, sizes and durations"},
    {"semver", Kind::kSemver, kText, "version strings"},
    {"regex", Kind::kRegex, kText, "strings"},
    {"contains", Kind::kContains, kText | Bit(FactKind::kList), "strings and lists"},
    {"empty", Kind::kEmpty, kText | Bit(FactKind::kList) | Bit(FactKind::kMap),
     "strings, lists and maps"},
    {"all_of", Kind::kAllOf, kAnyKind, "values of any type"},
    {"any_of", Kind::kAnyOf, kAnyKind, "values of any type"},
    {"not", Kind::kNot, kAnyKind, "values of any type"},
};

const MatcherSpec* FindMatcher(std::string_view name) {
  for (const MatcherSpec& spec : kMatchers) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// The fact a path names and its type: "size" is the fact itself, "paths.curl" a value of a map,
// "servers.0" an element of a list; deeper paths are of unknown type (kAny).
struct FactRef {
  std::string name;  // as written, for messages
  FactType type;
};

class Parser {
 public:
  Parser(const ProbeDescriptor* descriptor, const ReportProblem& report)
      : descriptor_(descriptor), report_(report) {}

  Expectation ParseMap(const YamlNode& map) {
    std::vector<Expectation> entries;
    for (const auto& pair : map.pairs) {
      const std::string& key = pair.first.scalar;
      const YamlNode& value = pair.second;
      if (key == "all_of" || key == "any_of") {
        if (!value.IsSequence() || value.size() == 0) {
          report_(value, fmt::format("'{}' takes a non-empty list of expectations", key));
          continue;
        }
        std::vector<Expectation> children;
        for (const YamlNode& element : value.items) {
          if (!element.IsMap() || element.size() == 0) {
            report_(element, fmt::format("each item of '{}' is a map of facts to matchers", key));
            continue;
          }
          children.push_back(ParseMap(element));
        }
        entries.push_back(Expectation::Combine(
            key == "all_of" ? Expectation::Kind::kAllOf : Expectation::Kind::kAnyOf,
            std::move(children)));
        continue;
      }
      if (key == "not") {
        if (!value.IsMap() || value.size() == 0) {
          report_(value, "'not' takes a map of facts to matchers");
          continue;
        }
        entries.push_back(Expectation::Combine(Expectation::Kind::kNot, {ParseMap(value)}));
        continue;
      }
      std::optional<FactRef> fact = ResolveFact(key, pair.first);
      if (!fact) continue;
      entries.push_back(Expectation::Fact(key, ParseMatcher(value, *fact)));
    }
    if (entries.size() == 1) return std::move(entries.front());
    return Expectation::Combine(Expectation::Kind::kAllOf, std::move(entries));
  }

 private:
  std::optional<FactRef> ResolveFact(const std::string& path, const YamlNode& key) {
    if (descriptor_ == nullptr) return FactRef{path, FactType::Any()};
    const std::string first = path.substr(0, path.find('.'));
    const FactSpec* spec = descriptor_->FindFact(first);
    if (spec == nullptr) {
      std::vector<std::string> fact_names;
      for (const FactSpec& fact : descriptor_->facts) fact_names.push_back(fact.name);
      report_(key, fmt::format("probe '{}' has no fact '{}'{}; facts: {}", descriptor_->name, first,
                               DidYouMean(first, fact_names), JoinStrings(fact_names)));
      return std::nullopt;
    }
    const size_t depth = static_cast<size_t>(std::count(path.begin(), path.end(), '.'));
    if (depth == 0) return FactRef{path, spec->type};
    const bool container = spec->type.kind == FactKind::kList || spec->type.kind == FactKind::kMap;
    if (depth == 1 && container) return FactRef{path, FactType{spec->type.element}};
    return FactRef{path, FactType::Any()};
  }

  Matcher ParseMatcher(const YamlNode& node, const FactRef& fact) {
    if (!node.IsMap()) {
      const nlohmann::json operand = YamlToJson(node);
      CheckEqualityOperand("eq", node, operand, fact);
      return Matcher::Compare(Kind::kEq, operand);
    }
    if (node.size() == 0) {
      report_(node, "empty matcher map; write a value, or a matcher such as {ge: 4}");
      return Matcher::Compare(Kind::kEq, nlohmann::json::object());
    }
    std::vector<Matcher> matchers;
    for (const auto& pair : node.pairs) {
      if (std::optional<Matcher> m = ParseOne(pair.first, pair.second, fact)) {
        matchers.push_back(std::move(*m));
      }
    }
    if (matchers.size() == 1) return std::move(matchers.front());
    return Matcher::Combine(Kind::kAllOf, std::move(matchers));
  }

  // A bool fact compared with anything but true or false can never be equal: say so at load.
  void CheckEqualityOperand(std::string_view name, const YamlNode& where,
                            const nlohmann::json& operand, const FactRef& fact) {
    if (fact.type.kind != FactKind::kBool) return;
    const auto is_bool = [](const nlohmann::json& v) { return v.is_boolean() || v.is_null(); };
    const bool ok = operand.is_array() ? std::all_of(operand.begin(), operand.end(), is_bool)
                                       : is_bool(operand);
    if (ok) return;
    report_(where, fmt::format("'{}' compares fact '{}' ({}) with {}; write true or false", name,
                               fact.name, FactTypeName(fact.type), operand.dump()));
  }

  // False (and reported) when the matcher cannot judge a fact of this type.
  bool Applies(const MatcherSpec& spec, const YamlNode& key, const FactRef& fact) {
    if (fact.type.kind == FactKind::kAny || (spec.applies_to & Bit(fact.type.kind)) != 0) {
      return true;
    }
    report_(key, fmt::format("'{}' cannot apply to fact '{}' ({}) of probe '{}'; '{}' compares {}",
                             spec.name, fact.name, FactTypeName(fact.type), descriptor_->name,
                             spec.name, spec.compares));
    return false;
  }

  // An ordering bound's unit must fit the fact: 32GiB for a size, 100ms for a duration.
  bool UnitFits(std::string_view name, const YamlNode& value, const Quantity& bound,
                const FactRef& fact) {
    const FactKind kind = fact.type.kind;
    if (bound.kind == QuantityKind::kPlain || kind == FactKind::kAny) return true;
    const bool fits = (bound.kind == QuantityKind::kSize && kind == FactKind::kSize) ||
                      (bound.kind == QuantityKind::kDuration && kind == FactKind::kDuration);
    if (fits) return true;
    report_(value, fmt::format("'{} {}' is a {} but fact '{}' is {} {}{}", name, value.scalar,
                               bound.kind == QuantityKind::kSize ? "size" : "duration", fact.name,
                               kind == FactKind::kInt ? "an" : "a", FactTypeName(fact.type),
                               kind == FactKind::kSize       ? "; use a size such as 32GiB"
                               : kind == FactKind::kDuration ? "; use a duration such as 100ms"
                                                             : "; use a plain number"));
    return false;
  }

  std::optional<Matcher> ParseOne(const YamlNode& key, const YamlNode& value, const FactRef& fact) {
    const std::string& name = key.scalar;
    const MatcherSpec* spec = FindMatcher(name);
    if (spec == nullptr) {
      const std::vector<std::string> names = MatcherNames();
      report_(key, fmt::format("unknown matcher '{}'{}; matchers: {}", name,
                               DidYouMean(name, names), JoinStrings(names)));
      return std::nullopt;
    }
    if (!Applies(*spec, key, fact)) return std::nullopt;
    switch (spec->kind) {
      case Kind::kEq:
      case Kind::kNe:
      case Kind::kContains: {
        const nlohmann::json operand = YamlToJson(value);
        if (spec->kind != Kind::kContains) CheckEqualityOperand(name, value, operand, fact);
        return Matcher::Compare(spec->kind, operand);
      }
      case Kind::kIn:
      case Kind::kNotIn: {
        if (!value.IsSequence()) {
          report_(value, fmt::format("'{}' takes a list of values, e.g. {}: [overlay2, overlay]",
                                     name, name));
          return std::nullopt;
        }
        const nlohmann::json operand = YamlToJson(value);
        CheckEqualityOperand(name, value, operand, fact);
        return Matcher::Compare(spec->kind, operand);
      }
      case Kind::kGt:
      case Kind::kGe:
      case Kind::kLt:
      case Kind::kLe: {
        if (!value.IsScalar()) {
          report_(value,
                  fmt::format("'{}' takes a number, optionally with a unit (32GiB, 100ms)", name));
          return std::nullopt;
        }
        Result<Quantity> bound = ParseQuantity(value.scalar);
        if (!bound) {
          report_(value, fmt::format("invalid value for '{}': {}", name, bound.error().message()));
          return std::nullopt;
        }
        if (!UnitFits(name, value, *bound, fact)) return std::nullopt;
        return Matcher::Ordering(spec->kind, *bound, value.scalar);
      }
      case Kind::kSemver: {
        if (!value.IsScalar()) {
          report_(value, "'semver' takes a constraint string such as \">=1.13.1\"");
          return std::nullopt;
        }
        Result<VersionConstraint> constraint = VersionConstraint::Parse(value.scalar);
        if (!constraint) {
          report_(value, "invalid semver constraint: " + constraint.error().message());
          return std::nullopt;
        }
        return Matcher::Semver(std::move(*constraint));
      }
      case Kind::kRegex: {
        if (!value.IsScalar()) {
          report_(value, "'regex' takes a pattern string");
          return std::nullopt;
        }
        Result<Matcher> regex = Matcher::Regex(value.scalar);
        if (!regex) {
          report_(value, regex.error().message());
          return std::nullopt;
        }
        return std::move(*regex);
      }
      case Kind::kEmpty: {
        const nlohmann::json flag = YamlToJson(value);
        if (!flag.is_boolean()) {
          report_(value, "'empty' takes true or false");
          return std::nullopt;
        }
        return Matcher::Empty(flag.get<bool>());
      }
      case Kind::kAllOf:
      case Kind::kAnyOf: {
        if (!value.IsSequence() || value.size() == 0) {
          report_(value, fmt::format("'{}' takes a non-empty list of matchers", name));
          return std::nullopt;
        }
        std::vector<Matcher> children;
        for (const YamlNode& element : value.items) children.push_back(ParseMatcher(element, fact));
        return Matcher::Combine(spec->kind, std::move(children));
      }
      case Kind::kNot:
        return Matcher::Combine(Kind::kNot, {ParseMatcher(value, fact)});
    }
    return std::nullopt;
  }

  const ProbeDescriptor* descriptor_;
  const ReportProblem& report_;
};

}  // namespace

Expectation ParseExpectation(const YamlNode& expect, const ProbeDescriptor* descriptor,
                             const ReportProblem& report) {
  return Parser(descriptor, report).ParseMap(expect);
}

std::vector<std::string> MatcherNames() {
  std::vector<std::string> names;
  for (const MatcherSpec& spec : kMatchers) names.emplace_back(spec.name);
  return names;
}

}  // namespace flightcheck
