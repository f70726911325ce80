// The table of config.yaml keys, and what validation (cluster_config.cc) and rendering
// (cluster_config_render.cc) share. Private to installer/: the API is installer/cluster_config.h.
//
// Thread-safety: constant data and pure functions; safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace flightcheck {

// How the validator reads a key's value; docs/config.md ("How values are read") gives the rules.
// Only kBool is acted on by type alone (every boolean is read before the other keys); the other
// keys are read one by one with their own limits, and the type says which reader that is.
enum class ConfigKeyType {
  kString,        // a string, or an integer or boolean taken as its text
  kInt,           // an integer, or a string holding one
  kBool,          // a boolean, or the string "true" or "false"
  kList,          // a list of strings, or a string holding a JSON list of strings
  kAddressList,   // a kList of distinct IPv4 addresses
  kPath,          // a kString naming a file, resolved against the install directory
  kPathList,      // a kList of such paths
  kStringOrList,  // a string split on spaces, or a kList
  kUnchecked,     // a DC/OS key flightcheck does not validate: it goes to the nodes as written
};

// Where a key's value goes. The one policy rendering (RenderNodeConfig), the config hash
// (ConfigHash) and secret handling (IsSecretConfigKey) all follow.
enum class ConfigKeyUse {
  kRendered,     // into the nodes' cluster.yaml, and so into the config hash
  kSecret,       // never leaves the coordinator; in the config hash (hashed, not shown)
  kCoordinator,  // steers only the coordinator (SSH, timeouts): neither rendered nor hashed, so
                 // changing it does not void a passing preflight
  kPacked,       // names a file whose contents genconf packs: the contents are hashed, the path
                 // is neither rendered nor hashed
};

struct ConfigKey {
  std::string_view name;
  ConfigKeyType type;
  ConfigKeyUse use = ConfigKeyUse::kRendered;
};

// The use of any key: its table row's, or for a key flightcheck does not know, kSecret when its
// name says so (IsSecretConfigKey) and kRendered otherwise.
ConfigKeyUse UseOfConfigKey(std::string_view name);

// Every key flightcheck knows: those of a DC/OS 1.11 on-premises config.yaml, then flightcheck's
// own. A key not here is warned about as unknown, and still goes to the nodes as written.
std::span<const ConfigKey> ConfigKeys();

// The names of ConfigKeys(), in table order: the candidates of "did you mean", which breaks ties
// by that order.
const std::vector<std::string>& ConfigKeyNames();

// The entry for name; nullptr for a key flightcheck does not know.
const ConfigKey* FindConfigKey(std::string_view name);

// JSON text of a config value that never throws: the YAML parser has already rejected invalid
// UTF-8, but a dump is the one nlohmann call that would throw on it. Objects come out with their
// keys sorted and no whitespace.
inline std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace flightcheck
