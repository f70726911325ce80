#include <algorithm>

#include <fmt/format.h>

#include "runner/quantity.h"
#include "runner/reporters.h"

namespace flightcheck {
namespace {

constexpr size_t kIdWidth = 28;

std::string_view Label(RuleStatus status) {
  switch (status) {
    case RuleStatus::kPass:
      return "PASS ";
    case RuleStatus::kWarn:
      return "WARN ";
    case RuleStatus::kFail:
      return "FAIL ";
    case RuleStatus::kSkip:
      return "SKIP ";
    case RuleStatus::kError:
      return "ERROR";
  }
  return "?????";
}

std::string_view Colour(RuleStatus status) {
  switch (status) {
    case RuleStatus::kPass:
      return "\033[32m";
    case RuleStatus::kWarn:
      return "\033[33m";
    case RuleStatus::kFail:
      return "\033[1;31m";
    case RuleStatus::kSkip:
      return "\033[36m";
    case RuleStatus::kError:
      return "\033[1;35m";
  }
  return "";
}

std::string Plural(int n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

std::string TextResultLine(const RuleResult& result, bool color) {
  std::string label(Label(result.status));
  if (color) label = fmt::format("{}{}\033[0m", Colour(result.status), label);
  std::string id = result.id;
  if (id.size() < kIdWidth) id.resize(kIdWidth, ' ');
  std::string line;
  if (result.status == RuleStatus::kPass) {
    line = fmt::format("{} {} {}", label, id, result.title);
    if (!result.message.empty()) line += " (" + result.message + ")";
    if (!result.expectation_met) line += " [info]";
  } else {
    line = fmt::format("{} {} {}: {}", label, id, result.title, result.message);
    if (result.ignored) line += " [ignored]";
  }
  line += "\n";
  const bool troubled = result.status == RuleStatus::kFail || result.status == RuleStatus::kWarn ||
                        result.status == RuleStatus::kError;
  if (troubled && !result.detail.empty()) line += "      detail: " + result.detail + "\n";
  if (troubled && !result.hint.empty()) line += "      hint: " + result.hint + "\n";
  return line;
}

std::string RenderText(const Report& report, const RenderOptions& options) {
  std::string text;
  for (const RuleResult& result : report.results) text += TextResultLine(result, options.color);
  const StatusCounts counts = report.Counts();
  std::vector<std::string> parts;
  parts.push_back(fmt::format("{} passed", counts.pass));
  if (counts.warn) parts.push_back(Plural(counts.warn, "warning", "warnings"));
  if (counts.fail) parts.push_back(fmt::format("{} failed", counts.fail));
  if (counts.skip > counts.unchecked) {
    parts.push_back(fmt::format("{} skipped", counts.skip - counts.unchecked));
  }
  if (counts.unchecked) parts.push_back(fmt::format("{} not checked", counts.unchecked));
  if (counts.error) parts.push_back(Plural(counts.error, "error", "errors"));
  std::string joined;
  for (const std::string& part : parts) joined += (joined.empty() ? "" : ", ") + part;
  const std::string scope =
      report.phase.empty() ? std::string("check")
                           : report.phase + (report.role.empty() ? "" : " (" + report.role + ")");
  text += fmt::format("\n{} on {}: {} in {}: {}", scope, report.host,
                      Plural(counts.total(), "rule", "rules"),
                      FormatQuantity(report.duration_seconds, QuantityKind::kDuration), joined);
  if (report.unselected > 0) {
    text += fmt::format("; {} not selected (phase, role, tags, --only, --skip)",
                        Plural(report.unselected, "rule", "rules"));
  }
  if (!report.pulled_in.empty()) {
    std::string ids;
    for (const std::string& id : report.pulled_in) ids += (ids.empty() ? "" : ", ") + id;
    text += fmt::format("; {} required by the selection: {}",
                        Plural(static_cast<int>(report.pulled_in.size()), "rule", "rules"), ids);
  }
  text += "\n";
  if (report.stopped) {
    text += "The run was stopped before every rule finished: this is not a result.\n";
  } else if (counts.total() == 0) {
    text += "Nothing was checked: this is not a success.\n";
  } else if (counts.unchecked > 0 || counts.error > 0) {
    text += fmt::format("{} could not be checked: this run does not show the host is ready.\n",
                        Plural(counts.unchecked + counts.error, "rule", "rules"));
  }
  return text;
}

}  // namespace flightcheck
