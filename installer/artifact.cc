#include "installer/artifact.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "checks/probe.h"
#include "checks/scoped_fd.h"
#include "checks/sha256.h"
#include "checks/text.h"
#include "installer/artifact_rules.h"
#include "installer/install_script.h"
#include "rules/builtin_rules.h"
#include "runner/archive_writer.h"
#include "runner/rule_loader.h"
#include "runner/selection.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;

constexpr mode_t kFileMode = 0644;
constexpr mode_t kExecutableMode = 0755;
constexpr mode_t kDirectoryMode = 0755;
constexpr std::string_view kNamePrefix = "flightcheck-";
constexpr std::string_view kNameSuffix = ".tar.gz";

// One member of the tarball: text held in memory, or a file streamed from disk when it is
// written (the binary and the payload can be large).
struct Entry {
  std::string path;
  mode_t mode = kFileMode;
  bool directory = false;
  std::string text;
  fs::path source;   // non-empty: the contents come from this file
  std::string what;  // names the source in errors: "flightcheck binary", "payload"
};

Entry DirectoryEntry(std::string path) {
  Entry entry;
  entry.path = std::move(path);
  entry.mode = kDirectoryMode;
  entry.directory = true;
  return entry;
}

Entry TextEntry(std::string path, std::string text, mode_t mode = kFileMode) {
  Entry entry;
  entry.path = std::move(path);
  entry.mode = mode;
  entry.text = std::move(text);
  return entry;
}

Entry FileEntry(std::string path, fs::path source, std::string what, mode_t mode) {
  Entry entry;
  entry.path = std::move(path);
  entry.mode = mode;
  entry.source = std::move(source);
  entry.what = std::move(what);
  return entry;
}

// Writes the whole tarball (gzipped or not) through writer, then finishes it.
Status WriteTar(const std::vector<Entry>& entries, ArchiveWriter& writer) {
  for (const Entry& entry : entries) {
    const Status status = entry.directory ? writer.AddDirectory(entry.path, entry.mode)
                          : entry.source.empty()
                              ? writer.AddBytes(entry.path, entry.text, entry.mode)
                              : writer.AddFile(entry.path, entry.source, entry.what, entry.mode);
    if (!status.ok()) return status;
  }
  return writer.Close();
}

// rules/<phase>/<name> entries; names are unique and end in .yaml or .yml, see the header.
void AddRuleEntries(std::string_view phase, const std::vector<SourceFile>& files,
                    std::vector<Entry>* entries) {
  const std::string directory = fmt::format("rules/{}", phase);
  entries->push_back(DirectoryEntry(directory));
  std::set<std::string> taken;
  for (const SourceFile& file : files) {
    fs::path name = fs::path(file.path).filename();
    if (name.empty()) name = "rules";
    if (name.extension() != ".yaml" && name.extension() != ".yml") name += ".yaml";
    std::string unique = name.string();
    for (int n = 2; taken.count(unique) != 0; ++n) {
      unique = fmt::format("{}-{}{}", name.stem().string(), n, name.extension().string());
    }
    taken.insert(unique);
    entries->push_back(TextEntry(directory + "/" + unique, file.text));
  }
}

Result<RuleSet> LoadPhaseRules(std::string_view phase, const std::vector<SourceFile>& files) {
  LoadResult loaded = LoadRules(files, ProbeRegistry::Global());
  if (!loaded.ok()) {
    const Diagnostic& first = loaded.diagnostics.diagnostics().front();
    return Status::InvalidArgument(fmt::format("{} rules do not load: {}:{}: {}", phase, first.path,
                                               first.line, first.message));
  }
  return std::move(loaded.rules);
}

// The preflight rule files of the artifact: the inputs', then ArtifactRuleFiles (the ip-detect
// checks install.sh passes ip_detect_script for, and skips ip_detect.matches_config of), which
// every artifact carries.
std::vector<SourceFile> PreflightRules(const ArtifactInputs& inputs) {
  std::vector<SourceFile> files = inputs.preflight_rules;
  for (const BuiltinRuleFile& file : ArtifactRuleFiles()) {
    files.push_back({std::string(file.name), std::string(file.text)});
  }
  return files;
}

struct SkipLists {
  std::string preflight;  // comma lists for --skip
  std::string postflight;
};

// flightcheck check refuses a --skip entry that names no rule of the files it loaded, so each
// phase gets only the entries that name its rules. An entry that names no rule of either phase is
// a typo, better reported once here than by every node.
Result<SkipLists> SplitSkipsByPhase(const ArtifactInputs& inputs,
                                    const std::vector<SourceFile>& preflight_rules) {
  Result<RuleSet> preflight = LoadPhaseRules("preflight", preflight_rules);
  if (!preflight) return preflight.error();
  Result<RuleSet> postflight = LoadPhaseRules("postflight", inputs.postflight_rules);
  if (!postflight) return postflight.error();
  auto names_a_rule = [](const RuleSet& rules, const std::string& pattern) {
    return std::any_of(rules.rules.begin(), rules.rules.end(),
                       [&](const Rule& rule) { return MatchesAnyPattern(rule.id, {pattern}); });
  };
  std::vector<Rule> packed = preflight->rules;
  packed.insert(packed.end(), postflight->rules.begin(), postflight->rules.end());
  std::vector<std::string> preflight_skips, postflight_skips;
  for (const std::string& skip : inputs.skip_checks) {
    if (std::string problem = SkipEntryProblem(skip, packed); !problem.empty()) {
      return Status::InvalidArgument(problem);
    }
    const bool in_preflight = names_a_rule(*preflight, skip);
    const bool in_postflight = names_a_rule(*postflight, skip);
    if (in_preflight) preflight_skips.push_back(skip);
    if (in_postflight) postflight_skips.push_back(skip);
  }
  return SkipLists{.preflight = JoinStrings(preflight_skips, ","),
                   .postflight = JoinStrings(postflight_skips, ",")};
}

Result<std::vector<Entry>> PlanEntries(const ArtifactInputs& inputs) {
  const std::string& prefix = inputs.install_prefix;
  if (prefix.empty() || prefix.front() != '/' || prefix == "/" ||
      prefix.find('\n') != std::string::npos) {
    return Status::InvalidArgument(
        fmt::format("install prefix '{}' must be an absolute directory other than /", prefix));
  }
  if (!inputs.variables.is_null() && !inputs.variables.is_object()) {
    return Status::InvalidArgument("rule variables must be a JSON object");
  }

  std::vector<Entry> entries;
  entries.push_back(DirectoryEntry("bin"));
  entries.push_back(FileEntry("bin/flightcheck", inputs.flightcheck_binary, "flightcheck binary",
                              kExecutableMode));
  entries.push_back(DirectoryEntry("rules"));
  const std::vector<SourceFile> preflight_rules = PreflightRules(inputs);
  AddRuleEntries("preflight", preflight_rules, &entries);
  AddRuleEntries("postflight", inputs.postflight_rules, &entries);
  entries.push_back(TextEntry("cluster.yaml", inputs.node_config));
  const nlohmann::json variables =
      inputs.variables.is_null() ? nlohmann::json::object() : inputs.variables;
  // nlohmann::json keeps object keys in a std::map, so dump() is already sorted.
  entries.push_back(TextEntry("variables.json", variables.dump(2) + "\n"));
  entries.push_back(TextEntry("ip-detect", inputs.ip_detect_script, kExecutableMode));
  entries.push_back(TextEntry("ip-detect-public",
                              inputs.ip_detect_public_script.value_or(inputs.ip_detect_script),
                              kExecutableMode));
  if (inputs.fault_domain_detect_script) {
    entries.push_back(
        TextEntry("fault-domain-detect", *inputs.fault_domain_detect_script, kExecutableMode));
  }
  entries.push_back(TextEntry("install.sh", std::string(InstallScript()), kExecutableMode));
  if (!inputs.bundle_sources.empty())
    entries.push_back(TextEntry("bundle.yaml", inputs.bundle_sources));
  Result<SkipLists> skips = SplitSkipsByPhase(inputs, preflight_rules);
  if (!skips) return skips.error();
  entries.push_back(TextEntry(
      "install.env",
      fmt::format("# Written by flightcheck genconf; read by install.sh.\n"
                  "INSTALL_PREFIX={}\nSKIP_PREFLIGHT={}\nSKIP_POSTFLIGHT={}\nCONFIG_HASH={}\n"
                  "CLUSTER_HASH={}\nHEALTH_DAEMON={}\nHEALTH_LISTEN={}\nHEALTH_TOKEN_FILE={}\n",
                  ShellQuote(prefix), ShellQuote(skips->preflight), ShellQuote(skips->postflight),
                  ShellQuote(inputs.config_hash), ShellQuote(inputs.cluster_hash),
                  inputs.health_daemon ? "true" : "false", ShellQuote(inputs.health_listen),
                  ShellQuote(inputs.health_token_file))));
  entries.push_back(TextEntry("flightcheck-health.service", std::string(HealthUnitTemplate())));
  if (!inputs.payload.empty()) {
    const std::string file = inputs.payload.filename().string();
    auto ends_with = [&file](std::string_view suffix) { return file.ends_with(suffix); };
    const char* name = ends_with(".tar")                           ? "payload.tar"
                       : ends_with(".tar.gz") || ends_with(".tgz") ? "payload.tar.gz"
                                                                   : nullptr;
    if (name == nullptr) {
      return Status::InvalidArgument(fmt::format(
          "payload '{}' must be a .tar, .tar.gz or .tgz file", inputs.payload.string()));
    }
    entries.push_back(FileEntry(name, inputs.payload, "payload", kFileMode));
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.path < b.path; });
  return entries;
}

// Streams the gzipped tarball into a PendingFile of serve_dir, committed as name: a run that dies
// half-way leaves no partial artifact behind.
Result<Artifact> WriteCompressed(const std::vector<Entry>& entries, const fs::path& serve_dir,
                                 const std::string& name) {
  const fs::path path = serve_dir / name;
  Result<PendingFile> file = PendingFile::Create(path);
  if (!file) return file.error();
  // Level 1: the binary's debug information dominates, and the fastest level shrinks it nearly
  // as well as the default at a fraction of the time.
  Result<std::unique_ptr<ArchiveWriter>> writer =
      ArchiveWriter::Open({.format = ArchiveFormat::kTarGz, .compression_level = 1}, &*file);
  if (!writer) return writer.error();
  if (Status status = WriteTar(entries, **writer); !status.ok()) return status;
  Result<std::string> sha256 = (*writer)->FinishSha256();
  if (!sha256) return sha256.error();
  if (Status status = file->Commit(kFileMode); !status.ok()) return status;
  return Artifact{.path = path, .name = name, .sha256 = *sha256, .size = (*writer)->size()};
}

Status RemoveOlderArtifacts(const fs::path& serve_dir, const std::string& keep) {
  std::error_code error;
  for (fs::directory_iterator it(serve_dir, error), end; !error && it != end; it.increment(error)) {
    const std::string file = it->path().filename().string();
    if (file == keep || !file.starts_with(kNamePrefix) || !file.ends_with(kNameSuffix)) continue;
    if (!fs::remove(it->path(), error)) break;
  }
  if (error) {
    return Status::Internal(fmt::format("cannot remove older artifacts in '{}': {}",
                                        serve_dir.string(), error.message()));
  }
  return Status::Ok();
}

}  // namespace

Result<Artifact> WriteArtifact(const ArtifactInputs& inputs, const fs::path& serve_dir) {
  Result<std::vector<Entry>> entries = PlanEntries(inputs);
  if (!entries) return entries.error();

  // The first pass only hashes, because the name must be known before the file is written. It
  // hashes the tar rather than the gzip so that a zlib upgrade does not rename the artifact, and it
  // reads every input, so a missing one fails before serve_dir is touched.
  Result<std::unique_ptr<ArchiveWriter>> tar =
      ArchiveWriter::Open({.format = ArchiveFormat::kTar}, nullptr);
  if (!tar) return tar.error();
  if (Status status = WriteTar(*entries, **tar); !status.ok()) return status;
  Result<std::string> tar_sha256 = (*tar)->FinishSha256();
  if (!tar_sha256) return tar_sha256.error();
  const std::string name =
      fmt::format("{}{}{}", kNamePrefix, tar_sha256->substr(0, 16), kNameSuffix);

  std::error_code error;
  fs::create_directories(serve_dir, error);
  if (error) {
    return Status::FromErrno(fmt::format("cannot create '{}'", serve_dir.string()), error.value());
  }
  // What an interrupted run left on a filesystem without O_TMPFILE (PendingFile); the caller is the
  // only writer, so none of it is in use.
  for (std::string_view target : {"flightcheck-*.tar.gz", "artifact.json"}) {
    if (Status status = RemoveLeftoverTemporaries(serve_dir, target); !status.ok()) return status;
  }
  Result<Artifact> artifact = WriteCompressed(*entries, serve_dir, name);
  if (!artifact) return artifact;
  const nlohmann::json manifest = {{"config_hash", inputs.config_hash},
                                   {"name", artifact->name},
                                   {"sha256", artifact->sha256},
                                   {"size", artifact->size}};
  if (Status status = WriteFileAtomically(serve_dir / "artifact.json", manifest.dump(2) + "\n");
      !status.ok()) {
    return status;
  }
  if (Status status = RemoveOlderArtifacts(serve_dir, name); !status.ok()) return status;
  return artifact;
}

}  // namespace flightcheck
