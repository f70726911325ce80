// A probe reads one kind of fact from a host and returns it as typed JSON.
//
// A probe is one synchronous function plus a descriptor (name, summary, parameters with types and
// defaults, the facts it produces, a default timeout), registered by name with
// FLIGHTCHECK_REGISTER_PROBE in its own checks/<name>.cc. The runner, the docs and the CLI all read
// the registry; nothing else lists probes.
//
// Contract for probe functions:
//  - They touch the host only through the HostContext (root path, command runner, sockets).
//  - They honour the Deadline: commands are killed and sockets time out by then.
//  - Absence is a fact, inability is an error: "docker not installed" is a value
//    ({"installed": false}); "permission denied", "timed out", "unparseable" are a non-OK Status.
//  - They may run concurrently with each other; each call owns every handle it opens, and there is
//    no global mutable state.
//  - Params arrive validated by ValidateParams: every declared parameter is present (defaults
//    filled in) with its declared type.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/deadline.h"
#include "checks/host_context.h"
#include "checks/status.h"

namespace flightcheck {

using Facts = nlohmann::json;
using Params = nlohmann::json;

enum class ParamType { kString, kInteger, kNumber, kBoolean, kStringList, kIntegerList };

// "string", "integer", "list of strings", ...
std::string_view ParamTypeName(ParamType type);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  bool required = false;
  nlohmann::json default_value;  // used when not required and absent; null means "no value"
  std::string doc;
};

// The kinds of value a fact can hold. The loader uses them to reject a matcher that cannot apply
// (`ge` on a string, `semver` on a bool, `contains` on a number) before anything runs.
enum class FactKind {
  kBool,
  kInt,
  kSize,      // bytes; matchers may use KiB, MiB, GiB
  kDuration,  // seconds; matchers may use ms, s, m, h
  kNumber,
  kString,
  kVersion,  // a version string ("20.10.24"); "" when unknown
  kList,
  kMap,
  kAny,  // arbitrary JSON (an HTTP body): every matcher applies, judged at run time
};

// A fact's type: its kind, the kind of a list's or map's values, and whether null is a value
// ("uid of a user that does not exist"). Matchers over null are unknown, never true or false.
struct FactType {
  FactKind kind = FactKind::kAny;
  FactKind element = FactKind::kAny;  // kList and kMap: the values' kind
  bool nullable = false;

  static constexpr FactType Bool() { return {FactKind::kBool}; }
  static constexpr FactType Int() { return {FactKind::kInt}; }
  static constexpr FactType Size() { return {FactKind::kSize}; }
  static constexpr FactType Duration() { return {FactKind::kDuration}; }
  static constexpr FactType Number() { return {FactKind::kNumber}; }
  static constexpr FactType String() { return {FactKind::kString}; }
  static constexpr FactType Version() { return {FactKind::kVersion}; }
  static constexpr FactType ListOf(FactKind element) { return {FactKind::kList, element}; }
  static constexpr FactType MapOf(FactKind element) { return {FactKind::kMap, element}; }
  static constexpr FactType Any() { return {FactKind::kAny}; }
  constexpr FactType OrNull() const { return {kind, element, true}; }
};

// "bool", "int", "size", "duration", "string", "version", "list of strings", "map of strings",
// "any", with " or null" for nullable types.
std::string FactTypeName(FactType type);
std::string_view FactKindName(FactKind kind);

struct FactSpec {
  std::string name;  // top-level fact name; rules may address nested values as name.sub.0
  FactType type;
  std::string doc;
};

struct ProbeDescriptor {
  std::string name;  // [a-z0-9_]+, the name rules use
  std::string summary;
  std::vector<ParamSpec> params;
  std::vector<FactSpec> facts;
  Milliseconds default_timeout{5000};

  const ParamSpec* FindParam(std::string_view name) const;
  const FactSpec* FindFact(std::string_view name) const;
};

using ProbeFunction = Result<Facts> (*)(const Params& params, const HostContext& host,
                                        Deadline deadline);

struct ProbeEntry {
  ProbeDescriptor descriptor;
  ProbeFunction function = nullptr;
};

// Process-wide registry of probes. Registration happens during static initialisation (insert
// only, no I/O); lookups afterwards are read-only and safe from any thread.
class ProbeRegistry {
 public:
  static ProbeRegistry& Global();

  // Adds a probe. A duplicate or malformed name is a programming error: it is recorded and
  // reported by Problems(), and the first registration wins.
  bool Register(ProbeEntry entry);

  const ProbeEntry* Find(std::string_view name) const;
  std::vector<const ProbeEntry*> All() const;  // sorted by name
  std::vector<std::string> Names() const;      // sorted
  size_t size() const { return entries_.size(); }

  // Descriptor problems found at registration (duplicate names, bad names, missing summary).
  const std::vector<std::string>& Problems() const { return problems_; }

 private:
  std::vector<ProbeEntry> entries_;
  std::vector<std::string> problems_;
};

// nullopt when value has the parameter's type (a scalar counts for a list type); otherwise the
// problem: "parameter 'port' must be an integer, got string \"x\"".
std::optional<std::string> CheckParamValue(const ParamSpec& spec, const nlohmann::json& value);

// Checks params against the descriptor and fills in defaults. Errors name the parameter and what
// was expected ("parameter 'port' must be an integer, got string \"x\""). Unknown parameters are
// errors. A scalar given where a list is declared becomes a one-element list, and an empty string
// an empty list (what an empty ${variable} substitutes).
Result<Params> ValidateParams(const ProbeDescriptor& descriptor, const Params& params);

// Markdown reference of every registered probe (docs/probes.md is this text).
std::string ProbesMarkdown(const ProbeRegistry& registry);

}  // namespace flightcheck

#define FLIGHTCHECK_CONCAT_INNER(a, b) a##b
#define FLIGHTCHECK_CONCAT(a, b) FLIGHTCHECK_CONCAT_INNER(a, b)

// Registers a probe: FLIGHTCHECK_REGISTER_PROBE(MakeDescriptor(), &RunProbe);
#define FLIGHTCHECK_REGISTER_PROBE(descriptor, function)                          \
  static const bool FLIGHTCHECK_CONCAT(flightcheck_probe_registered_, __LINE__) = \
      ::flightcheck::ProbeRegistry::Global().Register(                            \
          ::flightcheck::ProbeEntry{descriptor, function})
