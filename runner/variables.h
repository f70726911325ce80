// ${variables} in rule parameters.
//
// Values come from `--var name=value` (a value with commas becomes a list) and, later, from the
// cluster config. "${name}" alone in a string takes the variable's value whole (a list stays a
// list); inside a longer string a list is joined with commas. "${name:-default}" uses default when
// name is not set. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/status.h"

namespace flightcheck {

using Variables = std::map<std::string, nlohmann::json, std::less<>>;

// Parses "name=value" flags. InvalidArgument: "--var 'x': expected NAME=VALUE".
Result<Variables> ParseVariableFlags(const std::vector<std::string>& flags);

// Parses a JSON object of variables (a `--vars-file`, the variables.json of an install artifact):
// values must be strings, numbers, booleans or lists of those. source names the file in messages:
// "vars.json: 'master_list' must be a string, number, boolean or list, not an object".
Result<Variables> ParseVariablesJson(std::string_view text, std::string_view source);

// Checks the ${...} syntax of every string in value: an unclosed "${" or a bad name is an error
// ("unclosed '${' in '${master_list'").
Status CheckVariableSyntax(const nlohmann::json& value);

// True when any string in value references a variable.
bool HasVariables(const nlohmann::json& value);

// Substitutes variables in every string of value. Names that are referenced but not set (and have
// no default) are appended to *missing, and their reference is left as it was.
nlohmann::json SubstituteVariables(const nlohmann::json& value, const Variables& variables,
                                   std::vector<std::string>* missing);

}  // namespace flightcheck
