#include "installer/stage_report.h"

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
      if (!result.is_object()) continue;
      const std::string id = Text(result, "id");
      ++evaluated[id];
      const std::string status = Text(result, "status");
      if (status != "fail" && status != "error" && status != "warn") continue;
      Group& group = groups[status][id];
      group.hint = Text(result, "hint");
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

}  // namespace flightcheck
