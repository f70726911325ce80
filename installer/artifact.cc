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

#include "checks/archive_library.h"
#include "checks/file_io.h"
#include "checks/probe.h"
#include "checks/scoped_fd.h"
#include "checks/sha256.h"
#include "checks/text.h"
#include "installer/artifact_rules.h"
#include "installer/install_script.h"
#include "rules/builtin_rules.h"
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

// libarchive is loaded at run time (checks/archive_library.h): each deleter holds it.
struct ArchiveFree {
  const ArchiveLibrary* la;
  void operator()(archive* a) const { la->write_free(a); }
};
struct EntryFree {
  const ArchiveLibrary* la;
  void operator()(archive_entry* e) const { la->entry_free(e); }
};

// Where libarchive's output goes: every byte is hashed and counted, and written to file when there
// is one. Errors are kept here because libarchive only sees "-1" from the callback.
class Sink {
 public:
  explicit Sink(PendingFile* file) : file_(file), error_(digest_.status()) {}

  static la_ssize_t Write(archive* /*a*/, void* self, const void* buffer, size_t length) {
    return static_cast<Sink*>(self)->Append(static_cast<const char*>(buffer), length);
  }

  const Status& error() const { return error_; }
  uint64_t size() const { return size_; }

  Result<std::string> FinishSha256() { return digest_.FinishHex(); }

 private:
  la_ssize_t Append(const char* data, size_t length) {
    if (!error_.ok()) return -1;
    if (file_ != nullptr) error_ = file_->Write(std::string_view(data, length));
    if (!error_.ok()) return -1;
    digest_.Update(std::string_view(data, length));
    size_ += length;
    return static_cast<la_ssize_t>(length);
  }

  PendingFile* file_;
  Sha256Hasher digest_;
  uint64_t size_ = 0;
  Status error_;
};

Status ArchiveError(const ArchiveLibrary& la, archive* a, std::string_view what) {
  const char* message = la.error_string(a);
  return Status::Internal(fmt::format("{}: {}", what, message ? message : "libarchive error"));
}

// Writes one entry with the fixed metadata that makes the bytes reproducible.
Status WriteEntry(const ArchiveLibrary& la, archive* a, const Entry& entry) {
  ScopedFd source;
  int64_t size = static_cast<int64_t>(entry.text.size());
  if (!entry.source.empty()) {
    const std::string name = fmt::format("{} '{}'", entry.what, entry.source.string());
    Result<ScopedFd> opened = OpenRegularFile(entry.source, name);  // a FIFO must not block
    if (!opened) return opened.error();
    source = std::move(*opened);
    struct stat st;
    if (::fstat(source.get(), &st) != 0) return Status::FromErrno("cannot read " + name, errno);
    size = st.st_size;
  }
  std::unique_ptr<archive_entry, EntryFree> header(la.entry_new(), EntryFree{&la});
  la.entry_set_pathname(header.get(), entry.path.c_str());
  la.entry_set_filetype(header.get(), entry.directory ? AE_IFDIR : AE_IFREG);
  la.entry_set_perm(header.get(), entry.mode);
  la.entry_set_size(header.get(), entry.directory ? 0 : size);
  la.entry_set_mtime(header.get(), 0, 0);
  la.entry_set_uid(header.get(), 0);
  la.entry_set_gid(header.get(), 0);
  la.entry_set_uname(header.get(), "root");
  la.entry_set_gname(header.get(), "root");
  if (la.write_header(a, header.get()) != ARCHIVE_OK) {
    return ArchiveError(la, a, "cannot add " + entry.path);
  }
  if (entry.source.empty()) {
    if (!entry.text.empty() && la.write_data(a, entry.text.data(), entry.text.size()) != size) {
      return ArchiveError(la, a, "cannot add " + entry.path);
    }
    return Status::Ok();
  }
  // Exactly the size in the header: a file that changes while it is copied is an error, not a
  // corrupt tarball.
  char buffer[64 << 10];
  for (int64_t left = size; left > 0;) {
    const ssize_t n = ::read(source.get(), buffer, std::min<int64_t>(left, sizeof buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("cannot read " + entry.source.string(), errno);
    if (n == 0) return Status::Internal(entry.source.string() + " shrank while it was copied");
    if (la.write_data(a, buffer, static_cast<size_t>(n)) != n) {
      return ArchiveError(la, a, "cannot add " + entry.path);
    }
    left -= n;
  }
  return Status::Ok();
}

// Writes the whole tarball (gzipped or not) into sink.
Status WriteTar(const std::vector<Entry>& entries, bool gzip, Sink* sink) {
  Result<const ArchiveLibrary*> loaded = Archive();
  if (!loaded) return loaded.error();
  const ArchiveLibrary& la = **loaded;
  std::unique_ptr<archive, ArchiveFree> a(la.write_new(), ArchiveFree{&la});
  if (!a) return Status::Internal("cannot create a libarchive writer");
  // pax_restricted is plain ustar unless an entry needs more; gzip's default header carries the
  // time of writing, which would make every artifact different. Level 1: the binary's debug
  // information dominates, and the fastest level shrinks it nearly as well as the default at a
  // fraction of the time.
  if (la.write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      (gzip
           ? la.write_add_filter_gzip(a.get()) != ARCHIVE_OK ||
                 la.write_set_filter_option(a.get(), "gzip", "timestamp", nullptr) != ARCHIVE_OK ||
                 la.write_set_filter_option(a.get(), "gzip", "compression-level", "1") != ARCHIVE_OK
           : la.write_add_filter_none(a.get()) != ARCHIVE_OK)) {
    return ArchiveError(la, a.get(), "cannot set up the tar writer");
  }
  if (la.write_open2(a.get(), sink, nullptr, &Sink::Write, nullptr, nullptr) != ARCHIVE_OK) {
    return sink->error().ok() ? ArchiveError(la, a.get(), "cannot start the tarball")
                              : sink->error();
  }
  for (const Entry& entry : entries) {
    Status status = WriteEntry(la, a.get(), entry);
    if (!status.ok()) return sink->error().ok() ? status : sink->error();
  }
  if (la.write_close(a.get()) != ARCHIVE_OK) {
    return sink->error().ok() ? ArchiveError(la, a.get(), "cannot finish the tarball")
                              : sink->error();
  }
  return sink->error();
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
  Sink sink(&*file);
  if (Status status = WriteTar(entries, /*gzip=*/true, &sink); !status.ok()) return status;
  Result<std::string> sha256 = sink.FinishSha256();
  if (!sha256) return sha256.error();
  if (Status status = file->Commit(kFileMode); !status.ok()) return status;
  return Artifact{.path = path, .name = name, .sha256 = *sha256, .size = sink.size()};
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
  Sink tar_sink(nullptr);
  if (Status status = WriteTar(*entries, /*gzip=*/false, &tar_sink); !status.ok()) return status;
  Result<std::string> tar_sha256 = tar_sink.FinishSha256();
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
