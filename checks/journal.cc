// The journal probe: the last lines a unit logged, read over sd-journal (checks/journal_reader.h).
#include <chrono>

#include <fmt/format.h>

#include "checks/journal_reader.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {
namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "journal",
      .summary =
          "The last lines a systemd unit logged (sd-journal): the host journal, or the journal "
          "directory the host context names.",
      .params =
          {{"unit", ParamType::kString, true, nullptr,
            "unit name (\"dcos-mesos-master.service\"); matches _SYSTEMD_UNIT, UNIT and "
            "their user-manager forms _SYSTEMD_USER_UNIT, USER_UNIT"},
           {"lines", ParamType::kInteger, false, 50, "at most this many lines (1-1000)"},
           {"since", ParamType::kString, false, "",
            "only entries at most this old (\"90s\", \"30m\", \"1h\", \"2d\"); \"\" for all"}},
      .facts = {{"lines", FactType::ListOf(FactKind::kString),
                 "oldest first, each \"<RFC 3339 UTC time> <identifier>[<pid>]: <message>\""},
                {"count", FactType::Int(), "number of lines"},
                {"text", FactType::String(), "the lines joined by newlines"}},
      .default_timeout = Milliseconds(5000),
  };
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline deadline) {
  JournalQuery query;
  query.unit = params["unit"].get<std::string>();
  if (query.unit.empty()) return Status::InvalidArgument("parameter 'unit' is empty");
  const int64_t lines = params["lines"].get<int64_t>();
  if (lines < 1 || lines > 1000) {
    return Status::InvalidArgument(fmt::format("parameter 'lines' is {}, expected 1-1000", lines));
  }
  query.max_lines = static_cast<size_t>(lines);
  const std::string since = params["since"].get<std::string>();
  if (!since.empty()) {
    Result<std::chrono::seconds> age = ParseJournalAge(since);
    if (!age) return age.error().WithContext("parameter 'since'");
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    query.since_realtime_usec = static_cast<uint64_t>(
        std::max<int64_t>(0, (now - std::chrono::microseconds(*age)).count()));
  }
  Result<std::vector<JournalEntry>> entries = ReadUnitJournal(host, query, deadline);
  if (!entries) return entries.error();
  std::vector<std::string> text_lines;
  text_lines.reserve(entries->size());
  for (const JournalEntry& entry : *entries) text_lines.push_back(FormatJournalLine(entry));
  Facts facts;
  facts["count"] = text_lines.size();
  facts["text"] = JoinStrings(text_lines, "\n");
  facts["lines"] = std::move(text_lines);
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
