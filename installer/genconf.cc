#include "installer/genconf.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "checks/text.h"
#include "installer/artifact_rules.h"
#include "runner/bundle_sources.h"
#include "runner/rule_loader.h"

namespace flightcheck {

namespace {

namespace fs = std::filesystem;

// What the holder of a GenconfLock writes into the lock file: "genconf 4242 1714564800\n".
struct LockHolder {
  std::string command;
  int64_t pid = 0;
  time_t started = 0;
};

std::string FormatHolderRecord(std::string_view command) {
  return fmt::format("{} {} {}\n", command, ::getpid(), static_cast<int64_t>(::time(nullptr)));
}

std::optional<LockHolder> ReadHolderRecord(int fd) {
  char buffer[256];
  const ssize_t n = ::pread(fd, buffer, sizeof buffer, 0);
  if (n <= 0) return std::nullopt;
  const std::vector<std::string_view> fields =
      SplitFields(std::string_view(buffer, static_cast<size_t>(n)), " \t\n");
  if (fields.size() != 3) return std::nullopt;
  const std::optional<int64_t> pid = ParseInt64(fields[1]);
  const std::optional<int64_t> started = ParseInt64(fields[2]);
  if (!pid || !started) return std::nullopt;
  return LockHolder{std::string(fields[0]), *pid, static_cast<time_t>(*started)};
}

std::string FormatUtc(time_t time) {
  struct tm tm = {};
  char text[64] = "";
  if (::gmtime_r(&time, &tm) != nullptr) std::strftime(text, sizeof text, "%F %T UTC", &tm);
  return text;
}

// The message for a lock another process holds. The holder records itself right after it takes
// the lock, so an empty record is given a moment to appear.
Status HeldBy(int fd, const fs::path& genconf_dir, const fs::path& lock_path) {
  std::optional<LockHolder> holder = ReadHolderRecord(fd);
  for (int i = 0; i < 50 && !holder; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    holder = ReadHolderRecord(fd);
  }
  if (!holder) {
    return Status::Unavailable(
        fmt::format("another process holds the lock '{}'; run this again when it has finished",
                    lock_path.string()));
  }
  return Status::Unavailable(
      fmt::format("another {} (pid {}, started {}) is running in {}; run this again when it has "
                  "finished",
                  holder->command, holder->pid, FormatUtc(holder->started), genconf_dir.string()));
}

struct PhaseRules {
  std::vector<SourceFile> preflight, postflight;
};

// The detect scripts an artifact carries besides ip-detect (installer/artifact.h): the config key
// naming each, the file used when the key is absent and exists (DC/OS's defaults; "" for none),
// and the input it fills.
struct OptionalScript {
  std::string_view key;
  std::string_view default_path;
  std::optional<std::string> ArtifactInputs::*input;
};
constexpr OptionalScript kOptionalScripts[] = {
    {"ip_detect_public_filename", "", &ArtifactInputs::ip_detect_public_script},
    {"fault_domain_detect_filename", "genconf/fault-domain-detect",
     &ArtifactInputs::fault_domain_detect_script},
};

// Reads the kOptionalScripts into inputs. A key that is set (to anything but "") names a file that
// must be readable; relative paths resolve against the install directory, as every path of the
// config does.
Status ReadOptionalScripts(const ClusterConfig& config, ArtifactInputs* inputs) {
  for (const OptionalScript& script : kOptionalScripts) {
    const auto written = config.values.find(script.key);
    fs::path path;
    if (written != config.values.end()) {
      if (!written->is_string()) {
        return Status::InvalidArgument(fmt::format("{}: must be a path", script.key));
      }
      // "" is DC/OS's way of writing "none" (ip_detect_public_filename's default).
      if (written->get_ref<const std::string&>().empty()) continue;
      path = config.install_dir / written->get<std::string>();
    } else if (!script.default_path.empty() &&
               fs::exists(config.install_dir / script.default_path)) {
      path = config.install_dir / script.default_path;
    } else {
      continue;
    }
    Result<std::string> text = ReadWholeFile(path);
    if (!text) return text.error().WithContext(script.key);
    inputs->*script.input = std::move(*text);
  }
  return Status::Ok();
}

// install.sh selects with --phase, so a file goes to every phase its rules declare.
Result<PhaseRules> ReadArtifactRules(const ClusterConfig& config, DiagnosticList* diagnostics,
                                     std::vector<std::string>* warnings) {
  const size_t builtin_count = config.builtin_rules ? BuiltinRuleSources().size() : 0;
  std::vector<SourceFile> files =
      ArtifactRuleSources(config.builtin_rules, config.custom_rules, diagnostics);
  LoadResult loaded;
  if (diagnostics->empty()) {
    loaded = LoadRules(files, ProbeRegistry::Global());
    *diagnostics = std::move(loaded.diagnostics);
  }
  if (!diagnostics->empty()) {
    return Status::InvalidArgument(fmt::format("{} error{} in rule files; nothing was written",
                                               diagnostics->size(),
                                               diagnostics->size() == 1 ? "" : "s"));
  }
  PhaseRules phases;
  for (size_t i = 0; i < files.size(); ++i) {
    std::set<std::string> declared;
    for (const Rule& rule : loaded.rules.rules) {
      if (rule.location.path == files[i].path) declared.insert(rule.phase);
    }
    if (declared.contains("preflight")) phases.preflight.push_back(files[i]);
    if (declared.contains("postflight")) phases.postflight.push_back(files[i]);
    if (i >= builtin_count && !declared.contains("preflight") && !declared.contains("postflight")) {
      warnings->push_back(fmt::format(
          "custom_rules: {} has no preflight or postflight rule; it is not in the artifact",
          files[i].path));
    }
  }
  return phases;
}

}  // namespace

Result<GenconfLock> GenconfLock::Acquire(const fs::path& genconf_dir, std::string_view command) {
  const fs::path path = genconf_dir / ".lock";
  std::error_code error;
  fs::create_directories(genconf_dir, error);
  if (error) {
    return Status::FromErrno(fmt::format("cannot create '{}'", genconf_dir.string()),
                             error.value());
  }
  Result<FileLock> lock = TryLockFile(path, 0644);
  if (!lock) return lock.error();
  if (lock->held_elsewhere) return HeldBy(lock->fd.get(), genconf_dir, path);
  ScopedFd fd = std::move(lock->fd);
  std::string takeover;
  if (std::optional<LockHolder> stale = ReadHolderRecord(fd.get())) {
    takeover = fmt::format(
        "taking over the lock of {} (pid {}, started {}), which is no longer "
        "running",
        stale->command, stale->pid, FormatUtc(stale->started));
  }
  const std::string record = FormatHolderRecord(command);
  if (::ftruncate(fd.get(), 0) != 0 ||
      ::pwrite(fd.get(), record.data(), record.size(), 0) != static_cast<ssize_t>(record.size())) {
    return Status::FromErrno(fmt::format("cannot write the lock file '{}'", path.string()), errno);
  }
  return GenconfLock(std::move(fd), std::move(takeover));
}

GenconfLock::~GenconfLock() {
  if (fd_.valid()) (void)::ftruncate(fd_.get(), 0);
}

Result<GenconfOutcome> GenerateArtifact(const ClusterConfig& config,
                                        const std::filesystem::path& binary,
                                        DiagnosticList* rule_diagnostics) {
  Result<GenconfLock> lock = GenconfLock::Acquire(config.install_dir / "genconf", "genconf");
  if (!lock) return lock.error();
  GenconfOutcome outcome;
  Result<PhaseRules> rules = ReadArtifactRules(config, rule_diagnostics, &outcome.warnings);
  if (!rules) return rules.error();
  ArtifactInputs inputs;
  inputs.flightcheck_binary = binary;
  inputs.preflight_rules = std::move(rules->preflight);
  inputs.postflight_rules = std::move(rules->postflight);
  inputs.node_config = RenderNodeConfig(config);
  inputs.variables = nlohmann::json(ClusterVariables(config));
  Result<std::string> ip_detect = ReadWholeFile(config.ip_detect_path);
  if (!ip_detect) return ip_detect.error().WithContext("ip_detect_filename");
  inputs.ip_detect_script = std::move(*ip_detect);
  if (Status status = ReadOptionalScripts(config, &inputs); !status.ok()) return status;
  inputs.payload = config.payload_path;
  inputs.install_prefix = config.install_prefix;
  inputs.skip_checks = config.skip_checks;
  // check_time: false turns DC/OS's clock check off, as it did there.
  if (!config.check_time && config.builtin_rules) inputs.skip_checks.push_back("clock.synced");
  inputs.config_hash = ConfigHash(config);
  inputs.cluster_hash = ClusterHash(config);
  inputs.health_daemon = config.health_daemon;
  inputs.health_listen = config.health_listen;
  inputs.health_token_file = config.health_token_file;
  if (!config.bundle_sources_path.empty()) {
    Result<std::string> sources = ReadWholeFile(config.bundle_sources_path, kMaxBundleSourcesBytes);
    if (!sources) return sources.error().WithContext("bundle_sources");
    inputs.bundle_sources = std::move(*sources);
  }
  Result<Artifact> artifact = WriteArtifact(inputs, config.install_dir / "genconf" / "serve");
  if (!artifact) return artifact.error();
  outcome.artifact = std::move(*artifact);
  return outcome;
}

}  // namespace flightcheck
