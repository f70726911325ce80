// The declared sources of a support bundle (issue 11): a YAML file of kind BundleSources, the
// built-in rules/bundle.yaml or the user's --sources. Each source has an id, one kind with its
// parameters, and optionally roles (where it is collected), required (a failure goes to
// summaryErrorsReport.txt) and max_bytes (its cap). In a file that extends another (the
// built-ins), "{id: X, disabled: true}" removes X.
//
//   apiVersion: flightcheck/v1
//   kind: BundleSources
//   sources:
//     - id: journal.dcos
//       journal: {units: ["dcos-*.service"], since: 24h}
//       max_bytes: 16MiB
//     - id: cmd.ip-addr
//       command: {argv: [ip, addr], timeout: 10s}
//     - id: file.os-release
//       file: {path: /etc/os-release}
//       required: true
//     - id: units.dcos
//       units: {names: ["dcos-*.service"]}
//     - id: http.mesos-state
//       http: {url: "http://127.0.0.1:5050/state", timeout: 10s}
//
// Failure: every problem is reported, each as "<file>:<line>:<col>: <message>" naming what would
// be right (unknown keys get a "did you mean"); a file with any problem loads no source. Input is
// bounded as every YAML file is (runner/yaml_document.h). Pure; fuzzed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flightcheck {

enum class BundleSourceKind { kJournal, kCommand, kFile, kUnits, kHttp };
std::string_view BundleSourceKindName(BundleSourceKind kind);

struct BundleSource {
  std::string id;
  BundleSourceKind kind = BundleSourceKind::kFile;
  bool required = false;
  std::vector<std::string> roles;            // empty: every role
  uint64_t max_bytes = 0;                    // 0: the bundle's default
  std::vector<std::string> units;            // journal, units: names or globs
  std::chrono::seconds since{0};             // journal: how far back; 0: everything
  std::vector<std::string> argv;             // command
  std::chrono::milliseconds timeout{30000};  // command, journal
  std::string path;                          // file: absolute host path
  std::string url;                           // http: http:// or https://, no credentials
  bool disabled = false;                     // removes the extended file's source of this id
  int line = 0, column = 0;                  // where the source was declared
};

struct BundleSourcesLoad {
  std::vector<BundleSource> sources;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// What a sources file may hold: read with at most this many bytes.
inline constexpr size_t kMaxBundleSourcesBytes = size_t{1} << 20;

BundleSourcesLoad ParseBundleSources(std::string_view text, std::string_view file);

// The sources base (the built-ins) extended by extra (--sources, the cluster config's
// bundle_sources, read from extra_file): a source with one of base's ids takes its place, a
// disabled one removes it, the others follow in their order. A disabled id that base does not
// have is a problem ("<extra_file>:<line>:<col>: ..."), and then no source is returned. Pure.
BundleSourcesLoad ExtendBundleSources(std::vector<BundleSource> base,
                                      const std::vector<BundleSource>& extra,
                                      std::string_view extra_file);

}  // namespace flightcheck
