#include "installer/stages.h"

#include <stdlib.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "checks/file_io.h"
#include "checks/text.h"
#include "runner/fleet.h"
#include "runner/matcher.h"
#include "runner/report.h"
#include "runner/ssh_connection.h"

namespace flightcheck {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

namespace {

// Where artifacts live on a host. Uninstall removes the directory, so a host's /opt is left as
// it was found.
constexpr const char* kRemoteDir = "/opt/flightcheck";
// The remote script's way of saying "the artifact is not here yet": no install.sh exit code.
constexpr int kNeedsArtifact = 97;

struct ArtifactRef {
  std::string name;    // flightcheck-<hash>.tar.gz
  std::string stem;    // flightcheck-<hash>: the directory it is extracted to on a host
  std::string sha256;  // of the file
  std::filesystem::path path;
};

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
      !index.value("sha256", nlohmann::json()).is_string()) {
    return Status::InvalidArgument(fmt::format("{} is damaged: run `flightcheck genconf` again",
                                               (serve / "artifact.json").string()));
  }
  ArtifactRef artifact;
  artifact.name = index["name"].get<std::string>();
  artifact.sha256 = index["sha256"].get<std::string>();
  artifact.stem = artifact.name.substr(0, artifact.name.find(".tar"));
  artifact.path = serve / artifact.name;
  const std::string hash = index.value("config_hash", "");
  if (hash != ConfigHash(config)) {
    return Status::InvalidArgument(
        fmt::format("{} was generated from another config.yaml: run `flightcheck genconf` again",
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
      fmt::arg("dir", kRemoteDir), fmt::arg("name", artifact.name), fmt::arg("stem", artifact.stem),
      fmt::arg("sha", artifact.sha256), fmt::arg("need", kNeedsArtifact), fmt::arg("args", args));
}

std::string CopyArtifactCommand(const ArtifactRef& artifact) {
  return fmt::format(
      "mkdir -p {dir} && cat > {dir}/{name}.part && mv {dir}/{name}.part {dir}/{name}",
      fmt::arg("dir", kRemoteDir), fmt::arg("name", artifact.name));
}

// Runs every install.sh found on the host (one per artifact extracted there), then removes the
// artifacts.
std::string UninstallCommand() {
  return fmt::format(
      "d={dir}; rc=0; found=0\n"
      "for s in \"$d\"/flightcheck-*/install.sh; do\n"
      "  [ -f \"$s\" ] || continue; found=1; sh \"$s\" uninstall || rc=$?\n"
      "done\n"
      "[ $found = 1 ] || echo \"nothing installed by flightcheck on this host\"\n"
      "rm -rf \"$d\"\n"
      "exit $rc\n",
      fmt::arg("dir", kRemoteDir));
}

std::string Observed(const nlohmann::json& result) {
  if (result.value("status", "") == "error") return result.value("error", "");
  const std::string detail = result.value("detail", "");
  if (!detail.empty()) return detail;
  const nlohmann::json& facts = result.contains("facts") ? result["facts"] : nlohmann::json();
  const nlohmann::json& expect = result.contains("expect") ? result["expect"] : nlohmann::json();
  std::string observed;
  if (expect.is_object() && !facts.is_null()) {
    for (const auto& [key, ignored] : expect.items()) {
      std::optional<nlohmann::json> value = LookupFact(facts, key);
      if (!value) continue;
      observed += (observed.empty() ? "" : ", ") +
                  (value->is_string() ? value->get<std::string>() : FormatObserved(*value));
    }
  }
  return observed.empty() ? result.value("message", "") : observed;
}

// A host that reported could-not-evaluate (exit 3) is incomplete rather than failed.
bool ReportOnlyIncomplete(const HostState& host) {
  return host.report.is_object() && host.report.value("exit_code", 0) == kExitError;
}

int StageExitCode(const StageState& state) {
  bool failed = false, incomplete = false;
  for (const HostState& host : state.hosts) {
    switch (host.status) {
      case HostStatus::kSuccess:
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

class StageRunner {
 public:
  using HostBody = std::function<asio::awaitable<void>(HostState&, SshConnection&)>;

  StageRunner(std::string stage, const ClusterConfig& config, const StageOptions& options)
      : config_(config), options_(options), reaper_(io_) {
    state_.stage = std::move(stage);
    state_.config_hash = ConfigHash(config);
    state_.started_at = NowRfc3339();
    ssh_.user = config.ssh_user.empty() ? "root" : config.ssh_user;
    ssh_.port = config.ssh_port;
    ssh_.identity_file = config.ssh_key_path;
    ssh_.known_hosts = config.ssh_known_hosts_path;
    ssh_.accept_new_host_keys = config.ssh_accept_new_host_keys;
    ssh_.connect_timeout = seconds(config.ssh_connect_timeout);
    ssh_.extra_options = config.extra_ssh_options;
    // sun_path holds ~108 bytes: control sockets go to a short directory of their own.
    char control_dir[] = "/tmp/fc-ssh-XXXXXX";
    if (::mkdtemp(control_dir) != nullptr) ssh_.control_dir = control_dir;
  }

  ~StageRunner() {
    std::error_code ignored;
    if (!ssh_.control_dir.empty()) std::filesystem::remove_all(ssh_.control_dir, ignored);
  }

  StageState& state() { return state_; }
  const ClusterConfig& config() const { return config_; }
  milliseconds command_timeout() const { return seconds(config_.process_timeout); }

  std::filesystem::path StatePath() const {
    return GenconfDir(config_) / "state" / (state_.stage + ".json");
  }

  // Adds a host as unstarted and starts its log afresh.
  void AddHost(const TargetHost& target) {
    HostState host;
    host.address = target.address;
    host.role = target.role;
    ResetHost(host);
    state_.hosts.push_back(std::move(host));
  }

  void ResetHost(HostState& host) {
    const std::filesystem::path log =
        std::filesystem::path("genconf") / "logs" / state_.stage / (host.address + ".log");
    host.status = HostStatus::kUnstarted;
    host.message.clear();
    host.report = nullptr;
    host.log = log.string();
    std::error_code ec;
    std::filesystem::create_directories((config_.install_dir / log).parent_path(), ec);
    (void)WriteFileAtomically(config_.install_dir / log, "");
  }

  void Save() {
    if (Status s = WriteStageState(StatePath(), state_); !s.ok()) {
      fmt::print(options_.err, "flightcheck: warning: {}\n", s.message());
    }
  }

  // Works on the hosts at indexes, ssh_parallelism at a time.
  void Run(const std::vector<size_t>& indexes, const HostBody& body) {
    Save();
    RunBounded(io_, indexes.size(), config_.ssh_parallelism,
               [&](size_t i) -> asio::awaitable<void> {
                 co_await RunHost(state_.hosts[indexes[i]], body);
               });
  }

  void Finish() {
    state_.finished_at = NowRfc3339();
    Save();
    if (options_.progress) fmt::print(options_.err, "\r\033[K");
  }

  // Runs command on the host and appends what happened to its log.
  asio::awaitable<RemoteResult> RunLogged(HostState& host, SshConnection& connection,
                                          const std::string& what, const std::string& command,
                                          milliseconds timeout,
                                          const std::string& stdin_path = "/dev/null") {
    const std::string started = NowRfc3339();
    RemoteResult result = co_await connection.Run(command, timeout, stdin_path);
    AppendLog(host,
              fmt::format("== {} {}\n--- stdout\n{}--- stderr\n{}== exit {}{} after {:.1f}s\n",
                          started, what, result.stdout_text, result.stderr_text, result.exit_code,
                          result.timed_out ? " (timed out)" : "", result.seconds));
    co_return result;
  }

  // Runs install.sh args from the artifact, copying the artifact first when the host lacks it.
  asio::awaitable<RemoteResult> RunInstallScript(HostState& host, SshConnection& connection,
                                                 const ArtifactRef& artifact,
                                                 const std::string& args, milliseconds timeout) {
    const std::string command = WithArtifactCommand(artifact, args);
    RemoteResult result =
        co_await RunLogged(host, connection, "install.sh " + args, command, timeout);
    if (result.exit_code != kNeedsArtifact) co_return result;
    RemoteResult copy =
        co_await RunLogged(host, connection, "copy " + artifact.name, CopyArtifactCommand(artifact),
                           command_timeout(), artifact.path.string());
    if (copy.exit_code != 0) {
      copy.stderr_text = "copying the artifact failed: " + LastLine(copy.stderr_text);
      co_return copy;
    }
    co_return co_await RunLogged(host, connection, "install.sh " + args, command, timeout);
  }

  void AppendLog(const HostState& host, const std::string& text) {
    if (FILE* log = std::fopen((config_.install_dir / host.log).c_str(), "a")) {
      std::fwrite(text.data(), 1, text.size(), log);
      std::fclose(log);
    }
  }

  void Progress() {
    if (!options_.progress) return;
    const int done = static_cast<int>(state_.hosts.size()) - state_.Count(HostStatus::kUnstarted) -
                     state_.Count(HostStatus::kRunning);
    fmt::print(options_.err, "\r\033[K{}: {}/{} hosts done, {} running, {} failed, {} unreachable",
               state_.stage, done, state_.hosts.size(), state_.Count(HostStatus::kRunning),
               state_.Count(HostStatus::kFailed), state_.Count(HostStatus::kUnreachable));
    std::fflush(options_.err);
  }

 private:
  asio::awaitable<void> RunHost(HostState& host, const HostBody& body) {
    const auto started = Clock::now();
    host.status = HostStatus::kRunning;
    host.started_at = NowRfc3339();
    host.finished_at.clear();
    Save();
    Progress();
    SshConnection connection(reaper_, ssh_, host.address);
    const ConnectResult connected = co_await connection.Connect();
    if (!connected.ok()) {
      host.status = HostStatus::kUnreachable;
      host.message = connected.message;
      AppendLog(host, fmt::format("== {} connect: {}\n", NowRfc3339(), connected.message));
    } else {
      co_await body(host, connection);
    }
    host.finished_at = NowRfc3339();
    host.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    Save();
    Progress();
  }

  const ClusterConfig& config_;
  const StageOptions& options_;
  StageState state_;
  asio::io_context io_;
  ProcessReaper reaper_;
  SshOptions ssh_;
};

// Sets the host's status from a check report printed by install.sh preflight/postflight.
void ApplyReport(HostState& host, const RemoteResult& result, std::string_view stage,
                 int process_timeout) {
  if (result.timed_out) {
    host.status = HostStatus::kTerminated;
    host.message = fmt::format("{} did not finish within {}s (process_timeout) and was killed",
                               stage, process_timeout);
    return;
  }
  nlohmann::json report = nlohmann::json::parse(result.stdout_text, nullptr, false);
  if (!report.is_object() || !report.contains("results")) {
    host.status = HostStatus::kFailed;
    host.report = nullptr;
    const std::string why = LastLine(result.stderr_text + "\n" + result.stdout_text);
    host.message = fmt::format("no {} report from the host (exit {}){}{}", stage, result.exit_code,
                               why.empty() ? "" : ": ", why);
    return;
  }
  const int exit_code = report.value("exit_code", result.exit_code);
  const nlohmann::json summary = report.value("summary", nlohmann::json::object());
  host.report = std::move(report);
  if (exit_code == kExitOk || exit_code == kExitWarnings) {
    host.status = HostStatus::kSuccess;
    host.message.clear();
    return;
  }
  host.status = HostStatus::kFailed;
  host.message = fmt::format("{} failed, {} could not be evaluated", summary.value("fail", 0),
                             summary.value("error", 0));
}

// Sets the host's status from install.sh install/uninstall: killed at the timeout, failed with its
// last line, or done.
void ApplyCommandResult(HostState& host, const RemoteResult& result, std::string_view what,
                        int process_timeout) {
  if (result.timed_out) {
    host.status = HostStatus::kTerminated;
    host.message =
        fmt::format("{} did not finish within {}s (process_timeout)", what, process_timeout);
  } else if (result.exit_code != 0) {
    host.status = HostStatus::kFailed;
    host.message = LastLine(result.stdout_text + "\n" + result.stderr_text);
  } else {
    host.status = HostStatus::kSuccess;
    host.message = LastLine(result.stdout_text);
  }
}

// Lines for hosts that did not succeed for a reason other than their rules.
std::string HostProblems(const StageState& state, bool with_reports) {
  std::string text;
  for (const HostState& host : state.hosts) {
    if (host.status == HostStatus::kSuccess) continue;
    if (with_reports && host.report.is_object()) continue;  // shown grouped by rule
    text += fmt::format("{} ({}): {}{}{}\n", host.address, host.role, HostStatusName(host.status),
                        host.message.empty() ? "" : ": ", host.message);
    if (host.status == HostStatus::kFailed) text += fmt::format("      log: {}\n", host.log);
  }
  return text;
}

void PrintOutcome(const StageState& state, const StageOptions& options, int exit_code,
                  bool with_reports) {
  if (options.json) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const HostState& host : state.hosts) {
      hosts.push_back({{"address", host.address},
                       {"role", host.role},
                       {"status", HostStatusName(host.status)},
                       {"message", host.message},
                       {"log", host.log},
                       {"report", host.report}});
    }
    nlohmann::json summary = {{"hosts", state.hosts.size()}};
    for (HostStatus status : {HostStatus::kSuccess, HostStatus::kFailed, HostStatus::kUnreachable,
                              HostStatus::kTerminated, HostStatus::kUnstarted}) {
      summary[std::string(HostStatusName(status))] = state.Count(status);
    }
    const nlohmann::json document = {{"schema", "flightcheck/fleet-report/v1"},
                                     {"stage", state.stage},
                                     {"config_hash", state.config_hash},
                                     {"started_at", state.started_at},
                                     {"finished_at", state.finished_at},
                                     {"forced", state.forced},
                                     {"exit_code", exit_code},
                                     {"summary", summary},
                                     {"hosts", hosts}};
    fmt::print(options.out, "{}\n", document.dump(2));
    return;
  }
  std::string text = with_reports ? GroupFailuresByRule(state) : "";
  text += HostProblems(state, with_reports);
  text += fmt::format("{} out of {} hosts successfully completed {} stage.\n",
                      state.Count(HostStatus::kSuccess), state.hosts.size(), state.stage);
  fmt::print(options.out, "{}", text);
}

// Ends a stage: state file finished, outcome printed; returns the exit code.
int Conclude(StageRunner& runner, const StageOptions& options, bool with_reports) {
  runner.Finish();
  const int exit_code = StageExitCode(runner.state());
  PrintOutcome(runner.state(), options, exit_code, with_reports);
  return exit_code;
}

int ReportArtifactProblem(const Status& status, const StageOptions& options) {
  fmt::print(options.err, "flightcheck: error: {}\n", status.message());
  return kExitInvalidInput;
}

std::vector<size_t> AllIndexes(const StageState& state) {
  std::vector<size_t> indexes(state.hosts.size());
  for (size_t i = 0; i < indexes.size(); ++i) indexes[i] = i;
  return indexes;
}

}  // namespace

std::vector<TargetHost> TargetHosts(const ClusterConfig& config) {
  std::vector<TargetHost> hosts;
  for (const std::string& address : config.master_list) hosts.push_back({address, "master"});
  for (const std::string& address : config.agent_list) hosts.push_back({address, "agent"});
  for (const std::string& address : config.public_agent_list) {
    hosts.push_back({address, "public_agent"});
  }
  return hosts;
}

std::string GroupFailuresByRule(const StageState& state) {
  struct Group {
    std::string hint;
    int evaluated = 0;
    std::vector<std::string> hosts;  // "10.0.0.4 (1.12.6)"
  };
  // One map per status, in the order people read them.
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"fail", "failed on"}, {"error", "could not be evaluated on"}, {"warn", "warned on"}};
  std::map<std::string, std::map<std::string, Group>> groups;
  std::map<std::string, int> evaluated;
  for (const HostState& host : state.hosts) {
    if (!host.report.is_object() || !host.report["results"].is_array()) continue;
    for (const nlohmann::json& result : host.report["results"]) {
      const std::string id = result.value("id", "");
      ++evaluated[id];
      const std::string status = result.value("status", "");
      if (status != "fail" && status != "error" && status != "warn") continue;
      Group& group = groups[status][id];
      group.hint = result.value("hint", "");
      const std::string observed = Observed(result);
      group.hosts.push_back(observed.empty() ? host.address
                                             : fmt::format("{} ({})", host.address, observed));
    }
  }
  std::string text;
  for (const auto& [status, verb] : kinds) {
    for (const auto& [id, group] : groups[status]) {
      text += fmt::format("{} {} {} of {} hosts: {}\n", id, verb, group.hosts.size(), evaluated[id],
                          fmt::join(group.hosts, ", "));
      if (!group.hint.empty() && status != "warn")
        text += fmt::format("      hint: {}\n", group.hint);
    }
  }
  return text;
}

int RunPreflightStage(const ClusterConfig& config, const StageOptions& options) {
  Result<ArtifactRef> artifact = LoadArtifactRef(config);
  if (!artifact) return ReportArtifactProblem(artifact.error(), options);
  StageRunner runner("preflight", config, options);
  runner.state().artifact = artifact->name;
  for (const TargetHost& host : TargetHosts(config)) runner.AddHost(host);
  runner.Run(AllIndexes(runner.state()),
             [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
               const RemoteResult result = co_await runner.RunInstallScript(
                   host, connection, *artifact,
                   fmt::format("preflight {} --format json --color never --var config_host_ip={}",
                               host.role, host.address),
                   runner.command_timeout());
               ApplyReport(host, result, "preflight", config.process_timeout);
             });
  return Conclude(runner, options, /*with_reports=*/true);
}

int RunPostflightStage(const ClusterConfig& config, const StageOptions& options) {
  Result<ArtifactRef> artifact = LoadArtifactRef(config);
  if (!artifact) return ReportArtifactProblem(artifact.error(), options);
  StageRunner runner("postflight", config, options);
  runner.state().artifact = artifact->name;
  for (const TargetHost& host : TargetHosts(config)) runner.AddHost(host);
  const seconds timeout = options.postflight_timeout.value_or(seconds(config.postflight_timeout));
  const auto deadline = Clock::now() + timeout;
  if (!options.json) {
    fmt::print(options.err, "postflight: waiting up to {} for the postflight rules to pass\n",
               FormatDuration(std::chrono::duration_cast<milliseconds>(timeout)));
  }
  runner.Run(
      AllIndexes(runner.state()),
      [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
        asio::steady_timer pause(co_await asio::this_coro::executor);
        for (int round = 1;; ++round) {
          // Each round's rules retry within what is left of the wait, but no longer than one
          // remote command may take: the real final status comes back either way.
          const auto left = std::chrono::duration_cast<seconds>(deadline - Clock::now());
          const seconds round_deadline =
              std::clamp(left, seconds(1), seconds(std::max(1, config.process_timeout - 5)));
          const RemoteResult result = co_await runner.RunInstallScript(
              host, connection, *artifact,
              fmt::format("postflight {} --format json --color never --deadline {}s", host.role,
                          round_deadline.count()),
              runner.command_timeout());
          ApplyReport(host, result, "postflight", config.process_timeout);
          if (host.status == HostStatus::kSuccess || Clock::now() >= deadline) break;
          if (!options.json && !options.progress) {
            fmt::print(options.err, "postflight: {} ({}) not passing yet after round {}: {}\n",
                       host.address, host.role, round, host.message);
          }
          pause.expires_after(std::min<Clock::duration>(seconds(5), deadline - Clock::now()));
          boost::system::error_code ignored;
          co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
          runner.Progress();
        }
      });
  return Conclude(runner, options, /*with_reports=*/true);
}

int RunDeployStage(const ClusterConfig& config, const StageOptions& options) {
  Result<ArtifactRef> artifact = LoadArtifactRef(config);
  if (!artifact) return ReportArtifactProblem(artifact.error(), options);
  StageRunner runner("deploy", config, options);
  runner.state().artifact = artifact->name;
  const std::vector<TargetHost> all = TargetHosts(config);

  std::vector<TargetHost> targets = all;
  if (options.retry_failed) {
    Result<StageState> previous = ReadStageState(runner.StatePath());
    if (!previous || previous->config_hash != runner.state().config_hash) {
      fmt::print(options.err,
                 "flightcheck: error: --retry-failed: no earlier deploy of this configuration "
                 "in {}; run deploy without it\n",
                 runner.StatePath().string());
      return kExitUsage;
    }
    targets.clear();
    for (const TargetHost& host : all) {
      const HostState* before = previous->Find(host.address);
      if (before == nullptr || before->status != HostStatus::kSuccess) targets.push_back(host);
    }
    runner.state().hosts = previous->hosts;
    runner.state().forced = previous->forced;
  }

  // The gate: the last preflight of this very configuration passed on every host deployed now.
  std::vector<std::string> not_passed;
  Result<StageState> preflight = ReadStageState(GenconfDir(config) / "state" / "preflight.json");
  for (const TargetHost& host : targets) {
    const HostState* checked = preflight ? preflight->Find(host.address) : nullptr;
    if (!preflight || preflight->config_hash != runner.state().config_hash) {
      not_passed.push_back(fmt::format("{} (no preflight of this configuration)", host.address));
    } else if (checked == nullptr || checked->status != HostStatus::kSuccess) {
      not_passed.push_back(fmt::format(
          "{} ({})", host.address,
          checked == nullptr ? "not checked" : std::string(HostStatusName(checked->status))));
    }
  }
  if (!not_passed.empty() && !options.force) {
    fmt::print(options.err,
               "flightcheck: deploy refused: the last preflight of this configuration did not "
               "pass on {} of {} hosts: {}\nRun `flightcheck preflight` and fix what it reports, "
               "or pass --force to deploy anyway (recorded in {}).\n",
               not_passed.size(), targets.size(), fmt::join(not_passed, ", "),
               runner.StatePath().string());
    return kExitFailed;
  }
  if (!not_passed.empty()) {
    fmt::print(options.err,
               "flightcheck: WARNING: --force: deploying although preflight did not pass on {}; "
               "this is recorded in {}\n",
               fmt::join(not_passed, ", "), runner.StatePath().string());
    runner.state().forced = true;
  }

  std::vector<size_t> masters, agents;
  for (const TargetHost& target : targets) {
    HostState* existing = runner.state().Find(target.address);
    if (existing == nullptr) {
      runner.AddHost(target);
      existing = &runner.state().hosts.back();
    } else {
      runner.ResetHost(*existing);
    }
    const size_t index = static_cast<size_t>(existing - runner.state().hosts.data());
    (target.role == "master" ? masters : agents).push_back(index);
  }
  const auto deploy = [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
    if (options.retry_failed) {
      // A host that failed half way holds a partial install: remove it first.
      co_await runner.RunInstallScript(host, connection, *artifact, "uninstall",
                                       runner.command_timeout());
    }
    const RemoteResult result = co_await runner.RunInstallScript(
        host, connection, *artifact, "install " + host.role, runner.command_timeout());
    ApplyCommandResult(host, result, "install", config.process_timeout);
  };
  // Masters first: agents find the cluster through them.
  runner.Run(masters, deploy);
  const bool masters_ok = std::all_of(masters.begin(), masters.end(), [&](size_t i) {
    return runner.state().hosts[i].status == HostStatus::kSuccess;
  });
  if (masters_ok) {
    runner.Run(agents, deploy);
  } else {
    for (size_t i : agents) {
      runner.state().hosts[i].message = "not deployed: a master failed to deploy";
    }
  }
  return Conclude(runner, options, /*with_reports=*/false);
}

int RunUninstallStage(const ClusterConfig& config, const StageOptions& options) {
  const std::vector<TargetHost> targets = TargetHosts(config);
  if (!options.assume_yes) {
    const std::string question = fmt::format(
        "This stops and removes what flightcheck installed for cluster '{}' on {} hosts (the "
        "role's stop hook, then every file install.sh recorded). Proceed? [y/N] ",
        config.cluster_name, targets.size());
    if (!options.confirm || !options.confirm(question)) {
      fmt::print(options.err, "Uninstall cancelled; nothing was changed.\n");
      return kExitWarnings;
    }
  }
  StageRunner runner("uninstall", config, options);
  for (const TargetHost& host : targets) runner.AddHost(host);
  runner.Run(AllIndexes(runner.state()),
             [&](HostState& host, SshConnection& connection) -> asio::awaitable<void> {
               const RemoteResult result = co_await runner.RunLogged(
                   host, connection, "uninstall", UninstallCommand(), runner.command_timeout());
               ApplyCommandResult(host, result, "uninstall", config.process_timeout);
             });
  return Conclude(runner, options, /*with_reports=*/false);
}

}  // namespace flightcheck
