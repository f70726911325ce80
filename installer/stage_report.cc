#include "installer/stage_report.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "runner/matcher.h"
#include "runner/report.h"

namespace flightcheck {

namespace {

// A string member of what a host sent, or "": a report from a host may hold anything.
std::string Text(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Observed(const nlohmann::json& result) {
  if (Text(result, "status") == "error") return Text(result, "error");
  const std::string detail = Text(result, "detail");
  if (!detail.empty()) return detail;
  // The engine's message names the fact, its value with its unit and the expectation
  // ("cpus is 2, expected >= 4"); older reports may lack it.
  const std::string message = Text(result, "message");
  if (!message.empty()) return message;
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
  return observed.empty() ? Text(result, "message") : observed;
}

// Lines for hosts that did not succeed for a reason other than their rules.
std::string HostProblems(const StageState& state, bool with_reports) {
  std::string text;
  for (const HostState& host : state.hosts) {
    if (host.status == HostStatus::kSuccess || host.status == HostStatus::kInstalled) continue;
    if (with_reports && host.report.is_object()) continue;  // shown grouped by rule
    text += fmt::format("{} ({}): {}{}{}\n", host.address, host.role, HostStatusName(host.status),
                        host.message.empty() ? "" : ": ", host.message);
    if (host.status == HostStatus::kFailed) text += fmt::format("      log: {}\n", host.log);
  }
  return text;
}

}  // namespace

void PrintStageOutcome(const StageState& state, const StageOptions& options, int exit_code,
                       bool with_reports) {
  if (options.json) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const HostState& host : state.hosts) {
      hosts.push_back({{"address", host.address},
                       {"role", host.role},
                       {"status", HostStatusName(host.status)},
                       {"message", host.message},
                       {"step", host.step},
                       {"log", host.log},
                       {"report", host.report}});
    }
    nlohmann::json summary = {{"hosts", state.hosts.size()}};
    for (HostStatus status :
         {HostStatus::kSuccess, HostStatus::kInstalled, HostStatus::kFailed,
          HostStatus::kUnreachable, HostStatus::kTerminated, HostStatus::kUnstarted}) {
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
    fmt::print(options.out, "{}\n",
               document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  std::string text = with_reports ? GroupFailuresByRule(state) : "";
  text += HostProblems(state, with_reports);
  if (const int installed = state.Count(HostStatus::kInstalled); installed > 0) {
    text += fmt::format(
        "{} of {} hosts already run this cluster (installed): nothing to check "
        "there; deploy skips them.\n",
        installed, state.hosts.size());
  }
  text += fmt::format("{} out of {} hosts successfully completed {} stage.\n",
                      state.Count(HostStatus::kSuccess) + state.Count(HostStatus::kInstalled),
                      state.hosts.size(), state.stage);
  fmt::print(options.out, "{}", text);
}

std::string GroupFailuresByRule(const StageState& state) {
  struct Group {
    std::string hint;
    std::vector<std::string> addresses;
    std::vector<std::string> observed;  // per address: "cpus is 2, expected >= 4"
  };
  // One map per status, in the order people read them.
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"fail", "failed on"}, {"error", "could not be evaluated on"}, {"warn", "warned on"}};
  std::map<std::string, std::map<std::string, Group>> groups;
  std::map<std::string, int> evaluated;
  for (const HostState& host : state.hosts) {
    if (!host.report.is_object() || !host.report.contains("results") ||
        !host.report["results"].is_array()) {
      continue;
    }
    for (const nlohmann::json& result : host.report["results"]) {
      if (!result.is_object()) continue;
      const std::string id = Text(result, "id");
      ++evaluated[id];
      const std::string status = Text(result, "status");
      if (status != "fail" && status != "error" && status != "warn") continue;
      Group& group = groups[status][id];
      group.hint = Text(result, "hint");
      group.addresses.push_back(host.address);
      group.observed.push_back(Observed(result));
    }
  }
  std::string text;
  for (const auto& [status, verb] : kinds) {
    for (const auto& [id, group] : groups[status]) {
      const size_t count = group.addresses.size();
      // (A plain reference: clang 14 cannot capture a structured binding.)
      const std::vector<std::string>& observed = group.observed;
      const bool agree = std::all_of(observed.begin(), observed.end(),
                                     [&](const std::string& o) { return o == observed[0]; });
      std::string where = fmt::format("{} {} of {} hosts", verb, count, evaluated[id]);
      if (agree && !group.observed[0].empty()) {
        // Said once: what every one of these hosts has, and what was expected. Hosts are named
        // unless the rule did this on every host that ran it.
        if (static_cast<int>(count) != evaluated[id]) {
          where += fmt::format(" ({})", fmt::join(group.addresses, ", "));
        }
        text += fmt::format("{} {}: {}\n", id, where, group.observed[0]);
      } else {
        std::vector<std::string> hosts;
        for (size_t i = 0; i < count; ++i) {
          hosts.push_back(group.observed[i].empty()
                              ? group.addresses[i]
                              : fmt::format("{} ({})", group.addresses[i], group.observed[i]));
        }
        text += fmt::format("{} {}: {}\n", id, where, fmt::join(hosts, ", "));
      }
      if (!group.hint.empty() && status != "warn") {
        text += fmt::format("      hint: {}\n", group.hint);
      }
    }
  }
  return text;
}

}  // namespace flightcheck
