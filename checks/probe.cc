#include "checks/probe.h"

#include <algorithm>

#include <fmt/format.h>

namespace flightcheck {
namespace {

bool IsValidProbeName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool MatchesType(ParamType type, const nlohmann::json& value) {
  switch (type) {
    case ParamType::kString:
      return value.is_string();
    case ParamType::kInteger:
      return value.is_number_integer();
    case ParamType::kNumber:
      return value.is_number();
    case ParamType::kBoolean:
      return value.is_boolean();
    case ParamType::kStringList:
      return value.is_array() &&
             std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_string(); });
    case ParamType::kIntegerList:
      return value.is_array() && std::all_of(value.begin(), value.end(),
                                             [](const auto& v) { return v.is_number_integer(); });
  }
  return false;
}

// A scalar where a list is declared is a list of one; "" (an empty variable) is an empty list.
nlohmann::json AsList(const nlohmann::json& value) {
  if (value.is_array() || value.is_null()) return value;
  if (value.is_string() && value.get_ref<const std::string&>().empty()) {
    return nlohmann::json::array();
  }
  return nlohmann::json::array({value});
}

std::string DescribeValue(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  const char* kind = value.is_string()    ? "string"
                     : value.is_boolean() ? "boolean"
                     : value.is_number()  ? "number"
                     : value.is_array()   ? "list"
                     : value.is_object()  ? "map"
                                          : "null";
  return fmt::format("{} {}", kind, value.dump());
}

}  // namespace

std::string_view ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "string";
    case ParamType::kInteger:
      return "integer";
    case ParamType::kNumber:
      return "number";
    case ParamType::kBoolean:
      return "boolean";
    case ParamType::kStringList:
      return "list of strings";
    case ParamType::kIntegerList:
      return "list of integers";
  }
  return "unknown";
}

const ParamSpec* ProbeDescriptor::FindParam(std::string_view param_name) const {
  for (const auto& p : params) {
    if (p.name == param_name) return &p;
  }
  return nullptr;
}

std::string_view FactKindName(FactKind kind) {
  switch (kind) {
    case FactKind::kBool:
      return "bool";
    case FactKind::kInt:
      return "int";
    case FactKind::kSize:
      return "size";
    case FactKind::kDuration:
      return "duration";
    case FactKind::kNumber:
      return "number";
    case FactKind::kString:
      return "string";
    case FactKind::kVersion:
      return "version";
    case FactKind::kList:
      return "list";
    case FactKind::kMap:
      return "map";
    case FactKind::kAny:
      return "any";
  }
  return "?";
}

std::string FactTypeName(FactType type) {
  std::string name(FactKindName(type.kind));
  if ((type.kind == FactKind::kList || type.kind == FactKind::kMap) &&
      type.element != FactKind::kAny) {
    name += type.element == FactKind::kMap ? " of maps"
                                           : fmt::format(" of {}s", FactKindName(type.element));
  }
  if (type.nullable) name += " or null";
  return name;
}

const FactSpec* ProbeDescriptor::FindFact(std::string_view fact_name) const {
  for (const auto& f : facts) {
    if (f.name == fact_name) return &f;
  }
  return nullptr;
}

ProbeRegistry& ProbeRegistry::Global() {
  // Function-local static: safe against static-initialisation order across translation units.
  static ProbeRegistry registry;
  return registry;
}

bool ProbeRegistry::Register(ProbeEntry entry) {
  const std::string& name = entry.descriptor.name;
  if (!IsValidProbeName(name)) {
    problems_.push_back(fmt::format("probe name '{}' is not of the form [a-z0-9_]+", name));
  }
  if (entry.descriptor.summary.empty()) {
    problems_.push_back(fmt::format("probe '{}' has no summary", name));
  }
  if (entry.function == nullptr) {
    problems_.push_back(fmt::format("probe '{}' has no function", name));
    return false;
  }
  if (Find(name) != nullptr) {
    problems_.push_back(fmt::format("probe '{}' is registered twice", name));
    return false;
  }
  entries_.push_back(std::move(entry));
  return true;
}

const ProbeEntry* ProbeRegistry::Find(std::string_view name) const {
  for (const auto& entry : entries_) {
    if (entry.descriptor.name == name) return &entry;
  }
  return nullptr;
}

std::vector<const ProbeEntry*> ProbeRegistry::All() const {
  std::vector<const ProbeEntry*> all;
  for (const auto& entry : entries_) all.push_back(&entry);
  std::sort(all.begin(), all.end(), [](const ProbeEntry* a, const ProbeEntry* b) {
    return a->descriptor.name < b->descriptor.name;
  });
  return all;
}

std::vector<std::string> ProbeRegistry::Names() const {
  std::vector<std::string> names;
  for (const ProbeEntry* entry : All()) names.push_back(entry->descriptor.name);
  return names;
}

std::optional<std::string> CheckParamValue(const ParamSpec& spec, const nlohmann::json& value) {
  const bool is_list_type =
      spec.type == ParamType::kStringList || spec.type == ParamType::kIntegerList;
  const nlohmann::json as_declared = is_list_type ? AsList(value) : value;
  if (MatchesType(spec.type, as_declared)) return std::nullopt;
  const std::string_view type = ParamTypeName(spec.type);
  return fmt::format("parameter '{}' must be {} {}, got {}", spec.name,
                     type.front() == 'i' ? "an" : "a", type, DescribeValue(value));
}

Result<Params> ValidateParams(const ProbeDescriptor& descriptor, const Params& params) {
  if (!params.is_null() && !params.is_object()) {
    return Status::InvalidArgument(
        fmt::format("parameters of probe '{}' must be a map", descriptor.name));
  }
  Params out = Params::object();
  if (params.is_object()) {
    for (const auto& [key, value] : params.items()) {
      if (descriptor.FindParam(key) == nullptr) {
        return Status::InvalidArgument(
            fmt::format("probe '{}' has no parameter '{}'", descriptor.name, key));
      }
    }
  }
  for (const ParamSpec& spec : descriptor.params) {
    const bool present = params.is_object() && params.contains(spec.name);
    if (!present) {
      if (spec.required) {
        return Status::InvalidArgument(fmt::format("probe '{}' needs parameter '{}' ({})",
                                                   descriptor.name, spec.name,
                                                   ParamTypeName(spec.type)));
      }
      out[spec.name] = spec.default_value;
      continue;
    }
    nlohmann::json value = params.at(spec.name);
    if (std::optional<std::string> problem = CheckParamValue(spec, value)) {
      return Status::InvalidArgument(*problem);
    }
    if (spec.type == ParamType::kStringList || spec.type == ParamType::kIntegerList) {
      value = AsList(value);
    }
    out[spec.name] = std::move(value);
  }
  return out;
}

std::string ProbesMarkdown(const ProbeRegistry& registry) {
  std::string md =
      "# Probes\n\n"
      "<!-- Generated by `flightcheck probes --markdown`; do not edit by hand. -->\n\n"
      "A probe reads one kind of fact from a host. Rules name a probe, give it parameters and "
      "state what its facts must look like (see [rules.md](rules.md)). Sizes are in bytes and "
      "durations in seconds unless a fact says otherwise.\n\n";
  for (const ProbeEntry* entry : registry.All()) {
    md += fmt::format("- [`{0}`](#{0}): {1}\n", entry->descriptor.name, entry->descriptor.summary);
  }
  for (const ProbeEntry* entry : registry.All()) {
    const ProbeDescriptor& d = entry->descriptor;
    md += fmt::format("\n## {}\n\n{}\n\nDefault timeout: {}.\n\n", d.name, d.summary,
                      FormatDuration(d.default_timeout));
    if (d.params.empty()) {
      md += "Parameters: none.\n\n";
    } else {
      md += "| parameter | type | required | default | description |\n|---|---|---|---|---|\n";
      for (const ParamSpec& p : d.params) {
        md += fmt::format(
            "| `{}` | {} | {} | {} | {} |\n", p.name, ParamTypeName(p.type),
            p.required ? "yes" : "no",
            p.default_value.is_null() ? std::string("-") : "`" + p.default_value.dump() + "`",
            p.doc);
      }
      md += "\n";
    }
    md += "| fact | type | description |\n|---|---|---|\n";
    for (const FactSpec& f : d.facts) {
      md += fmt::format("| `{}` | {} | {} |\n", f.name, FactTypeName(f.type), f.doc);
    }
  }
  return md;
}

}  // namespace flightcheck
