#include "checks/journal_files.h"

#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

namespace flightcheck {

namespace {

namespace fs = std::filesystem;

bool IsJournalFileName(std::string_view name) {
  return name.ends_with(".journal") || name.ends_with(".journal~");
}

// A machine id: 32 lowercase hex digits (journald's per-machine subdirectories).
bool IsMachineIdName(std::string_view name) {
  return name.size() == 32 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Adds the journal files directly in directory. NotFound when it is absent; other listing
// errors name it.
Status AddFilesOf(const fs::path& directory, std::vector<std::string>* files,
                  std::vector<fs::path>* subdirectories) {
  std::error_code error;
  fs::directory_iterator it(directory, error);
  if (error) {
    if (error == std::errc::no_such_file_or_directory) {
      return Status::NotFound("no journal directory " + directory.string());
    }
    return Status::FromErrno("listing journal directory " + directory.string(), error.value());
  }
  for (; it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    std::error_code type_error;
    if (IsJournalFileName(name) && it->is_regular_file(type_error)) {
      files->push_back(it->path().string());
    } else if (subdirectories != nullptr && IsMachineIdName(name) && it->is_directory(type_error)) {
      subdirectories->push_back(it->path());
    }
  }
  if (error) {
    return Status::FromErrno("listing journal directory " + directory.string(), error.value());
  }
  return Status::Ok();
}

// Adds the files of a journal root: its own and those of its machine subdirectories (only
// only_machine's when set).
Status AddRoot(const fs::path& root, const std::optional<std::string>& only_machine,
               std::vector<std::string>* files) {
  std::vector<fs::path> subdirectories;
  if (Status status = AddFilesOf(root, files, &subdirectories); !status.ok()) return status;
  for (const fs::path& subdirectory : subdirectories) {
    if (only_machine && subdirectory.filename() != *only_machine) continue;
    Status status = AddFilesOf(subdirectory, files, nullptr);
    // Gone since the root was listed: as if it had not been there.
    if (!status.ok() && !status.IsNotFound()) return status;
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> ListJournalFiles(const HostContext& host) {
  std::vector<std::string> files;
  if (!host.journal_directory.empty()) {
    Status status = AddRoot(host.journal_directory, std::nullopt, &files);
    if (status.IsNotFound()) {
      return Status::FromErrno("opening journal directory " + host.journal_directory, ENOENT);
    }
    if (!status.ok()) return status;
  } else {
    std::optional<std::string> only_machine;
    if (host.IsLiveRoot()) {
      sd_id128_t machine;
      const int r = sd_id128_get_machine(&machine);
      if (r < 0) return Status::FromErrno("reading this machine's id", -r);
      char text[SD_ID128_STRING_MAX];
      only_machine = sd_id128_to_string(machine, text);
    }
    for (const char* directory : {"/run/log/journal", "/var/log/journal"}) {
      Result<fs::path> local = host.LocalPath(directory);
      if (!local) return local.error();
      Status status = AddRoot(*local, only_machine, &files);
      if (!status.ok() && !status.IsNotFound()) return status;
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::vector<JournalFileSpan>> ReadJournalSpans(
    const std::vector<std::string>& paths, std::map<std::string, JournalFileSpan>* archived_cache) {
  std::vector<JournalFileSpan> spans;
  Status first_failure;
  size_t opened = 0;
  for (const std::string& path : paths) {
    const bool archived = fs::path(path).filename().string().find('@') != std::string::npos;
    if (archived) {
      if (auto cached = archived_cache->find(path); cached != archived_cache->end()) {
        spans.push_back(cached->second);
        ++opened;
        continue;
      }
    }
    sd_journal* journal = nullptr;
    const char* one[] = {path.c_str(), nullptr};
    if (const int r = sd_journal_open_files(&journal, one, 0); r < 0) {
      if (first_failure.ok()) {
        first_failure = Status::FromErrno(fmt::format("cannot open journal file '{}'", path), -r);
      }
      continue;
    }
    ++opened;
    JournalFileSpan span{.path = path};
    const int r = sd_journal_get_cutoff_realtime_usec(journal, &span.head_realtime_usec,
                                                      &span.tail_realtime_usec);
    sd_journal_close(journal);
    if (r <= 0) continue;
    if (archived) archived_cache->emplace(path, span);
    spans.push_back(std::move(span));
  }
  if (opened == 0 && !first_failure.ok()) return first_failure;
  return spans;
}

JournalWindow ChooseJournalWindow(const std::vector<JournalFileSpan>& spans, uint64_t position_usec,
                                  uint64_t horizon_usec, const std::set<std::string>& done) {
  std::vector<const JournalFileSpan*> ahead;
  for (const JournalFileSpan& span : spans) {
    if (span.tail_realtime_usec >= position_usec && !done.contains(span.path)) {
      ahead.push_back(&span);
    }
  }
  JournalWindow window;
  window.horizon_usec = horizon_usec;
  if (ahead.empty()) return window;
  const auto earliest = std::min_element(ahead.begin(), ahead.end(), [](auto* a, auto* b) {
    return a->head_realtime_usec < b->head_realtime_usec;
  });
  window.horizon_usec = std::max(horizon_usec, (*earliest)->head_realtime_usec);
  for (const JournalFileSpan* span : ahead) {
    if (span->head_realtime_usec <= window.horizon_usec) {
      window.paths.push_back(span->path);
    } else {
      window.limit_usec = std::min(window.limit_usec, span->head_realtime_usec);
    }
  }
  std::sort(window.paths.begin(), window.paths.end());
  return window;
}

}  // namespace flightcheck
