// Reporters: a Report rendered for people (text) or programs (json, junit, tap, prometheus,
// nagios). The JSON schema is versioned ("flightcheck/report/v1") and documented in
// docs/report-json.md. Pure functions of the report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/status.h"
#include "runner/report.h"

namespace flightcheck {

enum class ReportFormat { kText, kJson, kJunit, kTap, kPrometheus, kNagios };

// "unknown format 'yml'; formats: text, json, junit, tap, prometheus, nagios".
Result<ReportFormat> ParseReportFormat(std::string_view name);

// The format names, in table order (for help and docs).
std::vector<std::string> ReportFormatNames();

struct RenderOptions {
  bool color = false;   // ANSI colours (text only); the CLI enables them on a terminal
  bool strict = false;  // warnings make the exit code 1 (shown in summaries)
};

std::string RenderReport(const Report& report, ReportFormat format, const RenderOptions& options);

// The json format: schema flightcheck/report/v1 (docs/report-json.md), one result per line.
std::string RenderJson(const Report& report, bool strict);

// The same report as a json tree.
nlohmann::json ReportToJson(const Report& report, bool strict);

// One line for one result, as the text report and live progress print it.
std::string TextResultLine(const RuleResult& result, bool color);

// The text report (text_reporter.cc).
std::string RenderText(const Report& report, const RenderOptions& options);

}  // namespace flightcheck
