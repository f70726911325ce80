// Reads a unit's journal entries over sd-journal: the journal probe, the systemd_unit probe's
// output tail, and support bundles use it.
//
// A reader call owns the sd_journal handle it opens and closes it before returning; there is no
// shared state, so calls may run concurrently from any thread. Failures (a journal that cannot be
// opened or read, a deadline that passes) come back as a non-OK Status, never as "no entries".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/deadline.h"
#include "checks/host_context.h"
#include "checks/status.h"

namespace flightcheck {

struct JournalEntry {
  uint64_t realtime_usec = 0;  // __REALTIME_TIMESTAMP: µs since the Unix epoch
  std::string identifier;      // SYSLOG_IDENTIFIER, else _COMM, else "unknown"
  std::string pid;             // SYSLOG_PID, else _PID; "" when the entry has neither
  std::string message;         // MESSAGE, made valid UTF-8
};

struct JournalQuery {
  std::string unit;  // "dcos-mesos-master.service"
  size_t max_lines = 50;
  // Only entries at or after this realtime (µs since the epoch); nullopt for all of them.
  std::optional<uint64_t> since_realtime_usec;
};

// "2026-12-01T16:29:37.123456Z sh[16329]: MARKER" (RFC 3339 in UTC with microseconds; no
// "[pid]" when the entry has none). Pure.
std::string FormatJournalLine(const JournalEntry& entry);

// A duration for `since`: a positive integer followed by s, m, h or d ("90s", "30m", "1h", "2d").
// InvalidArgument otherwise. Pure.
Result<std::chrono::seconds> ParseJournalAge(std::string_view text);

// The last query.max_lines entries of query.unit, oldest first: entries with
// _SYSTEMD_UNIT=<unit> (what the unit's processes logged) or UNIT=<unit> (what the manager said
// about it), and their user-manager counterparts _SYSTEMD_USER_UNIT and USER_UNIT, as
// `journalctl -u` / `--user-unit` select them (without their _PID/_UID restrictions).
//
// Where it reads: host.journal_directory when set (sd_journal_open_directory); otherwise the
// host's own journal (sd_journal_open, SD_JOURNAL_LOCAL_ONLY) on the live root, or the journal
// files of the OS tree under host.root (SD_JOURNAL_OS_ROOT). Gives up with Timeout when the
// deadline passes; an unreadable journal is Unavailable or PermissionDenied. A journal without
// entries for the unit is an empty list, not an error.
Result<std::vector<JournalEntry>> ReadUnitJournal(const HostContext& host,
                                                  const JournalQuery& query, Deadline deadline);

// Every entry of unit (selected and read from the same places as ReadUnitJournal) at or after
// since_realtime_usec, oldest first, handed to visit one at a time: memory stays flat whatever
// the journal's size (support bundles). It opens a window of the journal files at a time, those
// that overlap in time (checks/journal_files.h), so entries are ordered across windows by their
// realtime: a file written while the clock stood before the previous file's end is read after
// it, not merged. Entries written to a file after the walk left it are not seen. Stops at visit's
// first error and returns it; Timeout when the deadline passes.
Status ForEachUnitJournalEntry(const HostContext& host, const std::string& unit,
                               std::optional<uint64_t> since_realtime_usec, Deadline deadline,
                               const std::function<Status(const JournalEntry&)>& visit);

// The units that have entries in the journal (read from the same places as ReadUnitJournal): the
// values of _SYSTEMD_UNIT and UNIT, and of their user-manager counterparts, sorted, each once.
// What a support bundle expands its unit globs over: it needs no systemd manager, and it finds
// units that logged and are gone. At most max_units names (more is InvalidArgument).
Result<std::vector<std::string>> JournalUnits(const HostContext& host, Deadline deadline,
                                              size_t max_units = 100000);

}  // namespace flightcheck
