#include "checks/journal_reader.h"

#include <systemd/sd-journal.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck {

std::string FormatJournalLine(const JournalEntry& entry) {
  const time_t seconds = static_cast<time_t>(entry.realtime_usec / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  const std::string pid = entry.pid.empty() ? "" : fmt::format("[{}]", entry.pid);
  return fmt::format("{}.{:06d}Z {}{}: {}", stamp, entry.realtime_usec % 1000000, entry.identifier,
                     pid, entry.message);
}

Result<std::chrono::seconds> ParseJournalAge(std::string_view text) {
  const auto invalid = [&] {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a duration such as 90s, 30m, 1h or 2d", EscapeControl(text)));
  };
  if (text.size() < 2) return invalid();
  const std::optional<int64_t> number = ParseInt64(text.substr(0, text.size() - 1));
  if (!number || *number <= 0 || *number > int64_t{100} * 365 * 24 * 3600) return invalid();
  switch (text.back()) {
    case 's':
      return std::chrono::seconds(*number);
    case 'm':
      return std::chrono::seconds(*number * 60);
    case 'h':
      return std::chrono::seconds(*number * 3600);
    case 'd':
      return std::chrono::seconds(*number * 86400);
    default:
      return invalid();
  }
}

namespace {

struct JournalCloser {
  void operator()(sd_journal* journal) const { sd_journal_close(journal); }
};
using JournalHandle = std::unique_ptr<sd_journal, JournalCloser>;

// The value of field in the current entry; nullopt when the entry has no such field.
Result<std::optional<std::string>> Field(sd_journal* journal, std::string_view field) {
  const void* data = nullptr;
  size_t length = 0;
  const std::string name(field);
  const int r = sd_journal_get_data(journal, name.c_str(), &data, &length);
  if (r == -ENOENT) return std::optional<std::string>();
  if (r < 0) return Status::FromErrno("reading journal field " + name, -r);
  const std::string_view text(static_cast<const char*>(data), length);
  if (text.size() <= name.size() || text[name.size()] != '=') return std::optional<std::string>();
  return std::optional<std::string>(ToValidUtf8(text.substr(name.size() + 1)));
}

Result<JournalEntry> CurrentEntry(sd_journal* journal) {
  JournalEntry entry;
  const int r = sd_journal_get_realtime_usec(journal, &entry.realtime_usec);
  if (r < 0) return Status::FromErrno("reading a journal entry's timestamp", -r);
  for (const char* name : {"SYSLOG_IDENTIFIER", "_COMM"}) {
    Result<std::optional<std::string>> value = Field(journal, name);
    if (!value) return value.error();
    if (*value && !(*value)->empty()) {
      entry.identifier = **value;
      break;
    }
  }
  if (entry.identifier.empty()) entry.identifier = "unknown";
  for (const char* name : {"SYSLOG_PID", "_PID"}) {
    Result<std::optional<std::string>> value = Field(journal, name);
    if (!value) return value.error();
    if (*value && !(*value)->empty()) {
      entry.pid = **value;
      break;
    }
  }
  Result<std::optional<std::string>> message = Field(journal, "MESSAGE");
  if (!message) return message.error();
  if (*message) entry.message = **message;
  return entry;
}

Result<JournalHandle> Open(const HostContext& host) {
  sd_journal* journal = nullptr;
  int r = 0;
  std::string where;
  if (!host.journal_directory.empty()) {
    where = "journal directory " + host.journal_directory;
    r = sd_journal_open_directory(&journal, host.journal_directory.c_str(), 0);
  } else if (host.IsLiveRoot()) {
    where = "the host journal";
    r = sd_journal_open(&journal, SD_JOURNAL_LOCAL_ONLY);
  } else {
    where = "the journal under " + host.root.string();
    r = sd_journal_open_directory(&journal, host.root.c_str(), SD_JOURNAL_OS_ROOT);
  }
  if (r < 0) return Status::FromErrno("opening " + where, -r);
  return JournalHandle(journal);
}

// The fields that name a unit, as `journalctl -u` and `--user-unit` select them (see the header).
constexpr const char* kUnitFields[] = {"_SYSTEMD_UNIT", "UNIT", "_SYSTEMD_USER_UNIT", "USER_UNIT"};

// Entries of unit.
Status AddUnitMatches(sd_journal* journal, const std::string& unit) {
  bool first = true;
  for (const char* field : kUnitFields) {
    if (!first) {
      const int r = sd_journal_add_disjunction(journal);
      if (r < 0) return Status::FromErrno("adding a journal match", -r);
    }
    first = false;
    const std::string match = fmt::format("{}={}", field, unit);
    const int r = sd_journal_add_match(journal, match.data(), match.size());
    if (r < 0) return Status::FromErrno("adding journal match " + match, -r);
  }
  return Status::Ok();
}

}  // namespace

Status ForEachUnitJournalEntry(const HostContext& host, const std::string& unit,
                               std::optional<uint64_t> since_realtime_usec, Deadline deadline,
                               const std::function<Status(const JournalEntry&)>& visit) {
  if (unit.empty()) return Status::InvalidArgument("no unit to read the journal of");
  // sd-journal keeps every window of the files it mapped, so a walk over a 1 GB journal would
  // end with 1 GB resident. The walk reopens the journal every so many entries and carries on
  // from its cursor: what is mapped stays bounded, whatever the journal's size.
  constexpr uint64_t kEntriesPerOpen = 4000;
  JournalHandle journal;
  std::string cursor;
  const auto open = [&]() -> Status {
    Result<JournalHandle> opened = Open(host);
    if (!opened) return opened.error();
    journal = std::move(*opened);
    (void)sd_journal_set_data_threshold(journal.get(), 64 * 1024);
    if (Status status = AddUnitMatches(journal.get(), unit); !status.ok()) return status;
    int r = !cursor.empty() ? sd_journal_seek_cursor(journal.get(), cursor.c_str())
            : since_realtime_usec
                ? sd_journal_seek_realtime_usec(journal.get(), *since_realtime_usec)
                : sd_journal_seek_head(journal.get());
    if (r < 0) return Status::FromErrno("seeking in the journal of " + unit, -r);
    if (!cursor.empty()) {
      // Onto the entry the cursor names, already visited: the loop's next step goes past it.
      r = sd_journal_next(journal.get());
      if (r < 0) return Status::FromErrno("reading the journal of " + unit, -r);
      if (r > 0 && sd_journal_test_cursor(journal.get(), cursor.c_str()) <= 0) {
        // The cursor's entry is gone (rotated away): this one was not visited yet.
        r = sd_journal_previous(journal.get());
        if (r < 0) return Status::FromErrno("reading the journal of " + unit, -r);
      }
    }
    return Status::Ok();
  };
  if (Status status = open(); !status.ok()) return status;
  for (uint64_t count = 0;; ++count) {
    if (deadline.expired()) {
      return Status::Timeout(
          fmt::format("reading the journal of {}: deadline passed after {} entries", unit, count));
    }
    if (count > 0 && count % kEntriesPerOpen == 0) {
      char* at = nullptr;
      const int r = sd_journal_get_cursor(journal.get(), &at);
      if (r < 0) return Status::FromErrno("reading the journal of " + unit, -r);
      cursor = at;
      std::free(at);
      journal.reset();
      if (Status status = open(); !status.ok()) return status;
    }
    const int r = sd_journal_next(journal.get());
    if (r < 0) return Status::FromErrno("reading the journal of " + unit, -r);
    if (r == 0) return Status::Ok();
    Result<JournalEntry> entry = CurrentEntry(journal.get());
    if (!entry) return entry.error().WithContext("reading the journal of " + unit);
    if (since_realtime_usec && entry->realtime_usec < *since_realtime_usec) continue;
    if (Status status = visit(*entry); !status.ok()) return status;
  }
}

Result<std::vector<std::string>> JournalUnits(const HostContext& host, Deadline deadline,
                                              size_t max_units) {
  Result<JournalHandle> opened = Open(host);
  if (!opened) return opened.error();
  sd_journal* journal = opened->get();
  std::set<std::string> units;
  for (const char* field : kUnitFields) {
    int r = sd_journal_query_unique(journal, field);
    if (r < 0) return Status::FromErrno(fmt::format("listing the journal's {}", field), -r);
    const void* data = nullptr;
    size_t length = 0;
    const size_t prefix = std::strlen(field) + 1;  // "FIELD="
    while ((r = sd_journal_enumerate_unique(journal, &data, &length)) > 0) {
      if (deadline.expired())
        return Status::Timeout("listing the journal's units: deadline passed");
      if (length <= prefix) continue;
      units.emplace(static_cast<const char*>(data) + prefix, length - prefix);
      if (units.size() > max_units) {
        return Status::InvalidArgument(
            fmt::format("the journal names more than {} units", max_units));
      }
    }
    if (r < 0) return Status::FromErrno(fmt::format("listing the journal's {}", field), -r);
  }
  return std::vector<std::string>(units.begin(), units.end());
}

Result<std::vector<JournalEntry>> ReadUnitJournal(const HostContext& host,
                                                  const JournalQuery& query, Deadline deadline) {
  if (query.unit.empty()) return Status::InvalidArgument("no unit to read the journal of");
  Result<JournalHandle> opened = Open(host);
  if (!opened) return opened.error();
  sd_journal* journal = opened->get();
  (void)sd_journal_set_data_threshold(journal, 64 * 1024);
  if (Status status = AddUnitMatches(journal, query.unit); !status.ok()) return status;
  int r = sd_journal_seek_tail(journal);
  if (r < 0) return Status::FromErrno("seeking to the journal's end", -r);

  std::vector<JournalEntry> entries;
  while (entries.size() < query.max_lines) {
    if (deadline.expired()) {
      return Status::Timeout(
          fmt::format("reading the journal of {}: deadline passed after {} entries", query.unit,
                      entries.size()));
    }
    r = sd_journal_previous(journal);
    if (r < 0) return Status::FromErrno("reading the journal of " + query.unit, -r);
    if (r == 0) break;
    Result<JournalEntry> entry = CurrentEntry(journal);
    if (!entry) return entry.error().WithContext("reading the journal of " + query.unit);
    if (query.since_realtime_usec && entry->realtime_usec < *query.since_realtime_usec) break;
    entries.push_back(std::move(*entry));
  }
  std::reverse(entries.begin(), entries.end());
  return entries;
}

}  // namespace flightcheck
