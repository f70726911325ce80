#include "server/health_daemon.h"

#include "checks/file_io.h"

#include <algorithm>
#include <chrono>
#include <random>

#include <fmt/format.h>

#include "runner/selection.h"

namespace flightcheck::server {
namespace {

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A pull that never ends, or a run past its deadline, is what the watchdog is for.
constexpr auto kStuckAfter = std::chrono::minutes(10);

// The selected rules of a check scope: cluster checks are tagged `cluster`, node checks are not.
std::vector<const Rule*> RulesOfScope(const HealthRunSetup& setup, CheckScope scope) {
  std::vector<const Rule*> rules;
  for (const Rule* rule : SelectRules(setup.rules, setup.options.selection).rules) {
    const bool cluster =
        std::find(rule->tags.begin(), rule->tags.end(), "cluster") != rule->tags.end();
    if (cluster == (scope == CheckScope::kCluster)) rules.push_back(rule);
  }
  return rules;
}

}  // namespace

HealthDaemon::HealthDaemon(HealthDaemonOptions options, Loader loader, HostContext host,
                           const ProbeRegistry& registry)
    : options_(std::move(options)),
      loader_(std::move(loader)),
      host_(std::move(host)),
      registry_(registry) {
  snapshot_ = std::make_shared<const HealthSnapshot>(BuildSnapshot(Report{}, 0, 0, options_.node));
}

HealthDaemon::~HealthDaemon() { Stop(); }

void HealthDaemon::Start(HealthRunSetup first) {
  {
    std::lock_guard lock(mutex_);
    setup_ = std::make_shared<const HealthRunSetup>(std::move(first));
    run_heartbeat_ = pull_heartbeat_ = std::chrono::steady_clock::now();
  }
  run_thread_ = std::jthread([this](std::stop_token stop) { RunLoop(stop); });
  pull_thread_ = std::jthread([this](std::stop_token stop) { PullLoop(stop); });
}

void HealthDaemon::Stop() {
  run_thread_.request_stop();
  pull_thread_.request_stop();
  wake_.notify_all();
  if (run_thread_.joinable()) run_thread_.join();
  if (pull_thread_.joinable()) pull_thread_.join();
}

void HealthDaemon::Reload() {
  {
    std::lock_guard lock(mutex_);
    reload_requested_ = true;
    run_requested_ = true;
  }
  wake_.notify_all();
}

std::shared_ptr<const HealthSnapshot> HealthDaemon::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

bool HealthDaemon::Refresh(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const bool aggregating = setup_ && !setup_->nodes.empty();
  const uint64_t wanted = (aggregating ? pulls_ : runs_) + 1;
  (aggregating ? pull_requested_ : run_requested_) = true;
  wake_.notify_all();
  return wake_.wait_for(lock, timeout, [&] { return (aggregating ? pulls_ : runs_) >= wanted; });
}

bool HealthDaemon::Alive() const {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const auto bound = options_.interval * 2 + kStuckAfter;
  return run_thread_.joinable() && now - run_heartbeat_ < bound && now - pull_heartbeat_ < bound;
}

void HealthDaemon::Info(const std::string& line) const {
  if (options_.log_info) options_.log_info(line);
}
void HealthDaemon::Error(const std::string& line) const {
  if (options_.log_error) options_.log_error(line);
}

std::chrono::milliseconds HealthDaemon::NextWait() {
  thread_local std::mt19937_64 random(std::random_device{}());
  const double spread = std::max(0.0, std::min(options_.jitter, 0.5));
  std::uniform_real_distribution<double> factor(1.0 - spread, 1.0 + spread);
  return std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(options_.interval.count()) * factor(random)));
}

void HealthDaemon::Publish(std::function<void(HealthSnapshot&)> change) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<HealthSnapshot>(*snapshot_);
  change(*next);
  next->metrics = RenderMetrics(*next);
  snapshot_ = std::move(next);
}

Report HealthDaemon::RunOnce(const HealthRunSetup& setup, std::stop_token stop,
                             const std::vector<std::string>& only) {
  RunOptions options = setup.options;
  options.stop = stop;
  options.on_result = nullptr;
  if (!only.empty()) options.selection.only = only;
  return RunRules(setup.rules, options, host_, registry_);
}

void HealthDaemon::RunLoop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::shared_ptr<const HealthRunSetup> setup;
    bool reload = false;
    {
      std::lock_guard lock(mutex_);
      reload = reload_requested_;
      reload_requested_ = false;
      run_requested_ = false;
      run_heartbeat_ = std::chrono::steady_clock::now();
    }
    if (reload) {
      Result<HealthRunSetup> loaded = loader_();
      std::lock_guard lock(mutex_);
      if (loaded) {
        setup_ = std::make_shared<const HealthRunSetup>(std::move(*loaded));
        pull_requested_ = true;
      }
      if (!loaded) {
        Error(fmt::format("reload failed, the previous rules stay: {}", loaded.error().ToString()));
      } else {
        Info("reloaded the rules and the node list");
      }
    }
    {
      std::lock_guard lock(mutex_);
      setup = setup_;
    }
    wake_.notify_all();
    Report report = RunOnce(*setup, stop, {});
    if (report.stopped) break;  // a stopped run is not a result to serve
    const StatusCounts counts = report.Counts();
    Info(fmt::format("health run: {} rules, {} pass, {} fail, {} error, {:.2f} s", counts.total(),
                     counts.pass, counts.fail, counts.error, report.duration_seconds));
    {
      std::lock_guard lock(mutex_);
      const bool aggregating = !setup->nodes.empty();
      HealthSnapshot next = BuildSnapshot(std::move(report), runs_ + 1, UnixNow(), options_.node);
      if (aggregating) {
        // The pull loop owns the tree: keep it.
        next.cluster = snapshot_->cluster;
        next.cluster_updated_unix = snapshot_->cluster_updated_unix;
        next.aggregating = true;
        next.metrics = RenderMetrics(next);
      }
      snapshot_ = std::make_shared<const HealthSnapshot>(std::move(next));
      ++runs_;
      run_heartbeat_ = std::chrono::steady_clock::now();
    }
    wake_.notify_all();
    if (!options_.results_file.empty()) {
      // Outside the lock: requests need not wait for the disk.
      const Status written = WriteFileAtomically(options_.results_file, snapshot()->results);
      if (!written.ok()) Error("writing the latest results: " + written.message());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, NextWait(), [&] { return run_requested_ || reload_requested_; });
  }
}

void HealthDaemon::PullLoop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::vector<NodeTarget> nodes;
    {
      std::lock_guard lock(mutex_);
      pull_requested_ = false;
      pull_heartbeat_ = std::chrono::steady_clock::now();
      if (setup_) nodes = setup_->nodes;
    }
    if (!nodes.empty()) {
      std::vector<NodePoll> polls = PollNodes(nodes, options_.poll);
      if (stop.stop_requested()) break;
      int unknown = 0;
      for (const NodePoll& poll : polls) {
        if (!poll.report) {
          ++unknown;
          Error(fmt::format("node {}: {}", poll.ip, poll.error));
        }
      }
      const double now = UnixNow();
      ClusterHealth tree = ClusterHealth::Build(polls, NowRfc3339());
      Publish([&](HealthSnapshot& next) {
        next.cluster = std::move(tree);
        next.cluster_updated_unix = now;
        next.aggregating = true;
      });
      Info(fmt::format("pulled {} nodes, {} without an answer", polls.size(), unknown));
      std::lock_guard lock(mutex_);
      ++pulls_;
      pull_heartbeat_ = std::chrono::steady_clock::now();
    }
    wake_.notify_all();
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, nodes.empty() ? options_.interval : NextWait(),
                   [&] { return pull_requested_; });
  }
}

std::vector<NodeTarget> HealthDaemon::Nodes() const {
  std::shared_ptr<const HealthRunSetup> setup = CurrentSetup();
  return setup ? setup->nodes : std::vector<NodeTarget>{};
}

std::shared_ptr<const HealthRunSetup> HealthDaemon::CurrentSetup() const {
  std::lock_guard lock(mutex_);
  return setup_;
}

HealthApiHooks HealthDaemon::Hooks() {
  HealthApiHooks hooks;
  hooks.snapshot = [this] { return snapshot(); };
  hooks.refresh = [this](std::chrono::milliseconds timeout) { return Refresh(timeout); };
  hooks.checks = [this](CheckScope scope) {
    std::vector<CheckRunnerCheck> checks;
    std::shared_ptr<const HealthRunSetup> setup = CurrentSetup();
    if (!setup) return checks;
    for (const Rule* rule : RulesOfScope(*setup, scope)) {
      checks.push_back({.id = rule->id,
                        .description = rule->title,
                        .timeout = rule->timeout ? FormatDuration(*rule->timeout) : ""});
    }
    return checks;
  };
  hooks.run_checks = [this](CheckScope scope,
                            const std::vector<std::string>& ids) -> Result<Report> {
    std::shared_ptr<const HealthRunSetup> setup = CurrentSetup();
    if (!setup) return Status::Unavailable("the daemon has not loaded its rules");
    std::vector<std::string> only = ids;
    if (only.empty()) {
      for (const Rule* rule : RulesOfScope(*setup, scope)) only.push_back(rule->id);
    }
    return RunOnce(*setup, run_thread_.get_stop_token(), only);
  };
  return hooks;
}

}  // namespace flightcheck::server
