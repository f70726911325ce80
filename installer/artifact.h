// The genconf install artifact: one content-addressed tarball that a node needs to check and
// install itself, served from genconf/serve/.
//
// Layout (top level of the tarball):
//   install.sh            the node script (installer/install_script.h), 0755
//   install.env           INSTALL_PREFIX, SKIP_PREFLIGHT, SKIP_POSTFLIGHT, CONFIG_HASH,
//                         CLUSTER_HASH; sourced by install.sh
//   bin/flightcheck       the flightcheck binary, 0755
//   rules/preflight/*     rules/postflight/*   rule files; rules/preflight/ also holds
//                         ip-detect.yaml (rules/builtin_rules.h ArtifactRuleFiles), always
//   cluster.yaml          the rendered cluster config, secrets already removed
//   variables.json        rule ${variables}, sorted keys
//   ip-detect             the ip-detect script (ip_detect_filename), 0755
//   ip-detect-public      public agents' ip-detect (ip_detect_public_filename, else the same as
//                         ip-detect, as in DC/OS), 0755
//   fault-domain-detect   the fault-domain-detect script (fault_domain_detect_filename), 0755;
//                         only when the config has one
//   (install.sh runs the scripts by their own "#!" line, as DC/OS ran its detect_ip)
//   payload.tar[.gz]      the optional payload install.sh extracts under INSTALL_PREFIX
//
// Reproducible: the same inputs give the same bytes (entries sorted by path, mtime 0, owner
// root:root, fixed modes, gzip without timestamp or name), so the name changes exactly when the
// content does.
//
// Thread-safety: WriteArtifact may run concurrently for different serve directories only, and a
// serve directory has one writer at a time across processes too (genconf holds GenconfLock).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/status.h"
#include "runner/diagnostics.h"

namespace flightcheck {

struct ArtifactInputs {
  std::filesystem::path flightcheck_binary;  // copied as bin/flightcheck
  // Written as rules/<phase>/<basename of path>. A basename already taken gets "-2", "-3"... before
  // its extension, and one that does not end in .yaml/.yml gets ".yaml" (flightcheck reads only
  // those from a directory).
  std::vector<SourceFile> preflight_rules;
  std::vector<SourceFile> postflight_rules;
  std::string node_config;       // YAML text, secrets already removed → cluster.yaml
  nlohmann::json variables;      // an object (null means none) → variables.json
  std::string ip_detect_script;  // → ip-detect
  // → ip-detect-public; nullopt: a copy of ip_detect_script (DC/OS's default).
  std::optional<std::string> ip_detect_public_script;
  std::optional<std::string> fault_domain_detect_script;  // → fault-domain-detect; nullopt: none
  // Optional (.tar, .tar.gz or .tgz) → payload.tar or payload.tar.gz; empty means none.
  std::filesystem::path payload;
  std::string install_prefix;  // absolute, e.g. /opt/mesosphere → install.env
  // Rule ids or globs for --skip. Each phase gets the entries that name one of its rules
  // (flightcheck check refuses a --skip that names none), as a comma list in install.env.
  std::vector<std::string> skip_checks;
  // ConfigHash of the cluster config the inputs came from → "config_hash" of artifact.json, so a
  // later stage can tell whether the artifact matches the current config.yaml, and → install.env,
  // where install.sh records it with what it installed. It hashes what the artifact holds (and the
  // secrets), so it changes the name only when that changes anyway.
  std::string config_hash;
  // ClusterHash (the same without the agent lists) → install.env: a host installed from an
  // earlier artifact of the same cluster, before agents were added, is still of this cluster.
  std::string cluster_hash;
  // The health daemon → install.env (HEALTH_DAEMON=true|false, HEALTH_LISTEN, HEALTH_TOKEN_FILE).
  // Its unit, flightcheck-health.service (dist/flightcheck-health@.service), is always shipped.
  bool health_daemon = false;
  std::string health_listen = "127.0.0.1:1050";
  std::string health_token_file;
  // The cluster config's bundle_sources file, validated → bundle.yaml, which install.sh bundle
  // passes as --sources. Empty: none.
  std::string bundle_sources;
};

struct Artifact {
  std::filesystem::path path;  // <serve_dir>/<name>
  std::string name;            // flightcheck-<first 16 hex digits of SHA-256 of the tar>.tar.gz
  std::string sha256;          // hex SHA-256 of the file as served (compressed bytes)
  uint64_t size = 0;           // bytes of the file as served
};

// Writes <serve_dir>/<name> and <serve_dir>/artifact.json ({"config_hash", "name", "sha256",
// "size"}), each as a PendingFile (checks/file_io.h: nothing of it is left if the process dies
// half-way), then removes the other flightcheck-*.tar.gz files of serve_dir. First it removes the
// temporary files earlier runs left when they died (on filesystems without O_TMPFILE): the caller
// must be serve_dir's only writer. serve_dir is created if missing. The name hashes the
// uncompressed tar, so it does not depend on the zlib version.
//
// Fails with InvalidArgument for bad inputs (relative or empty install prefix, variables not an
// object, payload of an unknown type, rule files that do not load, a skip entry that names no
// rule of either phase) and NotFound/PermissionDenied naming an unreadable binary or payload. An
// input that cannot be read fails before serve_dir is touched, and no failure leaves a temporary
// file behind.
Result<Artifact> WriteArtifact(const ArtifactInputs& inputs,
                               const std::filesystem::path& serve_dir);

}  // namespace flightcheck
