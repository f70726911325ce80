// The engine as a library: concurrent runs, stop requests and the --only closure, with the real
// probes (command, file) against this machine.
#include "runner/engine.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "runner/rule_loader.h"

namespace flightcheck {
namespace {

RuleSet Load(const std::string& text) {
  LoadResult loaded = LoadRules({{"rules.yaml", text}}, ProbeRegistry::Global());
  EXPECT_TRUE(loaded.ok()) << loaded.diagnostics.Format();
  return std::move(loaded.rules);
}

HostContext LiveHost() {
  HostContext host;
  host.commands = &LocalCommandRunner::Shared();
  return host;
}

// True while a process whose command line contains marker exists.
bool ProcessRunning(const std::string& marker) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string text((std::istreambuf_iterator<char>(cmdline)), {});
    for (char& c : text) c = c == '\0' ? ' ' : c;
    if (text.find(marker) != std::string::npos && text.find("sh -c") == std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(EngineTest, ConcurrentRunsOnTwoThreadsAreIndependent) {
  std::string text = "apiVersion: flightcheck/v1\nkind: RuleSet\nphase: preflight\nrules:\n";
  for (int i = 0; i < 40; ++i) {
    text += fmt::format(
        "  - id: echo.{0}\n    probe: {{command: {{argv: [sh, -c, 'echo {0}']}}}}\n"
        "    expect: {{stdout: \"{0}\\n\"}}\n",
        i);
  }
  const RuleSet rules = Load(text);
  const HostContext host = LiveHost();
  Report reports[2];
  {
    std::jthread first([&] { reports[0] = RunRules(rules, {}, host, ProbeRegistry::Global()); });
    std::jthread second([&] { reports[1] = RunRules(rules, {}, host, ProbeRegistry::Global()); });
  }
  for (const Report& report : reports) {
    ASSERT_EQ(report.results.size(), 40u);
    for (const RuleResult& result : report.results) {
      EXPECT_EQ(result.status, RuleStatus::kPass) << result.id << ": " << result.message;
    }
  }
}

TEST(EngineTest, AStoppedRunEndsWithinASecondAndKillsItsCommand) {
  const RuleSet rules = Load(R"(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: hangs
    timeout: 60s
    probe: {command: {argv: [sh, -c, 'sleep 47.25; true']}}
    expect: {exit_code: 0}
  - id: quick
    probe: {command: {argv: ["true"]}}
    expect: {exit_code: 0}
)");
  std::stop_source stop;
  RunOptions options;
  options.stop = stop.get_token();
  std::jthread stopper([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
  });
  const auto start = SteadyClock::now();
  const Report report = RunRules(rules, options, LiveHost(), ProbeRegistry::Global());
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  EXPECT_LT(seconds, 1.3) << "stopped 0.3 s in, so under a second after the request";
  EXPECT_TRUE(report.stopped);
  EXPECT_EQ(report.results[0].status, RuleStatus::kError);
  EXPECT_EQ(report.results[0].message, "stopped: the run was stopped before this rule finished");
  EXPECT_EQ(report.results[1].status, RuleStatus::kPass);
  // The command's process group is killed at its next deadline check (every 50 ms).
  for (int i = 0; i < 40 && ProcessRunning("sleep 47.25"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_FALSE(ProcessRunning("sleep 47.25")) << "the stopped command was left running";
}

}  // namespace
}  // namespace flightcheck
