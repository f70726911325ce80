#include "runner/reporters.h"

#include <fmt/format.h>

#include "checks/text.h"
#include "runner/json_writer.h"
#include "runner/spellcheck.h"

namespace flightcheck {
namespace {

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters other than tab and newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string PromLabel(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

std::string RenderJunit(const Report& report) {
  const StatusCounts counts = report.Counts();
  const std::string suite = "flightcheck" + (report.phase.empty() ? "" : "." + report.phase);
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format(
      "<testsuites name=\"flightcheck\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "skipped=\"{}\" time=\"{:.3f}\">\n",
      counts.total(), counts.fail, counts.error, counts.skip, report.duration_seconds);
  xml += fmt::format(
      "  <testsuite name=\"{}\" hostname=\"{}\" timestamp=\"{}\" tests=\"{}\" failures=\"{}\" "
      "errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n",
      XmlEscape(suite), XmlEscape(report.host), XmlEscape(report.started_at), counts.total(),
      counts.fail, counts.error, counts.skip, report.duration_seconds);
  for (const RuleResult& r : report.results) {
    xml += fmt::format("    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3f}\"",
                       XmlEscape(suite), XmlEscape(r.probe), XmlEscape(r.id), r.duration_seconds);
    const std::string message = XmlEscape(OneLine(r.title + ": " + r.message));
    switch (r.status) {
      case RuleStatus::kPass:
        xml += "/>\n";
        continue;
      case RuleStatus::kFail:
        xml += fmt::format(">\n      <failure message=\"{}\" type=\"fail\">{}</failure>\n", message,
                           XmlEscape(r.hint));
        break;
      case RuleStatus::kError:
        xml += fmt::format(">\n      <error message=\"{}\" type=\"error\"/>\n", message);
        break;
      case RuleStatus::kSkip:
        xml += fmt::format(">\n      <skipped message=\"{}\"/>\n", message);
        break;
      case RuleStatus::kWarn:
        xml += fmt::format(">\n      <system-out>warning: {}</system-out>\n", message);
        break;
    }
    xml += "    </testcase>\n";
  }
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

std::string RenderTap(const Report& report) {
  std::string tap = fmt::format("TAP version 13\n1..{}\n", report.results.size());
  int n = 0;
  for (const RuleResult& r : report.results) {
    ++n;
    const bool ok = r.status == RuleStatus::kPass || r.status == RuleStatus::kWarn ||
                    r.status == RuleStatus::kSkip;
    tap += fmt::format("{} {} - {}: {}", ok ? "ok" : "not ok", n, r.id, OneLine(r.title));
    if (r.status == RuleStatus::kSkip) tap += " # SKIP " + OneLine(r.message);
    tap += "\n";
    if (r.status == RuleStatus::kPass) continue;
    if (r.status == RuleStatus::kSkip) continue;
    tap += "  ---\n";
    tap += fmt::format("  status: {}\n", StatusName(r.status));
    tap += fmt::format("  message: {}\n", JsonText(OneLine(r.message)));
    if (!r.hint.empty()) tap += fmt::format("  hint: {}\n", JsonText(r.hint));
    tap += "  ...\n";
  }
  return tap;
}

std::string RenderPrometheus(const Report& report) {
  std::string text =
      "# HELP flightcheck_rule_status Outcome of a rule: 1 for its status, 0 for the others.\n"
      "# TYPE flightcheck_rule_status gauge\n";
  constexpr RuleStatus kAll[] = {RuleStatus::kPass, RuleStatus::kWarn, RuleStatus::kFail,
                                 RuleStatus::kSkip, RuleStatus::kError};
  for (const RuleResult& r : report.results) {
    for (RuleStatus status : kAll) {
      text += fmt::format("flightcheck_rule_status{{rule=\"{}\",phase=\"{}\",status=\"{}\"}} {}\n",
                          PromLabel(r.id), PromLabel(r.phase), StatusName(status),
                          r.status == status ? 1 : 0);
    }
  }
  text +=
      "# HELP flightcheck_rule_duration_seconds Time a rule took, retries included.\n"
      "# TYPE flightcheck_rule_duration_seconds gauge\n";
  for (const RuleResult& r : report.results) {
    text += fmt::format("flightcheck_rule_duration_seconds{{rule=\"{}\"}} {:.6f}\n",
                        PromLabel(r.id), r.duration_seconds);
  }
  const StatusCounts counts = report.Counts();
  text +=
      "# HELP flightcheck_rules Rules by status in the last run.\n"
      "# TYPE flightcheck_rules gauge\n";
  const int by_status[] = {counts.pass, counts.warn, counts.fail, counts.skip, counts.error};
  for (int i = 0; i < 5; ++i) {
    text +=
        fmt::format("flightcheck_rules{{status=\"{}\"}} {}\n", StatusName(kAll[i]), by_status[i]);
  }
  text += fmt::format(
      "# HELP flightcheck_run_duration_seconds Wall time of the last run.\n"
      "# TYPE flightcheck_run_duration_seconds gauge\n"
      "flightcheck_run_duration_seconds {:.6f}\n",
      report.duration_seconds);
  return text;
}

std::string RenderNagios(const Report& report) {
  const StatusCounts counts = report.Counts();
  std::string_view state = "OK";
  if (counts.warn > 0) state = "WARNING";
  if (counts.error > 0) state = "UNKNOWN";
  if (counts.fail > 0) state = "CRITICAL";
  std::string failing;
  for (const RuleResult& r : report.results) {
    if (r.status == RuleStatus::kFail || r.status == RuleStatus::kError ||
        r.status == RuleStatus::kWarn) {
      failing += (failing.empty() ? ": " : ", ") + r.id;
    }
  }
  std::string text = fmt::format(
      "FLIGHTCHECK {} - {} failed, {} errors, {} warnings of {} rules{} | pass={} warn={} fail={} "
      "skip={} error={} duration={:.3f}s\n",
      state, counts.fail, counts.error, counts.warn, counts.total(), failing, counts.pass,
      counts.warn, counts.fail, counts.skip, counts.error, report.duration_seconds);
  for (const RuleResult& r : report.results) {
    if (r.status == RuleStatus::kPass || r.status == RuleStatus::kSkip) continue;
    text += fmt::format("{} {}: {}\n", StatusName(r.status), r.id, OneLine(r.message));
  }
  return text;
}

}  // namespace

// Written directly into one buffer rather than through a json tree or a dump() per value: both
// cost more than running 1,000 cheap rules (bench/README.md). Facts are already json and are
// appended in place.
std::string RenderJson(const Report& report, bool strict) {
  std::string out;
  out.reserve(512 + 640 * report.results.size());
  auto field = [&out](std::string_view name) {
    out += ", \"";
    out += name;
    out += "\": ";
  };
  auto list = [&out](const std::vector<std::string>& items) {
    out += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      AppendJsonString(out, items[i]);
    }
    out += ']';
  };
  auto top = [&out](std::string_view name) {
    out += "  \"";
    out += name;
    out += "\": ";
  };
  const StatusCounts counts = report.Counts();
  out += "{\n";
  const std::pair<std::string_view, std::string_view> heading[] = {
      {"schema", Report::kSchema},
      {"host", report.host},
      {"phase", report.phase},
      {"role", report.role},
      {"started_at", report.started_at}};
  for (const auto& [name, value] : heading) {
    top(name);
    AppendJsonString(out, value);
    out += ",\n";
  }
  fmt::format_to(std::back_inserter(out), "  \"duration_seconds\": {},\n", report.duration_seconds);
  fmt::format_to(std::back_inserter(out),
                 "  \"summary\": {{\"total\": {}, \"pass\": {}, \"warn\": {}, \"fail\": {}, "
                 "\"skip\": {}, \"error\": {}, \"unchecked\": {}, \"unselected\": {}}},\n",
                 counts.total(), counts.pass, counts.warn, counts.fail, counts.skip, counts.error,
                 counts.unchecked, report.unselected);
  top("pulled_in");
  list(report.pulled_in);
  fmt::format_to(std::back_inserter(out), ",\n  \"stopped\": {},\n  \"exit_code\": {},\n",
                 report.stopped, ExitCodeFor(report, strict));
  out += "  \"results\": [";
  for (size_t i = 0; i < report.results.size(); ++i) {
    const RuleResult& r = report.results[i];
    out += i ? ",\n    " : "\n    ";
    out += "{\"id\": ";
    AppendJsonString(out, r.id);
    const std::pair<std::string_view, std::string_view> texts[] = {
        {"title", r.title},
        {"status", StatusName(r.status)},
        {"severity", SeverityName(r.severity)}};
    for (const auto& [name, value] : texts) {
      field(name);
      AppendJsonString(out, value);
    }
    fmt::format_to(std::back_inserter(out), ", \"ignored\": {}, \"expectation_met\": {}", r.ignored,
                   r.expectation_met);
    field("message");
    AppendJsonString(out, r.message);
    field("hint");
    AppendJsonString(out, r.hint);
    field("probe");
    AppendJsonString(out, r.probe);
    field("params");
    AppendJson(out, r.params);
    field("phase");
    AppendJsonString(out, r.phase);
    field("roles");
    list(r.roles);
    field("tags");
    list(r.tags);
    field("facts");
    AppendJson(out, r.facts);
    field("expect");
    AppendJson(out, r.expect);
    field("error");
    AppendJsonString(out, r.error);
    fmt::format_to(std::back_inserter(out), ", \"attempts\": {}, \"duration_seconds\": {}",
                   r.attempts, r.duration_seconds);
    if (r.status == RuleStatus::kSkip) {
      field("skip_cause");
      AppendJsonString(out, SkipCauseName(r.skip_cause));
    }
    if (!r.detail.empty()) {
      field("detail");
      AppendJsonString(out, r.detail);
    }
    out += "}";
  }
  out += report.results.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

nlohmann::json ReportToJson(const Report& report, bool strict) {
  return nlohmann::json::parse(RenderJson(report, strict));
}

namespace {

std::string RenderJsonFormat(const Report& report, const RenderOptions& options) {
  return RenderJson(report, options.strict);
}
std::string RenderJunitFormat(const Report& report, const RenderOptions&) {
  return RenderJunit(report);
}
std::string RenderTapFormat(const Report& report, const RenderOptions&) {
  return RenderTap(report);
}
std::string RenderPrometheusFormat(const Report& report, const RenderOptions&) {
  return RenderPrometheus(report);
}
std::string RenderNagiosFormat(const Report& report, const RenderOptions&) {
  return RenderNagios(report);
}

// The report formats: one row each, in the order help and docs list them.
struct FormatSpec {
  std::string_view name;
  ReportFormat format;
  std::string (*render)(const Report&, const RenderOptions&);
  std::string_view help;
};

constexpr FormatSpec kFormats[] = {
    {"text", ReportFormat::kText, &RenderText, "one line per rule and a summary, for people"},
    {"json", ReportFormat::kJson, &RenderJsonFormat,
     "the versioned report schema (docs/report-json.md)"},
    {"junit", ReportFormat::kJunit, &RenderJunitFormat, "JUnit XML, one testcase per rule"},
    {"tap", ReportFormat::kTap, &RenderTapFormat, "Test Anything Protocol version 13"},
    {"prometheus", ReportFormat::kPrometheus, &RenderPrometheusFormat,
     "Prometheus text exposition (node_exporter textfile collector)"},
    {"nagios", ReportFormat::kNagios, &RenderNagiosFormat,
     "one Nagios plugin line with perfdata; exit code per plugin rules"},
};

}  // namespace

std::vector<std::string> ReportFormatNames() {
  std::vector<std::string> names;
  for (const FormatSpec& spec : kFormats) names.emplace_back(spec.name);
  return names;
}

Result<ReportFormat> ParseReportFormat(std::string_view name) {
  for (const FormatSpec& spec : kFormats) {
    if (name == spec.name) return spec.format;
  }
  const std::vector<std::string> names = ReportFormatNames();
  return Status::InvalidArgument(fmt::format("unknown format '{}'{}; formats: {}", name,
                                             DidYouMean(name, names), JoinStrings(names)));
}

std::string RenderReport(const Report& report, ReportFormat format, const RenderOptions& options) {
  for (const FormatSpec& spec : kFormats) {
    if (spec.format == format) return spec.render(report, options);
  }
  return "";
}

}  // namespace flightcheck
