#include "installer/stage_run.h"

#include <unistd.h>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "checks/text.h"
#include "installer/deploy_gate.h"
#include "installer/stage_report.h"
#include "runner/report.h"

namespace flightcheck {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// The remote script's way of saying "the artifact is not here yet": no install.sh exit code.
constexpr int kNeedsArtifact = 97;

std::filesystem::path GenconfDir(const ClusterConfig& config) {
  return config.install_dir / "genconf";
}

Result<ArtifactRef> LoadArtifactRef(const ClusterConfig& config) {
  const std::filesystem::path serve = GenconfDir(config) / "serve";
  Result<std::string> text = ReadWholeFile(serve / "artifact.json");
  if (!text) {
    return Status::InvalidArgument(fmt::format("{} not found: run `flightcheck genconf` first",
                                               (serve / "artifact.json").string()));
  }
  const nlohmann::json index = nlohmann::json::parse(*text, nullptr, false);
  if (!index.is_object() || !index.value("name", nlohmann::json()).is_string() ||
      !index.value("sha256", nlohmann::json()).is_string() ||
      !index.value("config_hash", nlohmann::json()).is_string()) {
    return Status::InvalidArgument(fmt::format("{} is damaged: run `flightcheck genconf` again",
                                               (serve / "artifact.json").string()));
  }
  ArtifactRef artifact;
  artifact.name = index["name"].get<std::string>();
  artifact.sha256 = index["sha256"].get<std::string>();
  artifact.stem = artifact.name.substr(0, artifact.name.find(".tar"));
  artifact.path = serve / artifact.name;
  if (index["config_hash"].get<std::string>() != ConfigHash(config)) {
    return Status::InvalidArgument(fmt::format(
        "{} was generated from another config.yaml, or a file it packs (ip-detect scripts, "
        "payload, custom rules) changed since: run `flightcheck genconf` again",
        artifact.path.string()));
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(artifact.path, ec)) {
    return Status::InvalidArgument(
        fmt::format("{} is missing: run `flightcheck genconf` again", artifact.path.string()));
  }
  return artifact;
}

// Extracts the artifact on first use (into a temporary directory renamed into place, so an
// interrupted extraction is never mistaken for a complete one) and runs install.sh with args.
std::string WithArtifactCommand(const ArtifactRef& artifact, const std::string& args) {
  return fmt::format(
      "d={dir}; a=\"$d/{name}\"; x=\"$d/{stem}\"\n"
      "if [ ! -f \"$x/install.sh\" ]; then\n"
      "  if [ ! -f \"$a\" ] || [ \"$(sha256sum < \"$a\" | cut -d' ' -f1)\" != {sha} ]; then "
      "exit {need}; fi\n"
      "  rm -rf \"$x.tmp\" && mkdir -p \"$x.tmp\" && tar -xzf \"$a\" -C \"$x.tmp\" && "
      "mv \"$x.tmp\" \"$x\" || exit 1\n"
      "fi\n"
      "exec sh \"$x/install.sh\" {args}\n",
      fmt::arg("dir", kRemoteArtifactDir), fmt::arg("name", artifact.name),
      fmt::arg("stem", artifact.stem), fmt::arg("sha", artifact.sha256),
      fmt::arg("need", kNeedsArtifact), fmt::arg("args", args));
}

// Removes the artifacts on a host other than this one and the installed one (named by the
// install record), so that hosts do not collect one per genconf.
std::string CollectOldArtifactsCommand(const ArtifactRef& artifact,
                                       const std::string& install_prefix) {
  return fmt::format(
      "cd {dir} || exit 0\n"
      "installed=$(sed -n 's/^artifact=//p' {record} 2>/dev/null)\n"
      "for f in flightcheck-*; do\n"
      "  [ -e \"$f\" ] || continue\n"
      "  case $f in {stem} | {stem}.tar.gz) continue ;; esac\n"
      "  if [ -n \"$installed\" ]; then\n"
      "    case $f in \"$installed\" | \"$installed.tar.gz\") continue ;; esac\n"
      "  fi\n"
      "  rm -rf \"$f\" && echo \"removed $f\"\n"
      "done\n",
      fmt::arg("dir", kRemoteArtifactDir),
      fmt::arg("record", ShellQuote(install_prefix + "/.flightcheck-installed")),
      fmt::arg("stem", artifact.stem));
}

bool ReportOnlyIncomplete(const HostState& host) {
  return host.report.is_object() && host.report.value("exit_code", nlohmann::json()) == kExitError;
}

int StageExitCode(const StageState& state) {
  bool failed = false, incomplete = false;
  for (const HostState& host : state.hosts) {
    switch (host.status) {
      case HostStatus::kSuccess:
      case HostStatus::kInstalled:
        break;
      case HostStatus::kFailed:
        (ReportOnlyIncomplete(host) ? incomplete : failed) = true;
        break;
      default:
        incomplete = true;
    }
  }
  return failed ? kExitFailed : incomplete ? kExitError : kExitOk;
}

int IntOr(const nlohmann::json& object, const char* key, int fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

}  // namespace

StageRun::StageRun(const ClusterConfig& config, const StageOptions& options, GenconfLock lock,
                   FanOutOptions fan_out_options)
    : config_(config),
      options_(options),
      lock_(std::move(lock)),
      fan_out_(std::move(fan_out_options), ConfigHash(config)),
      cluster_hash_(ClusterHash(config)) {}

std::unique_ptr<StageRun> StageRun::Start(const std::string& stage, const ClusterConfig& config,
                                          const StageOptions& options, bool needs_artifact,
                                          int* exit_code) {
  Result<GenconfLock> lock = GenconfLock::Acquire(GenconfDir(config), stage);
  if (!lock) {
    fmt::print(options.err, "flightcheck: error: {}: {}\n", stage, lock.error().message());
    *exit_code = kExitError;
    return nullptr;
  }
  if (!lock->takeover_note().empty()) {
    fmt::print(options.err, "flightcheck: note: {}\n", lock->takeover_note());
  }
  ArtifactRef artifact;
  if (needs_artifact) {
    Result<ArtifactRef> loaded = LoadArtifactRef(config);
    if (!loaded) {
      fmt::print(options.err, "flightcheck: error: {}\n", loaded.error().message());
      *exit_code = kExitInvalidInput;
      return nullptr;
    }
    artifact = std::move(*loaded);
  }
  FanOutOptions fan_out;
  fan_out.stage = stage;
  fan_out.base_dir = config.install_dir;
  fan_out.state_path = GenconfDir(config) / "state" / (stage + ".json");
  fan_out.log_dir = std::filesystem::path("genconf") / "logs" / stage;
  fan_out.ssh.user = config.ssh_user.empty() ? "root" : config.ssh_user;
  fan_out.ssh.port = config.ssh_port;
  fan_out.ssh.identity_file = config.ssh_key_path;
  fan_out.ssh.known_hosts = config.ssh_known_hosts_path;
  fan_out.ssh.accept_new_host_keys = config.ssh_accept_new_host_keys;
  fan_out.ssh.connect_timeout = seconds(config.ssh_connect_timeout);
  fan_out.ssh.extra_options = config.extra_ssh_options;
  fan_out.parallelism = config.ssh_parallelism;
  fan_out.progress = options.progress;
  fan_out.err = options.err;
  fan_out.stop = options.stop;
  fan_out.stop_signal = options.stop_signal;
  std::unique_ptr<StageRun> run(
      new StageRun(config, options, std::move(*lock), std::move(fan_out)));
  run->artifact_ = std::move(artifact);
  run->state().artifact = run->artifact_.name;
  return run;
}

asio::awaitable<RemoteResult> StageRun::RunInstallScript(HostState& host, SshConnection& connection,
                                                         const std::string& args,
                                                         milliseconds timeout, int stdout_fd) {
  const std::string command = WithArtifactCommand(artifact_, args);
  const std::string step = "install.sh " + args.substr(0, args.find(" --"));
  const auto rewind = [stdout_fd] {
    if (stdout_fd >= 0 && ::ftruncate(stdout_fd, 0) == 0) ::lseek(stdout_fd, 0, SEEK_SET);
  };
  rewind();
  RemoteResult result =
      co_await fan_out_.RunStep(host, connection, step, command, timeout, "/dev/null", stdout_fd);
  if (result.exit_code != kNeedsArtifact) co_return result;
  RemoteResult copy =
      co_await fan_out_.EnsureRemoteFile(host, connection, artifact_.path, artifact_.sha256,
                                         kRemoteArtifactDir, artifact_.name, command_timeout());
  if (copy.exit_code != 0) co_return copy;
  (void)co_await fan_out_.RunStep(host, connection, "remove old artifacts",
                                  CollectOldArtifactsCommand(artifact_, config_.install_prefix),
                                  command_timeout());
  rewind();
  co_return co_await fan_out_.RunStep(host, connection, step, command, timeout, "/dev/null",
                                      stdout_fd);
}

asio::awaitable<bool> StageRun::SettleByInstallRecord(HostState& host, SshConnection& connection,
                                                      HostStatus already) {
  const RemoteResult read = co_await fan_out_.RunStep(
      host, connection, "read install record",
      fmt::format("cat {} 2>/dev/null; exit 0",
                  ShellQuote(config_.install_prefix + "/.flightcheck-installed")),
      command_timeout());
  std::optional<InstallRecord> record;
  if (read.exit_code == 0) {
    Result<std::optional<InstallRecord>> parsed = ParseInstallRecord(read.stdout_text);
    if (!parsed) {
      // Something is installed, but what is unknown: never install over it.
      host.status = HostStatus::kFailed;
      host.message = fmt::format("cannot read the install record {}/.flightcheck-installed: {}",
                                 config_.install_prefix, parsed.error().message());
      co_return true;
    }
    record = std::move(*parsed);
  }
  const InstallComparison installed = CompareInstall(record, artifact_.stem, state().config_hash,
                                                     cluster_hash_, host.role, host.address);
  if (installed.match == InstallMatch::kNone) co_return false;
  const bool ours =
      installed.match == InstallMatch::kSame || installed.match == InstallMatch::kSameCluster;
  host.status = ours ? already : HostStatus::kFailed;
  host.message = installed.message;
  co_return true;
}

int StageRun::Conclude(bool with_reports) {
  fan_out_.Finish();
  const bool stopped = fan_out_.stopping();
  const int signal = options_.stop_signal ? options_.stop_signal() : 0;
  const int exit_code =
      stopped ? (signal > 0 ? 128 + signal : kExitError) : StageExitCode(fan_out_.state());
  PrintStageOutcome(fan_out_.state(), options_, exit_code, with_reports);
  if (stopped) {
    fmt::print(options_.err,
               "{}: stopped by {}: the remote work was stopped, {} host(s) are marked terminated "
               "in {}; run `flightcheck {}` again to carry on.\n",
               state().stage, fan_out_.StopCause(), state().Count(HostStatus::kTerminated),
               fan_out_.options().state_path.string(), state().stage);
  }
  return exit_code;
}

void ApplyReport(HostState& host, const RemoteResult& result, std::string_view stage,
                 int process_timeout) {
  if (result.timed_out) {
    host.status = HostStatus::kTerminated;
    host.message = fmt::format("{} did not finish within {}s (process_timeout) and was killed",
                               stage, process_timeout);
    return;
  }
  nlohmann::json report = result.stdout_truncated
                              ? nlohmann::json(nlohmann::json::value_t::discarded)
                              : nlohmann::json::parse(result.stdout_text, nullptr, false);
  const bool usable = report.is_object() && report.contains("results") &&
                      report["results"].is_array() &&
                      (!report.contains("exit_code") || report["exit_code"].is_number_integer());
  if (!usable) {
    host.status = HostStatus::kFailed;
    host.report = nullptr;
    const std::string why =
        result.stdout_truncated
            ? fmt::format("its output was cut at {} MiB", kRemoteOutputCap >> 20)
        : report.is_discarded() ? LastLine(result.stderr_text + "\n" + result.stdout_text)
                                : "the report is not a flightcheck check report";
    host.message = fmt::format("no {} report from the host (exit {}){}{}", stage, result.exit_code,
                               why.empty() ? "" : ": ", EscapeControl(why));
    return;
  }
  const int exit_code = IntOr(report, "exit_code", result.exit_code);
  const nlohmann::json summary = report.contains("summary") && report["summary"].is_object()
                                     ? report["summary"]
                                     : nlohmann::json::object();
  host.report = std::move(report);
  if (exit_code == kExitOk || exit_code == kExitWarnings) {
    host.status = HostStatus::kSuccess;
    host.message.clear();
    return;
  }
  host.status = HostStatus::kFailed;
  const std::vector<std::string> rules = FailedRuleIds(host.report);
  host.message =
      fmt::format("{} failed, {} could not be evaluated{}{}", IntOr(summary, "fail", 0),
                  IntOr(summary, "error", 0), rules.empty() ? "" : ": ", fmt::join(rules, ", "));
}

void ApplyCommandResult(HostState& host, const RemoteResult& result, std::string_view what,
                        int process_timeout) {
  if (result.timed_out) {
    host.status = HostStatus::kTerminated;
    host.message =
        fmt::format("{} did not finish within {}s (process_timeout)", what, process_timeout);
  } else if (result.exit_code != 0) {
    host.status = HostStatus::kFailed;
    host.message = EscapeControl(LastLine(result.stdout_text + "\n" + result.stderr_text));
  } else {
    host.status = HostStatus::kSuccess;
    host.message = EscapeControl(LastLine(result.stdout_text));
  }
}

}  // namespace flightcheck
