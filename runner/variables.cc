#include "runner/variables.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck {
namespace {

bool IsValidName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

struct Reference {
  size_t begin = 0;  // of "${"
  size_t end = 0;    // one past "}"
  std::string name;
  std::optional<std::string> fallback;
};

// Finds the references of one string; the error names the string.
Result<std::vector<Reference>> FindReferences(std::string_view text) {
  std::vector<Reference> refs;
  size_t pos = 0;
  while ((pos = text.find("${", pos)) != std::string_view::npos) {
    const size_t close = text.find('}', pos + 2);
    if (close == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format("unclosed '${{' in '{}'", text));
    }
    std::string_view inner = text.substr(pos + 2, close - pos - 2);
    Reference ref{pos, close + 1, "", std::nullopt};
    const size_t dash = inner.find(":-");
    if (dash != std::string_view::npos) {
      ref.fallback = std::string(inner.substr(dash + 2));
      inner = inner.substr(0, dash);
    }
    ref.name = std::string(inner);
    if (!IsValidName(ref.name)) {
      return Status::InvalidArgument(fmt::format(
          "invalid variable name '{}' in '{}' (letters, digits, '_', '.', '-')", ref.name, text));
    }
    refs.push_back(std::move(ref));
    pos = close + 1;
  }
  return refs;
}

nlohmann::json ValueToText(const nlohmann::json& value) {
  if (value.is_string()) return value;
  if (value.is_array()) {
    std::string joined;
    for (const auto& element : value) {
      if (!joined.empty()) joined += ",";
      joined += element.is_string() ? element.get<std::string>() : element.dump();
    }
    return joined;
  }
  return value.dump();
}

nlohmann::json SubstituteString(const std::string& text, const Variables& variables,
                                std::vector<std::string>* missing) {
  Result<std::vector<Reference>> refs = FindReferences(text);
  if (!refs || refs->empty()) return text;
  auto lookup = [&](const Reference& ref) -> std::optional<nlohmann::json> {
    auto it = variables.find(ref.name);
    if (it != variables.end()) return it->second;
    if (ref.fallback) return nlohmann::json(*ref.fallback);
    if (std::find(missing->begin(), missing->end(), ref.name) == missing->end()) {
      missing->push_back(ref.name);
    }
    return std::nullopt;
  };
  if (refs->size() == 1 && refs->front().begin == 0 && refs->front().end == text.size()) {
    std::optional<nlohmann::json> value = lookup(refs->front());
    return value ? *value : nlohmann::json(text);
  }
  std::string out;
  size_t last = 0;
  for (const Reference& ref : *refs) {
    out += text.substr(last, ref.begin - last);
    std::optional<nlohmann::json> value = lookup(ref);
    out += value ? ValueToText(*value).get<std::string>()
                 : text.substr(ref.begin, ref.end - ref.begin);
    last = ref.end;
  }
  out += text.substr(last);
  return out;
}

}  // namespace

Result<Variables> ParseVariableFlags(const std::vector<std::string>& flags) {
  Variables variables;
  for (const std::string& flag : flags) {
    const size_t eq = flag.find('=');
    const std::string name = flag.substr(0, eq);
    if (eq == std::string::npos || !IsValidName(name)) {
      return Status::InvalidArgument(fmt::format(
          "--var '{}': expected NAME=VALUE (e.g. --var master_list=10.0.0.1,10.0.0.2)", flag));
    }
    const std::string value = flag.substr(eq + 1);
    if (value.find(',') == std::string::npos) {
      variables[name] = value;
    } else {
      nlohmann::json list = nlohmann::json::array();
      for (std::string_view item : SplitFields(value, ",")) list.push_back(std::string(Trim(item)));
      variables[name] = list;
    }
  }
  return variables;
}

Result<Variables> ParseVariablesJson(std::string_view text, std::string_view source) {
  nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return Status::InvalidArgument(
        fmt::format("{}: not valid JSON; expected an object of NAME: VALUE", source));
  }
  if (!document.is_object()) {
    return Status::InvalidArgument(fmt::format("{}: expected a JSON object of NAME: VALUE, not {}",
                                               source, document.type_name()));
  }
  auto scalar = [](const nlohmann::json& v) {
    return v.is_string() || v.is_number() || v.is_boolean();
  };
  Variables variables;
  for (const auto& [name, value] : document.items()) {
    if (!IsValidName(name)) {
      return Status::InvalidArgument(fmt::format(
          "{}: '{}' is not a variable name (letters, digits, '_', '.' and '-')", source, name));
    }
    const bool ok =
        scalar(value) || (value.is_array() && std::all_of(value.begin(), value.end(), scalar));
    if (!ok) {
      return Status::InvalidArgument(
          fmt::format("{}: '{}' must be a string, number, boolean or list of those, not {}", source,
                      name, value.type_name()));
    }
    variables[name] = value;
  }
  return variables;
}

Status CheckVariableSyntax(const nlohmann::json& value) {
  if (value.is_string()) {
    Result<std::vector<Reference>> refs = FindReferences(value.get<std::string>());
    return refs ? Status::Ok() : refs.error();
  }
  if (value.is_structured()) {
    for (const auto& element : value) {
      if (Status s = CheckVariableSyntax(element); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

bool HasVariables(const nlohmann::json& value) {
  if (value.is_string()) return value.get_ref<const std::string&>().find("${") != std::string::npos;
  if (value.is_structured()) {
    for (const auto& element : value) {
      if (HasVariables(element)) return true;
    }
  }
  return false;
}

nlohmann::json SubstituteVariables(const nlohmann::json& value, const Variables& variables,
                                   std::vector<std::string>* missing) {
  if (value.is_string()) return SubstituteString(value.get<std::string>(), variables, missing);
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, element] : value.items()) {
      out[key] = SubstituteVariables(element, variables, missing);
    }
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& element : value) {
      nlohmann::json substituted = SubstituteVariables(element, variables, missing);
      // A list variable inside a list splices in: [a, "${more}"] → [a, b, c].
      if (element.is_string() && substituted.is_array()) {
        for (auto& item : substituted) out.push_back(std::move(item));
      } else {
        out.push_back(std::move(substituted));
      }
    }
    return out;
  }
  return value;
}

}  // namespace flightcheck
