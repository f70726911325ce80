#include "checks/journal_reader.h"

#include <systemd/sd-journal.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "checks/journal_files.h"
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

// The entries of unit in one window of journal files, from the walk's cursor on (see
// ForEachUnitJournalEntry).
class WindowWalk {
 public:
  enum class Ended { kExhausted, kAtLimit };

  WindowWalk(const std::string& unit, std::optional<uint64_t> since_realtime_usec,
             Deadline deadline, const std::function<Status(const JournalEntry&)>& visit)
      : unit_(unit), since_(since_realtime_usec), deadline_(deadline), visit_(visit) {}

  // Walks window's files until they hold no more entries of the unit (kExhausted) or the next
  // one is at or past window.limit_usec (kAtLimit: not visited).
  Result<Ended> Walk(const JournalWindow& window) {
    // sd-journal keeps every window of the files it mapped, so a walk over one large file would
    // end with the whole file resident: it reopens the files every so many entries and carries
    // on from its cursor.
    constexpr uint64_t kEntriesPerOpen = 4000;
    if (Status status = Open(window.paths); !status.ok()) return status;
    for (;;) {
      if (deadline_.expired()) {
        return Status::Timeout(fmt::format(
            "reading the journal of {}: deadline passed after {} entries", unit_, visited_));
      }
      if (passed_since_open_ >= kEntriesPerOpen) {
        if (Status status = SaveCursor(); !status.ok()) return status;
        if (Status status = Open(window.paths); !status.ok()) return status;
      }
      int r = sd_journal_next(journal_.get());
      if (r < 0) return Status::FromErrno("reading the journal of " + unit_, -r);
      if (r == 0) return Ended::kExhausted;
      if (skip_cursor_entry_) {
        // Reopened at the cursor: its entry, when still there, was passed already.
        skip_cursor_entry_ = false;
        if (sd_journal_test_cursor(journal_.get(), cursor_.c_str()) > 0) {
          ++passed_since_open_;
          continue;
        }
      }
      uint64_t realtime = 0;
      r = sd_journal_get_realtime_usec(journal_.get(), &realtime);
      if (r < 0) return Status::FromErrno("reading a journal entry's timestamp", -r);
      if (realtime >= window.limit_usec) {
        // Left for the wider window: the cursor goes back to the last entry passed since the
        // files were opened, if any (before, it already names the last one passed).
        r = sd_journal_previous(journal_.get());
        if (r < 0) return Status::FromErrno("reading the journal of " + unit_, -r);
        if (r > 0 && passed_since_open_ > 0) {
          if (Status status = SaveCursor(); !status.ok()) return status;
        }
        return Ended::kAtLimit;
      }
      // Counted only now: the entry at the limit is not passed, and the one before it in this
      // set may lie before the cursor when the cursor's own entry is gone.
      ++passed_since_open_;
      position_usec_ = std::max(position_usec_, realtime);
      if (since_ && realtime < *since_) continue;
      Result<JournalEntry> entry = CurrentEntry(journal_.get());
      if (!entry) return entry.error().WithContext("reading the journal of " + unit_);
      ++visited_;
      if (Status status = visit_(*entry); !status.ok()) return status;
    }
  }

  // The realtime of the last entry passed; since_realtime_usec (or 0) before the first.
  uint64_t position_usec() const { return position_usec_; }

 private:
  Status Open(const std::vector<std::string>& paths) {
    journal_.reset();
    std::vector<const char*> files;
    for (const std::string& path : paths) files.push_back(path.c_str());
    files.push_back(nullptr);
    sd_journal* journal = nullptr;
    int r = sd_journal_open_files(&journal, files.data(), 0);
    if (r < 0) return Status::FromErrno("opening the journal files of " + unit_, -r);
    journal_.reset(journal);
    (void)sd_journal_set_data_threshold(journal, 64 * 1024);
    if (Status status = AddUnitMatches(journal, unit_); !status.ok()) return status;
    r = !cursor_.empty() ? sd_journal_seek_cursor(journal, cursor_.c_str())
        : since_         ? sd_journal_seek_realtime_usec(journal, *since_)
                         : sd_journal_seek_head(journal);
    if (r < 0) return Status::FromErrno("seeking in the journal of " + unit_, -r);
    skip_cursor_entry_ = !cursor_.empty();
    passed_since_open_ = 0;
    return Status::Ok();
  }

  Status SaveCursor() {
    char* at = nullptr;
    const int r = sd_journal_get_cursor(journal_.get(), &at);
    if (r < 0) return Status::FromErrno("reading the journal of " + unit_, -r);
    cursor_ = at;
    std::free(at);
    return Status::Ok();
  }

  const std::string& unit_;
  const std::optional<uint64_t> since_;
  const Deadline deadline_;
  const std::function<Status(const JournalEntry&)>& visit_;
  JournalHandle journal_;
  std::string cursor_;  // the last entry passed; "" before the first
  bool skip_cursor_entry_ = false;
  uint64_t passed_since_open_ = 0;
  uint64_t position_usec_ = since_.value_or(0);
  uint64_t visited_ = 0;
};

}  // namespace

Status ForEachUnitJournalEntry(const HostContext& host, const std::string& unit,
                               std::optional<uint64_t> since_realtime_usec, Deadline deadline,
                               const std::function<Status(const JournalEntry&)>& visit) {
  if (unit.empty()) return Status::InvalidArgument("no unit to read the journal of");
  WindowWalk walk(unit, since_realtime_usec, deadline, visit);
  std::map<std::string, JournalFileSpan> archived_spans;
  std::set<std::string> done;
  uint64_t horizon_usec = walk.position_usec();
  for (;;) {
    // Listed again at each widening: journald may have rotated or begun a file meanwhile.
    Result<std::vector<std::string>> files = ListJournalFiles(host);
    if (!files) return files.error();
    Result<std::vector<JournalFileSpan>> spans = ReadJournalSpans(*files, &archived_spans);
    if (!spans) return spans.error();
    const JournalWindow window =
        ChooseJournalWindow(*spans, walk.position_usec(), horizon_usec, done);
    if (window.paths.empty()) return Status::Ok();
    Result<WindowWalk::Ended> ended = walk.Walk(window);
    if (!ended) return ended.error();
    if (window.limit_usec == std::numeric_limits<uint64_t>::max()) return Status::Ok();
    // Exhausted: the window's files hold no more of the unit, and are left out from now on.
    if (*ended == WindowWalk::Ended::kExhausted) {
      done.insert(window.paths.begin(), window.paths.end());
    } else {
      // At the limit, everything before it was passed: a file that ended before it is done, even
      // when no entry of the unit was passed to move the position past it.
      for (const JournalFileSpan& span : *spans) {
        if (span.tail_realtime_usec < window.limit_usec &&
            std::binary_search(window.paths.begin(), window.paths.end(), span.path)) {
          done.insert(span.path);
        }
      }
    }
    horizon_usec = window.limit_usec;
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
