// The journal files a walk over the journal reads, and which of them it needs open at once.
//
// sd-journal maps a part of every file it opens (its header, hash tables and the entry arrays a
// match touches: about 1.2 MB each), so a walk that opened all the files of a 1 GB journal at
// once would grow with the journal's size. A walk opens instead a window of files: those whose
// entries span its position, and the next one to start. In a journal whose files follow each
// other in time (journald rotates them so), that is two files, whatever the journal's size; files
// that overlap in time (a host's system and user journals) are open together.
//
// Thread-safety: the functions share no state. Failure: a directory that cannot be listed is an
// error naming it; a file that cannot be opened is left out, as sd_journal_open leaves it out.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "checks/host_context.h"
#include "checks/status.h"

namespace flightcheck {

// A journal file and the realtime (µs since the epoch) of its first and last entries.
struct JournalFileSpan {
  std::string path{};
  uint64_t head_realtime_usec = 0;
  uint64_t tail_realtime_usec = 0;
};

// The journal files sd-journal would open for host, listed the way it lists them: the files
// ending in .journal or .journal~ in each journal directory and in its subdirectories named by a
// machine id. The directories: host.journal_directory when set (an error when it cannot be
// listed); otherwise /run/log/journal and /var/log/journal, of the local machine only on the live
// root (SD_JOURNAL_LOCAL_ONLY) and of any machine under another root (SD_JOURNAL_OS_ROOT), absent
// ones skipped. Sorted by path.
Result<std::vector<std::string>> ListJournalFiles(const HostContext& host);

// The span of each file that can be opened and holds an entry. An archived file (its name has
// '@': journald writes no more to it) is read once and kept in archived_cache, which the caller
// owns and passes again; the file being written is read afresh each call. A file that cannot be
// opened is skipped, as journalctl skips it, unless none could be: then the error names the first
// ("cannot open journal file '/var/log/journal/x/system.journal': Permission denied"), for a
// journal that could not be read is not an empty one.
Result<std::vector<JournalFileSpan>> ReadJournalSpans(
    const std::vector<std::string>& paths, std::map<std::string, JournalFileSpan>* archived_cache);

struct JournalWindow {
  std::vector<std::string> paths{};  // the files to open, sorted by path
  // The horizon the window was chosen for, raised to the first file's head when it began later.
  uint64_t horizon_usec = 0;
  // The head of the first file left out: an entry at or after it may belong between entries of
  // that file, so the walk must widen the window (horizon_usec = limit_usec) before passing it.
  // The maximum when no file was left out.
  uint64_t limit_usec = std::numeric_limits<uint64_t>::max();
};

// The files a walk at position_usec (the realtime of the last entry it passed) needs open: those
// not in done, not ended before position_usec and begun by horizon_usec. Pure.
JournalWindow ChooseJournalWindow(const std::vector<JournalFileSpan>& spans, uint64_t position_usec,
                                  uint64_t horizon_usec, const std::set<std::string>& done);

}  // namespace flightcheck
